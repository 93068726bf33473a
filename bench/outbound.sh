#!/usr/bin/env bash
# Outbound throughput: messages accepted, DKIM-signed and relayed to a remote MX, Letterbox against
# Postfix + OpenDKIM, in the same run, on loopback only, with identical smtp-source invocations.
#   bench/outbound.sh [--messages N] [--size BYTES] [--sessions 1,10] [--timeout SECONDS] [--binary PATH]
#   --messages  messages per run (default 2000)        --size     payload bytes (default 4096)
#   --sessions  parallel SMTP sessions, one run each    --timeout  bound of one run (default 600)
# Both servers take the mail from a trusted network (no AUTH: smtp-source cannot log in), sign it for
# example.test and hand it to their own smtp-sink (Debian's postfix package), which writes one file per
# message. msgs/s counts from the first connection until the sink holds all N: the whole path,
# accept + fsync + sign + queue + deliver. Letterbox signs twice (rsa-sha256 and ed25519-sha256);
# OpenDKIM is given the same two keys. Letterbox finds the sink as the MX of sink.test through NSD on
# loopback (dns.resolvers, queue.mx_port); Postfix is given it as relayhost and looks nothing up, which
# if anything favours Postfix.
# Needs: postfix (smtp-source, smtp-sink), opendkim, opendkim-tools, nsd; installed here if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

messages=2000; size=4096; sessions=1,10; run_timeout=600
bin=artifacts/publish/letterbox
while [ $# -gt 0 ]; do
  case $1 in
    --messages) messages=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --sessions) sessions=$2; shift 2 ;;
    --timeout) run_timeout=$2; shift 2 ;;
    --binary) bin=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
for v in "$messages" "$size" "$run_timeout"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "not a positive number: $v" >&2; exit 2; }
done
[[ $sessions =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || { echo "--sessions wants a list like 1,10" >&2; exit 2; }
IFS=, read -r -a session_list <<< "$sessions"
bin=$(readlink -f "$bin")
[ -x "$bin" ] || { echo "no letterbox binary at $bin" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run as root: Postfix, OpenDKIM and NSD instances need it" >&2; exit 1; }

missing=()
command -v smtp-source >/dev/null || missing+=(postfix)
command -v opendkim >/dev/null || missing+=(opendkim)
command -v opendkim-genkey >/dev/null || missing+=(opendkim-tools)
command -v nsd >/dev/null || missing+=(nsd)
if [ ${#missing[@]} -gt 0 ]; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  # The packages' own system services must not stay running.
  for s in postfix opendkim nsd; do
    systemctl disable --now "$s" >/dev/null 2>&1 || service "$s" stop >/dev/null 2>&1 || true
  done
fi

source bench/lib.sh
for _ in $(seq 20); do
  offset=$(( 20000 + RANDOM % 20000 ))
  lb_port=$((offset + 25)); pf_port=$((offset + 2525)); sink_lb=$((offset + 2526)); sink_pf=$((offset + 2527))
  milter=$((offset + 2528)); nsd_port=$((offset + 2553))
  ok=1
  for p in $lb_port $((offset + 80)) $((offset + 53)) $((offset + 587)) $((offset + 465)) $pf_port $sink_lb $sink_pf $milter $nsd_port; do
    port_free "$p" || ok=0
  done
  [ $ok = 1 ] && break
done
work=$(mktemp -d "${TMPDIR:-/tmp}/outbound-bench.XXXXXX")
chmod 755 "$work"
lb_data=$work/letterbox; pf=$work/postfix
mkdir -p "$lb_data" "$pf/etc" "$pf/spool" "$pf/data" "$work/sink-lb" "$work/sink-pf" "$work/nsd" "$work/dkim"
chown nobody "$work/sink-lb" "$work/sink-pf"

pids=(); lb_pid=; pf_on=0
cleanup() {
  set +e
  [ -n "$lb_pid" ] && { kill -TERM "$lb_pid"; for _ in $(seq 100); do kill -0 "$lb_pid" 2>/dev/null || break; sleep 0.1; done; kill -9 "$lb_pid"; } 2>/dev/null
  [ $pf_on = 1 ] && postfix -c "$pf/etc" stop >/dev/null 2>&1
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- The remote side: NSD answering for sink.test, one smtp-sink per server -------------------------
cat > "$work/nsd/sink.test.zone" <<EOF
\$ORIGIN sink.test.
\$TTL 3600
@   IN SOA ns.sink.test. hostmaster.sink.test. 1 3600 900 604800 300
@   IN NS  ns
@   IN MX  10 mx
ns  IN A   127.0.0.1
mx  IN A   127.0.0.1
EOF
cat > "$work/nsd/nsd.conf" <<EOF
server:
  ip-address: 127.0.0.1@$nsd_port
  username: ""
  chroot: ""
  zonesdir: "$work/nsd"
  database: ""
  pidfile: "$work/nsd/nsd.pid"
  xfrdfile: "$work/nsd/xfrd.state"
  zonelistfile: "$work/nsd/zone.list"
  xfrdir: "$work/nsd"
  logfile: "$work/nsd/nsd.log"
remote-control:
  control-enable: no
zone:
  name: sink.test
  zonefile: sink.test.zone
EOF
nsd -d -c "$work/nsd/nsd.conf" > "$work/nsd/stdout" 2>&1 & pids+=($!)
smtp-sink -u nobody -d "$work/sink-lb/m." "127.0.0.1:$sink_lb" 256 > /dev/null 2>&1 & pids+=($!)
smtp-sink -u nobody -d "$work/sink-pf/m." "127.0.0.1:$sink_pf" 256 > /dev/null 2>&1 & pids+=($!)

# --- Letterbox: trusted loopback, its queue delivering to sink.test's MX ----------------------------
cat > "$work/letterbox.toml" <<EOF
[smtp]
trusted_networks = ["127.0.0.0/8"]
max_connections_per_ip = 200
max_connections = 500
max_messages_per_hour = 1000000
[dns]
resolvers = ["127.0.0.1:$nsd_port"]
[queue]
mx_port = $sink_lb
EOF
LETTERBOX_IMDS_ENDPOINT=off "$bin" dev --data "$lb_data" --port-offset "$offset" --config "$work/letterbox.toml" > "$work/letterbox.log" 2>&1 &
lb_pid=$!
for _ in $(seq 300); do grep -q "appliance ready" "$work/letterbox.log" && break; sleep 0.1; done
grep -q "appliance ready" "$work/letterbox.log" || { echo "letterbox not ready in 30 s:" >&2; tail "$work/letterbox.log" >&2; exit 1; }
"$bin" dkim show example.test --data "$lb_data" > "$work/letterbox-dkim.txt"

# --- Postfix + OpenDKIM with an RSA-2048 and an Ed25519 key for example.test ------------------------
opendkim-genkey -b 2048 -a rsa-sha256 -d example.test -s rsa -D "$work/dkim" 2>/dev/null || opendkim-genkey -b 2048 -d example.test -s rsa -D "$work/dkim"
openssl genpkey -algorithm ed25519 -out "$work/dkim/ed.private" 2>/dev/null
chown -R opendkim "$work/dkim" 2>/dev/null || true
cat > "$work/dkim/keytable" <<EOF
rsa._domainkey.example.test example.test:rsa:$work/dkim/rsa.private
ed._domainkey.example.test example.test:ed:$work/dkim/ed.private
EOF
cat > "$work/dkim/signingtable" <<EOF
*@example.test rsa._domainkey.example.test
*@example.test ed._domainkey.example.test
EOF
cat > "$work/dkim/opendkim.conf" <<EOF
Syslog no
Mode s
Canonicalization relaxed/relaxed
Socket inet:$milter@127.0.0.1
PidFile $work/dkim/opendkim.pid
KeyTable file:$work/dkim/keytable
SigningTable refile:$work/dkim/signingtable
MultipleSignatures yes
InternalHosts 127.0.0.0/8
UserID opendkim
RequireSafeKeys no
EOF
start_opendkim() { opendkim -f -x "$work/dkim/opendkim.conf" > "$work/dkim/log" 2>&1 & opendkim_pid=$!; pids+=($opendkim_pid); }
start_opendkim

for f in main.cf master.cf; do
  sed -e "s|@DIR@|$pf|g" -e "s|@PORT@|$pf_port|g" -e "s|@UID@|$(id -u nobody)|g" -e "s|@GID@|$(id -g nobody)|g" \
    "bench/postfix/$f" > "$pf/etc/$f"
done
chown postfix "$pf/data"
postconf -c "$pf/etc" -e "virtual_mailbox_domains =" "virtual_mailbox_maps =" \
  "relayhost = [127.0.0.1]:$sink_pf" "smtp_tls_security_level = none" \
  "smtpd_milters = inet:127.0.0.1:$milter" "non_smtpd_milters = inet:127.0.0.1:$milter" "milter_default_action = tempfail"
postfix -c "$pf/etc" check
postfix -c "$pf/etc" start >/dev/null 2>&1 || { echo "postfix did not start:" >&2; cat "$pf/maillog" >&2; exit 1; }
pf_on=1
for _ in $(seq 300); do port_free "$pf_port" || break; sleep 0.1; done
for p in $milter $sink_lb $sink_pf; do
  for _ in $(seq 100); do port_free "$p" || break; sleep 0.1; done
  port_free "$p" && { echo "nothing listening on $p (opendkim: $(cat "$work/dkim/log"))" >&2; exit 1; }
done

# One run: $1 name, $2 port, $3 sink dir, $4 sessions. Prints "msgs/s seconds status accepted-seconds":
# accepted-seconds is when smtp-source had its last 250, so intake and delivery can be told apart.
run_one() {
  local name=$1 port=$2 sink=$3 s=$4 before t0 t_src t_done n status=ok
  before=$(count_files "$sink")
  sync; sleep 1
  t0=$(now_ms)
  timeout -k 5 "$run_timeout" smtp-source -s "$s" -m "$messages" -l "$size" -f "bench@example.test" \
    -M client.example.org -t "someone@sink.test" "127.0.0.1:$port" >/dev/null 2>&1 || status=smtp-source-failed
  t_src=$(now_ms)
  local deadline=$(( $(date +%s) + run_timeout ))
  while :; do
    n=$(( $(count_files "$sink") - before ))
    [ "$n" -ge "$messages" ] && break
    [ "$(date +%s)" -ge "$deadline" ] && { status="timeout-$n-of-$messages"; break; }
    sleep 0.05
  done
  t_done=$(now_ms)
  local secs; secs=$(awk -v a="$t0" -v b="$t_done" 'BEGIN { printf "%.2f", (b - a) / 1000 }')
  echo "$(awk -v n="$messages" -v s="$secs" 'BEGIN { printf "%d", n / s }') $secs $status $(awk -v a="$t0" -v b="$t_src" 'BEGIN { printf "%.2f", (b - a) / 1000 }')"
}

# Warm-up: one message each, and a check that both signed it twice. Debian's OpenDKIM 2.11 may
# fail to sign with the Ed25519 key (the milter then tempfails); it is then run with RSA alone,
# which the output says, and which spares Postfix one signature per message.
opendkim_keys="rsa-sha256 + ed25519-sha256"
smtp-source -m 1 -f bench@example.test -t someone@sink.test "127.0.0.1:$lb_port" >/dev/null
if ! smtp-source -m 1 -f bench@example.test -t someone@sink.test "127.0.0.1:$pf_port" >/dev/null 2>&1; then
  sed -i '/^ed\._domainkey/d; /ed\._domainkey\.example\.test$/d' "$work/dkim/keytable" "$work/dkim/signingtable"
  kill "$opendkim_pid"; wait "$opendkim_pid" 2>/dev/null || true
  start_opendkim
  for _ in $(seq 100); do port_free "$milter" || break; sleep 0.1; done
  opendkim_keys="rsa-sha256 only (its ed25519-sha256 signing failed)"
  smtp-source -m 1 -f bench@example.test -t someone@sink.test "127.0.0.1:$pf_port" >/dev/null
fi
for _ in $(seq 200); do [ "$(count_files "$work/sink-lb")" -ge 1 ] && [ "$(count_files "$work/sink-pf")" -ge 1 ] && break; sleep 0.1; done
lb_sigs=$(grep -c "^DKIM-Signature:" "$work"/sink-lb/* 2>/dev/null | head -1 | cut -d: -f2 || true)
pf_sigs=$(grep -c "^DKIM-Signature:" "$work"/sink-pf/* 2>/dev/null | head -1 | cut -d: -f2 || true)

echo "outbound: $messages messages of $size bytes per run, signed and relayed to smtp-sink, $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "DKIM-Signature fields on the warm-up message: letterbox ${lb_sigs:-0}, postfix+opendkim ${pf_sigs:-0} ($opendkim_keys)"
printf '%-10s %14s %14s %8s\n' sessions "letterbox/s" "postfix/s" ratio
for s in "${session_list[@]}"; do
  read -r lb_rate lb_secs lb_status lb_accepted < <(run_one letterbox "$lb_port" "$work/sink-lb" "$s")
  read -r pf_rate pf_secs pf_status pf_accepted < <(run_one postfix "$pf_port" "$work/sink-pf" "$s")
  ratio=$(awk -v a="$lb_rate" -v b="$pf_rate" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }')
  printf '%-10s %14s %14s %8s   (%ss %s, accepted in %ss; %ss %s, accepted in %ss)\n' "$s" "$lb_rate" "$pf_rate" "$ratio" \
    "$lb_secs" "$lb_status" "$lb_accepted" "$pf_secs" "$pf_status" "$pf_accepted"
done
