import { readFile } from 'node:fs/promises';
import { JOB_RECORD_FILE } from '../core/job-record';
import type { JobRecord } from '../core/job-record';
import { join } from 'node:path';
import type { MigrateResult } from '../../../shared/contract/api/vcenter';
import type { EngineError } from '../../../shared/contract/errors';
import type { JobEvent } from '../../../shared/contract/events';
import type { BatchOutput, BatchRunState, BatchStatus, BatchVmRow, ResolvedPlan, ResolvedVm } from '../../../shared/contract/models/batch';
import type { ConvertResult } from '../../../shared/contract/models/convert';
import { ProgressMeter } from '../../../shared/progress';
import { convertJob } from '../convert/job';
import { cancelledError, EngineFailure, fail, toEngineError } from '../core/errors';
import type { JobManager, JobSpec, StageHookContext, StageHooks } from '../core/jobs';
import type { ToolRunner } from '../core/tool-runner';
import type { DiskOps } from '../privilege/disk-ops';
import './error-codes';
import { errorRate } from './error-rate';
import { runHook } from './hooks';
import { convertOptionsFor, destinationFor, migrateOptionsFor, tailOptions } from './job-options';
import { emptyVmState, failureTimes, replay } from './journal';
import type { AppendOptions, Journal, JournalRecord, VmRecordState } from './journal';
import { clearAttempt } from './leftovers';
import { pickStarts } from './scheduler';
import type { BatchVcenter } from './vcenter-source';

/**
 * Runs a batch: VMs from the plan, each as ONE job of the JobManager (convert for a local source,
 * migrate for a vCenter VM) with its own job record, at most as many at once as the limits allow
 * (in total, per source host, per datastore). Every change that matters after a crash is written
 * to the journal (and synced) before the runner acts on it, so `resume` knows, for each VM,
 * whether it is done (never redone), failed, or was interrupted: then what the dead attempt left
 * (processes, partial files, outputs renamed before its end) is cleared and the VM runs again;
 * a vCenter VM's downloads resume from its staging folder.
 */

export interface RunnerDeps {
  jobs: JobManager;
  jobsDir: string;
  tools: ToolRunner;
  isRoot: boolean;
  version: string;
  elevate?: () => Promise<DiskOps>;
  /** The batch's vCenter access, created when first needed. */
  vcenter: () => Promise<BatchVcenter>;
  now?: () => number;
}

export interface RunnerOptions {
  batchId: string;
  journalPath: string;
  mode: 'run' | 'resume';
  retryFailed: boolean;
  planSha256: string;
}

interface VmRuntime {
  vm: ResolvedVm;
  row: BatchVmRow;
  record: VmRecordState;
  /** The main stage's bytes: downloaded for vCenter VMs, converted for local ones. */
  mainStage: 'convert' | 'transfer';
  workDone: number;
  workTotal: number;
  activeStages: string[];
  cancelRequested: boolean;
  interruptRequested: boolean;
  starting: boolean;
  /** Aborts what runs before the VM's job exists (reading a local VM's NICs): a cancel need not wait for it. */
  preparing: AbortController | null;
}

export class BatchRunner {
  readonly batchId: string;
  private state: BatchRunState = 'running';
  private endReason: string | null = null;
  private readonly startedAt: string;
  private readonly vms: VmRuntime[];
  private readonly byJob = new Map<string, VmRuntime>();
  private rev = 0;
  private failuresThisRun = 0;
  /** Set while start() recovers interrupted VMs: nothing starts before that is done. */
  private recovering = true;
  private readonly failures: number[];
  private readonly meter: ProgressMeter;
  private readonly now: () => number;
  private stopListening: () => void = () => undefined;
  /** Variables holding vCenter passwords: the runner reads them, hooks never see them. */
  private readonly secretVariables: string[];
  private resolveFinished: () => void = () => undefined;
  readonly finished: Promise<void>;

  constructor(
    readonly plan: ResolvedPlan,
    private readonly journal: Journal,
    private readonly deps: RunnerDeps,
    private readonly options: RunnerOptions,
  ) {
    this.batchId = options.batchId;
    this.now = deps.now ?? (() => Date.now());
    this.startedAt = new Date(this.now()).toISOString();
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    const states = replay(journal.records);
    this.failures = failureTimes(journal.records);
    this.meter = new ProgressMeter(Number.MAX_SAFE_INTEGER, this.now, 10_000);
    this.secretVariables = ['HYPER2KVM_VCENTER_PASSWORD', ...plan.vms.map((vm) => vm.settings.vcenter?.passwordEnv).filter((v): v is string => v !== undefined)];
    this.vms = plan.vms.map((vm) => {
      const record = states.get(vm.name) ?? emptyVmState();
      return {
        vm,
        record,
        row: rowFor(vm, record),
        mainStage: vm.source.kind === 'vcenter' ? 'transfer' : 'convert',
        workDone: record.state === 'done' ? (record.bytes ?? 0) : 0,
        workTotal: record.bytes ?? 0,
        activeStages: [],
        cancelRequested: false,
        interruptRequested: false,
        starting: false,
        preparing: null,
      };
    });
  }

  /** Recovers what a crash interrupted, then starts VMs. Resolves once the run is under way. */
  async start(): Promise<void> {
    await this.append({ t: 'run', pid: process.pid, mode: this.options.mode, planSha256: this.options.planSha256, at: this.iso() });
    this.stopListening = this.deps.jobs.onJobEvent((event) => this.onJobEvent(event));
    for (const rt of this.vms) await this.recover(rt);
    if (this.plan.vms.some((vm) => vm.source.kind === 'vcenter')) await this.locateVcenterVms();
    this.recovering = false;
    this.pump();
  }

  pause(): BatchRunState {
    if (this.state === 'running') {
      this.state = 'pausing';
      void this.append({ t: 'control', action: 'pause', at: this.iso() }).catch(() => undefined);
      this.settle();
    }
    return this.state;
  }

  resume(): BatchRunState {
    if (this.state === 'pausing' || this.state === 'paused') {
      this.state = 'running';
      void this.append({ t: 'control', action: 'resume', at: this.iso() }).catch(() => undefined);
      this.pump();
    }
    return this.state;
  }

  /** No VM starts any more; running VMs finish, or are interrupted (to run again on resume). */
  stop(cancelRunning: boolean, reason = 'stopped'): BatchRunState {
    if (this.state === 'ended') return this.state;
    if (this.state !== 'stopping') {
      this.endReason ??= reason;
      void this.append({ t: 'control', action: cancelRunning ? 'stop-cancel' : 'stop', at: this.iso() }).catch(() => undefined);
    }
    this.state = 'stopping';
    if (cancelRunning) {
      for (const rt of this.vms) {
        if (rt.row.state !== 'running') continue;
        rt.interruptRequested = true;
        rt.preparing?.abort();
        if (rt.row.jobId) this.cancelJob(rt.row.jobId);
      }
    }
    this.settle();
    return this.state;
  }

  cancelVm(name: string): boolean {
    const rt = this.runtime(name);
    if (rt.row.state === 'running') {
      rt.cancelRequested = true;
      rt.preparing?.abort();
      if (rt.row.jobId) this.cancelJob(rt.row.jobId);
      return true;
    }
    if (rt.row.state === 'queued' && !rt.starting) {
      void this.end(rt, { state: 'cancelled', jobId: null }).then(() => this.pump());
      return true;
    }
    return false;
  }

  /** Failed or cancelled VMs back to the queue. */
  async retry(names: readonly string[] | undefined): Promise<string[]> {
    const targets = names ? names.map((n) => this.runtime(n)) : this.vms.filter((rt) => rt.row.state === 'failed');
    const queued: string[] = [];
    for (const rt of targets) {
      if (rt.row.state !== 'failed' && rt.row.state !== 'cancelled') continue;
      await this.append({ t: 'vm-retry', vm: rt.vm.name, at: this.iso() });
      Object.assign(rt.row, { state: 'queued', error: null, stage: null, stageLabel: null, fraction: 0, bytesDone: 0, bytesPerSecond: null, etaSeconds: null, endedAt: null, durationMs: null });
      this.touch(rt);
      queued.push(rt.vm.name);
    }
    this.pump();
    return queued;
  }

  get runState(): BatchRunState {
    return this.state;
  }

  vmRow(name: string): BatchVmRow {
    return this.runtime(name).row;
  }

  status(since?: number): BatchStatus {
    const rows = since === undefined ? this.vms.map((rt) => rt.row) : this.vms.filter((rt) => rt.row.rev > since).map((rt) => rt.row);
    return {
      batchId: this.batchId,
      plan: this.plan.file,
      journal: this.options.journalPath,
      title: this.plan.title,
      state: this.state,
      endReason: this.endReason,
      startedAt: this.startedAt,
      concurrency: this.plan.concurrency,
      totals: this.totals(),
      errorRate: errorRate(this.failures, this.now()),
      vms: rows.map((r) => ({ ...r, outputs: [...r.outputs] })),
      rev: this.rev,
      partial: since !== undefined,
      runnerPid: process.pid,
    };
  }

  // -------------------------------------------------------------------------------------------

  private runtime(name: string): VmRuntime {
    const rt = this.vms.find((r) => r.vm.name === name);
    if (!rt) return fail('BATCH_VM_NOT_FOUND', `There is no VM ${name} in this batch.`, 'Use a name from the plan.');
    return rt;
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  private append(record: JournalRecord, options?: AppendOptions): Promise<void> {
    return this.journal.append(record, options);
  }

  private touch(rt: VmRuntime): void {
    rt.row.rev = ++this.rev;
  }

  private cancelJob(jobId: string): void {
    try {
      this.deps.jobs.cancel(jobId);
    } catch {
      // already over
    }
  }

  /** A VM whose last attempt has no end in the journal: its job record decides, else it runs again. */
  private async recover(rt: VmRuntime): Promise<void> {
    const rec = rt.record;
    if (rec.state === 'failed' || rec.state === 'cancelled') {
      if (this.options.retryFailed) await this.retry([rt.vm.name]);
      return;
    }
    if (rec.state !== 'running' || !rec.jobId) return;
    const record = rec.jobDir ? await readJobRecord(rec.jobDir) : null;
    if (record?.state === 'succeeded') {
      // The job finished; only its end was not journaled. Done: it is not run again.
      await this.end(rt, { state: 'done', jobId: rec.jobId, outputs: outputsOf(record.result), adopted: true });
      return;
    }
    if (record?.state === 'failed' && record.error) {
      await this.end(rt, { state: 'failed', jobId: rec.jobId, error: record.error, adopted: true, countFailure: false });
      if (this.options.retryFailed) await this.retry([rt.vm.name]);
      return;
    }
    await this.clearInterrupted(rt, rec.jobId, rec.jobDir ?? null, rec.finals);
    await this.append({ t: 'vm-end', vm: rt.vm.name, jobId: rec.jobId, state: 'interrupted', at: this.iso() });
    Object.assign(rt.row, { state: 'queued', stage: null, stageLabel: null });
    this.touch(rt);
  }

  private async clearInterrupted(rt: VmRuntime, jobId: string, jobDir: string | null, finals: readonly string[]): Promise<void> {
    const s = rt.vm.settings;
    const left = await clearAttempt({ jobId, jobDir, tools: this.deps.tools }, [s.destination, ...Object.values(s.storage)], finals, !s.overwrite);
    if (left.killed.length + left.removed.length + left.domains.length > 0) {
      await this.append({ t: 'vm-cleared', vm: rt.vm.name, jobId, killed: left.killed, removed: left.removed, ...(left.domains.length ? { domains: left.domains } : {}), at: this.iso() });
    }
  }

  /** Host and datastores of the vCenter VMs, for the per-host and per-datastore limits. */
  private async locateVcenterVms(): Promise<void> {
    const vcenter = await this.deps.vcenter();
    for (const rt of this.vms) {
      if (rt.vm.source.kind !== 'vcenter' || rt.row.state !== 'queued') continue;
      try {
        const found = await vcenter.resolve(rt.vm);
        rt.row.host = found.host;
        rt.row.datastores = found.datastores;
        this.touch(rt);
      } catch {
        // The VM's own start reports it (as the VM's failure, with the error value).
      }
    }
  }

  private pump(): void {
    if (this.recovering) return;
    if (this.state !== 'running') return this.settle();
    if (this.plan.stopAfterFailures !== null && this.failuresThisRun >= this.plan.stopAfterFailures) {
      this.stop(false, 'failure-limit');
      return;
    }
    const running = this.vms.filter((rt) => rt.row.state === 'running').map(schedulable);
    const queue = this.vms.filter((rt) => rt.row.state === 'queued' && !rt.starting);
    const candidates = queue.map((q) => ({ ...schedulable(q), runtime: q }));
    for (const start of pickStarts(candidates, running, this.plan.concurrency)) void this.runVm(start.runtime);
    this.settle();
  }

  /** Moves pausing → paused, and ends the run once nothing runs and nothing may start. */
  private settle(): void {
    const running = this.vms.some((rt) => rt.row.state === 'running');
    if (running) return;
    if (this.state === 'pausing') this.state = 'paused';
    const queued = this.vms.some((rt) => rt.row.state === 'queued');
    if (this.state === 'stopping' || (this.state === 'running' && !queued)) void this.finish(this.state === 'stopping' ? (this.endReason ?? 'stopped') : 'complete');
  }

  private async finish(reason: string): Promise<void> {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.endReason = reason;
    this.stopListening();
    await this.append({ t: 'run-end', reason, at: this.iso() }).catch(() => undefined);
    this.resolveFinished();
  }

  private async runVm(rt: VmRuntime): Promise<void> {
    const { vm } = rt;
    rt.starting = true;
    rt.cancelRequested = false;
    rt.interruptRequested = false;
    const attempt = rt.row.attempts + 1;
    Object.assign(rt.row, { state: 'running', attempts: attempt, stage: null, stageLabel: null, fraction: 0, bytesDone: 0, bytesTotal: 0, bytesPerSecond: null, etaSeconds: null, error: null, warnings: 0, outputs: [], startedAt: this.iso(), endedAt: null, durationMs: null, jobId: null, jobDir: null });
    rt.workDone = 0;
    rt.workTotal = 0;
    rt.activeStages = [];
    rt.record.finals = [];
    this.touch(rt);
    const started = this.now();
    let jobId: string | null = null;
    try {
      const gate = deferred();
      rt.preparing = new AbortController();
      const spec = await this.jobSpec(rt, rt.preparing.signal).finally(() => {
        rt.preparing = null;
      });
      // batch: the resume (recover) clears a dead attempt's leftovers, not the engine's start-up sweep.
      jobId = await this.deps.jobs.start(spec, { stageHooks: this.stageHooks(rt, gate.promise), batch: true });
      const jobDir = join(this.deps.jobsDir, jobId);
      rt.row.jobId = jobId;
      rt.row.jobDir = jobDir;
      this.byJob.set(jobId, rt);
      this.touch(rt);
      try {
        // Journaled before the job's first stage may run: a crash from here on knows the job.
        await this.append({ t: 'vm-start', vm: vm.name, attempt, jobId, jobDir, at: this.iso() });
      } catch (error) {
        this.cancelJob(jobId);
        gate.fail(error);
        throw error;
      }
      gate.open();
      rt.starting = false;
      if (rt.cancelRequested || rt.interruptRequested) this.cancelJob(jobId);
      const summary = await this.deps.jobs.wait(jobId);
      const durationMs = this.now() - started;
      if (summary.state === 'succeeded') {
        await this.end(rt, { state: 'done', jobId, outputs: outputsOf(summary.result), durationMs });
      } else if (summary.state === 'cancelled') {
        if (rt.interruptRequested && !rt.cancelRequested) {
          await this.clearInterrupted(rt, jobId, rt.record.jobDir, rt.record.finals);
          await this.end(rt, { state: 'interrupted', jobId, durationMs });
        } else {
          await this.end(rt, { state: 'cancelled', jobId, durationMs });
        }
      } else {
        await this.end(rt, { state: 'failed', jobId, error: summary.error ?? toEngineError(new Error('The job failed without an error value.')), durationMs });
      }
    } catch (error) {
      // Failed before its job could start (the vCenter VM could not be found, the journal...).
      const value = toEngineError(error);
      await this.end(rt, value.code === 'CANCELLED' ? { state: rt.interruptRequested ? 'interrupted' : 'cancelled', jobId } : { state: 'failed', jobId, error: value, durationMs: this.now() - started });
    } finally {
      rt.starting = false;
      if (jobId) this.byJob.delete(jobId);
      this.pump();
    }
  }

  private async jobSpec(rt: VmRuntime, signal: AbortSignal): Promise<JobSpec<unknown>> {
    const { vm } = rt;
    if (vm.source.kind === 'local') {
      const { options: tail } = tailOptions(vm, checkedNicNetworks(vm, await this.localNicNetworks(vm, signal)));
      return convertJob(vm.source.path, convertOptionsFor(vm, tail), { tools: this.deps.tools, isRoot: this.deps.isRoot, version: this.deps.version, ...(this.deps.elevate ? { elevate: this.deps.elevate } : {}) });
    }
    const vcenter = await this.deps.vcenter();
    const found = await vcenter.resolve(vm);
    rt.row.host = found.host;
    rt.row.datastores = found.datastores;
    const { connection, details } = await vcenter.details(vm, found.id);
    const nicNetworks = details.nics.map((n) => n.network).filter((n): n is string => typeof n === 'string');
    const { options: tail } = tailOptions(vm, checkedNicNetworks(vm, nicNetworks));
    const { migrateJob } = await import('../vcenter/migrate-job');
    const outDir = destinationFor(vm.settings, found.datastores);
    return migrateJob(details, migrateOptionsFor(vm, outDir, tail), { tools: this.deps.tools, connection, version: this.deps.version });
  }

  /**
   * The networks of a local VM's NICs (its VMX or OVF), read only when its domain is defined
   * with a mapping to apply. A source that cannot be read gives none: the job's own probe then
   * fails with the reason, in the job's record. Cancelled (the VM or the batch stopped), it gives
   * none at once: the job that follows is cancelled as soon as it starts.
   */
  private async localNicNetworks(vm: ResolvedVm, signal: AbortSignal): Promise<string[]> {
    if (vm.source.kind !== 'local' || vm.settings.define === false || Object.keys(vm.settings.networks).length === 0) return [];
    const { planSource } = await import('../sources/intake');
    const plan = await planSource(vm.source.path, { tools: this.deps.tools, signal }).catch(() => null);
    return (plan?.vm.nics ?? []).map((n) => n.network).filter((n): n is string => typeof n === 'string');
  }

  /** Journal records and the plan's hooks, around each stage of the VM's job. */
  private stageHooks(rt: VmRuntime, gate: Promise<void>): StageHooks {
    const hooksAt = (point: string) => rt.vm.settings.hooks.filter((h) => h.point === point);
    const run = async (point: string, stage: string, ctx: StageHookContext, output?: unknown): Promise<void> => {
      for (const hook of hooksAt(point)) {
        const outcome = await runHook({ hook, env: this.hookEnv(rt, point, stage, ctx, output), signal: ctx.signal, log: ctx.log, withhold: this.secretVariables });
        if (outcome.warning) {
          rt.row.warnings++;
          this.touch(rt);
        }
      }
    };
    return {
      before: async (stage, ctx) => {
        await gate;
        this.stageStarted(rt, stage.id, stage.label);
        // Written before the stage runs (a kill -9 leaves it in the file), made durable by the next
        // synced record (vm-outputs, vm-end). Nothing acts on it after a crash: resume decides from
        // vm-start, vm-outputs and the job's record. Waiting for its own fdatasync put six syncs
        // on every VM's path between stages (bench:batch: 0.4..20 ms each while the other VM's
        // qemu-img fills the page cache).
        await this.append({ t: 'vm-stage', vm: rt.vm.name, jobId: ctx.jobId, stage: stage.id, at: this.iso() }, { durable: false });
        await run(`before-${stage.id}`, stage.id, ctx);
      },
      after: async (stage, output, ctx) => {
        if (stage.id === 'convert') {
          // Before finalize renames them: a resume knows which final files this attempt made.
          const finals = finalsOf(output);
          rt.record.finals = finals;
          await this.append({ t: 'vm-outputs', vm: rt.vm.name, jobId: ctx.jobId, finals, at: this.iso() });
        }
        await run(`after-${stage.id}`, stage.id, ctx, output);
      },
    };
  }

  private hookEnv(rt: VmRuntime, point: string, stage: string, ctx: StageHookContext, output: unknown): Record<string, string> {
    const { vm } = rt;
    const files = filesOf(output);
    return {
      HYPER2KVM_HOOK: point,
      HYPER2KVM_STAGE: stage,
      HYPER2KVM_VM_NAME: vm.name,
      HYPER2KVM_VM_ORIGIN: vm.source.kind === 'local' ? 'local' : vm.source.server,
      HYPER2KVM_VM_SOURCE: vm.source.kind === 'local' ? vm.source.path : (vm.source.id ?? vm.source.path ?? vm.source.name ?? ''),
      HYPER2KVM_VM_HOST: rt.row.host ?? '',
      HYPER2KVM_VM_DATASTORES: rt.row.datastores.join('\n'),
      HYPER2KVM_ATTEMPT: String(rt.row.attempts),
      HYPER2KVM_JOB_ID: ctx.jobId,
      HYPER2KVM_JOB_DIR: ctx.jobDir,
      HYPER2KVM_JOB_LOG: join(ctx.jobDir, 'events.jsonl'),
      HYPER2KVM_DESTINATION: vm.source.kind === 'local' ? vm.settings.destination : destinationFor(vm.settings, rt.row.datastores),
      HYPER2KVM_FORMAT: vm.settings.format,
      HYPER2KVM_OUTPUTS: files.current.join('\n'),
      HYPER2KVM_FINAL_OUTPUTS: files.finals.join('\n'),
      HYPER2KVM_BATCH_ID: this.batchId,
      HYPER2KVM_BATCH_PLAN: this.plan.file,
      HYPER2KVM_BATCH_JOURNAL: this.options.journalPath,
    };
  }

  private async end(
    rt: VmRuntime,
    how: { state: 'done' | 'failed' | 'cancelled' | 'interrupted'; jobId: string | null; error?: EngineError; outputs?: BatchOutput[]; durationMs?: number; adopted?: boolean; countFailure?: boolean },
  ): Promise<void> {
    const at = this.iso();
    const bytes = rt.workTotal || rt.record.bytes || undefined;
    await this.append({
      t: 'vm-end',
      vm: rt.vm.name,
      jobId: how.jobId,
      state: how.state,
      at,
      ...(how.error ? { error: how.error } : {}),
      ...(how.outputs ? { outputs: how.outputs } : {}),
      ...(how.durationMs !== undefined ? { durationMs: how.durationMs } : {}),
      ...(bytes !== undefined ? { bytes } : {}),
      ...(rt.row.warnings ? { warnings: rt.row.warnings } : {}),
    }).catch((error: unknown) => {
      // The journal could not record it (disk full): say so in the VM's row; a resume redoes it.
      how = { ...how, state: 'failed', error: toEngineError(error) };
    });
    const row = rt.row;
    row.state = how.state === 'interrupted' ? 'queued' : how.state;
    row.endedAt = how.state === 'interrupted' ? null : at;
    row.durationMs = how.durationMs ?? row.durationMs;
    row.error = how.state === 'failed' ? (how.error ?? null) : how.state === 'cancelled' ? cancelledError() : null;
    if (how.outputs) row.outputs = how.outputs;
    if (how.state === 'done') {
      // A finished VM shows what its main stage moved, not its last stage's figures.
      rt.workDone = rt.workTotal;
      Object.assign(row, { fraction: 1, bytesDone: rt.workTotal, bytesTotal: rt.workTotal });
    }
    row.bytesPerSecond = null;
    row.etaSeconds = null;
    if (how.jobId && how.adopted) row.jobId = how.jobId;
    if (how.state === 'failed') {
      this.failures.push(this.now());
      if (how.countFailure !== false) this.failuresThisRun++;
    }
    this.touch(rt);
  }

  /**
   * The row shows the stage that started last, except that the main stage (a vCenter VM's
   * download, which runs alongside its conversion) keeps the row while it runs.
   */
  private stageStarted(rt: VmRuntime, stage: string, label: string): void {
    rt.activeStages.push(stage);
    if (stage === rt.mainStage || !rt.activeStages.includes(rt.mainStage)) {
      Object.assign(rt.row, { stage, stageLabel: label, fraction: 0, bytesDone: 0, bytesTotal: 0, bytesPerSecond: null, etaSeconds: null });
      this.touch(rt);
    }
  }

  private onJobEvent(event: JobEvent): void {
    const rt = this.byJob.get(event.jobId);
    if (!rt) return;
    const row = rt.row;
    switch (event.type) {
      case 'stage-done':
        rt.activeStages = rt.activeStages.filter((s) => s !== event.stage);
        if (event.stage === rt.mainStage) rt.workDone = rt.workTotal;
        break;
      case 'progress': {
        const p = event.progress;
        if (event.stage === rt.mainStage) {
          rt.workTotal = p.bytesTotal;
          rt.workDone = p.bytesDone;
        }
        if (event.stage !== row.stage) return;
        Object.assign(row, { fraction: p.fraction, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, bytesPerSecond: p.bytesPerSecond, etaSeconds: p.etaSeconds });
        break;
      }
      default:
        return;
    }
    this.touch(rt);
  }

  private totals(): BatchStatus['totals'] {
    const count = (state: BatchVmRow['state']): number => this.vms.filter((rt) => rt.row.state === state).length;
    let bytesDone = 0;
    let remaining = 0;
    // VMs whose size is not known yet: queued ones, and running ones still before their main stage.
    let unsized = 0;
    const known: number[] = [];
    for (const rt of this.vms) {
      if (rt.row.state === 'done') {
        bytesDone += rt.workTotal;
        if (rt.workTotal > 0) known.push(rt.workTotal);
      } else if (rt.row.state === 'running') {
        bytesDone += rt.workDone;
        if (rt.workTotal > 0) {
          remaining += Math.max(rt.workTotal - rt.workDone, 0);
          known.push(rt.workTotal);
        } else {
          unsized++;
        }
      } else if (rt.row.state === 'queued') {
        unsized++;
      }
    }
    const rate = this.meter.update(bytesDone).bytesPerSecond;
    // Unsized VMs count at the mean size of the VMs seen so far; without any, there is no ETA.
    const mean = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : null;
    const toDo = unsized > 0 ? (mean === null ? null : remaining + unsized * mean) : remaining;
    const eta = toDo === null ? null : toDo === 0 ? 0 : rate !== null && rate > 0 ? toDo / rate : null;
    return { vms: this.vms.length, done: count('done'), running: count('running'), failed: count('failed'), queued: count('queued'), cancelled: count('cancelled'), bytesDone, bytesPerSecond: rate, etaSeconds: eta };
  }
}

// ---------------------------------------------------------------------------------------------

function schedulable(rt: VmRuntime): { name: string; host: string | null; datastores: readonly string[] } {
  return { name: rt.vm.name, host: rt.row.host, datastores: rt.row.datastores };
}

export function rowFor(vm: ResolvedVm, record: VmRecordState): BatchVmRow {
  const state = record.state === 'running' ? 'queued' : record.state;
  return {
    name: vm.name,
    index: vm.index,
    origin: vm.source.kind === 'local' ? 'local' : vm.source.server,
    source: vm.source.kind === 'local' ? vm.source.path : (vm.source.path ?? vm.source.id ?? vm.source.name ?? ''),
    host: null,
    datastores: [],
    state,
    stage: record.stage,
    stageLabel: null,
    fraction: state === 'done' ? 1 : 0,
    bytesDone: 0,
    bytesTotal: 0,
    bytesPerSecond: null,
    etaSeconds: null,
    attempts: record.attempts,
    jobId: record.jobId,
    jobDir: record.jobDir,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    durationMs: record.durationMs,
    error: state === 'failed' ? record.error : state === 'cancelled' ? (record.error ?? cancelledError()) : null,
    warnings: record.warnings,
    outputs: record.outputs,
    rev: 0,
  };
}

type JobRecordFile = Pick<JobRecord, 'state' | 'result' | 'error'>;

export async function readJobRecord(jobDir: string): Promise<JobRecordFile | null> {
  try {
    return JSON.parse(await readFile(join(jobDir, JOB_RECORD_FILE), 'utf8')) as JobRecordFile;
  } catch {
    return null;
  }
}

/** The networks of a VM's NICs, refused when the plan maps networks but not one of these. */
function checkedNicNetworks(vm: ResolvedVm, nicNetworks: string[]): string[] {
  const mapped = Object.keys(vm.settings.networks);
  const unmapped = mapped.length > 0 ? [...new Set(nicNetworks.filter((n) => !mapped.includes(n)))] : [];
  if (unmapped.length > 0) {
    fail('BATCH_NETWORK_UNMAPPED', `${vm.name} has NICs on ${unmapped.join(', ')}, which the plan's networks mapping does not name.`, `Add ${unmapped.map((n) => `"${n}"`).join(', ')} under networks (in defaults or on the VM).`, { details: { unmapped, mapped } });
  }
  return nicNetworks;
}

/** What a convert or migrate result says of its outputs. */
export function outputsOf(result: unknown): BatchOutput[] {
  const outputs = (result as Partial<ConvertResult> | Partial<MigrateResult> | null)?.outputs ?? [];
  return outputs.map((o) => ({ path: o.path, format: o.format, virtualSize: o.virtualSize }));
}

/** The final output paths in a convert stage's output (ConvertedPartial[]). */
function finalsOf(output: unknown): string[] {
  return Array.isArray(output) ? output.map((o) => (o as { final?: unknown }).final).filter((f): f is string => typeof f === 'string') : [];
}

/** Files a stage produced, for the hooks: what is on disk now, and where it will end up. */
function filesOf(output: unknown): { current: string[]; finals: string[] } {
  if (!Array.isArray(output)) return { current: [], finals: [] };
  const current: string[] = [];
  const finals: string[] = [];
  for (const item of output as Array<Record<string, unknown>>) {
    const now = item.partial ?? item.path;
    if (typeof now === 'string') current.push(now);
    const final = item.final ?? item.path;
    if (typeof final === 'string') finals.push(final);
  }
  return { current, finals };
}

interface Gate {
  promise: Promise<void>;
  open(): void;
  fail(error: unknown): void;
}

function deferred(): Gate {
  let open: () => void = () => undefined;
  let failGate: (error: unknown) => void = () => undefined;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    failGate = reject;
  });
  promise.catch(() => undefined);
  return { promise, open, fail: (error) => failGate(error instanceof EngineFailure ? error : new EngineFailure(toEngineError(error))) };
}
