import { resolve } from 'node:path';
import type { ApiHandlers, CallContext, CallParams } from '../../../shared/contract/api';
import { MigrateOptions } from '../../../shared/contract/api/vcenter';
import type { JobManager } from '../core/jobs';
import type { ToolRunner } from '../core/tool-runner';
import { getVmDetails, listVms } from '../vsphere/inventory';
import { toVmMetadata } from '../vsphere/inventory-map';
import { powerOffVm, powerState, shutdownGuest, vmRef } from '../vsphere/vm-operations';
import { ConnectionRegistry } from './connections';
import './error-codes';
import { inventoryFacets } from './vm-list';
import { listVmTable, resolveVmId } from './inventory';
import { migrateJob } from './migrate-job';
import { runPreflight } from './preflight-facts';
import type { SecretStore } from './secret-store';
import { discardStaging } from './staging';
import { powerStateOf } from '../vsphere/inventory-map';

/**
 * The vCenter feature behind the contract's vcenter.* and migrate.* calls. This module pulls in
 * the whole vSphere stack (undici, the SOAP client), so handlers.ts loads it on first use only:
 * a CLI conversion of a local file never pays for it.
 */

export interface VcenterServiceDeps {
  tools: ToolRunner;
  jobs: JobManager;
  defaultOutDir: string;
  /** The app home: the trust store lives there. */
  configDir: string;
  secrets: SecretStore;
  /** App version, recorded in the inspection report of a migration that inspects. */
  version: string;
}

export type VcenterMethod =
  | 'vcenter.probeCertificate'
  | 'vcenter.trust'
  | 'vcenter.forgetTrust'
  | 'vcenter.login'
  | 'vcenter.logout'
  | 'vcenter.connections'
  | 'vcenter.savedLogins'
  | 'vcenter.forgetPassword'
  | 'vcenter.inventory'
  | 'vcenter.vms'
  | 'vcenter.vm'
  | 'vcenter.preflight'
  | 'vcenter.powerOff'
  | 'vcenter.shutdownGuest'
  | 'migrate.start'
  | 'migrate.discardDownloads';

export interface VcenterService {
  handlers: Pick<ApiHandlers, VcenterMethod>;
  shutdown(): Promise<void>;
}

export function createVcenterService(deps: VcenterServiceDeps): VcenterService {
  const registry = new ConnectionRegistry({ configDir: deps.configDir, secrets: deps.secrets });
  const session = (connectionId: string) => registry.get(connectionId).session;

  const handlers: Pick<ApiHandlers, VcenterMethod> = {
    'vcenter.probeCertificate': ({ server }) => registry.probe(server),
    'vcenter.trust': ({ server, sha256 }) => registry.trust(server, sha256),
    'vcenter.forgetTrust': ({ server }) => Promise.resolve({ forgotten: registry.forgetTrust(server) }),
    // The reads below take the call's signal: a page closed (or a search replaced) while vCenter
    // is still answering stops the HTTP requests instead of reading thousands of VMs for nobody.
    'vcenter.login': (request, call) => registry.login(request, new Date(), call?.signal),
    'vcenter.logout': async ({ connectionId }) => ({ loggedOut: await registry.logout(connectionId) }),
    'vcenter.connections': () => Promise.resolve(registry.list()),
    'vcenter.savedLogins': () => registry.savedLogins(),
    'vcenter.forgetPassword': async ({ server, user }) => ({ forgotten: await registry.forgetPassword(server, user) }),
    'vcenter.inventory': async ({ connectionId, pageSize }, call) => {
      const started = Date.now();
      const table = await listVmTable(session(connectionId), { pageSize, ...signalOf(call) });
      return { connectionId, ...table, facets: inventoryFacets(table.vms), listedAt: new Date().toISOString(), durationMs: Date.now() - started };
    },
    'vcenter.vms': async ({ connectionId }, call) => ({ vms: await listVms(session(connectionId), signalOf(call)) }),
    'vcenter.vm': async (selector: CallParams<'vcenter.vm'>, call) => {
      const s = session(selector.connectionId);
      const vm = await getVmDetails(s, await resolveVmId(s, selector, call?.signal), signalOf(call));
      return { vm, metadata: toVmMetadata(vm) };
    },
    'vcenter.preflight': async ({ connectionId, vmId, outDir, format, name, overwrite, libvirt }, call) => {
      const s = session(connectionId);
      const vm = await getVmDetails(s, vmId, signalOf(call));
      return runPreflight(vm, { outDir: resolve(outDir ?? deps.defaultOutDir), format, overwrite, libvirt, name }, { tools: deps.tools, session: s, ...signalOf(call) });
    },
    'vcenter.powerOff': async ({ connectionId, vmId }) => {
      const s = session(connectionId);
      if ((await powerState(s, vmRef(vmId))) === 'poweredOn') await powerOffVm(s, vmRef(vmId));
      return { powerState: powerStateOf(await powerState(s, vmRef(vmId))) };
    },
    'vcenter.shutdownGuest': async ({ connectionId, vmId, timeoutSeconds }) => {
      const s = session(connectionId);
      if ((await powerState(s, vmRef(vmId))) === 'poweredOn') await shutdownGuest(s, vmRef(vmId), { timeoutMs: timeoutSeconds * 1000 });
      return { powerState: powerStateOf(await powerState(s, vmRef(vmId))) };
    },
    'migrate.start': async ({ connectionId, vmId, options }) => {
      const connection = registry.get(connectionId);
      const vm = await getVmDetails(connection.session, vmId);
      const resolved = MigrateOptions.parse(options);
      return { jobId: await deps.jobs.start(migrateJob(vm, { ...resolved, outDir: resolve(resolved.outDir) }, { tools: deps.tools, connection, version: deps.version })) };
    },
    'migrate.discardDownloads': ({ stagingDir }) => discardStaging(resolve(stagingDir)),
  };

  return { handlers, shutdown: () => registry.closeAll() };
}

/** `{ signal }` when the call has one (exactOptionalPropertyTypes refuses `signal: undefined`). */
function signalOf(call: CallContext | undefined): { signal?: AbortSignal } {
  return call ? { signal: call.signal } : {};
}
