import { describe, expect, it } from 'vitest';
import { EngineFailure } from '../../../electron/engine/core/errors';
import type { RunOptions, RunResult, ToolRunner } from '../../../electron/engine/core/tool-runner';
import type { ToolName } from '../../../electron/engine/core/tools';
import { firstClosedFolder, qemuIdentityFor } from '../../../electron/engine/libvirt/host';
import { targetFileName } from '../../../electron/engine/libvirt/define';
import { domainState, parseDomainTable, parseDomState, pickFreeName, virsh } from '../../../electron/engine/libvirt/virsh';
import { engineError } from '../../../shared/contract/errors';

describe('virsh output', () => {
  it('reads `virsh list --all` (quiet), names with spaces included', () => {
    const stdout = [
      ' 3    h2k-verify-20261125-193825-c8acd9   running',
      ' -    web01                               shut off',
      ' -    Win Server 2019                     shut off',
      ' 7    paused-one                          paused',
      '',
    ].join('\n');
    expect(parseDomainTable(stdout)).toEqual([
      { name: 'h2k-verify-20261125-193825-c8acd9', state: 'running' },
      { name: 'web01', state: 'shut off' },
      { name: 'Win Server 2019', state: 'shut off' },
      { name: 'paused-one', state: 'paused' },
    ]);
  });

  it.each([
    ['running (booted)\n', { state: 'running', reason: 'booted' }],
    ['paused (unknown)\n\n', { state: 'paused', reason: 'unknown' }],
    ['shut off (destroyed)', { state: 'shut off', reason: 'destroyed' }],
    ['crashed (panicked)', { state: 'crashed', reason: 'panicked' }],
    ['running', { state: 'running', reason: '' }],
  ])('domstate %j', (stdout, state) => expect(parseDomState(stdout)).toEqual(state));
});

describe('pickFreeName', () => {
  it.each([
    ['web01', [], 'web01'],
    ['web01', ['web01'], 'web01-2'],
    ['web01', ['web01', 'web01-2', 'web01-3'], 'web01-4'],
    ['x'.repeat(64), ['x'.repeat(64)], `${'x'.repeat(62)}-2`],
  ])('%s among %j → %s', (wanted, taken, name) => expect(pickFreeName(wanted, new Set(taken))).toBe(name));
});

describe('targetFileName', () => {
  it.each([
    ['web01', 0, '/out/source.qcow2', 'web01.qcow2'],
    ['web01', 1, '/out/source-2.raw', 'web01-disk2.raw'],
    ['web01', 0, '/out/noext', 'web01.img'],
  ])('%s disk %i from %s → %s', (name, index, source, file) => expect(targetFileName(name, index, source)).toBe(file));
});

describe('who qemu runs as', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/bash\nlibvirt-qemu:x:64055:107:Libvirt Qemu,,,:/var/lib/libvirt:/usr/sbin/nologin\n';
  const group = 'root:x:0:\nkvm:x:107:libvirt-qemu\nlibvirt-qemu:x:64055:libvirt-qemu\nlibvirt:x:108:alice\n';

  it('is libvirt-qemu (with its groups) for the system connection, and for root on the session', () => {
    const expected = { uid: 64055, gids: [107, 64055], name: 'libvirt-qemu' };
    expect(qemuIdentityFor('qemu:///system', 1000, { passwd, group })).toEqual(expected);
    expect(qemuIdentityFor('qemu:///session', 0, { passwd, group })).toEqual(expected);
  });

  it('is the user themself on their own session (nothing to check)', () => {
    expect(qemuIdentityFor('qemu:///session', 1000, { passwd, group })).toBeNull();
  });

  it("is Fedora's qemu user when there is no libvirt-qemu", () => {
    expect(qemuIdentityFor('qemu:///system', 0, { passwd: 'qemu:x:107:107:qemu user:/:/sbin/nologin\n', group: 'qemu:x:107:\nkvm:x:36:qemu\n' })).toEqual({ uid: 107, gids: [107, 36], name: 'qemu' });
  });

  const who = { uid: 64055, gids: [107, 64055], name: 'libvirt-qemu' };
  it.each([
    ['open folders', [{ path: '/', uid: 0, gid: 0, mode: 0o755 }, { path: '/var', uid: 0, gid: 0, mode: 0o755 }], null],
    ['a private home', [{ path: '/', uid: 0, gid: 0, mode: 0o755 }, { path: '/root', uid: 0, gid: 0, mode: 0o700 }], '/root'],
    ['a folder others may only traverse', [{ path: '/srv', uid: 0, gid: 0, mode: 0o711 }], null],
    ['a group folder of kvm', [{ path: '/vms', uid: 0, gid: 107, mode: 0o750 }], null],
    ['a folder owned by libvirt-qemu', [{ path: '/q', uid: 64055, gid: 0, mode: 0o700 }], null],
    ['a group folder of another group', [{ path: '/team', uid: 0, gid: 108, mode: 0o750 }], '/team'],
  ])('%s', (_label, folders, closed) => expect(firstClosedFolder(folders, who)).toBe(closed));
});

/** A ToolRunner that fails like virsh does, for the error mapping. */
function failingRunner(stderrTail: string): ToolRunner & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run(tool: ToolName, args: readonly string[], _options?: RunOptions): Promise<RunResult> {
      calls.push([tool, ...args]);
      return Promise.reject(new EngineFailure(engineError('TOOL_FAILED', 'virsh failed', '', { command: ['/usr/bin/virsh', ...args], exitCode: 1, stderrTail })));
    },
  };
}

describe('virsh errors', () => {
  it('turns "failed to connect to the hypervisor" into LIBVIRT_UNREACHABLE with a hint', async () => {
    const tools = failingRunner("error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory");
    await expect(virsh({ tools }, 'qemu:///system', ['list'])).rejects.toMatchObject({ value: { code: 'LIBVIRT_UNREACHABLE', hint: expect.stringContaining('libvirtd') as unknown } });
    expect(tools.calls[0]).toEqual(['virsh', '--quiet', '-c', 'qemu:///system', 'list']);
  });

  it('reads "failed to get domain" as a domain that is not there', async () => {
    const tools = failingRunner("error: failed to get domain 'nope'");
    await expect(domainState({ tools }, 'qemu:///session', 'nope')).resolves.toBeNull();
    expect(tools.calls[0]).toEqual(['virsh', '--quiet', '-c', 'qemu:///session', 'domstate', '--domain', 'nope', '--reason']);
  });
});
