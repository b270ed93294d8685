#!/bin/bash
# profplug.sh OUTDIR path  (uses bench/out/plugins-bench.yaml and noop plugins)
cd /work/main; N=node_modules/.bin/node
OUT=scratch/$1; rm -rf $OUT; mkdir -p $OUT
sed 's/127.0.0.1:[0-9]*/127.0.0.1:19001/' bench/out/plugins-bench.yaml > $OUT/k.yaml
PORT=19001 taskset -c 0 $N bench/upstream.ts > /dev/null & UP=$!
P=$(ls -d bench/out/noop-plugins)
taskset -c 1 $N --cpu-prof --cpu-prof-dir=$OUT bin/gateway.js start -c $OUT/k.yaml --proxy-listen 127.0.0.1:19002 --admin-listen off --log-level warn --plugins bundled,noop-0,noop-1,noop-2,noop-3,noop-4,noop-5,noop-6,noop-7,noop-8,noop-9 --plugins-path $P & GW=$!
sleep 2
a=$(taskset -c 0 wrk -t1 -c32 -d4s http://127.0.0.1:19002/$2 | awk '/requests in/{print $1}')
taskset -c 0 wrk -t1 -c32 -d6s --latency http://127.0.0.1:19002/$2 > $OUT/wrk.txt
b=$(awk '/requests in/{print $1}' $OUT/wrk.txt)
grep -E "Requests/sec|99%" $OUT/wrk.txt
echo $((a+b)) > $OUT/requests
kill -INT $GW; sleep 1; kill $UP
