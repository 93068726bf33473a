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
# Then the signed run: the same queries with the DO bit (dnsperf -D), against Letterbox (which signs
# its zones, dns.dnssec) and against a second NSD serving the signed zone as transferred from
# Letterbox (AXFR: DNSKEY, NSEC, RRSIG), i.e. the same signatures and NSEC proofs.
# Needs dnsperf, nsd and dig (Debian packages dnsperf, nsd, dnsutils).
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
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
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
  lb_port=$((offset + 53)); nsd_port=$((offset + 5353)); nsd2_port=$((offset + 5354))
  port_free "$lb_port" && port_free "$((offset + 80))" && port_free "$((offset + 25))" && port_free "$nsd_port" && port_free "$nsd2_port" && break
done
work=$(mktemp -d "${TMPDIR:-/tmp}/dns-bench.XXXXXX")
lb_pid=; nsd_pid=; nsd2_pid=
cleanup() {
  set +e
  if [ -n "$nsd2_pid" ]; then
    kill -TERM "$nsd2_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$nsd2_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$nsd2_pid" 2>/dev/null
  fi
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
# 127.0.0.1 may transfer the zone: the signed NSD below loads Letterbox's AXFR.
printf '[dns]\nsecondaries = ["127.0.0.1"]\ndnssec = true\n' > "$work/letterbox.toml"
LETTERBOX_IMDS_ENDPOINT=off "$bin" dev --data "$work/letterbox" --port-offset "$offset" --config "$work/letterbox.toml" > "$work/letterbox.log" 2>&1 &
lb_pid=$!
for _ in $(seq 300); do grep -q "appliance ready" "$work/letterbox.log" && break; sleep 0.1; done
grep -q "appliance ready" "$work/letterbox.log" || { echo "letterbox not ready in 30 s:" >&2; tail "$work/letterbox.log" >&2; exit 1; }

# --- NSD, a private instance under $work, with the zone as Letterbox exports it ---------------------
mkdir -p "$work/nsd"
LETTERBOX_IMDS_ENDPOINT=off "$bin" dns zone example.test --dev --port-offset "$offset" --data "$work/letterbox" > "$work/nsd/example.test.zone"
nsd_conf() { # $1 directory, $2 port
  cat > "$1/nsd.conf" <<CONF
server:
    ip-address: 127.0.0.1@$2
    port: $2
    username: ""
    chroot: ""
    zonesdir: "$1"
    pidfile: "$1/nsd.pid"
    database: ""
    xfrdfile: "$1/xfrd.state"
    xfrdir: "$1"
    zonelistfile: "$1/zone.list"
    server-count: $(nproc)
    minimal-responses: yes
    rrl-ratelimit: 0
    verbosity: 0
remote-control:
    control-enable: no
zone:
    name: example.test
    zonefile: "$1/example.test.zone"
CONF
}
wait_nsd() { # $1 port, $2 log
  for _ in $(seq 100); do dig +short +time=1 +tries=1 @127.0.0.1 -p "$1" example.test SOA 2>/dev/null | grep -q hostmaster && break; sleep 0.1; done
  dig +short +time=1 @127.0.0.1 -p "$1" example.test SOA | grep -q hostmaster || { echo "nsd not serving:" >&2; cat "$2" >&2; exit 1; }
}
nsd_conf "$work/nsd" "$nsd_port"
/usr/sbin/nsd -d -c "$work/nsd/nsd.conf" > "$work/nsd.log" 2>&1 &
nsd_pid=$!
wait_nsd "$nsd_port" "$work/nsd.log"

# --- A second NSD serving the zone signed, as transferred from Letterbox --------------------------
mkdir -p "$work/nsd-signed"
dig +onesoa +time=5 @127.0.0.1 -p "$lb_port" AXFR example.test | grep -v '^;' | grep -v '^$' > "$work/nsd-signed/example.test.zone"
grep -q $'\tRRSIG\t' "$work/nsd-signed/example.test.zone" || { echo "the AXFR from letterbox is not signed (dns.dnssec?)" >&2; exit 1; }
nsd_conf "$work/nsd-signed" "$nsd2_port"
/usr/sbin/nsd -d -c "$work/nsd-signed/nsd.conf" > "$work/nsd-signed.log" 2>&1 &
nsd2_pid=$!
wait_nsd "$nsd2_port" "$work/nsd-signed.log"

# --- The query mix: every owner name and type in the zone, plus negative and special cases -----------
awk -F'\t' '!/^[;$]/ && NF >= 4 { print $1, $4 }' "$work/nsd/example.test.zone" | sort -u > "$work/queries"
for q in "nope.example.test A" "mail.example.test MX" "x.wild.example.test TXT" "host.child.example.test A" \
         "www.example.test A" "MAIL.Example.TEST A" "example.test AAAA" "_dmarc.EXAMPLE.test TXT" "example.test DNSKEY"; do
  echo "$q" >> "$work/queries"
done
queries=$(wc -l < "$work/queries")

run() { # $1 port, $2 extra dnsperf flag (-D for DO) -> "qps avg_latency_ms lost"
  dnsperf -s 127.0.0.1 -p "$1" -d "$work/queries" -l "$duration" -c "$clients" -q "$outstanding" -T 1 -e ${2:-} 2>&1 |
    awk '/Queries per second:/ { qps = $4 } /Average Latency \(s\):/ { lat = $4 * 1000 } /Queries lost:/ { lost = $3 }
         END { printf "%.0f %.3f %s\n", qps, lat, lost }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "dnsperf: $queries distinct queries, ${duration}s per run, $clients clients, $outstanding outstanding, $rounds rounds, $(nproc) cores"
# One unmeasured 2-second run per server and mode first, so that no measured run pays for what
# happens once: the appliance still settling after "appliance ready" (every daemon starting, the
# supervisor's start-up collection) and Letterbox's kept answers being written on first use.
for warm in "$lb_port" "$nsd_port" "$lb_port -D" "$nsd2_port -D"; do
  read -r p flag <<< "$warm"
  dnsperf -s 127.0.0.1 -p "$p" -d "$work/queries" -l 2 -c "$clients" -q "$outstanding" -T 1 -e ${flag:-} > /dev/null 2>&1 || true
done
: > "$work/lb.txt"; : > "$work/nsd.txt"; : > "$work/lb-do.txt"; : > "$work/nsd-do.txt"
for r in $(seq "$rounds"); do
  read -r q l lost < <(run "$lb_port");        echo "  round $r letterbox:           $q q/s, avg latency $l ms, lost $lost"; echo "$q $l" >> "$work/lb.txt"
  read -r q l lost < <(run "$nsd_port");       echo "  round $r nsd:                 $q q/s, avg latency $l ms, lost $lost"; echo "$q $l" >> "$work/nsd.txt"
  read -r q l lost < <(run "$lb_port" -D);     echo "  round $r letterbox signed DO: $q q/s, avg latency $l ms, lost $lost"; echo "$q $l" >> "$work/lb-do.txt"
  read -r q l lost < <(run "$nsd2_port" -D);   echo "  round $r nsd signed DO:       $q q/s, avg latency $l ms, lost $lost"; echo "$q $l" >> "$work/nsd-do.txt"
done
col() { cut -d' ' -f"$1" "$work/$2.txt" | median; }
nsd_version=$(/usr/sbin/nsd -v 2>&1 | head -1 | awk '{print $3}') || true # nsd -v exits 1
echo
echo "| server | zone, queries | queries/s (median) | avg latency ms (median) |"
echo "|---|---|---|---|"
echo "| letterbox | signed, no DO | $(col 1 lb) | $(col 2 lb) |"
echo "| nsd $nsd_version | unsigned | $(col 1 nsd) | $(col 2 nsd) |"
echo "| letterbox | signed, DO | $(col 1 lb-do) | $(col 2 lb-do) |"
echo "| nsd $nsd_version | signed (our AXFR), DO | $(col 1 nsd-do) | $(col 2 nsd-do) |"
awk -v a="$(col 1 lb)" -v b="$(col 1 nsd)" -v c="$(col 1 lb-do)" -v d="$(col 1 nsd-do)" \
  'BEGIN { printf "\nletterbox / nsd queries per second: %.2f without DO, %.2f signed with DO\n", a / b, c / d }'
