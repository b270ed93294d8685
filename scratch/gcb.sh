#!/bin/bash
# gcb.sh gw|base  -> trace-gc-nvp summary during 2x5s load after warmup
cd /work/main; N=node_modules/.bin/node
PORT=19001 taskset -c 0 $N bench/upstream.ts >/dev/null & UP=$!
if [ $1 = gw ]; then taskset -c 1 $N --trace-gc-nvp bin/gateway.js start -c scratch/pg/k.yaml --proxy-listen 127.0.0.1:19002 --admin-listen off --log-level warn > /tmp/nvp.log & GW=$!
else PORT=19002 UPSTREAM=http://127.0.0.1:19001 taskset -c 1 $N --trace-gc-nvp bench/baseline-proxy.ts > /tmp/nvp.log & GW=$!; fi
sleep 1.5; taskset -c 0 wrk -t1 -c32 -d8s http://127.0.0.1:19002/bench >/dev/null; : > /tmp/nvp.log
taskset -c 0 wrk -t1 -c32 -d10s http://127.0.0.1:19002/bench | grep Requests
kill $GW $UP; sleep 0.5
tr -d '\000' < /tmp/nvp.log | grep -o "gc=[a-z]*" | sort | uniq -c
tr -d '\000' < /tmp/nvp.log | grep "gc=s" | grep -o "promoted=[0-9]*" | awk -F= '{s+=$2; n++} END {print "scavenges", n, "promoted total KB", s/1024, "avg KB", s/n/1024}'
tr -d '\000' < /tmp/nvp.log | grep "gc=s" | grep -o "semi_space_copied=[0-9]*" | awk -F= '{s+=$2; n++} END {print "semi copied avg KB", s/n/1024}'
