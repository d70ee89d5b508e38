import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BootVerification } from '../../../shared/contract/models/boot';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import { kvmWorks } from '../../../electron/engine/core/accel';
import { domainNames, dumpXml, virsh } from '../../../electron/engine/libvirt/virsh';
import { debianGuest, vmdkSamples } from '../../fixtures/index';
import type { DebianGuest } from '../../fixtures/index';
import { CLI_BIN, runCliInProcess, runCliProcess } from '../../support/cli';
import type { CliRun } from '../../support/cli';
import { ensureLibvirtd } from '../../support/libvirtd';
import type { LibvirtdHandle } from '../../support/libvirtd';
import { grubRescueGuest } from '../boot/broken-guests';
import { isPngFile } from '../boot/run-stage';

/**
 * `hyper2kvm define` and `hyper2kvm verify-boot` against a real libvirtd: --json shapes, exit
 * codes, the evidence left in the job folder. One Debian boot (the real CLI process, to
 * login), one broken guest (GRUB rescue, seconds) and a blank disk; everything else is cheap.
 */
const tools = new LocalToolRunner();
const prefix = `h2k-cli-${randomBytes(3).toString('hex')}`;
let daemon: LibvirtdHandle;
let guest: DebianGuest;
let work: string;
let home: string;
let env: Record<string, string>;
let domainType: string;
const savedHome = process.env.HYPER2KVM_HOME;

beforeAll(async () => {
  expect(existsSync(join(CLI_BIN, '..', '..', 'dist', 'node', 'cli.mjs')), 'run `npm run build` first (npm test does)').toBe(true);
  daemon = await ensureLibvirtd();
  guest = await debianGuest();
  work = await mkdtemp(join(tmpdir(), 'h2k-cli-libvirt-'));
  // Converted disks live in ordinary folders that libvirt's qemu user may enter.
  await chmod(work, 0o755);
  home = join(work, 'home');
  env = { HYPER2KVM_HOME: home };
  // The in-process runs keep their jobs here too.
  process.env.HYPER2KVM_HOME = home;
  domainType = (await kvmWorks(tools)) ? 'kvm' : 'qemu';
});

afterAll(async () => {
  if (savedHome === undefined) delete process.env.HYPER2KVM_HOME;
  else process.env.HYPER2KVM_HOME = savedHome;
  for (const connection of ['qemu:///system', 'qemu:///session'] as const) {
    for (const name of (await domainNames({ tools }, connection)).filter((n) => n.startsWith(prefix))) {
      await virsh({ tools }, connection, ['undefine', '--domain', name, '--nvram']).catch(() => undefined);
    }
  }
  await rm(work, { recursive: true, force: true });
  await daemon.release();
});

async function newDisk(name: string, format: 'qcow2' | 'raw' = 'qcow2'): Promise<string> {
  const path = join(work, `${name}.${format}`);
  await tools.run('qemu-img', ['create', '-q', '-f', format, path, '64M']);
  return path;
}

function verificationDomainsOf(jobId: string, names: string[]): string[] {
  return names.filter((n) => n.startsWith(`h2k-verify-${jobId}`));
}

describe('hyper2kvm define', () => {
  it('--help documents the options and the exit codes', async () => {
    const run = await runCliInProcess(['define', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('hyper2kvm define DISK... --name NAME [--memory MiB] [--vcpus N] [--firmware bios|uefi] [--network NAME');
    expect(run.stdout).toContain('[--connect URI]');
    expect(run.stdout).toMatch(/Exit codes: 0 defined/);
    const general = await runCliInProcess(['--help']);
    expect(general.stdout).toMatch(/^ {2}define {6}/m);
    expect(general.stdout).toMatch(/^ {2}verify-boot /m);
  });

  it('--json: defines on qemu:///session, the result line names the domain; libvirt has it as described', async () => {
    const name = `${prefix}-a`;
    const disk = await newDisk(name);
    const run = await runCliInProcess(['define', disk, '--name', name, '--memory', '512', '--vcpus', '2', '--network', 'default', '--json']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.lines.map((l) => l.type)).toContain('job-started');
    expect(run.result).toMatchObject({
      type: 'result',
      ok: true,
      name,
      connection: 'qemu:///session',
      renamed: false,
      disks: [{ from: disk, path: disk, placement: 'in-place' }],
      domainType,
    });
    expect(run.result.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(existsSync(run.result.xmlPath as string)).toBe(true);
    const xml = await dumpXml({ tools }, 'qemu:///session', name, { inactive: true });
    expect(xml).toContain(`<domain type='${domainType}'`);
    expect(xml).toMatch(/<memory unit='KiB'>524288<\/memory>/);
    expect(xml).toContain(`<source file='${disk}'/>`);
    expect(xml).toContain("<source network='default'/>");
  });

  it('refuses a taken name (exit 2, with the free name as hint), and takes NAME-2 with --rename', async () => {
    const name = `${prefix}-b`;
    expect((await runCliInProcess(['define', await newDisk(name), '--name', name, '--json'])).code).toBe(0);
    const other = await newDisk(`${name}-other`);
    const refused = await runCliInProcess(['define', other, '--name', name, '--json']);
    expect(refused.code).toBe(2);
    expect(refused.result).toMatchObject({ type: 'result', ok: false, error: { code: 'LIBVIRT_NAME_TAKEN', kind: 'bad-input' } });
    expect(refused.result.error!.hint).toContain(`"${name}-2"`);

    const renamed = await runCliInProcess(['define', other, '--name', name, '--rename']);
    expect(renamed.code).toBe(0);
    expect(renamed.stdout).toContain(`Defined "${name}-2" on qemu:///session (the name "${name}" was taken)`);
    expect(await domainNames({ tools }, 'qemu:///session')).toContain(`${name}-2`);
  });

  it('UEFI on qemu:///system, disk left in place: OVMF loader and a per-VM NVRAM', async () => {
    const name = `${prefix}-c`;
    const disk = await newDisk(name, 'raw');
    const run = await runCliInProcess(['define', disk, '--name', name, '--firmware', 'uefi', '--connect', 'qemu:///system', '--placement', 'in-place', '--no-network', '--json']);
    expect(run.code, JSON.stringify(run.result)).toBe(0);
    expect(run.result).toMatchObject({ connection: 'qemu:///system', disks: [{ path: disk, placement: 'in-place' }] });
    const xml = await dumpXml({ tools }, 'qemu:///system', name, { inactive: true });
    expect(xml).toMatch(/<loader readonly='yes' type='pflash'>\/usr\/share\/OVMF\/OVMF_CODE[^<]*\.fd<\/loader>/);
    expect(xml).toMatch(/<nvram template='[^']+'>[^<]+<\/nvram>/);
    expect(xml).not.toContain('<interface');
  });

  it('--print-xml shows the XML and defines nothing', async () => {
    const name = `${prefix}-d`;
    const run = await runCliInProcess(['define', await newDisk(name), '--name', name, '--print-xml']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^<domain type='${domainType}'>\\n  <name>${name}</name>`));
    expect(run.stderr).toContain('acceleration: ');
    expect(await domainNames({ tools }, 'qemu:///session')).not.toContain(name);
  });

  it('usage and input errors exit 2: no name, a VMDK instead of a converted disk, a bad option value', async () => {
    const disk = await newDisk(`${prefix}-e`);
    const noName = await runCliInProcess(['define', disk, '--json']);
    expect(noName.code).toBe(2);
    expect(noName.result.error).toMatchObject({ code: 'INVALID_REQUEST', message: '--name NAME is missing.' });

    const vmdk = (await vmdkSamples()).monolithicSparse;
    const notConverted = await runCliInProcess(['define', vmdk, '--name', `${prefix}-e`, '--json']);
    expect(notConverted.code).toBe(2);
    expect(notConverted.result.error!.message).toContain('is not a qcow2 or raw disk (it is a VMDK source)');
    expect(notConverted.result.error!.hint).toContain('hyper2kvm convert');

    const badMemory = await runCliInProcess(['define', disk, '--name', `${prefix}-e`, '--memory', 'lots']);
    expect(badMemory.code).toBe(2);
    expect(badMemory.stderr).toMatch(/^error \[INVALID_REQUEST\]: --memory must be a whole number/m);
  });
});

describe('hyper2kvm verify-boot', () => {
  it('--help says that exit 0 means the check ran, whatever the verdict', async () => {
    const run = await runCliInProcess(['verify-boot', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('hyper2kvm verify-boot DISK [--firmware bios|uefi] [--timeout SECONDS]');
    expect(run.stdout).toContain('Exit codes: 0 the check ran, whatever the verdict');
    expect(run.stdout).toContain('"verdict":"booted"|"failed"|"timeout"');
  });

  it('the Debian guest (the real CLI process): exit 0, verdict booted, live serial text and milestones, a PNG, the evidence in the job folder', async () => {
    const run = await runCliProcess(['verify-boot', guest.raw, '--format', 'raw', '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    const r = run.result as Record<string, unknown> & { evidence: { finalScreenshot: string; serialLog: string; screenshots: unknown[] }; milestones: Array<{ kind: string }> };
    expect(r).toMatchObject({ type: 'result', ok: true, verdict: 'booted', reason: 'login-prompt', hint: '', firmware: 'bios', disk: { path: guest.raw, format: 'raw', untouched: true } });
    expect(r.milestones.map((m) => m.kind)).toEqual(['firmware', 'bootloader', 'kernel', 'init', 'login']);
    expect(await isPngFile(r.evidence.finalScreenshot)).toBe(true);
    expect(readFileSync(r.evidence.serialLog, 'utf8')).toContain(`${guest.facts.hostname} login:`);

    // The observations came as they happened: text, then milestones, with screenshots between.
    const observations = run.lines.filter((l) => l.type === 'observation').map((l) => l.observation as { kind: string; text?: string; name?: string });
    const text = observations.filter((o) => o.kind === 'console-text').map((o) => o.text).join('');
    expect(observations.filter((o) => o.kind === 'console-text').length).toBeGreaterThan(5);
    expect(text).toContain(`${guest.facts.hostname} login:`);
    expect(observations.filter((o) => o.kind === 'milestone')).toHaveLength(5);
    expect(observations.some((o) => o.kind === 'screenshot' && /^screen-\d{3}\.png$/.test(o.name ?? ''))).toBe(true);
    const lastObservation = run.lines.findLastIndex((l) => l.type === 'observation');
    expect(lastObservation).toBeLessThan(run.lines.findIndex((l) => l.type === 'done'));

    // The job folder keeps the result (what the report and `boot.result` read) next to the evidence.
    const jobDir = join(home, 'jobs', r.jobId as string);
    const stored = BootVerification.parse(JSON.parse(readFileSync(join(jobDir, 'boot-verification.json'), 'utf8')));
    expect(stored).toMatchObject({ verdict: 'booted', reason: 'login-prompt' });
    expect(stored.evidence.finalScreenshot!.startsWith(join(jobDir, 'boot'))).toBe(true);
    expect(JSON.parse(readFileSync(join(jobDir, 'job.json'), 'utf8'))).toMatchObject({ kind: 'verify-boot', state: 'succeeded', cli: ['hyper2kvm', 'verify-boot', guest.raw, '--format', 'raw', '--firmware', 'bios', '--connect', 'qemu:///session'] });
    expect(verificationDomainsOf(r.jobId as string, await domainNames({ tools }, 'qemu:///system'))).toEqual([]);
  });

  it('a broken guest (GRUB lost its file system): exit 0 all the same, verdict failed, reason grub-rescue', async () => {
    const disk = await grubRescueGuest();
    const run = await runCliInProcess(['verify-boot', disk, '--timeout', '120', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.result).toMatchObject({ type: 'result', ok: true, verdict: 'failed', reason: 'grub-rescue', excerptSource: 'serial', disk: { format: 'qcow2', untouched: true } });
    expect(run.result.excerpt).toMatch(/grub rescue>/);
    expect((run.result.hint as string).length).toBeGreaterThan(20);
    expect((run.result.milestones as Array<{ kind: string }>).map((m) => m.kind)).toEqual(['firmware', 'bootloader']);
  });

  it('prints the verdict for people without --json, and the console with --console (a blank disk: no bootable device)', async () => {
    const run = await runCliInProcess(['verify-boot', await newDisk(`${prefix}-blank`, 'raw'), '--timeout', '60', '--console']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^FAILED \(no-bootable-device\) after \d+\.\d s: /m);
    expect(run.stdout).toMatch(/^ {2}what to do: /m);
    expect(run.stdout).toMatch(/^ {2}screenshot: .*\/boot\/screen-\d{3}\.png$/m);
    expect(run.stderr).toContain('Boot the guest and prove it');
    // The guest's own words, terminal codes removed, as they arrived.
    expect(run.stderr).toMatch(/^Booting from Hard Disk\.\.\.\nBoot failed: not a bootable disk$/m);
    expect(run.stderr).not.toContain('\x1b');
  });

  it('exit 2 for a disk that does not exist, and for a bad --timeout', async () => {
    const missing = await runCliInProcess(['verify-boot', join(work, 'nope.qcow2'), '--json']);
    expect(missing.code).toBe(2);
    expect(missing.result).toMatchObject({ type: 'result', ok: false, error: { code: 'BOOT_DISK_NOT_FOUND', kind: 'bad-input' } });
    const badTimeout = await runCliInProcess(['verify-boot', guest.raw, '--timeout', '0']);
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toContain('--timeout must be a number of seconds');
  });

  it('Ctrl-C while the guest boots: exit 130, the verification domain and its overlay are gone', async () => {
    let jobId = '';
    let interrupted = false;
    const run: CliRun = await runCliProcess(['verify-boot', guest.raw, '--format', 'raw', '--json'], {
      env,
      onLine: (line, child) => {
        if (line.type === 'job-started') jobId = line.jobId as string;
        if (!interrupted && line.type === 'observation' && (line.observation as { kind: string }).kind === 'milestone') {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(interrupted).toBe(true);
    expect(run.code).toBe(130);
    expect(run.result).toMatchObject({ type: 'result', ok: false, error: { code: 'CANCELLED', kind: 'cancelled' } });
    expect(verificationDomainsOf(jobId, await domainNames({ tools }, 'qemu:///system'))).toEqual([]);
    const jobDir = join(home, 'jobs', jobId);
    expect(existsSync(join(jobDir, 'boot', 'work'))).toBe(false);
    expect(existsSync(join(jobDir, 'boot-verification.json'))).toBe(false);
    expect((await readdir(join(jobDir, 'boot'))).filter((n) => n.endsWith('.qcow2'))).toEqual([]);
  });
});
