import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evidenceFromConversion, noOsWarning, plannerFacts } from '../../../renderer/src/features/domain/guest-evidence';
import { guestFactsFromReport } from '../../../shared/guest-facts';
import { InspectionReport } from '../../../shared/contract/models/inspection';
import { JobEvent } from '../../../shared/contract/events';

/** Reports recorded from the real inspection (samples/README in this folder). */
const SAMPLES = join(import.meta.dirname, 'samples');
const report = (name: string): InspectionReport => InspectionReport.parse(JSON.parse(readFileSync(join(SAMPLES, name), 'utf8')));
const noOsReport = (): InspectionReport => {
  const events = readFileSync(join(SAMPLES, 'inspect-no-os.events.jsonl'), 'utf8').trim().split('\n').map((l) => JobEvent.parse(JSON.parse(l)));
  const done = events.find((e) => e.type === 'done');
  return InspectionReport.parse(done?.type === 'done' ? done.result : null);
};

describe('what the Create VM plan may believe about the guest', () => {
  it.each([
    ['a Linux guest whose only kernel lacks virtio in its initramfs', 'inspection-linux-legacy.json', { os: 'linux', inspected: true, virtioDrivers: false }],
    ['Windows with viostor starting at boot', 'inspection-win10-hibernated.json', { os: 'windows', inspected: true, virtioDrivers: true }],
  ])('%s', (_what, file, facts) => {
    expect(guestFactsFromReport(report(file))).toEqual(facts);
  });

  it('a disk with no operating system: inspected, nothing about drivers, and a warning before define and verify', () => {
    const evidence = evidenceFromConversion({ jobId: 'job-1', inspection: noOsReport() });
    expect(evidence).toMatchObject({ kind: 'inspected', noOs: true, osName: null, jobId: 'job-1', facts: { os: 'unknown', inspected: true } });
    expect(plannerFacts(evidence)).not.toHaveProperty('virtioDrivers');
    expect(noOsWarning(evidence, 'define')).toContain('no operating system');
    expect(noOsWarning(evidence, 'verify')).toContain('The boot will fail');
  });

  it('says why nothing is known when the conversion did not inspect, or its inspection failed', () => {
    expect(evidenceFromConversion({ jobId: 'job-2' })).toEqual({ kind: 'not-inspected', why: 'the conversion ran without inspection' });
    expect(evidenceFromConversion({ jobId: 'job-3', inspectionError: { message: 'The appliance did not start.' } })).toEqual({ kind: 'not-inspected', why: 'the inspection failed (The appliance did not start.)' });
    const none = evidenceFromConversion({ jobId: 'job-2' });
    expect(plannerFacts(none)).toEqual({ os: 'unknown' });
    expect(noOsWarning(none, 'define')).toBeNull();
  });
});
