#!/usr/bin/env bash
# The main job without a display: `waferscope-cli run` has the built-in model
# write code on the host CPU (streamed as it is generated) while each token is
# timed on a simulated wse3, then writes the timing summary, a JSON report, a
# Perfetto trace and an activity heatmap PNG into OUT_DIR.
#   tools/headless-demo.sh BUILD_DIR OUT_DIR [extra waferscope-cli run flags]
set -euo pipefail
build=$1
out=$2
shift 2
mkdir -p "$out"
cli=$build/app/waferscope-cli
prompt='def fibonacci(n):'
tokens=64
echo "The built-in model continues \"$prompt\" ($tokens tokens, greedy, on this CPU), each token timed on a simulated wse3:"
"$cli" run --model builtin --chip wse3 --prompt "$prompt" --tokens "$tokens" \
  --text "$out/generated.py" --report "$out/report.json" --trace "$out/trace.json" \
  --heatmap "$out/heatmap.png" --field activity "$@"
echo "Code:    $out/generated.py"
echo "Report:  $out/report.json"
echo "Trace:   $out/trace.json"
echo "Heatmap: $out/heatmap.png"
