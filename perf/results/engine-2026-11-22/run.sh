#!/usr/bin/env bash
# Side-by-side: main (/tmp/perf-base, git archive of main) vs perf (/tmp/perf-head), alternating.
set -u
T=/work/shared/traces/automerge-paper.json.gz
OUT=${OUT:-/tmp/perf-results/r1}
REPS=${REPS:-2}
mkdir -p $OUT
run() { # label root threading sync rate
  local label=$1 root=$2 thr=$3 sync=$4 rate=$5
  local name=$label-$sync-$([ $rate = 0 ] && echo max || echo rate$rate)-$rep
  local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
  local args=(--trace $T --data /tmp/perf-bench-data --clean --sync $sync --warmup 5 --duration 10 --hgrm $OUT/$name.hgrm)
  [ $rate != 0 ] && args+=(--rate $rate)
  [ -n "$thr" ] && args+=(--threading $thr)
  local res; res=$("$root/scripts/quire" bench-engine "${args[@]}" 2>&1 | tee $OUT/$name.log | grep -E "^RESULT|process CPU" | sed 's/.*measured/measured/' | tr '\n' ' ')
  echo "$(date -u +%H:%M:%S) load=[$load] $name :: $res" | tee -a $OUT/summary.txt
}
for rep in $(seq 1 $REPS); do
  for sync in ${SYNCS:-write sync}; do
    for rate in 0 100000; do
      run main /tmp/perf-base "" $sync $rate
      run perf /tmp/perf-head "" $sync $rate
      run perf-shared /tmp/perf-head shared $sync $rate
    done
  done
done
