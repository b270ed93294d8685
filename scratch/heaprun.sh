#!/bin/bash
# heaprun.sh gw|base out.json
cd /work/main; N=node_modules/.bin/node
PORT=19001 taskset -c 0 $N bench/upstream.ts >/dev/null & UP=$!
if [ $1 = gw ]; then HEAP_OUT=$2 taskset -c 1 $N --import ./scratch/heapsample.mjs bin/gateway.js start -c scratch/pg/k.yaml --proxy-listen 127.0.0.1:19002 --admin-listen off --log-level warn & GW=$!
else HEAP_OUT=$2 PORT=19002 UPSTREAM=http://127.0.0.1:19001 taskset -c 1 $N --import ./scratch/heapsample.mjs bench/baseline-proxy.ts >/dev/null & GW=$!; fi
sleep 1.5; taskset -c 0 wrk -t1 -c32 -d3s http://127.0.0.1:19002/bench >/dev/null
kill -USR1 $GW; sleep 0.2
taskset -c 0 wrk -t1 -c32 -d4s http://127.0.0.1:19002/bench | awk '/requests in/{print $1}' > $2.reqs
kill -USR2 $GW; sleep 1; kill $UP
