#!/bin/bash
# Turns a raw Letterbox disk into VirtualBox and Vagrant artifacts without VirtualBox:
#
#   vbox-box.sh RAW OUT_DIR
#
# OUT_DIR gets letterbox.ovf + letterbox-disk001.vmdk (importable with
# `VBoxManage import`, and the source of packer/virtualbox.json) and
# letterbox-virtualbox.box (`vagrant box add letterbox letterbox-virtualbox.box`).
# The hardware is what the initramfs expects of VirtualBox: SATA (AHCI) disk, Intel
# PRO/1000 (E1000) network adapter on NAT, BIOS boot.
set -euo pipefail

(($# == 2)) || { echo "usage: vbox-box.sh RAW OUT_DIR" >&2; exit 2; }
raw=$1
out=$2
name=letterbox
disk=$name-disk001.vmdk
cpus=${LETTERBOX_VBOX_CPUS:-2}
memory_mb=${LETTERBOX_VBOX_MEMORY_MB:-1024}

capacity=$(stat -c %s "$raw")
rm -f "$out/$disk"
qemu-img convert -O vmdk -o subformat=streamOptimized "$raw" "$out/$disk"

# OVF 1.0 as VirtualBox writes and reads it: one VM, one SATA disk, one NAT adapter.
cat >"$out/$name.ovf" <<EOF
<?xml version="1.0"?>
<Envelope ovf:version="1.0" xml:lang="en-US" xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:vbox="http://www.virtualbox.org/ovf/machine">
  <References>
    <File ovf:id="file1" ovf:href="$disk"/>
  </References>
  <DiskSection>
    <Info>List of the virtual disks used in the package</Info>
    <Disk ovf:capacity="$capacity" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
  </DiskSection>
  <NetworkSection>
    <Info>Logical networks used in the package</Info>
    <Network ovf:name="NAT">
      <Description>Logical network used by this appliance.</Description>
    </Network>
  </NetworkSection>
  <VirtualSystem ovf:id="$name">
    <Info>Letterbox mail appliance</Info>
    <OperatingSystemSection ovf:id="96">
      <Info>The kind of installed guest operating system</Info>
      <Description>Debian_64</Description>
      <vbox:OSType ovf:required="false">Debian_64</vbox:OSType>
    </OperatingSystemSection>
    <VirtualHardwareSection>
      <Info>Virtual hardware requirements for a virtual machine</Info>
      <System>
        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
        <vssd:InstanceID>0</vssd:InstanceID>
        <vssd:VirtualSystemIdentifier>$name</vssd:VirtualSystemIdentifier>
        <vssd:VirtualSystemType>virtualbox-2.2</vssd:VirtualSystemType>
      </System>
      <Item>
        <rasd:Caption>$cpus virtual CPU</rasd:Caption>
        <rasd:Description>Number of virtual CPUs</rasd:Description>
        <rasd:ElementName>$cpus virtual CPU</rasd:ElementName>
        <rasd:InstanceID>1</rasd:InstanceID>
        <rasd:ResourceType>3</rasd:ResourceType>
        <rasd:VirtualQuantity>$cpus</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:AllocationUnits>MegaBytes</rasd:AllocationUnits>
        <rasd:Caption>$memory_mb MB of memory</rasd:Caption>
        <rasd:Description>Memory Size</rasd:Description>
        <rasd:ElementName>$memory_mb MB of memory</rasd:ElementName>
        <rasd:InstanceID>2</rasd:InstanceID>
        <rasd:ResourceType>4</rasd:ResourceType>
        <rasd:VirtualQuantity>$memory_mb</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:Address>0</rasd:Address>
        <rasd:Caption>sataController0</rasd:Caption>
        <rasd:Description>SATA Controller</rasd:Description>
        <rasd:ElementName>sataController0</rasd:ElementName>
        <rasd:InstanceID>3</rasd:InstanceID>
        <rasd:ResourceSubType>AHCI</rasd:ResourceSubType>
        <rasd:ResourceType>20</rasd:ResourceType>
      </Item>
      <Item>
        <rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>
        <rasd:Caption>Ethernet adapter on 'NAT'</rasd:Caption>
        <rasd:Connection>NAT</rasd:Connection>
        <rasd:ElementName>Ethernet adapter on 'NAT'</rasd:ElementName>
        <rasd:InstanceID>4</rasd:InstanceID>
        <rasd:ResourceSubType>E1000</rasd:ResourceSubType>
        <rasd:ResourceType>10</rasd:ResourceType>
      </Item>
      <Item>
        <rasd:AddressOnParent>0</rasd:AddressOnParent>
        <rasd:Caption>disk1</rasd:Caption>
        <rasd:Description>Disk Image</rasd:Description>
        <rasd:ElementName>disk1</rasd:ElementName>
        <rasd:HostResource>/disk/vmdisk1</rasd:HostResource>
        <rasd:InstanceID>5</rasd:InstanceID>
        <rasd:Parent>3</rasd:Parent>
        <rasd:ResourceType>17</rasd:ResourceType>
      </Item>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
EOF

# A Vagrant box is a tar of the OVF, its disk, metadata.json and a default Vagrantfile.
staging=$(mktemp -d "$out/.box.XXXXXX")
trap 'rm -rf "$staging"' EXIT
ln "$out/$name.ovf" "$staging/box.ovf"
ln "$out/$disk" "$staging/$disk"
printf '{"provider": "virtualbox", "format": "ovf"}\n' >"$staging/metadata.json"
cp "$(dirname "$0")/box/Vagrantfile" "$staging/Vagrantfile"
tar -C "$staging" -cf "$out/$name-virtualbox.box" metadata.json Vagrantfile box.ovf "$disk"
