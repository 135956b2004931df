#!/usr/bin/env bash
# Presenter-mode soak (a benchmark, not a test): runs `waferscope --presenter`
# (full screen, the looping scripted demo) under Xvfb on lavapipe for MINUTES,
# samples the process's resident memory every 30 s, and prints the growth from
# the first sample after a 5-minute warm-up to the last.
#
#   bench/presenter-soak.sh BUILD_DIR [MINUTES=60]
set -euo pipefail
build=${1:?usage: bench/presenter-soak.sh BUILD_DIR [MINUTES]}
minutes=${2:-60}
app=$build/app/waferscope
[[ -x $app ]] || { echo "presenter-soak: $app: not built" >&2; exit 1; }
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
export QT_QPA_PLATFORM=xcb
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/share/vulkan/icd.d/lvp_icd.x86_64.json}
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  app=$1 minutes=$2
  "$app" --presenter > /dev/null 2>&1 &
  pid=$!
  trap "kill $pid 2> /dev/null" EXIT
  warm= last=
  for ((s = 30; s <= minutes * 60; s += 30)); do
    sleep 30
    kill -0 "$pid" 2> /dev/null || { echo "presenter-soak: waferscope exited after ${s} s" >&2; exit 1; }
    rss=$(awk "/^VmRSS/ {print \$2}" /proc/$pid/status)
    awk -v s="$s" -v kb="$rss" "BEGIN { printf \"%5d s  RSS %7.1f MiB\\n\", s, kb / 1024 }"
    ((s >= 300)) && [[ -z $warm ]] && warm=$rss
    last=$rss
  done
  if [[ -n $warm ]]; then
    awk -v a="$warm" -v b="$last" -v m="$((minutes - 5))" \
      "BEGIN { printf \"growth after warm-up: %+.1f MiB over %d min\\n\", (b - a) / 1024, m }"
  fi
' soak "$app" "$minutes"
