import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { expect } from 'vitest';
import type { MethodName } from '../../../shared/contract/api';
import type { JobEvent, Observation } from '../../../shared/contract/events';
import { BootVerification } from '../../../shared/contract/models/boot';
import { readInspectionReport } from '../../../shared/contract/models/inspection';
import type { DefineResult } from '../../../shared/contract/models/libvirt';
import type { RemoteError, RpcClient } from '../../../shared/rpc/client';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import { kvmWorks } from '../../../electron/engine/core/accel';
import { domainNames, virsh } from '../../../electron/engine/libvirt/virsh';
import { emptyInspectionReport } from '../../support/empty-inspection-report';
import { ensureLibvirtd } from '../../support/libvirtd';
import type { LibvirtdHandle } from '../../support/libvirtd';

/**
 * The contract cases of the libvirt and boot calls (kept here so that contract.test.ts only
 * merges them). Each stays fast: domains are defined, never started, and the one boot each
 * transport makes is of a blank disk, which SeaBIOS gives up on within seconds.
 */

interface LibvirtCtx {
  work: string;
  events: JobEvent[];
}
type LibvirtCase = (client: RpcClient, ctx: LibvirtCtx) => Promise<void>;
type LibvirtMethod = Extract<MethodName, `libvirt.${string}` | `boot.${string}`>;

const tools = new LocalToolRunner();
const prefix = `h2k-contract-${randomBytes(3).toString('hex')}`;
let daemon: LibvirtdHandle | null = null;
let counter = 0;

export async function setUpLibvirt(): Promise<void> {
  daemon = await ensureLibvirtd();
}

export async function tearDownLibvirt(): Promise<void> {
  for (const name of (await domainNames({ tools }, 'qemu:///session')).filter((n) => n.startsWith(prefix))) {
    await virsh({ tools }, 'qemu:///session', ['undefine', '--domain', name, '--nvram']).catch(() => undefined);
  }
  await virsh({ tools }, 'qemu:///session', ['net-undefine', '--network', `${prefix}-net`]).catch(() => undefined);
  await daemon?.release();
}

async function waitForEnd(events: JobEvent[], jobId: string, seconds = 120): Promise<JobEvent> {
  for (let i = 0; i < seconds * 20; i++) {
    const end = events.find((e) => e.jobId === jobId && (e.type === 'done' || e.type === 'failed' || e.type === 'cancelled'));
    if (end) return end;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${jobId} did not end`);
}

/** A disk in a folder libvirt's qemu user may enter (as converted disks are). */
async function newDisk(work: string, format: 'qcow2' | 'raw' = 'qcow2'): Promise<string> {
  const dir = join(work, 'libvirt-disks');
  await mkdir(dir, { recursive: true });
  await chmod(work, 0o755);
  await chmod(dir, 0o755);
  const path = join(dir, `disk-${++counter}.${format}`);
  await tools.run('qemu-img', ['create', '-q', '-f', format, path, '64M']);
  return path;
}

function planRequest(name: string, disk: string) {
  return {
    vm: { name, memoryMiB: 256, vcpus: 1, nics: [{ label: 'ethernet0', mac: '00:50:56:8a:2f:11' }], disks: [] },
    disks: [{ path: disk, format: 'qcow2' as const }],
    guest: { os: 'linux' as const },
    options: { connection: 'qemu:///session' as const },
  };
}

async function defineOne(client: RpcClient, ctx: LibvirtCtx): Promise<DefineResult> {
  const name = `${prefix}-${++counter}`;
  const { jobId } = await client.call('libvirt.define', { plan: planRequest(name, await newDisk(ctx.work)) });
  const end = await waitForEnd(ctx.events, jobId);
  expect(end.type, JSON.stringify(end)).toBe('done');
  return (end as Extract<JobEvent, { type: 'done' }>).result as DefineResult;
}

const failureOf = async (promise: Promise<unknown>): Promise<RemoteError['value']> => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e as RemoteError,
  );
  if (!error) throw new Error('expected the call to fail');
  return error.value;
};

interface Verification {
  jobId: string;
  result: BootVerification;
}

/** One verification of a blank disk for the calls that read a finished one; made once. */
let shared: Promise<Verification> | null = null;

async function verifyBlankDisk(client: RpcClient, ctx: LibvirtCtx, inspectionJobId?: string): Promise<Verification & { observations: Observation[] }> {
  const disk = await newDisk(ctx.work, 'raw');
  const { jobId } = await client.call('boot.verify', { disk, format: 'raw', timeoutSeconds: 60, ...(inspectionJobId ? { inspectionJobId } : {}) });
  const end = await waitForEnd(ctx.events, jobId);
  expect(end.type, JSON.stringify(end)).toBe('done');
  const observations = ctx.events.flatMap((e) => (e.jobId === jobId && e.type === 'observation' ? [e.observation] : []));
  return { jobId, result: BootVerification.parse((end as Extract<JobEvent, { type: 'done' }>).result), observations };
}

function sharedVerification(client: RpcClient, ctx: LibvirtCtx): Promise<Verification> {
  shared ??= verifyBlankDisk(client, ctx);
  return shared;
}

export const libvirtCases: Record<LibvirtMethod, LibvirtCase> = {
  'libvirt.plan': async (client, { work }) => {
    const disk = await newDisk(work);
    const plan = await client.call('libvirt.plan', {
      vm: { name: 'Web Server (prod)', guestOs: 'windows2019srv-64', memoryMiB: 4096, vcpus: 4, coresPerSocket: 2, firmware: 'uefi', secureBoot: true, nics: [{ label: 'ethernet0', mac: '00:50:56:AA:BB:CC' }], disks: [] },
      disks: [{ path: disk, format: 'qcow2' }],
    });
    // KVM only where qemu can really run KVM guests (not merely where /dev/kvm exists).
    expect(plan.spec).toMatchObject({
      name: 'Web-Server-prod',
      type: (await kvmWorks(tools)) ? 'kvm' : 'qemu',
      memoryMiB: 4096,
      vcpus: { sockets: 2, cores: 2 },
      firmware: { type: 'uefi', secureBoot: true },
      clock: 'localtime',
      disks: [{ path: disk, bus: 'sata', bootOrder: 1 }],
      nics: [{ model: 'e1000e', mac: '00:50:56:aa:bb:cc', source: { type: 'network', network: 'default' } }],
    });
    expect(plan.xml).toContain(`<domain type='${plan.spec.type}'>`);
    expect(plan.decisions.find((d) => d.field === 'disk bus')?.because).toMatch(/no virtio drivers/);
    const bad = await failureOf(client.call('libvirt.plan', { ...planRequest('x', disk), options: { name: '../etc' } }));
    expect(bad.code).toBe('INVALID_REQUEST');
  },
  'libvirt.define': async (client, ctx) => {
    const result = await defineOne(client, ctx);
    expect(result).toMatchObject({ connection: 'qemu:///session', renamed: false, domain: { name: result.name, memoryMiB: 256 } });
    expect(await domainNames({ tools }, 'qemu:///session')).toContain(result.name);
    // The same name again is refused, with the free name offered.
    const again = await client.call('libvirt.define', { plan: { ...planRequest('x', await newDisk(ctx.work)), options: { name: result.name } } });
    const end = await waitForEnd(ctx.events, again.jobId);
    expect(end).toMatchObject({ type: 'failed', stage: 'define', error: { code: 'LIBVIRT_NAME_TAKEN' } });
    expect((end as Extract<JobEvent, { type: 'failed' }>).error.evidence?.details).toMatchObject({ suggestion: `${result.name}-2` });
  },
  'libvirt.undefine': async (client, ctx) => {
    const { name } = await defineOne(client, ctx);
    expect(await client.call('libvirt.undefine', { name })).toEqual({ name, connection: 'qemu:///session', nvramRemoved: false });
    expect(await domainNames({ tools }, 'qemu:///session')).not.toContain(name);
    expect((await failureOf(client.call('libvirt.undefine', { name }))).code).toBe('LIBVIRT_DOMAIN_NOT_FOUND');
  },
  'libvirt.domains': async (client, ctx) => {
    const { name } = await defineOne(client, ctx);
    const list = await client.call('libvirt.domains', {});
    expect(list).toContainEqual({ name, state: 'shut off', persistent: true });
  },
  'libvirt.domain': async (client, ctx) => {
    const defined = await defineOne(client, ctx);
    const { domain, xml } = await client.call('libvirt.domain', { name: defined.name });
    expect(domain).toMatchObject({ name: defined.name, uuid: defined.uuid, memoryMiB: 256, disks: [{ path: defined.disks[0]!.path, bus: 'virtio' }] });
    expect(xml).toContain(`<name>${defined.name}</name>`);
    expect((await failureOf(client.call('libvirt.domain', { name: `${prefix}-missing` }))).code).toBe('LIBVIRT_DOMAIN_NOT_FOUND');
  },
  'libvirt.networks': async (client, { work }) => {
    const name = `${prefix}-net`;
    if (!(await client.call('libvirt.networks', {})).some((n) => n.name === name)) {
      const xml = join(work, 'net.xml');
      writeFileSync(xml, `<network><name>${name}</name><bridge name='h2k${randomBytes(2).toString('hex')}'/></network>`);
      await virsh({ tools }, 'qemu:///session', ['net-define', '--file', xml]);
    }
    const networks = await client.call('libvirt.networks', {});
    expect(networks).toContainEqual({ name, active: false });
  },
  'boot.verify': async (client, ctx) => {
    // An inspection job of the same VM: its report receives the verdict.
    const inspectionJobId = `inspect-${randomBytes(4).toString('hex')}`;
    const reportPath = join(ctx.work, 'jobs', inspectionJobId, 'inspection.json');
    await mkdir(join(reportPath, '..'), { recursive: true });
    writeFileSync(reportPath, JSON.stringify(emptyInspectionReport()));
    const run = await verifyBlankDisk(client, ctx, inspectionJobId);
    shared ??= Promise.resolve(run);
    const report = readInspectionReport(JSON.parse(readFileSync(reportPath, 'utf8')));
    expect(report.ok && report.report.bootVerification).toEqual(run.result);
    expect(run.result).toMatchObject({ verdict: 'failed', reason: 'no-bootable-device', disk: { format: 'raw', untouched: true } });
    // Live observations: SeaBIOS's words as serial text, the firmware milestone, a screenshot.
    const text = run.observations.flatMap((o) => (o.kind === 'console-text' ? [o.text] : [])).join('');
    expect(text).toContain('No bootable device');
    expect(run.observations).toContainEqual({ kind: 'milestone', milestone: expect.objectContaining({ kind: 'firmware', source: 'serial' }) as unknown });
    expect(run.observations.some((o) => o.kind === 'screenshot')).toBe(true);
    // The verification is kept with its job.
    expect(existsSync(join(run.result.evidence.serialLog, '..', '..', 'boot-verification.json'))).toBe(true);
  },
  'boot.screenshot': async (client, ctx) => {
    const { jobId, result } = await sharedVerification(client, ctx);
    const name = basename(result.evidence.finalScreenshot!);
    const image = await client.call('boot.screenshot', { jobId, name });
    const png = Buffer.from(image.base64, 'base64');
    expect(image).toMatchObject({ name, mime: 'image/png', bytes: png.length });
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect((await failureOf(client.call('boot.screenshot', { jobId, name: '../job.json' }))).code).toBe('INVALID_REQUEST');
    expect((await failureOf(client.call('boot.screenshot', { jobId, name: 'screen-999.png' }))).code).toBe('BOOT_SCREENSHOT_NOT_FOUND');
  },
  'boot.result': async (client, ctx) => {
    const { jobId, result } = await sharedVerification(client, ctx);
    expect(await client.call('boot.result', { jobId })).toEqual(result);
    expect((await failureOf(client.call('boot.result', { jobId: 'not-a-job-1' }))).code).toBe('BOOT_RESULT_NOT_FOUND');
  },
};
