import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobManager } from '../../../electron/engine/core/jobs';
import { fail } from '../../../electron/engine/core/errors';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import type { Stage } from '../../../electron/engine/core/stage';
import { defineStage } from '../../../electron/engine/libvirt/define-stage';
import type { DefineStageInput, DefineStageOutput } from '../../../electron/engine/libvirt/define-stage';
import { undefineDomain } from '../../../electron/engine/libvirt/define';
import { domainNames } from '../../../electron/engine/libvirt/virsh';
import { clearAttempt } from '../../../electron/engine/batch/leftovers';
import { verificationDomainName } from '../../../electron/engine/boot/verify-stage';
import { ensureLibvirtd } from '../../support/libvirtd';
import type { LibvirtdHandle } from '../../support/libvirtd';

/** The define stage inside a real job: planned, defined, and undone when the job does not succeed. */
const tools = new LocalToolRunner();
const prefix = `h2k-stage-${randomBytes(3).toString('hex')}`;
let daemon: LibvirtdHandle;
let work: string;

beforeAll(async () => {
  daemon = await ensureLibvirtd();
  work = await mkdtemp(join(tmpdir(), 'h2k-define-stage-'));
  await chmod(work, 0o755);
});

afterAll(async () => {
  for (const name of (await domainNames({ tools }, 'qemu:///system')).filter((n) => n.startsWith(prefix))) {
    await undefineDomain({ tools }, { connection: 'qemu:///system', name }).catch(() => undefined);
  }
  await rm(work, { recursive: true, force: true });
  await daemon.release();
});

async function newDisk(name: string): Promise<string> {
  const path = join(work, `${name}.qcow2`);
  await tools.run('qemu-img', ['create', '-q', '-f', 'qcow2', path, '64M']);
  return path;
}

function input(name: string, disk: string): DefineStageInput {
  return {
    plan: {
      vm: { name, guestOs: 'debian12-64', memoryMiB: 512, vcpus: 2, coresPerSocket: 2, firmware: 'bios', origin: 'vmx', nics: [{ label: 'ethernet0', mac: '00:50:56:8a:2f:11' }], disks: [] },
      disks: [{ path: disk, format: 'qcow2' }],
      guest: { os: 'linux' },
      options: { connection: 'qemu:///system' },
    },
    placement: 'move',
    imagesDir: join(work, 'images'),
  };
}

async function runJob(stages: (job: { runStage<I, O>(s: Stage<I, O>, i: I): Promise<O> }) => Promise<DefineStageOutput>): Promise<{ state: string; result: DefineStageOutput | null; jobDir: string }> {
  const jobsDir = join(work, 'jobs');
  const jobs = new JobManager({ jobsDir, tools });
  const id = await jobs.start({ kind: 'define', title: 'define', stages: [defineStage], request: {}, run: stages });
  const summary = await jobs.wait(id);
  return { state: summary.state, result: summary.result as DefineStageOutput | null, jobDir: join(jobsDir, id) };
}

describe('define stage', () => {
  it('plans and defines the domain, its disk moved under the images folder, the XML in the job folder', async () => {
    const name = `${prefix}-ok`;
    const disk = await newDisk(name);
    const { state, result, jobDir } = await runJob((job) => job.runStage(defineStage, input(name, disk)));
    expect(state).toBe('succeeded');
    expect(result).toMatchObject({ name, connection: 'qemu:///system', disks: [{ from: disk, path: join(work, 'images', `${name}.qcow2`), placement: 'move' }] });
    expect(result?.plan.spec.vcpus).toEqual({ sockets: 1, cores: 2, threads: 1 });
    expect(result?.xmlPath).toBe(join(jobDir, `domain-${name}.xml`));
    expect(await domainNames({ tools }, 'qemu:///system')).toContain(name);
  });

  it('undoes itself when a later stage fails: domain undefined, disk back where the converter left it', async () => {
    const name = `${prefix}-undo`;
    const disk = await newDisk(name);
    const failing: Stage<void, never> = { id: 'verify-boot', label: 'fails', run: () => fail('INTERNAL', 'a later stage failed', '') };
    const { state, jobDir } = await runJob(async (job) => {
      const defined = await job.runStage(defineStage, input(name, disk));
      expect(existsSync(disk)).toBe(false); // it was moved
      await job.runStage(failing, undefined);
      return defined;
    });
    expect(state).toBe('failed');
    expect(await domainNames({ tools }, 'qemu:///system')).not.toContain(name);
    expect(existsSync(disk)).toBe(true);
    expect(existsSync(join(work, 'images', `${name}.qcow2`))).toBe(false);
    expect(existsSync(join(jobDir, 'domain-defined.json'))).toBe(false);
  });

  it("a resume undoes what a killed job left in libvirt: its verification domain stopped, its domain undefined, its disk put back (issue 13)", async () => {
    const name = `${prefix}-killed`;
    const disk = await newDisk(name);
    // The job's process "dies" after define: no failure cleanup runs, only the stage's record is left.
    const { state, jobDir } = await runJob((job) => job.runStage(defineStage, input(name, disk)));
    expect(state).toBe('succeeded');
    expect(existsSync(join(jobDir, 'domain-defined.json'))).toBe(true);
    const jobId = jobDir.split('/').at(-1)!;
    // ...while its throwaway verification domain was booting (an empty machine: SeaBIOS, no disk).
    const verifier = verificationDomainName(jobId, 1);
    const xml = join(work, `${verifier}.xml`);
    await writeFile(
      xml,
      `<domain type='qemu'><name>${verifier}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os><devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>\n`,
    );
    await tools.run('virsh', ['-c', 'qemu:///system', 'create', xml]);
    expect(await domainNames({ tools }, 'qemu:///system')).toEqual(expect.arrayContaining([name, verifier]));

    const left = await clearAttempt({ jobId, jobDir, tools }, [work], [], false);
    expect(left.domains).toEqual([
      `stopped the verification domain ${verifier} (qemu:///system)`,
      `undefined the domain ${name} (qemu:///system)`,
      `put back ${disk} (was moved to ${join(work, 'images', `${name}.qcow2`)})`,
    ]);
    const names = await domainNames({ tools }, 'qemu:///system');
    expect(names).not.toContain(name);
    expect(names).not.toContain(verifier);
    expect(existsSync(disk)).toBe(true);
    expect(existsSync(join(work, 'images', `${name}.qcow2`))).toBe(false);
    // Cleared once: a second resume finds nothing to undo.
    expect((await clearAttempt({ jobId, jobDir, tools }, [work], [], false)).domains).toEqual([]);
  });
});
