import { execa } from 'execa';
import { fail, EngineFailure, cancelledError } from './errors';
import { requireTool } from './tools';
import type { ToolName } from './tools';

export interface RunOptions {
  signal?: AbortSignal;
  cwd?: string;
  /** Extra environment variables; the rest of the environment is inherited. */
  env?: Record<string, string>;
  /** Text written to the tool's stdin (then closed). */
  input?: string;
  /** Called for each line of stdout / stderr; `\r` ends a line too (progress output). */
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** Exit codes that count as success (default [0]). */
  okExitCodes?: readonly number[];
  /** Error code used when the tool fails (default TOOL_FAILED). */
  failureCode?: string;
  /** What the user should do when it fails (default: a generic hint naming the tool). */
  failureHint?: string;
  /** Largest stdout kept in memory, in bytes (default 64 MiB). */
  maxStdoutBytes?: number;
}

export interface RunResult {
  command: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** How much of stderr an error keeps as evidence. */
const STDERR_TAIL_BYTES = 4096;
/** After SIGTERM, how long a tool gets to exit before SIGKILL. */
const KILL_GRACE_MS = 3000;

/**
 * Runs external tools. The engine only ever calls tools through here, so that every failure
 * carries its evidence and every cancellation kills the tool's whole process group (qemu
 * appliances and helpers included), leaving no stray processes.
 */
export interface ToolRunner {
  run(tool: ToolName, args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

export class LocalToolRunner implements ToolRunner {
  async run(tool: ToolName, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return runCommand(requireTool(tool), args, options);
  }
}

/** Runs an executable given by absolute path. Prefer `ToolRunner.run` with a tool name. */
export async function runCommand(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { signal } = options;
  const command = [file, ...args];
  if (signal?.aborted) throw new EngineFailure(cancelledError());

  const child = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    buffer: false,
    reject: false,
    // A process group of its own, so cancellation reaches the tool's children too.
    detached: true,
    cleanup: true,
    stripFinalNewline: false,
  });

  const maxStdout = options.maxStdoutBytes ?? 64 * 1024 * 1024;
  let stdout = '';
  let stdoutOverflow = false;
  let stderrTail = '';
  let stderrAll = '';
  const stdoutLines = lineSplitter(options.onStdoutLine);
  const stderrLines = lineSplitter(options.onStderrLine);

  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    if (stdout.length + chunk.length <= maxStdout) stdout += chunk;
    else stdoutOverflow = true;
    stdoutLines.push(chunk);
  });
  child.stderr?.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    if (stderrAll.length < maxStdout) stderrAll += chunk;
    stderrLines.push(chunk);
  });

  let aborted = false;
  const onAbort = (): void => {
    aborted = true;
    killGroup(child.pid, 'SIGTERM');
    setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  let result: Awaited<typeof child>;
  try {
    result = await child;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stdoutLines.flush();
    stderrLines.flush();
  }

  if (aborted || signal?.aborted) throw new EngineFailure(cancelledError());

  if (result.failed && result.exitCode === undefined) {
    // The tool could not be started at all (ENOENT, EACCES...).
    return fail('TOOL_FAILED', `Could not start ${basename(file)}: ${result.shortMessage ?? 'unknown reason'}.`, `Check that ${file} is installed and executable.`, {
      command,
      exitCode: null,
    });
  }

  const exitCode = result.exitCode ?? -1;
  const ok = (options.okExitCodes ?? [0]).includes(exitCode);
  if (!ok) {
    const tool = basename(file);
    const lastLine = lastMeaningfulLine(stderrTail) ?? `exit code ${exitCode}`;
    fail(options.failureCode ?? 'TOOL_FAILED', `${tool} failed: ${lastLine}`, options.failureHint ?? `See the ${tool} output below for the reason.`, {
      command,
      exitCode,
      signal: result.signal ?? null,
      stderrTail: stderrTail.trim(),
    });
  }
  if (stdoutOverflow) {
    fail('TOOL_FAILED', `${basename(file)} printed more output than expected.`, 'This is unexpected; please report it.', { command, exitCode });
  }
  return { command, exitCode, stdout, stderr: stderrAll };
}

function killGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}

function basename(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

function lastMeaningfulLine(text: string): string | undefined {
  const lines = text.split(/[\r\n]+/).map((l) => l.trim()).filter(Boolean);
  return lines.at(-1);
}

/** Feeds chunks, calls back once per complete line (split on \n and \r). */
export function lineSplitter(onLine?: (line: string) => void): { push(chunk: string): void; flush(): void } {
  let rest = '';
  return {
    push(chunk) {
      if (!onLine) return;
      rest += chunk;
      const parts = rest.split(/\r\n|\r|\n/);
      rest = parts.pop() ?? '';
      for (const part of parts) onLine(part);
    },
    flush() {
      if (onLine && rest) onLine(rest);
      rest = '';
    },
  };
}

/** A tool that keeps running while the caller talks to it over stdin (guestfish, for one). */
export interface ToolProcess {
  readonly pid: number;
  readonly command: readonly string[];
  /** Writes to the tool's stdin. */
  write(text: string): void;
  /** Closes stdin (most interactive tools exit then). */
  end(): void;
  /** Signals the whole process group (the tool and everything it started). */
  kill(sig?: NodeJS.Signals): void;
  /** Settles when the tool has exited; never rejects. */
  readonly exited: Promise<{ exitCode: number | null; signal: string | null }>;
}

export interface StartOptions {
  signal?: AbortSignal;
  cwd?: string;
  env?: Record<string, string>;
  /** Raw stdout / stderr text as it arrives (UTF-8, possibly several lines per call). */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
}

const liveGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * Starts a long-lived tool in its own process group. An abort (and the Node process exiting)
 * kills the group, so an appliance is never left behind by a cancelled or crashed job.
 */
export function startTool(tool: ToolName, args: readonly string[], options: StartOptions = {}): ToolProcess {
  const file = requireTool(tool);
  const command = [file, ...args];
  if (options.signal?.aborted) throw new EngineFailure(cancelledError());
  const child = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    stdin: 'pipe',
    buffer: false,
    reject: false,
    detached: true,
    cleanup: true,
  });
  const pid = child.pid;
  if (pid === undefined) {
    return fail('TOOL_FAILED', `Could not start ${basename(file)}.`, `Check that ${file} is installed and executable.`, { command, exitCode: null });
  }
  liveGroups.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const group of liveGroups) killGroup(group, 'SIGKILL');
    });
  }
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => options.onStdout?.(chunk));
  child.stderr?.on('data', (chunk: string) => options.onStderr?.(chunk));
  child.stdin?.on('error', () => undefined);

  const kill = (sig: NodeJS.Signals = 'SIGTERM'): void => {
    killGroup(pid, sig);
    if (sig !== 'SIGKILL') setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS).unref();
  };
  const onAbort = (): void => kill();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const exited = child.then(
    (result) => ({ exitCode: result.exitCode ?? null, signal: result.signal ?? null }),
    () => ({ exitCode: null, signal: null }),
  );
  void exited.then(() => {
    liveGroups.delete(pid);
    options.signal?.removeEventListener('abort', onAbort);
    // Whatever the tool left in its group (a forked helper) goes with it.
    killGroup(pid, 'SIGKILL');
  });
  return {
    pid,
    command,
    write: (text) => {
      child.stdin?.write(text);
    },
    end: () => {
      child.stdin?.end();
    },
    kill,
    exited,
  };
}
