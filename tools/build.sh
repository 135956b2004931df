#!/usr/bin/env bash
# Installs what is missing (tools/install-deps.sh), then configures and builds
# Waferscope into build/ (or $WS_BUILD_DIR). Extra arguments go to
# `cmake --build` (e.g. --target waferscope-cli). Warnings are errors in CI.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WS_BUILD_DIR:-$root/build}
"$root/tools/install-deps.sh"
werror=OFF
[[ "${CI:-}" == "true" ]] && werror=ON
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWS_WERROR=$werror >/dev/null
cmake --build "$build" -j "$(nproc)" "$@"
