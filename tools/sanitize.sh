#!/usr/bin/env bash
# CI's sanitizer steps (tools/test.sh runs them after the suite), from
# CMakePresets.json: every layer's tests (core, sim, render, session and run
# controller, sim-to-render adapter, GUI panels and main window, fuzz) under
# AddressSanitizer + UndefinedBehaviorSanitizer at -O1 (build-asan; the GUI
# and Vulkan tests under Xvfb on lavapipe, as in the main suite), and the
# session/worker tests under ThreadSanitizer (build-tsan). Only those test
# programs and the libraries they link are built; benchmarks are off. Any
# finding fails.
#   tools/sanitize.sh               both
#   tools/sanitize.sh asan-ubsan    one preset
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [[ -z "${XDG_RUNTIME_DIR:-}" || ! -w "${XDG_RUNTIME_DIR}" ]]; then
  XDG_RUNTIME_DIR=$(mktemp -d /tmp/waferscope-xdg.XXXXXX)
  export XDG_RUNTIME_DIR
fi
presets=("$@")
[[ ${#presets[@]} -eq 0 ]] && presets=(asan-ubsan tsan)
for preset in "${presets[@]}"; do
  start=$SECONDS
  # Warnings are errors in the main build already (tools/build.sh in CI).
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$(nproc)"
  built=$SECONDS
  xvfb-run -a -s "-screen 0 1280x800x24" ctest --preset "$preset" -j "$(nproc)"
  echo "sanitize: $preset built in $((built - start)) s, tested in $((SECONDS - built)) s"
done
