#!/usr/bin/env bash
# The main job without a display: the built-in model writes code on the host
# CPU, then the same prompt and token count are timed on a simulated wse3,
# writing a JSON report and an activity heatmap PNG into OUT_DIR.
#   tools/headless-demo.sh BUILD_DIR OUT_DIR [extra waferscope-cli simulate flags]
set -euo pipefail
build=$1
out=$2
shift 2
mkdir -p "$out"
cli=$build/app/waferscope-cli
prompt='def fibonacci(n):'
tokens=64
echo "The built-in model continues \"$prompt\" ($tokens tokens, greedy, on this CPU):"
{
  printf '%s' "$prompt"
  "$cli" generate --model builtin --prompt "$prompt" --tokens "$tokens"
} | tee "$out/generated.py"
echo
"$cli" simulate --model builtin --chip wse3 --prompt "$prompt" --gen-tokens "$tokens" \
  --report "$out/report.json" --heatmap "$out/heatmap.png" --field activity "$@"
echo "Code:    $out/generated.py"
echo "Report:  $out/report.json"
echo "Heatmap: $out/heatmap.png"
