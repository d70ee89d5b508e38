import { describe, expect, it } from 'vitest';
import { applianceEnv, kvmGuestFailure, kvmStatus, noteKvmGuestFailure } from '../../../electron/engine/core/accel';
import type { ToolRunner } from '../../../electron/engine/core/tool-runner';

// After the note, nothing may probe qemu again: the answer is the note.
const noTools: ToolRunner = { run: () => Promise.reject(new Error('the probe must not run once KVM failed a guest')) };

describe('the accelerator once KVM could not run a guest', () => {
  it('answers "not usable" for the rest of the process, says why, and keeps the first reason', async () => {
    expect(kvmGuestFailure()).toBeNull();
    expect(noteKvmGuestFailure('KVM: entry failed, hardware error 0x80000021')).toBe(true);
    expect(noteKvmGuestFailure('a second failure')).toBe(false);
    expect(kvmGuestFailure()).toBe('KVM: entry failed, hardware error 0x80000021');
    expect(await kvmStatus(noTools, {})).toEqual({ usable: false, reason: 'qemu-failed', detail: 'KVM could not run a guest earlier in this process: KVM: entry failed, hardware error 0x80000021' });
    // Appliances follow: libguestfs is told to use TCG (unless the user chose backend settings).
    const saved = process.env.LIBGUESTFS_BACKEND_SETTINGS;
    delete process.env.LIBGUESTFS_BACKEND_SETTINGS;
    try {
      expect(await applianceEnv(noTools)).toEqual({ LIBGUESTFS_BACKEND: 'direct', LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg' });
    } finally {
      if (saved !== undefined) process.env.LIBGUESTFS_BACKEND_SETTINGS = saved;
    }
  });
});
