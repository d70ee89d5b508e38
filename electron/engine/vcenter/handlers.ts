import type { ApiHandlers } from '../../../shared/contract/api';
import { vcenterApi } from '../../../shared/contract/api/vcenter';
import type { EngineDeps } from '../deps';
import { lazySlice } from '../lazy-slice';
import './error-codes';
import { noSecretStore } from './secret-store';
import type { VcenterMethod, VcenterService } from './service';

/**
 * The vcenter.* and migrate.* slice of the contract. The vSphere stack behind it (HTTP client,
 * SOAP, TLS pinning) is imported on the first call, so that front ends and commands that never
 * talk to vCenter do not load it.
 */
export function vcenterHandlers(deps: EngineDeps): { handlers: Pick<ApiHandlers, VcenterMethod>; shutdown(): Promise<void> } {
  let service: Promise<VcenterService> | undefined;
  const load = (): Promise<VcenterService> =>
    (service ??= import('./service').then(({ createVcenterService }) =>
      createVcenterService({ tools: deps.tools, jobs: deps.jobs, defaultOutDir: deps.defaultOutDir, configDir: deps.appHome, secrets: deps.secrets ?? noSecretStore, version: deps.version }),
    ));
  const handlers = lazySlice(Object.keys(vcenterApi) as VcenterMethod[], async () => (await load()).handlers);
  return {
    handlers,
    // Nothing to close when the stack was never loaded.
    shutdown: async () => {
      if (service) await (await service).shutdown();
    },
  };
}
