#!/bin/bash
# pin.sh: after the bench JVM starts, put every thread on CPU 0 except quire-engine on CPU 1
for i in $(seq 1 100); do pid=$(pgrep -f "^java .*BenchEngine" | head -1); [ -n "$pid" ] && break; sleep 0.2; done
for i in $(seq 1 100); do grep -l quire-engine /proc/$pid/task/*/comm >/dev/null 2>&1 && break; sleep 0.2; done
sleep 1
for t in /proc/$pid/task/*; do tid=$(basename $t); n=$(cat $t/comm); if [ "$n" = "quire-engine" ]; then taskset -p -c 1 $tid >/dev/null; else taskset -p -c 0 $tid >/dev/null; fi; done
echo "pinned $(grep -l quire-engine /proc/$pid/task/*/comm | wc -l) engine thread(s)" >&2
