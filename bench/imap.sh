#!/usr/bin/env bash
# IMAP against Dovecot, same run, loopback only: the same workload (bench/imap/workload.py: N
# concurrent imaplib clients doing LOGIN, SELECT, FETCH flags and bodies, SEARCH, STORE, APPEND,
# MOVE, LOGOUT) against Letterbox (`letterbox dev`, own data dir and port offset) and against a
# private Dovecot (Debian's dovecot-imapd, `dovecot -F` with a temp config) serving a copy of the
# same Maildir; then the memory of N idle IDLE connections on each (bench/imap/idle.py).
#   bench/imap.sh [--clients N] [--rounds R] [--messages M] [--idle K] [--binary PATH]
#   --clients  concurrent clients (default 10)        --rounds  workload rounds per client (default 30)
#   --messages messages in the INBOX (default 500)    --idle    idle IDLE connections (default 1000)
# Besides ops/s and latency it prints the CPU seconds each server used in its run (Letterbox's imap
# daemon; every Dovecot process, reaped ones included), which a busy shared machine disturbs less.
# Both servers use implicit TLS (Letterbox refuses LOGIN in the clear) with a self-signed
# certificate, and the same Argon2id password hash (the one `letterbox user add` made). Memory is
# the sum of RSS (and PSS) over the serving processes: Letterbox's imap daemon; Dovecot's imap and
# imap-login processes. Needs dovecot-imapd (installed here if missing, as root) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

clients=10; rounds=30; messages=500; idle=1000
bin=artifacts/publish/letterbox
while [ $# -gt 0 ]; do
  case $1 in
    --clients) clients=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --messages) messages=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --binary) bin=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
for v in "$clients" "$rounds" "$messages" "$idle"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "not a positive number: $v" >&2; exit 2; }
done
bin=$(readlink -f "$bin")
[ -x "$bin" ] || { echo "no letterbox binary at $bin" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run as root: the private Dovecot instance needs it" >&2; exit 1; }
if ! command -v dovecot >/dev/null || [ ! -x /usr/lib/dovecot/imap ]; then
  echo "installing dovecot-imapd (Debian package)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
  # Our install must not leave a system Dovecot running or starting at boot.
  systemctl disable --now dovecot >/dev/null 2>&1 || update-rc.d dovecot disable >/dev/null 2>&1 || true
fi
# Open files: the client holds one socket per idle connection, Dovecot one or two per connection too.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((3 * idle + 1000)) ] \
  || { echo "open-file limit $(ulimit -n) too low for --idle $idle (raise the hard limit)" >&2; exit 1; }
scripts=$PWD/bench/imap

source bench/lib.sh
for _ in $(seq 20); do
  offset=$(( 20000 + RANDOM % 20000 ))
  lb_port=$((offset + 993)); dc_port=$((offset + 1993))
  # Every port `letterbox dev` opens at this offset (SMTP, submission, POP3, IMAP, DNS, HTTP) and Dovecot's.
  all_free=1
  for p in 25 53 80 110 143 443 465 587 993 995; do port_free "$((offset + p))" || { all_free=0; break; }; done
  [ "$all_free" = 1 ] && port_free "$dc_port" && break
done
work=$(mktemp -d "${TMPDIR:-/tmp}/imap-bench.XXXXXX")
chmod 755 "$work"
lb_data=$work/letterbox; dc=$work/dovecot
mkdir -p "$lb_data" "$dc/run" "$dc/state"
user=bench@example.test; password=bench-password-123

lb_pid=; dc_pid=; idler=
cleanup() {
  set +e
  [ -n "$idler" ] && kill "$idler" 2>/dev/null
  if [ -n "$lb_pid" ]; then
    kill -TERM "$lb_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$lb_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$lb_pid" 2>/dev/null
  fi
  if [ -n "$dc_pid" ]; then
    kill -TERM "$dc_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$dc_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$dc_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# "RSS PSS COUNT" in KiB over the given pids.
mem_of() {
  awk '
    { f = "/proc/" $1 "/smaps_rollup"; n++
      while ((getline line < f) > 0) { split(line, w, " "); if (w[1] == "Rss:") rss += w[2]; if (w[1] == "Pss:") pss += w[2] }
      close(f) }
    END { print rss + 0, pss + 0, n + 0 }'
}
# CPU time in clock ticks (utime + stime) of the given pids, plus what their reaped children used
# (cutime + cstime): Dovecot's imap processes end at LOGOUT and are reaped by the master.
cpu_of() {
  awk '{ f = "/proc/" $1 "/stat"; if ((getline line < f) > 0) { sub(/^.*\) /, "", line); split(line, w, " "); t += w[12] + w[13] + w[14] + w[15] } close(f) }
       END { print t + 0 }'
}
# The serving processes: Letterbox's imap daemon (the child of the supervisor running `daemon imap`);
# Dovecot's imap and imap-login processes.
lb_serving() { tree_pids "$lb_pid" | while read -r p; do tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q "daemon imap" && echo "$p"; done; true; }
dc_serving() { tree_pids "$dc_pid" | while read -r p; do case $(cat "/proc/$p/comm" 2>/dev/null) in imap|imap-login) echo "$p" ;; esac; done; true; }

# --- The Maildir both servers get a copy of --------------------------------------------------------
python3 - "$work/template" "$messages" <<'PY'
import os, random, sys, time
root, count = sys.argv[1], int(sys.argv[2])
random.seed(42)
words = ["invoice", "meeting", "report", "holiday", "budget", "review", "lunch", "release", "draft", "notes"]
for d in ("cur", "new", "tmp", ".Archive/cur", ".Archive/new", ".Archive/tmp"):
    os.makedirs(os.path.join(root, d), exist_ok=True)
open(os.path.join(root, ".Archive", "maildirfolder"), "w").close()
now = int(time.time()) - count * 60
for i in range(count):
    subject = " ".join(random.choice(words) for _ in range(3))
    body = "".join(f"line {j} of message {i}: {' '.join(random.choice(words) for _ in range(8))}\r\n"
                   for j in range(random.randint(10, 150)))
    text = (f"From: sender{i % 37}@example.org\r\nTo: bench@example.test\r\nSubject: {subject} {i}\r\n"
            f"Message-ID: <m{i}@bench.example.org>\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}").encode()
    flags = "S" if i % 3 else ""
    name = f"{now + i * 60}.M{i}P1.bench,S={len(text)}:2,{flags}"
    path = os.path.join(root, "cur", name)
    with open(path, "wb") as f:
        f.write(text)
    os.utime(path, (now + i * 60, now + i * 60))
PY
template_bytes=$(du -sb "$work/template" | cut -f1)

# --- Letterbox ------------------------------------------------------------------------------------
printf '[imap]\nmax_connections = 5000\nmax_connections_per_ip = %d\nmax_connections_per_user_ip = %d\n' \
  $((idle + clients + 50)) $((idle + clients + 50)) > "$work/letterbox.toml"
LETTERBOX_IMDS_ENDPOINT=off "$bin" dev --data "$lb_data" --port-offset "$offset" \
  --config "$work/letterbox.toml" > "$work/letterbox.log" 2>&1 &
lb_pid=$!
for _ in $(seq 300); do grep -q "appliance ready" "$work/letterbox.log" && break; sleep 0.1; done
grep -q "appliance ready" "$work/letterbox.log" || { echo "letterbox not ready in 30 s:" >&2; tail "$work/letterbox.log" >&2; exit 1; }
"$bin" user add "$user" --data "$lb_data" --password-stdin <<< "$password" >/dev/null
lb_maildir=$lb_data/mail/example.test/bench
mkdir -p "$lb_maildir"
cp -a "$work/template/." "$lb_maildir/"
hash=$(sqlite3 "$(find "$lb_data" -maxdepth 2 -name '*.db' | head -1)" "select password_hash from users where address = '$user'")
[[ $hash == \$argon2id\$* ]] || { echo "could not read the Argon2id hash of $user" >&2; exit 1; }

# --- Dovecot, a private instance under $work ---------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mail.example.test" \
  -keyout "$dc/key.pem" -out "$dc/cert.pem" >/dev/null 2>&1
chmod 600 "$dc/key.pem"
mkdir -p "$dc/home" "$dc/maildir"; cp -a "$work/template/." "$dc/maildir/"
chown -R 65534:65534 "$dc/home" "$dc/maildir"
echo "$user:{ARGON2ID}$hash:65534:65534::$dc/home::userdb_mail=maildir:$dc/maildir" > "$dc/passwd"
chmod 640 "$dc/passwd"; chgrp dovecot "$dc/passwd"
cat > "$dc/dovecot.conf" <<CONF
# Private bench instance: loopback only, implicit TLS, one passwd-file user; Dovecot's
# high-performance login mode (imap-login processes reused, many clients each).
base_dir = $dc/run
state_dir = $dc/state
log_path = $dc/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <$dc/cert.pem
ssl_key = <$dc/key.pem
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain
first_valid_uid = 1
mail_max_userip_connections = $((idle + clients + 50))
default_process_limit = $((idle + clients + 100))
default_client_limit = $((2 * idle + 2 * clients + 200))
passdb {
  driver = passwd-file
  args = $dc/passwd
}
userdb {
  driver = passwd-file
  args = $dc/passwd
}
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = $dc_port
    address = 127.0.0.1
  }
  service_count = 0
  process_min_avail = $(nproc)
  client_limit = $((idle + clients + 100))
  vsz_limit = 2G
}
service imap {
  process_limit = $((idle + clients + 100))
}
service anvil {
  client_limit = $((2 * idle + 2 * clients + 200))
}
CONF
dovecot -F -c "$dc/dovecot.conf" > "$dc/stdout.log" 2>&1 &
dc_pid=$!
for _ in $(seq 300); do port_free "$dc_port" || break; sleep 0.1; done
port_free "$dc_port" && { echo "dovecot not listening on $dc_port in 30 s:" >&2; cat "$dc/stdout.log" "$dc/dovecot.log" >&2 2>/dev/null; exit 1; }

echo "IMAP workload over implicit TLS, loopback: $clients clients x $rounds rounds, INBOX of $messages messages ($((template_bytes / 1024)) KiB)"
echo "each round: FETCH 1:* (FLAGS), UID FETCH (BODY.PEEK[]), UID SEARCH SUBJECT, UID STORE +FLAGS, APPEND, UID MOVE; plus LOGIN, SELECT, LOGOUT per client"
echo "letterbox $("$bin" version 2>/dev/null | head -1), dev mode; dovecot $(dovecot --version), maildir, service_count=0 logins"
echo "$(nproc) cores, load average before the runs $(cut -d' ' -f1 /proc/loadavg)"
echo

workload() { timeout -k 5 900 python3 "$scripts/workload.py" --port "$1" --user "$user" --password "$password" --clients "$2" --rounds "$3"; }
field() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(d$2)" "$1"; }

# Warm-up, not timed: builds each server's index of the INBOX and warms the page cache.
workload "$lb_port" 2 2 > /dev/null
workload "$dc_port" 2 2 > /dev/null

# CPU used by each server during its run (Letterbox: the imap daemon; Dovecot: every process under
# the master, auth included, and the imap processes it reaped): less noisy than ops/s on a shared
# machine, since it does not count time spent waiting for a core.
lb_cpu0=$(lb_serving | cpu_of)
lb=$(workload "$lb_port" "$clients" "$rounds")
lb_cpu=$(( $(lb_serving | cpu_of) - lb_cpu0 ))
dc_cpu0=$(tree_pids "$dc_pid" | cpu_of)
dc_res=$(workload "$dc_port" "$clients" "$rounds")
dc_cpu=$(( $(tree_pids "$dc_pid" | cpu_of) - dc_cpu0 ))
hz=$(getconf CLK_TCK)
printf '%-10s %8s %9s %8s %8s %7s %9s %11s\n' server ops ops/s p50_ms p99_ms errors cpu_s cpu_ms/op
for triple in "letterbox:$lb_cpu:$lb" "dovecot:$dc_cpu:$dc_res"; do
  name=${triple%%:*}; rest=${triple#*:}; ticks=${rest%%:*}; json=${rest#*:}
  ops=$(field "$json" '["ops"]')
  printf '%-10s %8s %9s %8s %8s %7s %9s %11s\n' "$name" "$ops" "$(field "$json" '["ops_per_s"]')" \
    "$(field "$json" '["p50_ms"]')" "$(field "$json" '["p99_ms"]')" "$(field "$json" '["errors"]')" \
    "$(awk -v t="$ticks" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')" \
    "$(awk -v t="$ticks" -v hz="$hz" -v n="$ops" 'BEGIN { printf "%.2f", 1000 * t / hz / n }')"
done
echo
echo "per operation, p50/p99 ms (letterbox | dovecot):"
python3 - "$lb" "$dc_res" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1])["by_op"], json.loads(sys.argv[2])["by_op"]
for op in sorted(set(a) | set(b)):
    x, y = a.get(op, {}), b.get(op, {})
    print(f"  {op:12} {x.get('p50_ms')}/{x.get('p99_ms')} | {y.get('p50_ms')}/{y.get('p99_ms')}")
PY
awk -v a="$(field "$lb" '["ops_per_s"]')" -v b="$(field "$dc_res" '["ops_per_s"]')" \
  'BEGIN { printf "throughput ratio letterbox/dovecot: %.2f\n\n", a / b }'

# --- Idle IDLE connections ------------------------------------------------------------------------
idle_run() { # $1 name, $2 port, $3 serving-pids function
  local before after line
  read -r b_rss b_pss b_n < <($3 | mem_of)
  coproc IDLER { exec python3 "$scripts/idle.py" --port "$2" --user "$user" --password "$password" --count "$idle"; }
  idler=$IDLER_PID
  line=
  read -r -t 600 line <&"${IDLER[0]}" || true
  sleep 2
  read -r a_rss a_pss a_n < <($3 | mem_of)
  kill "$idler" 2>/dev/null; wait "$idler" 2>/dev/null || true; idler=
  printf '%-10s %-28s before %7d KiB RSS (%d procs)  with idle %8d KiB RSS %8d KiB PSS (%d procs)  per connection %6.1f KiB RSS %6.1f KiB PSS\n' \
    "$1" "${line:-no answer}" "$b_rss" "$b_n" "$a_rss" "$a_pss" "$a_n" "$(awk -v a="$a_rss" -v b="$b_rss" -v n="$idle" 'BEGIN{print (a-b)/n}')" \
    "$(awk -v a="$a_pss" -v b="$b_pss" -v n="$idle" 'BEGIN{print (a-b)/n}')"
  sleep 3
}
echo "$idle idle connections (LOGIN, SELECT INBOX, IDLE), memory of the serving processes:"
idle_run letterbox "$lb_port" lb_serving
idle_run dovecot "$dc_port" dc_serving
