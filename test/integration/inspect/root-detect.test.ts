import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHash, parseLines, parseStruct } from '../../../electron/engine/appliance/guestfish-protocol';
import { GuestfishSession } from '../../../electron/engine/appliance/guestfish-session';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import { classify, describeRoot, detectLinuxRoot, probeTargets } from '../../../electron/engine/inspect/linux/root-detect';
import type { DetectInput, DetectedRoot } from '../../../electron/engine/inspect/linux/root-detect';
import { parseRootProbe, rootProbeCommand } from '../../../electron/engine/inspect/linux/root-probe';
import type { RootProbeOutput } from '../../../electron/engine/inspect/linux/root-probe';
import { inspectOs } from '../../../electron/engine/inspect/inspector';
import { parseBlkid } from '../../../electron/engine/inspect/storage';
import { linuxRoots } from '../../support/linux-roots';
import { lvmRoot } from '../../support/lvm-root';
import { runInspect } from './helpers';
import type { StageRun } from './helpers';

/**
 * Our root detection against libguestfs inspect-os on fifteen real Linux roots (Debian, Ubuntu old
 * and new, CentOS 7, RHEL 6 and 9, Fedora, Rocky, AlmaLinux, openSUSE Leap and Tumbleweed in a
 * btrfs subvolume, SLES on aarch64, Alpine, Arch, Debian testing) with fstabs that use every
 * device naming inspect-os resolves, next to an ESP, a /boot, a data file system and swap.
 *
 * The probe runs in a real appliance on the fixture disk; inspect-os's answers for the same disk
 * are recorded in samples/linux-roots-inspect-os.txt (inspect-os takes about five minutes on
 * fifteen roots under TCG, too long to repeat in every run; the fixture is built from a fixed
 * recipe, so its answers do not change). The recording is libguestfs 1.48.6's: on another version
 * the test says so instead of comparing.
 */

const REFERENCE = readFileSync(join(__dirname, 'samples', 'linux-roots-inspect-os.txt'), 'utf8');

interface ReferenceRoot {
  root: string;
  fields: Map<string, string>;
  mountpoints: Array<{ device: string; path: string }>;
}

/** The recording: "== root X", "field: value" lines, then "mountpoints:" with "  path: device" lines. */
function parseReference(text: string): { version: string; roots: ReferenceRoot[] } {
  const version = /guestfish --version: guestfish (\S+)/.exec(text)?.[1] ?? '';
  const roots: ReferenceRoot[] = [];
  for (const block of text.split('\n== root ').slice(1)) {
    const [root = '', ...lines] = block.split('\n');
    const fields = new Map<string, string>();
    const start = lines.indexOf('mountpoints:');
    const end = lines.indexOf('filesystems:');
    for (const line of lines.slice(0, start)) {
      const m = /^([a-z-]+):\s+(.*)$/.exec(line);
      if (m) fields.set(m[1]!, m[2]!);
    }
    const mountpoints = [...parseHash(lines.slice(start + 1, end).map((l) => l.trim()).join('\n'))].map(([path, device]) => ({ device, path }));
    roots.push({ root, fields, mountpoints });
  }
  return { version, roots };
}

/** A recorded root as the report states it (identityFrom's rules: "unknown" is null, so is a 0 major). */
function asDetected(ref: ReferenceRoot): DetectedRoot {
  const field = (name: string): string | null => {
    const v = ref.fields.get(name);
    return v === undefined || v === 'unknown' ? null : v;
  };
  const major = Number(field('major-version') ?? 0);
  return {
    root: ref.root,
    distro: field('distro'),
    productName: field('product-name'),
    majorVersion: major === 0 ? null : major,
    minorVersion: Number(field('minor-version') ?? 0),
    arch: field('arch'),
    hostname: field('hostname'),
    osinfo: field('osinfo'),
    packageFormat: field('package-format'),
    packageManagement: field('package-management'),
    mountpoints: [...ref.mountpoints].sort((x, y) => x.path.localeCompare(y.path)),
  };
}

describe('root detection against inspect-os on fifteen Linux roots', () => {
  const reference = parseReference(REFERENCE);
  let session: GuestfishSession;
  let workDir: string;
  let libguestfs: string;
  let input: DetectInput;
  let probed: RootProbeOutput;

  beforeAll(async () => {
    const fixture = await linuxRoots();
    workDir = mkdtempSync(join(tmpdir(), 'h2k-root-detect-'));
    session = await GuestfishSession.open({ disks: [{ path: fixture.disk, format: fixture.format }], access: 'read-only', tools: new LocalToolRunner(), signal: new AbortController().signal, workDir });
    const [version, parts] = await session.batch([{ name: 'version' }, { name: 'list-partitions' }]);
    const v = parseStruct(version!.output);
    libguestfs = `${v.major}.${v.minor}.${v.release}`;
    const partitions = parseLines(parts!.output);
    const blk = await session.batch(partitions.map((p) => ({ name: 'blkid', args: [p] })));
    const blkids = partitions.map((p, i) => parseBlkid(p, blk[i]!.output));
    const { targets, skipped } = probeTargets(partitions, (d) => blkids.find((b) => b.device === d)?.type ?? null);
    const command = rootProbeCommand(targets);
    if (command === 'unsafe') throw new Error('the fixture has only plain device names');
    const [probe] = await session.batch([command]);
    expect(probe!.error).toBeNull();
    probed = parseRootProbe(probe!.output);
    input = { probes: probed.probes, disks: ['/dev/sda'], partitions, lvs: [], blkids, skipped, assembled: probed.assembled, mapped: probed.mapped };
  });

  afterAll(async () => {
    await session?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('runs against the libguestfs the answers were recorded with', () => {
    expect(libguestfs, 'samples/linux-roots-inspect-os.txt was recorded with libguestfs 1.48.6: re-record it with this version (commands in its header)').toBe(reference.version);
  });

  it('finds the same roots (every btrfs subvolume looked into, /boot, ESP and data file systems are not roots)', () => {
    const ours = probed.probes.filter((p) => classify(p) === 'root').map((p) => p.mountable);
    expect(ours.sort()).toEqual(reference.roots.map((r) => r.root).sort());
    expect(probed.probes.map((p) => p.mountable)).toEqual(expect.arrayContaining(['/dev/sda1', '/dev/sda2', '/dev/sda18', 'btrfsvol:/dev/sda20/@', 'btrfsvol:/dev/sda20/@/home', 'btrfsvol:/dev/sda20/home']));
    // Several roots on one set of disks: the inspection leaves it to inspect-os.
    expect(detectLinuxRoot(input)).toEqual({ kind: 'fallback', reason: '15 operating systems' });
  });

  it('describes every root it takes on exactly as inspect-os and inspect-get-* do, and leaves the others to it', () => {
    const fallbacks: Record<string, string> = {};
    for (const ref of reference.roots) {
      const probe = probed.probes.find((p) => p.mountable === ref.root)!;
      const ours = describeRoot(probe, input);
      if (ours.kind === 'fallback') fallbacks[ref.root] = ours.reason;
      else expect(ours.root, ref.root).toEqual(asDetected(ref));
    }
    // AlmaLinux's os-release ID is not one we map (libguestfs 1.48 calls it "redhat-based").
    expect(fallbacks).toEqual({ '/dev/sda11': 'a release file only inspect-os parses' });
  });
});

describe('a root on LVM (CentOS Stream layout), inspected as a job does, and inspect-os in the same appliance', () => {
  let run: StageRun;

  beforeAll(async () => {
    const fixture = await lvmRoot();
    run = await runInspect({ disks: [{ path: fixture.disk, format: fixture.format }], keepSession: true });
  });

  afterAll(async () => {
    await run?.finish();
  });

  it('is found by our detection, with the identity and mountpoints inspect-os gives', async () => {
    expect(run.logs.map((l) => l.message)).toContain('Operating system found by root detection on /dev/cs-sys/root');
    const session = run.session!;
    await session.batch([{ name: 'umount-all' }]);
    const notes: string[] = [];
    const theirs = await inspectOs(session, notes);
    expect(notes).toEqual([]);
    expect(theirs).toHaveLength(1);
    const { firmware: _ours, ...ours } = run.report.os;
    const { firmware: _theirs, ...reference } = theirs[0]!.identity;
    expect(ours).toEqual(reference);
    expect(run.report.mountpoints).toEqual(theirs[0]!.mountpoints);
    // What the fixture was made to exercise: a doubled dash in /dev/mapper, /dev/VG/LV, a UUID.
    expect(run.report.mountpoints).toEqual([
      { device: '/dev/cs-sys/root', path: '/' },
      { device: '/dev/sda1', path: '/boot' },
      { device: '/dev/cs-sys/home', path: '/home' },
    ]);
    expect(run.report.os).toMatchObject({ distro: 'centos', majorVersion: 9, osinfo: 'centos9', packageManagement: 'dnf', hostname: 'stream9.example.com' });
  });
});
