import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { access, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { ApiHandlers } from '../../../shared/contract/api';
import type { PlanValidation } from '../../../shared/contract/api/batch';
import { engineError } from '../../../shared/contract/errors';
import type { JobEvent } from '../../../shared/contract/events';
import { isTerminal } from '../../../shared/contract/events';
import type { BatchStatus, JournalSummary, PlanProblem, ResolvedPlan } from '../../../shared/contract/models/batch';
import { EngineFailure, fail, fromErrno } from '../core/errors';
import type { EngineDeps } from '../deps';
import { newJobId } from '../core/jobs';
import './error-codes';
import { errorRate } from './error-rate';
import { exportForklift } from './forklift';
import { failureTimes, Journal, readJournal, replay } from './journal';
import type { JournalRecord } from './journal';
import { acquireRunnerLock, lockHolder } from './lock';
import type { RunnerLock } from './lock';
import { readPlan } from './plan';
import { checkPlanEnvironment } from './plan-checks';
import type { PlanCheckDeps } from './plan-checks';
import { BatchRunner, rowFor } from './runner';
import type { BatchVcenter } from './vcenter-source';

export type BatchMethod = Extract<keyof ApiHandlers, `batch.${string}`>;

export interface BatchService {
  handlers: Pick<ApiHandlers, BatchMethod>;
  shutdown(): Promise<void>;
}

interface Entry {
  runner: BatchRunner;
  journal: Journal;
  lock: RunnerLock;
  vcenter: Promise<BatchVcenter> | null;
}

/** Where the journal of a plan lives unless told: beside it, `wave1.yaml` → `wave1.journal.jsonl`. */
export function defaultJournalPath(plan: string): string {
  return join(dirname(plan), `${basename(plan, extname(plan))}.journal.jsonl`);
}

/** The events of a job record kept for `batch.jobRecord`: everything but all but the last progress. */
const MAX_RECORD_EVENTS = 2000;

export function createBatchService(deps: EngineDeps): BatchService {
  const batches = new Map<string, Entry>();

  const checkDeps = (vcenter: () => Promise<BatchVcenter>): PlanCheckDeps => ({
    env: process.env,
    libvirtNetworks: async (connection) => {
      try {
        const run = await deps.tools.run('virsh', ['-c', connection, 'net-list', '--all', '--name']);
        return run.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
      } catch {
        return null;
      }
    },
    isBridge: (name) => access(`/sys/class/net/${name}/bridge`).then(() => true, () => false),
    resolveVcenter: async (plan) => (await vcenter()).resolveAll(plan),
  });

  const newVcenter = async (): Promise<BatchVcenter> => new (await import('./vcenter-source')).BatchVcenter({ appHome: deps.appHome });

  async function validate(path: string, text: string | undefined, checks: 'static' | 'full', journalPath: string | undefined): Promise<PlanValidation> {
    const file = resolve(path);
    const source = text ?? (await readPlanText(file));
    const reading = readPlan(source, file);
    let problems = reading.problems;
    if (checks === 'full' && reading.plan) {
      let vcenter: Promise<BatchVcenter> | null = null;
      try {
        problems = [...problems, ...(await checkPlanEnvironment(reading.plan, reading.locate, checkDeps(() => (vcenter ??= newVcenter()))))];
      } finally {
        if (vcenter) await (await (vcenter as Promise<BatchVcenter>)).close();
      }
      problems.sort((a, b) => a.line - b.line || a.column - b.column);
    }
    const ok = !problems.some((p) => p.severity === 'error');
    return { file, text: source, ok, problems, plan: ok ? reading.plan : null, journal: await journalSummary(resolve(journalPath ?? defaultJournalPath(file))) };
  }

  function entry(batchId: string): Entry {
    const found = batches.get(batchId);
    if (!found) return fail('BATCH_NOT_FOUND', `There is no batch ${batchId} in this session.`, 'List the batches (batch.list), or start the plan again with resume.');
    return found;
  }

  async function start(path: string, journalOption: string | undefined, mode: 'run' | 'resume', retryFailed: boolean): Promise<{ batchId: string; journal: string; resumed: boolean }> {
    const validation = await validate(path, undefined, 'full', journalOption);
    if (!validation.ok || !validation.plan) throw planInvalid(validation.file, validation.problems);
    const plan = validation.plan;
    const journalPath = validation.journal.path;
    for (const e of batches.values()) {
      if (e.journal.path === journalPath && e.runner.runState !== 'ended') fail('BATCH_LOCKED', `This batch is already running here (${e.runner.batchId}).`, 'Open it on the Batch page, or wait for it to end.', { path: journalPath, details: { batchId: e.runner.batchId } });
    }
    const lock = await acquireRunnerLock(journalPath);
    let journal: Journal | undefined;
    try {
      journal = await Journal.open(journalPath, { create: mode === 'run' });
      const worked = journal.records.some((r) => r.t === 'vm-start' || r.t === 'vm-end');
      if (mode === 'run' && worked) {
        const s = summarize(journal.records);
        fail('BATCH_JOURNAL_EXISTS', `${basename(plan.file)} already has a journal with work in it (${s.done} done, ${s.failed} failed, ${s.interrupted} interrupted).`, `Resume it: hyper2kvm batch resume ${plan.file}  (or move ${journalPath} away to start over).`, { path: journalPath });
      }
      let header = journal.records.find((r): r is Extract<JournalRecord, { t: 'batch' }> => r.t === 'batch');
      if (!header) {
        header = { t: 'batch', v: 1, batchId: `batch-${newJobId(new Date())}`, plan: plan.file, at: new Date().toISOString() };
        await journal.append(header);
      }
      const batchId = header.batchId;
      const old = batches.get(batchId);
      if (old) await old.runner.finished;
      const e: Entry = { journal, lock, vcenter: null, runner: undefined as unknown as BatchRunner };
      e.runner = new BatchRunner(plan, journal, {
        jobs: deps.jobs,
        jobsDir: deps.jobsDir,
        tools: deps.tools,
        isRoot: deps.isRoot,
        version: deps.version,
        ...(deps.elevate ? { elevate: deps.elevate } : {}),
        vcenter: () => (e.vcenter ??= newVcenter()),
      }, { batchId, journalPath, mode, retryFailed, planSha256: sha256(validation.text) });
      batches.set(batchId, e);
      void e.runner.finished.then(() => release(e));
      await e.runner.start();
      return { batchId, journal: journalPath, resumed: mode === 'resume' };
    } catch (error) {
      await journal?.close();
      await lock.release();
      throw error;
    }
  }

  async function release(e: Entry): Promise<void> {
    await e.journal.close();
    await e.lock.release();
    if (e.vcenter) await (await e.vcenter).close();
  }

  async function statusFromDisk(path: string, journalOption: string | undefined): Promise<BatchStatus> {
    const file = resolve(path);
    const journalPath = resolve(journalOption ?? defaultJournalPath(file));
    for (const e of batches.values()) if (e.journal.path === journalPath) return e.runner.status();
    const reading = readPlan(await readPlanText(file), file);
    if (!reading.plan) throw planInvalid(file, reading.problems);
    const records = await readJournal(journalPath);
    if (!records) fail('BATCH_JOURNAL_MISSING', `${basename(file)} has no journal yet (${journalPath}): it was never run.`, `Run it: hyper2kvm batch run ${file}`, { path: journalPath });
    return offlineStatus(reading.plan, records, journalPath, await lockHolder(journalPath));
  }

  const handlers: Pick<ApiHandlers, BatchMethod> = {
    'batch.validate': ({ path, text, checks, journal }) => validate(path, text, checks, journal),
    'batch.save': async ({ path, text }) => {
      const file = resolve(path);
      const temp = `${file}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
      try {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(temp, text);
        await rename(temp, file);
      } catch (error) {
        throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, file));
      }
      return { path: file, bytes: Buffer.byteLength(text) };
    },
    'batch.start': ({ path, journal, mode, retryFailed }) => start(path, journal, mode, retryFailed),
    'batch.status': (input) => ('batchId' in input ? Promise.resolve(entry(input.batchId).runner.status(input.since)) : statusFromDisk(input.path, input.journal)),
    'batch.list': () =>
      Promise.resolve(
        [...batches.values()].reverse().map(({ runner }) => {
          const s = runner.status(Number.MAX_SAFE_INTEGER);
          return { batchId: s.batchId, plan: s.plan, title: s.title, state: s.state, totals: s.totals };
        }),
      ),
    'batch.pause': ({ batchId }) => Promise.resolve({ state: entry(batchId).runner.pause() }),
    'batch.resume': ({ batchId }) => Promise.resolve({ state: entry(batchId).runner.resume() }),
    'batch.stop': ({ batchId, cancelRunning }) => Promise.resolve({ state: entry(batchId).runner.stop(cancelRunning) }),
    'batch.cancelVm': ({ batchId, vm }) => Promise.resolve({ cancelled: entry(batchId).runner.cancelVm(vm) }),
    'batch.retry': async ({ batchId, vms }) => {
      const e = entry(batchId);
      if (e.runner.runState !== 'ended') return { queued: await e.runner.retry(vms) };
      // The run is over (its journal closed): a new run of the same journal takes them.
      const names = vms ?? e.runner.status().vms.filter((v) => v.state === 'failed').map((v) => v.name);
      const journal = await Journal.open(e.journal.path, { create: false });
      try {
        for (const name of names) await journal.append({ t: 'vm-retry', vm: name, at: new Date().toISOString() });
      } finally {
        await journal.close();
      }
      await start(e.runner.plan.file, e.journal.path, 'resume', false);
      return { queued: names };
    },
    'batch.jobRecord': async ({ batchId, vm }) => {
      const row = entry(batchId).runner.vmRow(vm);
      if (!row.jobId || !row.jobDir) fail('BATCH_VM_NOT_FOUND', `${vm} has no job yet.`, 'A VM gets its job record once it starts.');
      const record = await readFile(join(row.jobDir, 'job.json'), 'utf8').then((t) => JSON.parse(t) as unknown, () => null);
      const events = await readEvents(join(row.jobDir, 'events.jsonl'));
      // A running job has no job.json yet: the engine's own copy then.
      return { jobId: row.jobId, record: record ?? liveRecord(deps, row.jobId), events: events.length > 0 ? events : liveEvents(deps, row.jobId) };
    },
    'batch.exportForklift': async ({ path, outDir }) => {
      const file = resolve(path);
      const reading = readPlan(await readPlanText(file), file);
      if (!reading.plan) throw planInvalid(file, reading.problems);
      return exportForklift(reading.plan, resolve(outDir));
    },
  };

  return {
    handlers,
    async shutdown() {
      // Running VMs are interrupted (their jobs cancel and clean up) and run again on resume.
      const running = [...batches.values()].filter((e) => e.runner.runState !== 'ended');
      for (const e of running) e.runner.stop(true, 'interrupted');
      await Promise.allSettled(running.map((e) => e.runner.finished));
    },
  };
}

async function readPlanText(file: string): Promise<string> {
  try {
    if ((await stat(file)).isDirectory()) fail('INVALID_REQUEST', `${file} is a folder, not a plan.`, 'Give the plan’s YAML file.', { path: file });
    return await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof EngineFailure) throw error;
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT') fail('SOURCE_NOT_FOUND', `The plan ${file} does not exist.`, 'Check the path.', { path: file });
    throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, file));
  }
}

export function planInvalid(file: string, problems: PlanProblem[]): EngineFailure {
  const errors = problems.filter((p) => p.severity === 'error');
  const first = errors[0];
  return new EngineFailure(
    engineError('BATCH_PLAN_INVALID', `${basename(file)} has ${errors.length} problem${errors.length === 1 ? '' : 's'}${first ? `; the first: ${first.message}` : ''}.`, 'Fix each problem at the line and column given (hyper2kvm batch plan FILE lists them all).', {
      path: file,
      ...(first ? { line: first.line } : {}),
      details: { problems },
    }),
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function summarize(records: readonly JournalRecord[]): { done: number; failed: number; cancelled: number; interrupted: number } {
  const states = [...replay(records).values()];
  return {
    done: states.filter((s) => s.state === 'done').length,
    failed: states.filter((s) => s.state === 'failed').length,
    cancelled: states.filter((s) => s.state === 'cancelled').length,
    interrupted: states.filter((s) => s.state === 'running').length,
  };
}

async function journalSummary(path: string): Promise<JournalSummary> {
  if (!existsSync(path)) return { path, exists: false, done: 0, failed: 0, cancelled: 0, interrupted: 0, runnerPid: null };
  const records = (await readJournal(path).catch(() => null)) ?? [];
  return { path, exists: true, ...summarize(records), runnerPid: await lockHolder(path) };
}

/** A batch nobody here runs, as its journal tells it (another process may be running it). */
export function offlineStatus(plan: ResolvedPlan, records: readonly JournalRecord[], journalPath: string, runnerPid: number | null, now = Date.now()): BatchStatus {
  const states = replay(records);
  const rows = plan.vms.map((vm) => {
    const record = states.get(vm.name);
    const row = record ? rowFor(vm, record) : rowFor(vm, { state: 'queued', attempts: 0, jobId: null, jobDir: null, stage: null, error: null, outputs: [], finals: [], startedAt: null, endedAt: null, durationMs: null, bytes: null, warnings: 0 });
    // In flight in a live runner: running; with no runner, an interrupted attempt waiting for resume.
    if (record?.state === 'running' && runnerPid !== null) row.state = 'running';
    return row;
  });
  const header = records.find((r): r is Extract<JournalRecord, { t: 'batch' }> => r.t === 'batch');
  const lastRun = [...records].reverse().find((r) => r.t === 'run');
  const lastEnd = [...records].reverse().find((r): r is Extract<JournalRecord, { t: 'run-end' }> => r.t === 'run-end');
  const count = (state: string): number => rows.filter((r) => r.state === state).length;
  const bytesDone = [...states.values()].filter((s) => s.state === 'done').reduce((sum, s) => sum + (s.bytes ?? 0), 0);
  return {
    batchId: header?.batchId ?? 'batch-unknown',
    plan: plan.file,
    journal: journalPath,
    title: plan.title,
    state: runnerPid !== null ? 'running' : 'idle',
    endReason: runnerPid === null ? (lastEnd && lastRun && Date.parse(lastEnd.at) >= Date.parse(lastRun.at) ? lastEnd.reason : 'interrupted') : null,
    startedAt: lastRun?.at ?? null,
    concurrency: plan.concurrency,
    totals: { vms: rows.length, done: count('done'), running: count('running'), failed: count('failed'), queued: count('queued'), cancelled: count('cancelled'), bytesDone, bytesPerSecond: null, etaSeconds: null },
    errorRate: errorRate(failureTimes(records), now),
    vms: rows,
    rev: 0,
    partial: false,
    runnerPid,
  };
}

async function readEvents(path: string): Promise<JobEvent[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const events: JobEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as JobEvent);
    } catch {
      // a torn last line of a job whose process died
    }
  }
  return trimEvents(events);
}

function liveRecord(deps: EngineDeps, jobId: string): unknown {
  try {
    return deps.jobs.get(jobId).job;
  } catch {
    return null;
  }
}

function liveEvents(deps: EngineDeps, jobId: string): JobEvent[] {
  try {
    return trimEvents(deps.jobs.get(jobId).events);
  } catch {
    return [];
  }
}

/** Every event but progress, plus the last progress of each stage; at most MAX_RECORD_EVENTS. */
function trimEvents(events: JobEvent[]): JobEvent[] {
  const lastProgress = new Map<string, number>();
  events.forEach((e, i) => {
    if (e.type === 'progress') lastProgress.set(e.stage, i);
  });
  const kept = events.filter((e, i) => e.type !== 'progress' || lastProgress.get(e.stage) === i);
  const terminal = kept.find(isTerminal);
  const tail = kept.slice(-MAX_RECORD_EVENTS);
  return terminal && !tail.includes(terminal) ? [...tail.slice(1), terminal] : tail;
}
