import { describe, expect, it } from 'vitest';
import { HELPER_OPS, HelperCancel, HelperMessage, HelperPath, HelperRequest } from '../../../shared/contract/helper';

/** The wire schemas are the helper's first line of defence: strict, capped, and clear about why. */

const firstIssue = (result: { success: boolean; error?: { issues: Array<{ message: string }> } }): string | undefined => result.error?.issues[0]?.message;

describe('HelperPath', () => {
  it.each([
    ['/var/lib/libvirt/images/.vm.qcow2.part-20250101-000000-abcdef', null],
    ['/', null],
    ['/a b/ünïcode.vmdk', null],
    ['', 'must not be empty'],
    ['relative/disk.vmdk', 'must be an absolute path'],
    ['./disk.vmdk', 'must be an absolute path'],
    ['-O', "must not start with '-'"],
    ['--output=/etc/passwd', "must not start with '-'"],
    ['/images/../etc/shadow', "must not contain '..'"],
    ['/images/..', "must not contain '..'"],
    ['/images/./disk', 'must be normalised'],
    ['/images//disk', 'must be normalised'],
    ['/images/', 'must be normalised'],
    ['/images/\0/disk', 'must not contain NUL'],
    [`/${'x'.repeat(4096)}`, 'at most 4096 bytes'],
  ])('%j → %s', (path, problem) => {
    const result = HelperPath.safeParse(path);
    if (problem === null) expect(result.success).toBe(true);
    else expect(firstIssue(result)).toContain(problem);
  });

  it('reports only the first problem: "-x/../y" is an option, not a relative path', () => {
    expect(HelperPath.safeParse('-x/../y').error?.issues).toHaveLength(1);
  });
});

describe('operation parameters are strict', () => {
  const vmdk = { type: 'file', path: '/srv/in/disk.vmdk' };
  const convert = { source: vmdk, sourceFormat: 'vmdk', output: '/var/lib/libvirt/images/.d.qcow2.part-j1', format: 'qcow2', compress: true };

  it.each([
    ['app.hello', {}, null],
    ['app.hello', { verbose: true }, 'Unrecognized key: "verbose"'],
    ['disk.convert', convert, null],
    ['disk.convert', { ...convert, extraArgs: ['-n'] }, 'Unrecognized key: "extraArgs"'],
    ['disk.convert', { ...convert, source: { ...vmdk, follow: true } }, 'Unrecognized key: "follow"'],
    ['disk.convert', { ...convert, source: { type: 'nbd', path: '/x' } }, "Expected 'file' | 'tar-member'"],
    ['disk.convert', { ...convert, source: { type: 'tar-member', archive: '/srv/a.ova', member: 'd.vmdk', offset: 1536, size: 4096, format: 'vmdk' } }, null],
    ['disk.convert', { ...convert, source: { type: 'tar-member', archive: '/srv/a.ova', member: 'd.vmdk', offset: -1, size: 4096, format: 'vmdk' } }, 'expected number to be >=0'],
    ['disk.convert', { ...convert, source: { type: 'tar-member', archive: '/srv/a.ova', member: 'd.vmdk', offset: 0, size: 4096, format: '-f' } }, "must not start with '-'"],
    ['disk.convert', { ...convert, sourceFormat: '-f' }, "must not start with '-'"],
    ['disk.convert', { ...convert, sourceFormat: 'nbd' }, 'Invalid option'],
    ['disk.convert', { ...convert, format: 'vmdk' }, 'Invalid option'],
    ['disk.convert', { ...convert, format: 'raw' }, 'only qcow2 output can be compressed'],
    ['disk.convert', { ...convert, compress: 'yes' }, 'expected boolean'],
    ['disk.convert', { source: vmdk, sourceFormat: 'vmdk', format: 'qcow2', compress: false }, 'expected string, received undefined'],
    ['disk.check', { path: '/var/lib/libvirt/images/.d.qcow2.part-j1', format: 'qcow2' }, null],
    ['disk.check', { path: '/var/lib/libvirt/images/d.raw', format: 'raw' }, 'expected "qcow2"'],
    ['file.finalize', { partial: '/i/.d.part-j', final: '/i/d', overwrite: false }, null],
    ['file.finalize', { partial: '/i/.d.part-j', final: '/i/d' }, 'expected boolean'],
    ['file.remove', { path: '/i/.d.part-j' }, null],
    ['file.remove', { path: '/i/.d.part-j', recursive: true }, 'Unrecognized key: "recursive"'],
  ] as const)('%s %j → %s', (op, params, problem) => {
    const result = HELPER_OPS[op].params.safeParse(params);
    if (problem === null) expect(result.success).toBe(true);
    else expect(result.error?.issues.map((i) => i.message).join(' | ')).toContain(problem);
  });
});

describe('envelopes', () => {
  it.each([
    [{ v: 1, id: 1, op: 'app.hello', params: {} }, true],
    [{ v: 1, id: 0, op: 'anything.at.all', params: {} }, true],
    [{ v: 1, id: 1, op: 'app.hello', params: {}, token: 'x' }, false],
    [{ v: 2, id: 1, op: 'app.hello', params: {} }, false],
    [{ v: 1, id: -1, op: 'app.hello', params: {} }, false],
    [{ v: 1, id: 1.5, op: 'app.hello', params: {} }, false],
    [{ v: 1, id: 2 ** 31, op: 'app.hello', params: {} }, false],
    [{ v: 1, id: 1, op: 'app.hello', params: [] }, false],
    [{ v: 1, id: 1, op: 'app.hello' }, false],
    [{ v: 1, id: 1, op: 'x'.repeat(65), params: {} }, false],
  ])('request %j → %s', (message, ok) => {
    expect(HelperRequest.safeParse(message).success).toBe(ok);
  });

  it.each([
    [{ v: 1, type: 'cancel', id: 3 }, true],
    [{ v: 1, type: 'cancel', id: 3, reason: 'user' }, false],
    [{ v: 1, type: 'cancel' }, false],
  ])('cancel %j → %s', (message, ok) => {
    expect(HelperCancel.safeParse(message).success).toBe(ok);
  });

  it.each([
    [{ v: 1, id: 3, type: 'progress', fraction: 0.42 }, true],
    [{ v: 1, id: 3, type: 'progress', fraction: 1.5 }, false],
    [{ v: 1, id: 3, type: 'result', ok: true, value: null }, true],
    [{ v: 1, id: null, type: 'result', ok: false, error: { code: 'INVALID_REQUEST', kind: 'bad-input', message: 'm', hint: 'h' } }, true],
    [{ v: 1, id: 3, type: 'result', ok: false, error: { code: 'X', kind: 'bad-input', message: 'm', hint: 'h', stack: 'at …' } }, false],
    [{ v: 1, id: 3, type: 'result', ok: false }, false],
    [{ v: 1, id: 3, type: 'log', message: 'hi' }, false],
  ])('helper message %j → %s', (message, ok) => {
    expect(HelperMessage.safeParse(message).success).toBe(ok);
  });
});
