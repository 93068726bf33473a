#!/usr/bin/env bash
# Authoritative DNS throughput, Letterbox against NSD serving the same zone, in the same run, on
# loopback only, with the same dnsperf query mix for both.
#   bench/dns.sh [--duration SECONDS] [--clients N] [--outstanding N] [--rounds R] [--binary PATH]
#   --duration     length of one dnsperf run (default 15)
#   --clients      dnsperf clients, i.e. UDP source ports (default 8)
#   --outstanding  queries in flight at once (default 200)
#   --rounds       runs per server, alternating; the table shows the median (default 3)
# The zone is the one `letterbox dev` generates for example.test, plus a wildcard, a CNAME and a
# delegation, exported with `letterbox dns zone` and loaded into NSD (server-count = cores, as a
# tuned NSD would run). The query mix: every name and type of the zone, NODATA, NXDOMAIN,
# wildcard, CNAME and referral queries, some in mixed case; every query with EDNS0 (dnsperf -e).
# Needs dnsperf and nsd (Debian packages dnsperf, nsd).
set -euo pipefail
cd "$(dirname "$0")/.."

duration=15; clients=8; outstanding=200; rounds=3
bin=artifacts/publish/letterbox
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --outstanding) outstanding=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --binary) bin=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
for v in "$duration" "$clients" "$outstanding" "$rounds"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "not a positive number: $v" >&2; exit 2; }
done
[ "$duration" -le 300 ] || { echo "--duration is at most 300" >&2; exit 2; }
bin=$(readlink -f "$bin")
[ -x "$bin" ] || { echo "no letterbox binary at $bin" >&2; exit 1; }
command -v dnsperf >/dev/null || { echo "dnsperf missing: apt-get install dnsperf" >&2; exit 1; }
[ -x /usr/sbin/nsd ] || { echo "nsd missing: apt-get install nsd" >&2; exit 1; }

source bench/lib.sh
for _ in $(seq 20); do
  offset=$(( 20000 + RANDOM % 20000 ))
  lb_port=$((offset + 53)); nsd_port=$((offset + 5353))
  port_free "$lb_port" && port_free "$((offset + 80))" && port_free "$((offset + 25))" && port_free "$nsd_port" && break
done
work=$(mktemp -d "${TMPDIR:-/tmp}/dns-bench.XXXXXX")
lb_pid=; nsd_pid=
cleanup() {
  set +e
  if [ -n "$lb_pid" ]; then
    kill -TERM "$lb_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$lb_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$lb_pid" 2>/dev/null
  fi
  if [ -n "$nsd_pid" ]; then
    kill -TERM "$nsd_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$nsd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$nsd_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Letterbox --------------------------------------------------------------------------------------
mkdir -p "$work/letterbox/dns/zones"
cat > "$work/letterbox/dns/zones/example.test.zone" <<'ZONE'
www        IN CNAME mail
*.wild     IN TXT  "wildcard"
child      IN NS   ns1.child
ns1.child  IN A    192.0.2.53
ZONE
LETTERBOX_IMDS_ENDPOINT=off "$bin" dev --data "$work/letterbox" --port-offset "$offset" > "$work/letterbox.log" 2>&1 &
lb_pid=$!
for _ in $(seq 300); do grep -q "appliance ready" "$work/letterbox.log" && break; sleep 0.1; done
grep -q "appliance ready" "$work/letterbox.log" || { echo "letterbox not ready in 30 s:" >&2; tail "$work/letterbox.log" >&2; exit 1; }

# --- NSD, a private instance under $work, with the zone as Letterbox exports it ---------------------
mkdir -p "$work/nsd"
LETTERBOX_IMDS_ENDPOINT=off "$bin" dns zone example.test --dev --port-offset "$offset" --data "$work/letterbox" > "$work/nsd/example.test.zone"
cat > "$work/nsd/nsd.conf" <<CONF
server:
    ip-address: 127.0.0.1@$nsd_port
    port: $nsd_port
    username: ""
    chroot: ""
    zonesdir: "$work/nsd"
    pidfile: "$work/nsd/nsd.pid"
    database: ""
    xfrdfile: "$work/nsd/xfrd.state"
    xfrdir: "$work/nsd"
    zonelistfile: "$work/nsd/zone.list"
    server-count: $(nproc)
    minimal-responses: yes
    rrl-ratelimit: 0
    verbosity: 0
remote-control:
    control-enable: no
zone:
    name: example.test
    zonefile: "$work/nsd/example.test.zone"
CONF
/usr/sbin/nsd -d -c "$work/nsd/nsd.conf" > "$work/nsd.log" 2>&1 &
nsd_pid=$!
for _ in $(seq 100); do dig +short +time=1 +tries=1 @127.0.0.1 -p "$nsd_port" example.test SOA 2>/dev/null | grep -q hostmaster && break; sleep 0.1; done
dig +short +time=1 @127.0.0.1 -p "$nsd_port" example.test SOA | grep -q hostmaster || { echo "nsd not serving:" >&2; cat "$work/nsd.log" >&2; exit 1; }

# --- The query mix: every owner name and type in the zone, plus negative and special cases -----------
awk -F'\t' '!/^[;$]/ && NF >= 4 { print $1, $4 }' "$work/nsd/example.test.zone" | sort -u > "$work/queries"
for q in "nope.example.test A" "mail.example.test MX" "x.wild.example.test TXT" "host.child.example.test A" \
         "www.example.test A" "MAIL.Example.TEST A" "example.test AAAA" "_dmarc.EXAMPLE.test TXT"; do
  echo "$q" >> "$work/queries"
done
queries=$(wc -l < "$work/queries")

run() { # $1 port -> "qps avg_latency_ms"
  dnsperf -s 127.0.0.1 -p "$1" -d "$work/queries" -l "$duration" -c "$clients" -q "$outstanding" -T 1 -e 2>&1 |
    awk '/Queries per second:/ { qps = $4 } /Average Latency \(s\):/ { lat = $4 * 1000 } /Queries lost:/ { lost = $3 }
         END { printf "%.0f %.3f %s\n", qps, lat, lost }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "dnsperf: $queries distinct queries, ${duration}s per run, $clients clients, $outstanding outstanding, $rounds rounds, $(nproc) cores"
: > "$work/lb.txt"; : > "$work/nsd.txt"
for r in $(seq "$rounds"); do
  read -r q l lost < <(run "$lb_port");  echo "  round $r letterbox: $q q/s, avg latency $l ms, lost $lost"; echo "$q $l" >> "$work/lb.txt"
  read -r q l lost < <(run "$nsd_port"); echo "  round $r nsd:       $q q/s, avg latency $l ms, lost $lost"; echo "$q $l" >> "$work/nsd.txt"
done
lb_qps=$(cut -d' ' -f1 "$work/lb.txt" | median); nsd_qps=$(cut -d' ' -f1 "$work/nsd.txt" | median)
lb_lat=$(cut -d' ' -f2 "$work/lb.txt" | median); nsd_lat=$(cut -d' ' -f2 "$work/nsd.txt" | median)
echo
echo "| server | queries/s (median) | avg latency ms (median) |"
echo "|---|---|---|"
echo "| letterbox | $lb_qps | $lb_lat |"
echo "| nsd $(/usr/sbin/nsd -v 2>&1 | head -1 | awk '{print $3}') | $nsd_qps | $nsd_lat |"
awk -v a="$lb_qps" -v b="$nsd_qps" 'BEGIN { printf "\nletterbox / nsd queries per second: %.2f\n", a / b }'
