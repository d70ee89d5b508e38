import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fixtureCacheDir, withFixtureLock } from '../fixtures';

/** Test sources built from the shared fixtures: OVAs, VMX folders, damaged copies. */

/** SHA-256 of a file of any size, read in chunks (sources can be several GiB). */
export function sha256(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(8 * 1024 * 1024);
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Digest of every file in a folder (recursively): "the source is untouched" means equal maps. */
export function hashTree(folder: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[full] = sha256(full);
    }
  };
  walk(folder);
  return out;
}

/**
 * Copies a file keeping its holes. The samples are 2.5 GiB disks holding ~20 MiB: a plain copy
 * writes every zero and a test run would fill gigabytes of /tmp with them.
 */
export function copySparse(from: string, to: string): void {
  execFileSync('/bin/cp', ['--sparse=always', '--', from, to]);
}

/** Copies every file of a folder (a VMDK with its extents) into a new folder. */
export function copyFolder(from: string, to: string): string {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (statSync(join(from, name)).isFile()) copySparse(join(from, name), join(to, name));
  }
  return to;
}

export function qemuImg(args: string[]): string {
  return execFileSync('/usr/bin/qemu-img', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `qemu-img compare` says the two images have the same content (exit 0). */
export function sameContent(a: string, b: string, formatA?: string, formatB?: string): boolean {
  try {
    qemuImg(['compare', ...(formatA ? ['-f', formatA] : []), ...(formatB ? ['-F', formatB] : []), a, b]);
    return true;
  } catch {
    return false;
  }
}

export interface OvfDisk {
  file: string;
  capacityBytes: number;
}

/** An OVF 1.0 descriptor shaped like ovftool's, for the given disks. */
export function ovfDescriptor(name: string, disks: OvfDisk[], options: { firmware?: 'efi' | 'bios'; mac?: string } = {}): string {
  const files = disks.map((d, i) => `    <File ovf:href="${basename(d.file)}" ovf:id="file${i + 1}" ovf:size="${statSync(d.file).size}"/>`).join('\n');
  const diskSection = disks.map((d, i) => `    <Disk ovf:capacity="${d.capacityBytes}" ovf:capacityAllocationUnits="byte" ovf:diskId="vmdisk${i + 1}" ovf:fileRef="file${i + 1}" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>`).join('\n');
  const diskItems = disks
    .map(
      (_d, i) => `      <Item>
        <rasd:AddressOnParent>${i}</rasd:AddressOnParent>
        <rasd:ElementName>Hard disk ${i + 1}</rasd:ElementName>
        <rasd:HostResource>ovf:/disk/vmdisk${i + 1}</rasd:HostResource>
        <rasd:InstanceID>${10 + i}</rasd:InstanceID>
        <rasd:Parent>3</rasd:Parent>
        <rasd:ResourceType>17</rasd:ResourceType>
      </Item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Envelope vmw:buildId="build-20800274" xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:cim="http://schemas.dmtf.org/wbem/wscim/1/common" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vmw="http://www.vmware.com/schema/ovf" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <References>
${files}
  </References>
  <DiskSection>
    <Info>Virtual disk information</Info>
${diskSection}
  </DiskSection>
  <NetworkSection>
    <Info>The list of logical networks</Info>
    <Network ovf:name="VM Network">
      <Description>The VM Network network</Description>
    </Network>
  </NetworkSection>
  <VirtualSystem ovf:id="${name}">
    <Info>A virtual machine</Info>
    <Name>${name}</Name>
    <OperatingSystemSection ovf:id="96" vmw:osType="debian11_64Guest">
      <Info>The kind of installed guest operating system</Info>
    </OperatingSystemSection>
    <VirtualHardwareSection>
      <Info>Virtual hardware requirements</Info>
      <System>
        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
        <vssd:InstanceID>0</vssd:InstanceID>
        <vssd:VirtualSystemIdentifier>${name}</vssd:VirtualSystemIdentifier>
        <vssd:VirtualSystemType>vmx-19</vssd:VirtualSystemType>
      </System>
      <Item>
        <rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits>
        <rasd:Description>Number of Virtual CPUs</rasd:Description>
        <rasd:ElementName>2 virtual CPU(s)</rasd:ElementName>
        <rasd:InstanceID>1</rasd:InstanceID>
        <rasd:ResourceType>3</rasd:ResourceType>
        <rasd:VirtualQuantity>2</rasd:VirtualQuantity>
        <vmw:CoresPerSocket ovf:required="false">2</vmw:CoresPerSocket>
      </Item>
      <Item>
        <rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>
        <rasd:Description>Memory Size</rasd:Description>
        <rasd:ElementName>2048MB of memory</rasd:ElementName>
        <rasd:InstanceID>2</rasd:InstanceID>
        <rasd:ResourceType>4</rasd:ResourceType>
        <rasd:VirtualQuantity>2048</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:Address>0</rasd:Address>
        <rasd:Description>SCSI Controller</rasd:Description>
        <rasd:ElementName>SCSI controller 0</rasd:ElementName>
        <rasd:InstanceID>3</rasd:InstanceID>
        <rasd:ResourceSubType>VirtualSCSI</rasd:ResourceSubType>
        <rasd:ResourceType>6</rasd:ResourceType>
      </Item>
${diskItems}
      <Item>
        <rasd:AddressOnParent>7</rasd:AddressOnParent>
        <rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>
        <rasd:Connection>VM Network</rasd:Connection>
        <rasd:Description>VmxNet3 ethernet adapter on &quot;VM Network&quot;</rasd:Description>
        <rasd:ElementName>Network adapter 1</rasd:ElementName>
        <rasd:InstanceID>20</rasd:InstanceID>
        <rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType>
        <rasd:ResourceType>10</rasd:ResourceType>${options.mac ? `\n        <rasd:Address>${options.mac}</rasd:Address>` : ''}
      </Item>
      <vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="${options.firmware ?? 'bios'}"/>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
`;
}

export interface OvaOptions {
  /** Replace a file's content after the manifest was computed (a corrupted download). */
  corrupt?: string;
  /** Leave the manifest out. */
  noManifest?: boolean;
  algorithm?: 'SHA1' | 'SHA256';
}

/** Packs an OVA with GNU tar: OVF first, then the disks, then the manifest, as ovftool does. */
export function makeOva(dir: string, name: string, disks: OvfDisk[], options: OvaOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  const ovfName = `${name}.ovf`;
  writeFileSync(join(dir, ovfName), ovfDescriptor(name, disks));
  const members = [ovfName];
  for (const d of disks) {
    if (!existsSync(join(dir, basename(d.file)))) copySparse(d.file, join(dir, basename(d.file)));
    members.push(basename(d.file));
  }
  if (!options.noManifest) {
    const algo = options.algorithm ?? 'SHA256';
    const lines = members.map((m) => `${algo}(${m})= ${createHash(algo.toLowerCase()).update(readFileSync(join(dir, m))).digest('hex')}`);
    writeFileSync(join(dir, `${name}.mf`), lines.join('\n') + '\n');
    members.push(`${name}.mf`);
  }
  if (options.corrupt) {
    const target = join(dir, options.corrupt);
    const bytes = readFileSync(target);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(target, bytes);
  }
  const ova = join(dir, `${name}.ova`);
  execFileSync('/usr/bin/tar', ['--format=ustar', '-cf', ova, '-C', dir, ...members]);
  return ova;
}

/**
 * A VMDK full of random data, big enough that converting it takes a few seconds (cancel tests,
 * progress tests). Cached: random data is the expensive part.
 */
export async function slowDisk(sizeMiB = 1536): Promise<string> {
  const dir = join(fixtureCacheDir(), `slow-disk-${sizeMiB}`);
  const vmdk = join(dir, 'slow.vmdk');
  return withFixtureLock(`slow-disk-${sizeMiB}`, () => {
    if (existsSync(vmdk)) return Promise.resolve(vmdk);
    mkdirSync(dir, { recursive: true });
    const raw = join(dir, 'slow.raw');
    execFileSync('/bin/sh', ['-c', `head -c ${sizeMiB}M /dev/urandom > ${raw}`]);
    qemuImg(['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=monolithicSparse', raw, `${vmdk}.tmp`]);
    execFileSync('/bin/rm', ['-f', raw]);
    renameSync(`${vmdk}.tmp`, vmdk);
    return Promise.resolve(vmdk);
  });
}
