import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootVerification } from '../../../shared/contract/models/boot';
import { BootVerification as BootVerificationSchema } from '../../../shared/contract/models/boot';
import { kvmDevicePresent } from '../../../electron/engine/core/accel';
import { debianGuest } from '../../fixtures/index';
import type { DebianGuest } from '../../fixtures/index';
import { ensureLibvirtd } from '../../support/libvirtd';
import type { LibvirtdHandle } from '../../support/libvirtd';
import { brokenGuest } from './broken-guests';
import { isPngFile, leftoversOf, ownerOf, removeJobFolders, screenText, sha256, startVerifyBoot } from './run-stage';

/**
 * The Debian test guest, booted for real through libvirt (TCG here; KVM where it works), the way
 * the wizard's last step does it.
 */
let daemon: LibvirtdHandle;
let guest: DebianGuest;
let scratchBefore: string[];

beforeAll(async () => {
  daemon = await ensureLibvirtd();
  guest = await debianGuest();
  scratchBefore = (await readdir(tmpdir())).filter((e) => e.startsWith('hyper2kvm-boot-'));
});

afterAll(async () => {
  await removeJobFolders();
  await daemon.release();
});

async function expectNothingLeft(run: { jobId: string; jobDir: string }): Promise<void> {
  const left = await leftoversOf(run);
  expect(left.domains).toEqual([]);
  expect(left.qemuPids).toEqual([]);
  expect(left.workFolder).toBe(false);
  expect(left.scratchFolders.filter((f) => !scratchBefore.includes(f))).toEqual([]);
}

function milestoneKinds(result: BootVerification): string[] {
  return result.milestones.map((m) => m.kind);
}

describe('boot verification of the Debian guest', () => {
  it('boots to login: verdict booted, milestones in order, a PNG of the login screen, the disk untouched', async () => {
    const hashBefore = await sha256(guest.raw);
    const ownerBefore = await ownerOf(guest.raw);

    const run = await startVerifyBoot({ disk: guest.raw, format: 'raw' });
    const { state, result, error } = await run.done;
    expect(error).toBeNull();
    expect(state).toBe('succeeded');
    const r = BootVerificationSchema.parse(result);

    expect(r).toMatchObject({ verdict: 'booted', reason: 'login-prompt', hint: '', firmware: 'bios', connection: 'qemu:///session', excerptSource: 'serial' });
    expect(milestoneKinds(r)).toEqual(['firmware', 'bootloader', 'kernel', 'init', 'login']);
    const times = r.milestones.map((m) => m.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(r.verdictAtMs).toBe(r.milestones.at(-1)!.atMs);
    expect(r.excerpt.trimEnd().endsWith(`${guest.facts.hostname} login:`)).toBe(true);

    // Evidence for the report: the serial log and a PNG that shows the login prompt.
    expect(readFileSync(r.evidence.serialLog, 'utf8')).toContain(`${guest.facts.hostname} login:`);
    expect(r.evidence.serialBytes).toBeGreaterThan(10_000);
    expect(r.evidence.screenshots.length).toBeGreaterThan(0);
    const final = r.evidence.finalScreenshot!;
    expect(await isPngFile(final)).toBe(true);
    expect(await screenText(final)).toMatch(/login/);
    for (const shot of r.evidence.screenshots) expect(existsSync(shot.path)).toBe(true);

    // KVM where it works, TCG otherwise — and if KVM was there but failed, the report says so.
    if (r.accelerator === 'tcg' && kvmDevicePresent()) expect(r.notes.join(' ')).toMatch(/KVM/);

    // The converted disk was only ever a read-only backing file.
    expect(r.disk).toEqual({ path: guest.raw, format: 'raw', untouched: true });
    expect(await sha256(guest.raw)).toBe(hashBefore);
    expect(await ownerOf(guest.raw)).toEqual(ownerBefore);
    await expectNothingLeft(run);

    const logs = run.events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
    expect(logs.filter((m) => m.startsWith('Boot milestone:'))).toHaveLength(5);
    expect(logs).toContain(`Verdict: booted (login-prompt) at ${(r.verdictAtMs / 1000).toFixed(1)} s: The guest reached its login prompt.`);
  });

  it('follows a guest without a serial console (like most VMware guests) on its screen, on qemu:///system', async () => {
    const disk = await brokenGuest('no-serial-console');
    const ownerBefore = await ownerOf(disk);
    const run = await startVerifyBoot({ disk, format: 'raw', connection: 'qemu:///system' });
    const { state, result } = await run.done;
    expect(state).toBe('succeeded');
    const r = BootVerificationSchema.parse(result);

    expect(r).toMatchObject({ verdict: 'booted', reason: 'login-prompt', excerptSource: 'screen', connection: 'qemu:///system' });
    const login = r.milestones.find((m) => m.kind === 'login');
    expect(login?.source).toBe('screen');
    expect(login?.text).toMatch(/login:/);
    // SeaBIOS and GRUB still speak on the serial port; the rest was read off the screen.
    expect(r.milestones.find((m) => m.kind === 'firmware')?.source).toBe('serial');
    expect(r.evidence.screenshots.some((s) => s.text !== undefined && /login:/.test(s.text))).toBe(true);
    // System mode chowns the disk to libvirt-qemu while the guest runs; it is given back.
    expect(await ownerOf(disk)).toEqual(ownerBefore);
    await expectNothingLeft(run);
  });
});
