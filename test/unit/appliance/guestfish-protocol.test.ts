import { describe, expect, it } from 'vitest';
import {
  BatchCollector,
  buildBatch,
  formatCommand,
  known,
  parseBool,
  parseHash,
  parseInteger,
  parseLines,
  parseStruct,
  parseStructList,
  quoteArg,
} from '../../../electron/engine/appliance/guestfish-protocol';
import { parseBlkid, parseStatvfs } from '../../../electron/engine/inspect/storage';

describe('guestfish command lines', () => {
  it.each([
    ['/etc/fstab', '"/etc/fstab"'],
    ['/Program Files (x86)/a "b"', '"/Program Files (x86)/a \\"b\\""'],
    ['C:\\Windows', '"C:\\\\Windows"'],
    ['line\nbreak\ttab', '"line\\x0abreak\\x09tab"'],
  ])('quotes %j', (value, quoted) => {
    expect(quoteArg(value)).toBe(quoted);
  });

  it('prefixes every command with "-" so an error does not end the session', () => {
    expect(formatCommand({ name: 'download', args: ['/etc/fstab', '/tmp/x'] })).toBe('-download "/etc/fstab" "/tmp/x"');
    expect(formatCommand({ name: 'add-drive', args: ['/d.vmdk'], opts: { readonly: true, format: 'vmdk' } })).toBe('-add-drive "/d.vmdk" readonly:true format:vmdk');
    expect(formatCommand({ name: 'tar-out', args: ['/etc', '/t'], opts: { excludes: ['./ssl', './vmware-tools/*.so*'] } })).toBe('-tar-out "/etc" "/t" "excludes:./ssl ./vmware-tools/*.so*"');
  });

  it('refuses what could inject a second command', () => {
    expect(() => formatCommand({ name: 'run; rm', args: [] })).toThrow();
    expect(() => formatCommand({ name: 'add-drive', args: ['/d'], opts: { format: 'raw readonly:false' } })).toThrow();
    expect(() => formatCommand({ name: 'tar-out', args: ['/etc', '/t'], opts: { excludes: ['a b'] } })).toThrow();
    // A path argument is always quoted, so its content cannot start another command.
    expect(formatCommand({ name: 'cat', args: ['/x\n-rm-rf /'] })).toBe('-cat "/x\\x0a-rm-rf /"');
  });

  it('numbers input lines so errors can be traced to their command', () => {
    const script = buildBatch([{ name: 'run' }, { name: 'inspect-os' }], 'n0nce', 3, 7);
    expect(script.text).toBe(['-run', 'echo @@n0nce:3:0@@', '-inspect-os', 'echo @@n0nce:3:1@@', '!echo @@n0nce:3:end@@ >&2', ''].join('\n'));
    expect(script.lines).toEqual([7, 9]);
    expect(script.nextLine).toBe(12);
  });
});

describe('BatchCollector', () => {
  const commands = [{ name: 'mount-ro', args: ['/dev/sda1', '/'] }, { name: 'cat', args: ['/nope'] }, { name: 'cat', args: ['/etc/fstab'] }, { name: 'ls', args: ['/boot'] }];
  const script = buildBatch(commands, 'abc', 0, 5);

  it('cuts stdout per command and ties errors (with their continuation lines) to the command by line number', () => {
    const c = new BatchCollector(script, commands);
    // What guestfish printed, split at awkward places as pipes do.
    const out = '@@abc:0:0@@\n@@abc:0:1@@\n/dev/sda1 / ext4 defaults 0 1\n\n@@abc:0:2@@\nconfig-6.1.0\ngrub\n@@ab';
    const err = "*stdin*:7: libguestfs: error: download: /nope: No such file or directory\nsecond line of that error\n@@abc:0:en";
    expect(c.feedStdout(out)).toBe('');
    expect(c.feedStderr(err)).toBe('');
    expect(c.complete).toBe(false);
    expect(c.feedStdout('c:0:3@@\nNEXT')).toBe('NEXT');
    expect(c.complete).toBe(false);
    expect(c.feedStderr('d@@\nlater')).toBe('later');
    expect(c.complete).toBe(true);
    expect(c.results().map((r) => [r.command.name, r.ok, r.output, r.error])).toEqual([
      ['mount-ro', true, '', null],
      ['cat', false, '', 'download: /nope: No such file or directory\nsecond line of that error'],
      ['cat', true, '/dev/sda1 / ext4 defaults 0 1\n', null],
      ['ls', true, 'config-6.1.0\ngrub', null],
    ]);
  });

  it('keeps stderr lines before any error as unattributed (warnings)', () => {
    const c = new BatchCollector(script, commands);
    c.feedStdout('@@abc:0:0@@\n@@abc:0:1@@\n@@abc:0:2@@\n@@abc:0:3@@\n');
    c.feedStderr('libguestfs: warning: something odd\n@@abc:0:end@@\n');
    expect(c.results().every((r) => r.ok)).toBe(true);
    expect(c.unattributed).toEqual(['libguestfs: warning: something odd']);
  });
});

describe('guestfish output readers (real samples)', () => {
  it('reads a struct list (part-list)', () => {
    const out = '[0] = {\n  part_num: 1\n  part_start: 1048576\n  part_end: 3221225471\n  part_size: 3220176896\n}\n[1] = {\n  part_num: 2\n  part_start: 5\n  part_end: 6\n  part_size: 2\n}';
    expect(parseStructList(out)).toEqual([
      { part_num: '1', part_start: '1048576', part_end: '3221225471', part_size: '3220176896' },
      { part_num: '2', part_start: '5', part_end: '6', part_size: '2' },
    ]);
  });

  it('reads structs, hashes, lists, booleans and integers', () => {
    expect(parseStruct('major: 1\nminor: 48\nrelease: 6\nextra: ')).toEqual({ major: '1', minor: '48', release: '6', extra: '' });
    expect([...parseHash('/: /dev/sda2\n/boot: /dev/sda1')]).toEqual([
      ['/', '/dev/sda2'],
      ['/boot', '/dev/sda1'],
    ]);
    expect(parseLines('')).toEqual([]);
    expect(parseLines('/dev/sda1\n/dev/sda2')).toEqual(['/dev/sda1', '/dev/sda2']);
    expect([parseBool('true'), parseBool('false'), parseBool('')]).toEqual([true, false, null]);
    expect([parseInteger('12'), parseInteger('-1'), parseInteger('x')]).toEqual([12, -1, null]);
    expect([known('unknown'), known(''), known(' debian ')]).toEqual([null, null, 'debian']);
  });

  it('reads statvfs and blkid', () => {
    const statvfs = 'bsize: 4096\nfrsize: 4096\nblocks: 755146\nbfree: 568696\nbavail: 525292\nfiles: 196608\nffree: 181197\nfavail: 181197\nfsid: 960531246567607495\nflag: 4097\nnamemax: 255';
    expect(parseStatvfs(statvfs)).toEqual({ size: 755146 * 4096, used: (755146 - 568696) * 4096, free: 525292 * 4096 });
    expect(parseStatvfs('garbage')).toBeNull();
    expect(parseBlkid('/dev/sda1', 'UUID: 5b2d7c1e-8a34-4f0e-9c61-2f7d9e4a1b03\nBLOCK_SIZE: 4096\nTYPE: ext4\nPARTUUID: 48324b44-01')).toEqual({
      device: '/dev/sda1',
      type: 'ext4',
      label: null,
      uuid: '5b2d7c1e-8a34-4f0e-9c61-2f7d9e4a1b03',
      version: null,
    });
  });
});
