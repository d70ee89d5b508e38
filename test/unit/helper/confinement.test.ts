import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseQemuImgInfo } from '../../../electron/engine/formats/qemu-img';
import { chainFiles } from '../../../electron/helper/audit';
import { ancestry, chainFileProblem, configFileProblem, directoryChainProblem, finalNameProblem, forbiddenSourceArea, isInside, parsePartialName, removeProblem, replaceProblem, rootHolding } from '../../../electron/helper/confinement';
import { invokingUid, resetEnvironment, startupProblem } from '../../../electron/helper/startup';

describe('isInside / rootHolding', () => {
  it.each([
    ['/var/lib/libvirt/images', '/var/lib/libvirt/images', true],
    ['/var/lib/libvirt/images', '/var/lib/libvirt/images/vm/disk.qcow2', true],
    ['/var/lib/libvirt/images', '/var/lib/libvirt/images-evil/disk.qcow2', false],
    ['/var/lib/libvirt/images', '/var/lib/libvirt', false],
    ['/var/lib/libvirt/images', '/etc/shadow', false],
    ['/', '/anything', true],
  ])('%s holds %s: %s', (root, path, inside) => {
    expect(isInside(root, path)).toBe(inside);
  });

  it('picks the first root that holds the path', () => {
    expect(rootHolding(['/srv/a', '/srv/b'], '/srv/b/x')).toBe('/srv/b');
    expect(rootHolding(['/srv/a', '/srv/b'], '/srv/c/x')).toBeNull();
    expect(rootHolding([], '/srv/a')).toBeNull();
  });
});

describe('forbiddenSourceArea', () => {
  it.each([
    ['/dev/sda', '/dev'],
    ['/dev/disk/by-id/x', '/dev'],
    ['/proc/kcore', '/proc'],
    ['/proc/self/fd/0', '/proc'],
    ['/sys/firmware/efi/efivars/x', '/sys'],
    ['/devices/disk.vmdk', null],
    ['/srv/dev/disk.vmdk', null],
    ['/system/disk.vmdk', null],
  ])('%s → %s', (path, area) => {
    expect(forbiddenSourceArea(path)).toBe(area);
  });
});

describe('parsePartialName (what the helper may create and remove)', () => {
  it.each([
    ['.web01.qcow2.part-20250314-101500-a1b2c3', { final: 'web01.qcow2', jobId: '20250314-101500-a1b2c3' }],
    ['.web01-disk2.raw.part-job_1', { final: 'web01-disk2.raw', jobId: 'job_1' }],
    ['.a.part-x', { final: 'a', jobId: 'x' }],
    ['web01.qcow2', null],
    ['.web01.qcow2', null],
    ['.web01.qcow2.part-', null],
    ['.web01.qcow2.part-../x', null],
    ['.web01.qcow2.part--rf', null],
    ['..part-x', null],
    ['.-rf.part-x', null],
    ['.x.part-a.part-b', { final: 'x.part-a', jobId: 'b' }],
  ])('%j → %j', (name, parsed) => {
    expect(parsePartialName(name)).toEqual(parsed);
  });
});

describe('finalNameProblem', () => {
  it.each([
    ['web01.qcow2', null],
    ['Web 01 (copy).qcow2', null],
    ['', 'is empty'],
    ['-rf', "must not start with '-'"],
    ['.hidden', "must not start with '.'"],
    ['a/b', 'must be a plain file name'],
    ['bell\u0007.qcow2', 'must not contain control characters'],
    ['line\nbreak', 'must not contain control characters'],
    ['é'.repeat(128), 'is longer than 255 bytes'],
  ])('%j → %s', (name, problem) => {
    expect(finalNameProblem(name)).toBe(problem);
  });
});

describe('directoryChainProblem', () => {
  const dir = (path: string, uid: number, mode: number) => ({ path, uid, mode: 0o040000 | mode, isDirectory: true });
  it.each([
    ['root-owned 755 all the way', [dir('/', 0, 0o755), dir('/var', 0, 0o755), dir('/var/lib/libvirt/images', 0, 0o711)], null],
    ['sticky /tmp is fine', [dir('/', 0, 0o755), dir('/tmp', 0, 0o1777), dir('/tmp/x', 0, 0o700)], null],
    ['world-writable without sticky', [dir('/', 0, 0o755), dir('/srv', 0, 0o777)], '/srv is writable by users other than root'],
    ['group-writable', [dir('/', 0, 0o755), dir('/srv', 0, 0o775)], '/srv is writable by users other than root'],
    ['owned by a user', [dir('/', 0, 0o755), dir('/home/ann', 1000, 0o755)], '/home/ann is not owned by root'],
    ['a user folder inside sticky /tmp', [dir('/', 0, 0o755), dir('/tmp', 0, 0o1777), dir('/tmp/x', 1000, 0o700)], '/tmp/x is not owned by root'],
    ['a symlink in the chain', [dir('/', 0, 0o755), { path: '/srv', uid: 0, mode: 0o120777, isDirectory: false }], '/srv is not a folder'],
  ])('%s', (_name, chain, problem) => {
    expect(directoryChainProblem(chain)).toBe(problem);
  });

  it.each([
    ['/', ['/']],
    ['/var/lib/libvirt/images', ['/', '/var', '/var/lib', '/var/lib/libvirt', '/var/lib/libvirt/images']],
  ])('ancestry(%s)', (path, chain) => {
    expect(ancestry(path)).toEqual(chain);
  });
});

describe('configFileProblem', () => {
  const file = { uid: 0, mode: 0o100644, isFile: true, isSymbolicLink: false };
  it.each([
    ['root 644', file, null],
    ['root 600', { ...file, mode: 0o100600 }, null],
    ['group-writable', { ...file, mode: 0o100664 }, 'is writable by group or others'],
    ['world-writable', { ...file, mode: 0o100646 }, 'is writable by group or others'],
    ['owned by a user', { ...file, uid: 1000 }, 'is not owned by root'],
    ['a symlink', { ...file, isSymbolicLink: true, isFile: false }, 'is a symbolic link'],
    ['a folder', { ...file, isFile: false }, 'is not a regular file'],
  ])('%s → %s', (_name, facts, problem) => {
    expect(configFileProblem(facts)).toBe(problem);
  });
});

describe('chainFiles: everything a source makes qemu-img open (real qemu-img info output)', () => {
  const sample = (name: string) => parseQemuImgInfo(readFileSync(join(import.meta.dirname, 'samples', name), 'utf8'));
  it.each([
    ['info-twoGbMaxExtentSparse.json', null, ['/tmp/h2k-samples/split.vmdk', '/tmp/h2k-samples/split-s001.vmdk']],
    ['info-snapshot-chain.json', null, ['/tmp/h2k-samples/delta-000001.vmdk', '/tmp/h2k-samples/base.vmdk']],
    ['info-qcow2-external-data.json', null, ['/tmp/h2k-samples/external.qcow2', '/tmp/h2k-samples/data.raw']],
    ['info-extent-device.json', null, ['/tmp/h2k-samples/evil.vmdk', '/dev/zero']],
    ['info-qcow2-nbd-backing.json', null, ['/tmp/h2k-samples/nbd-backed.qcow2', 'nbd://127.0.0.1:10809/x']],
    // A disk read in place from an OVA: qemu names it json:{…}; accepted when it is only the archive.
    ['info-ova-member.json', '/tmp/h2k-samples/appliance.ova', []],
  ])('%s', (name, archive, files) => {
    expect(chainFiles(sample(name), archive)).toEqual(files);
  });

  it('keeps a json: name that reaches beyond the archive', () => {
    const files = chainFiles(sample('info-ova-member.json'), '/tmp/other.ova');
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.startsWith('json:'))).toBe(true);
    expect(files.map(chainFileProblem).every((problem) => problem?.includes('not a plain absolute path'))).toBe(true);
  });

  it.each([
    ['/srv/disk.vmdk', null],
    ['nbd://127.0.0.1:10809/x', 'not a plain absolute path'],
    ['json:{"driver":"file","filename":"/etc/shadow"}', 'not a plain absolute path'],
    ['disk-s001.vmdk', 'not a plain absolute path'],
  ])('chainFileProblem(%s) → %s', (file, problem) => {
    const found = chainFileProblem(file);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });
});

describe('startup decisions', () => {
  it.each([
    ['root, started directly', { euid: 0, env: {}, electron: undefined }, null],
    ['root under pkexec', { euid: 0, env: { PKEXEC_UID: '1000' }, electron: undefined }, null],
    ['packaged: Electron as Node under pkexec', { euid: 0, env: { PKEXEC_UID: '1000', ELECTRON_RUN_AS_NODE: '1' }, electron: '41.7.1' }, null],
    ['not root', { euid: 1000, env: {}, electron: undefined }, 'must run as root'],
    ['no euid at all', { euid: null, env: {}, electron: undefined }, 'must run as root'],
    ['test override as root', { euid: 0, env: { HYPER2KVM_HELPER_CONFIG: '/tmp/x/helper.json' }, electron: undefined }, null],
    ['test override under pkexec', { euid: 0, env: { HYPER2KVM_HELPER_CONFIG: '/tmp/x/helper.json', PKEXEC_UID: '1000' }, electron: undefined }, 'refused under pkexec'],
    ['test override in the packaged app', { euid: 0, env: { HYPER2KVM_HELPER_CONFIG: '/tmp/x/helper.json' }, electron: '41.7.1' }, 'refused in the packaged app'],
    ['relative test override', { euid: 0, env: { HYPER2KVM_HELPER_CONFIG: 'helper.json' }, electron: undefined }, 'must be an absolute path'],
    ['garbled PKEXEC_UID', { euid: 0, env: { PKEXEC_UID: '0; rm -rf /' }, electron: undefined }, 'PKEXEC_UID is not a user id'],
  ])('%s', (_name, facts, problem) => {
    const found = startupProblem(facts);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });

  it.each([
    [{}, null],
    [{ PKEXEC_UID: '' }, null],
    [{ PKEXEC_UID: '1000' }, 1000],
    [{ PKEXEC_UID: '0' }, 0],
  ])('invokingUid(%j) → %s', (env, uid) => {
    expect(invokingUid(env)).toBe(uid);
  });

  it('replaces the whole environment with a fixed PATH and the C locale', () => {
    const env: NodeJS.ProcessEnv = { PATH: '/home/ann/bin:/usr/bin', LD_PRELOAD: '/tmp/evil.so', NODE_OPTIONS: '--require /tmp/x.js', QEMU_AUDIO_DRV: 'none' };
    resetEnvironment(env);
    expect(env).toEqual({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' });
  });
});

describe('replaceProblem (file.finalize with overwrite, issue 11)', () => {
  const user = 1000;
  it.each([
    ['the user\'s own earlier output', { uid: user, isFile: true, createdHere: false }, null],
    ['a file this session wrote', { uid: 0, isFile: true, createdHere: true }, null],
    ["root's disk of another VM", { uid: 0, isFile: true, createdHere: false }, /belongs to root, not to you \(user 1000\)/],
    ["another user's disk", { uid: 1001, isFile: true, createdHere: false }, /belongs to user 1001/],
    ['a folder the user owns', { uid: user, isFile: false, createdHere: false }, /not a regular file/],
  ])('%s', (_name, facts, problem) => {
    const result = replaceProblem(facts, user);
    if (problem === null) expect(result).toBeNull();
    else expect(result).toMatch(problem);
  });

  it('root (the helper started directly) may replace what root owns', () => {
    expect(replaceProblem({ uid: 0, isFile: true, createdHere: false }, 0)).toBeNull();
  });
});

describe('removeProblem (file.remove, issue 11)', () => {
  const user = 1000;
  it.each([
    ['a file this session wrote, still the same inode', { uid: user, isFile: true, createdHere: true, temporaryName: false }, null],
    ["the user's leftover temporary output", { uid: user, isFile: true, createdHere: false, temporaryName: true }, null],
    ["another user's temporary output", { uid: 1001, isFile: true, createdHere: false, temporaryName: true }, /temporary output of user 1001, not yours/],
    ['a final name the session wrote but that now holds another file', { uid: user, isFile: true, createdHere: false, temporaryName: false }, /neither a temporary output nor a file this helper wrote/],
    ["root's disk", { uid: 0, isFile: true, createdHere: false, temporaryName: false }, /neither a temporary output/],
  ])('%s', (_name, facts, problem) => {
    const result = removeProblem(facts, user);
    if (problem === null) expect(result).toBeNull();
    else expect(result).toMatch(problem);
  });
});
