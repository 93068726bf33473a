#!/bin/bash
# Builds the Letterbox appliance disk image without Packer, loop devices or a VM:
#
#   build-image.sh [--vagrant] [--root-size SIZE] OUT_DIR BINARY
#   build-image.sh --print-stamp [--vagrant] [--root-size SIZE] OUT_DIR BINARY
#
# Debian 12 (mmdebstrap --variant=minbase) plus the Letterbox layer (provision.sh, run in
# the chroot) becomes an ext4 filesystem (mkfs.ext4 -d) in the first partition of a raw
# disk, booted by GRUB from the MBR (BIOS: qemu, VirtualBox, EC2 Xen and Nitro).
#
# OUT_DIR gets:
#   letterbox.raw          sparse raw disk (--root-size, default 2G, plus 1 MiB for GRUB)
#   letterbox.qcow2        compressed qcow2 of the same disk (qemu, Packer's qemu builder)
#   letterbox.raw.zst      zstd-compressed raw disk (for `dd` or an EC2 snapshot import)
#   with --vagrant, also   the image gets user `vagrant` (Vagrant's key, sudo, rsync), and
#                          letterbox.ovf + letterbox-disk001.vmdk + letterbox-virtualbox.box
#                          are written (vbox-box.sh)
#   letterbox.sha256       what the image was built from; --print-stamp prints the value
#                          a build would write now (tests reuse an image on a match)
#   sizes.txt              sizes of each artifact
#
# Runs as root on Debian 12 and installs the tools it needs with apt-get. Needs the
# Debian mirror; nothing else from the network.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
vagrant=false
print_stamp=false
root_size=2G
suite=bookworm
mirror=${LETTERBOX_MIRROR:-http://deb.debian.org/debian}
security_mirror=${LETTERBOX_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while (($#)); do
	case $1 in
	--vagrant) vagrant=true; shift ;;
	--root-size) root_size=${2:?}; shift 2 ;;
	--print-stamp) print_stamp=true; shift ;;
	-h|--help) usage ;;
	-*) echo "build-image.sh: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
(($# == 2)) || usage
out=$1
binary=$(realpath "$2")
[[ -x $binary ]] || { echo "build-image.sh: $binary is not an executable" >&2; exit 1; }

log() { printf '[%(%H:%M:%S)T] build-image: %s\n' -1 "$*" >&2; }
started=$SECONDS

host_tools() {
	local need=() tool
	for tool in mmdebstrap:mmdebstrap qemu-img:qemu-utils sfdisk:fdisk mkfs.ext4:e2fsprogs \
		zstd:zstd grub-mkimage:grub-common; do
		command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
	done
	[[ -f /usr/lib/grub/i386-pc/boot.img ]] || need+=(grub-pc-bin)
	((${#need[@]})) || return 0
	log "installing host tools: ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
}

package_csv() { grep -hv '^[[:space:]]*\(#\|$\)' "$@" | paste -sd, -; }

# The image's identity: same inputs, same stamp (used by tests to reuse a build).
input_stamp() {
	{
		sha256sum "$binary" | cut -d' ' -f1
		echo "vagrant=$vagrant root_size=$root_size"
		(cd "$here" && find . -type f ! -name '*.md' -print0 | sort -z | xargs -0 sha256sum)
	} | sha256sum | cut -d' ' -f1
}

if $print_stamp; then
	input_stamp
	exit 0
fi
[[ $(id -u) == 0 ]] || { echo "build-image.sh: run as root (mmdebstrap and chroot)" >&2; exit 1; }
host_tools
mkdir -p "$out"
out=$(realpath "$out")
work=$(mktemp -d "$out/.work.XXXXXX")
cleanup() {
	# mmdebstrap unmounts what it mounted; only files are left to remove.
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT
root=$work/root
root_uuid=$(cat /proc/sys/kernel/random/uuid)

# --- 1. Debian 12 plus Letterbox, in a directory ----------------------------------------
lists=("$here/packages.txt" "$here/base/packages.txt")
provision_args=(--binary /tmp/letterbox-appliance/letterbox --seal)
if $vagrant; then
	lists+=("$here/base/packages-vagrant.txt")
	provision_args+=(--vagrant)
fi

log "mmdebstrap $suite ($(package_csv "${lists[@]}" | tr , ' '))"
mmdebstrap --variant=minbase --mode=root --quiet \
	--dpkgopt="$here/base/dpkg/trim.cfg" \
	--include="$(package_csv "${lists[@]}")" \
	--essential-hook="tar -C '$here/base/rootfs' --owner=0 --group=0 -cf - . | tar -C \"\$1\" --no-overwrite-dir -xf -" \
	--customize-hook="mkdir -p \"\$1/tmp/letterbox-appliance\" && tar -C '$here' --owner=0 --group=0 -cf - . | tar -C \"\$1/tmp/letterbox-appliance\" -xf - && cp '$binary' \"\$1/tmp/letterbox-appliance/letterbox\"" \
	--customize-hook="chroot \"\$1\" /tmp/letterbox-appliance/provision.sh ${provision_args[*]}" \
	--customize-hook="rm -rf \"\$1/tmp/letterbox-appliance\"" \
	"$suite" "$root" \
	"deb $mirror $suite main" \
	"deb $mirror $suite-updates main" \
	"deb $security_mirror $suite-security main"

# --- 2. What only a whole disk image needs: names, network, fstab, boot loader -----------
log "configuring the base system"
echo letterbox >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tletterbox\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
printf 'UUID=%s / ext4 defaults,noatime,errors=remount-ro 0 1\n' "$root_uuid" >"$root/etc/fstab"
systemctl --root="$root" enable systemd-networkd.service systemd-resolved.service systemd-timesyncd.service
systemctl --root="$root" set-default multi-user.target
ln -sfn ../run/systemd/resolve/resolv.conf "$root/etc/resolv.conf"
# The image has no grub-pc package: GRUB is installed once, here, and boots /vmlinuz and
# /initrd.img, the links Debian's kernel packages keep pointing at the newest kernel.
install -d "$root/boot/grub/i386-pc"
cp /usr/lib/grub/i386-pc/*.mod /usr/lib/grub/i386-pc/*.lst "$root/boot/grub/i386-pc/"
cat >"$root/boot/grub/grub.cfg" <<EOF
# Written by build-image.sh. The kernel and initrd are the /vmlinuz and /initrd.img links.
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
set timeout=1
menuentry 'Letterbox' {
	linux /vmlinuz root=UUID=$root_uuid ro console=tty0 console=ttyS0,115200n8 net.ifnames=1
	initrd /initrd.img
}
EOF

# --- 3. Filesystem and disk ------------------------------------------------------------
log "making the root filesystem ($root_size)"
part=$work/root.ext4
# GRUB 2.06 cannot read metadata_csum_seed or orphan_file, newer mkfs defaults.
mkfs.ext4 -q -F -d "$root" -L letterbox-root -U "$root_uuid" \
	-O ^metadata_csum_seed,^orphan_file -E root_owner=0:0 "$part" "$root_size"
part_sectors=$(($(stat -c %s "$part") / 512))

raw=$out/letterbox.raw.tmp
rm -f "$raw"
truncate -s $(((2048 + part_sectors) * 512)) "$raw"
printf 'label: dos\nstart=2048, size=%d, type=83, bootable\n' "$part_sectors" | sfdisk -q "$raw"
dd if="$part" of="$raw" bs=1M seek=1 conv=notrunc,sparse status=none
rm -f "$part"

# MBR boot code (the partition table after byte 440 stays), then core.img right after
# the MBR: boot.img loads LBA 1, whose block list loads the rest (grub-mkimage fills it).
grub-mkimage -O i386-pc -o "$work/core.img" -p '(hd0,msdos1)/boot/grub' biosdisk part_msdos ext2
(($(stat -c %s "$work/core.img") < 2047 * 512)) || { echo "core.img too large" >&2; exit 1; }
dd if=/usr/lib/grub/i386-pc/boot.img of="$raw" bs=440 count=1 conv=notrunc status=none
dd if="$work/core.img" of="$raw" bs=512 seek=1 conv=notrunc status=none
mv "$raw" "$out/letterbox.raw"

# --- 4. Formats ------------------------------------------------------------------------
log "converting: qcow2 (compressed), raw.zst"
rm -f "$out/letterbox.qcow2" "$out/letterbox.raw.zst"
qemu-img convert -c -O qcow2 "$out/letterbox.raw" "$out/letterbox.qcow2"
zstd -q -T0 -12 "$out/letterbox.raw" -o "$out/letterbox.raw.zst"

if $vagrant; then
	log "packing the VirtualBox box"
	"$here/vbox-box.sh" "$out/letterbox.raw" "$out"
fi

input_stamp >"$out/letterbox.sha256"
{
	printf 'root filesystem, used   %s\n' "$(du -sh --apparent-size "$root" | cut -f1)"
	printf 'raw disk, apparent     %s\n' "$(du -h --apparent-size "$out/letterbox.raw" | cut -f1)"
	printf 'raw disk, allocated    %s\n' "$(du -h "$out/letterbox.raw" | cut -f1)"
	for f in letterbox.qcow2 letterbox.raw.zst letterbox-virtualbox.box; do
		[[ -f $out/$f ]] && printf '%-22s %s (%d bytes)\n' "$f" "$(du -h --apparent-size "$out/$f" | cut -f1)" "$(stat -c %s "$out/$f")"
	done
	printf 'build time             %ss\n' "$((SECONDS - started))"
} | tee "$out/sizes.txt"
log "done: $out"
