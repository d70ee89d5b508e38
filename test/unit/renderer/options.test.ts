import { describe, expect, it } from 'vitest';
import { defaultOutputName, initialDraft, nameProblem, startProblems, toConvertOptions } from '../../../renderer/src/features/convert/options';
import type { OptionsDraft, PreviewState } from '../../../renderer/src/features/convert/options';
import { ConvertPreview } from '../../../shared/contract/models/convert';
import { SourcePlan } from '../../../shared/contract/models/source';

function plan(primary: string, vmName?: string): SourcePlan {
  return SourcePlan.parse({
    kind: 'vmdk',
    input: primary,
    primary,
    vm: vmName === undefined ? {} : { name: vmName },
    disks: [{ id: 'disk1', label: 'disk.vmdk', locator: { type: 'file', path: primary }, format: 'vmdk', virtualSize: 1, allocatedSize: 1, requiredBytes: 1, chain: [] }],
  });
}

describe('defaultOutputName', () => {
  it.each([
    ['/srv/vms/web01/web01.vmx', 'web01 (prod)', 'web01-prod-'],
    ['/srv/vms/web01/web01.vmx', 'Überserver 2019', 'berserver-2019'],
    ['/h/uploads/b1/disk.vmdk', undefined, 'disk'],
    ['/h/uploads/b1/App-1.0.OVA', undefined, 'App-1.0'],
    ['/srv/x/---.vmdk', undefined, 'disk'],
    ['/srv/x/data.disk.img', undefined, 'data.disk'],
  ])('%s named %j → %s', (primary, vmName, expected) => {
    expect(defaultOutputName(plan(primary, vmName))).toBe(expected);
  });

  describe('for files uploaded from a browser', () => {
    const folderPlan = (vmName: string | undefined): SourcePlan =>
      SourcePlan.parse({
        ...plan('/h/uploads/3fa9c2d1e0b4a5968778695a/disk.vmdk'),
        kind: 'folder',
        input: '/h/uploads/3fa9c2d1e0b4a5968778695a',
        vm: vmName === undefined ? {} : { name: vmName },
      });
    const upload = (droppedFolder: string | null) => ({ batchFolder: '/h/uploads/3fa9c2d1e0b4a5968778695a', droppedFolder });

    it('names the output after the dropped folder, not the random upload folder', () => {
      expect(defaultOutputName(folderPlan('3fa9c2d1e0b4a5968778695a'), upload('web01 (copy)'))).toBe('web01-copy-');
    });

    it('uses the disk name when loose files were dropped', () => {
      expect(defaultOutputName(folderPlan('3fa9c2d1e0b4a5968778695a'), upload(null))).toBe('disk');
    });

    it("keeps the VM's own name (from a VMX or OVF in the drop)", () => {
      expect(defaultOutputName(folderPlan('web01'), upload('some-folder'))).toBe('web01');
    });
  });

  it('starts with qcow2, no compression, no overwrite, the default folder', () => {
    expect(initialDraft(plan('/a/web.vmdk'), '/root/hyper2kvm-output')).toEqual({ format: 'qcow2', compress: false, outDir: '/root/hyper2kvm-output', name: 'web', overwrite: false, inspect: true, repair: true, networkRepair: 'pin-name', serialConsole: false, virtioWin: '' });
  });
});

describe('nameProblem', () => {
  it.each([
    ['web01', null],
    ['web01.v2+final_a-b', null],
    ['', 'Give the output a name.'],
    ['  ', 'Give the output a name.'],
    ['../etc/passwd', 'The name is a file name, not a path: no slash. Choose the folder under Destination.'],
    ['-rf', 'The name must start with a letter or a digit.'],
    ['.hidden', 'The name must start with a letter or a digit.'],
    ['web 01', 'Use letters, digits, dot, dash, underscore and plus only.'],
    ['a'.repeat(201), 'The name is longer than 200 characters.'],
  ])('%j → %j', (name, problem) => {
    expect(nameProblem(name)).toBe(problem);
  });
});

const draft = (patch: Partial<OptionsDraft> = {}): OptionsDraft => ({ format: 'qcow2', compress: false, outDir: '/out', name: 'web', overwrite: false, inspect: true, repair: false, networkRepair: 'pin-name', serialConsole: false, virtioWin: '', ...patch });

describe('toConvertOptions', () => {
  it('sends compression only with qcow2', () => {
    expect(toConvertOptions(draft({ compress: true }))).toMatchObject({ format: 'qcow2', compress: true });
    expect(toConvertOptions(draft({ format: 'raw', compress: true }))).toMatchObject({ format: 'raw', compress: false });
  });

  it('asks for the inspection unless it was turned off, and always with the repair', () => {
    expect(toConvertOptions(draft())).toMatchObject({ inspect: true });
    expect(toConvertOptions(draft({ inspect: false }))).toMatchObject({ inspect: false });
    expect(toConvertOptions(draft({ inspect: false, repair: true }))).toMatchObject({ inspect: true, repair: { review: true, network: 'pin-name', serialConsole: false } });
    expect(toConvertOptions(draft({ repair: false }))).not.toHaveProperty('repair');
  });

  it('refuses a relative destination or a bad name', () => {
    expect(toConvertOptions(draft({ outDir: 'out' }))).toBeNull();
    expect(toConvertOptions(draft({ name: 'a/b' }))).toBeNull();
  });
});

describe('startProblems', () => {
  const options = toConvertOptions(draft());
  const preview = (blockers: Array<{ code: string; message: string; hint: string }>): PreviewState => ({
    status: 'ready',
    requestId: 3,
    preview: ConvertPreview.parse({
      source: plan('/a/web.vmdk'),
      options,
      outputs: [{ diskId: 'disk1', path: '/out/web.qcow2', format: 'qcow2', estimatedBytes: 10, exists: blockers.length > 0 }],
      estimatedBytes: 10,
      destinationFreeBytes: 1e12,
      blockers,
    }),
  });

  it('allows Start once the preview of exactly these options has no blocker', () => {
    expect(startProblems(draft(), preview([]), options)).toEqual([]);
  });

  it('lists every blocker of the preview', () => {
    const blockers = [
      { code: 'OUTPUT_EXISTS', message: '/out/web.qcow2 already exists.', hint: 'Choose another name.' },
      { code: 'DEST_NO_SPACE', message: 'Not enough space in /out.', hint: 'Free some space.' },
    ];
    expect(startProblems(draft(), preview(blockers), options)).toEqual(['/out/web.qcow2 already exists.', 'Not enough space in /out.']);
  });

  it('waits while the preview is for other options or still loading', () => {
    expect(startProblems(draft({ name: 'other' }), preview([]), options)).toEqual(['Waiting for the preview of this conversion.']);
    expect(startProblems(draft(), { status: 'loading', requestId: 4 }, options)).toEqual(['Waiting for the preview of this conversion.']);
  });

  it('names field problems before anything else', () => {
    expect(startProblems(draft({ name: '', outDir: '' }), preview([]), options)).toEqual(['Give the output a name.', 'Choose a destination folder.']);
  });

  it('does not start after a failed preview', () => {
    const failed: PreviewState = { status: 'error', requestId: 5, error: { code: 'SOURCE_NOT_FOUND', kind: 'bad-input', message: '/a/web.vmdk does not exist.', hint: '' } };
    expect(startProblems(draft(), failed, options)).toEqual(['The preview failed: /a/web.vmdk does not exist.']);
  });
});
