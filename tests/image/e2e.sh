#!/bin/bash
# End-to-end test of the appliance image: boots it under qemu (TCG, no KVM needed) as an
# EC2 instance would start, and checks it from the host through loopback forwards only.
#
#   tests/image/e2e.sh [--image-dir DIR] BINARY
#
#   BINARY            the letterbox executable to put in the image
#   --image-dir DIR   where build-image.sh writes (default artifacts/image); an image
#                     there built from the same binary and appliance/ files is reused
#
# What it does:
#   1. builds the image (appliance/build-image.sh) unless an identical one is there
#   2. starts a fake IMDSv2 server (imds.py) on 127.0.0.1: user-data is the Letterbox
#      TOML config, and the SSH public key made for this run is the instance's key;
#      qemu's guestfwd carries the guest's 169.254.169.254:80 to it, and the SMBIOS
#      vendor "Amazon EC2" makes the guest's firstboot install that key for root
#   3. boots the image with a blank second disk; waits for GET /healthz (guest port 80)
#      to report every daemon healthy, and for the SMTP greeting when an smtp daemon runs
#   4. over SSH: the data disk is formatted and mounted, a marker file is written, a user is
#      made with `letterbox user add` and swaks delivers to it from the host over port 25 with
#      STARTTLS (the message must be in its Maildir, and curl reads it back over IMAPS), the
#      child daemons are killed (kill -9)
#      and /healthz must show them back with new pids while systemd did not restart the service
#   5. reboots; the marker and the message must still be there
#   6. boots a fresh copy of the image with the same data disk; marker and message must be there
#      (the volume is found by label and mounted, not formatted again)
#   7. boots once more on VirtualBox's hardware (AHCI, E1000) without metadata: config
#      and SSH key come from a disk labelled LBCONFIG, a new blank data disk is formatted
#
# The guest network is qemu user networking with restrict=on: no way out, host forwards
# bound to 127.0.0.1. Every wait is bounded. Exits non-zero on the first failure and
# prints the guest's serial console tail. Needs root only to build the image.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
image_dir=$repo/artifacts/image

while (($#)); do
	case $1 in
	--image-dir) image_dir=${2:?}; shift 2 ;;
	-h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "e2e.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
(($# == 1)) || { echo "usage: tests/image/e2e.sh [--image-dir DIR] BINARY" >&2; exit 2; }
binary=$(realpath "$1")

# Bounds, in seconds. TCG boots take 30-60 s on 2 cores; the limits leave room for a busy
# machine without letting a hung guest hold CI.
readonly BOOT_TIMEOUT=300 SSH_TIMEOUT=90 RECOVER_TIMEOUT=60 SHUTDOWN_TIMEOUT=90

t0=$SECONDS
log() { printf '[%4ss] e2e: %s\n' "$((SECONDS - t0))" "$*" >&2; }
fail() {
	log "FAIL: $*"
	if [[ -n ${serial:-} && -f $serial ]]; then
		echo "--- last lines of the guest console ($serial) ---" >&2
		tail -n 40 "$serial" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' >&2
	fi
	if qemu_alive && [[ -n ${port_ssh:-} ]]; then
		echo "--- guest journal: letterbox, letterbox-firstboot ---" >&2
		guest 'journalctl -b --no-pager -u letterbox -u letterbox-firstboot | tail -n 30' >&2 2>/dev/null || true
	fi
	if [[ -n ${work:-} && -f $work/imds.log ]]; then
		echo "--- IMDS requests ---" >&2
		tail -n 20 "$work/imds.log" >&2
	fi
	exit 1
}

host_tools() {
	local need=() tool
	for tool in qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils ssh:openssh-client \
		ssh-keygen:openssh-client socat:socat curl:curl python3:python3 mkfs.ext4:e2fsprogs swaks:swaks; do
		command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
	done
	((${#need[@]})) || return 0
	log "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
}

# --- image -------------------------------------------------------------------------------
build_or_reuse() {
	local want have=""
	want=$("$repo/appliance/build-image.sh" --print-stamp "$image_dir" "$binary")
	[[ -f $image_dir/letterbox.sha256 ]] && have=$(cat "$image_dir/letterbox.sha256")
	if [[ -f $image_dir/letterbox.raw && $want == "$have" ]]; then
		log "reusing the image in $image_dir (same binary and appliance files)"
	else
		log "building the image in $image_dir"
		local started=$SECONDS
		"$repo/appliance/build-image.sh" "$image_dir" "$binary"
		build_seconds=$((SECONDS - started))
	fi
}

# --- helpers -------------------------------------------------------------------------------
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# One GET /healthz; prints the body and succeeds only on a 200 with JSON.
healthz() {
	local body
	body=$(curl -sS -f -m 5 "http://127.0.0.1:$port_http/healthz" 2>/dev/null) || return 1
	python3 -c 'import json, sys; json.loads(sys.argv[1])' "$body" 2>/dev/null || return 1
	printf '%s\n' "$body"
}

# Polls /healthz until it answers with status "ok" and every daemon healthy, within $1 s.
wait_healthy() {
	local limit=$1 deadline=$((SECONDS + $1)) body
	while ((SECONDS < deadline)); do
		qemu_alive || fail "qemu exited while waiting for /healthz"
		if body=$(healthz) && python3 - "$body" <<'EOF'; then
import json, sys
report = json.loads(sys.argv[1])
daemons = report.get("daemons") or {}
ok = report.get("status") == "ok" and daemons and all(d.get("healthy", True) for d in daemons.values())
sys.exit(0 if ok else 1)
EOF
			printf '%s\n' "$body"
			return 0
		fi
		sleep 2
	done
	fail "no healthy /healthz within ${limit}s"
}

# Runs a command in the guest as root; bounded, since a forwarded port accepts even when
# nothing in the guest answers yet.
guest() {
	timeout 60 ssh -q -i "$work/id_ed25519" -p "$port_ssh" -o BatchMode=yes -o IdentitiesOnly=yes \
		-o ConnectTimeout=10 -o StrictHostKeyChecking=accept-new \
		-o UserKnownHostsFile="$work/known_hosts.$boot" \
		-o ServerAliveInterval=5 -o ServerAliveCountMax=3 root@127.0.0.1 "$@"
}

wait_ssh() {
	local deadline=$((SECONDS + SSH_TIMEOUT))
	while ((SECONDS < deadline)); do
		qemu_alive || fail "qemu exited while waiting for SSH"
		guest true 2>/dev/null && return 0
		sleep 2
	done
	fail "no SSH login within ${SSH_TIMEOUT}s"
}

qemu_alive() { [[ -n ${qemu_pid:-} ]] && kill -0 "$qemu_pid" 2>/dev/null; }

# Boots a copy-on-write copy of the image; the data disk is the same file every time.
#   ec2         virtio disks and NIC, SMBIOS "Amazon EC2", metadata at 169.254.169.254
#   virtualbox  what a VirtualBox VM has: AHCI SATA disks, Intel E1000 NIC, no metadata;
#               a third disk labelled LBCONFIG carries letterbox.toml and authorized_keys
# shellcheck disable=SC2054 # qemu's options are comma lists, not array elements
start_vm() { # name profile data-disk
	boot=$1
	local profile=$2 data=$3 root=$work/root.$1.qcow2 machine net disks=()
	serial=$work/console.$boot.log
	rm -f "$root"
	qemu-img create -q -f qcow2 -b "$image_dir/letterbox.raw" -F raw "$root"
	local fwd="hostfwd=tcp:127.0.0.1:$port_http-:80,hostfwd=tcp:127.0.0.1:$port_ssh-:22"
	fwd+=",hostfwd=tcp:127.0.0.1:$port_smtp-:25,hostfwd=tcp:127.0.0.1:$port_imaps-:993"
	case $profile in
	ec2)
		machine=(-machine q35 -smbios 'type=1,manufacturer=Amazon EC2,product=t3.small')
		disks=(-drive "file=$root,if=virtio,format=qcow2" -drive "file=$data,if=virtio,format=qcow2")
		net=(-netdev "user,id=n0,restrict=on,net=169.254.0.0/16,$fwd,guestfwd=tcp:169.254.169.254:80-cmd:socat - TCP:127.0.0.1:$port_imds"
			-device virtio-net-pci,netdev=n0)
		;;
	virtualbox)
		machine=(-machine pc)
		disks=(-device ahci,id=sata
			-drive "if=none,id=d0,file=$root,format=qcow2" -device ide-hd,drive=d0,bus=sata.0
			-drive "if=none,id=d1,file=$data,format=qcow2" -device ide-hd,drive=d1,bus=sata.1
			-drive "if=none,id=d2,file=$work/config.img,format=raw" -device ide-hd,drive=d2,bus=sata.2)
		net=(-netdev "user,id=n0,restrict=on,$fwd" -device e1000,netdev=n0)
		;;
	esac
	qemu-system-x86_64 "${machine[@]}" -accel tcg -cpu max -smp 2 -m 1536 \
		"${disks[@]}" "${net[@]}" -display none -monitor none -serial "file:$serial" &
	qemu_pid=$!
	qemu_started=$SECONDS
	log "qemu started ($boot: $profile hardware, pid $qemu_pid)"
}

# Powers the guest off and waits for qemu to leave; kills it past the bound.
stop_vm() {
	qemu_alive || return 0
	guest systemctl poweroff >/dev/null 2>&1 || true
	local deadline=$((SECONDS + SHUTDOWN_TIMEOUT))
	while qemu_alive && ((SECONDS < deadline)); do sleep 1; done
	if qemu_alive; then
		log "guest did not power off within ${SHUTDOWN_TIMEOUT}s; killing qemu"
		kill "$qemu_pid" 2>/dev/null || true
	fi
	wait "$qemu_pid" 2>/dev/null || true
	qemu_pid=""
}

cleanup() {
	if qemu_alive; then kill "$qemu_pid" 2>/dev/null || true; wait "$qemu_pid" 2>/dev/null || true; fi
	if [[ -n ${imds_pid:-} ]]; then kill "$imds_pid" 2>/dev/null || true; wait "$imds_pid" 2>/dev/null || true; fi
	if [[ -n ${work:-} ]]; then rm -rf "$work"; fi
}

# --- the test ------------------------------------------------------------------------------
host_tools
build_seconds=reused
build_or_reuse

work=$(mktemp -d /tmp/letterbox-e2e.XXXXXX)
trap cleanup EXIT
port_http=$(free_port) port_ssh=$(free_port) port_smtp=$(free_port) port_imaps=$(free_port)

ssh-keygen -q -t ed25519 -N '' -C letterbox-e2e -f "$work/id_ed25519"
cat >"$work/user-data.toml" <<'EOF'
hostname = "mail.example.test"
domains = ["example.test"]

[tls]
mode = "self-signed"

[monitoring]
# qemu's host reaches the guest from 169.254.0.2 (user networking on 169.254.0.0/16).
allow = ["127.0.0.0/8", "169.254.0.0/16"]
EOF

# The same config on a disk labelled LBCONFIG, for the boot without instance metadata,
# where the qemu host is 10.0.2.2 (user networking's default 10.0.2.0/24).
mkdir "$work/config"
sed 's|"169.254.0.0/16"|"10.0.2.0/24"|; s|169.254.0.2 (user networking on 169.254.0.0/16)|10.0.2.2|' \
	"$work/user-data.toml" >"$work/config/letterbox.toml"
cp "$work/id_ed25519.pub" "$work/config/authorized_keys"
mkfs.ext4 -q -L LBCONFIG -d "$work/config" "$work/config.img" 8M

python3 "$here/imds.py" --port-file "$work/imds.port" --log "$work/imds.log" \
	--user-data "$work/user-data.toml" --ssh-key "$work/id_ed25519.pub" \
	--tag letterbox:environment=e2e --tag Name=letterbox-e2e &
imds_pid=$!
for _ in $(seq 50); do [[ -s $work/imds.port ]] && break; sleep 0.1; done
[[ -s $work/imds.port ]] || fail "fake IMDS did not start"
port_imds=$(cat "$work/imds.port")
# The fake must behave like IMDSv2 with tokens required, or the test proves nothing.
code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 "http://127.0.0.1:$port_imds/latest/user-data")
[[ $code == 401 ]] || fail "fake IMDS answered $code without a token"
: >"$work/imds.log"

qemu-img create -q -f qcow2 "$work/data.qcow2" 2G

# Boot 1: first boot, blank data disk.
start_vm first ec2 "$work/data.qcow2"
body=$(wait_healthy "$BOOT_TIMEOUT")
first_healthz=$((SECONDS - qemu_started))
log "first /healthz after ${first_healthz}s: $(tr -d ' \n' <<<"$body" | cut -c1-200)"
grep -q '^GET /latest/user-data 200$' "$work/imds.log" || fail "the guest never read user-data through IMDSv2"
wait_ssh
log "SSH login as root with the key from instance metadata"

# A forwarded port accepts before anything listens: only a greeting proves SMTP is up.
if python3 -c 'import json, sys; sys.exit("smtp" not in json.loads(sys.argv[1]).get("daemons", {}))' "$body"; then
	banner=$(python3 - "$port_smtp" <<'EOF'
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15) as s:
    s.settimeout(15)
    print(s.recv(512).decode(errors="replace").strip())
EOF
) || banner=""
	[[ $banner == 220* ]] || fail "no SMTP greeting on guest port 25: '$banner'"
	log "SMTP greeting: $banner"
fi

guest 'mountpoint -q /var/lib/letterbox' || fail "/var/lib/letterbox is not a mount point"
data_dev=$(guest 'findmnt -n -o SOURCE /var/lib/letterbox')
data_label=$(guest "blkid -s LABEL -o value $data_dev")
[[ $data_dev == /dev/vdb && $data_label == LBDATA ]] || fail "data volume is $data_dev label $data_label"
guest 'grep -q "[[:space:]]/var/lib/letterbox[[:space:]]" /etc/fstab' || fail "data volume not in /etc/fstab"
guest 'nft list table inet letterbox >/dev/null' || fail "firewall table not loaded"
guest 'systemctl is-active -q letterbox.service' || fail "letterbox.service not active"
marker=$(cat /proc/sys/kernel/random/uuid)
guest "echo $marker > /var/lib/letterbox/e2e-marker && sync"
log "data volume $data_dev ($data_label) mounted; marker $marker written"

# Mail end to end: a user made with the admin CLI inside the guest, a message delivered from the
# host over port 25 with STARTTLS, found in that user's Maildir (and again after the reboot and
# on the fresh image: mail lives on the data volume).
mail_id="e2e-$marker@test.example.org"
guest "printf 'e2e-password-1\n' | letterbox user add e2e@example.test --password-stdin" >/dev/null ||
	fail "letterbox user add failed in the guest"
swaks --server 127.0.0.1 --port "$port_smtp" --tls --helo host.example.org --from probe@example.org \
	--to e2e@example.test --header "Message-Id: <$mail_id>" --header "Subject: e2e" --body "through the appliance" \
	--hide-all || fail "swaks could not deliver over STARTTLS to the guest"
# new/ at delivery; cur/ once an IMAP session has seen it (SELECT claims \Recent, FETCH sets \Seen).
mail_in_guest() { guest "grep -l -F '<$mail_id>' /var/lib/letterbox/mail/example.test/e2e/{new,cur}/* 2>/dev/null | wc -l"; }
[[ $(mail_in_guest) == 1 ]] || fail "the delivered message is not in the guest's Maildir"
guest "grep -q 'with ESMTPS' /var/lib/letterbox/mail/example.test/e2e/new/*" || fail "the Received header does not record TLS"
log "message $mail_id delivered over STARTTLS into the guest's Maildir"
# ...and read back over IMAPS from the host (curl's IMAP client; the certificate is self-signed).
fetched=$(curl --silent --show-error --insecure --max-time 60 -u 'e2e@example.test:e2e-password-1' \
	"imaps://127.0.0.1:$port_imaps/INBOX;MAILINDEX=1") || fail "curl could not read the message over IMAPS"
grep -q -F "<$mail_id>" <<<"$fetched" || fail "the message read over IMAPS is not the one delivered"
log "message read back over IMAPS"

# Kill every child daemon; the supervisor must bring them back without systemd's help.
restarts_before=$(guest 'systemctl show -P NRestarts letterbox.service')
# Children of the service's main process only: the SSH shell running pgrep matches too.
# shellcheck disable=SC2016 # expanded by the guest shell
children='pgrep -P "$(systemctl show -P MainPID letterbox.service)" -f "letterbox daemon" | tr "\n" " "'
killed=$(guest "$children")
[[ -n $killed ]] || fail "no 'letterbox daemon' processes found"
guest "kill -9 $killed"
log "killed child daemons: $killed"
deadline=$((SECONDS + RECOVER_TIMEOUT))
recovered=false
while ((SECONDS < deadline)); do
	if body=$(healthz) && python3 - "$body" "$killed" <<'EOF'; then
import json, sys
report = json.loads(sys.argv[1])
killed = {int(p) for p in sys.argv[2].split()}
daemons = report.get("daemons") or {}
pids = {d.get("pid") for d in daemons.values()}
ok = (report.get("status") == "ok" and daemons
      and all(d.get("healthy", True) and d.get("pid") for d in daemons.values())
      and not (pids & killed))
sys.exit(0 if ok else 1)
EOF
		recovered=true
		break
	fi
	sleep 1
done
$recovered || fail "daemons not back within ${RECOVER_TIMEOUT}s: $(healthz || echo 'no /healthz')"
recover_seconds=$((RECOVER_TIMEOUT - (deadline - SECONDS)))
[[ $(guest 'systemctl show -P NRestarts letterbox.service') == "$restarts_before" ]] ||
	fail "systemd restarted letterbox.service: the supervisor did not restart its children"
log "daemons back with new pids after ~${recover_seconds}s: $(guest "$children")"

# Boot 2: reboot in place.
boot_id=$(guest 'cat /proc/sys/kernel/random/boot_id')
guest 'systemctl reboot' >/dev/null 2>&1 || true
reboot_started=$SECONDS
deadline=$((SECONDS + BOOT_TIMEOUT))
while ((SECONDS < deadline)); do
	qemu_alive || fail "qemu exited during the reboot"
	new_id=$(guest 'cat /proc/sys/kernel/random/boot_id' 2>/dev/null) || new_id=""
	[[ -n $new_id && $new_id != "$boot_id" ]] && break
	sleep 2
done
[[ -n $new_id && $new_id != "$boot_id" ]] || fail "the guest did not come back from the reboot"
wait_healthy "$BOOT_TIMEOUT" >/dev/null
reboot_healthz=$((SECONDS - reboot_started))
[[ $(guest 'cat /var/lib/letterbox/e2e-marker') == "$marker" ]] || fail "marker lost across the reboot"
[[ $(mail_in_guest) == 1 ]] || fail "the delivered message is gone after the reboot"
log "rebooted; /healthz after ${reboot_healthz}s; marker and message still there"
stop_vm

# Boot 3: a fresh copy of the image, the same data disk.
start_vm fresh ec2 "$work/data.qcow2"
wait_healthy "$BOOT_TIMEOUT" >/dev/null
fresh_healthz=$((SECONDS - qemu_started))
wait_ssh
[[ $(guest 'cat /var/lib/letterbox/e2e-marker') == "$marker" ]] || fail "marker not found on the fresh image"
[[ $(mail_in_guest) == 1 ]] || fail "the delivered message is not on the fresh image's data volume"
guest 'journalctl -b -u letterbox-firstboot --no-pager' | grep -q 'found data volume' ||
	fail "the fresh image did not adopt the data volume by its label"
version=$(guest 'letterbox version' | head -n 1)
log "fresh image: data volume adopted, marker found, /healthz after ${fresh_healthz}s"
stop_vm

# Boot 4: VirtualBox hardware, config from a disk labelled LBCONFIG, a new blank data disk.
qemu-img create -q -f qcow2 "$work/data-vbox.qcow2" 1G
start_vm virtualbox virtualbox "$work/data-vbox.qcow2"
wait_healthy "$BOOT_TIMEOUT" >/dev/null
vbox_healthz=$((SECONDS - qemu_started))
wait_ssh
# AHCI names disks in the order they are probed, which varies from boot to boot: check by label.
config_src=$(guest 'findmnt -n -o SOURCE /run/letterbox/config-disk') || config_src=""
[[ -n $config_src && $(guest "blkid -s LABEL -o value $config_src") == LBCONFIG ]] ||
	fail "config disk not mounted at /run/letterbox/config-disk (found: '$config_src')"
data_src=$(guest 'findmnt -n -o SOURCE /var/lib/letterbox') || data_src=""
[[ $data_src == /dev/sd? && $(guest "blkid -s LABEL -o value $data_src") == LBDATA ]] ||
	fail "the new data disk is not mounted at /var/lib/letterbox (found: '$data_src')"
log "VirtualBox hardware: AHCI + E1000 boot, config disk read, /healthz after ${vbox_healthz}s"
stop_vm

size() { du -h --apparent-size "$1" | cut -f1; }
cat <<EOF

Letterbox image e2e: PASS ($version)
  image build                ${build_seconds}$([[ $build_seconds == reused ]] || echo s)
  raw disk (apparent/used)   $(size "$image_dir/letterbox.raw") / $(du -h "$image_dir/letterbox.raw" | cut -f1)
  qcow2 (compressed)         $(size "$image_dir/letterbox.qcow2")
  raw.zst                    $(size "$image_dir/letterbox.raw.zst")
  qemu start -> /healthz     first boot ${first_healthz}s, reboot ${reboot_healthz}s, fresh image ${fresh_healthz}s,
                             VirtualBox hardware ${vbox_healthz}s
  daemons back after kill    ~${recover_seconds}s
  total                      $((SECONDS - t0))s
1 passed, 0 failed
EOF
