import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  helperLog: string[];
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
