import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../electron/engine/core/tool-runner';
import { repoRoot } from '../../fixtures/cache-dir';
import { runTool } from '../../fixtures/tools';
import { asUser, ensurePolkit, ensureTestUser, grantRule, installFiles, POLKIT_PATHS, renderLauncher, renderPolicy, waitForAction, waitForVerdict } from '../../support/polkit';
import type { InstalledFiles, PolkitDaemons } from '../../support/polkit';
import { helperScript, smallVmdk } from './helper-process';

/**
 * The real pkexec path: a user runs `pkexec <launcher>` through helper-client, polkit decides by
 * our policy (matched by the launcher's exact path) and a rules file, and the helper runs as
 * root. No password prompt is possible here (no agent), so the test grants the action to its
 * user with a rule, and then takes the rule away to see the refusal.
 */

const ACTION = 'org.hyper2kvm.helper';
const USER = 'h2k-helper-test';
const IMAGES = '/var/lib/libvirt/images';

let daemons: PolkitDaemons;
let user: { name: string; uid: number; gid: number };
let launcherDir: string;
let launcher: string;
let policy: InstalledFiles;
let rules: InstalledFiles | null = null;
let sources: string;
let outputs: string;
let createdImages = false;
let createdLibexec = false;

beforeAll(async () => {
  daemons = await ensurePolkit();
  user = await ensureTestUser(USER);
  if (!existsSync(IMAGES)) {
    mkdirSync(IMAGES, { recursive: true, mode: 0o711 });
    createdImages = true;
  }

  // The launcher as the package installs it, pointed at this checkout's node and helper bundle.
  createdLibexec = !existsSync('/usr/local/libexec');
  mkdirSync('/usr/local/libexec', { recursive: true });
  launcherDir = mkdtempSync('/usr/local/libexec/hyper2kvm-test-');
  chmodSync(launcherDir, 0o755);
  launcher = join(launcherDir, 'hyper2kvm-helper');
  const root = repoRoot();
  writeFileSync(launcher, renderLauncher(readFileSync(join(root, 'build/helper/hyper2kvm-helper'), 'utf8'), process.execPath, await helperScript()), { mode: 0o755 });
  chmodSync(launcher, 0o755);
  policy = installFiles([{ path: join(POLKIT_PATHS.actionsDir, `${ACTION}.policy`), content: renderPolicy(readFileSync(join(root, 'build/polkit/org.hyper2kvm.helper.policy'), 'utf8'), launcher), mode: 0o644 }]);
  rules = installFiles([{ path: join(POLKIT_PATHS.rulesDir, '49-hyper2kvm-test.rules'), content: grantRule(ACTION, USER), mode: 0o644 }]);
  await waitForAction(ACTION);
  await waitForVerdict(user, ACTION, true);

  // Sources the user can read, one that only root can, and one that reaches it through an extent.
  sources = mkdtempSync(join(tmpdir(), 'h2k-pkexec-'));
  chmodSync(sources, 0o755);
  copyFileSync(await smallVmdk(), join(sources, 'disk.vmdk'));
  chmodSync(join(sources, 'disk.vmdk'), 0o644);
  writeFileSync(join(sources, 'secret.raw'), Buffer.alloc(1024 * 1024, 'root only '));
  chmodSync(join(sources, 'secret.raw'), 0o600);
  writeFileSync(join(sources, 'sneaky.vmdk'), `# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 2048 FLAT "${join(sources, 'secret.raw')}" 0\n`, { mode: 0o644 });
  outputs = mkdtempSync(join(IMAGES, 'h2k-pkexec-'));
  chmodSync(outputs, 0o755);
});

afterAll(async () => {
  rules?.remove();
  policy?.remove();
  if (launcherDir) rmSync(launcherDir, { recursive: true, force: true });
  if (createdLibexec) rmSync('/usr/local/libexec', { recursive: true, force: true });
  if (sources) rmSync(sources, { recursive: true, force: true });
  if (outputs) rmSync(outputs, { recursive: true, force: true });
  if (createdImages) rmSync(IMAGES, { recursive: true, force: true });
  await daemons?.release();
});

interface DriverReport {
  uid: number;
  open: { ok: boolean; value?: Record<string, unknown>; error?: Record<string, unknown> };
  convert?: { ok: boolean; error?: unknown };
  fractions?: number[];
  check?: { ok: boolean; value?: Record<string, unknown> };
  infoAsUser?: { ok: boolean; value?: number };
  finalize?: { ok: boolean };
  refused: Array<{ ok: boolean; error?: Record<string, unknown> }>;
  steps: Outcome[];
  race?: { swaps: number; requests: RaceRequest[] };
  helperLog: string[];
}

interface Outcome {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string; hint: string };
}

interface FileFacts {
  mode: number;
  uid: number;
  gid: number;
}

interface RaceRequest {
  convert: Outcome;
  partial?: FileFacts | null;
  finalize?: Outcome;
  final?: FileFacts | null;
}

/** Runs pkexec-driver.ts as the test user and returns its report. */
async function driveAsUser(spec: Record<string, unknown>): Promise<DriverReport> {
  const root = repoRoot();
  const [file, ...args] = asUser(user, [process.execPath, '--import', pathToFileURL(join(root, 'scripts/ts-register.mjs')).href, join(root, 'test/integration/helper/pkexec-driver.ts'), JSON.stringify({ launcher, ...spec })]);
  const { stdout } = await runCommand(file!, args, { cwd: '/', env: { HOME: '/nonexistent', PATH: '/usr/bin:/bin' } });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as DriverReport;
}

describe('pkexec with the action granted to the user', () => {
  let report: DriverReport;
  const partial = (): string => join(outputs, '.disk.qcow2.part-job1');
  const final = (): string => join(outputs, 'disk.qcow2');

  beforeAll(async () => {
    report = await driveAsUser({
      convert: { source: join(sources, 'disk.vmdk'), sourceFormat: 'vmdk', partial: partial(), final: final() },
      refusedSources: [
        { path: join(sources, 'secret.raw'), format: 'raw', partial: join(outputs, '.secret.qcow2.part-job1') },
        { path: join(sources, 'sneaky.vmdk'), format: 'vmdk', partial: join(outputs, '.sneaky.qcow2.part-job1') },
      ],
    });
  });

  it('starts the helper as root without a prompt, and the helper knows who asked', () => {
    expect(report.uid).toBe(user.uid);
    expect(report.open).toMatchObject({ ok: true, value: { name: 'hyper2kvm-helper', euid: 0, invokingUid: user.uid } });
    expect(report.open.value?.allowedRoots).toEqual([IMAGES]);
  });

  it('converts, checks and finalizes into the libvirt image folder through helper-client', async () => {
    expect(report.convert).toEqual({ ok: true });
    expect(report.fractions?.length).toBeGreaterThan(2);
    expect(report.fractions?.at(-1)).toBe(1);
    expect(report.check).toMatchObject({ ok: true, value: { ok: true, corruptions: 0 } });
    expect(report.infoAsUser).toEqual({ ok: true, value: 64 * 1024 * 1024 });
    expect(report.finalize).toEqual({ ok: true });
    expect(existsSync(partial())).toBe(false);
    const compare = await runTool('qemu-img', ['compare', '-f', 'vmdk', '-F', 'qcow2', join(sources, 'disk.vmdk'), final()]);
    expect(compare.stdout).toContain('Images are identical');
    // The disk is the user's (they asked for it, and its bytes are what they could read), and nobody else's.
    expect(statSync(final())).toMatchObject({ uid: user.uid, gid: user.gid });
    expect(statSync(final()).mode & 0o7777).toBe(0o600);
  });

  it("refuses sources the user cannot read, directly or through a descriptor's extent", () => {
    expect(report.refused).toHaveLength(2);
    for (const outcome of report.refused) {
      expect(outcome).toMatchObject({ ok: false, error: { code: 'HELPER_PATH_REFUSED' } });
      expect(outcome.error?.message).toMatch(new RegExp(`user ${user.uid} cannot read the source`));
    }
    expect(existsSync(join(outputs, '.secret.qcow2.part-job1'))).toBe(false);
    expect(existsSync(join(outputs, '.sneaky.qcow2.part-job1'))).toBe(false);
  });
});

describe('issue 11: root never reads what the user names (a swap loop races the checks)', () => {
  const REQUESTS = 60;
  const MiB = 1024 * 1024;
  let report: DriverReport;
  let raceFolder: string;
  let raceOutputs: string;
  let good: Buffer;
  let secret: Buffer;

  beforeAll(async () => {
    // The user's own folder, where they swap `src` between a hard link to their file and a
    // symbolic link to a file only root may read.
    raceFolder = mkdtempSync(join(sources, 'race-'));
    chownSync(raceFolder, user.uid, user.gid);
    chmodSync(raceFolder, 0o700);
    good = Buffer.alloc(4 * MiB, 'user data, theirs to copy. ');
    writeFileSync(join(raceFolder, 'good.raw'), good);
    chownSync(join(raceFolder, 'good.raw'), user.uid, user.gid);
    secret = Buffer.alloc(4 * MiB, 'ROOT-ONLY-SECRET ');
    writeFileSync(join(sources, 'root-only.raw'), secret, { mode: 0o600 });
    chmodSync(join(sources, 'root-only.raw'), 0o600);
    raceOutputs = mkdtempSync(join(IMAGES, 'h2k-race-'));
    chmodSync(raceOutputs, 0o755);
    report = await driveAsUser({ race: { folder: raceFolder, good: join(raceFolder, 'good.raw'), secret: join(sources, 'root-only.raw'), outputs: raceOutputs, requests: REQUESTS } });
  });

  afterAll(() => {
    if (raceOutputs) rmSync(raceOutputs, { recursive: true, force: true });
  });

  it('really raced: the source was swapped all along, and both files were met', () => {
    const race = report.race!;
    process.stderr.write(`[helper race] ${race.swaps} swaps during ${REQUESTS} requests: ${race.requests.filter((r) => r.convert.ok).length} converted, ${race.requests.filter((r) => !r.convert.ok).length} refused\n`);
    expect(race.requests).toHaveLength(REQUESTS);
    expect(race.swaps).toBeGreaterThan(REQUESTS * 2);
    expect(race.requests.some((r) => r.convert.ok)).toBe(true);
    expect(race.requests.some((r) => !r.convert.ok)).toBe(true);
  });

  it('no output ever holds a byte of the root-only file; every output is the user\'s file', () => {
    const marker = Buffer.from('ROOT-ONLY-SECRET');
    const files = readdirSync(raceOutputs);
    expect(files.filter((f) => f.includes('.part-'))).toEqual([]);
    expect(files.length).toBe(report.race!.requests.filter((r) => r.convert.ok).length);
    for (const file of files) {
      const bytes = readFileSync(join(raceOutputs, file));
      expect(bytes.includes(marker), file).toBe(false);
      expect(bytes.equals(good), file).toBe(true);
    }
  });

  it('refuses with a clear error when the source was the symbolic link at the moment it was opened', () => {
    for (const { convert } of report.race!.requests.filter((r) => !r.convert.ok)) {
      expect(['HELPER_PATH_REFUSED', 'CONVERT_FAILED']).toContain(convert.error?.code);
      expect(convert.error?.message).toMatch(/cannot read|Permission denied/);
    }
  });

  it('creates outputs 0600, owned by the user (and again so at finalize)', () => {
    for (const request of report.race!.requests.filter((r) => r.convert.ok)) {
      expect(request.partial).toEqual({ mode: 0o600, uid: user.uid, gid: user.gid });
      expect(request.finalize).toEqual({ ok: true });
      expect(request.final).toEqual({ mode: 0o600, uid: user.uid, gid: user.gid });
    }
  });
});

describe('issue 11: overwrite only what is yours, remove only what the helper wrote', () => {
  let report: DriverReport;
  let folder: string;
  const victimText = "another VM's disk, root's";
  const neighbourText = "a neighbour's disk";

  beforeAll(async () => {
    folder = mkdtempSync(join(IMAGES, 'h2k-overwrite-'));
    chmodSync(folder, 0o755);
    writeFileSync(join(folder, 'victim.qcow2'), victimText, { mode: 0o644 });
    writeFileSync(join(folder, 'neighbour.qcow2'), neighbourText, { mode: 0o644 });
    chownSync(join(folder, 'neighbour.qcow2'), 65534, 65534);
    writeFileSync(join(folder, '.neighbour.qcow2.part-theirs'), neighbourText, { mode: 0o600 });
    chownSync(join(folder, '.neighbour.qcow2.part-theirs'), 65534, 65534);
    const disk = join(sources, 'disk.vmdk');
    const at = (name: string): string => join(folder, name);
    report = await driveAsUser({
      steps: [
        { op: 'convert', source: disk, sourceFormat: 'vmdk', partial: at('.mine.qcow2.part-ow1') },
        { op: 'finalize', partial: at('.mine.qcow2.part-ow1'), final: at('mine.qcow2'), overwrite: false },
        { op: 'convert', source: disk, sourceFormat: 'vmdk', partial: at('.again.qcow2.part-ow2') },
        { op: 'finalize', partial: at('.again.qcow2.part-ow2'), final: at('victim.qcow2'), overwrite: true },
        { op: 'finalize', partial: at('.again.qcow2.part-ow2'), final: at('neighbour.qcow2'), overwrite: true },
        { op: 'remove', path: at('victim.qcow2') },
        { op: 'remove', path: at('neighbour.qcow2') },
        { op: 'remove', path: at('.neighbour.qcow2.part-theirs') },
        { op: 'finalize', partial: at('.neighbour.qcow2.part-theirs'), final: at('stolen.qcow2'), overwrite: false },
        { op: 'finalize', partial: at('.again.qcow2.part-ow2'), final: at('mine.qcow2'), overwrite: true },
        { op: 'remove', path: at('mine.qcow2') },
      ],
    });
  });

  afterAll(() => {
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('converts and finalizes into a new name', () => {
    expect(report.steps[0]).toMatchObject({ ok: true, value: { mode: 0o600, uid: user.uid, gid: user.gid } });
    expect(report.steps[1]).toEqual({ ok: true });
  });

  it("refuses to overwrite another VM's disk (root's, or another user's) and leaves it intact", () => {
    for (const step of [report.steps[3], report.steps[4]]) {
      expect(step).toMatchObject({ ok: false, error: { code: 'HELPER_PATH_REFUSED' } });
      expect(step?.error?.message).toMatch(/Refused to overwrite .*: it belongs to (root|user 65534), not to you/);
    }
    expect(readFileSync(join(folder, 'victim.qcow2'), 'utf8')).toBe(victimText);
    expect(readFileSync(join(folder, 'neighbour.qcow2'), 'utf8')).toBe(neighbourText);
  });

  it("refuses to remove or finalize files the helper did not write for this user", () => {
    expect(report.steps[5]).toMatchObject({ ok: false, error: { code: 'HELPER_PATH_REFUSED' } });
    expect(report.steps[5]?.error?.message).toMatch(/neither a temporary output nor a file this helper wrote/);
    expect(report.steps[6]).toMatchObject({ ok: false, error: { code: 'HELPER_PATH_REFUSED' } });
    expect(report.steps[7]).toMatchObject({ ok: false, error: { code: 'HELPER_PATH_REFUSED' } });
    expect(report.steps[7]?.error?.message).toMatch(/temporary output of user 65534, not yours/);
    expect(report.steps[8]).toMatchObject({ ok: false, error: { code: 'HELPER_PATH_REFUSED' } });
    expect(existsSync(join(folder, 'victim.qcow2'))).toBe(true);
    expect(existsSync(join(folder, 'neighbour.qcow2'))).toBe(true);
    expect(existsSync(join(folder, '.neighbour.qcow2.part-theirs'))).toBe(true);
    expect(existsSync(join(folder, 'stolen.qcow2'))).toBe(false);
  });

  it('overwrites its own earlier output when asked, and may remove what it wrote', () => {
    expect(report.steps[9]).toEqual({ ok: true });
    expect(report.steps[10]).toEqual({ ok: true });
    expect(readdirSync(folder).sort()).toEqual(['.neighbour.qcow2.part-theirs', 'neighbour.qcow2', 'victim.qcow2']);
  });
});

describe('pkexec without the grant', () => {
  it('exits 127 and helper-client reports PRIVILEGE_DENIED with a hint', async () => {
    rules?.remove();
    rules = null;
    await waitForVerdict(user, ACTION, false);
    const report = await driveAsUser({});
    expect(report.open.ok).toBe(false);
    expect(report.open.error).toMatchObject({ code: 'PRIVILEGE_DENIED', kind: 'failure', evidence: { exitCode: 127 } });
    expect(report.open.error?.message).toMatch(/not authorised to run the hyper2kvm helper/);
    expect(report.open.error?.hint).toMatch(/org\.hyper2kvm\.helper|destination folder you can write to/);
    expect((report.open.error?.evidence as { stderrTail: string }).stderrTail).toMatch(/Not authorized/);
  });
});
