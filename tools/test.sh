#!/usr/bin/env bash
# README command 2: install, build, and run every test. GUI and Vulkan tests
# run under Xvfb on lavapipe (Mesa's CPU Vulkan driver), as in CI. Then the
# formatting check (tools/check-format.sh, first: it takes seconds) and the
# sanitizer builds and tests (tools/sanitize.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WS_BUILD_DIR:-$root/build}
"$root/tools/build.sh"
"$root/tools/check-format.sh"
if [[ -z "${XDG_RUNTIME_DIR:-}" || ! -w "${XDG_RUNTIME_DIR}" ]]; then
  XDG_RUNTIME_DIR=$(mktemp -d /tmp/waferscope-xdg.XXXXXX)
  export XDG_RUNTIME_DIR
fi
chmod 700 "$XDG_RUNTIME_DIR"
xvfb-run -a -s "-screen 0 1280x800x24" \
  ctest --test-dir "$build" --output-on-failure -j "$(nproc)" "$@"
"$root/tools/sanitize.sh"
