import type { GuestFacts } from '../../../../shared/contract/models/libvirt';
import type { InspectionReport } from '../../../../shared/contract/models/inspection';
import { guestFactsFromReport } from '../../../../shared/guest-facts';

/**
 * What is known about the guest on the disks a VM is created for, and where it comes from: the
 * inspection of those very disks, or nothing (never inspected, inspection turned off, or it
 * failed). The Create VM plan states its reasons from this, and says "not checked" where it has
 * nothing; the Define and Verify buttons warn first when the inspection found no OS at all.
 */
export type GuestEvidence =
  | {
      kind: 'inspected';
      facts: GuestFacts;
      /** The inspection found no operating system on the disks. */
      noOs: boolean;
      /** "Debian GNU/Linux 12", or null when no OS was found. */
      osName: string | null;
      /** The job whose report (inspection.json) it is: the verdict is added to it. */
      jobId: string | null;
    }
  | { kind: 'not-inspected'; why: string };

export function evidenceFromReport(report: InspectionReport, jobId: string | null): GuestEvidence {
  const facts = guestFactsFromReport(report);
  return { kind: 'inspected', facts, noOs: facts.os === 'unknown', osName: facts.os === 'unknown' ? null : (report.os.productName ?? report.os.distro ?? report.os.type), jobId };
}

/** A conversion's disks: inspected when the conversion inspected them, else why not. */
export function evidenceFromConversion(result: { jobId: string; inspection?: InspectionReport | undefined; inspectionError?: { message: string } | undefined }): GuestEvidence {
  if (result.inspection) return evidenceFromReport(result.inspection, result.jobId);
  if (result.inspectionError) return { kind: 'not-inspected', why: `the inspection failed (${result.inspectionError.message})` };
  return { kind: 'not-inspected', why: 'the conversion ran without inspection' };
}

/** The planner's guest facts: only what was checked. */
export function plannerFacts(evidence: GuestEvidence): GuestFacts {
  return evidence.kind === 'inspected' ? evidence.facts : { os: 'unknown' };
}

/** The question asked before defining or booting disks without an operating system; null when there is nothing to ask. */
export function noOsWarning(evidence: GuestEvidence, action: 'define' | 'verify'): string | null {
  if (evidence.kind !== 'inspected' || !evidence.noOs) return null;
  return action === 'define'
    ? 'The inspection found no operating system on these disks (its readiness: blocked). A VM defined from them has nothing to boot. Define it anyway?'
    : 'The inspection found no operating system on these disks (its readiness: blocked). The boot will fail; the verdict only confirms it. Boot it anyway?';
}
