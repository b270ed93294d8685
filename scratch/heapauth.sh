#!/bin/bash
cd /work/main; N=node_modules/.bin/node
sed 's/127.0.0.1:[0-9]*/127.0.0.1:19001/' bench/out/auth-bench.json > /tmp/ka.json
PORT=19001 taskset -c 0 $N bench/upstream.ts >/dev/null & UP=$!
HEAP_OUT=$1 taskset -c 1 $N --import ./scratch/heapsample.mjs bin/gateway.js start -c /tmp/ka.json --proxy-listen 127.0.0.1:19002 --admin-listen off --log-level warn & GW=$!
sleep 3; H="apikey: key-4321-xxxxxxxxxxxxxxxxxxxxxxxx"; taskset -c 0 wrk -t1 -c32 -d3s -H "$H" http://127.0.0.1:19002/$2 >/dev/null
kill -USR1 $GW; sleep 0.2
taskset -c 0 wrk -t1 -c32 -d4s -H "$H" http://127.0.0.1:19002/$2 | awk '/requests in/{print $1}' > $1.reqs
kill -USR2 $GW; sleep 1; kill $UP
