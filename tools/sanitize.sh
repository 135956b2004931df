#!/usr/bin/env bash
# CI's sanitizer steps (tools/test.sh runs them after the suite), from
# CMakePresets.json: the core, sim, session and fuzz tests under AddressSanitizer
# + UndefinedBehaviorSanitizer at -O1 (build-asan), and the session/worker
# tests under ThreadSanitizer (build-tsan). Only those test programs and the
# libraries they link are built; GUI and benchmarks are off. Any finding fails.
#   tools/sanitize.sh               both
#   tools/sanitize.sh asan-ubsan    one preset
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
presets=("$@")
[[ ${#presets[@]} -eq 0 ]] && presets=(asan-ubsan tsan)
for preset in "${presets[@]}"; do
  start=$SECONDS
  # Warnings are errors in the main build already (tools/build.sh in CI).
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$(nproc)"
  built=$SECONDS
  ctest --preset "$preset" -j "$(nproc)"
  echo "sanitize: $preset built in $((built - start)) s, tested in $((SECONDS - built)) s"
done
