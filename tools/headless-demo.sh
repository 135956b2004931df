#!/usr/bin/env bash
# The main job without a display: the built-in model on a simulated wse3,
# writing a JSON report and an activity heatmap PNG into OUT_DIR.
#   tools/headless-demo.sh BUILD_DIR OUT_DIR [extra waferscope-cli simulate flags]
set -euo pipefail
build=$1
out=$2
shift 2
mkdir -p "$out"
"$build/app/waferscope-cli" simulate --model builtin --chip wse3 \
  --prompt "def fibonacci(n):" --gen-tokens 64 \
  --report "$out/report.json" --heatmap "$out/heatmap.png" --field activity "$@"
echo "Report:  $out/report.json"
echo "Heatmap: $out/heatmap.png"
