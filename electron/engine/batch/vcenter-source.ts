import { readFile } from 'node:fs/promises';
import type { TrustChoice, VmListItem } from '../../../shared/contract/api/vcenter';
import { engineError } from '../../../shared/contract/errors';
import type { ResolvedPlan, ResolvedVm, VcenterSource } from '../../../shared/contract/models/batch';
import type { VmDetails } from '../../../shared/contract/models/vsphere';
import { EngineFailure, fail, toEngineError } from '../core/errors';
import type { Connection } from '../vcenter/connections';
import { ConnectionRegistry } from '../vcenter/connections';
import { listVmTable } from '../vcenter/inventory';
import { noSecretStore } from '../vcenter/secret-store';
import { getVmDetails } from '../vsphere/inventory';
import type { VcenterResolution } from './plan-checks';

/**
 * The vCenter side of a batch: one login per server and user named in the plan (with the plan's
 * password file or variable, the certificate pinned by its thumbprint, a CA file, or as trusted
 * before in the app's trust store), one inventory listing to resolve every VM by name, id or
 * inventory path, and the VM's host and datastores for the scheduler's limits. Its own
 * connections: a batch runs unattended, apart from what a user has open in the wizard.
 * Imported only when a plan has vCenter VMs (it loads the whole vSphere stack).
 */

export interface ResolvedVcenterVm {
  id: string;
  name: string;
  host: string | null;
  datastores: string[];
}

export class BatchVcenter {
  private readonly registry: ConnectionRegistry;
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly inventories = new Map<string, Promise<VmListItem[]>>();

  constructor(
    private readonly options: { appHome: string; env?: NodeJS.ProcessEnv },
  ) {
    this.registry = new ConnectionRegistry({ configDir: options.appHome, secrets: noSecretStore });
  }

  connection(source: VcenterSource): Promise<Connection> {
    const key = `${source.server}\u0000${source.user}`;
    let connection = this.connections.get(key);
    if (!connection) {
      connection = this.login(source);
      this.connections.set(key, connection);
      // A failed login is tried again by the next VM, not remembered.
      connection.catch(() => this.connections.delete(key));
    }
    return connection;
  }

  private async login(source: VcenterSource): Promise<Connection> {
    const password = await readPassword(source, this.options.env ?? process.env);
    const trust: TrustChoice = source.ca !== undefined ? { kind: 'ca', caFile: source.ca } : source.thumbprint !== undefined ? { kind: 'fingerprint', sha256: source.thumbprint } : { kind: 'store' };
    const info = await this.registry.login({ server: source.server, user: source.user, password, trust, rememberPassword: false });
    return this.registry.get(info.connectionId);
  }

  private inventory(source: VcenterSource, connection: Connection): Promise<VmListItem[]> {
    const key = `${source.server}\u0000${source.user}`;
    let list = this.inventories.get(key);
    if (!list) {
      list = listVmTable(connection.session).then((t) => t.vms);
      this.inventories.set(key, list);
      list.catch(() => this.inventories.delete(key));
    }
    return list;
  }

  /** The VM the plan names, with its host and datastores. */
  async resolve(vm: ResolvedVm): Promise<ResolvedVcenterVm> {
    const source = vm.settings.vcenter;
    if (vm.source.kind !== 'vcenter' || !source) return fail('INVALID_REQUEST', `${vm.name} is not a vCenter VM.`, 'This is a bug.');
    const connection = await this.connection(source);
    const list = await this.inventory(source, connection);
    const ref = vm.source;
    const matches = ref.id !== undefined ? list.filter((v) => v.id === ref.id) : ref.path !== undefined ? list.filter((v) => `${v.folderPath ?? ''}/${v.name}` === ref.path) : list.filter((v) => v.name === ref.name);
    const shown = ref.id ?? ref.path ?? ref.name ?? '?';
    if (matches.length === 0) {
      fail('VCENTER_VM_NOT_FOUND', `There is no VM ${shown} on ${source.server}.`, ref.path !== undefined ? 'Check the inventory path (Datacenter/vm/folders/name, as `hyper2kvm vcenter vms --json` shows folderPath).' : 'Check the spelling (names are case-sensitive), or list the VMs with `hyper2kvm vcenter vms`.', { details: { vm: shown } });
    }
    if (matches.length > 1) {
      fail('VCENTER_VM_AMBIGUOUS', `${matches.length} VMs are named ${shown} on ${source.server}.`, 'Name the VM by its id ({ id: vm-42 }) or inventory path ({ path: /DC/vm/folder/name }) instead.', { details: { vm: shown, ids: matches.map((m) => m.id) } });
    }
    const found = matches[0]!;
    return { id: found.id, name: found.name, host: found.host ?? null, datastores: found.datastores };
  }

  async details(vm: ResolvedVm, id: string, signal?: AbortSignal): Promise<{ connection: Connection; details: VmDetails }> {
    const connection = await this.connection(vm.settings.vcenter!);
    return { connection, details: await getVmDetails(connection.session, id, signal ? { signal } : {}) };
  }

  /** For the plan check: every vCenter VM of the plan, found or why not. */
  async resolveAll(plan: ResolvedPlan): Promise<VcenterResolution> {
    const vms: VcenterResolution['vms'] = new Map();
    for (const vm of plan.vms) {
      if (vm.source.kind !== 'vcenter') continue;
      try {
        await this.resolve(vm);
        vms.set(vm.name, { ok: true });
      } catch (error) {
        const value = toEngineError(error);
        vms.set(vm.name, { ok: false, error: value, at: value.code.startsWith('VCENTER_VM_') ? 'vm' : 'vcenter' });
      }
    }
    return { vms };
  }

  async close(): Promise<void> {
    await this.registry.closeAll();
  }
}

async function readPassword(source: VcenterSource, env: NodeJS.ProcessEnv): Promise<string> {
  if (source.passwordFile !== undefined) {
    try {
      const text = (await readFile(source.passwordFile, 'utf8')).replace(/\r?\n$/, '');
      if (text !== '') return text;
    } catch (error) {
      throw new EngineFailure(engineError('VCENTER_PASSWORD_MISSING', `Cannot read the password file ${source.passwordFile}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}.`, 'Check the plan’s vcenter.passwordFile.', { path: source.passwordFile }));
    }
    fail('VCENTER_PASSWORD_MISSING', `The password file ${source.passwordFile} is empty.`, 'Write the password into it (one line).', { path: source.passwordFile });
  }
  const value = source.passwordEnv !== undefined ? env[source.passwordEnv] : undefined;
  if (value) return value;
  return fail('VCENTER_PASSWORD_MISSING', `The environment variable ${source.passwordEnv ?? '(none)'} holding the vCenter password is not set.`, 'Export it before running the batch, or use passwordFile.');
}
