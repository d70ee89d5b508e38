import { describe, expect, it } from 'vitest';
import { chromiumPrintArgs, isPdf, writeReportPdf } from '../../../electron/engine/report/pdf';
import type { PdfPrinter } from '../../../electron/engine/report/pdf';
import { readFileSync, rmSync } from 'node:fs';
import { InspectionReport } from '../../../shared/contract/models/inspection';

const sample = (name: string): InspectionReport => InspectionReport.parse(JSON.parse(readFileSync(new URL(`../renderer/samples/${name}`, import.meta.url), 'utf8')));
const report = sample('inspection-win10-hibernated.json');
const linux = sample('inspection-linux-legacy.json');

describe('printing the report to PDF', () => {
  it('runs Chromium headless with a throwaway profile, no header or footer, and the page last', () => {
    const args = chromiumPrintArgs('file:///tmp/x/report.html', '/tmp/x/report.pdf', '/tmp/x/profile');
    expect(args).toEqual(expect.arrayContaining(['--headless', '--no-sandbox', '--disable-gpu', '--no-pdf-header-footer', '--user-data-dir=/tmp/x/profile', '--print-to-pdf=/tmp/x/report.pdf']));
    expect(args.at(-1)).toBe('file:///tmp/x/report.html');
  });

  it.each([
    ['a PDF', Buffer.from('%PDF-1.4\n%âãÏÓ\n'), true],
    ['HTML', Buffer.from('<!DOCTYPE html><html>'), false],
    ['nothing', Buffer.alloc(0), false],
  ])('tells %s apart', (_name, data, expected) => {
    expect(isPdf(data)).toBe(expected);
  });

  it('refuses what a printer returns when it is not a PDF, and writes nothing', async () => {
    const html: string[] = [];
    const broken: PdfPrinter = (page) => {
      html.push(page);
      return Promise.resolve(Buffer.from('<html>'));
    };
    const out = `/tmp/h2k-pdf-unit-${process.pid}.pdf`;
    await expect(writeReportPdf(report, out, { printer: broken })).rejects.toMatchObject({ value: { code: 'REPORT_PDF_FAILED', kind: 'failure' } });
    // The printer got the self-contained report of this guest.
    expect(html[0]).toMatch(/^<!DOCTYPE html>/);
    expect(html[0]).toContain('Windows 10 Pro');
    expect(() => readFileSync(out)).toThrow();
  });

  it('prints every list open: a PDF cannot be clicked, and closed details do not print', async () => {
    let printed = '';
    const capture: PdfPrinter = (page) => {
      printed = page;
      return Promise.resolve(Buffer.from('%PDF-1.4 stand-in'));
    };
    const out = `/tmp/h2k-pdf-unit-open-${process.pid}.pdf`;
    await writeReportPdf(linux, out, { printer: capture, overwrite: true });
    rmSync(out, { force: true });
    expect(printed).toContain(`<details open><summary>Show all ${linux.applications.length}</summary>`);
    expect(printed).toContain('<details open><summary>Enabled units (14)</summary>');
    expect(printed).toContain('libacl1');
    expect(printed).not.toMatch(/<details>/);
  });
});
