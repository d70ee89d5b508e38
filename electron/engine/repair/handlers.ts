import type { ApiHandlers } from '../../../shared/contract/api';
import { fail } from '../core/errors';
import type { EngineDeps } from '../deps';
import { REPAIR_NOT_WAITING } from './error-codes';
import { repairJob } from './job';

type RepairHandlers = Pick<ApiHandlers, 'repair.start' | 'repair.decide'>;

/** Guest repair: a repair job on converted disks, and the answer to a plan shown for review (by any job). */
export function repairHandlers(deps: EngineDeps): RepairHandlers {
  const { jobs, tools, version } = deps;
  return {
    'repair.start': async ({ disks, options, dryRun }) => ({ jobId: await jobs.start(repairJob(disks, options, dryRun, { version, tools })) }),
    'repair.decide': ({ jobId, decision }) => {
      if (!jobs.answer(jobId, 'repair', decision)) {
        fail(REPAIR_NOT_WAITING, `Job ${jobId} is not waiting for a repair decision.`, 'It may have ended, been cancelled, or not have planned a repair for review; list the jobs to check.');
      }
      return Promise.resolve({ accepted: true as const });
    },
  };
}
