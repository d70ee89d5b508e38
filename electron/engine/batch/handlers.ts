import type { ApiHandlers } from '../../../shared/contract/api';
import { batchApi } from '../../../shared/contract/api/batch';
import type { EngineDeps } from '../deps';
import { lazySlice } from '../lazy-slice';
import type { BatchMethod, BatchService } from './service';

/**
 * The batch.* slice of the contract. The runner, the plan reader and the Forklift export are
 * imported on the first call; a front end that never runs a batch does not load them.
 */
export function batchHandlers(deps: EngineDeps): { handlers: Pick<ApiHandlers, BatchMethod>; shutdown(): Promise<void> } {
  let service: Promise<BatchService> | undefined;
  const load = (): Promise<BatchService> => (service ??= import('./service').then(({ createBatchService }) => createBatchService(deps)));
  return {
    handlers: lazySlice(Object.keys(batchApi) as BatchMethod[], async () => (await load()).handlers),
    // Running batches are interrupted cleanly (their VMs run again on resume).
    shutdown: async () => {
      if (service) await (await service).shutdown();
    },
  };
}
