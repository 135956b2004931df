#!/usr/bin/env bash
# libFuzzer runs of the GGUF and JSON readers (not in CI): builds the
# libfuzzer preset (clang-14, ASan + UBSan; tools/install-deps.sh --libfuzzer)
# and fuzzes each reader for SECONDS (default 600) from the seed corpus in
# tests/fuzz/corpus, both at once. libFuzzer's last lines give exec/s and
# coverage (cov: edges, ft: features); new inputs go to build-fuzz/corpus,
# crashes to build-fuzz/artifacts.
#   tools/libfuzzer.sh [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-600}
cd "$root"
"$root/tools/install-deps.sh" --libfuzzer
cmake --preset libfuzzer >/dev/null
cmake --build --preset libfuzzer -j "$(nproc)"
out=$root/build-fuzz
mkdir -p "$out/corpus/gguf" "$out/corpus/json" "$out/artifacts"
cp tests/fuzz/corpus/gguf/*.gguf "$out/corpus/gguf/"
# fuzz_json's first byte picks the reader: 0 card, 1 chip, 2 GPU, 3 config.json, 4 sweep,
# 5 serving profile.
reader=0
for dir in assets/models/cards assets/chips assets/gpus tests/fuzz/corpus/config \
  "assets/sweeps tests/fuzz/corpus/sweep" assets/serving; do
  for f in $(for d in $dir; do echo "$d"/*.json; done); do
    { printf "\\x0$reader"; cat "$f"; } > "$out/corpus/json/$reader-$(basename "$f")"
  done
  reader=$((reader + 1))
done
export ASAN_OPTIONS=detect_leaks=1:max_allocation_size_mb=8192
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for target in gguf json; do
  "$out/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/" "$out/corpus/$target" \
    > "$out/fuzz_$target.log" 2>&1 &
done
wait
for target in gguf json; do
  echo "fuzz_$target:"
  grep -E '^#[0-9]+ +(DONE|pulse)' "$out/fuzz_$target.log" | tail -1
  grep -E 'stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
    "$out/fuzz_$target.log"
done
