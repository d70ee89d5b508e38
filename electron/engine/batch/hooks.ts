import { spawn } from 'node:child_process';
import type { ResolvedHook } from '../../../shared/contract/models/batch';
import { engineError } from '../../../shared/contract/errors';
import type { EngineError } from '../../../shared/contract/errors';
import { cancelledError, EngineFailure } from '../core/errors';
import type { LogSink } from '../core/stage';
import { lineSplitter } from '../core/tool-runner';
import './error-codes';
import { liveGroupMembers } from '../core/processes';

/**
 * Runs the site's own commands between a VM's stages. A hook is an argument list (a shell only
 * when the plan asks for one), runs in a process group of its own with the VM's facts in its
 * environment, and writes its output into the job's log. Past its timeout the whole group is
 * killed (SIGTERM, then SIGKILL) and the VM fails with HOOK_TIMEOUT; whatever the hook leaves
 * running in its group when it exits is killed too, so no hook outlives its step.
 */

/** After SIGTERM, how long a hook's group gets before SIGKILL. */
const KILL_GRACE_MS = 2000;
/** How long we wait for a killed group to be gone before reporting (it always is, after SIGKILL). */
const GONE_WAIT_MS = 10_000;
const TAIL_BYTES = 4096;

export interface HookRunOptions {
  hook: ResolvedHook;
  /** The VM's facts and the job's paths (HYPER2KVM_*). */
  env: Record<string, string>;
  signal: AbortSignal;
  log: LogSink;
  cwd?: string;
  /** Variables of this process the hook must not see (those holding passwords). */
  withhold?: readonly string[];
}

export interface HookOutcome {
  exitCode: number;
  durationMs: number;
  /** The hook failed but the plan says onFailure: warn. */
  warning: EngineError | null;
}

export async function runHook(options: HookRunOptions): Promise<HookOutcome> {
  const { hook, signal, log } = options;
  if (signal.aborted) throw new EngineFailure(cancelledError());
  const [file, ...args] = hook.command;
  const started = Date.now();
  const label = hook.point;
  log('info', `${label}: running ${hook.command.map(quote).join(' ')} (timeout ${hook.timeoutSeconds} s)`);

  const inherited = { ...process.env };
  for (const name of options.withhold ?? []) delete inherited[name];
  const child = spawn(file!, args, {
    cwd: options.cwd,
    env: { ...inherited, ...options.env, ...hook.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a timeout or a cancel reaches everything the hook started.
    detached: true,
  });
  const pid = child.pid;
  let stdoutTail = '';
  let stderrTail = '';
  const out = lineSplitter((line) => log('info', `${label}: ${line}`));
  const err = lineSplitter((line) => log('info', `${label} (stderr): ${line}`));
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdoutTail = (stdoutTail + chunk).slice(-TAIL_BYTES);
    out.push(chunk);
  });
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-TAIL_BYTES);
    err.push(chunk);
  });

  let reason: 'timeout' | 'cancel' | null = null;
  let killing: Promise<void> | null = null;
  const killGroup = (): Promise<void> => (killing ??= pid ? terminateGroup(pid) : Promise.resolve());
  const timer = setTimeout(() => {
    reason ??= 'timeout';
    void killGroup();
  }, hook.timeoutSeconds * 1000);
  const onAbort = (): void => {
    reason ??= 'cancel';
    void killGroup();
  };
  signal.addEventListener('abort', onAbort, { once: true });

  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, spawnError: error }));
    child.once('exit', (code, sig) => resolve({ code, signal: sig }));
  });
  clearTimeout(timer);
  signal.removeEventListener('abort', onAbort);
  // The hook is over: whatever it left in its group goes too (and closes our pipes).
  if (pid) await killGroup();
  await new Promise<void>((resolve) => {
    if (child.stdout.readableEnded && child.stderr.readableEnded) resolve();
    else child.once('close', () => resolve());
    setTimeout(resolve, 1000).unref();
  });
  out.flush();
  err.flush();
  const durationMs = Date.now() - started;
  const evidenceBase = {
    command: hook.command,
    exitCode: exit.code,
    signal: exit.signal,
    stderrTail: stderrTail.trim(),
    details: { hook: label, ranForMs: durationMs, timeoutSeconds: hook.timeoutSeconds, pid: pid ?? null, stdoutTail: stdoutTail.trim() },
  };

  if (reason === 'cancel') throw new EngineFailure(cancelledError());
  if (reason === 'timeout') {
    const error = engineError('HOOK_TIMEOUT', `The ${label} hook ran for ${formatSeconds(durationMs)} and did not end within its ${hook.timeoutSeconds} s timeout; its whole process group was killed.`, `Make the hook finish sooner, or give it a longer timeout in the plan (hooks.${label}[].timeout, in seconds).`, {
      ...evidenceBase,
      details: { ...evidenceBase.details, processGroupKilled: true },
    });
    log('error', error.message);
    throw new EngineFailure(error);
  }
  if (exit.spawnError || exit.code !== 0) {
    const why = exit.spawnError ? `could not start (${(exit.spawnError as NodeJS.ErrnoException).code ?? exit.spawnError.message})` : exit.code === null ? `was killed by ${exit.signal ?? 'a signal'}` : `exited with code ${exit.code}`;
    const error = engineError('HOOK_FAILED', `The ${label} hook ${why}.`, exit.spawnError ? 'Check the hook’s command: its program must exist and be executable.' : 'Its output is in the job log and below; fix the hook, or set onFailure: warn if its failure must not stop the VM.', evidenceBase);
    if (hook.onFailure === 'warn') {
      log('warn', `${error.message} The plan says onFailure: warn, so the migration goes on.`);
      return { exitCode: exit.code ?? -1, durationMs, warning: error };
    }
    log('error', error.message);
    throw new EngineFailure(error);
  }
  log('info', `${label}: done in ${formatSeconds(durationMs)}`);
  return { exitCode: 0, durationMs, warning: null };
}

/** SIGTERM to the group, SIGKILL after a grace period, then wait until the group is gone. */
async function terminateGroup(pgid: number): Promise<void> {
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + KILL_GRACE_MS;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(50);
  if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
  const gone = Date.now() + GONE_WAIT_MS;
  while (groupAlive(pgid) && Date.now() < gone) await sleep(50);
}

function groupAlive(pgid: number): boolean {
  return liveGroupMembers(pgid).length > 0;
}

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // gone meanwhile
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
