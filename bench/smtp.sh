#!/usr/bin/env bash
# Inbound SMTP throughput into the Maildir, Letterbox against Postfix (virtual Maildir delivery), in
# the same run, on loopback only, with identical smtp-source invocations for both servers.
#   bench/smtp.sh [--messages N] [--size BYTES] [--sessions 1,10,50] [--rounds R] [--reuse]
#                 [--timeout SECONDS] [--binary PATH]
#   --messages  messages per run (default 5000)         --size     payload bytes (default 4096)
#   --sessions  parallel SMTP sessions, one run each     --reuse    several messages per connection
#   --rounds    runs per server and session count; the table shows the median (default 1)
#   --timeout   bound of one run, first connection to last delivery (default 600)
#   --in-place  keep the data in $TMPDIR instead of a fresh ext4 image (see below)
# Both servers keep their data on a fresh 4 GiB ext4 filesystem made for the run (a loop-mounted
# sparse file, mkfs.ext4 as the appliance's first boot formats its data volume: with a journal),
# removed afterwards. Why: where $TMPDIR is ext4 *without* a journal (this VM's root), the kernel
# refuses to reuse an inode for 60-300 s after it is freed and every file creation scans past
# those inodes, so each run paid for the files the previous runs deleted (one run here went from
# 1526 to 640 msg/s after a few thousand deletions). --in-place measures that case instead.
# msgs/s counts from the first connection until all N messages are files in the mailbox's new/, so a
# server that answers 250 from a queue and delivers later is timed to its last delivery. Peak memory
# is sampled every 0.2 s over every process of each server (RSS and PSS summed over the tree).
# Needs smtp-source and postfix (Debian's postfix package; installed here if missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."

messages=5000; size=4096; sessions=1,10,50; rounds=1; reuse=0; run_timeout=600; in_place=0
bin=artifacts/publish/letterbox
while [ $# -gt 0 ]; do
  case $1 in
    --messages) messages=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --sessions) sessions=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --reuse) reuse=1; shift ;;
    --in-place) in_place=1; shift ;;
    --timeout) run_timeout=$2; shift 2 ;;
    --binary) bin=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
for v in "$messages" "$size" "$rounds" "$run_timeout"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "not a positive number: $v" >&2; exit 2; }
done
[[ $sessions =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || { echo "--sessions wants a list like 1,10,50" >&2; exit 2; }
IFS=, read -r -a session_list <<< "$sessions"
bin=$(readlink -f "$bin")
[ -x "$bin" ] || { echo "no letterbox binary at $bin" >&2; exit 1; }
templates=$PWD/bench/postfix

# --- Postfix, from Debian's package; the system instance is left stopped and disabled ------------
if ! command -v smtp-source >/dev/null || ! command -v postfix >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "smtp-source/postfix missing: apt-get install postfix (as root)" >&2; exit 1; }
  echo "installing postfix (Debian package, 'No configuration')" >&2
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
  # Our install must not leave a system Postfix running or starting at boot.
  if [ -f /etc/postfix/main.cf ] && postfix status >/dev/null 2>&1; then postfix stop >/dev/null 2>&1 || true; fi
  systemctl disable postfix >/dev/null 2>&1 || update-rc.d postfix disable >/dev/null 2>&1 || true
fi
[ "$(id -u)" = 0 ] || { echo "run as root: the private Postfix instance needs it" >&2; exit 1; }

source bench/lib.sh

# The Letterbox offset moves every Letterbox port; Postfix listens at offset + 2525.
for _ in $(seq 20); do
  offset=$(( 20000 + RANDOM % 20000 ))
  lb_port=$((offset + 25)); pf_port=$((offset + 2525))
  port_free "$lb_port" && port_free "$((offset + 80))" && port_free "$pf_port" && break
done
work=$(mktemp -d "${TMPDIR:-/tmp}/smtp-bench.XXXXXX")
image=; mounted=0
if [ "$in_place" = 0 ]; then
  image=$work.img
  truncate -s 4G "$image"
  mkfs.ext4 -q -m 1 -F "$image"
  mount -o loop "$image" "$work" && mounted=1 || { echo "cannot loop-mount an ext4 image (try --in-place)" >&2; rm -f "$image"; exit 1; }
fi
chmod 755 "$work"   # the virtual delivery agent runs as nobody and must reach vmail/
lb_data=$work/letterbox; pf=$work/postfix
mkdir -p "$lb_data" "$pf/etc" "$pf/spool" "$pf/data" "$pf/vmail"

lb_pid=; pf_master=; sampler=; pf_pids=
cleanup() {
  set +e
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null
  if [ -n "$lb_pid" ]; then
    kill -TERM "$lb_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$lb_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$lb_pid" 2>/dev/null
  fi
  if [ -n "$pf_master" ]; then
    pf_pids=$(tree_pids "$pf_master")
    postfix -c "$pf/etc" stop >/dev/null 2>&1
    for _ in $(seq 100); do kill -0 "$pf_master" 2>/dev/null || break; sleep 0.1; done
    # Whatever of the instance outlived `postfix stop` (bounded above) is killed by pid.
    for p in $pf_pids; do
      case $(readlink "/proc/$p/exe" 2>/dev/null) in /usr/lib/postfix/*|/usr/sbin/*) kill -9 "$p" ;; esac
    done
  fi
  if [ "$mounted" = 1 ]; then
    umount "$work" || { sleep 1; umount -l "$work"; }
  fi
  [ -n "$image" ] && rm -f "$image"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# --- Letterbox ------------------------------------------------------------------------------------
printf '[smtp]\nmax_connections_per_ip = 200\nmax_connections = 500\n' > "$work/letterbox.toml"
LETTERBOX_IMDS_ENDPOINT=off "$bin" dev --data "$lb_data" --port-offset "$offset" \
  --config "$work/letterbox.toml" > "$work/letterbox.log" 2>&1 &
lb_pid=$!
for _ in $(seq 300); do grep -q "appliance ready" "$work/letterbox.log" && break; sleep 0.1; done
grep -q "appliance ready" "$work/letterbox.log" || { echo "letterbox not ready in 30 s:" >&2; tail "$work/letterbox.log" >&2; exit 1; }

# --- Postfix, a private instance under $work (config templates in bench/postfix/) --------------------
chown postfix "$pf/data"; chown nobody:nogroup "$pf/vmail"
for f in main.cf master.cf; do
  sed -e "s|@DIR@|$pf|g" -e "s|@PORT@|$pf_port|g" -e "s|@UID@|$(id -u nobody)|g" -e "s|@GID@|$(id -g nobody)|g" \
    "$templates/$f" > "$pf/etc/$f"
done
# One fresh mailbox per run on each server, b<S>r<R>@example.test, and one for the warm-up.
echo "warmup@example.test example.test/warmup/" > "$pf/etc/vmailbox"
"$bin" user add warmup@example.test --data "$lb_data" --password-stdin <<< 'bench-password-123' >/dev/null
for r in $(seq "$rounds"); do
  for s in "${session_list[@]}"; do
    box=b${s}r$r
    grep -q "^$box@" "$pf/etc/vmailbox" && continue
    echo "$box@example.test example.test/$box/" >> "$pf/etc/vmailbox"
    "$bin" user add "$box@example.test" --data "$lb_data" --password-stdin <<< 'bench-password-123' >/dev/null
  done
done
postmap -c "$pf/etc" "hash:$pf/etc/vmailbox"
postfix -c "$pf/etc" check
postfix -c "$pf/etc" start >/dev/null 2>&1 || { echo "postfix did not start:" >&2; cat "$pf/maillog" >&2; exit 1; }
for _ in $(seq 300); do port_free "$pf_port" || break; sleep 0.1; done
port_free "$pf_port" && { echo "postfix not listening on $pf_port in 30 s" >&2; exit 1; }
pf_master=$(tr -d ' ' < "$pf/spool/pid/master.pid")

# --- The runs -------------------------------------------------------------------------------------
# One run: $1 server name, $2 port, $3 process tree root, $4 mailbox base dir, $5 sessions, $6 round.
# Prints "msgs_per_s accept_s delivered_s peak_rss_kib peak_pss_kib status".
run_one() {
  local name=$1 port=$2 root=$3 s=$5 r=$6 t0 t_ack t_done n=0 rc=0 status=ok
  local box=b${s}r$r
  local newdir=$4/$box/new peaks=$work/peaks.$name.$box
  sync; sleep 1
  sample_peaks "$root" "$peaks" "$run_timeout" & sampler=$!
  t0=$(now_ms)
  timeout -k 5 "$run_timeout" smtp-source "${source_args[@]}" -s "$s" -t "$box@example.test" "127.0.0.1:$port" \
    > "$work/source.$name.$box.log" 2>&1 || rc=$?
  t_ack=$(now_ms)
  # Bounded wait for the last delivery: the run's deadline, polled every 50 ms.
  while n=$(count_files "$newdir"); [ "$n" -lt "$messages" ] && [ $(( $(now_ms) - t0 )) -lt $((run_timeout * 1000)) ]; do
    sleep 0.05
  done
  t_done=$(now_ms)
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true; sampler=
  [ "$rc" = 0 ] || status="smtp-source-exit-$rc"
  [ "$n" = "$messages" ] || status="$status,delivered-$n-of-$messages"
  read -r prss ppss < "$peaks" 2>/dev/null || { prss=0; ppss=0; }
  awk -v n="$messages" -v t0="$t0" -v a="$t_ack" -v d="$t_done" -v r="$prss" -v p="$ppss" -v st="$status" \
    'BEGIN { printf "%.1f %.2f %.2f %d %d %s\n", n * 1000 / (d - t0), (a - t0) / 1000, (d - t0) / 1000, r, p, st }'
}

source_args=(-l "$size" -m "$messages" -f sender@example.org -M bench.example.org)
[ "$reuse" = 1 ] && source_args+=(-d)
mode=$([ "$reuse" = 1 ] && echo "several messages per connection (-d)" || echo "one message per connection")

echo "SMTP in to a durable Maildir file, loopback: $messages messages of $size B per run, $mode"
echo "smtp-source ${source_args[*]} -s S -t bSrR@example.test 127.0.0.1:PORT (the same for both servers)"
echo "letterbox $("$bin" version 2>/dev/null | head -1), dev mode, smtp.max_connections_per_ip raised 20 -> 200, max_connections 200 -> 500"
if [ "$mounted" = 1 ]; then echo "data of both servers: a fresh ext4 filesystem with a journal (4 GiB loop image)"
else echo "data of both servers: in place under ${TMPDIR:-/tmp} ($(findmnt -n -o FSTYPE,OPTIONS --target "$work" 2>/dev/null))"; fi
echo "postfix $(postconf -d -h mail_version), private instance: smtpd -> cleanup -> qmgr -> virtual (Maildir), process limit 500, 200 connections per client"
echo "mailboxes on $(df -T "$work" | awk 'NR==2 {print $2}') ($work); $(nproc) cores, load average before the runs $(cut -d' ' -f1 /proc/loadavg)"
echo

# Warm-up, not timed: 100 messages over 5 sessions to each server, so that neither is measured on
# its first connections (page cache, lazily created state, process pools).
for port in "$lb_port" "$pf_port"; do
  timeout -k 5 120 smtp-source -l "$size" -m 100 -s 5 -f sender@example.org -M bench.example.org \
    -t warmup@example.test "127.0.0.1:$port" > "$work/source.warmup.$port.log" 2>&1 \
    || { echo "warm-up against 127.0.0.1:$port failed:" >&2; cat "$work/source.warmup.$port.log" >&2; exit 1; }
done
for _ in $(seq 300); do [ "$(count_files "$pf/vmail/example.test/warmup/new")" -ge 100 ] && break; sleep 0.1; done

# Rounds alternate which server goes first, so neither always runs on the warmer or quieter machine.
declare -A res
for r in $(seq "$rounds"); do
  for s in "${session_list[@]}"; do
    order="letterbox postfix"; [ $((r % 2)) = 0 ] && order="postfix letterbox"
    for name in $order; do
      if [ "$name" = letterbox ]; then
        res[letterbox,$s,$r]=$(run_one letterbox "$lb_port" "$lb_pid" "$lb_data/mail/example.test" "$s" "$r")
      else
        res[postfix,$s,$r]=$(run_one postfix "$pf_port" "$pf_master" "$pf/vmail/example.test" "$s" "$r")
      fi
    done
  done
done

# Field $2 of every round of server $1 at $3 sessions, one a line.
fields() { for r in $(seq "$rounds"); do awk -v f="$2" '{ print $f }' <<< "${res[$1,$3,$r]}"; done; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
peak_mib() { sort -g | tail -1 | awk '{ printf "%.0f", $1 / 1024 }'; }
declare -A rate
for s in "${session_list[@]}"; do
  for name in letterbox postfix; do rate[$name,$s]=$(fields "$name" 1 "$s" | median); done
done

[ "$rounds" -gt 1 ] && echo "msgs/s: median of $rounds rounds; peak memory: highest of them"
printf '%-8s  %15s  %13s  %11s  %22s  %22s\n' sessions "letterbox msg/s" "postfix msg/s" "ratio lb/pf" "letterbox peak RSS/PSS" "postfix peak RSS/PSS"
for s in "${session_list[@]}"; do
  ratio=$(awk -v a="${rate[letterbox,$s]}" -v b="${rate[postfix,$s]}" 'BEGIN { printf "%.2fx", a / b }')
  printf '%-8s  %15.0f  %13.0f  %11s  %22s  %22s\n' "$s" "${rate[letterbox,$s]}" "${rate[postfix,$s]}" "$ratio" \
    "$(fields letterbox 4 "$s" | peak_mib)/$(fields letterbox 5 "$s" | peak_mib) MiB" \
    "$(fields postfix 4 "$s" | peak_mib)/$(fields postfix 5 "$s" | peak_mib) MiB"
done
echo
echo "each run: msgs/s, seconds until smtp-source had every 250, seconds until every file was in new/"
for r in $(seq "$rounds"); do
  for s in "${session_list[@]}"; do
    for name in letterbox postfix; do
      read -r mps ack done_ _ _ status <<< "${res[$name,$s,$r]}"
      printf '  round %s  %-9s  %3s sessions  %7.0f msg/s  250s after %7.2f s  delivered after %7.2f s  %s\n' \
        "$r" "$name" "$s" "$mps" "$ack" "$done_" "$status"
    done
  done
done
echo
[ -n "${rate[letterbox,10]:-}${rate[letterbox,50]:-}" ] && echo "target, letterbox >= 2x postfix at 10 and 50 sessions:"
for s in 10 50; do
  [ -n "${rate[letterbox,$s]:-}" ] || continue
  awk -v s="$s" -v a="${rate[letterbox,$s]}" -v b="${rate[postfix,$s]}" \
    'BEGIN { printf "  %s sessions: %.2fx, %s\n", s, a / b, (a >= 2 * b ? "met" : "NOT met") }'
done

lb_warn=$(grep -cE ' (warn|error|fatal) ' "$work/letterbox.log" || true)
pf_warn=$(grep -ciE 'warning|error|fatal|panic|reject|defer' "$pf/maillog" || true)
echo
echo "log lines at warn/error level: letterbox $lb_warn (the dev-mode root warning is one), postfix $pf_warn"
if [ "$lb_warn" -gt 1 ]; then grep -E ' (warn|error|fatal) ' "$work/letterbox.log" | sort | uniq -c | sort -rn | head -5 | cut -c1-200; fi
if [ "$pf_warn" -gt 0 ]; then grep -iE 'warning|error|fatal|panic|reject|defer' "$pf/maillog" | cut -d' ' -f5- | sort | uniq -c | sort -rn | head -5 | cut -c1-200; fi
for f in "$work"/source.*.log; do [ -s "$f" ] && { echo "$(basename "$f"):"; head -3 "$f"; }; done
cat <<'EOF'

Durability parity: Letterbox fsyncs the Maildir file before its 250. Postfix fsyncs its queue file
before the 250 and its virtual delivery agent fsyncs the Maildir file before reporting the delivery
done; it delivers after the 250, asynchronously, so each run is timed until every message is a file
in new/, not until the last 250: that is what makes the two comparable. Both servers run for the
whole benchmark (the idle one costs next to nothing), on loopback, logging to a file. Peak RSS sums
pages shared between processes once per process (Postfix runs one smtpd per session); PSS shares
them out. Anything else busy on the machine makes these figures noisy: compare rounds.
EOF
