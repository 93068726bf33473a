#!/bin/bash
# Installs the Letterbox appliance layer on a Debian 12 system. The one provisioning
# script of every image: build-image.sh runs it in a chroot, Packer runs it over SSH in
# the AMI, VirtualBox and qemu builds.
#
#   provision.sh [--binary PATH] [--vagrant] [--seal]
#
#   --binary PATH  install PATH as /usr/bin/letterbox (the Native AOT executable)
#   --vagrant      add user `vagrant` (Vagrant's well-known key, replaced on first
#                  `vagrant up`) with passwordless sudo, and rsync for /vagrant
#   --seal         last step of an image build: forget what belongs to this one machine
#                  (SSH host keys, machine-id, login keys, logs) so every instance
#                  booted from the image makes its own
#
# Run as root from a copy of the appliance/ directory; packages missing from
# packages.txt are installed with apt-get (the only step that needs the network).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
binary=""
vagrant=false
seal=false

while (($#)); do
	case $1 in
	--binary) binary=${2:?--binary needs a path}; shift 2 ;;
	--vagrant) vagrant=true; shift ;;
	--seal) seal=true; shift ;;
	*) echo "provision.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

log() { echo "provision: $*" >&2; }

[[ $(id -u) == 0 ]] || { echo "provision.sh: run as root" >&2; exit 1; }
# shellcheck source=/dev/null
. /etc/os-release
[[ $ID == debian && $VERSION_ID == 12 ]] || log "WARNING: made for Debian 12, this is $PRETTY_NAME"

package_list() { grep -hv '^[[:space:]]*\(#\|$\)' "$@"; }

install_packages() {
	local lists=("$here/packages.txt") missing=() pkg
	$vagrant && lists+=("$here/base/packages-vagrant.txt")
	for pkg in $(package_list "${lists[@]}"); do
		dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
	done
	((${#missing[@]})) || return 0
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
}

install_files() {
	log "installing appliance files"
	# Mode comes from the repository (the firstboot script is executable); owner is root.
	tar -C "$here/rootfs" --owner=0 --group=0 -cf - . |
		tar -C / --no-overwrite-dir --no-same-owner -xf -
	chmod 0755 /usr/libexec/letterbox/firstboot # in case a copy lost the mode
	if [[ -n $binary ]]; then
		log "installing $binary as /usr/bin/letterbox"
		install -m 0755 -o root -g root "$binary" /usr/bin/letterbox
	fi
	systemd-sysusers /usr/lib/sysusers.d/letterbox.conf
	# /var/lib/letterbox now; /run/letterbox is made on every boot.
	systemd-tmpfiles --create --prefix=/var/lib/letterbox /usr/lib/tmpfiles.d/letterbox.conf
	install -d -m 0755 /etc/letterbox
}

configure_system() {
	# Letterbox answers DNS on port 53 itself: resolved keeps resolving for this host but
	# without its stub listener, and /etc/resolv.conf lists the real upstream servers.
	if systemctl -q is-enabled systemd-resolved.service 2>/dev/null; then
		install -d /etc/systemd/resolved.conf.d
		printf '[Resolve]\nDNSStubListener=no\n' >/etc/systemd/resolved.conf.d/60-letterbox.conf
		ln -sfn ../run/systemd/resolve/resolv.conf /etc/resolv.conf
	fi
	systemctl enable nftables.service letterbox-firstboot.service letterbox.service ssh.service
	systemctl mask e2scrub_reap.service
}

add_vagrant_user() {
	log "adding user vagrant"
	id vagrant >/dev/null 2>&1 || useradd -m -s /bin/bash -U vagrant
	install -d -m 0700 -o vagrant -g vagrant ~vagrant/.ssh
	install -m 0600 -o vagrant -g vagrant "$here/vagrant-insecure-key.pub" ~vagrant/.ssh/authorized_keys
	printf 'vagrant ALL=(ALL) NOPASSWD: ALL\n' >/etc/sudoers.d/vagrant
	chmod 0440 /etc/sudoers.d/vagrant
}

seal_image() {
	log "sealing: removing host keys, machine-id, login keys, logs and any mail data"
	# On a booted build machine (Packer), Letterbox ran from the base image: stop it and
	# drop what it wrote to the root disk, which a data volume would hide later anyway.
	if [[ -d /run/systemd/system ]]; then
		systemctl stop letterbox.service || true
	fi
	if ! mountpoint -q /var/lib/letterbox; then
		find /var/lib/letterbox -mindepth 1 -delete
	fi
	sed -i '\|[[:space:]]/var/lib/letterbox[[:space:]]|d' /etc/fstab
	rm -f /etc/ssh/ssh_host_*
	# Empty, not absent: systemd then treats the next boot as the first one.
	: >/etc/machine-id
	rm -f /var/lib/dbus/machine-id /var/lib/systemd/random-seed /var/lib/systemd/credential.secret
	rm -f /root/.ssh/authorized_keys /var/lib/misc/letterbox-ssh-keys.instance
	find /home -path '*/.ssh/authorized_keys' ! -path '/home/vagrant/*' -delete 2>/dev/null || true
	if command -v cloud-init >/dev/null; then
		cloud-init clean --logs
	fi
	rm -rf /var/log/journal/* /var/lib/apt/lists/* /var/cache/apt/*.bin
	find /var/log -type f \( -name '*.log' -o -name '*.gz' -o -name '*.[0-9]' \) -delete
}

install_packages
install_files
configure_system
if $vagrant; then add_vagrant_user; fi
if $seal; then seal_image; fi
log "done"
