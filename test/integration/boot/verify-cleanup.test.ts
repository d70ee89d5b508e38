import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootMilestone } from '../../../shared/contract/models/boot';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import { debianGuest } from '../../fixtures/index';
import type { DebianGuest } from '../../fixtures/index';
import { ensureLibvirtd } from '../../support/libvirtd';
import type { LibvirtdHandle } from '../../support/libvirtd';
import { leftoversOf, ownerOf, removeJobFolders, startVerifyBoot } from './run-stage';

/**
 * However a verification ends — verdict, timeout, cancel, error — the transient domain, its qemu
 * process and the overlay are gone afterwards, and the converted disk is as it was.
 */
let daemon: LibvirtdHandle;
let guest: DebianGuest;
let scratch: string;
const tools = new LocalToolRunner();

beforeAll(async () => {
  daemon = await ensureLibvirtd();
  guest = await debianGuest();
  scratch = await mkdtemp(join(tmpdir(), 'h2k-cleanup-'));
  await chmod(scratch, 0o755);
});

afterAll(async () => {
  await removeJobFolders();
  await rm(scratch, { recursive: true, force: true });
  await daemon.release();
});

async function expectNothingLeft(run: { jobId: string; jobDir: string }): Promise<void> {
  const left = await leftoversOf(run);
  expect(left.domains).toEqual([]);
  expect(left.qemuPids).toEqual([]);
  expect(left.workFolder).toBe(false);
}

/** Resolves at the first milestone of a kind, reported live by the stage. */
function milestoneSeen(kind: BootMilestone['kind']): { observer: { onMilestone(m: BootMilestone): void }; seen: Promise<void> } {
  let resolve!: () => void;
  const seen = new Promise<void>((r) => (resolve = r));
  return { observer: { onMilestone: (m) => m.kind === kind && resolve() }, seen };
}

describe('verification always cleans up', () => {
  it('on cancel mid-boot: no domain, no qemu, no overlay; the evidence so far is kept', async () => {
    const ownerBefore = await ownerOf(guest.raw);
    const { observer, seen } = milestoneSeen('bootloader');
    const run = await startVerifyBoot({ disk: guest.raw, format: 'raw' }, { observer });
    await seen;
    // While it runs there is something to clean up: the domain and its overlay.
    const during = await leftoversOf(run);
    expect(during.domains).toHaveLength(1);
    expect(during.qemuPids.length).toBeGreaterThan(0);

    run.cancel();
    const { state, error } = await run.done;
    expect(state).toBe('cancelled');
    expect(error).toMatchObject({ code: 'CANCELLED' });
    expect(run.events.at(-1)?.type).toBe('cancelled');
    await expectNothingLeft(run);
    expect(await ownerOf(guest.raw)).toEqual(ownerBefore);
    expect(existsSync(join(run.jobDir, 'boot', 'serial.log'))).toBe(true);
  });

  it('on an error inside the watch (a failing observer)', async () => {
    const run = await startVerifyBoot(
      { disk: guest.raw, format: 'raw' },
      {
        observer: {
          onMilestone: () => {
            throw new Error('the front end fell over');
          },
        },
      },
    );
    const { state, error } = await run.done;
    expect(state).toBe('failed');
    expect(error).toMatchObject({ code: 'INTERNAL', message: 'Unexpected problem: the front end fell over' });
    await expectNothingLeft(run);
  });

  it('on timeout: verdict timeout naming the last stage seen', async () => {
    const run = await startVerifyBoot({ disk: guest.raw, format: 'raw', timeoutSeconds: 4 });
    const { state, result } = await run.done;
    expect(state).toBe('succeeded');
    expect(result).toMatchObject({ verdict: 'timeout', reason: 'timeout', timeoutSeconds: 4 });
    expect(result?.detail).toMatch(/within 4 s/);
    await expectNothingLeft(run);
  });

  it('gives the disk back to its owner after qemu:///system chowned it to libvirt-qemu', async () => {
    const dir = join(scratch, 'owned');
    await mkdir(dir, { recursive: true });
    const disk = join(dir, 'user-disk.qcow2');
    await tools.run('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '64M']);
    await chown(disk, 4242, 4343);
    await chmod(disk, 0o640);

    const run = await startVerifyBoot({ disk, format: 'qcow2', connection: 'qemu:///system', timeoutSeconds: 60 });
    const { result } = await run.done;
    expect(result?.reason).toBe('no-bootable-device');
    expect(await ownerOf(disk)).toEqual({ uid: 4242, gid: 4343, mode: 0o640 });
    await expectNothingLeft(run);
  });
});

describe('verification refuses what it cannot do, before creating anything', () => {
  it('a disk that does not exist', async () => {
    const run = await startVerifyBoot({ disk: join(scratch, 'nope.qcow2') });
    const { state, error } = await run.done;
    expect(state).toBe('failed');
    expect(error).toMatchObject({ code: 'BOOT_DISK_NOT_FOUND', kind: 'bad-input' });
  });

  it('a disk in a folder libvirt-qemu may not enter, on the system connection', async () => {
    const dir = join(scratch, 'private');
    await mkdir(dir, { recursive: true });
    const disk = join(dir, 'disk.qcow2');
    await tools.run('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '64M']);
    await chmod(dir, 0o700);
    const run = await startVerifyBoot({ disk, connection: 'qemu:///system' });
    const { state, error } = await run.done;
    expect(state).toBe('failed');
    expect(error).toMatchObject({ code: 'LIBVIRT_DISK_UNREACHABLE', evidence: { path: disk, details: { folder: dir, user: 'libvirt-qemu' } } });
    expect(existsSync(join(run.jobDir, 'boot'))).toBe(false);
  });
});
