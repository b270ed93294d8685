#!/bin/bash
# usage: p99.sh "<node flags for gateway>"
cd /work/main; N=node_modules/.bin/node
PORT=19001 taskset -c 0 $N bench/upstream.ts >/dev/null & UP=$!
taskset -c 1 $N $1 --trace-gc bin/gateway.js start -c scratch/pg/k.yaml --proxy-listen 127.0.0.1:19002 --admin-listen off --log-level warn > /tmp/gc.log & GW=$!
PORT=19003 UPSTREAM=http://127.0.0.1:19001 taskset -c 1 $N $1 bench/baseline-proxy.ts > /dev/null & B=$!
sleep 1.5; for p in 19002 19003 19002 19003; do taskset -c 0 wrk -t1 -c32 -d4s http://127.0.0.1:$p/bench >/dev/null; done
: > /tmp/gc.log
for i in 1 2 3 4; do for p in 19002 19003; do echo -n "$p "; taskset -c 0 wrk -t1 -c32 -d5s --latency http://127.0.0.1:$p/bench | grep -E "Requests/sec|99%|90%" | tr -s ' ' | tr '\n' ' '; echo; done; done
kill $GW $UP $B; echo "gw scavenges $(grep -ac Scavenge /tmp/gc.log) mark-compacts $(grep -ac Mark-Compact /tmp/gc.log)"
