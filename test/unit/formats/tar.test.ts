import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, linkSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEntrySafety, listTar, plainEntryName } from '../../../electron/engine/formats/tar';
import type { TarEntry } from '../../../electron/engine/formats/tar';
import { asyncFailureOf, failureOf, sampleText } from './helpers';
import { base256, END_OF_ARCHIVE, member, paxMember, tarHeader } from './tar-builder';

// Archives are built at test time with the system's GNU tar (1.34 here) or by hand for hostile ones.
const TAR = '/usr/bin/tar';
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'h2k-tar-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Makes a folder with an exported VM's files: descriptor, manifest and a small "disk". */
function vmFolder(name: string): { dir: string; files: Record<string, Buffer> } {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const files: Record<string, Buffer> = {
    'vm.ovf': Buffer.from(sampleText('ovf/ovftool-vsphere6-efi.ovf')),
    'vm.mf': Buffer.from(sampleText('manifest/ovftool-sha256.mf')),
    // 3000 bytes: not a multiple of the block size, so padding is exercised.
    'vm-disk1.vmdk': Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37) % 256)),
  };
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  return { dir, files };
}

function gnuTar(archive: string, cwd: string, args: string[]): string {
  execFileSync(TAR, ['-cf', archive, ...args], { cwd });
  return archive;
}

async function contentAt(archive: string, entry: TarEntry): Promise<Buffer> {
  const handle = await open(archive, 'r');
  try {
    const buffer = Buffer.alloc(entry.size);
    await handle.read(buffer, 0, entry.size, entry.dataOffset);
    return buffer;
  } finally {
    await handle.close();
  }
}

function handMade(name: string, ...parts: Buffer[]): string {
  const path = join(work, name);
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

describe('listTar on archives written by GNU tar', () => {
  it.each(['ustar', 'gnu', 'pax'])('an OVA in %s format: names, sizes and data offsets', async (format) => {
    const { dir, files } = vmFolder(`ova-${format}`);
    const archive = gnuTar(join(work, `vm-${format}.ova`), dir, [`--format=${format}`, 'vm.ovf', 'vm.mf', 'vm-disk1.vmdk']);
    const entries = await listTar(archive);
    expect(entries.map((entry) => [entry.name, entry.type, entry.size])).toEqual(Object.entries(files).map(([file, content]) => [file, 'file', content.length]));
    for (const entry of entries) {
      expect(await contentAt(archive, entry)).toEqual(files[entry.name]);
      expect(() => checkEntrySafety(entry)).not.toThrow();
      expect(entry.mode & 0o777).toBe(statSync(join(dir, entry.name)).mode & 0o777);
    }
  });

  it.each([
    { format: 'gnu', how: "a GNU long-name ('L') entry" },
    { format: 'pax', how: "a pax ('x') path record" },
  ])('a name longer than 100 bytes through $how', async ({ format }) => {
    const long = `${'a-very-long-virtual-machine-name-'.repeat(4)}disk1.vmdk`;
    const dir = join(work, `long-${format}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, long), 'data');
    const archive = gnuTar(join(work, `long-${format}.tar`), dir, [`--format=${format}`, long]);
    const [entry] = await listTar(archive);
    expect(entry).toMatchObject({ name: long, type: 'file', size: 4 });
    expect((await contentAt(archive, entry!)).toString()).toBe('data');
  });

  it('a long path split into the ustar prefix field', async () => {
    const folder = `${'nested-folder-'.repeat(8)}end`;
    const dir = join(work, 'prefix');
    mkdirSync(join(dir, folder), { recursive: true });
    writeFileSync(join(dir, folder, 'disk1.vmdk'), 'x');
    const archive = gnuTar(join(work, 'prefix.tar'), dir, ['--format=ustar', `${folder}/disk1.vmdk`]);
    const raw = readFileSync(archive);
    expect(raw.toString('latin1', 345, 345 + folder.length)).toBe(folder);
    expect((await listTar(archive)).map((entry) => entry.name)).toEqual([`${folder}/disk1.vmdk`]);
  });

  it('a UTF-8 name (pax)', async () => {
    const dir = join(work, 'utf8');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'Prüfung-Ünïcødé.ovf'), '<x/>');
    const archive = gnuTar(join(work, 'utf8.tar'), dir, ['--format=pax', 'Prüfung-Ünïcødé.ovf']);
    expect((await listTar(archive))[0]?.name).toBe('Prüfung-Ünïcødé.ovf');
  });

  it('an archive made with `tar -C dir .`: "./" names and a directory entry', async () => {
    const { dir } = vmFolder('dot');
    const archive = gnuTar(join(work, 'dot.tar'), dir, ['--sort=name', '.']);
    const entries = await listTar(archive);
    expect(entries.map((entry) => [entry.name, entry.type])).toEqual([
      ['./', 'directory'],
      ['./vm-disk1.vmdk', 'file'],
      ['./vm.mf', 'file'],
      ['./vm.ovf', 'file'],
    ]);
    for (const entry of entries) expect(() => checkEntrySafety(entry)).not.toThrow();
    expect(entries.map((entry) => plainEntryName(entry.name))).toEqual(['', 'vm-disk1.vmdk', 'vm.mf', 'vm.ovf']);
  });

  it('links, devices and FIFOs are listed with their type and refused as unsafe', async () => {
    const { dir } = vmFolder('links');
    symlinkSync('/etc/passwd', join(dir, 'passwd.vmdk'));
    linkSync(join(dir, 'vm.ovf'), join(dir, 'hard.ovf'));
    execFileSync('/usr/bin/mkfifo', [join(dir, 'pipe')]);
    const archive = gnuTar(join(work, 'links.tar'), dir, ['vm.ovf', 'hard.ovf', 'passwd.vmdk', 'pipe', '-C', '/dev', 'null']);
    const entries = await listTar(archive);
    expect(entries.map((entry) => [entry.name, entry.type, entry.linkName])).toEqual([
      ['vm.ovf', 'file', undefined],
      ['hard.ovf', 'hardlink', 'vm.ovf'],
      ['passwd.vmdk', 'symlink', '/etc/passwd'],
      ['pipe', 'other', undefined],
      ['null', 'other', undefined],
    ]);
    for (const entry of entries.slice(1)) {
      const error = failureOf(() => checkEntrySafety(entry));
      expect(error.code).toBe('OVA_UNSAFE_ENTRY');
      expect(error.kind).toBe('bad-input');
    }
    expect(failureOf(() => checkEntrySafety(entries[2]!)).message).toMatch(/symbolic link to "\/etc\/passwd"/);
  });

  it.each([
    { flag: '-z', compression: 'gzip' },
    { flag: '-J', compression: 'xz' },
    { flag: '-j', compression: 'bzip2' },
  ])('a $compression-compressed OVA is refused with OVA_COMPRESSED', async ({ flag, compression }) => {
    const { dir } = vmFolder(`compressed-${compression}`);
    const archive = gnuTar(join(work, `vm.ova.${compression}`), dir, [flag, 'vm.ovf']);
    const error = await asyncFailureOf(() => listTar(archive));
    expect(error.code).toBe('OVA_COMPRESSED');
    expect(error.kind).toBe('bad-input');
    expect(error.evidence?.details?.compression).toBe(compression);
  });

  it('an archive cut short in the middle of the disk data', async () => {
    const { dir } = vmFolder('cut');
    const archive = gnuTar(join(work, 'cut.ova'), dir, ['vm.ovf', 'vm-disk1.vmdk']);
    const entries = await listTar(archive);
    truncateSync(archive, entries[1]!.dataOffset + 1000);
    const error = await asyncFailureOf(() => listTar(archive));
    expect(error.code).toBe('OVA_GARBLED');
    expect(error.message).toMatch(/"vm-disk1.vmdk" runs past the end/);
    expect(error.evidence?.details?.offset).toBe(entries[1]!.dataOffset - 512);
  });

  it('an archive cut short in the middle of a header', async () => {
    const { dir } = vmFolder('cut-header');
    const archive = gnuTar(join(work, 'cut-header.ova'), dir, ['vm.ovf', 'vm-disk1.vmdk']);
    const entries = await listTar(archive);
    truncateSync(archive, entries[1]!.dataOffset - 200);
    expect((await asyncFailureOf(() => listTar(archive))).message).toMatch(/ends in the middle of a header/);
  });

  it('an archive without the end-of-archive blocks is still read (GNU tar reads it too)', async () => {
    const { dir } = vmFolder('no-end');
    const archive = gnuTar(join(work, 'no-end.ova'), dir, ['vm.ovf', 'vm-disk1.vmdk']);
    const entries = await listTar(archive);
    truncateSync(archive, entries[1]!.dataOffset + 3072);
    expect((await listTar(archive)).map((entry) => entry.name)).toEqual(['vm.ovf', 'vm-disk1.vmdk']);
    execFileSync(TAR, ['-tf', archive]);
  });
});

describe('listTar and checkEntrySafety on hand-made hostile archives', () => {
  it.each([
    { name: '../evil', says: /climbs out/ },
    { name: 'ok/../../evil', says: /climbs out/ },
    { name: '/etc/passwd', says: /absolute path/ },
    { name: 'C:/Windows/System32/evil.dll', says: /absolute path/ },
    { name: '..\\..\\evil.dll', says: /backslash/ },
    { name: 'disk\u001b[2J.vmdk', says: /control characters/ },
  ])('an entry named $name is listed, then refused', async ({ name, says }) => {
    const archive = handMade('hostile.tar', member({ name: 'vm.ovf' }, Buffer.from('<x/>')), member({ name }, Buffer.from('payload')), END_OF_ARCHIVE);
    const entries = await listTar(archive);
    expect(entries[1]?.name).toBe(name);
    const error = failureOf(() => checkEntrySafety(entries[1]!));
    expect(error.code).toBe('OVA_UNSAFE_ENTRY');
    expect(error.message).toMatch(says);
    expect(error.evidence?.details?.headerOffset).toBe(1024);
  });

  it('a pax header that overrides a harmless name with "../"', async () => {
    const archive = handMade('pax-path.tar', paxMember({ path: '../../etc/cron.d/evil' }), member({ name: 'disk1.vmdk' }, Buffer.from('* * * * * root id')), END_OF_ARCHIVE);
    const [entry] = await listTar(archive);
    expect(entry).toMatchObject({ name: '../../etc/cron.d/evil', headerOffset: 0, dataOffset: 1536 });
    expect(failureOf(() => checkEntrySafety(entry!)).code).toBe('OVA_UNSAFE_ENTRY');
  });

  it('a pax linkpath and a GNU long link name are reported on links', async () => {
    const archive = handMade(
      'pax-link.tar',
      paxMember({ linkpath: '/root/.ssh/authorized_keys' }),
      member({ name: 'keys.vmdk', type: '2', linkName: 'short' }),
      member({ name: '././@LongLink', type: 'K' }, Buffer.from('/var/lib/very/long/target\0')),
      member({ name: 'other.vmdk', type: '1', linkName: 'x' }),
      END_OF_ARCHIVE,
    );
    const entries = await listTar(archive);
    expect(entries.map((entry) => [entry.name, entry.type, entry.linkName])).toEqual([
      ['keys.vmdk', 'symlink', '/root/.ssh/authorized_keys'],
      ['other.vmdk', 'hardlink', '/var/lib/very/long/target'],
    ]);
  });

  it('a pax size overrides the header size', async () => {
    const archive = handMade('pax-size.tar', paxMember({ size: '5' }), member({ name: 'a.vmdk', size: 0 }, Buffer.from('12345')), member({ name: 'b.ovf' }, Buffer.from('b')), END_OF_ARCHIVE);
    expect((await listTar(archive)).map((entry) => [entry.name, entry.size, entry.dataOffset])).toEqual([
      ['a.vmdk', 5, 1536],
      ['b.ovf', 1, 2560],
    ]);
  });

  it('a bad header checksum names the entry and its offset', async () => {
    const archive = handMade('checksum.tar', member({ name: 'vm.ovf' }, Buffer.from('<x/>')), member({ name: 'disk1.vmdk', checksumError: 1 }, Buffer.from('x')), END_OF_ARCHIVE);
    const error = await asyncFailureOf(() => listTar(archive));
    expect(error.code).toBe('OVA_GARBLED');
    expect(error.message).toMatch(/at byte 1024: the header of "disk1.vmdk" has a wrong checksum/);
    expect(error.evidence?.details?.offset).toBe(1024);
  });

  it('a base-256 size (files of 8 GiB and more) is read and seeked over', async () => {
    const nineGiB = 9n * 2n ** 30n;
    const path = join(work, 'big.tar');
    const header = tarHeader({ name: 'big-disk1.vmdk', sizeField: base256(nineGiB) });
    const next = member({ name: 'after.mf' }, Buffer.from('m'));
    writeFileSync(path, header);
    // A sparse file: the 9 GiB of "data" take no space.
    truncateSync(path, 512 + Number(nineGiB));
    const handle = await open(path, 'a');
    await handle.write(Buffer.concat([next, END_OF_ARCHIVE]));
    await handle.close();
    expect((await listTar(path)).map((entry) => [entry.name, entry.size, entry.dataOffset])).toEqual([
      ['big-disk1.vmdk', Number(nineGiB), 512],
      ['after.mf', 1, 512 + Number(nineGiB) + 512],
    ]);
  });

  it.each([
    { name: 'a negative base-256 size', archive: () => Buffer.concat([tarHeader({ name: 'a', sizeField: Buffer.from([0xff, ...Array<number>(11).fill(0xff)]) }), END_OF_ARCHIVE]), says: /negative size/ },
    { name: 'a size that is not octal', archive: () => Buffer.concat([tarHeader({ name: 'a', sizeField: Buffer.from('00000009999\0') }), END_OF_ARCHIVE]), says: /unreadable size/ },
    { name: 'random bytes', archive: () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 97 + 5) % 256)), says: /wrong checksum/ },
    { name: 'an empty file', archive: () => Buffer.alloc(0), says: /empty/ },
    { name: 'a pax header with nothing after it', archive: () => Buffer.concat([paxMember({ path: 'a' }), END_OF_ARCHIVE]), says: /not followed by the entry/ },
    { name: 'a malformed pax record', archive: () => Buffer.concat([member({ name: 'p', type: 'x' }, Buffer.from('99 path=a\n')), member({ name: 'a' }), END_OF_ARCHIVE]), says: /pax extended header is malformed/ },
  ])('$name is OVA_GARBLED', async ({ archive, says }) => {
    const path = handMade('garbled.tar', archive());
    const error = await asyncFailureOf(() => listTar(path));
    expect(error.code).toBe('OVA_GARBLED');
    expect(error.message).toMatch(says);
  });

  it('a GNU long name of several megabytes is refused before it is read', async () => {
    const path = join(work, 'huge-name.tar');
    writeFileSync(path, tarHeader({ name: '././@LongLink', type: 'L', size: 8 * 1024 * 1024 }));
    truncateSync(path, 512 + 8 * 1024 * 1024 + 1024);
    expect((await asyncFailureOf(() => listTar(path))).message).toMatch(/extended header of 8388608 bytes is too large/);
  });

  it('a missing file is an I/O error naming the path', async () => {
    const error = await asyncFailureOf(() => listTar(join(work, 'no-such.ova')));
    expect(error.code).toBe('IO_FAILED');
    expect(error.evidence?.path).toBe(join(work, 'no-such.ova'));
  });

  it('stops when cancelled', async () => {
    const archive = handMade('cancel.tar', member({ name: 'a' }), END_OF_ARCHIVE);
    const controller = new AbortController();
    controller.abort();
    expect((await asyncFailureOf(() => listTar(archive, { signal: controller.signal }))).code).toBe('CANCELLED');
  });
});
