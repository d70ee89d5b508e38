import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BootVerification } from '../../../shared/contract/models/boot';
import { readInspectionReport } from '../../../shared/contract/models/inspection';
import { EngineFailure } from '../../../electron/engine/core/errors';
import { attachToInspectionReport, evidenceImages, inspectionNoteFor, loadVerification, readInspectionFile, readScreenshot, storeVerification } from '../../../electron/engine/boot/evidence';
import { encodePng } from '../../../electron/engine/boot/png';
import { emptyInspectionReport } from '../../support/empty-inspection-report';

/** What a real verification of the Debian test guest stored (its evidence paths point nowhere here). */
const debian = BootVerification.parse(JSON.parse(readFileSync(join(import.meta.dirname, 'samples', 'debian-boot-verification.json'), 'utf8')));

const work = mkdtempSync(join(tmpdir(), 'h2k-evidence-'));
let n = 0;
const folder = (): string => {
  const dir = join(work, `case-${++n}`);
  mkdirSync(join(dir, 'boot'), { recursive: true });
  return dir;
};
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A 4×2 picture in the engine's own PNG encoding (what screenshots are converted to). */
const png = encodePng({ width: 4, height: 2, rgb: new Uint8Array(4 * 2 * 3).fill(200) });

const codeOf = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EngineFailure) return error.value.code;
    throw error;
  }
  throw new Error('expected a failure');
};

describe('the verification kept with its job', () => {
  it('is stored and read back as it was', async () => {
    const dir = folder();
    const path = await storeVerification(dir, debian);
    expect(path).toBe(join(dir, 'boot-verification.json'));
    expect(await loadVerification(dir)).toEqual(debian);
  });

  it('is missing for a job that has none (still running, failed, another kind)', async () => {
    expect(await codeOf(loadVerification(folder()))).toBe('BOOT_RESULT_NOT_FOUND');
  });
});

describe('readScreenshot', () => {
  it('returns a screenshot as base64 PNG', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'boot', 'screen-001.png'), png);
    const image = await readScreenshot(dir, 'screen-001.png');
    expect(image).toEqual({ name: 'screen-001.png', mime: 'image/png', base64: png.toString('base64'), bytes: png.length });
  });

  it.each([
    ['a screenshot deleted as a duplicate', 'screen-002.png', null],
    ['a file that is not a PNG', 'screen-003.png', 'P6\n4 2\n255\n'],
  ])('refuses %s', async (_name, file, content) => {
    const dir = folder();
    if (content !== null) writeFileSync(join(dir, 'boot', file), content);
    expect(await codeOf(readScreenshot(dir, file))).toBe('BOOT_SCREENSHOT_NOT_FOUND');
  });
});

describe('evidenceImages (for the HTML report)', () => {
  it('embeds the screenshots that exist as data: URLs keyed by their path', async () => {
    const dir = folder();
    const present = join(dir, 'boot', 'screen-001.png');
    const gone = join(dir, 'boot', 'screen-002.png');
    writeFileSync(present, png);
    const verification = { ...debian, evidence: { ...debian.evidence, screenshots: [{ path: present, atMs: 2000 }, { path: gone, atMs: 7000 }] } };
    expect(await evidenceImages(verification)).toEqual({ [present]: `data:image/png;base64,${png.toString('base64')}` });
  });
});

describe('attachToInspectionReport', () => {
  it('puts the verdict into the report, which still reads as a report; a later verification replaces it', async () => {
    const path = join(folder(), 'inspection.json');
    writeFileSync(path, JSON.stringify(emptyInspectionReport()));
    expect(await attachToInspectionReport(path, debian)).toBeNull();
    const read = readInspectionReport(JSON.parse(readFileSync(path, 'utf8')));
    expect(read.ok && read.report.bootVerification).toEqual(debian);

    const timedOut = { ...debian, verdict: 'timeout' as const, reason: 'timeout' as const };
    expect(await attachToInspectionReport(path, timedOut)).toBeNull();
    const again = readInspectionReport(JSON.parse(readFileSync(path, 'utf8')));
    expect(again.ok && again.report.bootVerification?.verdict).toBe('timeout');
  });

  it.each<[string, string | null, RegExp]>([
    ['no report at all', null, /^There is no inspection report at /],
    ['a file that is not JSON', 'not json', /could not be read/],
    ['JSON that is not a report', '{"kind":"something else"}', /^This is not a hyper2kvm inspection report\.$/],
  ])('says why it cannot: %s', async (_name, content, reason) => {
    const path = join(folder(), 'inspection.json');
    if (content !== null) writeFileSync(path, content);
    expect(await attachToInspectionReport(path, debian)).toMatch(reason);
    if (content !== null) expect(readFileSync(path, 'utf8')).toBe(content); // left as it was
  });
});

describe('the inspection note in a verdict', () => {
  it('repeats in the verdict that the inspection found no operating system', async () => {
    const path = join(folder(), 'inspection.json');
    writeFileSync(path, JSON.stringify(emptyInspectionReport()));
    const report = await readInspectionFile(path);
    expect(report).not.toBeNull();
    expect(inspectionNoteFor(report!, 'job-7')).toBe('The inspection of this disk (job job-7) found no operating system on it: there was nothing to boot.');
  });

  it('adds nothing for a disk with an OS; a missing or unreadable report reads as none', async () => {
    const report = emptyInspectionReport();
    expect(inspectionNoteFor({ ...report, os: { ...report.os, type: 'linux', root: '/dev/sda1' } }, 'job-8')).toBeNull();
    expect(await readInspectionFile(join(folder(), 'missing.json'))).toBeNull();
    const broken = join(folder(), 'broken.json');
    writeFileSync(broken, '{"os":');
    expect(await readInspectionFile(broken)).toBeNull();
  });
});
