#!/bin/bash
# Runs packer/letterbox.json for one target, after making the inputs that target needs:
#
#   packer/build.sh qemu       BINARY   qemu image, provisioned by Packer over SSH
#   packer/build.sh virtualbox BINARY   Vagrant box (needs VirtualBox on this machine)
#   packer/build.sh aws        BINARY   AMI (needs AWS credentials in the environment)
#   packer/build.sh validate  [BINARY]  packer validate (all builders, dummy credentials)
#                                       and vagrant validate of vagrant/Vagrantfile
#
# Outputs go to artifacts/packer/ (LETTERBOX_PACKER_OUT to change). The version tag comes
# from `BINARY version` unless LETTERBOX_VERSION is set. AWS settings: AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY, LETTERBOX_AWS_REGION (default eu-west-1), LETTERBOX_AWS_SSH_CIDR
# (who may reach the build instance's SSH port; default 0.0.0.0/0).
#
# Packer's qemu and VirtualBox builders start from the image build-image.sh makes (they
# need a bootable disk to begin with); the qemu build runs in a new network namespace with
# only loopback up, so it cannot reach anything but its own VM's forwarded SSH port.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
template=$here/letterbox.json
out=${LETTERBOX_PACKER_OUT:-$repo/artifacts/packer}
export CHECKPOINT_DISABLE=1 # Packer's update check would go to the network.

target=${1:-}
binary=${2:-}
log() { printf '[%(%H:%M:%S)T] packer/build: %s\n' -1 "$*" >&2; }

need() { # command package ...
	local missing=()
	while (($#)); do
		command -v "$1" >/dev/null || missing+=("$2")
		shift 2
	done
	((${#missing[@]})) || return 0
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

version_of() {
	if [[ -n ${LETTERBOX_VERSION:-} ]]; then
		echo "$LETTERBOX_VERSION"
	else
		"$1" version | awk '{ print $2; exit }'
	fi
}

# Sets vars: the -var arguments every target passes.
common_vars() { # binary
	vars=(-var "binary=$(realpath "$1")" -var "appliance_dir=$repo/appliance" -var "output_dir=$out"
		-var "version=$(version_of "$1")")
}

# Builds (or reuses) the base image in DIR, the same way the e2e test does.
base_image() { # dir binary [--vagrant]
	local dir=$1 bin=$2 flags=("${@:3}") want have=""
	want=$("$repo/appliance/build-image.sh" --print-stamp "${flags[@]}" "$dir" "$bin")
	[[ -f $dir/letterbox.sha256 ]] && have=$(cat "$dir/letterbox.sha256")
	if [[ $want == "$have" && -f $dir/letterbox.qcow2 ]]; then
		log "reusing the base image in $dir"
	else
		"$repo/appliance/build-image.sh" "${flags[@]}" "$dir" "$bin"
	fi
}

case $target in
validate)
	need packer packer vagrant vagrant ssh-keygen openssh-client
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	ssh-keygen -q -t ed25519 -N '' -f "$tmp/key"
	mkdir "$tmp/config" && cp "$tmp/key.pub" "$tmp/config/authorized_keys"
	if [[ -z $binary ]]; then
		binary=$tmp/letterbox
		printf '#!/bin/sh\necho "letterbox 0.0.0"\n' >"$binary" && chmod +x "$binary"
	fi
	# Dummy credentials: validate never calls AWS with skip_region_validation.
	out=$tmp/out # Packer refuses an output directory that exists, even to validate.
	common_vars "$binary"
	AWS_ACCESS_KEY_ID=AKIAEXAMPLEEXAMPLE00 AWS_SECRET_ACCESS_KEY=validate-only \
		packer validate "${vars[@]}" -var "image_dir=$tmp" \
		-var aws_skip_region_validation=true -var "vagrant_insecure_key=$tmp/key" \
		-var "qemu_ssh_key=$tmp/key" -var "qemu_config_dir=$tmp/config" "$template"
	log "packer validate: ok"
	# Without VirtualBox installed Vagrant cannot load its provider: the provider block is
	# then skipped (--ignore-provider); the rest of the Vagrantfile is checked.
	(cd "$repo/vagrant" && VAGRANT_CHECKPOINT_DISABLE=1 vagrant validate --ignore-provider)
	log "vagrant validate: ok"
	;;
qemu)
	[[ -x $binary ]] || { echo "usage: packer/build.sh qemu BINARY" >&2; exit 2; }
	need packer packer qemu-system-x86_64 qemu-system-x86 xorriso xorriso unshare util-linux
	base_image "$repo/artifacts/image" "$binary"
	mkdir -p "$out"
	rm -rf "$out/qemu" "$out/qemu-key" "$out/qemu-key.pub" "$out/qemu-config"
	# The build VM's login key travels on a CD labelled LBCONFIG; --seal removes it.
	ssh-keygen -q -t ed25519 -N '' -C letterbox-packer -f "$out/qemu-key"
	mkdir "$out/qemu-config" && cp "$out/qemu-key.pub" "$out/qemu-config/authorized_keys"
	log "packer build -only=qemu (in a network namespace with loopback only)"
	common_vars "$binary"
	unshare --net sh -c 'ip link set lo up && exec "$@"' sh \
		packer build -only=qemu "${vars[@]}" -var "image_dir=$repo/artifacts/image" \
		-var "qemu_ssh_key=$out/qemu-key" -var "qemu_config_dir=$out/qemu-config" "$template"
	rm -rf "$out/qemu-key" "$out/qemu-key.pub" "$out/qemu-config"
	ls -l "$out/qemu"
	;;
virtualbox)
	[[ -x $binary ]] || { echo "usage: packer/build.sh virtualbox BINARY" >&2; exit 2; }
	need packer packer VBoxManage virtualbox vagrant vagrant
	base_image "$repo/artifacts/image-vagrant" "$binary" --vagrant
	rm -rf "$out/virtualbox"
	key=$(find /usr/share/rubygems-integration /opt/vagrant -path '*/keys/vagrant' 2>/dev/null | head -n 1)
	[[ -n $key ]] || { echo "Vagrant's insecure key not found; install vagrant" >&2; exit 1; }
	log "packer build -only=virtualbox"
	common_vars "$binary"
	packer build -only=virtualbox "${vars[@]}" -var "image_dir=$repo/artifacts/image-vagrant" \
		-var "vagrant_insecure_key=$key" "$template"
	ls -l "$out/letterbox-virtualbox.box"
	;;
aws)
	[[ -x $binary ]] || { echo "usage: packer/build.sh aws BINARY" >&2; exit 2; }
	: "${AWS_ACCESS_KEY_ID:?set AWS credentials}" "${AWS_SECRET_ACCESS_KEY:?set AWS credentials}"
	need packer packer aws awscli python3 python3
	log "packer build -only=aws"
	common_vars "$binary"
	packer build -only=aws "${vars[@]}" -var "image_dir=$out" \
		-var "aws_region=${LETTERBOX_AWS_REGION:-eu-west-1}" \
		-var "aws_ssh_cidr=${LETTERBOX_AWS_SSH_CIDR:-0.0.0.0/0}" "$template"
	;;
*)
	sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
