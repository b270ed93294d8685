#!/bin/bash
# usage: prof.sh  -> profiles gateway under wrk
cd /work/main
N=node_modules/.bin/node
rm -rf scratch/prof; mkdir -p scratch/prof
PORT=19001 taskset -c 1 $N bench/upstream.ts & UP=$!
cat > scratch/prof/k.yaml <<Y
_format_version: "3.0"
services:
- name: bench
  url: http://127.0.0.1:19001
  routes:
  - { name: bench, paths: [/] }
Y
sleep 0.5
taskset -c 1 $N --cpu-prof --cpu-prof-dir=scratch/prof bin/gateway.js start -c scratch/prof/k.yaml --proxy-listen 127.0.0.1:19002 --admin-listen off --log-level warn & GW=$!
sleep 1.5
taskset -c 0 wrk -t1 -c32 -d5s http://127.0.0.1:19002/bench > /dev/null
taskset -c 0 wrk -t1 -c32 -d8s --latency http://127.0.0.1:19002/bench | grep -E "Req|99%|50%"
kill -INT $GW; sleep 1; kill $UP
