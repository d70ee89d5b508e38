import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineError } from '../../../shared/contract/errors';
import { EngineFailure } from '../../../electron/engine/core/errors';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import { planSource } from '../../../electron/engine/sources/intake';
import { qemuImg } from '../../support/sources';

/**
 * Issue 11: a descriptor is a text file anyone can write, so every file it names must lie in its
 * own folder. VMDK extents and OVF hrefs were confined; a .vmx's disks and a snapshot's parent
 * were not, so `fileName = "../outside/secret.vmdk"` was planned (and would have been read).
 * Small VMDKs made with qemu-img, planned with the real intake (qemu-img probes included).
 */

let work: string;
const deps = { tools: new LocalToolRunner() };

function vmx(disks: Record<string, string>): string {
  const lines = ['.encoding = "UTF-8"', 'config.version = "8"', 'virtualHW.version = "19"', 'displayName = "web01"', 'guestOS = "debian12-64"', 'memsize = "1024"', 'scsi0.present = "TRUE"', 'scsi0.virtualDev = "pvscsi"'];
  for (const [slot, fileName] of Object.entries(disks)) lines.push(`${slot}.present = "TRUE"`, `${slot}.fileName = "${fileName}"`);
  return `${lines.join('\n')}\n`;
}

async function refusal(input: string): Promise<EngineError> {
  try {
    await planSource(input, deps);
  } catch (error) {
    if (error instanceof EngineFailure) return error.value;
    throw error;
  }
  throw new Error(`${input} was planned; it should have been refused`);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'h2k-confine-'));
  mkdirSync(join(work, 'outside'));
  qemuImg(['create', '-q', '-f', 'vmdk', join(work, 'outside', 'secret.vmdk'), '1M']);
  qemuImg(['create', '-q', '-f', 'vmdk', join(work, 'outside', 'base.vmdk'), '1M']);
});

describe('a .vmx may only name disks in its own folder', () => {
  it('plans a disk next to the .vmx (the control case)', async () => {
    const dir = join(work, 'good');
    mkdirSync(dir);
    qemuImg(['create', '-q', '-f', 'vmdk', join(dir, 'web01.vmdk'), '1M']);
    writeFileSync(join(dir, 'web01.vmx'), vmx({ 'scsi0:0': 'web01.vmdk' }));
    const plan = await planSource(join(dir, 'web01.vmx'), deps);
    expect(plan.disks.map((d) => d.locator)).toEqual([{ type: 'file', path: join(dir, 'web01.vmdk') }]);
  });

  it.each([
    ['a relative path leaving the folder', '../outside/secret.vmdk'],
    ['an absolute path elsewhere', 'ABSOLUTE'],
    ['a name inside the folder that is a symlink leading out', 'link.vmdk'],
  ])('refuses %s (VMX_DISK_OUTSIDE_FOLDER), naming the slot and the file', async (name, fileName) => {
    const dir = join(work, `vmx-${name.replaceAll(' ', '-')}`, 'vm');
    mkdirSync(dir, { recursive: true });
    qemuImg(['create', '-q', '-f', 'vmdk', join(dir, 'web01.vmdk'), '1M']);
    symlinkSync(join(work, 'outside', 'secret.vmdk'), join(dir, 'link.vmdk'));
    const named = fileName === 'ABSOLUTE' ? join(work, 'outside', 'secret.vmdk') : fileName;
    writeFileSync(join(dir, 'web01.vmx'), vmx({ 'scsi0:0': 'web01.vmdk', 'scsi0:1': named }));
    for (const input of [join(dir, 'web01.vmx'), dir]) {
      const error = await refusal(input);
      expect(error.code).toBe('VMX_DISK_OUTSIDE_FOLDER');
      expect(error.kind).toBe('bad-input');
      expect(error.message).toContain(`scsi0:1 "${named}", which is outside the VM's folder`);
      expect(error.hint).toMatch(/Copy the disk next to the \.vmx/);
    }
  });
});

describe("a snapshot's parent must be in its folder", () => {
  it('refuses parentFileNameHint="../../outside/base.vmdk" (VMDK_PARENT_OUTSIDE_FOLDER)', async () => {
    const dir = join(work, 'snapshot', 'vm');
    mkdirSync(dir, { recursive: true });
    // qemu-img writes the backing name as given: parentFileNameHint="../outside/base.vmdk".
    qemuImg(['create', '-q', '-f', 'vmdk', '-b', '../../outside/base.vmdk', '-F', 'vmdk', join(dir, 'web01-000001.vmdk')]);
    const error = await refusal(join(dir, 'web01-000001.vmdk'));
    expect(error.code).toBe('VMDK_PARENT_OUTSIDE_FOLDER');
    expect(error.message).toContain('"../../outside/base.vmdk" is outside its folder');
  });
});
