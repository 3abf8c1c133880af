#!/bin/bash
# usage: threads.sh PATTERN DELAY SECONDS  -> per-thread CPU ms over the window
pid=""
for i in $(seq 1 100); do pid=$(pgrep -f "$1" | head -1); [ -n "$pid" ] && break; sleep 0.2; done
sleep $2
snap() { for t in /proc/$pid/task/*; do n=$(tr ' ' '_' < $t/comm 2>/dev/null); s=$(awk '{print $14+$15}' $t/stat 2>/dev/null); echo "$(basename $t) $n $s"; done; }
snap > /tmp/quire-s1; sleep $3; snap > /tmp/quire-s2
join <(sort /tmp/quire-s1) <(sort /tmp/quire-s2) | awk -v sec=$3 '{d=$5-$3; if (d>0) printf "%s %s %.0f%%\n", $1, $2, d*100/100/sec}' | sort -k3 -nr | head -15
