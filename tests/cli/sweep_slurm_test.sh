#!/usr/bin/env bash
# sweep_slurm_test.sh CLI WORK SWEEP: starts a real single-node Slurm cluster
# (slurm_cluster.sh), runs the sweep through --backend slurm and checks that
# its table is byte-identical to the local backend's; makes one shard fail
# for real (its part file cannot be created) and checks that it is
# resubmitted once, reported with the reason, and that no finished point is
# lost; a failing sbatch is a one-line error naming it. Stops the daemons and
# removes their state on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cli=$1 work=$2 sweep=$3
fail() { echo "sweep_slurm_test: $*" >&2; exit 1; }
source "$here/slurm_cluster.sh"
cluster=$(mktemp -d /tmp/waferscope-slurm.XXXXXX)
trap slurm_cluster_stop EXIT
slurm_cluster_start "$cluster" || fail "the Slurm cluster did not start (logs above)"
rm -rf "$work"
mkdir -p "$work"

"$cli" sweep "$sweep" --out "$work/local" --threads 2 >"$work/local.log"
points=$(($(wc -l <"$work/local/results.csv") - 1))
((points >= 200)) || fail "the test sweep has $points points, needs at least 200"

start=$(date +%s.%N)
"$cli" sweep "$sweep" --out "$work/slurm" --backend slurm --partition sweep --time 10 \
  --shards 4 --max-parallel 2 >"$work/slurm.log" 2>"$work/slurm.err" ||
  fail "slurm sweep failed: $(cat "$work/slurm.err")"
end=$(date +%s.%N)
grep -q "submitted job [0-9]*: tasks 0-3 of 4 shards ($points points)" "$work/slurm.err" ||
  fail "no submission line: $(cat "$work/slurm.err")"
cmp "$work/local/results.csv" "$work/slurm/results.csv" || fail "Slurm and local tables differ"
ls "$work"/slurm/parts/slurm-{0,1,2,3}-0.csv >/dev/null || fail "not every shard wrote its part"

# Shard 2 cannot create its part file (a folder is in the way): it fails,
# is resubmitted once, fails again and its points are reported with the reason.
mkdir -p "$work/broken/parts/slurm-2-0.csv"
rc=0
"$cli" sweep "$sweep" --out "$work/broken" --backend slurm --shards 4 >/dev/null 2>"$work/broken.err" || rc=$?
[[ $rc -eq 1 ]] || fail "a failing shard exited $rc, expected 1: $(cat "$work/broken.err")"
grep -q "resubmitted failed shards as job [0-9]*: tasks 2 of 4 shards" "$work/broken.err" ||
  fail "shard 2 not resubmitted: $(cat "$work/broken.err")"
failed=$(grep -c "^failed: point [0-9]* (task 2, .*cannot be opened for writing" "$work/broken.err" || true)
((failed == points / 4)) || fail "$failed failed points reported, expected $((points / 4)): $(cat "$work/broken.err")"
grep -q "waferscope-cli: error: .*$failed points failed on Slurm (shards resubmitted once: 1)" "$work/broken.err" ||
  fail "no summary line: $(tail -1 "$work/broken.err")"
kept=$(cat "$work"/broken/parts/slurm-{0,1,3}-0.csv | wc -l)
((kept == points - failed)) || fail "$kept finished rows kept, expected $((points - failed))"
rmdir "$work/broken/parts/slurm-2-0.csv"
"$cli" sweep "$sweep" --out "$work/broken" --backend slurm --shards 2 >"$work/retry.log" 2>&1 ||
  fail "retry failed: $(cat "$work/retry.log")"
grep -q "($failed run now, $kept already done)" "$work/retry.log" || fail "retry reran finished points: $(cat "$work/retry.log")"
cmp "$work/local/results.csv" "$work/broken/results.csv" || fail "retried table differs from the local one"

# A Slurm command that fails is one line naming it.
"$here/expect_error.sh" "sbatch failed \\(exit [0-9]+\\): .*partition" -- \
  "$cli" sweep "$sweep" --out "$work/nopartition" --backend slurm --partition no-such-partition
printf 'sweep_slurm_test: %d points through Slurm in %.1f s (4 shards), identical to local\n' \
  "$points" "$(awk "BEGIN{print $end - $start}")"
