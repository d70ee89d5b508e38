import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineFailure } from '../../../electron/engine/core/errors';
import type { RunOptions, RunResult, StartOptions, ToolProcess, ToolRunner } from '../../../electron/engine/core/tool-runner';
import type { ToolName } from '../../../electron/engine/core/tools';
import { deviceLetters, GuestfishSession } from '../../../electron/engine/appliance/guestfish-session';

/**
 * A stand-in for the guestfish process that speaks its stdin protocol: numbered input lines,
 * `-cmd` lines answered by a handler, `echo` to stdout, `!echo ... >&2` to stderr, and errors
 * printed as "*stdin*:LINE: libguestfs: error: ...". It lets the session's bookkeeping be tested
 * without an appliance; the real one is exercised by the integration tests.
 */
class FakeGuestfish implements ToolProcess {
  readonly pid = 4242;
  readonly command: string[];
  readonly lines: string[] = [];
  killedWith: string | null = null;
  ended = false;
  private line = 0;
  private resolveExit!: (v: { exitCode: number | null; signal: string | null }) => void;
  readonly exited = new Promise<{ exitCode: number | null; signal: string | null }>((r) => (this.resolveExit = r));

  constructor(
    args: readonly string[],
    private readonly options: StartOptions,
    private readonly handler: (name: string, args: string[]) => string | Error,
  ) {
    this.command = ['/usr/bin/guestfish', ...args];
    options.signal?.addEventListener('abort', () => this.kill('SIGTERM'), { once: true });
  }

  write(text: string): void {
    for (const raw of text.split('\n')) {
      if (raw === '') continue;
      this.line++;
      this.lines.push(raw);
      const lineNo = this.line;
      // Answer asynchronously, stdout and stderr in separate ticks like two pipes.
      setTimeout(() => this.interpret(raw, lineNo), 0);
    }
  }

  private interpret(raw: string, lineNo: number): void {
    if (this.killedWith) return;
    if (raw.startsWith('echo ')) return this.options.onStdout?.(`${raw.slice(5)}\n`);
    if (raw.startsWith('!echo ')) return this.options.onStderr?.(`${raw.slice(6).replace(/ >&2$/, '')}\n`);
    if (raw === 'exit') return this.finish(0, null);
    const words = raw.slice(1).match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
    const [name, ...args] = words.map((w) => (w.startsWith('"') ? w.slice(1, -1) : w));
    const answer = this.handler(name!, args);
    if (answer instanceof Error) this.options.onStderr?.(`*stdin*:${lineNo}: libguestfs: error: ${answer.message}\n`);
    else if (answer) this.options.onStdout?.(`${answer}\n`);
  }

  end(): void {
    this.ended = true;
  }

  kill(sig: NodeJS.Signals = 'SIGTERM'): void {
    this.killedWith = sig;
    this.finish(null, sig);
  }

  /** Simulates the appliance dying on its own. */
  crash(): void {
    this.options.onStderr?.('qemu-system-x86_64: terminating on signal 9\n');
    this.finish(1, null);
  }

  private finish(exitCode: number | null, signal: string | null): void {
    this.resolveExit({ exitCode, signal });
  }
}

class RecordingRunner implements ToolRunner {
  readonly calls: string[][] = [];
  run(tool: ToolName, args: readonly string[], _options?: RunOptions): Promise<RunResult> {
    this.calls.push([tool, ...args]);
    // The KVM probe fails here (as on machines without usable KVM): the session forces TCG.
    if (tool === 'qemu-system-x86_64') return Promise.reject(new Error('no kvm'));
    return Promise.resolve({ command: [tool, ...args], exitCode: 0, stdout: '', stderr: '' });
  }
}

const workDirs: string[] = [];
afterAll(() => {
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
});

function open(options: { access?: 'read-only' | 'overlay'; handler?: (name: string, args: string[]) => string | Error; signal?: AbortSignal; smp?: number } = {}) {
  let fake: FakeGuestfish | null = null;
  let env: Record<string, string> | undefined;
  const tools = new RecordingRunner();
  const workDir = mkdtempSync(join(tmpdir(), 'h2k-session-test-'));
  workDirs.push(workDir);
  const promise = GuestfishSession.open({
    disks: [
      { path: '/images/web.vmdk', format: 'vmdk' },
      { path: '/images/data.raw', format: 'raw' },
    ],
    access: options.access ?? 'read-only',
    tools,
    signal: options.signal ?? new AbortController().signal,
    workDir,
    smp: options.smp ?? 1,
    start: (_tool, args, startOptions) => {
      env = startOptions.env;
      fake = new FakeGuestfish(args, startOptions, options.handler ?? ((name) => (name === 'version' ? 'major: 1' : '')));
      return fake;
    },
  });
  return { promise, tools, workDir, fake: () => fake!, env: () => env };
}

describe('GuestfishSession', () => {
  it('opens read-only: --ro, every drive readonly with its format, one launch', async () => {
    const { promise, fake, env } = open();
    const session = await promise;
    expect(fake().command).toEqual(['/usr/bin/guestfish', '--ro']);
    expect(fake().lines.filter((l) => l.startsWith('-'))).toEqual(['-add-drive "/images/web.vmdk" readonly:true format:vmdk', '-add-drive "/images/data.raw" readonly:true format:raw', '-run']);
    expect(env()).toEqual({ LIBGUESTFS_BACKEND: 'direct', LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg' });
    expect(session.drives.map((d) => [d.device, d.opened, d.openedFormat])).toEqual([
      ['/dev/sda', '/images/web.vmdk', 'vmdk'],
      ['/dev/sdb', '/images/data.raw', 'raw'],
    ]);
    expect(session.writable).toBe(false);
    expect(() => session.assertWritable()).toThrow(/read-only/);
    await session.close();
    expect(fake().lines.at(-1)).toBe('exit');
  });

  it('asks for a second vCPU when told to (off by default: it hurts on a busy host)', async () => {
    const { promise, fake } = open({ smp: 2 });
    const session = await promise;
    expect(fake().lines.filter((l) => l.startsWith('-'))).toEqual(['-add-drive "/images/web.vmdk" readonly:true format:vmdk', '-add-drive "/images/data.raw" readonly:true format:raw', '-set-smp "2"', '-run']);
    await session.close();
  });

  it('opens in overlay mode on qcow2 overlays backed by the disks, never the disks themselves', async () => {
    const { promise, fake, tools, workDir } = open({ access: 'overlay' });
    const session = await promise;
    expect(tools.calls.filter((c) => c[0] === 'qemu-img')).toEqual([
      ['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'vmdk', '-b', '/images/web.vmdk', join(workDir, 'overlay-1.qcow2')],
      ['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', '/images/data.raw', join(workDir, 'overlay-2.qcow2')],
    ]);
    expect(fake().command).toEqual(['/usr/bin/guestfish', '--rw']);
    expect(fake().lines[0]).toBe(`-add-drive "${join(workDir, 'overlay-1.qcow2')}" readonly:false format:qcow2`);
    expect(() => session.assertWritable()).not.toThrow();
    await session.close();
  });

  it('gives each command of a batch its own output and error, and keeps going after an error', async () => {
    const { promise } = open({
      handler: (name, args) => {
        if (name === 'cat' && args[0] === '/nope') return new Error('download: /nope: No such file or directory');
        if (name === 'cat') return 'file content';
        if (name === 'ls') return 'a\nb';
        return '';
      },
    });
    const session = await promise;
    const results = await session.batch([{ name: 'cat', args: ['/nope'] }, { name: 'cat', args: ['/etc/x'] }, { name: 'ls', args: ['/'] }]);
    expect(results.map((r) => [r.ok, r.output, r.error])).toEqual([
      [false, '', 'download: /nope: No such file or directory'],
      [true, 'file content', null],
      [true, 'a\nb', null],
    ]);
    await expect(session.run('cat', ['/nope'])).rejects.toMatchObject({ value: { code: 'INSPECT_COMMAND_FAILED' } });
    // Batches sent back to back are answered in order.
    const [a, b] = await Promise.all([session.run('ls', ['/']), session.run('cat', ['/etc/x'])]);
    expect([a, b]).toEqual(['a\nb', 'file content']);
    await session.close();
  });

  it('reports a failed launch with the appliance’s message and kills the process', async () => {
    const { promise, fake } = open({ handler: (name) => (name === 'run' ? new Error('/usr/bin/qemu-system-x86_64 killed by signal 6 (Aborted).') : '') });
    const error = await promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineFailure);
    expect((error as EngineFailure).value).toMatchObject({ code: 'INSPECT_LAUNCH_FAILED', kind: 'failure' });
    expect((error as EngineFailure).value.message).toContain('killed by signal 6');
    expect(fake().killedWith).toBe('SIGKILL');
  });

  it('fails the pending batch with INSPECT_SESSION_LOST when the appliance dies', async () => {
    const { promise, fake } = open({ handler: (name) => (name === 'inspect-os' ? '' : '') });
    const session = await promise;
    const pending = session.batch([{ name: 'inspect-os' }]);
    fake().crash();
    await expect(pending).rejects.toMatchObject({ value: { code: 'INSPECT_SESSION_LOST' } });
    expect(session.alive).toBe(false);
    await expect(session.batch([{ name: 'ls', args: ['/'] }])).rejects.toMatchObject({ value: { code: 'INSPECT_SESSION_LOST' } });
  });

  it('an abort kills the process group and turns the pending batch into CANCELLED', async () => {
    const controller = new AbortController();
    const { promise, fake } = open({ signal: controller.signal, handler: (name) => (name === 'inspect-os' ? '' : '') });
    const session = await promise;
    const pending = session.batch([{ name: 'inspect-os' }]);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ value: { code: 'CANCELLED' } });
    expect(fake().killedWith).toBe('SIGTERM');
  });

  it.each([
    [0, 'a'],
    [25, 'z'],
    [26, 'aa'],
    [27, 'ab'],
    [701, 'zz'],
  ])('drive %i is sd%s', (index, letters) => {
    expect(deviceLetters(index)).toBe(letters);
  });
});
