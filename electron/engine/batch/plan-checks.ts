import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import type { EngineError } from '../../../shared/contract/errors';
import type { PlanProblem, ResolvedPlan, ResolvedVm } from '../../../shared/contract/models/batch';
import type { KeyPath, Position } from './plan-document';
import type { PlanLocator } from './plan';
import { formatPath, mergeProblems } from './plan';

/**
 * The second half of reading a plan: what the plan names must exist. Local sources, destination
 * folders (or their parents), password files and variables, CA files, hook programs, the
 * libvirt networks VMs are mapped to, and the vCenter VMs themselves. Each problem is placed
 * where the plan names the thing.
 */

export interface VcenterResolution {
  /** Per VM name: what vCenter says, or why it cannot be found. */
  vms: Map<string, { ok: true } | { ok: false; error: EngineError; at: 'vm' | 'vcenter' }>;
}

export interface PlanCheckDeps {
  env: NodeJS.ProcessEnv;
  /** Names of the networks libvirt knows on a connection; null when libvirt cannot be asked. */
  libvirtNetworks(connection: string): Promise<string[] | null>;
  /** Host bridges (names under /sys/class/net with a bridge/ folder). */
  isBridge(name: string): Promise<boolean>;
  /** Looks the plan's vCenter VMs up (logs in once per server). Absent: not checked. */
  resolveVcenter?(plan: ResolvedPlan): Promise<VcenterResolution>;
}

export async function checkPlanEnvironment(plan: ResolvedPlan, locate: PlanLocator, deps: PlanCheckDeps): Promise<PlanProblem[]> {
  const problems: PlanProblem[] = [];
  const add = (severity: PlanProblem['severity'], code: string, message: string, hint: string, path: KeyPath, position?: Position): void => {
    const at = position ?? locate.value(path);
    problems.push({ severity, code, message, hint, file: plan.file, line: at.line, column: at.column, path: formatPath(path) });
  };
  // The place a setting is written: the VM's entry when it has it, else defaults.
  const settingAt = (vm: ResolvedVm, key: KeyPath): KeyPath => (locate.has(['vms', vm.index, ...key]) ? ['vms', vm.index, ...key] : ['defaults', ...key]);
  const checked = new Map<string, Promise<string | null>>();
  const once = (key: string, check: () => Promise<string | null>): Promise<string | null> => {
    let result = checked.get(key);
    if (!result) checked.set(key, (result = check()));
    return result;
  };

  for (const vm of plan.vms) {
    const s = vm.settings;
    if (vm.source.kind === 'local') {
      const kind = await kindOf(vm.source.path);
      if (kind === null) add('error', 'PLAN_SOURCE_MISSING', `${vm.name}: the source ${vm.source.path} does not exist.`, 'Check the path (relative paths are relative to the plan’s folder).', ['vms', vm.index, 'source']);
      else if (kind === 'other') add('error', 'PLAN_SOURCE_MISSING', `${vm.name}: the source ${vm.source.path} is neither a file nor a folder.`, 'Give a VMDK, VMX, OVF, OVA or a folder holding one.', ['vms', vm.index, 'source']);
      else if (!(await canRead(vm.source.path))) add('error', 'PLAN_SOURCE_UNREADABLE', `${vm.name}: the source ${vm.source.path} cannot be read.`, 'Run as a user who can read it.', ['vms', vm.index, 'source']);
    }
    const destProblem = await once(`dest:${s.destination}`, () => destinationProblem(s.destination));
    if (destProblem) add('error', 'PLAN_DESTINATION', `${vm.name}: ${destProblem}`, 'Create the folder, or choose one whose parent exists and that you can write to.', settingAt(vm, ['destination']));
    for (const [datastore, folder] of Object.entries(s.storage)) {
      const problem = await once(`dest:${folder}`, () => destinationProblem(folder));
      if (problem) add('error', 'PLAN_DESTINATION', `${vm.name}: storage for ${datastore}: ${problem}`, 'Create the folder, or map the datastore elsewhere.', settingAt(vm, ['storage', datastore]));
    }
    if (vm.source.kind === 'vcenter' && s.vcenter) {
      const v = s.vcenter;
      if (v.passwordFile !== undefined && !(await canRead(v.passwordFile))) add('error', 'PLAN_PASSWORD_FILE', `${vm.name}: the password file ${v.passwordFile} cannot be read.`, 'Create it (mode 0600), or use passwordEnv.', settingAt(vm, ['vcenter', 'passwordFile']));
      if (v.passwordEnv !== undefined && !deps.env[v.passwordEnv]) add('error', 'PLAN_PASSWORD_ENV', `${vm.name}: the environment variable ${v.passwordEnv} is not set.`, `Export ${v.passwordEnv} before running the batch, or use passwordFile.`, settingAt(vm, ['vcenter', 'passwordEnv']));
      if (v.ca !== undefined && !(await canRead(v.ca))) add('error', 'PLAN_CA_FILE', `${vm.name}: the CA file ${v.ca} cannot be read.`, 'Give the PEM file of the CA that signed the vCenter certificate.', settingAt(vm, ['vcenter', 'ca']));
    }
    const nth = new Map<string, number>();
    for (const hook of s.hooks) {
      // Hooks keep their order within a point: the n-th of a point is hooks.POINT[n].
      const index = nth.get(hook.point) ?? 0;
      nth.set(hook.point, index + 1);
      const program = hook.command[0]!;
      const problem = await once(`exec:${program}`, () => programProblem(program, deps.env));
      if (problem) add('error', 'PLAN_HOOK_PROGRAM', `${vm.name}: ${hook.point}: ${problem}`, 'Give the absolute path of an executable, or a program found in PATH.', [...settingAt(vm, ['hooks', hook.point, index]), 'command']);
    }
    if (s.define !== false) {
      const connection = s.define.connection;
      for (const [source, target] of Object.entries(s.networks)) {
        const at = [...settingAt(vm, ['networks', source])];
        if (target.bridge !== undefined) {
          if (!(await deps.isBridge(target.bridge))) add('error', 'PLAN_UNKNOWN_NETWORK', `${vm.name}: ${source} is mapped to the bridge ${target.bridge}, which this host does not have.`, 'Create the bridge first, or map the network to a libvirt network.', at);
          continue;
        }
        const known = await deps.libvirtNetworks(connection);
        if (known === null) add('warning', 'PLAN_NETWORKS_UNCHECKED', `${vm.name}: could not ask libvirt (${connection}) for its networks, so ${target.network} was not checked.`, 'Start libvirtd, or check the name with `virsh net-list --all`.', at);
        else if (!known.includes(target.network!)) add('error', 'PLAN_UNKNOWN_NETWORK', `${vm.name}: ${source} is mapped to the libvirt network ${target.network}, which ${connection} does not have (it has: ${known.join(', ') || 'none'}).`, 'Create the network (virsh net-define) or map to one that exists.', at);
      }
    }
  }

  if (deps.resolveVcenter && plan.vms.some((vm) => vm.source.kind === 'vcenter')) {
    const resolution = await deps.resolveVcenter(plan);
    for (const vm of plan.vms) {
      const found = resolution.vms.get(vm.name);
      if (!found || found.ok) continue;
      const path: KeyPath = found.at === 'vm' ? ['vms', vm.index, 'vm'] : settingAt(vm, ['vcenter']);
      add('error', found.error.code, `${vm.name}: ${found.error.message}`, found.error.hint, path);
    }
  }
  return mergeProblems(problems);
}

async function kindOf(path: string): Promise<'file' | 'dir' | 'other' | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
  } catch {
    return null;
  }
}

async function canRead(path: string): Promise<boolean> {
  return access(path, constants.R_OK).then(
    () => true,
    () => false,
  );
}

/** A destination is fine when it is a writable folder, or does not exist but its parent does. */
async function destinationProblem(folder: string): Promise<string | null> {
  const kind = await kindOf(folder);
  if (kind === 'dir') return (await access(folder, constants.W_OK).then(() => true, () => false)) ? null : `the destination ${folder} is not writable.`;
  if (kind !== null) return `the destination ${folder} is not a folder.`;
  const parent = dirname(folder);
  if ((await kindOf(parent)) !== 'dir') return `neither the destination ${folder} nor its parent exists.`;
  return (await access(parent, constants.W_OK).then(() => true, () => false)) ? null : `the destination ${folder} does not exist and ${parent} is not writable.`;
}

async function programProblem(program: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const candidates = program.includes('/') ? [program] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, program));
  for (const candidate of candidates) {
    if ((await kindOf(candidate)) === 'file' && (await access(candidate, constants.X_OK).then(() => true, () => false))) return null;
  }
  return program.includes('/') ? `${program} does not exist or is not executable.` : `${program} is not found in PATH.`;
}
