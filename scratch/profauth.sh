#!/bin/bash
# profauth.sh OUTDIR path
cd /work/main; N=node_modules/.bin/node
OUT=scratch/$1; rm -rf $OUT; mkdir -p $OUT
sed 's/127.0.0.1:[0-9]*/127.0.0.1:19001/' bench/out/auth-bench.json > $OUT/k.json
PORT=19001 taskset -c 0 $N bench/upstream.ts > /dev/null & UP=$!
taskset -c 1 $N --cpu-prof --cpu-prof-dir=$OUT bin/gateway.js start -c $OUT/k.json --proxy-listen 127.0.0.1:19002 --admin-listen off --log-level warn & GW=$!
sleep 3
H="apikey: key-4321-xxxxxxxxxxxxxxxxxxxxxxxx"
a=$(taskset -c 0 wrk -t1 -c32 -d4s -H "$H" http://127.0.0.1:19002/$2 | awk '/requests in/{print $1}')
taskset -c 0 wrk -t1 -c32 -d6s --latency -H "$H" http://127.0.0.1:19002/$2 > $OUT/wrk.txt
b=$(awk '/requests in/{print $1}' $OUT/wrk.txt)
grep -E "Requests/sec|99%|Non-2xx" $OUT/wrk.txt
echo $((a+b)) > $OUT/requests
kill -INT $GW; sleep 1; kill $UP
