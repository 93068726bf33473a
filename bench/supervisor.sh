#!/usr/bin/env bash
# How fast the supervisor recovers, measured on `letterbox dev` on loopback:
#   kill -9 of a daemon -> a new daemon healthy; SIGSTOP (hang) -> detected, killed, replaced;
#   SIGTERM of the supervisor -> every process gone.
#   bench/supervisor.sh [BINARY]
set -euo pipefail
bin=$(readlink -f "${1:-artifacts/publish/letterbox}")
offset=$(( 20000 + RANDOM % 20000 ))
data=$(mktemp -d /tmp/letterbox-bench.XXXXXX)
trap 'kill -9 $pid 2>/dev/null || true; rm -rf "$data"' EXIT
source "$(dirname "$0")/lib.sh"
http_pid() { "$bin" status --data "$data" 2>/dev/null | awk -F'[:,]' '/"pid"/ {gsub(/ /,"",$2); print $2; exit}'; }
healthy_other_than() { # wait (bounded: 60 s) until a healthy http daemon with another pid answers /healthz
  for _ in $(seq 600); do
    p=$(http_pid || true)
    if [ -n "$p" ] && [ "$p" != "null" ] && [ "$p" != "$1" ] && curl -sf "http://127.0.0.1:$((offset + 80))/healthz" >/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "daemon not replaced" >&2; return 1
}

LETTERBOX_IMDS_ENDPOINT=off "$bin" dev --data "$data" --port-offset "$offset" >"$data.log" 2>&1 &
pid=$!
healthy_other_than none

old=$(http_pid); t0=$(now_ms); kill -9 "$old"; healthy_other_than "$old"; t1=$(now_ms)
echo "kill -9 -> replaced and healthy:   $((t1 - t0)) ms"

sleep 2
old=$(http_pid); t0=$(now_ms); kill -STOP "$old"; healthy_other_than "$old"; t1=$(now_ms)
echo "SIGSTOP (hang) -> replaced:        $((t1 - t0)) ms"

t0=$(now_ms); kill -TERM "$pid"; wait "$pid" || true; t1=$(now_ms)
left=$(pgrep -f "letterbox daemon .*--data $data" | wc -l || true)
echo "SIGTERM -> supervisor exited:      $((t1 - t0)) ms (daemons left: $left)"
rm -f "$data.log"
