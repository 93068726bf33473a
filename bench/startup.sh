#!/usr/bin/env bash
# Start-up time, idle memory and size of the letterbox binary, on loopback only.
#   bench/startup.sh [BINARY] [RUNS]
# Start-up is measured from exec to (a) every port accepting and (b) /healthz reporting every
# daemon healthy; idle RSS is the sum over the supervisor and its daemons after 5 s idle.
set -euo pipefail
bin=${1:-artifacts/publish/letterbox}
runs=${2:-5}
bin=$(readlink -f "$bin")
command -v curl >/dev/null || { echo "curl is missing: apt-get install -y curl" >&2; exit 1; }

offset=$(( 20000 + RANDOM % 20000 ))
port=$((offset + 80))
data=$(mktemp -d /tmp/letterbox-bench.XXXXXX)
trap 'kill -9 $pid 2>/dev/null || true; rm -rf "$data"' EXIT

source "$(dirname "$0")/lib.sh"
listen_ms=(); ready_ms=()
for i in $(seq "$runs"); do
  rm -rf "$data"/*
  t0=$(now_ms)
  LETTERBOX_IMDS_ENDPOINT=off "$bin" dev --data "$data" --port-offset "$offset" >"$data.log" 2>&1 &
  pid=$!
  # Bounded polls: 2000 x 5 ms at most.
  for _ in $(seq 2000); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.005; done
  t1=$(now_ms)
  for _ in $(seq 2000); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.005; done
  t2=$(now_ms)
  listen_ms+=($((t1 - t0))); ready_ms+=($((t2 - t0)))
  if [ "$i" = "$runs" ]; then
    sleep 5
    pids="$pid $(pgrep -f "letterbox daemon .*--data $data" || true)"
    rss=0; for p in $pids; do r=$(awk '/VmRSS/ {print $2}' /proc/$p/status); rss=$((rss + r)); done
    nproc_=$(echo $pids | wc -w)
  fi
  kill -TERM $pid; wait $pid || true
done
rm -f "$data.log"

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
size=$(stat -c %s "$bin")
echo "binary size:            $(awk -v s=$size 'BEGIN {printf "%.2f MiB (%d bytes)", s/1048576, s}')"
echo "ldd:                    $(ldd "$bin" | awk '{print $1}' | tr '\n' ' ')"
echo "start-up to listening:  median $(median "${listen_ms[@]}") ms over $runs runs (${listen_ms[*]})"
echo "start-up to healthy:    median $(median "${ready_ms[@]}") ms over $runs runs (${ready_ms[*]})"
echo "idle RSS:               $((rss / 1024)) MiB over $nproc_ processes (supervisor + daemons)"
