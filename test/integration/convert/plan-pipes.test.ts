import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineError } from '../../../shared/contract/errors';
import { EngineFailure } from '../../../electron/engine/core/errors';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import type { RunOptions, ToolRunner } from '../../../electron/engine/core/tool-runner';
import type { ToolName } from '../../../electron/engine/core/tools';
import { planSource } from '../../../electron/engine/sources/intake';
import { qemuImg } from '../../support/sources';

/**
 * Issue 14, the planner's own reads: a cancellation can kill a tool, but not a read of the
 * engine's stuck in the thread pool. A named pipe among a VM's files (picked by its name from a
 * folder, or named by a descriptor) used to block the planner's open(2) for ever, out of any
 * cancel's reach; it is now refused at once. And a plan whose call is already cancelled starts
 * no qemu-img at all. Disks made with qemu-img, planned with the real intake.
 */

let work: string;
const pipes: string[] = [];

function mkfifo(path: string): void {
  execFileSync('/usr/bin/mkfifo', [path]);
  pipes.push(path);
}

/** The planner's error, or a failure when it plans, throws something else or hangs (5 s). */
async function refusal(input: string, deps: { tools: ToolRunner; signal?: AbortSignal } = { tools: new LocalToolRunner() }): Promise<EngineError> {
  const outcome = await Promise.race([
    planSource(input, deps).then(
      () => new Error(`${input} was planned; it should have been refused`),
      (e: unknown) => e,
    ),
    new Promise((r) => setTimeout(() => r(new Error(`planning ${input} still hangs after 5 s`)), 5000)),
  ]);
  if (outcome instanceof EngineFailure) return outcome.value;
  throw outcome;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'h2k-plan-pipes-'));
});

afterAll(() => {
  // A reader left blocked by a regression is released by a writer opening its pipe.
  for (const pipe of pipes) {
    try {
      closeSync(openSync(pipe, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // nobody was waiting on it
    }
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a named pipe among the VM\'s files is refused, not waited on', () => {
  it('a folder whose .vmx is a pipe', async () => {
    const dir = join(work, 'vmx-pipe');
    mkdirSync(dir);
    mkfifo(join(dir, 'web01.vmx'));
    const error = await refusal(dir);
    expect(error.code).toBe('SOURCE_NOT_A_DISK');
    expect(error.message).toContain('web01.vmx is not a regular file');
  });

  it('a folder whose .ova is a pipe', async () => {
    const dir = join(work, 'ova-pipe');
    mkdirSync(dir);
    mkfifo(join(dir, 'web01.ova'));
    const error = await refusal(dir);
    expect(error.code).toBe('SOURCE_NOT_A_DISK');
    expect(error.message).toContain('web01.ova is not a regular file');
  });

  it('a split sparse VMDK whose extent is a pipe', async () => {
    const dir = join(work, 'extent-pipe');
    mkdirSync(dir);
    const vmdk = join(dir, 'web01.vmdk');
    qemuImg(['create', '-q', '-f', 'vmdk', '-o', 'subformat=twoGbMaxExtentSparse', vmdk, '1M']);
    // qemu-img names the one extent web01-s001.vmdk; the control: that disk plans as it is.
    const plan = await planSource(vmdk, { tools: new LocalToolRunner() });
    expect(plan.disks[0]?.chain[0]?.files).toEqual([vmdk, join(dir, 'web01-s001.vmdk')]);
    renameSync(join(dir, 'web01-s001.vmdk'), join(dir, 'web01-s001.vmdk.orig'));
    mkfifo(join(dir, 'web01-s001.vmdk'));
    const error = await refusal(vmdk);
    expect(error.code).toBe('SOURCE_NOT_A_DISK');
    expect(error.message).toContain('web01-s001.vmdk is not a regular file');
  });
});

describe('a plan whose call is already cancelled', () => {
  it('rejects with CANCELLED and starts no qemu-img', async () => {
    const image = join(work, 'plain.qcow2');
    qemuImg(['create', '-q', '-f', 'qcow2', image, '1M']);
    const real = new LocalToolRunner();
    const started: ToolName[] = [];
    // The real runner, counting what it is asked to start.
    const tools: ToolRunner = { run: (tool: ToolName, args: readonly string[], options?: RunOptions) => (started.push(tool), real.run(tool, args, options)) };
    // The control: without a cancel the same image is probed by qemu-img three times.
    await planSource(image, { tools });
    expect(started).toEqual(['qemu-img', 'qemu-img', 'qemu-img']);

    started.length = 0;
    const controller = new AbortController();
    controller.abort();
    const error = await refusal(image, { tools, signal: controller.signal });
    expect(error.code).toBe('CANCELLED');
    expect(started).toEqual([]);
  });
});

describe('descriptors are read whole as before', () => {
  it('a .vmx with UTF-8 text (the pipe check changed how descriptors are read)', async () => {
    const dir = join(work, 'vmx-text');
    mkdirSync(dir);
    qemuImg(['create', '-q', '-f', 'vmdk', join(dir, 'web01.vmdk'), '1M']);
    writeFileSync(join(dir, 'web01.vmx'), ['.encoding = "UTF-8"', 'config.version = "8"', 'virtualHW.version = "19"', 'displayName = "web01 – café"', 'guestOS = "debian12-64"', 'memsize = "1024"', 'scsi0.present = "TRUE"', 'scsi0:0.present = "TRUE"', 'scsi0:0.fileName = "web01.vmdk"', ''].join('\n'));
    const plan = await planSource(join(dir, 'web01.vmx'), { tools: new LocalToolRunner() });
    expect(plan.vm.name).toBe('web01 – café');
    expect(plan.disks).toHaveLength(1);
  });
});
