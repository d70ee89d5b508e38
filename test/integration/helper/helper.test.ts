import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELPER_MAX_LINE_BYTES } from '../../../shared/contract/helper';
import type { EngineError } from '../../../shared/contract/errors';
import { EngineFailure } from '../../../electron/engine/core/errors';
import { runCommand } from '../../../electron/engine/core/tool-runner';
import { helperSession, openHelper } from '../../../electron/engine/privilege/helper-client';
import type { HelperDiskOps } from '../../../electron/engine/privilege/helper-client';
import { runTool } from '../../fixtures/tools';
import { bigRandomDisk, helperScript, makeAllowedRoot, processesMentioning, RawHelper, smallVmdk } from './helper-process';
import type { AllowedRoot } from './helper-process';

/**
 * The helper run directly (we are root here, as pkexec would make it) over its stdin/stdout:
 * every refusal the design promises, a real conversion, an in-band cancel, and the helper dying
 * under its client. The pkexec path itself is in pkexec.test.ts.
 */

let base: string;
let allowed: AllowedRoot;
let vmdk: string;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'h2k-helper-'));
  chmodSync(base, 0o755);
  allowed = makeAllowedRoot(base);
  vmdk = await smallVmdk();
});

afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EngineFailure) return error.value;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('refusals: each bad line gets exactly one clear result line', () => {
  let helper: RawHelper;
  let precious: string;
  let existingPartial: string;
  let fakeDevice: string;
  let evilDescriptor: string;
  let backedByDevice: string;

  beforeAll(async () => {
    const { root, outside } = allowed;
    symlinkSync(outside, join(root, 'escape'));
    mkdirSync(join(root, 'shared'));
    chmodSync(join(root, 'shared'), 0o777);
    precious = join(root, 'precious.qcow2');
    writeFileSync(precious, 'a disk the helper did not write');
    existingPartial = join(root, '.exists.qcow2.part-job1');
    writeFileSync(existingPartial, '');
    fakeDevice = join(base, 'fakedev');
    await runCommand('/bin/mknod', [fakeDevice, 'c', '1', '3']);
    evilDescriptor = join(base, 'evil.vmdk');
    writeFileSync(evilDescriptor, '# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 2048 FLAT "/dev/zero" 0\n');
    backedByDevice = join(base, 'backed.qcow2');
    await runTool('qemu-img', ['create', '-f', 'qcow2', '-b', '/dev/zero', '-F', 'raw', backedByDevice, '1M']);
    helper = await RawHelper.start(allowed.env);
  });

  afterAll(async () => {
    await helper.close();
  });

  const request = (id: number, op: string, params: unknown, extra: Record<string, unknown> = {}): string => `${JSON.stringify({ v: 1, id, op, params, ...extra })}\n`;
  const convert = (id: number, params: Record<string, unknown>): string =>
    request(id, 'disk.convert', { source: { type: 'file', path: vmdk }, sourceFormat: 'vmdk', output: join(allowed.root, `.out${id}.qcow2.part-job1`), format: 'qcow2', compress: false, ...params });

  interface Case {
    name: string;
    line: () => string | Buffer;
    id: number | null;
    code: string;
    message: RegExp;
    /** What must (not) exist afterwards. */
    after?: () => void;
  }

  const cases: Case[] = [
    { name: 'not JSON', line: () => 'rm -rf /\n', id: null, code: 'INVALID_REQUEST', message: /not valid JSON/ },
    { name: 'not UTF-8', line: () => Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]), id: null, code: 'INVALID_REQUEST', message: /not valid UTF-8/ },
    { name: 'a JSON array', line: () => '[1,2]\n', id: null, code: 'INVALID_REQUEST', message: /must be a JSON object/ },
    { name: 'unknown op', line: () => request(1, 'shell.run', { command: 'id' }), id: 1, code: 'HELPER_UNKNOWN_OP', message: /"shell\.run" is not an operation.*knows: app\.hello, disk\.convert/ },
    { name: 'wrong protocol version', line: () => `${JSON.stringify({ v: 2, id: 2, op: 'app.hello', params: {} })}\n`, id: 2, code: 'INVALID_REQUEST', message: /v: Invalid input: expected 1/ },
    { name: 'extra field in the envelope', line: () => request(3, 'app.hello', {}, { sudo: true }), id: 3, code: 'INVALID_REQUEST', message: /Unrecognized key: "sudo"/ },
    { name: 'extra field in params', line: () => request(4, 'file.remove', { path: existingPartial, recursive: true }), id: 4, code: 'INVALID_REQUEST', message: /file\.remove.*Unrecognized key: "recursive"/, after: () => expect(existsSync(existingPartial)).toBe(true) },
    { name: 'extra field in the source locator', line: () => convert(5, { source: { type: 'file', path: vmdk, follow: true } }), id: 5, code: 'INVALID_REQUEST', message: /Unrecognized key: "follow"/ },
    { name: 'missing params', line: () => `${JSON.stringify({ v: 1, id: 6, op: 'app.hello' })}\n`, id: 6, code: 'INVALID_REQUEST', message: /params/ },
    { name: 'relative path', line: () => request(7, 'file.remove', { path: 'images/.x.part-job1' }), id: 7, code: 'INVALID_REQUEST', message: /path: must be an absolute path/ },
    { name: '".." in the output', line: () => convert(8, { output: `${allowed.root}/../outside/.x.qcow2.part-job1` }), id: 8, code: 'INVALID_REQUEST', message: /output: must not contain '\.\.'/, after: () => expect(readdirSync(allowed.outside)).toEqual([]) },
    { name: 'output not normalised', line: () => convert(9, { output: `${allowed.root}//.x.qcow2.part-job1` }), id: 9, code: 'INVALID_REQUEST', message: /output: must be normalised/ },
    { name: 'source format starting with "-"', line: () => convert(10, { sourceFormat: '-O' }), id: 10, code: 'INVALID_REQUEST', message: /sourceFormat: must not start with '-'/ },
    { name: 'output starting with "-"', line: () => convert(11, { output: '-o/tmp/x' }), id: 11, code: 'INVALID_REQUEST', message: /output: must not start with '-'/ },
    { name: 'archive member format starting with "-"', line: () => convert(12, { source: { type: 'tar-member', archive: vmdk, member: 'a.vmdk', offset: 0, size: 512, format: '--help' } }), id: 12, code: 'INVALID_REQUEST', message: /format: must not start with '-'/ },
    { name: 'format outside the allow-list', line: () => convert(13, { sourceFormat: 'nbd' }), id: 13, code: 'INVALID_REQUEST', message: /sourceFormat: Invalid option/ },
    { name: 'compressed raw', line: () => convert(14, { format: 'raw', compress: true }), id: 14, code: 'INVALID_REQUEST', message: /only qcow2 output can be compressed/ },
    { name: 'output outside the allowed roots', line: () => convert(15, { output: join(allowed.outside, '.x.qcow2.part-job1') }), id: 15, code: 'HELPER_PATH_REFUSED', message: /outside the folders the helper may write to/, after: () => expect(readdirSync(allowed.outside)).toEqual([]) },
    {
      name: 'symlink escape: output through a symlinked folder',
      line: () => convert(16, { output: join(allowed.root, 'escape', '.x.qcow2.part-job1') }),
      id: 16,
      code: 'HELPER_PATH_REFUSED',
      message: /outside the folders the helper may write to \(its folder resolves to .*\/outside\)/,
      after: () => expect(readdirSync(allowed.outside)).toEqual([]),
    },
    { name: 'output in a folder other users can write', line: () => convert(17, { output: join(allowed.root, 'shared', '.x.qcow2.part-job1') }), id: 17, code: 'HELPER_PATH_REFUSED', message: /shared is writable by users other than root/ },
    { name: 'output without a temporary name', line: () => convert(18, { output: join(allowed.root, 'precious.qcow2') }), id: 18, code: 'HELPER_PATH_REFUSED', message: /not a temporary output name/ },
    { name: 'output that already exists', line: () => convert(19, { output: existingPartial }), id: 19, code: 'OUTPUT_EXISTS', message: /already exists/ },
    { name: 'a device node as source', line: () => convert(20, { source: { type: 'file', path: fakeDevice } }), id: 20, code: 'HELPER_PATH_REFUSED', message: /fakedev \(the source\) is a character device, not a regular file/ },
    { name: 'a source in /dev', line: () => convert(21, { source: { type: 'file', path: '/dev/zero' } }), id: 21, code: 'HELPER_PATH_REFUSED', message: /is in \/dev/ },
    { name: 'a folder as source', line: () => convert(22, { source: { type: 'file', path: base } }), id: 22, code: 'HELPER_PATH_REFUSED', message: /is a folder/ },
    { name: 'a descriptor whose extent is a device', line: () => convert(23, { source: { type: 'file', path: evilDescriptor } }), id: 23, code: 'HELPER_PATH_REFUSED', message: /\/dev\/zero \(an extent or backing file of .*evil\.vmdk\) is in \/dev/, after: () => expect(readdirSync(allowed.root).filter((f) => f.startsWith('.out23'))).toEqual([]) },
    { name: 'a qcow2 backed by a device', line: () => convert(24, { source: { type: 'file', path: backedByDevice }, sourceFormat: 'qcow2' }), id: 24, code: 'HELPER_PATH_REFUSED', message: /\/dev\/zero \(an extent or backing file of .*backed\.qcow2\) is in \/dev/ },
    { name: 'archive member beyond the end of the archive', line: () => convert(25, { source: { type: 'tar-member', archive: vmdk, member: 'a.vmdk', offset: 0, size: 10 ** 12, format: 'vmdk' } }), id: 25, code: 'INVALID_REQUEST', message: /beyond the end/ },
    { name: 'remove a file the helper did not write', line: () => request(26, 'file.remove', { path: precious }), id: 26, code: 'HELPER_PATH_REFUSED', message: /neither a temporary output nor a file this helper wrote/, after: () => expect(existsSync(precious)).toBe(true) },
    { name: 'remove outside the roots', line: () => request(27, 'file.remove', { path: '/etc/.passwd.part-job1' }), id: 27, code: 'HELPER_PATH_REFUSED', message: /outside the folders/ },
    { name: 'check a file outside the roots', line: () => request(28, 'disk.check', { path: '/etc/hostname', format: 'qcow2' }), id: 28, code: 'HELPER_PATH_REFUSED', message: /outside the folders/ },
    { name: 'finalize into another folder', line: () => request(29, 'file.finalize', { partial: existingPartial, final: join(allowed.outside, 'x.qcow2'), overwrite: false }), id: 29, code: 'HELPER_PATH_REFUSED', message: /outside the folders/ },
    { name: 'finalize over a name starting with "-"', line: () => request(30, 'file.finalize', { partial: existingPartial, final: join(allowed.root, '-rf'), overwrite: true }), id: 30, code: 'HELPER_PATH_REFUSED', message: /must not start with '-'/ },
    { name: 'finalize a file that is not a temporary output', line: () => request(31, 'file.finalize', { partial: precious, final: join(allowed.root, 'p2.qcow2'), overwrite: false }), id: 31, code: 'HELPER_PATH_REFUSED', message: /not a temporary output name/, after: () => expect(existsSync(precious)).toBe(true) },
    {
      name: 'oversized request',
      line: () => request(32, 'file.remove', { path: `/${'a'.repeat(HELPER_MAX_LINE_BYTES + 10)}` }),
      id: 32,
      code: 'HELPER_REQUEST_TOO_LARGE',
      message: new RegExp(`at most ${HELPER_MAX_LINE_BYTES} bytes per line`),
    },
    { name: 'malformed cancel', line: () => `${JSON.stringify({ v: 1, type: 'cancel', id: 5, force: true })}\n`, id: null, code: 'INVALID_REQUEST', message: /cancel message is malformed.*Unrecognized key: "force"/ },
  ];

  let unattributed = 0;
  it.each(cases)('$name', async ({ line, id, code, message, after }) => {
    if (id === null) unattributed += 1;
    helper.send(line());
    const [result] = await helper.waitForResults(id, id === null ? unattributed : 1);
    // A request answered after this one proves the helper is still reading, and that no second
    // result for this request came first.
    const barrier = 1000 + (id ?? 900 + unattributed);
    helper.send(request(barrier, 'app.hello', {}));
    await helper.waitForResults(barrier);
    expect(helper.results(id)).toHaveLength(id === null ? unattributed : 1);
    const last = id === null ? helper.results(null).at(-1) : result;
    expect(last).toMatchObject({ type: 'result', ok: false, error: { code } });
    const error = (last as { error: EngineError }).error;
    expect(error.message).toMatch(message);
    expect(error.hint.length).toBeGreaterThan(10);
    after?.();
  });

  it('never wrote anything it refused and printed nothing but protocol lines', () => {
    expect(helper.unparsed).toEqual([]);
    expect(readdirSync(allowed.outside)).toEqual([]);
    expect(readdirSync(allowed.root).sort()).toEqual(['.exists.qcow2.part-job1', 'escape', 'precious.qcow2', 'shared']);
  });
});

describe('through the client', () => {
  let ops: HelperDiskOps;
  const logs: string[] = [];

  beforeAll(async () => {
    ops = await openHelper({ command: [process.execPath, await helperScript()], elevate: false, env: allowed.env, onLog: (line) => logs.push(line) });
  });

  afterAll(async () => {
    await ops.close();
  });

  it('says hello as root with its allowed roots', () => {
    expect(ops.privileged).toBe(true);
    expect(ops.hello).toMatchObject({ name: 'hyper2kvm-helper', protocol: 1, euid: 0, invokingUid: null });
    expect(ops.hello.allowedRoots).toContain(allowed.root);
  });

  it('converts a VMDK into an allowed root with progress, checks, finalizes and removes it', async () => {
    const partial = join(allowed.root, '.small.qcow2.part-job2');
    const final = join(allowed.root, 'small.qcow2');
    const fractions: number[] = [];
    await ops.convert({ source: { type: 'file', path: vmdk }, sourceFormat: 'vmdk', output: partial, format: 'qcow2', compress: false }, { signal: new AbortController().signal, onFraction: (f) => fractions.push(f) });
    expect(fractions.length).toBeGreaterThan(2);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.at(-1)).toBe(1);

    const check = await ops.check(partial, { signal: new AbortController().signal });
    expect(check).toMatchObject({ ok: true, corruptions: 0, checkErrors: 0 });

    await ops.finalize(partial, final, false);
    expect(existsSync(partial)).toBe(false);
    const compare = await runTool('qemu-img', ['compare', '-f', 'vmdk', '-F', 'qcow2', vmdk, final]);
    expect(compare.stdout).toContain('Images are identical');

    // Finalizing onto an existing name without overwrite is refused, and nothing is lost.
    writeFileSync(join(allowed.root, '.again.qcow2.part-job3'), 'x');
    const exists = await rejection(ops.finalize(join(allowed.root, '.again.qcow2.part-job3'), final, false));
    expect(exists.code).toBe('OUTPUT_EXISTS');
    await ops.remove(join(allowed.root, '.again.qcow2.part-job3'));

    // The helper wrote `final` in this session, so it may remove it again (a failed job's cleanup).
    await ops.remove(final);
    expect(existsSync(final)).toBe(false);
  });

  it('issue 11: writes outputs 0600, owned by whoever the helper works for (root here)', async () => {
    const partial = join(allowed.root, '.modes.qcow2.part-job8');
    const final = join(allowed.root, 'modes.qcow2');
    await ops.convert({ source: { type: 'file', path: vmdk }, sourceFormat: 'vmdk', output: partial, format: 'qcow2', compress: false }, { signal: new AbortController().signal, onFraction: () => undefined });
    expect(statSync(partial)).toMatchObject({ uid: 0, gid: 0 });
    expect(statSync(partial).mode & 0o7777).toBe(0o600);
    await ops.finalize(partial, final, false);
    expect(statSync(final).mode & 0o7777).toBe(0o600);
    await ops.remove(final);
  });

  it('issue 11: removes only the very file it wrote, not one that later took its name', async () => {
    const partial = join(allowed.root, '.swapped.qcow2.part-job9');
    const final = join(allowed.root, 'swapped.qcow2');
    await ops.convert({ source: { type: 'file', path: vmdk }, sourceFormat: 'vmdk', output: partial, format: 'qcow2', compress: false }, { signal: new AbortController().signal, onFraction: () => undefined });
    await ops.finalize(partial, final, false);
    // Another disk takes the name (an administrator, another session): it is not ours to remove.
    const replacement = join(allowed.root, 'replacement');
    writeFileSync(replacement, 'another disk');
    renameSync(replacement, final);
    const refused = await rejection(ops.remove(final));
    expect(refused.code).toBe('HELPER_PATH_REFUSED');
    expect(refused.message).toMatch(/neither a temporary output nor a file this helper wrote/);
    expect(readFileSync(final, 'utf8')).toBe('another disk');
    rmSync(final);
  });

  it('cancels a running conversion in-band: CANCELLED, no partial file, no qemu-img left', async () => {
    const big = await bigRandomDisk();
    const partial = join(allowed.root, '.big.qcow2.part-job4');
    const controller = new AbortController();
    let cancelledAt = 0;
    const started = Date.now();
    const error = await rejection(
      ops.convert({ source: { type: 'file', path: big }, sourceFormat: 'raw', output: partial, format: 'qcow2', compress: true }, {
        signal: controller.signal,
        onFraction: (fraction) => {
          if (fraction >= 0.05 && cancelledAt === 0) {
            cancelledAt = Date.now();
            controller.abort();
          }
        },
      }),
    );
    const settled = Date.now();
    expect(cancelledAt).toBeGreaterThan(0);
    expect(error.code).toBe('CANCELLED');
    expect(existsSync(partial)).toBe(false);
    expect(processesMentioning(partial)).toEqual([]);
    process.stderr.write(`[helper] cancel: progress reached 5% after ${cancelledAt - started} ms, CANCELLED result ${settled - cancelledAt} ms after the cancel\n`);
    // The session goes on.
    await ops.remove(join(allowed.root, '.never.qcow2.part-job4'));
  });
});

describe('when the helper dies', () => {
  it('fails every pending request with HELPER_FAILED and the stderr tail, and takes qemu-img with it', async () => {
    const ops = await openHelper({ command: [process.execPath, await helperScript()], elevate: false, env: allowed.env });
    const big = await bigRandomDisk();
    const partial = join(allowed.root, '.dying.qcow2.part-job5');
    let killed = false;
    const error = await rejection(
      ops.convert({ source: { type: 'file', path: big }, sourceFormat: 'raw', output: partial, format: 'qcow2', compress: true }, {
        signal: new AbortController().signal,
        onFraction: (fraction) => {
          if (fraction >= 0.05 && !killed) {
            killed = true;
            process.kill(ops.hello.pid, 'SIGKILL');
          }
        },
      }),
    );
    expect(killed).toBe(true);
    expect(error.code).toBe('HELPER_FAILED');
    expect(error.message).toMatch(/killed by SIGKILL/);
    expect(error.evidence?.stderrTail).toMatch(/#\d+ disk\.convert/);

    const later = await rejection(ops.remove(partial));
    expect(later.code).toBe('HELPER_FAILED');

    // qemu-img was started with a parent-death signal: it must be gone shortly after the helper.
    for (let i = 0; i < 50 && processesMentioning(partial).length > 0; i++) await sleep(100);
    expect(processesMentioning(partial)).toEqual([]);

    // The leftover has a temporary name, so the next session may clean it up.
    expect(existsSync(partial)).toBe(true);
    const next = await openHelper({ command: [process.execPath, await helperScript()], elevate: false, env: allowed.env });
    await next.remove(partial);
    await next.close();
    expect(existsSync(partial)).toBe(false);
  });
});

describe('when the app closes the session mid-conversion', () => {
  it('the helper cancels, removes the partial output and exits', async () => {
    const ops = await openHelper({ command: [process.execPath, await helperScript()], elevate: false, env: allowed.env });
    const partial = join(allowed.root, '.quit.qcow2.part-job7');
    const closing: { done?: Promise<void> } = {};
    const error = await rejection(
      ops.convert({ source: { type: 'file', path: await bigRandomDisk() }, sourceFormat: 'raw', output: partial, format: 'qcow2', compress: true }, {
        signal: new AbortController().signal,
        onFraction: (fraction) => {
          if (fraction >= 0.05 && !closing.done) closing.done = ops.close();
        },
      }),
    );
    expect(closing.done).toBeDefined();
    await closing.done;
    await ops.exited;
    expect(error.code).toBe('CANCELLED');
    expect(existsSync(partial)).toBe(false);
    expect(processesMentioning(partial)).toEqual([]);
  });
});

describe('one helper per app session', () => {
  it('is opened once for every job, and again only after it went away', async () => {
    const session = helperSession({ command: [process.execPath, await helperScript()], elevate: false, env: allowed.env });
    const [first, second] = await Promise.all([session.elevate(), session.elevate()]);
    expect(second).toBe(first);
    expect(await session.elevate()).toBe(first);
    process.kill(first.hello.pid, 'SIGKILL');
    await first.exited;
    const third = await session.elevate();
    expect(third.hello.pid).not.toBe(first.hello.pid);
    await third.remove(join(allowed.root, '.nothing.part-job6'));
    await session.close();
    await third.exited;
  });
});

describe('refusing to start', () => {
  async function startDirect(env: Record<string, string>, user?: number): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, [await helperScript()], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'], ...(user === undefined ? {} : { uid: user, gid: user }) });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, stderr };
  }

  function config(name: string, body: string, mode: number, owner = 0): string {
    const path = join(base, name);
    writeFileSync(path, body);
    chmodSync(path, mode);
    chownSync(path, owner, owner);
    return path;
  }

  it.each([
    { name: 'a config others can write', env: () => ({ HYPER2KVM_HELPER_CONFIG: config('open.json', '{"allowedRoots":[]}', 0o666) }), stderr: /refusing .*open\.json: it is writable by group or others/ },
    { name: 'a config not owned by root', env: () => ({ HYPER2KVM_HELPER_CONFIG: config('theirs.json', '{"allowedRoots":[]}', 0o644, 65534) }), stderr: /refusing .*theirs\.json: it is not owned by root/ },
    { name: 'a config with unknown fields', env: () => ({ HYPER2KVM_HELPER_CONFIG: config('extra.json', '{"allowedRoots":[],"allowEverything":true}', 0o644) }), stderr: /refusing .*extra\.json: .*allowEverything/ },
    { name: 'a relative allowed root', env: () => ({ HYPER2KVM_HELPER_CONFIG: config('relative.json', '{"allowedRoots":["images"]}', 0o644) }), stderr: /refusing .*relative\.json: .*must be an absolute path/ },
    { name: 'the test override under pkexec', env: () => ({ ...allowed.env, PKEXEC_UID: '1000' }), stderr: /HYPER2KVM_HELPER_CONFIG is for tests only and is refused under pkexec/ },
  ])('refuses $name with a clear message (exit 2)', async ({ env, stderr }) => {
    const result = await startDirect(env());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(stderr);
  });

  it('refuses to run as a user other than root', async () => {
    const result = await startDirect({}, 65534);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/must run as root/);
  });

  it('reports a helper that would not start as HELPER_FAILED with its last words', async () => {
    const env = { HYPER2KVM_HELPER_CONFIG: config('open2.json', '{"allowedRoots":[]}', 0o666) };
    const error = await rejection(openHelper({ command: [process.execPath, await helperScript()], elevate: false, env }));
    expect(error.code).toBe('HELPER_FAILED');
    expect(error.message).toMatch(/stopped with exit code 2: .*writable by group or others/);
  });
});
