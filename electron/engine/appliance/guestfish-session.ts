import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { EngineFailure, cancelledError, fail } from '../core/errors';
import type { LogSink } from '../core/stage';
import { startTool } from '../core/tool-runner';
import type { StartOptions, ToolProcess, ToolRunner } from '../core/tool-runner';
import type { ToolName } from '../core/tools';
import { applianceEnv } from '../core/accel';
import { INSPECT_COMMAND_FAILED, INSPECT_DISK_UNREADABLE, INSPECT_LAUNCH_FAILED, INSPECT_READ_ONLY, INSPECT_SESSION_LOST } from './error-codes';
import { BatchCollector, buildBatch, parseLines } from './guestfish-protocol';
import type { GfCommand, GfResult } from './guestfish-protocol';

/**
 * One libguestfs appliance for a whole job. Launching costs ~30 s under TCG, so the inspection
 * runs every command through one guestfish process, and the session stays open for the repair
 * stage that follows.
 *
 * Access modes (chosen when the session opens: drives cannot be added to a running appliance):
 *  - read-only: guestfish --ro, every drive added readonly:true. Inspecting a source (a VMDK
 *    from VMware) always uses this: nothing can write to it.
 *  - overlay: every drive is a fresh qcow2 overlay (in the job folder) backed by the disk; the
 *    appliance may write, the disk itself never changes. For repairs previewed before applying,
 *    or on a source.
 *  - read-write: the drives themselves are writable. Only for images this job created (the
 *    converted output), never for a source.
 */

export type DiskAccess = 'read-only' | 'overlay' | 'read-write';

export interface SessionDisk {
  path: string;
  /** Always given explicitly: libguestfs must not guess (a raw image could claim to be qcow2). */
  format: string;
}

export interface SessionDrive extends SessionDisk {
  /** Device name inside the appliance: /dev/sda, /dev/sdb, ... in the order added. */
  device: string;
  /** What the appliance actually opened (the overlay in overlay mode). */
  opened: string;
  openedFormat: string;
}

export interface SessionOptions {
  disks: readonly SessionDisk[];
  access: DiskAccess;
  tools: ToolRunner;
  signal: AbortSignal;
  /** Folder for overlays and downloads (the job folder); created if missing. */
  workDir: string;
  log?: LogSink;
  /**
   * vCPUs for the appliance (default 1, or HYPER2KVM_APPLIANCE_SMP). Measured here under TCG on
   * 2 cores: a second vCPU made launch + inspect-os ~9% faster on an idle host, but the whole
   * inspection 1.2–2.4× slower while other guests kept the host busy (vCPU threads descheduled
   * inside guest spinlocks), so it is not the default.
   */
  smp?: number;
  /** Appliance memory in MiB (libguestfs default when absent). */
  memsizeMiB?: number;
  /** How the long-running process is started (tests inject a fake; default: the core's startTool). */
  start?: (tool: ToolName, args: readonly string[], options: StartOptions) => ToolProcess;
}

interface PendingBatch {
  collector: BatchCollector;
  resolve: (results: GfResult[]) => void;
  reject: (error: unknown) => void;
}

const STDERR_TAIL = 4096;

export class GuestfishSession {
  private lineNo = 1;
  private batchNo = 0;
  private readonly nonce = randomBytes(6).toString('hex');
  private queue: Promise<unknown> = Promise.resolve();
  private pending: PendingBatch | null = null;
  private stdoutCarry = '';
  private stderrCarry = '';
  private stderrTail = '';
  private exitedState: { exitCode: number | null; signal: string | null } | null = null;
  private closing = false;
  /** Milliseconds the appliance took to launch. */
  launchMs = 0;
  private downloads = 0;

  private constructor(
    private readonly proc: ToolProcess,
    readonly drives: readonly SessionDrive[],
    readonly access: DiskAccess,
    readonly workDir: string,
    private readonly signal: AbortSignal,
    private readonly log: LogSink,
  ) {
    void proc.exited.then((state) => {
      this.exitedState = state;
      const pending = this.pending;
      this.pending = null;
      if (!pending) return;
      if (this.signal.aborted) pending.reject(new EngineFailure(cancelledError()));
      else
        pending.reject(
          new EngineFailure({
            code: INSPECT_SESSION_LOST,
            kind: 'failure',
            message: 'The inspection appliance stopped unexpectedly.',
            hint: 'Run the inspection again; if it keeps failing, run libguestfs-test-tool and look at its output.',
            evidence: { command: [...proc.command], exitCode: state.exitCode, signal: state.signal, stderrTail: this.stderrTail.trim() },
          }),
        );
    });
  }

  /** Starts guestfish, adds the drives and launches the appliance. */
  static async open(options: SessionOptions): Promise<GuestfishSession> {
    const log = options.log ?? (() => undefined);
    const workDir = resolve(options.workDir);
    await mkdir(workDir, { recursive: true });
    const drives: SessionDrive[] = [];
    for (const [i, disk] of options.disks.entries()) {
      const device = `/dev/sd${deviceLetters(i)}`;
      if (options.access === 'overlay') {
        const overlay = join(workDir, `overlay-${i + 1}.qcow2`);
        await options.tools.run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', disk.format, '-b', resolve(disk.path), overlay], { signal: options.signal });
        drives.push({ ...disk, device, opened: overlay, openedFormat: 'qcow2' });
      } else {
        drives.push({ ...disk, device, opened: resolve(disk.path), openedFormat: disk.format });
      }
    }
    const env = await applianceEnv(options.tools);
    const start = options.start ?? startTool;
    let session: GuestfishSession | null = null;
    const proc = start('guestfish', options.access === 'read-only' ? ['--ro'] : ['--rw'], {
      signal: options.signal,
      env,
      onStdout: (chunk) => session?.onStdout(chunk),
      onStderr: (chunk) => session?.onStderr(chunk),
    });
    session = new GuestfishSession(proc, drives, options.access, workDir, options.signal, log);

    const setup: GfCommand[] = drives.map((d) => ({
      name: 'add-drive',
      args: [d.opened],
      opts: { readonly: options.access === 'read-only', format: d.openedFormat },
    }));
    const smp = options.smp ?? applianceSmp();
    if (smp > 1) setup.push({ name: 'set-smp', args: [String(smp)] });
    if (options.memsizeMiB) setup.push({ name: 'set-memsize', args: [String(options.memsizeMiB)] });
    const started = Date.now();
    try {
      const added = await session.batch(setup);
      const bad = added.find((r) => !r.ok);
      if (bad) fail(INSPECT_DISK_UNREADABLE, `The appliance cannot open ${bad.command.args?.[0] ?? 'a disk'}: ${bad.error}`, 'Check that the file is a disk image of the format given.', { details: { error: bad.error } });
      log('info', `Starting the inspection appliance (${drives.length} disk${drives.length === 1 ? '' : 's'}, ${options.access}, ${env.LIBGUESTFS_BACKEND_SETTINGS ? 'TCG' : 'KVM if available'})`);
      const [launch] = await session.batch([{ name: 'run' }]);
      if (!launch?.ok) {
        fail(INSPECT_LAUNCH_FAILED, `The inspection appliance did not start: ${firstLine(launch?.error)}`, 'Run libguestfs-test-tool to see why the appliance fails here.', {
          command: [...proc.command, 'run'],
          stderrTail: (launch?.error ?? session.stderrTail).slice(-STDERR_TAIL),
        });
      }
    } catch (error) {
      await session.kill();
      throw error;
    }
    session.launchMs = Date.now() - started;
    log('info', `Appliance ready in ${(session.launchMs / 1000).toFixed(1)} s`);
    return session;
  }

  get writable(): boolean {
    return this.access !== 'read-only';
  }

  get alive(): boolean {
    return this.exitedState === null && !this.closing;
  }

  /** Runs commands in one round trip; each result says whether it failed (nothing throws for that). */
  batch(commands: readonly GfCommand[]): Promise<GfResult[]> {
    const run = async (): Promise<GfResult[]> => {
      if (this.signal.aborted) throw new EngineFailure(cancelledError());
      if (this.exitedState || this.closing) {
        fail(INSPECT_SESSION_LOST, 'The inspection appliance is no longer running.', 'Run the inspection again.', { stderrTail: this.stderrTail.trim() });
      }
      const sentAt = Date.now();
      const script = buildBatch(commands, this.nonce, this.batchNo++, this.lineNo);
      this.lineNo = script.nextLine;
      const results = await new Promise<GfResult[]>((resolvePromise, reject) => {
        const collector = new BatchCollector(script, commands);
        this.pending = {
          collector,
          resolve: resolvePromise,
          reject,
        };
        this.proc.write(script.text);
        // Output that arrived before this batch was registered (none normally) is fed now.
        const out = this.stdoutCarry;
        const err = this.stderrCarry;
        this.stdoutCarry = '';
        this.stderrCarry = '';
        if (out) this.onStdout(out);
        if (err) this.onStderr(err);
      });
      const names = [...new Set(commands.map((c) => c.name))].join(', ');
      this.log('debug', `guestfish: ${commands.length} command(s) in ${Date.now() - sentAt} ms (${names})`);
      return results;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** One command whose failure is an error for the caller. */
  async run(name: string, args: readonly string[] = [], opts?: GfCommand['opts']): Promise<string> {
    const [result] = await this.batch([{ name, args, ...(opts ? { opts } : {}) }]);
    if (!result?.ok) {
      fail(INSPECT_COMMAND_FAILED, `guestfish ${name} failed: ${firstLine(result?.error)}`, 'See the evidence for the appliance’s message.', {
        command: ['guestfish', name, ...args],
        stderrTail: result?.error ?? '',
      });
    }
    return result.output;
  }

  /** Refuses writes on a read-only session (the repair stage calls this before changing anything). */
  assertWritable(): void {
    if (!this.writable) fail(INSPECT_READ_ONLY, 'This inspection session is read-only.', 'Open the session in overlay mode for repairs; sources are never written.');
  }

  /** A fresh path in the session's download folder. */
  async scratchPath(name: string): Promise<string> {
    const dir = join(this.workDir, 'guest-files');
    await mkdir(dir, { recursive: true });
    return join(dir, `${++this.downloads}-${name.replace(/[^A-Za-z0-9._-]/g, '_')}`);
  }

  /** Removes what the session downloaded (not the overlays: a later stage may need them). */
  async removeScratch(): Promise<void> {
    await rm(join(this.workDir, 'guest-files'), { recursive: true, force: true });
  }

  /**
   * Overlay mode, after close(): writes what the appliance wrote into the disks themselves
   * (`qemu-img commit`: only the clusters that changed, so seconds for a repair's megabytes) and
   * removes the overlays. Until then the disks are exactly as they were: a repair that fails
   * half-way is simply never committed.
   */
  async commitOverlays(tools: ToolRunner, signal: AbortSignal): Promise<void> {
    if (this.access !== 'overlay') fail(INSPECT_READ_ONLY, 'Only an overlay session has writes to commit.', 'Open the session in overlay mode.');
    if (this.alive) fail(INSPECT_COMMAND_FAILED, 'The appliance must be closed before its writes are committed.', 'Close the session first.');
    for (const drive of this.drives) {
      await tools.run('qemu-img', ['commit', '-q', '-f', 'qcow2', drive.opened], { signal, failureCode: INSPECT_COMMAND_FAILED, failureHint: 'The repaired blocks could not be written into the disk; it is as it was before the repair.' });
      await rm(drive.opened, { force: true });
    }
  }

  /** Overlay mode: drops everything the appliance wrote (dry runs, skipped or failed repairs). */
  async discardOverlays(): Promise<void> {
    if (this.access !== 'overlay') return;
    await Promise.all(this.drives.map((d) => rm(d.opened, { force: true })));
  }

  /** Mounted file systems, as "device → mountpoint". */
  async mounts(): Promise<string[]> {
    return parseLines(await this.run('mounts'));
  }

  /** Shuts the appliance down cleanly (guestfish exits, taking qemu with it). */
  async close(): Promise<void> {
    if (this.exitedState) return;
    this.closing = true;
    this.proc.write('exit\n');
    this.proc.end();
    const timer = setTimeout(() => this.proc.kill('SIGTERM'), 15_000);
    timer.unref();
    await this.proc.exited;
    clearTimeout(timer);
  }

  /** Kills the appliance's process group at once (abort, failure). */
  async kill(): Promise<void> {
    if (this.exitedState) return;
    this.closing = true;
    this.proc.kill('SIGKILL');
    await this.proc.exited;
  }

  private onStdout(chunk: string): void {
    const pending = this.pending;
    if (!pending) {
      this.stdoutCarry += chunk;
      return;
    }
    const rest = pending.collector.feedStdout(chunk);
    if (rest) this.stdoutCarry += rest;
    this.settle(pending);
  }

  private onStderr(chunk: string): void {
    this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL);
    const pending = this.pending;
    if (!pending) {
      this.stderrCarry += chunk;
      return;
    }
    const rest = pending.collector.feedStderr(chunk);
    if (rest) this.stderrCarry += rest;
    this.settle(pending);
  }

  private settle(pending: PendingBatch): void {
    if (!pending.collector.complete || this.pending !== pending) return;
    this.pending = null;
    const results = pending.collector.results();
    for (const line of pending.collector.unattributed) this.log('debug', `guestfish: ${line}`);
    pending.resolve(results);
  }
}

/** HYPER2KVM_APPLIANCE_SMP asks for more vCPUs (an idle multi-core host), capped at the host's cores. */
function applianceSmp(): number {
  const asked = Number(process.env.HYPER2KVM_APPLIANCE_SMP);
  if (Number.isInteger(asked) && asked >= 1) return Math.min(asked, availableParallelism());
  return 1;
}

/** a..z, aa..az, ... as the kernel names SCSI disks. */
export function deviceLetters(index: number): string {
  let n = index;
  let out = '';
  do {
    out = String.fromCharCode(97 + (n % 26)) + out;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return out;
}

function firstLine(text: string | null | undefined): string {
  return (text ?? 'no message').split('\n')[0] ?? '';
}
