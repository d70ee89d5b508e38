import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainSpec, LibvirtConnection } from '../../../shared/contract/models/libvirt';
import { DomainSpec as DomainSpecSchema } from '../../../shared/contract/models/libvirt';
import { EngineFailure } from '../../../electron/engine/core/errors';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import { defineDomain, undefineDomain } from '../../../electron/engine/libvirt/define';
import { chooseOvmf } from '../../../electron/engine/libvirt/firmware';
import { planDomain } from '../../../electron/engine/libvirt/plan';
import { destroyDomain, domainNames, domainState, virsh } from '../../../electron/engine/libvirt/virsh';
import { ensureLibvirtd } from '../../support/libvirtd';
import type { LibvirtdHandle } from '../../support/libvirtd';

/**
 * Define and undefine on a real libvirtd, on both connections. As root, qemu:///session is
 * served by the system daemon (see environment.md), so both URIs reach the same domain list;
 * the tests still go through each URI the way the app will.
 */
const tools = new LocalToolRunner();
const ctx = { tools };
const prefix = `h2k-test-${randomBytes(3).toString('hex')}`;
let daemon: LibvirtdHandle;
let work: string;

beforeAll(async () => {
  daemon = await ensureLibvirtd();
  work = await mkdtemp(join(tmpdir(), 'h2k-define-'));
  // mkdtemp makes a private folder; converted disks live in ordinary (0755) ones.
  await chmod(work, 0o755);
});

afterAll(async () => {
  // Whatever a failed test left behind.
  for (const connection of ['qemu:///system', 'qemu:///session'] as const) {
    for (const name of (await domainNames(ctx, connection)).filter((n) => n.startsWith(prefix))) {
      await destroyDomain(ctx, connection, name).catch(() => undefined);
      await virsh(ctx, connection, ['undefine', '--domain', name, '--nvram']).catch(() => undefined);
    }
  }
  await rm(work, { recursive: true, force: true });
  await daemon.release();
});

async function newDisk(name: string, folder = work): Promise<string> {
  await mkdir(folder, { recursive: true });
  const path = join(folder, `${name}.qcow2`);
  await tools.run('qemu-img', ['create', '-q', '-f', 'qcow2', path, '64M']);
  return path;
}

function specFor(name: string, disk: string, firmware: 'bios' | 'uefi' = 'bios'): DomainSpec {
  const { spec } = planDomain(
    {
      vm: { name, memoryMiB: 256, vcpus: 1, firmware, nics: [{ label: 'ethernet0', mac: '00:50:56:8a:2f:11' }], disks: [] },
      disks: [{ path: disk, format: 'qcow2' }],
      guest: { os: 'linux' },
    },
    { domainType: 'qemu', ovmf: (secure) => chooseOvmf(secure, existsSync) },
  );
  return spec;
}

const errorOf = async (promise: Promise<unknown>): Promise<EngineFailure['value']> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EngineFailure) return error.value;
    throw error;
  }
  throw new Error('expected a failure');
};

describe.each(['qemu:///system', 'qemu:///session'] as const)('define on %s', (connection: LibvirtConnection) => {
  const tag = connection.endsWith('system') ? 'sys' : 'ses';

  it('defines a domain libvirt reads back as we wrote it, and undefines it again', async () => {
    const name = `${prefix}-${tag}-a`;
    const disk = await newDisk(name);
    const imagesDir = join(work, `images-${tag}`);
    const result = await defineDomain(ctx, { connection, spec: specFor(name, disk), onCollision: 'refuse', workDir: join(work, 'job'), imagesDir });

    // System mode moves the disk into the images folder; the session uses it in place.
    const expectedPath = connection === 'qemu:///system' ? join(imagesDir, `${name}.qcow2`) : disk;
    expect(result).toMatchObject({ name, connection, renamed: false, disks: [{ from: disk, path: expectedPath, placement: connection === 'qemu:///system' ? 'move' : 'in-place' }] });
    expect(existsSync(expectedPath)).toBe(true);
    expect(result.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.domain).toMatchObject({ name, type: 'qemu', machineFamily: 'q35', memoryMiB: 256, firmware: { type: 'bios' }, guestAgent: true, rng: true });
    expect(result.domain.disks).toEqual([{ device: 'disk', path: expectedPath, format: 'qcow2', bus: 'virtio', target: 'vda', bootOrder: 1, readonly: false }]);
    expect(result.domain.nics).toEqual([{ sourceType: 'network', source: 'default', mac: '00:50:56:8a:2f:11', model: 'virtio', linkUp: true }]);
    expect(result.domain.graphics).toEqual([{ type: 'vnc', listen: '127.0.0.1' }]);
    expect(existsSync(result.xmlPath)).toBe(true);
    expect(await domainNames(ctx, connection)).toContain(name);

    expect(await undefineDomain(ctx, { connection, name })).toEqual({ name, connection, nvramRemoved: false });
    expect(await domainNames(ctx, connection)).not.toContain(name);
    expect(existsSync(expectedPath)).toBe(true); // the disk is the user's: undefine keeps it
  });

  it('refuses a taken name with a hint, or picks name-2 when asked', async () => {
    const name = `${prefix}-${tag}-b`;
    await defineDomain(ctx, { connection, spec: specFor(name, await newDisk(name)), onCollision: 'refuse', placement: 'in-place', workDir: work });

    const second = await newDisk(`${name}-other`);
    const refused = await errorOf(defineDomain(ctx, { connection, spec: specFor(name, second), onCollision: 'refuse', placement: 'in-place', workDir: work }));
    expect(refused).toMatchObject({ code: 'LIBVIRT_NAME_TAKEN', kind: 'bad-input', message: `A domain called "${name}" already exists on ${connection}.` });
    expect(refused.hint).toContain(`"${name}-2"`);

    const renamed = await defineDomain(ctx, { connection, spec: specFor(name, second), onCollision: 'rename', placement: 'in-place', workDir: work });
    expect(renamed).toMatchObject({ name: `${name}-2`, renamed: true });
    expect(renamed.domain.disks[0]?.path).toBe(second);

    await undefineDomain(ctx, { connection, name });
    await undefineDomain(ctx, { connection, name: `${name}-2` });
  });
});

describe('define safeguards', () => {
  it('refuses a disk that another domain already uses', async () => {
    const name = `${prefix}-c`;
    const disk = await newDisk(name);
    await defineDomain(ctx, { connection: 'qemu:///session', spec: specFor(name, disk), onCollision: 'refuse', placement: 'in-place', workDir: work });
    const error = await errorOf(defineDomain(ctx, { connection: 'qemu:///session', spec: specFor(`${name}-copy`, disk), onCollision: 'refuse', placement: 'in-place', workDir: work }));
    expect(error).toMatchObject({ code: 'LIBVIRT_DISK_IN_USE', message: `The disk ${disk} already belongs to the domain "${name}" on qemu:///session.` });
    await undefineDomain(ctx, { connection: 'qemu:///session', name });
  });

  it("refuses a disk libvirt-qemu cannot reach on the system connection (a private folder)", async () => {
    const name = `${prefix}-d`;
    const privateDir = join(work, 'private');
    const disk = await newDisk(name, privateDir);
    await chmod(privateDir, 0o700);
    const error = await errorOf(defineDomain(ctx, { connection: 'qemu:///system', spec: specFor(name, disk), onCollision: 'refuse', placement: 'in-place', workDir: work }));
    expect(error).toMatchObject({ code: 'LIBVIRT_DISK_UNREACHABLE', kind: 'bad-input', evidence: { path: disk, details: { folder: privateDir, user: 'libvirt-qemu' } } });
    expect(await domainNames(ctx, 'qemu:///system')).not.toContain(name);
  });

  it('puts a moved disk back when libvirt refuses the domain', async () => {
    const taken = `${prefix}-e`;
    const first = await defineDomain(ctx, { connection: 'qemu:///system', spec: specFor(taken, await newDisk(taken)), onCollision: 'refuse', placement: 'in-place', workDir: work });
    // Same UUID under another name: our checks pass, libvirt refuses at define time.
    const name = `${prefix}-f`;
    const disk = await newDisk(name);
    const imagesDir = join(work, 'images-rollback');
    const spec = DomainSpecSchema.parse({ ...specFor(name, disk), uuid: first.uuid });
    const error = await errorOf(defineDomain(ctx, { connection: 'qemu:///system', spec, onCollision: 'refuse', placement: 'move', imagesDir, workDir: work }));
    expect(error.code).toBe('LIBVIRT_DEFINE_FAILED');
    expect(error.evidence?.stderrTail).toMatch(/already (exists|defined) with uuid/);
    expect(existsSync(disk)).toBe(true);
    expect(existsSync(join(imagesDir, `${name}.qcow2`))).toBe(false);
    await undefineDomain(ctx, { connection: 'qemu:///system', name: taken });
  });

  it('undefines a UEFI domain together with its NVRAM file, and refuses while it runs', async () => {
    const name = `${prefix}-g`;
    const result = await defineDomain(ctx, { connection: 'qemu:///system', spec: { ...specFor(name, await newDisk(name), 'uefi'), nics: [] }, onCollision: 'refuse', placement: 'in-place', workDir: work });
    expect(result.domain.firmware).toMatchObject({ type: 'uefi', nvramTemplate: '/usr/share/OVMF/OVMF_VARS_4M.fd' });
    const nvram = result.domain.firmware.nvram!;
    expect(nvram).toBe(`/var/lib/libvirt/qemu/nvram/${name}_VARS.fd`);

    // The first start copies the VARS template into the domain's own NVRAM file.
    await virsh(ctx, 'qemu:///system', ['start', '--domain', name]);
    for (let i = 0; i < 50 && !existsSync(nvram); i++) await sleep(100);
    expect((await stat(nvram)).size).toBeGreaterThan(0);
    expect(await errorOf(undefineDomain(ctx, { connection: 'qemu:///system', name }))).toMatchObject({ code: 'LIBVIRT_DOMAIN_RUNNING' });

    await destroyDomain(ctx, 'qemu:///system', name);
    expect(await undefineDomain(ctx, { connection: 'qemu:///system', name })).toMatchObject({ nvramRemoved: true });
    expect(existsSync(nvram)).toBe(false);
    expect(await domainState(ctx, 'qemu:///system', name)).toBeNull();
  });

  it('says which domain is missing', async () => {
    expect(await errorOf(undefineDomain(ctx, { connection: 'qemu:///session', name: `${prefix}-nope` }))).toMatchObject({ code: 'LIBVIRT_DOMAIN_NOT_FOUND', kind: 'bad-input' });
  });
});
