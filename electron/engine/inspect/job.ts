import { basename, resolve } from 'node:path';
import type { InspectionReport } from '../../../shared/contract/models/inspection';
import type { JobSpec } from '../core/jobs';

import { inspectStage } from './stage';
import type { InspectDisk } from './stage';

/**
 * Inspection as a job of its own (kind 'inspect', `inspect.start` and `hyper2kvm inspect`). One
 * read-only appliance sees every disk of the VM, and the report is stored with the job as
 * inspection.json. (After a conversion, the pipeline's tail runs the same stage: pipeline/tail.ts.)
 */

export const INSPECT_STAGES = [{ id: inspectStage.id, label: inspectStage.label }] as const;

/** The equivalent command line, stored in the job record so that any run can be replayed. */
export function inspectCli(disks: readonly InspectDisk[]): string[] {
  return ['hyper2kvm', 'inspect', ...disks.map((d) => d.path)];
}

export function inspectJob(disks: readonly InspectDisk[], deps: { version: string }): JobSpec<InspectionReport> {
  const absolute = disks.map((d) => ({ ...d, path: resolve(d.path) }));
  const names = absolute.map((d) => basename(d.path));
  return {
    kind: 'inspect',
    title: `Inspect ${names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ')}`,
    stages: INSPECT_STAGES,
    request: { disks: absolute },
    cli: inspectCli(absolute),
    async run(job) {
      const { report } = await job.runStage(inspectStage, { disks: absolute, producerVersion: deps.version });
      return report;
    },
  };
}
