#!/bin/bash
cd /work/main; N=node_modules/.bin/node
sed 's/127.0.0.1:[0-9]*/127.0.0.1:19001/' bench/out/plugins-bench.yaml > /tmp/kp.yaml
PORT=19001 taskset -c 0 $N bench/upstream.ts >/dev/null & UP=$!
HEAP_OUT=$1 taskset -c 1 $N --import ./scratch/heapsample.mjs bin/gateway.js start -c /tmp/kp.yaml --proxy-listen 127.0.0.1:19002 --admin-listen off --log-level warn --plugins bundled,noop-0,noop-1,noop-2,noop-3,noop-4,noop-5,noop-6,noop-7,noop-8,noop-9 --plugins-path bench/out/noop-plugins & GW=$!
sleep 2.5; taskset -c 0 wrk -t1 -c32 -d3s http://127.0.0.1:19002/$2 >/dev/null
kill -USR1 $GW; sleep 0.2
taskset -c 0 wrk -t1 -c32 -d4s http://127.0.0.1:19002/$2 | awk '/requests in/{print $1}' > $1.reqs
kill -USR2 $GW; sleep 1; kill $UP
