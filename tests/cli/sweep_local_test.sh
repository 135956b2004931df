#!/usr/bin/env bash
# sweep_local_test.sh CLI WORK SWEEP: the local backend writes one row per
# point; Ctrl-C (SIGINT) in the middle keeps every finished point; a rerun
# runs only the rest and gives a table identical, byte for byte, to an
# uninterrupted run; a rerun of a finished sweep runs nothing.
set -euo pipefail
cli=$1 work=$2 sweep=$3
rm -rf "$work"
mkdir -p "$work"
fail() { echo "sweep_local_test: $*" >&2; exit 1; }

"$cli" sweep "$sweep" --out "$work/ref" --threads 2 >"$work/ref.log"
points=$(/usr/bin/python3 -c "import csv,sys; r=list(csv.reader(open(sys.argv[1]))); print(len(r)-1)" "$work/ref/results.csv")
grep -q "^$points points ($points run now, 0 already done)" "$work/ref.log" || fail "unexpected summary: $(cat "$work/ref.log")"

# One thread, interrupted once a few points are in.
"$cli" sweep "$sweep" --out "$work/resumed" --threads 1 >/dev/null 2>"$work/interrupted.err" &
pid=$!
for ((i = 0; i < 600; i++)); do
  rows=$(cat "$work"/resumed/parts/*.csv 2>/dev/null | wc -l || true)
  ((rows >= 5)) && break
  sleep 0.05
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[[ $rc -eq 1 ]] || fail "interrupted run exited $rc, expected 1"
grep -q "waferscope-cli: error: interrupted: [0-9]* of $points points have a row" "$work/interrupted.err" ||
  fail "no interruption message: $(cat "$work/interrupted.err")"
kept=$(cat "$work"/resumed/parts/*.csv | wc -l)
((kept >= 5 && kept < points)) || fail "$kept rows kept after the interrupt (expected 5..$((points - 1)))"
[[ ! -e $work/resumed/results.csv ]] || fail "results.csv written by an interrupted run"

"$cli" sweep "$sweep" --out "$work/resumed" --threads 2 >"$work/resumed.log"
grep -q "($((points - kept)) run now, $kept already done)" "$work/resumed.log" ||
  fail "resume did not skip the $kept finished points: $(cat "$work/resumed.log")"
cmp "$work/ref/results.csv" "$work/resumed/results.csv" || fail "resumed table differs"

"$cli" sweep "$sweep" --out "$work/resumed" >"$work/again.log"
grep -q "(0 run now, $points already done)" "$work/again.log" || fail "rerun ran points: $(cat "$work/again.log")"
echo "sweep_local_test: $points points, interrupted after $kept, resumed to an identical table"
