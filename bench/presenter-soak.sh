#!/usr/bin/env bash
# Presenter-mode soak (a benchmark, not a test): runs `waferscope --presenter`
# (full screen, the looping scripted demo) under Xvfb on lavapipe for MINUTES,
# samples the process's resident memory every 30 s, and compares the peak of
# the first 10 minutes after a 5-minute warm-up with the peak of the last 10.
# Peaks, not single samples: RSS swings by ~10 MiB within each demo loop, so
# two single samples differ by where in the loop they fall.
#
#   bench/presenter-soak.sh BUILD_DIR [MINUTES=60]
set -euo pipefail
build=${1:?usage: bench/presenter-soak.sh BUILD_DIR [MINUTES]}
minutes=${2:-60}
app=$build/app/waferscope
[[ -x $app ]] || { echo "presenter-soak: $app: not built" >&2; exit 1; }
((minutes >= 25)) || { echo "presenter-soak: MINUTES must be at least 25 (warm-up + two 10-minute windows)" >&2; exit 1; }
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
export QT_QPA_PLATFORM=xcb
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/share/vulkan/icd.d/lvp_icd.x86_64.json}
samples=$(mktemp)
trap 'rm -f "$samples"' EXIT
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  app=$1 minutes=$2
  "$app" --presenter > /dev/null 2>&1 &
  pid=$!
  trap "kill $pid 2> /dev/null" EXIT
  for ((s = 30; s <= minutes * 60; s += 30)); do
    sleep 30
    kill -0 "$pid" 2> /dev/null || { echo "presenter-soak: waferscope exited after ${s} s" >&2; exit 1; }
    rss=$(awk "/^VmRSS/ {print \$2}" /proc/$pid/status)
    awk -v s="$s" -v kb="$rss" "BEGIN { printf \"%5d s  RSS %7.1f MiB\\n\", s, kb / 1024 }"
  done
' soak "$app" "$minutes" | tee "$samples"
awk -v end="$((minutes * 60))" '
  $1 > 300 && $1 <= 900 && $4 > first { first = $4 }
  $1 > end - 600 && $4 > last { last = $4 }
  END { printf "peak RSS: %.1f MiB in minutes 5-15, %.1f MiB in the last 10: %+.1f MiB\n",
               first, last, last - first }' "$samples"
