import type { ApiHandlers } from '../../../shared/contract/api';
import type { EngineDeps } from '../deps';
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
      createVcenterService({ tools: deps.tools, jobs: deps.jobs, defaultOutDir: deps.defaultOutDir, configDir: deps.appHome, secrets: deps.secrets ?? noSecretStore }),
    ));
  const lazy = (method: VcenterMethod) => async (params: unknown) => {
    const handler = (await load()).handlers[method] as unknown as (p: unknown) => Promise<unknown>;
    return handler(params);
  };
  const methods: VcenterMethod[] = [
    'vcenter.probeCertificate',
    'vcenter.trust',
    'vcenter.forgetTrust',
    'vcenter.login',
    'vcenter.logout',
    'vcenter.connections',
    'vcenter.savedLogins',
    'vcenter.forgetPassword',
    'vcenter.inventory',
    'vcenter.vms',
    'vcenter.vm',
    'vcenter.preflight',
    'vcenter.powerOff',
    'vcenter.shutdownGuest',
    'migrate.start',
    'migrate.discardDownloads',
  ];
  const handlers = Object.fromEntries(methods.map((m) => [m, lazy(m)])) as unknown as Pick<ApiHandlers, VcenterMethod>;
  return {
    handlers,
    // Nothing to close when the stack was never loaded.
    shutdown: async () => {
      if (service) await (await service).shutdown();
    },
  };
}
