import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kindOf } from '../../../shared/contract/errors';
import { MAX_REPORT_FILE_BYTES, readReportText, reportFileProblem } from '../../../renderer/src/features/reports/report-file';

// Opening a saved report in the page: the real report of an inspection run, and files that are not one.
const text = readFileSync(new URL('./samples/inspection-linux-legacy.json', import.meta.url), 'utf8');
const saved = JSON.parse(text) as Record<string, unknown>;

describe('opening a saved report in the viewer', () => {
  it('reads a report as the engine saved it', () => {
    const read = readReportText('inspection.json', text);
    expect(read.ok).toBe(true);
    if (read.ok) {
      expect(read.report.os.hostname).toBe('h2k-debian');
      expect(read.report.applications).toHaveLength(163);
    }
  });

  it.each([
    ['not JSON', '{"schemaVersion": 1,', /report\.json is not JSON/],
    ['another JSON document', '{"name":"package.json"}', /not a hyper2kvm inspection report/],
    ['a JSON array', '[1,2,3]', /not a hyper2kvm inspection report/],
    ['a report of a newer hyper2kvm', JSON.stringify({ ...saved, schemaVersion: 2 }), /newer hyper2kvm \(schema 2; this one reads 1\)/],
    ['a damaged report', JSON.stringify({ ...saved, findings: [{ code: 'X' }] }), /damaged: findings\.0\./],
  ])('refuses %s with a clear bad-input error', (_name, content, message) => {
    const read = readReportText('report.json', content);
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(read.error).toMatchObject({ code: 'INSPECT_REPORT_INVALID', kind: 'bad-input', evidence: { path: 'report.json' } });
      expect(read.error.message).toMatch(message);
      expect(read.error.hint).toMatch(/inspection\.json/);
      expect(kindOf(read.error.code)).toBe('bad-input');
    }
  });

  it.each([
    [0, /is empty/],
    [MAX_REPORT_FILE_BYTES + 1, /too large/],
  ])('refuses a file of %i bytes before reading it', (size, message) => {
    expect(reportFileProblem('big.json', size)?.message).toMatch(message);
  });

  it('accepts a file of a plausible size', () => {
    expect(reportFileProblem('inspection.json', text.length)).toBeNull();
  });
});
