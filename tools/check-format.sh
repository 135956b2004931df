#!/usr/bin/env bash
# CI's formatting check: every C/C++ source git tracks, against the checked-in
# .clang-format, with clang-format-14 (Debian 12). Lists each file that
# differs and fails; `clang-format-14 -i FILE` fixes one.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v clang-format-14 >/dev/null; then
  echo "check-format: clang-format-14 is missing (tools/install-deps.sh installs it)" >&2
  exit 1
fi
cd "$root"
git ls-files -z -- '*.cpp' '*.h' '*.hpp' '*.c' | xargs -0 clang-format-14 --dry-run --Werror
echo "check-format: $(git ls-files -- '*.cpp' '*.h' '*.hpp' '*.c' | wc -l) files formatted"
