import { z } from 'zod';
import { EngineError } from '../errors';
import { BootVerification } from './boot';
import { InspectionReport } from './inspection';
import { DefineResult, DiskPlacement, DomainOptions, NameCollisionPolicy } from './libvirt';
import { RepairOptions, RepairRecord } from './repair';

/**
 * The tail every migration shares once its disks are written, whatever the source (local files
 * or vCenter): check → inspect → repair-plan → repair → finalize → define → verify-boot. The
 * options and results below are the same fields on the convert and the vCenter migrate calls;
 * each stage after `check` runs only when asked for (repair implies inspect).
 */

export const TAIL_STAGE_IDS = ['check', 'inspect', 'repair-plan', 'repair', 'finalize', 'define', 'verify-boot'] as const;
export type TailStageId = (typeof TAIL_STAGE_IDS)[number];

/** Create the libvirt domain for the outputs once they are final. */
export const TailDefineOptions = z
  .object({
    options: DomainOptions.optional(),
    onCollision: NameCollisionPolicy.default('refuse'),
    /** Default: in place for qemu:///session, moved under /var/lib/libvirt/images for qemu:///system. */
    placement: DiskPlacement.optional(),
  })
  .strict();
export type TailDefineOptions = z.input<typeof TailDefineOptions>;

/** Boot the result in a throwaway overlay and give a verdict. */
export const TailVerifyBootOptions = z
  .object({
    timeoutSeconds: z.number().positive().max(3600).optional(),
  })
  .strict();
export type TailVerifyBootOptions = z.input<typeof TailVerifyBootOptions>;

/** The option fields of the tail, spread into ConvertOptions and MigrateOptions. */
export const tailOptionFields = {
  /** Inspect the converted disks (one appliance); the wizard turns it on. Implied by repair. */
  inspect: z.boolean().default(false),
  /** Repair the guest before the outputs become final; absent: no repair. */
  repair: RepairOptions.optional(),
  define: TailDefineOptions.optional(),
  verifyBoot: TailVerifyBootOptions.optional(),
};

/** The result fields of the tail, spread into ConvertResult and MigrateResult. */
export const tailResultFields = {
  /** The inspection report (after the repair when there was one; also <jobDir>/inspection.json). */
  inspection: InspectionReport.optional(),
  /** When the inspection failed: the disks themselves are fine and final. */
  inspectionError: EngineError.optional(),
  /** What the repair planned and did (also <jobDir>/repair.json). */
  repair: RepairRecord.optional(),
  /** The libvirt domain, when define was asked for. */
  domain: DefineResult.optional(),
  /** The boot verdict with its evidence, when verify-boot was asked for. */
  bootVerification: BootVerification.optional(),
};
