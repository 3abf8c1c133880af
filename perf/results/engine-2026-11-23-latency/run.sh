#!/bin/bash
# run.sh LABEL args...  -> one line summary + thread CPU
label=$1; shift
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
("$(dirname "$0")/threads.sh" "^java .*BenchEngine" 10 6 > /tmp/quire-t-$label.txt &)
out=$(scripts/quire bench-engine --trace ../shared/traces/automerge-paper.json.gz --data /tmp/quire-lat-d1 --clean --warmup 8 --duration 10 --hgrm /tmp/quire-lat-$label.hgrm "$@" 2>&1)
echo "$out" > /tmp/quire-lat-$label.log
res=$(echo "$out" | grep RESULT | sed 's/RESULT //'); cpu=$(echo "$out" | grep -o "process CPU [0-9.]* us per op" | sed 's/process CPU //; s/ us per op/us\/op/'); com=$(echo "$out" | grep -o "commit latency.*us: p50=[0-9]* p99=[0-9]* p99.9=[0-9]*" | sed 's/.*us: //')
hic=$(echo "$out" | grep -o "woke) us: p50=[0-9]* p99=[0-9]* p99.9=[0-9]* max=[0-9]*" | sed 's/woke) us: //')
sleep 0.5
thr=$(awk '{printf "%s=%s ", $2, $3}' /tmp/quire-t-$label.txt | head -c 120)
echo "$label | $res | cpu $cpu | engine $com | hiccup $hic | $thr| load $(cut -d' ' -f1 /proc/loadavg)"
