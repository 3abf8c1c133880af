#!/bin/bash
# The side-by-side matrix of 2026-11-23 (run from the repository root: perf/results/engine-2026-11-23-latency/matrix.sh).
# Each run: automerge-paper over 64 documents x 4 sources, 2 shards, journal `write`, 8 s warm-up, 10 s measured.
d="$(dirname "$0")"
for round in 1 2; do
"$d/run.sh" r$round-open-wake --rate 100000 --wake
"$d/run.sh" r$round-open-nowake --rate 100000 --no-wake
"$d/run.sh" r$round-open-wake-si50 --rate 100000 --wake --send-interval 50us
"$d/run.sh" r$round-open-spin-si50 --rate 100000 --send-interval 50us --no-wake --set idle-strategy=busy-spin
"$d/run.sh" r$round-open-spin-wake-si50 --rate 100000 --send-interval 50us --wake --set idle-strategy=busy-spin
"$d/run.sh" r$round-closed-wake --wake
"$d/run.sh" r$round-closed-nowake --no-wake
done
