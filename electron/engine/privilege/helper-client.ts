import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { engineError } from '../../../shared/contract/errors';
import type { EngineError } from '../../../shared/contract/errors';
import { HELPER_MAX_LINE_BYTES, HELPER_OPS, HELPER_PROTOCOL_VERSION, HelperMessage } from '../../../shared/contract/helper';
import type { HelperDiskLocator, HelperHello, HelperOpName, HelperParams, HelperValue } from '../../../shared/contract/helper';
import type { DiskLocator } from '../../../shared/contract/models/source';
import { cancelledError, EngineFailure, fail } from '../core/errors';
import { requireTool } from '../core/tools';
import type { DiskOps } from './disk-ops';
import { HELPER_PROTOCOL, HELPER_REQUEST_TOO_LARGE } from './error-codes';
import { LineReader } from './line-reader';

/**
 * The engine's side of the privileged helper: implements the DiskOps port by sending requests
 * to electron/helper over its stdin and reading progress and results from its stdout.
 *
 * The helper is started once per app session (`pkexec <helper>`: one password prompt) and lives
 * until close(). The helper is a long-lived protocol peer rather than a tool run, so it is spawned
 * here and not through the tool runner; pkexec's path still comes from the tool registry.
 */

/** Where the packaged helper launcher is installed; the polkit policy's exec.path names it. */
export const PACKAGED_HELPER_PATH = '/opt/hyper2kvm/resources/helper/hyper2kvm-helper';

export interface OpenHelperOptions {
  /**
   * The helper's command line: the packaged launcher ([PACKAGED_HELPER_PATH]), whose path the
   * polkit policy names, or [node, dist/helper/helper.mjs] in development. Absolute paths.
   */
  command: readonly string[];
  /** Start it through pkexec (the app runs as a user) or directly (the app already runs as root). */
  elevate: boolean;
  /** Extra environment for a direct start (tests). pkexec wipes the environment anyway. */
  env?: Record<string, string>;
  /** How long to wait for the helper to answer hello; it includes the time the user takes to type a password. */
  startTimeoutMs?: number;
  /** The helper's stderr, line by line (its log). */
  onLog?: (line: string) => void;
}

export interface HelperDiskOps extends DiskOps {
  readonly hello: HelperHello;
  /** Ends the session: closes stdin, the helper cancels what runs and exits. */
  close(): Promise<void>;
  /** Resolves when the helper process has exited (for whatever reason). */
  readonly exited: Promise<void>;
}

const DEFAULT_START_TIMEOUT_MS = 5 * 60_000;
const CLOSE_TIMEOUT_MS = 15_000;
const STDERR_TAIL_BYTES = 4096;

export async function openHelper(options: OpenHelperOptions): Promise<HelperDiskOps> {
  const [program, ...args] = options.command;
  if (!program?.startsWith('/')) fail('INVALID_REQUEST', 'The helper must be named by an absolute path.', 'This is a bug in how the app locates its helper.');
  const file = options.elevate ? requireTool('pkexec') : program;
  const argv = options.elevate ? [program, ...args] : args;
  const connection = new HelperConnection(file, argv, options);
  const hello = await connection.handshake(options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  return {
    privileged: true,
    hello,
    exited: connection.exited,
    convert: async (request, { signal, onFraction }) => {
      await connection.call(
        'disk.convert',
        { source: toWireLocator(request.source), sourceFormat: request.sourceFormat, output: request.output, format: request.format, compress: request.compress },
        { signal, onProgress: onFraction },
      );
    },
    check: (path, { signal }) => connection.call('disk.check', { path, format: 'qcow2' }, { signal }),
    finalize: async (partial, final, overwrite) => {
      await connection.call('file.finalize', { partial, final, overwrite }, {});
    },
    remove: async (path) => {
      await connection.call('file.remove', { path }, {});
    },
    close: () => connection.close(),
  };
}

/**
 * The helper for a whole app session: opened when a job first needs it (one password prompt),
 * then shared by every job; opened again only if it went away (it died, or the user dismissed
 * the prompt and tries again). This is what the engine's `elevate` option expects.
 */
export function helperSession(options: OpenHelperOptions): { elevate(): Promise<HelperDiskOps>; close(): Promise<void> } {
  let current: Promise<HelperDiskOps> | null = null;
  let alive = false;
  return {
    elevate() {
      if (current && alive) return current;
      const opening = openHelper(options).then(
        (ops) => {
          alive = true;
          void ops.exited.then(() => {
            alive = false;
          });
          return ops;
        },
        (error: unknown) => {
          current = null;
          throw error;
        },
      );
      current = opening;
      alive = true;
      return opening;
    },
    async close() {
      const open = current;
      current = null;
      if (open) await open.then((ops) => ops.close(), () => undefined);
    },
  };
}

/** Only the fields the wire protocol knows: the helper refuses anything extra. */
function toWireLocator(locator: DiskLocator): unknown {
  if (locator.type === 'file') return { type: 'file', path: locator.path };
  const { archive, member, offset, size, format } = locator;
  return { type: 'tar-member', archive, member, offset, size, format } satisfies Record<keyof Extract<HelperDiskLocator, { type: 'tar-member' }>, unknown>;
}

interface Pending {
  op: HelperOpName;
  resolve(value: unknown): void;
  reject(error: EngineFailure): void;
  onProgress?: (fraction: number) => void;
}

interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/** One helper process and the requests in flight on it. */
export class HelperConnection {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail = '';
  private ended: EngineError | null = null;
  private closing = false;
  readonly exited: Promise<void>;

  constructor(
    file: string,
    args: readonly string[],
    private readonly options: Pick<OpenHelperOptions, 'elevate' | 'env' | 'onLog' | 'command'>,
  ) {
    this.child = spawn(file, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.elevate ? process.env : { ...process.env, ...options.env },
    });
    const stdout = new LineReader(HELPER_MAX_LINE_BYTES, {
      line: (text) => this.onLine(text),
      oversized: (_head, bytes) => this.options.onLog?.(`helper wrote a ${bytes}-byte line; ignored`),
      invalid: () => this.options.onLog?.('helper wrote a line that is not UTF-8; ignored'),
    });
    this.child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    const stderr = new LineReader(HELPER_MAX_LINE_BYTES, {
      line: (text) => {
        this.stderrTail = `${this.stderrTail}${text}\n`.slice(-STDERR_TAIL_BYTES);
        this.options.onLog?.(text);
      },
      oversized: () => undefined,
      invalid: () => undefined,
    });
    this.child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A helper that died mid-write must not crash the app with EPIPE.
    this.child.stdin.on('error', () => undefined);

    this.exited = new Promise((resolve) => {
      this.child.on('error', (error) => {
        this.finish(engineError('HELPER_FAILED', `Could not start the privileged helper: ${error.message}.`, `Check that ${file} is installed and executable.`, { command: [file, ...args] }));
        resolve();
      });
      this.child.on('close', (code, signal) => {
        stdout.end();
        stderr.end();
        this.finish(this.exitError(code, signal));
        resolve();
      });
    });
  }

  /** Waits for the helper to answer hello, and checks it is the helper we expect, running as root. */
  async handshake(timeoutMs: number): Promise<HelperHello> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new EngineFailure(engineError('HELPER_FAILED', `The privileged helper did not answer within ${Math.round(timeoutMs / 1000)} s.`, 'If a password prompt is open, answer it; otherwise check the helper log.', this.evidence())));
      }, timeoutMs);
    });
    try {
      const hello = await Promise.race([this.call('app.hello', {}, {}), timeout]);
      if (hello.protocol !== HELPER_PROTOCOL_VERSION) {
        fail(HELPER_PROTOCOL, `The privileged helper speaks protocol ${hello.protocol}, the app speaks ${HELPER_PROTOCOL_VERSION}.`, 'Reinstall the app so that the app and its helper are the same version.', this.evidence());
      }
      if (hello.euid !== 0) {
        fail('PRIVILEGE_DENIED', `The privileged helper runs as user ${hello.euid}, not as root.`, 'Reinstall the app; its helper must be started through pkexec.', this.evidence());
      }
      return hello;
    } catch (error) {
      await this.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  call<K extends HelperOpName>(op: K, params: HelperParams<K> | Record<string, unknown>, options: CallOptions): Promise<HelperValue<K>> {
    if (this.ended) return Promise.reject(new EngineFailure(this.ended));
    if (this.closing) return Promise.reject(new EngineFailure(engineError('HELPER_FAILED', 'The privileged helper session is closed.', 'Start the job again.')));
    if (options.signal?.aborted) return Promise.reject(new EngineFailure(cancelledError()));
    const id = this.nextId++;
    const line = `${JSON.stringify({ v: HELPER_PROTOCOL_VERSION, id, op, params })}\n`;
    if (Buffer.byteLength(line) > HELPER_MAX_LINE_BYTES) {
      return Promise.reject(new EngineFailure(engineError(HELPER_REQUEST_TOO_LARGE, `The ${op} request is too large for the helper (${Buffer.byteLength(line)} bytes).`, 'Use shorter paths.')));
    }
    return new Promise<HelperValue<K>>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.pending.has(id)) this.child.stdin.write(`${JSON.stringify({ v: HELPER_PROTOCOL_VERSION, type: 'cancel', id })}\n`);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        op,
        resolve: (value) => {
          options.signal?.removeEventListener('abort', onAbort);
          resolve(value as HelperValue<K>);
        },
        reject: (error) => {
          options.signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      this.child.stdin.write(line);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.child.stdin.end();
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS);
    });
    const outcome = await Promise.race([this.exited, gaveUp]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      // Only works while pkexec has not yet become the helper (a root process is out of our reach).
      this.child.kill('SIGTERM');
      this.options.onLog?.('helper did not exit after its stdin closed');
    }
  }

  private onLine(text: string): void {
    if (text.trim() === '') return;
    let parsed;
    try {
      parsed = HelperMessage.safeParse(JSON.parse(text));
    } catch {
      this.options.onLog?.(`helper wrote something that is not JSON: ${text.slice(0, 200)}`);
      return;
    }
    if (!parsed.success) {
      this.options.onLog?.(`helper wrote an unexpected message: ${text.slice(0, 200)}`);
      return;
    }
    const message = parsed.data;
    if (message.id === null) {
      // The helper could not attribute one of our lines: a bug on our side, worth a log line.
      if (message.type === 'result' && !message.ok) this.options.onLog?.(`helper refused a line: ${message.error.code} ${message.error.message}`);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.type === 'progress') {
      pending.onProgress?.(message.fraction);
      return;
    }
    this.pending.delete(message.id);
    if (!message.ok) {
      pending.reject(new EngineFailure(message.error));
      return;
    }
    const value = HELPER_OPS[pending.op].value.safeParse(message.value);
    if (!value.success) {
      pending.reject(new EngineFailure(engineError(HELPER_PROTOCOL, `The privileged helper answered ${pending.op} with something unexpected.`, 'Reinstall the app so that the app and its helper are the same version.', { details: { value: text.slice(0, 500) } })));
      return;
    }
    pending.resolve(value.data);
  }

  /** Every request still waiting fails with the reason the helper went away. */
  private finish(error: EngineError): void {
    this.ended ??= error;
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.reject(new EngineFailure(this.ended));
    }
  }

  private exitError(code: number | null, signal: NodeJS.Signals | null): EngineError {
    if (this.closing && code === 0) return engineError('HELPER_FAILED', 'The privileged helper session is closed.', 'Start the job again.');
    return helperExitError({ code, signal, stderrTail: this.stderrTail, elevated: this.options.elevate, command: [...this.options.command] });
  }

  private evidence(): { command: string[]; stderrTail: string } {
    return { command: [...this.options.command], stderrTail: this.stderrTail.trim() };
  }
}

/**
 * What it means when the helper process ends. pkexec exits 126 when the user dismissed the
 * password dialog and 127 when it would not or could not ask (not authorised, no agent, no
 * polkit); its stderr says which.
 */
export function helperExitError(exit: { code: number | null; signal: NodeJS.Signals | null; stderrTail: string; elevated: boolean; command: string[] }): EngineError {
  const evidence = { command: exit.command, exitCode: exit.code, signal: exit.signal, stderrTail: exit.stderrTail.trim() };
  const otherDestination = 'or choose a destination folder you can write to, which needs no administrator rights.';
  if (exit.elevated && exit.code === 126) {
    return engineError('PRIVILEGE_DENIED', 'The request for administrator rights was dismissed.', `Start the job again and enter an administrator password when asked, ${otherDestination}`, evidence);
  }
  if (exit.elevated && exit.code === 127) {
    const stderr = exit.stderrTail;
    if (/No authentication agent found|Error creating textual authentication agent/i.test(stderr)) {
      return engineError('PRIVILEGE_DENIED', 'Administrator rights are needed, but no polkit authentication agent is running to ask for the password.', `Run the app in a desktop session (it provides the agent) or start one (e.g. pkttyagent), ${otherDestination}`, evidence);
    }
    if (/Error getting authority|Cannot connect to the polkit|Could not connect/i.test(stderr)) {
      return engineError('PRIVILEGE_DENIED', 'Administrator rights are needed, but polkit is not running.', `Start the polkit service (polkitd and the system D-Bus), ${otherDestination}`, evidence);
    }
    if (/Error accessing|Cannot run program|No such file or directory/i.test(stderr)) {
      return engineError('HELPER_FAILED', 'The privileged helper is not installed where the app expects it.', 'Reinstall the app (the deb/rpm package installs the helper and its polkit policy).', evidence);
    }
    return engineError('PRIVILEGE_DENIED', 'You are not authorised to run the hyper2kvm helper as administrator.', `Ask an administrator to allow the action org.hyper2kvm.helper for you, ${otherDestination}`, evidence);
  }
  const how = exit.signal ? `was killed by ${exit.signal}` : `stopped with exit code ${exit.code}`;
  const lastLine = exit.stderrTail.trim().split('\n').at(-1);
  return engineError('HELPER_FAILED', `The privileged helper ${how}${lastLine ? `: ${lastLine}` : '.'}`, 'Start the job again; if it keeps failing, the helper log below says why.', evidence);
}
