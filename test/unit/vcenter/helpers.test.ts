import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineError } from '../../../shared/contract/errors';
import { EngineFailure } from '../../../electron/engine/core/errors';
import { applyPatch, parseRangeHeader } from '../../../electron/engine/vcenter/loopback-server';
import { parseHexEndpoint, parseProcNetTcp } from '../../../electron/engine/vcenter/peer-uid';
import { passwordKey, parsePasswordKey } from '../../../electron/engine/vcenter/secret-store';
import { parseServerAddress } from '../../../electron/engine/vcenter/server-address';
import { discardStaging, isStagingDirName, stagedBytes, Staging, stagingDirFor } from '../../../electron/engine/vcenter/staging';
import { readPassword, trustChoice, vmSelector } from '../../../electron/cli/commands/vcenter';

function failure(run: () => unknown): EngineError {
  try {
    run();
  } catch (error) {
    if (error instanceof EngineFailure) return error.value;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('server addresses as people type them', () => {
  it.each([
    ['vc01', 'vc01', 443, 'vc01:443'],
    ['VC01.Example.com:8443', 'vc01.example.com', 8443, 'vc01.example.com:8443'],
    ['https://vc01.example.com/sdk', 'vc01.example.com', 443, 'vc01.example.com:443'],
    ['https://vc01.example.com:9443/ui/', 'vc01.example.com', 9443, 'vc01.example.com:9443'],
    ['  10.0.0.5  ', '10.0.0.5', 443, '10.0.0.5:443'],
    ['[fd00::5]:8443', 'fd00::5', 8443, '[fd00::5]:8443'],
    ['fd00::5', 'fd00::5', 443, '[fd00::5]:443'],
    ['https://[fd00::5]/sdk', 'fd00::5', 443, '[fd00::5]:443'],
  ])('%s', (input, host, port, display) => {
    expect(parseServerAddress(input)).toEqual({ host, port, display });
  });

  it.each([['http://vc01'], [''], ['https://user:secret@vc01'], ['vc01:99999'], ['zz::zz::qq']])('refuses %j', (input) => {
    const error = failure(() => parseServerAddress(input));
    expect(error.code).toBe('VCENTER_ADDRESS_INVALID');
    expect(error.kind).toBe('bad-input');
    expect(JSON.stringify(error)).not.toContain('secret');
  });
});

describe('remembered passwords are keyed by user and server', () => {
  it.each([
    ['vc01:443', 'administrator@vsphere.local'],
    ['[fd00::5]:443', 'DOMAIN\\migrator'],
  ])('%s %s', (server, user) => {
    const key = passwordKey(server, user);
    expect(parsePasswordKey(key)).toEqual({ server, user });
  });
  it('ignores keys of other kinds', () => {
    expect(parsePasswordKey('something-else:x@y')).toBeNull();
    expect(parsePasswordKey('vcenter-password:nouser')).toBeNull();
  });
});

describe('range requests qemu sends', () => {
  it.each([
    [undefined, 100, undefined],
    ['bytes=0-9', 100, { start: 0, end: 9 }],
    ['bytes=90-200', 100, { start: 90, end: 99 }],
    ['bytes=50-', 100, { start: 50, end: 99 }],
    ['bytes=-10', 100, { start: 90, end: 99 }],
    ['bytes=100-110', 100, 'unsatisfiable'],
    ['bytes=9-3', 100, 'unsatisfiable'],
    ['items=1-2', 100, undefined],
  ] as const)('%s of %d bytes', (header, size, expected) => {
    expect(parseRangeHeader(header, size)).toEqual(expected);
  });

  it('patches a rewritten descriptor over exactly the bytes it covers', () => {
    const patch = Buffer.from('NEW!');
    for (const [start, length, expected] of [
      [0, 12, '....NEW!....'],
      [6, 6, 'W!....'],
      [0, 5, '....N'],
      [9, 3, '...'],
    ] as const) {
      const bytes = Buffer.alloc(length, '.');
      applyPatch(bytes, start, 4, patch);
      expect(bytes.toString()).toBe(expected);
    }
  });
});

describe("the kernel's socket table", () => {
  const table = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:A1B2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 12345 1 0000000000000000 20 4 30 10 -1
   1: 0100007F:1F90 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 12346 1 0000000000000000 20 4 30 10 -1
   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1 0000000000000000 100 0 0 10 0`;
  it('reads addresses, ports and owners', () => {
    expect(parseHexEndpoint('0100007F:1F90')).toEqual({ address: '127.0.0.1', port: 8080 });
    expect(parseProcNetTcp(table)).toEqual([
      { localAddress: '127.0.0.1', localPort: 0xa1b2, remoteAddress: '127.0.0.1', remotePort: 8080, uid: 1000 },
      { localAddress: '127.0.0.1', localPort: 8080, remoteAddress: '127.0.0.1', remotePort: 0xa1b2, uid: 0 },
      { localAddress: '0.0.0.0', localPort: 22, remoteAddress: '0.0.0.0', remotePort: 0, uid: 0 },
    ]);
  });
});

describe('the staging folder of a VM', () => {
  const root = mkdtempSync(join(tmpdir(), 'h2k-staging-unit-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const identity = { server: 'vc01:443', vmId: 'vm-42', vmName: 'web 01/prod', instanceUuid: '5003-aa' };

  it('is named after the VM and stable for the same VM of the same server', () => {
    const dir = stagingDirFor(root, identity);
    expect(dir).toBe(stagingDirFor(root, { ...identity, vmName: 'web 01/prod' }));
    expect(dir).not.toBe(stagingDirFor(root, { ...identity, server: 'vc02:443' }));
    expect(dir.slice(root.length + 1)).toMatch(/^\.hyper2kvm-download-web-01-prod-[0-9a-f]{12}$/);
    expect(isStagingDirName(dir.slice(root.length + 1))).toBe(true);
  });

  it('remembers complete files, forgets those that changed, and starts over for another VM', async () => {
    const dir = stagingDirFor(root, identity);
    const staging = await Staging.open(dir, identity);
    writeFileSync(staging.path('a.vmdk'), 'x'.repeat(10));
    await staging.markComplete('a.vmdk', '[ds] a.vmdk', 10);
    const again = await Staging.open(dir, identity);
    expect(await again.isComplete('a.vmdk', '[ds] a.vmdk', 10)).toBe(true);
    expect(await again.isComplete('a.vmdk', '[ds] a.vmdk', 11)).toBe(false);
    expect(await again.isComplete('a.vmdk', '[ds] b.vmdk', 10)).toBe(false);
    writeFileSync(join(dir, 'b.vmdk.part'), 'y'.repeat(5));
    expect(await stagedBytes(dir)).toBe(15);
    const other = await Staging.open(dir, { ...identity, vmId: 'vm-43' });
    expect(await other.isComplete('a.vmdk', '[ds] a.vmdk', 10)).toBe(false);
    expect(await stagedBytes(dir)).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'hyper2kvm-transfer.json'), 'utf8'))).toMatchObject({ schema: 'hyper2kvm.transfer/1', vmId: 'vm-43', files: {} });
  });

  it('is deleted on request only when it is one of ours', async () => {
    const dir = stagingDirFor(root, { ...identity, vmId: 'vm-44' });
    await Staging.open(dir, { ...identity, vmId: 'vm-44' });
    writeFileSync(join(dir, 'x.vmdk'), 'z'.repeat(7));
    expect(await discardStaging(dir)).toEqual({ removed: true, bytes: 7 });
    expect(await discardStaging(dir)).toEqual({ removed: false, bytes: 0 });
    await expect(discardStaging(root)).rejects.toMatchObject({ value: { code: 'VCENTER_STAGING_INVALID' } });
  });
});

describe('CLI connection options', () => {
  const usage = 'usage';
  const dir = mkdtempSync(join(tmpdir(), 'h2k-pw-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the password from a file (one trailing line break is not part of it) or the environment', () => {
    writeFileSync(join(dir, 'pw'), 'p@ss word\n');
    writeFileSync(join(dir, 'crlf'), 'secret\r\n');
    writeFileSync(join(dir, 'two'), 'two\n\n');
    writeFileSync(join(dir, 'empty'), '\n');
    expect(readPassword({ 'password-file': join(dir, 'pw') }, usage, {})).toBe('p@ss word');
    expect(readPassword({ 'password-file': join(dir, 'crlf') }, usage, {})).toBe('secret');
    expect(readPassword({ 'password-file': join(dir, 'two') }, usage, {})).toBe('two\n');
    expect(readPassword({}, usage, { HYPER2KVM_VCENTER_PASSWORD: 'from-env' })).toBe('from-env');
    expect(failure(() => readPassword({ 'password-file': join(dir, 'empty') }, usage, {})).code).toBe('INVALID_REQUEST');
    expect(failure(() => readPassword({ 'password-file': join(dir, 'missing') }, usage, {})).code).toBe('INVALID_REQUEST');
    expect(failure(() => readPassword({}, usage, {})).message).toContain('HYPER2KVM_VCENTER_PASSWORD');
  });

  it('turns --ca / --thumbprint into the trust choice, not both', () => {
    expect(trustChoice({}, usage)).toEqual({ kind: 'store' });
    expect(trustChoice({ thumbprint: 'AB:CD' }, usage)).toEqual({ kind: 'fingerprint', sha256: 'AB:CD' });
    expect(trustChoice({ ca: '/etc/ca.pem' }, usage)).toEqual({ kind: 'ca', caFile: '/etc/ca.pem' });
    expect(failure(() => trustChoice({ ca: 'x', thumbprint: 'y' }, usage)).code).toBe('INVALID_REQUEST');
  });

  it('takes vm-N for an id and anything else for a name', () => {
    expect(vmSelector('vm-42')).toEqual({ vmId: 'vm-42' });
    expect(vmSelector('web01')).toEqual({ name: 'web01' });
    expect(vmSelector('vm-web')).toEqual({ name: 'vm-web' });
  });
});
