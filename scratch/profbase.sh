#!/bin/bash
cd /work/main
N=node_modules/.bin/node
rm -rf scratch/profb; mkdir -p scratch/profb
PORT=19001 taskset -c 1 $N bench/upstream.ts & UP=$!
sleep 0.5
PORT=19003 UPSTREAM=http://127.0.0.1:19001 KONG_HEADERS=$KH taskset -c 1 $N --cpu-prof --cpu-prof-dir=scratch/profb bench/baseline-proxy.ts & GW=$!
sleep 1.5
taskset -c 0 wrk -t1 -c32 -d5s http://127.0.0.1:19003/bench > /dev/null
taskset -c 0 wrk -t1 -c32 -d8s --latency http://127.0.0.1:19003/bench | grep -E "Req|99%|50%"
kill -INT $GW; sleep 1; kill $UP
