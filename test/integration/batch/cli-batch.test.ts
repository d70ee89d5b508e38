import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalRecord } from '../../../electron/engine/batch/journal';
import { runCommand } from '../../../electron/engine/core/tool-runner';
import { vmdkSamples } from '../../fixtures';
import type { VmdkSamples } from '../../fixtures';
import { runCliProcess } from '../../support/cli';
import { isRunning, processesMatching } from '../../support/processes';
import { brokenVmdk, journalRecords, sampleSources, writePlan } from './batch-env';

// `hyper2kvm batch …` as scripts run it: the real bundled CLI in a child process, real qemu-img
// on the local VMDK samples, real hook processes.

let samples: VmdkSamples;
let work: string;
let home: string;
const run = (args: string[], env: Record<string, string> = {}) => runCliProcess(args, { env: { HYPER2KVM_HOME: home, ...env } });

async function sameContent(a: string, b: string): Promise<boolean> {
  return (await runCommand('/usr/bin/qemu-img', ['compare', '-q', a, b], { okExitCodes: [0, 1] })).exitCode === 0;
}


/** Most VMs running at the same time, from the journal's start and end records. */
function maxOverlap(records: JournalRecord[]): number {
  let running = 0;
  let max = 0;
  for (const r of records) {
    if (r.t === 'vm-start') max = Math.max(max, ++running);
    if (r.t === 'vm-end' && r.jobId !== null) running--;
  }
  return max;
}

beforeAll(async () => {
  samples = await vmdkSamples();
  work = mkdtempSync(join(tmpdir(), 'h2k-batch-cli-'));
  home = join(work, 'home');
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('hyper2kvm batch', () => {
  it('plan --json prints each VM’s resolved settings: defaults deep-merged with its overrides', async () => {
    const dir = join(work, 'plan');
    const plan = writePlan(dir, {
      defaults: { destination: 'out', format: 'qcow2', compress: false, concurrency: { total: 2, perDatastore: 1 }, hooks: { 'after-convert': [{ command: ['/bin/true'], timeout: 30 }] }, define: { options: { vcpus: 2, memoryMiB: 1024 } } },
      vms: [
        { name: 'sparse', source: samples.monolithicSparse },
        { name: 'flat', source: samples.monolithicFlat, format: 'raw', define: { options: { vcpus: 4 } } },
        { name: 'stream', source: samples.streamOptimized, compress: true, destination: 'elsewhere', hooks: { 'after-convert': [{ command: ['/bin/echo', 'mine'], onFailure: 'warn' }] } },
      ],
    });
    const out = await run(['batch', 'plan', plan, '--json']);
    expect(out.code).toBe(0);
    expect(out.lines).toHaveLength(1);
    const result = out.result as { ok: boolean; concurrency: unknown; vms: Array<{ name: string; settings: Record<string, unknown> }>; problems: Array<{ code: string }> };
    expect(result.ok).toBe(true);
    expect(result.concurrency).toEqual({ total: 2, perHost: null, perDatastore: 1 });
    const [sparse, flat, stream] = result.vms;
    expect(sparse).toMatchObject({ name: 'sparse', settings: { destination: join(dir, 'out'), format: 'qcow2', compress: false, define: { connection: 'qemu:///system', options: { vcpus: 2, memoryMiB: 1024 } } } });
    expect(flat!.settings).toMatchObject({ format: 'raw', define: { options: { vcpus: 4, memoryMiB: 1024 } } });
    expect(stream!.settings).toMatchObject({ destination: join(dir, 'elsewhere'), compress: true, hooks: [{ point: 'after-convert', command: ['/bin/echo', 'mine'], onFailure: 'warn', timeoutSeconds: 300 }] });
    expect(result.problems).toEqual([]);
  });

  it('refuses an invalid plan with every problem, its line and column, exit 2, and runs nothing', async () => {
    const dir = join(work, 'invalid');
    mkdirSync(dir, { recursive: true });
    const plan = join(dir, 'plan.yaml');
    writeFileSync(
      plan,
      [
        'defaults:',
        '  destination: out',
        '  fromat: raw',
        '  hooks:',
        '    after-convert:',
        '      - command: [/no/such/notify]',
        'vms:',
        `  - source: ${samples.monolithicSparse}`,
        '    concurrency: 4',
        '  - name: missing',
        '    source: /no/such/disk.vmdk',
        '  - name: disk',
        `    source: ${samples.monolithicFlat}`,
        '    format: vmdk',
        '',
      ].join('\n'),
    );
    const json = await run(['batch', 'plan', plan, '--json']);
    expect(json.code).toBe(2);
    const problems = (json.result as { problems: Array<{ line: number; column: number; code: string }> }).problems;
    // The first VM borrows its name from its file (disk.vmdk): the third one's name is taken.
    expect(problems.map((p) => [p.line, p.column, p.code])).toEqual([
      [3, 3, 'PLAN_UNKNOWN_KEY'],
      [9, 5, 'PLAN_BATCH_KEY_IN_VM'],
      [12, 11, 'PLAN_DUPLICATE_VM'],
      [14, 13, 'PLAN_INVALID_VALUE'],
    ]);
    expect(json.result.error).toMatchObject({ code: 'BATCH_PLAN_INVALID', kind: 'bad-input' });
    // With the file's own problems fixed, what it names is checked next: again every problem at once.
    writeFileSync(plan, readFileSync(plan, 'utf8').replace('  fromat: raw\n', '').replace('    concurrency: 4\n', '').replace('  - name: disk\n', '  - name: flat\n').replace('format: vmdk', 'format: raw'));
    const human = await run(['batch', 'run', plan]);
    expect(human.code).toBe(2);
    expect(human.stderr).toContain(`${plan}:5:18: error: `);
    expect(human.stderr).toContain(`${plan}:5:18: error: disk: after-convert: /no/such/notify does not exist or is not executable. (the same for 2 more VMs) [PLAN_HOOK_PROGRAM]`);
    expect(human.stderr).toContain(`${plan}:9:13: error: missing: the source /no/such/disk.vmdk does not exist. [PLAN_SOURCE_MISSING]`);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(existsSync(join(dir, 'plan.journal.jsonl'))).toBe(false);
  });

  it('runs several VMs with overrides, at most `concurrency` at once, each one job with its own record', async () => {
    const dir = join(work, 'run');
    const sources = sampleSources(samples);
    const plan = writePlan(dir, {
      title: 'Local wave',
      defaults: { destination: 'out', concurrency: 2 },
      vms: sources.map((s, i) => ({ ...s, ...(i === 1 ? { format: 'raw' } : {}), ...(i === 4 ? { compress: true } : {}), ...(i === 5 ? { destination: 'chains' } : {}) })),
    });
    const out = await run(['batch', 'run', plan, '--json']);
    expect(out.code, out.stderr).toBe(0);
    const result = out.result as { ok: boolean; vms: Array<{ name: string; state: string; error: unknown; outputs: Array<{ path: string; format: string; virtualSize: number }>; jobId: string }> };
    expect(result.ok).toBe(true);
    expect(result.vms.map((v) => [v.name, v.state, v.error])).toEqual(sources.map((s) => [s.name, 'done', null]));
    for (const [i, vm] of result.vms.entries()) {
      const ext = i === 1 ? 'raw' : 'qcow2';
      const folder = i === 5 ? 'chains' : 'out';
      expect(vm.outputs).toEqual([{ path: join(dir, folder, `${vm.name}.${ext}`), format: ext, virtualSize: samples.virtualSize }]);
      expect(await sameContent(vm.outputs[0]!.path, i === 5 ? samples.snapshotChain.expectedRaw : samples.raw), vm.name).toBe(true);
      const record = JSON.parse(readFileSync(join(home, 'jobs', vm.jobId, 'job.json'), 'utf8')) as { state: string; kind: string };
      expect(record).toMatchObject({ state: 'succeeded', kind: 'convert' });
    }
    const records = journalRecords(join(dir, 'plan.journal.jsonl'));
    expect(maxOverlap(records)).toBe(2);
    // The JSON stream: the jobs' events and a batch-vm line per change, then the result.
    const types = new Set(out.lines.map((l) => l.type));
    expect([...types]).toEqual(expect.arrayContaining(['batch-started', 'job-started', 'stage-started', 'progress', 'done', 'batch-vm', 'result']));
    const status = await run(['batch', 'status', plan, '--json']);
    expect(status.result).toMatchObject({ ok: true, state: 'idle', endReason: 'complete', totals: { vms: 6, done: 6 } });
    expect((status.result.vms as Array<{ name: string; state: string }>).map((v) => v.state)).toEqual(new Array(6).fill('done'));
  });

  it('runs hooks with the VM’s facts in their environment and their output in the job log; warn goes on, fail stops the VM', async () => {
    const dir = join(work, 'hooks');
    mkdirSync(dir, { recursive: true });
    const facts = join(dir, 'facts');
    mkdirSync(facts);
    const script = join(dir, 'record-env.sh');
    writeFileSync(script, `#!/bin/sh\nenv | grep ^HYPER2KVM_ | sort > "${facts}/$HYPER2KVM_VM_NAME.$HYPER2KVM_HOOK"\necho "hook saw $HYPER2KVM_VM_NAME in $HYPER2KVM_STAGE"\n`);
    chmodSync(script, 0o755);
    const plan = writePlan(dir, {
      defaults: { destination: 'out', concurrency: 2, hooks: { 'before-convert': [{ command: [script] }], 'after-finalize': [{ command: [script] }] } },
      vms: [
        // The jobs run the pipeline's tail: a repair (which inspects first) with its hooks. The
        // sample holds no guest, so the inspection finds nothing to repair and the VM is done.
        { name: 'ok', source: samples.monolithicSparse, repair: true, hooks: { 'before-inspect': [{ command: [script] }] } },
        { name: 'warned', source: samples.monolithicFlat, hooks: { 'after-convert': [{ command: ['/bin/sh', '-c', 'echo not quite >&2; exit 3'], onFailure: 'warn' }] } },
        { name: 'failed', source: samples.streamOptimized, hooks: { 'after-convert': [{ command: ['/bin/sh', '-c', 'echo refused by the site >&2; exit 7'] }] } },
        { name: 'broken', source: brokenVmdk(dir) },
      ],
    });
    // A vCenter password in the runner's environment is for the runner: hooks never see it.
    const out = await run(['batch', 'run', plan, '--json'], { HYPER2KVM_VCENTER_PASSWORD: 'not-for-hooks' });
    expect(out.code).toBe(1);
    const vms = (out.result as { vms: Array<{ name: string; state: string; warnings: number; jobId: string; error: { code: string; evidence?: { exitCode?: number; stderrTail?: string; command?: string[]; details?: Record<string, unknown> } } | null }> }).vms;
    expect(vms.map((v) => [v.name, v.state, v.error?.code ?? null, v.warnings])).toEqual([
      ['ok', 'done', null, 0],
      ['warned', 'done', null, 1],
      ['failed', 'failed', 'HOOK_FAILED', 0],
      ['broken', 'failed', 'VMDK_EXTENT_MISSING', 0],
    ]);
    expect(vms[2]!.error!.evidence).toMatchObject({ exitCode: 7, stderrTail: 'refused by the site', command: ['/bin/sh', '-c', 'echo refused by the site >&2; exit 7'], details: { hook: 'after-convert' } });
    // A VM failed in its hook leaves no output behind: its partial file is gone, nothing final.
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['ok.qcow2', 'warned.qcow2']);
    const env: Record<string, string> = {};
    for (const line of readFileSync(join(facts, 'ok.before-convert'), 'utf8').trim().split('\n')) env[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    expect(env).toMatchObject({
      HYPER2KVM_HOOK: 'before-convert',
      HYPER2KVM_STAGE: 'convert',
      HYPER2KVM_VM_NAME: 'ok',
      HYPER2KVM_VM_ORIGIN: 'local',
      HYPER2KVM_VM_SOURCE: samples.monolithicSparse,
      HYPER2KVM_JOB_ID: vms[0]!.jobId,
      HYPER2KVM_JOB_DIR: join(home, 'jobs', vms[0]!.jobId),
      HYPER2KVM_DESTINATION: join(dir, 'out'),
      HYPER2KVM_FORMAT: 'qcow2',
      HYPER2KVM_BATCH_PLAN: plan,
      HYPER2KVM_ATTEMPT: '1',
    });
    expect(readFileSync(join(facts, 'ok.after-finalize'), 'utf8')).toContain(`HYPER2KVM_OUTPUTS=${join(dir, 'out', 'ok.qcow2')}`);
    expect(env).not.toHaveProperty('HYPER2KVM_VCENTER_PASSWORD');
    expect(readFileSync(join(facts, 'ok.before-inspect'), 'utf8')).toContain('HYPER2KVM_STAGE=inspect');
    const okRecord = JSON.parse(readFileSync(join(home, 'jobs', vms[0]!.jobId, 'job.json'), 'utf8')) as { cli: string[]; request: { options: Record<string, unknown> }; result: { inspection?: unknown; inspectionError?: unknown } };
    expect(okRecord.cli).toContain('--repair');
    expect(okRecord.request.options).toMatchObject({ inspect: false, repair: { review: false } });
    expect(okRecord.result.inspection ?? okRecord.result.inspectionError).toBeDefined();
    const log = readFileSync(join(home, 'jobs', vms[0]!.jobId, 'events.jsonl'), 'utf8');
    expect(log).toContain('"message":"before-convert: hook saw ok in convert"');
    expect(readFileSync(join(home, 'jobs', vms[1]!.jobId, 'events.jsonl'), 'utf8')).toContain('"message":"after-convert (stderr): not quite"');
  });

  it('stops starting VMs after N failures when the plan says so', async () => {
    const dir = join(work, 'stop-after');
    const plan = writePlan(dir, {
      defaults: { destination: 'out', concurrency: 1, stopAfterFailures: 1 },
      vms: [{ name: 'broken', source: brokenVmdk(dir) }, { name: 'fine', source: samples.monolithicSparse }],
    });
    const out = await run(['batch', 'run', plan, '--json']);
    expect(out.code).toBe(1);
    expect(out.result).toMatchObject({ ok: false, endReason: 'failure-limit', totals: { failed: 1, queued: 1, done: 0 } });
  });

  it('kills a hook past its timeout, its whole process group, and fails the VM with HOOK_TIMEOUT and the evidence', async () => {
    const dir = join(work, 'timeout');
    const marker = `h2k-hook-marker-${process.pid}`;
    const plan = writePlan(dir, {
      defaults: { destination: 'out' },
      // The hook starts a child that ignores SIGTERM and one in the background: all must go.
      vms: [{ name: 'slow', source: samples.monolithicSparse, hooks: { 'after-convert': [{ command: ['/bin/sh', '-c', `trap '' TERM; sleep 600 & sh -c 'trap "" TERM; sleep 601' ${marker} & wait`], timeout: 1 }] } }],
    });
    const started = Date.now();
    const out = await run(['batch', 'run', plan, '--json']);
    expect(out.code).toBe(1);
    const vm = (out.result as { vms: Array<{ state: string; error: { code: string; message: string; evidence: { details: { hook: string; ranForMs: number; timeoutSeconds: number; pid: number; processGroupKilled: boolean } } } }> }).vms[0]!;
    expect(vm.state).toBe('failed');
    expect(vm.error.code).toBe('HOOK_TIMEOUT');
    expect(vm.error.message).toMatch(/^The after-convert hook ran for \d+\.\d s and did not end within its 1 s timeout; its whole process group was killed\.$/);
    expect(vm.error.evidence.details).toMatchObject({ hook: 'after-convert', timeoutSeconds: 1, processGroupKilled: true });
    expect(vm.error.evidence.details.ranForMs).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(processesMatching(marker)).toEqual([]);
    expect(isRunning(vm.error.evidence.details.pid)).toBe(false);
    expect(existsSync(join(dir, 'out')) ? readdirSync(join(dir, 'out')) : []).toEqual([]);
  });
});
