#!/bin/bash
# usage: prof2.sh gw|base|basek OUTDIR
cd /work/main
N=node_modules/.bin/node
OUT=scratch/$2; rm -rf $OUT; mkdir -p $OUT
PORT=19001 taskset -c 0 $N bench/upstream.ts > /dev/null & UP=$!
cat > $OUT/k.yaml <<Y
_format_version: "3.0"
services:
- name: bench
  url: http://127.0.0.1:19001
  routes:
  - { name: bench, paths: [/] }
Y
sleep 0.5
case $1 in
gw) taskset -c 1 $N --cpu-prof --cpu-prof-dir=$OUT bin/gateway.js start -c $OUT/k.yaml --proxy-listen 127.0.0.1:19002 --admin-listen off --log-level warn $GWFLAGS & GW=$! ;;
base) PORT=19002 UPSTREAM=http://127.0.0.1:19001 taskset -c 1 $N --cpu-prof --cpu-prof-dir=$OUT bench/baseline-proxy.ts >/dev/null & GW=$! ;;
basek) PORT=19002 KONG_HEADERS=1 UPSTREAM=http://127.0.0.1:19001 taskset -c 1 $N --cpu-prof --cpu-prof-dir=$OUT bench/baseline-proxy.ts >/dev/null & GW=$! ;;
esac
sleep 1.5
a=$(taskset -c 0 wrk -t1 -c32 -d4s http://127.0.0.1:19002/bench | awk '/requests in/{print $1}')
taskset -c 0 wrk -t1 -c32 -d6s --latency http://127.0.0.1:19002/bench > $OUT/wrk.txt
b=$(awk '/requests in/{print $1}' $OUT/wrk.txt)
grep -E "Requests/sec|99%" $OUT/wrk.txt
echo $((a+b)) > $OUT/requests
kill -INT $GW; sleep 1; kill $UP
