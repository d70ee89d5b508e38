import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { vmdkSamples } from '../../fixtures';
import type { VmdkSamples } from '../../fixtures';
import { runCliInProcess } from '../../support/cli';
import type { CliRun } from '../../support/cli';
import { copyFolder, copySparse, hashTree, makeOva, qemuImg, sameContent } from '../../support/sources';

// Real qemu-img on disks built at test time: every VMDK subformat, a snapshot chain, a VMX, an
// OVA (read in place), and every kind of bad input. Each conversion also proves that the source
// is untouched (hashes before and after) and that nothing is left behind on failure.

let samples: VmdkSamples;
let work: string;

beforeAll(async () => {
  samples = await vmdkSamples();
  work = mkdtempSync(join(tmpdir(), 'h2k-convert-'));
  process.env.HYPER2KVM_HOME = join(work, 'home');
});

function outDir(name: string): string {
  const dir = join(work, 'out', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

interface Output {
  path: string;
  format: string;
  virtualSize: number;
}

function outputsOf(run: CliRun): Output[] {
  expect(run.result, run.stderr + run.stdout.slice(-2000)).toMatchObject({ type: 'result', ok: true });
  return run.result.outputs as Output[];
}

/** Files in a folder that look like leftovers of a job (partial outputs). */
function leftovers(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.includes('.part-')) : [];
}

async function convertAndCompare(label: string, source: string, expectedRaw: string, extra: string[] = []): Promise<Output[]> {
  const folder = dirname(source);
  const before = hashTree(folder);
  const out = outDir(label);
  const run = await runCliInProcess(['convert', source, '--out', out, '--json', ...extra]);
  expect(run.code, run.stderr).toBe(0);
  const outputs = outputsOf(run);
  expect(outputs).toHaveLength(1);
  expect(sameContent(outputs[0]!.path, expectedRaw, outputs[0]!.format, 'raw')).toBe(true);
  expect(hashTree(folder)).toEqual(before);
  expect(leftovers(out)).toEqual([]);
  return outputs;
}

describe('conversion of every VMDK subformat', () => {
  it.each(['monolithicSparse', 'monolithicFlat', 'twoGbMaxExtentSparse', 'twoGbMaxExtentFlat', 'streamOptimized'] as const)('%s → qcow2, identical content, checked, source untouched', async (subformat) => {
    const [output] = await convertAndCompare(subformat, samples[subformat], samples.raw);
    expect(output).toMatchObject({ format: 'qcow2', virtualSize: samples.virtualSize });
    const info = JSON.parse(qemuImg(['info', '--output=json', output!.path])) as { format: string; 'virtual-size': number };
    expect(info.format).toBe('qcow2');
    expect(info['virtual-size']).toBe(samples.virtualSize);
  });

  it('writes raw when asked', async () => {
    const [output] = await convertAndCompare('raw', samples.monolithicSparse, samples.raw, ['--format', 'raw']);
    expect(output!.path.endsWith('.raw')).toBe(true);
    expect(statSync(output!.path).size).toBe(samples.virtualSize);
  });

  it('compresses qcow2 when asked (smaller than uncompressed, same content)', async () => {
    const [plain] = await convertAndCompare('plain', samples.streamOptimized, samples.raw, ['--name', 'plain']);
    const [compressed] = await convertAndCompare('compressed', samples.streamOptimized, samples.raw, ['--compress', '--name', 'small']);
    expect(statSync(compressed!.path).blocks).toBeLessThan(statSync(plain!.path).blocks);
  });

  it('flattens a snapshot chain into one disk', async () => {
    const [output] = await convertAndCompare('chain', samples.snapshotChain.top, samples.snapshotChain.expectedRaw);
    expect(sameContent(output!.path, samples.raw, 'qcow2', 'raw')).toBe(false);
  });
});

describe('the JSON event stream and the job record', () => {
  it('streams typed events: stages in order, progress with bytes, rate and ETA, then one result line', async () => {
    const run = await runCliInProcess(['convert', samples.twoGbMaxExtentSparse, '--out', outDir('events'), '--json']);
    expect(run.code).toBe(0);
    const types = run.lines.map((l) => l.type);
    expect(types[0]).toBe('job-started');
    expect(types.at(-2)).toBe('done');
    expect(types.at(-1)).toBe('result');
    const stages = run.lines.filter((l) => l.type === 'stage-started').map((l) => l.stage);
    expect(stages).toEqual(['probe', 'verify', 'preflight', 'convert', 'check', 'finalize']);
    const progress = run.lines.filter((l) => l.type === 'progress' && l.stage === 'convert').map((l) => l.progress as { fraction: number; bytesDone: number; bytesTotal: number });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ fraction: 1, bytesDone: samples.virtualSize, bytesTotal: samples.virtualSize });
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.fraction).toBeGreaterThanOrEqual(progress[i - 1]!.fraction);
    const record = JSON.parse(readFileSync(run.result.recordPath as string, 'utf8')) as { state: string; cli: string[]; result: { outputs: Output[] }; stages: Array<{ id: string }> };
    expect(record.state).toBe('succeeded');
    expect(record.cli.slice(0, 3)).toEqual(['hyper2kvm', 'convert', samples.twoGbMaxExtentSparse]);
    expect(record.result.outputs[0]!.path).toBe((run.result.outputs as Output[])[0]!.path);
  });
});

describe('VMX, OVF, OVA and folders', () => {
  it('converts a VMX with a snapshot chain and keeps the VM metadata', async () => {
    const dir = copyFolder(dirname(samples.snapshotChain.top), join(work, 'vmx-vm'));
    writeFileSync(
      join(dir, 'web01.vmx'),
      [
        '.encoding = "UTF-8"',
        'config.version = "8"',
        'virtualHW.version = "19"',
        'displayName = "web01"',
        'guestOS = "debian11-64"',
        'numvcpus = "4"',
        'cpuid.coresPerSocket = "2"',
        'memsize = "4096"',
        'firmware = "efi"',
        'scsi0.present = "TRUE"',
        'scsi0.virtualDev = "pvscsi"',
        'scsi0:0.present = "TRUE"',
        `scsi0:0.fileName = "${basename(samples.snapshotChain.top)}"`,
        'ethernet0.present = "TRUE"',
        'ethernet0.virtualDev = "vmxnet3"',
        'ethernet0.networkName = "VM Network"',
        'ethernet0.addressType = "generated"',
        'ethernet0.generatedAddress = "00:50:56:aa:bb:cc"',
        '',
      ].join('\n'),
    );
    const before = hashTree(dir);
    const run = await runCliInProcess(['convert', dir, '--out', outDir('vmx'), '--json']);
    expect(run.code, run.stderr).toBe(0);
    const [output] = outputsOf(run);
    expect(output!.path).toBe(join(outDir('vmx'), 'web01.qcow2'));
    expect(sameContent(output!.path, samples.snapshotChain.expectedRaw, 'qcow2', 'raw')).toBe(true);
    const done = run.lines.find((l) => l.type === 'done') as { result: { vm: Record<string, unknown> } };
    expect(done.result.vm).toMatchObject({ name: 'web01', vcpus: 4, coresPerSocket: 2, memoryMiB: 4096, firmware: 'uefi', origin: 'vmx' });
    expect(done.result.vm.nics).toEqual([expect.objectContaining({ mac: '00:50:56:aa:bb:cc', adapterType: 'vmxnet3', network: 'VM Network' })]);
    expect(hashTree(dir)).toEqual(before);
  });

  it('reads an OVA in place (never extracted) after checking its SHA256 manifest', async () => {
    const dir = join(work, 'ova-good');
    const ova = makeOva(dir, 'appliance', [{ file: samples.streamOptimized, capacityBytes: samples.virtualSize }]);
    const filesBefore = readdirSync(dir).sort();
    const hash = hashTree(dir);
    const run = await runCliInProcess(['convert', ova, '--out', outDir('ova'), '--json']);
    expect(run.code, run.stderr).toBe(0);
    const [output] = outputsOf(run);
    expect(sameContent(output!.path, samples.raw, 'qcow2', 'raw')).toBe(true);
    expect(run.lines.some((l) => l.type === 'log' && /SHA256 matches/.test(String(l.message)))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(filesBefore);
    expect(hashTree(dir)).toEqual(hash);
    const done = run.lines.find((l) => l.type === 'done') as { result: { vm: Record<string, unknown> } };
    expect(done.result.vm).toMatchObject({ name: 'appliance', vcpus: 2, memoryMiB: 2048, origin: 'ovf' });
  });

  it('checks a SHA1 manifest of a plain OVF folder too', async () => {
    const dir = join(work, 'ovf-folder');
    const ova = makeOva(dir, 'plain', [{ file: samples.streamOptimized, capacityBytes: samples.virtualSize }], { algorithm: 'SHA1' });
    expect(existsSync(ova)).toBe(true);
    const run = await runCliInProcess(['convert', join(dir, 'plain.ovf'), '--out', outDir('ovf'), '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(sameContent(outputsOf(run)[0]!.path, samples.raw, 'qcow2', 'raw')).toBe(true);
  });

  it('recognises the VM in a dropped folder of bare VMDKs (extents are not disks of their own)', async () => {
    const dir = copyFolder(dirname(samples.twoGbMaxExtentFlat), join(work, 'bare-folder'));
    const run = await runCliInProcess(['convert', dir, '--out', outDir('bare'), '--json']);
    expect(run.code, run.stderr).toBe(0);
    const outputs = outputsOf(run);
    expect(outputs).toHaveLength(1);
    expect(sameContent(outputs[0]!.path, samples.raw, 'qcow2', 'raw')).toBe(true);
  });
});

describe('bad input: a clear error, exit code 2, nothing left behind, source untouched', () => {
  async function expectRefused(source: string, code: string, extra: string[] = []): Promise<CliRun> {
    const folder = statSync(source).isDirectory() ? source : dirname(source);
    const before = hashTree(folder);
    const out = outDir(`bad-${code}-${basename(source)}`);
    const run = await runCliInProcess(['convert', source, '--out', out, '--json', ...extra]);
    expect(run.result, run.stdout.slice(-1500)).toMatchObject({ type: 'result', ok: false, error: { code, kind: 'bad-input' } });
    expect(run.result.error!.message.length).toBeGreaterThan(10);
    expect(run.result.error!.hint.length).toBeGreaterThan(10);
    expect(run.code).toBe(2);
    expect(readdirSync(out)).toEqual([]);
    expect(hashTree(folder)).toEqual(before);
    return run;
  }

  it('a text file named .vmdk is not a disk', async () => {
    const dir = join(work, 'notadisk');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.vmdk'), 'shopping list: milk, eggs\n'.repeat(50));
    await expectRefused(join(dir, 'notes.vmdk'), 'SOURCE_NOT_A_DISK');
  });

  it('a missing source', async () => {
    const run = await runCliInProcess(['convert', join(work, 'nope.vmdk'), '--out', outDir('nope'), '--json']);
    expect(run.code).toBe(2);
    expect(run.result.error?.code).toBe('SOURCE_NOT_FOUND');
  });

  it('a flat extent cut short', async () => {
    const dir = copyFolder(dirname(samples.monolithicFlat), join(work, 'truncated-flat'));
    const flat = readdirSync(dir).find((n) => n.endsWith('-flat.vmdk'))!;
    truncateSync(join(dir, flat), 1024 * 1024);
    await expectRefused(join(dir, basename(samples.monolithicFlat)), 'VMDK_TRUNCATED');
  });

  it('a sparse extent of a split disk cut short', async () => {
    const dir = copyFolder(dirname(samples.twoGbMaxExtentSparse), join(work, 'truncated-split'));
    truncateSync(join(dir, readdirSync(dir).find((n) => n.endsWith('-s001.vmdk'))!), 100_000);
    await expectRefused(join(dir, basename(samples.twoGbMaxExtentSparse)), 'VMDK_TRUNCATED');
  });

  it('a sparse VMDK cut short', async () => {
    const dir = join(work, 'truncated-sparse');
    mkdirSync(dir);
    const copy = join(dir, 'disk.vmdk');
    copySparse(samples.monolithicSparse, copy);
    truncateSync(copy, Math.floor(statSync(copy).size / 2));
    await expectRefused(copy, 'VMDK_TRUNCATED');
  });

  it('a garbled descriptor', async () => {
    const dir = copyFolder(dirname(samples.monolithicFlat), join(work, 'garbled'));
    const descriptor = join(dir, basename(samples.monolithicFlat));
    writeFileSync(descriptor, '# Disk DescriptorFile\nversion=1\ncreateType="monolithicFlat"\nRW lots-of FLAT "x-flat.vmdk" 0\n');
    await expectRefused(descriptor, 'VMDK_GARBLED');
  });

  it('a descriptor whose extent is missing', async () => {
    const dir = copyFolder(dirname(samples.twoGbMaxExtentSparse), join(work, 'missing-extent'));
    const extent = readdirSync(dir).find((n) => /-s002\.vmdk$/.test(n))!;
    rmSync(join(dir, extent));
    const run = await expectRefused(join(dir, basename(samples.twoGbMaxExtentSparse)), 'VMDK_EXTENT_MISSING');
    expect(run.result.error!.message).toContain(extent);
  });

  it('a descriptor pointing outside its folder, directly or through a symlink', async () => {
    const dir = copyFolder(dirname(samples.monolithicFlat), join(work, 'escape', 'vm'));
    const descriptor = join(dir, basename(samples.monolithicFlat));
    const flat = readdirSync(dir).find((n) => n.endsWith('-flat.vmdk'))!;
    renameSync(join(dir, flat), join(dirname(dir), flat));
    const text = readFileSync(descriptor, 'utf8');
    writeFileSync(descriptor, text.replace(`"${flat}"`, `"../${flat}"`));
    await expectRefused(descriptor, 'VMDK_EXTENT_OUTSIDE_FOLDER');
    writeFileSync(descriptor, text);
    symlinkSync(join(dirname(dir), flat), join(dir, flat));
    await expectRefused(descriptor, 'VMDK_EXTENT_OUTSIDE_FOLDER');
  });

  it('a snapshot whose parent is missing', async () => {
    const dir = join(work, 'orphan');
    mkdirSync(dir);
    copySparse(samples.snapshotChain.top, join(dir, basename(samples.snapshotChain.top)));
    await expectRefused(join(dir, basename(samples.snapshotChain.top)), 'VMDK_PARENT_MISSING');
  });

  it('an OVA whose disk does not match its manifest', async () => {
    const dir = join(work, 'ova-corrupt');
    const ova = makeOva(dir, 'corrupt', [{ file: samples.streamOptimized, capacityBytes: samples.virtualSize }], { corrupt: basename(samples.streamOptimized) });
    const run = await expectRefused(ova, 'OVA_MANIFEST_MISMATCH');
    expect(run.result.error!.message).toContain(basename(samples.streamOptimized));
  });

  it.each([
    ['../evil.vmdk', 'a parent-directory entry'],
    ['/etc/evil.vmdk', 'an absolute entry'],
  ])('an OVA with %s (%s)', async (entryName) => {
    const dir = join(work, `ova-unsafe-${entryName.length}`);
    mkdirSync(join(dir, 'inner'), { recursive: true });
    writeFileSync(join(dir, 'inner', 'vm.ovf'), '<Envelope/>');
    const ova = join(dir, 'unsafe.ova');
    // GNU tar strips leading '/' and '..' unless told not to: --absolute-names keeps them.
    writeFileSync(join(dir, 'payload'), 'x');
    execFileSync('/usr/bin/tar', ['--format=ustar', '--absolute-names', '-cf', ova, '-C', join(dir, 'inner'), 'vm.ovf', '--transform', `s|^.*payload$|${entryName}|`, join(dir, 'payload')]);
    expect(execFileSync('/usr/bin/tar', ['-tf', ova], { encoding: 'utf8' })).toContain(entryName);
    await expectRefused(ova, 'OVA_UNSAFE_ENTRY');
  });

  it('an OVA with a symlink entry', async () => {
    const dir = join(work, 'ova-symlink');
    mkdirSync(dir);
    writeFileSync(join(dir, 'vm.ovf'), '<Envelope/>');
    symlinkSync('/etc/shadow', join(dir, 'disk1.vmdk'));
    const ova = join(dir, 'link.ova');
    execFileSync('/usr/bin/tar', ['-cf', ova, '-C', dir, 'vm.ovf', 'disk1.vmdk']);
    await expectRefused(ova, 'OVA_UNSAFE_ENTRY');
  });

  it('an output that already exists is never overwritten without --overwrite', async () => {
    const out = outDir('exists');
    const existing = join(out, 'keep.qcow2');
    writeFileSync(existing, 'precious');
    const run = await runCliInProcess(['convert', samples.monolithicSparse, '--out', out, '--name', 'keep', '--json']);
    expect(run.code).toBe(2);
    expect(run.result.error?.code).toBe('OUTPUT_EXISTS');
    expect(readFileSync(existing, 'utf8')).toBe('precious');
    expect(leftovers(out)).toEqual([]);
    const again = await runCliInProcess(['convert', samples.monolithicSparse, '--out', out, '--name', 'keep', '--overwrite', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(sameContent(existing, samples.raw, 'qcow2', 'raw')).toBe(true);
  });

  it('a destination without enough space is refused before anything is written', async () => {
    const mnt = join(work, 'small-fs');
    mkdirSync(mnt);
    execFileSync('/bin/mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt]);
    try {
      const run = await runCliInProcess(['convert', samples.monolithicSparse, '--out', mnt, '--json']);
      expect(run.code).toBe(2);
      expect(run.result.error).toMatchObject({ code: 'DEST_NO_SPACE' });
      expect(run.result.error!.message).toMatch(/needs about .* free/);
      expect(readdirSync(mnt)).toEqual([]);
    } finally {
      execFileSync('/bin/umount', [mnt]);
    }
  });

  it('a destination that cannot be written is refused', async () => {
    const out = outDir('immutable');
    execFileSync('/usr/bin/chattr', ['+i', out]);
    try {
      const run = await runCliInProcess(['convert', samples.monolithicSparse, '--out', out, '--json']);
      expect(run.code).toBe(2);
      expect(run.result.error?.code).toBe('DEST_NOT_WRITABLE');
    } finally {
      execFileSync('/usr/bin/chattr', ['-i', out]);
    }
    expect(readdirSync(out)).toEqual([]);
  });

  it('usage errors exit 2 with the usage line', async () => {
    const missingOut = await runCliInProcess(['convert', samples.monolithicSparse, '--json']);
    expect(missingOut.code).toBe(2);
    expect(missingOut.result.error).toMatchObject({ code: 'INVALID_REQUEST', message: '--out DIR is missing.' });
    const badFormat = await runCliInProcess(['convert', samples.monolithicSparse, '--out', outDir('usage'), '--format', 'vdi', '--json']);
    expect(badFormat.result.error?.message).toContain('vdi');
    const rawCompressed = await runCliInProcess(['convert', samples.monolithicSparse, '--out', outDir('usage'), '--format', 'raw', '--compress', '--json']);
    expect(rawCompressed.code).toBe(2);
    const unknown = await runCliInProcess(['frobnicate']);
    expect(unknown.code).toBe(2);
  });
});
