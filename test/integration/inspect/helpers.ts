import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CleanupRegistry, LogLevel, StageContext } from '../../../electron/engine/core/stage';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import { applianceEnv } from '../../../electron/engine/core/accel';
import { inspectStage } from '../../../electron/engine/inspect/stage';
import type { InspectStageInput, InspectStageOutput } from '../../../electron/engine/inspect/stage';

/**
 * Runs the inspection stage the way a job does (a job folder, a cleanup registry run at the
 * end), and virt-inspector on the same disks, for the integration tests.
 */

export const tools = new LocalToolRunner();

export interface StageRun extends InspectStageOutput {
  jobDir: string;
  logs: Array<{ level: LogLevel; message: string }>;
  /** Runs the cleanups the job would run at its end. */
  finish(): Promise<void>;
}

export async function runInspect(input: InspectStageInput, signal: AbortSignal = new AbortController().signal): Promise<StageRun> {
  const jobDir = mkdtempSync(join(tmpdir(), 'h2k-inspect-job-'));
  const logs: StageRun['logs'] = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup: CleanupRegistry = {
    always: (_label, action) => {
      cleanups.push(action);
      return () => undefined;
    },
    onFailure: (_label, action) => {
      cleanups.push(action);
      return () => undefined;
    },
  };
  const ctx: StageContext = {
    jobId: 'test',
    jobDir,
    signal,
    tools,
    log: (level, message) => logs.push({ level, message }),
    cleanup,
    progress: () => undefined,
    progressSnapshot: () => undefined,
  };
  const finish = async (): Promise<void> => {
    for (const action of cleanups.splice(0).reverse()) await action();
    await rm(jobDir, { recursive: true, force: true });
  };
  try {
    const output = await inspectStage.run(input, ctx);
    return { ...output, jobDir, logs, finish };
  } catch (error) {
    await finish();
    throw error;
  }
}

export async function virtInspector(disks: ReadonlyArray<{ path: string; format: string }>): Promise<string> {
  const args = disks.flatMap((d) => [`--format=${d.format}`, '-a', d.path]);
  const { stdout } = await tools.run('virt-inspector', ['--no-icon', ...args], { env: await applianceEnv(tools) });
  return stdout;
}

/**
 * Live processes started (directly or not) by this test process: guestfish and its qemu after
 * an inspection. Zombies are ignored (already dead, only not yet reaped by their parent).
 */
export async function descendants(): Promise<Array<{ pid: number; command: string }>> {
  const { readdir, readFile } = await import('node:fs/promises');
  const parent = new Map<number, number>();
  const command = new Map<number, string>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const m = /^(\d+) \((.*)\) (\S) (\d+)/s.exec(stat);
    if (!m || m[3] === 'Z') continue;
    parent.set(Number(m[1]), Number(m[4]));
    command.set(Number(m[1]), m[2]!);
  }
  const mine: Array<{ pid: number; command: string }> = [];
  for (const [pid] of parent) {
    let p = parent.get(pid);
    for (let hops = 0; p !== undefined && p > 1 && hops < 64; hops++) {
      if (p === process.pid) {
        mine.push({ pid, command: command.get(pid) ?? '?' });
        break;
      }
      p = parent.get(p);
    }
  }
  return mine;
}

/** Descendants that are libguestfs machinery (the appliance). */
export async function applianceProcesses(): Promise<Array<{ pid: number; command: string }>> {
  return (await descendants()).filter((p) => /guestfish|qemu/.test(p.command));
}
