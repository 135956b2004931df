#!/usr/bin/env bash
# README command 1: install, build, and start the main job. With a display the
# GUI opens; without one, `waferscope-cli run` has the built-in model write
# code on the CPU, each token timed on a simulated wse3, and writes a report,
# a trace and a heatmap PNG into waferscope-out/, printing where.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WS_BUILD_DIR:-$root/build}
"$root/tools/build.sh" --target waferscope waferscope-cli
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
  exec "$build/app/waferscope" "$@"
fi
echo "No display: running headless (tools/headless-demo.sh)." >&2
exec "$root/tools/headless-demo.sh" "$build" "${WS_OUT_DIR:-$PWD/waferscope-out}" "$@"
