// Moved to core/processes.ts: a single job's start-up sweep (pipeline/interrupted-jobs.ts) and
// the job manager's owner record use them too. Re-exported here for the batch modules.
export { liveGroupMembers, parseStat, procInfo, processesMentioning } from '../core/processes';
export type { ProcInfo } from '../core/processes';
