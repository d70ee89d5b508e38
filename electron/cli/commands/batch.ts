import type { PlanValidation } from '../../../shared/contract/api/batch';
import type { EngineError } from '../../../shared/contract/errors';
import { isTerminal } from '../../../shared/contract/events';
import type { BatchStatus, BatchVmRow } from '../../../shared/contract/models/batch';
import type { RpcClient } from '../../../shared/rpc/client';
import { RemoteError } from '../../../shared/rpc/client';
import { parseCommandArgs, usageError } from '../args';
import { changeLines, liveView, problemLines, summaryTable, totalsLine } from '../batch-view';
import { emitJson, reportFailure, say } from '../io';
import type { CliIo } from '../io';
import { PollPace } from '../poll-pace';
import type { Command, CommandContext } from './types';

/**
 * `hyper2kvm batch plan|run|resume|status|export-forklift`: many VMs from one YAML plan. The
 * runner is the engine's (the same as the Batch page's); this module reads its status twice a
 * second, and at once when one of its jobs ends (poll-pace.ts), and shows it: a live view on a
 * terminal, plain lines in a log, JSON lines with --json.
 */

const USAGE = {
  plan: 'hyper2kvm batch plan FILE [--offline] [--json]',
  run: 'hyper2kvm batch run FILE [--journal FILE] [--json]',
  resume: 'hyper2kvm batch resume FILE [--journal FILE] [--retry-failed] [--json]',
  status: 'hyper2kvm batch status FILE [--journal FILE] [--json]',
  export: 'hyper2kvm batch export-forklift FILE --out DIR [--json]',
};
const ALL_USAGE = 'hyper2kvm batch plan|run|resume|status|export-forklift FILE ... (hyper2kvm batch --help)';
const PLAIN_TOTALS_MS = 30_000;

/** The part of a VM's row scripts rely on. */
function vmResult(v: BatchVmRow): Record<string, unknown> {
  return { name: v.name, state: v.state, error: v.error, outputs: v.outputs, stage: v.stage, attempts: v.attempts, jobId: v.jobId, jobDir: v.jobDir, durationMs: v.durationMs, warnings: v.warnings };
}

function asError(error: unknown): EngineError | undefined {
  if (error instanceof RemoteError) return error.value;
  const value = (error as { value?: EngineError } | undefined)?.value;
  return value && typeof value.code === 'string' ? value : undefined;
}

/** Runs a batch call; a failure is reported (a plan's problems compiler-style), with its exit code. */
async function reporting(io: CliIo, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (error) {
    const value = asError(error);
    if (!value) throw error;
    return value.code === 'BATCH_PLAN_INVALID' ? reportPlanError(io, value) : reportFailure(io, value);
  }
}

/** A plan error: every problem, compiler-style (or in the JSON result), exit 2. */
function reportPlanError(io: CliIo, error: EngineError): number {
  const problems = (error.evidence?.details?.problems ?? []) as PlanValidation['problems'];
  if (io.json) {
    emitJson(io, { type: 'result', ok: false, error, problems });
    return 2;
  }
  if (problems.length > 0) {
    for (const line of problemLines(problems)) io.stderr.write(line + '\n');
    io.stderr.write(`${problems.filter((p) => p.severity === 'error').length} error(s): nothing was run.\n`);
    return 2;
  }
  return reportFailure(io, error);
}

async function plan(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { offline: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, journal: { type: 'string' } }, USAGE.plan);
  if (positionals.length !== 1) throw usageError('Give exactly one plan FILE.', USAGE.plan);
  const { client } = ctx.engine();
  const v = await client.call('batch.validate', { path: positionals[0]!, checks: values.offline ? 'static' : 'full', ...(values.journal ? { journal: values.journal } : {}) });
  const vms = (v.plan?.vms ?? []).map((vm) => ({ name: vm.name, source: vm.source, settings: vm.settings }));
  if (ctx.io.json) {
    if (v.ok) emitJson(ctx.io, { type: 'result', ok: true, file: v.file, concurrency: v.plan?.concurrency, stopAfterFailures: v.plan?.stopAfterFailures ?? null, vms, problems: v.problems, journal: v.journal });
    else emitJson(ctx.io, { type: 'result', ok: false, error: planError(v), problems: v.problems });
    return v.ok ? 0 : 2;
  }
  for (const line of problemLines(v.problems)) (v.ok ? ctx.io.stdout : ctx.io.stderr).write(line + '\n');
  if (!v.ok) {
    ctx.io.stderr.write(`${v.problems.filter((p) => p.severity === 'error').length} error(s) in ${v.file}.\n`);
    return 2;
  }
  const p = v.plan!;
  say(ctx.io, `${p.title ?? v.file}: ${p.vms.length} VM(s), ${p.concurrency.total} at once${p.concurrency.perHost ? `, ${p.concurrency.perHost} per host` : ''}${p.concurrency.perDatastore ? `, ${p.concurrency.perDatastore} per datastore` : ''}${p.stopAfterFailures ? `, stop after ${p.stopAfterFailures} failure(s)` : ''}`);
  for (const vm of p.vms) {
    const s = vm.settings;
    const from = vm.source.kind === 'local' ? vm.source.path : `${vm.source.server}: ${vm.source.id ?? vm.source.path ?? vm.source.name}`;
    const extras = [s.compress ? 'compressed' : '', s.overwrite ? 'overwrite' : '', s.repair !== false ? 'repair' : '', s.define !== false ? `define on ${s.define.connection}` : '', s.verifyBoot !== false ? 'verify boot' : '', s.hooks.length ? `${s.hooks.length} hook(s)` : ''].filter(Boolean);
    say(ctx.io, `  ${vm.name}  ${from}  →  ${s.destination} (${s.format}${extras.length ? `; ${extras.join(', ')}` : ''})`);
  }
  if (v.journal.exists) say(ctx.io, `Journal ${v.journal.path}: ${v.journal.done} done, ${v.journal.failed} failed, ${v.journal.interrupted} interrupted${v.journal.runnerPid ? ` (running in process ${v.journal.runnerPid})` : ''}.`);
  return 0;
}

function planError(v: PlanValidation): EngineError {
  const errors = v.problems.filter((p) => p.severity === 'error');
  return {
    code: 'BATCH_PLAN_INVALID',
    kind: 'bad-input',
    message: `${v.file} has ${errors.length} problem(s); the first: ${errors[0]?.message ?? '?'}`,
    hint: 'Fix each problem at the line and column given.',
    evidence: { path: v.file, ...(errors[0] ? { line: errors[0].line } : {}), details: { problems: v.problems } },
  };
}

/** Follows a running batch to its end; returns the exit code. */
async function follow(ctx: CommandContext, client: RpcClient, batchId: string): Promise<number> {
  const io = ctx.io;
  const tty = !io.json && Boolean(io.stdout.isTTY);
  const rows = new Map<string, BatchVmRow>();
  let rev: number | undefined;
  let drawn = 0;
  let lastTotals = Date.now();
  let stopRequests = 0;
  let userStopped = false;

  const pace = new PollPace();
  const stopEvents = client.onJobEvent((event) => {
    if (io.json) emitJson(io, event);
    if (isTerminal(event)) pace.jobEnded(event.jobId);
  });
  const onSignal = (): void => {
    stopRequests++;
    userStopped = true;
    if (stopRequests === 1) {
      io.stderr.write('\nStopping: no new VM starts; the running ones finish (Ctrl-C again to interrupt them; they run again on resume).\n');
      void client.call('batch.stop', { batchId, cancelRunning: false }).catch(() => undefined);
    } else if (stopRequests === 2) {
      io.stderr.write('\nInterrupting the running VMs (their tools stop, partial files are removed)…\n');
      void client.call('batch.stop', { batchId, cancelRunning: true }).catch(() => undefined);
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let status: BatchStatus;
  try {
    for (;;) {
      status = await client.call('batch.status', { batchId, ...(rev !== undefined ? { since: rev } : {}) });
      rev = status.rev;
      for (const row of status.vms) {
        const before = rows.get(row.name) ?? null;
        rows.set(row.name, row);
        if (io.json) {
          if (!before || before.state !== row.state || before.stage !== row.stage) emitJson(io, { type: 'batch-vm', batchId, name: row.name, state: row.state, stage: row.stage, attempts: row.attempts, jobId: row.jobId, error: row.error, outputs: row.outputs });
        } else if (!tty) {
          for (const line of changeLines(before, row)) say(io, line);
        }
      }
      const full: BatchStatus = { ...status, vms: [...rows.values()].sort((a, b) => a.index - b.index) };
      if (tty) {
        // A terminal that does not say its width (0) gets a usual one.
        const columns = (io.stdout as { columns?: number }).columns;
        const lines = liveView(full, columns && columns >= 40 ? columns : 120);
        io.stdout.write((drawn ? `\x1b[${drawn}F\x1b[J` : '') + lines.join('\n') + '\n');
        drawn = lines.length;
      } else if (!io.json && Date.now() - lastTotals > PLAIN_TOTALS_MS) {
        lastTotals = Date.now();
        say(io, totalsLine(full));
      }
      if (status.state === 'ended') {
        status = full;
        break;
      }
      pace.seen(rows.values());
      await pace.sleep();
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stopEvents();
  }
  const t = status.totals;
  const complete = t.done === t.vms;
  const code = complete ? 0 : userStopped && status.endReason === 'stopped' ? 130 : 1;
  if (io.json) {
    emitJson(io, { type: 'result', ok: complete, batchId, plan: status.plan, journal: status.journal, endReason: status.endReason, totals: t, errorRate: status.errorRate, vms: status.vms.map(vmResult) });
  } else {
    if (tty) say(io, '');
    for (const line of summaryTable(status)) say(io, line);
    say(io, complete ? `All ${t.vms} VM(s) done. Journal: ${status.journal}` : `The run ended (${status.endReason ?? 'stopped'}): ${t.done} of ${t.vms} done. Go on with: hyper2kvm batch resume ${status.plan}${t.failed ? ' --retry-failed' : ''}`);
  }
  return code;
}

async function run(ctx: CommandContext, argv: string[], mode: 'run' | 'resume'): Promise<number> {
  const usage = mode === 'run' ? USAGE.run : USAGE.resume;
  const { values, positionals } = parseCommandArgs(argv, { journal: { type: 'string' }, json: { type: 'boolean', default: false }, ...(mode === 'resume' ? { 'retry-failed': { type: 'boolean' as const, default: false } } : {}) }, usage);
  if (positionals.length !== 1) throw usageError('Give exactly one plan FILE.', usage);
  const { client } = ctx.engine();
  const retryFailed = mode === 'resume' && (values as { 'retry-failed'?: boolean })['retry-failed'] === true;
  return reporting(ctx.io, async () => {
    const started = await client.call('batch.start', { path: positionals[0]!, mode, retryFailed, ...(values.journal ? { journal: values.journal } : {}) });
    if (ctx.io.json) emitJson(ctx.io, { type: 'batch-started', batchId: started.batchId, journal: started.journal, resumed: started.resumed });
    else if (!ctx.io.stdout.isTTY) say(ctx.io, `${started.resumed ? 'Resuming' : 'Running'} ${positionals[0]} (journal ${started.journal})`);
    return follow(ctx, client, started.batchId);
  });
}

async function status(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { journal: { type: 'string' }, json: { type: 'boolean', default: false } }, USAGE.status);
  if (positionals.length !== 1) throw usageError('Give exactly one plan FILE.', USAGE.status);
  const { client } = ctx.engine();
  return reporting(ctx.io, async () => {
    const s = await client.call('batch.status', { path: positionals[0]!, ...(values.journal ? { journal: values.journal } : {}) });
    if (ctx.io.json) {
      emitJson(ctx.io, { type: 'result', ok: true, batchId: s.batchId, plan: s.plan, journal: s.journal, state: s.state, endReason: s.endReason, runnerPid: s.runnerPid, totals: s.totals, errorRate: s.errorRate, vms: s.vms.map(vmResult) });
    } else {
      say(ctx.io, `${s.title ?? s.plan}: ${s.runnerPid ? `running in process ${s.runnerPid}` : `not running${s.endReason ? ` (last run: ${s.endReason})` : ''}`}`);
      for (const line of summaryTable(s)) say(ctx.io, line);
    }
    return 0;
  });
}

async function exportForklift(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { out: { type: 'string' }, json: { type: 'boolean', default: false } }, USAGE.export);
  if (positionals.length !== 1) throw usageError('Give exactly one plan FILE.', USAGE.export);
  const outDir = values.out;
  if (!outDir) throw usageError('--out DIR is missing.', USAGE.export);
  const { client } = ctx.engine();
  return reporting(ctx.io, async () => {
    const result = await client.call('batch.exportForklift', { path: positionals[0]!, outDir });
    if (ctx.io.json) {
      emitJson(ctx.io, { type: 'result', ok: true, ...result });
    } else {
      say(ctx.io, `Wrote ${result.files.length} file(s) for ${result.vms} VM(s) to ${result.outDir}:`);
      for (const f of result.files) say(ctx.io, `  ${f.path}  (${f.kind} ${f.name})`);
      for (const s of result.skipped) say(ctx.io, `skipped ${s.vm}: ${s.reason}`);
      for (const n of result.notes) say(ctx.io, `note: ${n}`);
      say(ctx.io, `Apply with: sh ${result.outDir}/apply.sh   (README.txt there says what it does)`);
    }
    return 0;
  });
}

export const batchCommand: Command = {
  name: 'batch',
  summary: 'Migrate many VMs from a YAML plan: check it, run it with bounded concurrency, resume it after a crash, export it to Forklift',
  usage: ALL_USAGE,
  help: `  ${USAGE.plan}
      check the plan and print each VM's resolved settings (defaults deep-merged with the VM's
      overrides); every problem with file:line:column, exit 2. --offline: the file alone, without
      looking at the paths, networks and vCenter VMs it names
  ${USAGE.run}
      run every VM (each one job with its own record), as many at once as the plan's concurrency
      allows; a journal beside the plan (or --journal) records each VM's progress durably
  ${USAGE.resume}
      go on after a crash or a stop: finished VMs are not redone, interrupted ones start again
      (downloads resume), failed ones stay failed unless --retry-failed
  ${USAGE.status}
      each VM's state (done, failed, cancelled, queued, running), error and outputs
  ${USAGE.export}
      write the plan as Forklift resources (forklift.konveyor.io/v1beta1) and an apply.sh

On a terminal, run and resume show a live view (totals, errors per minute, one line per running
VM); otherwise one line per change. With --json: every job event and a {"type":"batch-vm",...}
line per VM change, ending with {"type":"result","ok":...,"vms":[{"name","state","error","outputs"}]}.
Ctrl-C once: start no new VM and let the running ones finish; twice: interrupt them too (they
run again on resume).

Exit codes: 0 every VM done, 1 some failed, 2 bad plan or usage, 130 stopped.`,
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    switch (sub) {
      case 'plan':
        return plan(ctx, rest);
      case 'run':
        return run(ctx, rest, 'run');
      case 'resume':
        return run(ctx, rest, 'resume');
      case 'status':
        return status(ctx, rest);
      case 'export-forklift':
        return exportForklift(ctx, rest);
      default:
        throw usageError(sub ? `There is no "batch ${sub}" command.` : 'Say what to do: plan, run, resume, status or export-forklift.', ALL_USAGE);
    }
  },
};
