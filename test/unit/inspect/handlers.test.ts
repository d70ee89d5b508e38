import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BootVerification } from '../../../shared/contract/models/boot';
import { InspectionReport } from '../../../shared/contract/models/inspection';
import { inspectCli, inspectJob } from '../../../electron/engine/inspect/job';
import { createEngine } from '../../../electron/engine/service';

// The report calls that need no appliance, on real samples: a Windows report and the boot
// verification of the Debian guest (its screenshots moved into this test's jobs folder).
const sample = (path: string): unknown => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const windows = InspectionReport.parse(sample('../renderer/samples/inspection-win10-hibernated.json'));
const verification = BootVerification.parse(sample('../boot/samples/debian-boot-verification.json'));

const work = mkdtempSync(join(tmpdir(), 'h2k-inspect-handlers-'));
const jobsDir = join(work, 'jobs');
const engine = createEngine({ transport: 'memory', version: 'test', jobsDir, appHome: join(work, 'home') });
const h = engine.handlers;
const PNG = (tag: string): Buffer => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(tag)]);

afterAll(async () => {
  await engine.shutdown();
  rmSync(work, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<{ code: string; kind: string; message: string }> {
  const error = (await promise.then(
    () => null,
    (e: unknown) => e,
  )) as { value?: { code: string; kind: string; message: string } } | null;
  if (!error?.value) throw new Error('expected an engine failure');
  return error.value;
}

describe('report exports', () => {
  it('embeds boot screenshots from the jobs folder only, never files named from elsewhere', async () => {
    const inside = join(jobsDir, '20261125-205326-629a91', 'boot', 'screen-009.png');
    const outside = join(work, 'elsewhere', 'screen-010.png');
    mkdirSync(join(inside, '..'), { recursive: true });
    mkdirSync(join(outside, '..'), { recursive: true });
    writeFileSync(inside, PNG('inside'));
    writeFileSync(outside, PNG('outside'));
    const report = {
      ...windows,
      bootVerification: { ...verification, evidence: { ...verification.evidence, screenshots: [{ path: inside, atMs: 41_000 }, { path: outside, atMs: 42_000 }], finalScreenshot: inside } },
    };
    const out = join(work, 'with-boot.html');
    await h['inspect.exportHtml']({ source: { report }, out, overwrite: false });
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(`data:image/png;base64,${PNG('inside').toString('base64')}`);
    expect(html).not.toContain(PNG('outside').toString('base64'));
    expect(html).toContain('Boot verification');
  });

  it('stops a PDF export whose call was cancelled (the dialog closed): CANCELLED, no file', async () => {
    const out = join(work, 'cancelled.pdf');
    const call = new AbortController();
    call.abort();
    expect((await failure(h['inspect.exportPdf']({ source: { report: windows }, out, overwrite: false }, { signal: call.signal }))).code).toBe('CANCELLED');
    expect(() => readFileSync(out)).toThrow(/ENOENT/);
  });

  it('writes JSON that reads back as the same report, and never replaces a file unasked', async () => {
    const out = join(work, 'win10.json');
    const written = await h['inspect.exportJson']({ source: { report: windows }, out, overwrite: false });
    expect(written.bytes).toBe(readFileSync(out).length);
    expect(await h['inspect.open']({ path: out })).toEqual(windows);
    expect(await failure(h['inspect.exportJson']({ source: { report: windows }, out, overwrite: false }))).toMatchObject({ code: 'OUTPUT_EXISTS', kind: 'bad-input' });
  });

  it.each([
    ['a relative output path', () => h['inspect.exportHtml']({ source: { report: windows }, out: 'report.html', overwrite: false }), 'INVALID_REQUEST'],
    ['a relative report path', () => h['inspect.open']({ path: 'inspection.json' }), 'INVALID_REQUEST'],
    ['a job without a report', () => h['inspect.report']({ jobId: '20261125-000000-abcdef' }), 'INSPECT_REPORT_NOT_FOUND'],
    ['a report file that is not one', () => h['inspect.exportPdf']({ source: { path: join(work, 'with-boot.html') }, out: join(work, 'x.pdf'), overwrite: false }), 'INSPECT_REPORT_INVALID'],
  ])('refuses %s', async (_name, call, code) => {
    expect(await failure(call())).toMatchObject({ code, kind: 'bad-input' });
  });
});

describe('the inspect job', () => {
  it('records absolute disk paths and the command line that replays it', () => {
    const spec = inspectJob([{ path: 'vm/disk1.vmdk' }, { path: '/srv/vm/disk2.vmdk', format: 'vmdk' }], { version: '1.2.3' });
    expect(spec.kind).toBe('inspect');
    expect(spec.title).toBe('Inspect disk1.vmdk, disk2.vmdk');
    expect(spec.stages).toEqual([{ id: 'inspect', label: 'Inspect the guest' }]);
    expect(spec.request).toEqual({ disks: [{ path: join(process.cwd(), 'vm/disk1.vmdk') }, { path: '/srv/vm/disk2.vmdk', format: 'vmdk' }] });
    expect(spec.cli).toEqual(['hyper2kvm', 'inspect', join(process.cwd(), 'vm/disk1.vmdk'), '/srv/vm/disk2.vmdk']);
    expect(inspectCli([])).toEqual(['hyper2kvm', 'inspect']);
  });

  it('names a VM of many disks without listing them all', () => {
    const spec = inspectJob(['a', 'b', 'c', 'd', 'e'].map((n) => ({ path: `/vm/${n}.qcow2` })), { version: '1' });
    expect(spec.title).toBe('Inspect a.qcow2, b.qcow2, c.qcow2 and 2 more');
  });
});
