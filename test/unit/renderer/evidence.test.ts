import { describe, expect, it } from 'vitest';
import { evidenceRows, shellQuote } from '../../../renderer/src/components/evidence';
import { toErrorValue } from '../../../renderer/src/app/errors';
import { RemoteError } from '../../../shared/rpc/client';

describe('shellQuote', () => {
  it.each([
    [['/usr/bin/qemu-img', 'info', '--output=json', '/srv/vm/disk.vmdk'], '/usr/bin/qemu-img info --output=json /srv/vm/disk.vmdk'],
    [['/usr/bin/qemu-img', 'convert', '-O', 'qcow2', '/srv/My VM/disk 1.vmdk'], "/usr/bin/qemu-img convert -O qcow2 '/srv/My VM/disk 1.vmdk'"],
    [['echo', "it's", ''], "echo 'it'\\''s' ''"],
  ])('%j', (argv, expected) => {
    expect(shellQuote(argv)).toBe(expected);
  });
});

describe('evidenceRows', () => {
  it('lists a failed tool run as command, exit code and stderr tail', () => {
    const rows = evidenceRows({
      command: ['/usr/bin/qemu-img', 'info', '--output=json', '/tmp/up/notes.vmdk'],
      exitCode: 1,
      stderrTail: "qemu-img: Could not open '/tmp/up/notes.vmdk': invalid VMDK image descriptor\n\n",
    });
    expect(rows).toEqual([
      { label: 'Command', value: '/usr/bin/qemu-img info --output=json /tmp/up/notes.vmdk', code: true },
      { label: 'Exit code', value: '1', code: false },
      { label: 'Error output (last lines)', value: "qemu-img: Could not open '/tmp/up/notes.vmdk': invalid VMDK image descriptor", code: true },
    ]);
  });

  it('shows the file and line of a parse problem, and details as JSON', () => {
    const rows = evidenceRows({ path: '/srv/vm/vm.vmx', line: 12, details: { expectedAt: '/srv/vm/disk.vmdk' } });
    expect(rows.map((r) => r.label)).toEqual(['File', 'Details']);
    expect(rows[0]!.value).toBe('/srv/vm/vm.vmx, line 12');
    expect(JSON.parse(rows[1]!.value)).toEqual({ expectedAt: '/srv/vm/disk.vmdk' });
  });

  it('has nothing to show for an error without evidence', () => {
    expect(evidenceRows(undefined)).toEqual([]);
    expect(evidenceRows({ exitCode: null, stderrTail: '  \n' })).toEqual([]);
  });
});

describe('toErrorValue', () => {
  const value = { code: 'SOURCE_NOT_A_DISK', kind: 'bad-input' as const, message: 'notes.vmdk is not a disk.', hint: 'Choose a .vmdk file.' };

  it('unwraps the engine error value of a failed call', () => {
    expect(toErrorValue(new RemoteError(value))).toEqual(value);
  });

  it('keeps an error value as it is', () => {
    expect(toErrorValue(value)).toEqual(value);
  });

  it('turns a bug in the page into INTERNAL with its message and no stack', () => {
    const error = new TypeError("Cannot read properties of undefined (reading 'disks')");
    const shown = toErrorValue(error);
    expect(shown).toMatchObject({ code: 'INTERNAL', kind: 'failure' });
    expect(shown.message).toContain("reading 'disks'");
    const firstFrame = error.stack!.split('\n')[1]!.trim();
    expect(firstFrame).toMatch(/^at /);
    expect(JSON.stringify(shown)).not.toContain(firstFrame);
    expect(JSON.stringify(shown)).not.toContain('evidence.test.ts');
  });
});
