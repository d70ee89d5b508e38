import { InspectionReport, INSPECTION_REPORT_KIND, INSPECTION_SCHEMA_VERSION, summarizeFindings } from '../../shared/contract/models/inspection';
import { noOsIdentity } from '../../electron/engine/inspect/inspector';

/**
 * The smallest report an inspection writes: disks on which no operating system was found. For
 * tests of what other stages add to a report (the boot verification's section).
 */
export function emptyInspectionReport(): InspectionReport {
  return InspectionReport.parse({
    schemaVersion: INSPECTION_SCHEMA_VERSION,
    kind: INSPECTION_REPORT_KIND,
    generatedAt: '2026-11-25T20:00:00.000Z',
    durationMs: 31_000,
    producer: { hyper2kvm: '0.1.0', libguestfs: null },
    disks: [],
    os: noOsIdentity(),
    operatingSystems: [],
    filesystems: [],
    mountpoints: [],
    driveLetters: [],
    applications: [],
    network: [],
    boot: { firmware: 'bios', esp: null },
    linux: null,
    windows: null,
    findings: [],
    summary: summarizeFindings([]),
    notes: [],
  });
}
