import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeExportFile } from '../../../electron/engine/report/export-file';
import { failureOf } from '../../support/failures';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'h2k-export-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeExportFile', () => {
  it('creates a destination folder that does not exist yet, as a conversion does', async () => {
    const out = join(dir, 'not', 'yet', 'report.json');
    expect(await writeExportFile(out, '{}\n', false)).toEqual({ path: out, bytes: 3 });
    expect(readFileSync(out, 'utf8')).toBe('{}\n');
  });

  it('names the folder, and the file in its way, when the folder cannot be made', async () => {
    writeFileSync(join(dir, 'plain-file'), 'x');
    const error = await failureOf(writeExportFile(join(dir, 'plain-file', 'sub', 'report.html'), '<html>', false));
    expect(error.code).toBe('IO_FAILED');
    expect(error.message).toBe(`The export folder ${join(dir, 'plain-file', 'sub')} cannot be created: ${join(dir, 'plain-file')} is a file, not a folder.`);
    expect(error.message).not.toContain('report.html');
  });

  it('still refuses to replace a file unless allowed', async () => {
    const out = join(dir, 'report.json');
    writeFileSync(out, 'old');
    expect((await failureOf(writeExportFile(out, 'new', false))).code).toBe('OUTPUT_EXISTS');
    expect(readFileSync(out, 'utf8')).toBe('old');
  });
});
