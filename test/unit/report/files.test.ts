import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readReportFile, writeReportHtml } from '../../../electron/engine/report/files';
import { emptyInspectionReport } from '../../support/empty-inspection-report';

const report = emptyInspectionReport();

describe('report files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'h2k-report-files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back a saved report', async () => {
    const path = join(dir, 'inspection.json');
    writeFileSync(path, JSON.stringify(report));
    expect(await readReportFile(path)).toEqual(report);
  });

  it.each([
    ['not JSON', '{oops', /is not JSON/],
    ['another JSON document', '{"hello":1}', /not a hyper2kvm inspection report/],
    ['a report from a newer hyper2kvm', JSON.stringify({ ...report, schemaVersion: 99 }), /newer hyper2kvm \(schema 99/],
    ['a damaged report', JSON.stringify({ ...report, os: { type: 3 } }), /damaged: os\./],
  ])('refuses %s with INSPECT_REPORT_INVALID', async (_name, content, message) => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, content);
    await expect(readReportFile(path)).rejects.toMatchObject({ value: { code: 'INSPECT_REPORT_INVALID', kind: 'bad-input', message: expect.stringMatching(message) as unknown } });
  });

  it('says which file is missing', async () => {
    await expect(readReportFile(join(dir, 'missing.json'))).rejects.toMatchObject({ value: { code: 'IO_FAILED' } });
  });

  it('writes the HTML export, and replaces an existing file only when asked', async () => {
    const out = join(dir, 'report.html');
    const written = await writeReportHtml(report, out);
    expect(written.path).toBe(out);
    expect(readFileSync(out, 'utf8')).toContain('No operating system found');
    expect(written.bytes).toBe(readFileSync(out).length);
    await expect(writeReportHtml(report, out)).rejects.toMatchObject({ value: { code: 'OUTPUT_EXISTS' } });
    await expect(writeReportHtml(report, out, { overwrite: true })).resolves.toMatchObject({ path: out });
    // A folder that does not exist yet is created, as a conversion creates its destination.
    await expect(writeReportHtml(report, join(dir, 'no-such-dir', 'r.html'))).resolves.toMatchObject({ path: join(dir, 'no-such-dir', 'r.html') });
  });
});
