import { MigrateOptions } from '../../../shared/contract/api/vcenter';
import type { ResolvedMigrateOptions } from '../../../shared/contract/api/vcenter';
import type { ResolvedSettings, ResolvedVm } from '../../../shared/contract/models/batch';
import type { ConvertOptions } from '../../../shared/contract/models/convert';
import type { NetworkChoice } from '../../../shared/contract/models/libvirt';
import type { TailDefineOptions, TailVerifyBootOptions } from '../../../shared/contract/models/pipeline';
import type { RepairOptions } from '../../../shared/contract/models/repair';
import { tailStages } from '../pipeline/tail';

/**
 * Where a plan's settings meet the single-migration jobs: each VM runs as ONE convert job (a
 * local source) or migrate job (a vCenter VM), with the options computed here and nowhere else.
 * Both jobs end in the same tail (pipeline/tail.ts: check → inspect → repair-plan → repair →
 * finalize → define → verify-boot), whose options are optional fields of ConvertOptions /
 * MigrateOptions, present meaning on. A batch never waits for a person: its repair is never
 * `review`ed.
 */

/** The tail's options (shared/contract/models/pipeline.ts), as the jobs take them. */
export interface TailOptions {
  inspect: boolean;
  repair?: RepairOptions;
  define?: TailDefineOptions;
  verifyBoot?: TailVerifyBootOptions;
}

/** The stages before the tail (convert/job.ts CONVERT_STAGES, vcenter/migrate-job.ts MIGRATE_STAGES; a unit test keeps them equal). */
export const PRE_TAIL_STAGES = {
  local: ['probe', 'verify', 'preflight', 'convert'],
  vcenter: ['preflight', 'plan', 'transfer', 'convert'],
} as const;

/** The stage ids a VM's job runs, for telling which hooks can fire. */
export function stagesRun(kind: 'local' | 'vcenter', settings: Pick<ResolvedSettings, 'inspect' | 'repair' | 'define' | 'verifyBoot'>): Set<string> {
  const tail = tailStages({ inspect: inspects(settings), ...(settings.repair !== false ? { repair: settings.repair } : {}), ...(settings.define !== false ? { define: {} } : {}), ...(settings.verifyBoot !== false ? { verifyBoot: {} } : {}) });
  return new Set<string>([...PRE_TAIL_STAGES[kind], ...tail.map((s) => s.id)]);
}

/** Whether the VM's guest is inspected: asked for, or implied by define (the domain's shape follows the guest: its OS, whether it has virtio drivers). Repair implies it in the tail itself. */
function inspects(settings: Pick<ResolvedSettings, 'inspect' | 'define'>): boolean {
  return settings.inspect || settings.define !== false;
}

/**
 * The libvirt network of the VM's NICs: DomainOptions takes one for all NICs, so the mapping of
 * the first mapped NIC wins (a note says so when others map elsewhere).
 */
export function networkFor(networks: ResolvedSettings['networks'], nicNetworks: readonly string[]): { choice: NetworkChoice | null; notes: string[] } {
  const targets = nicNetworks.map((n) => ({ source: n, target: networks[n] })).filter((t) => t.target !== undefined);
  if (targets.length === 0) return { choice: null, notes: [] };
  const choiceOf = (t: { network?: string | undefined; bridge?: string | undefined }): NetworkChoice => (t.bridge !== undefined ? { type: 'bridge', name: t.bridge } : { type: 'network', name: t.network! });
  const first = choiceOf(targets[0]!.target!);
  const others = targets.filter((t) => JSON.stringify(choiceOf(t.target!)) !== JSON.stringify(first));
  const notes = others.length > 0 ? [`All NICs go to ${first.type} ${'name' in first ? first.name : ''} (from ${targets[0]!.source}): a domain takes one network; ${others.map((o) => o.source).join(', ')} map elsewhere.`] : [];
  return { choice: first, notes };
}

export function tailOptions(vm: Pick<ResolvedVm, 'name' | 'settings'>, nicNetworks: readonly string[] = []): { options: TailOptions; notes: string[] } {
  const s = vm.settings;
  const options: TailOptions = { inspect: inspects(s) };
  const notes: string[] = [];
  if (s.repair !== false) options.repair = { ...s.repair, review: false };
  if (s.define !== false) {
    const { choice, notes: networkNotes } = networkFor(s.networks, nicNetworks);
    notes.push(...networkNotes);
    options.define = {
      onCollision: s.define.onCollision,
      ...(s.define.placement ? { placement: s.define.placement } : {}),
      options: { ...s.define.options, name: vm.name, connection: s.define.connection, ...(choice ? { network: choice } : {}) },
    };
  }
  if (s.verifyBoot !== false) options.verifyBoot = { ...s.verifyBoot };
  return { options, notes };
}

/** The destination folder: the storage mapping of the VM's first datastore, else `destination`. */
export function destinationFor(settings: Pick<ResolvedSettings, 'destination' | 'storage'>, datastores: readonly string[]): string {
  for (const ds of datastores) if (settings.storage[ds] !== undefined) return settings.storage[ds];
  return settings.destination;
}

/** Options of the convert job of a local VM. */
export function convertOptionsFor(vm: ResolvedVm, tail: TailOptions = tailOptions(vm).options): ConvertOptions {
  const s = vm.settings;
  return { outDir: s.destination, format: s.format, compress: s.compress, name: vm.name, overwrite: s.overwrite, ...tail };
}

/** Options of the migrate job of a vCenter VM (parsed: the job takes them with defaults filled in). */
export function migrateOptionsFor(vm: ResolvedVm, outDir: string, tail: TailOptions = tailOptions(vm).options): ResolvedMigrateOptions {
  const s = vm.settings;
  return MigrateOptions.parse({
    outDir,
    format: s.format,
    compress: s.compress,
    name: vm.name,
    overwrite: s.overwrite,
    parallelDisks: s.transfer.parallelDisks,
    ...(s.transfer.limitMBps !== undefined ? { maxBytesPerSecond: s.transfer.limitMBps * 1e6 } : {}),
    retries: s.transfer.retries,
    keepDownloads: false,
    libvirt: s.define !== false ? s.define.connection : 'qemu:///system',
    ...tail,
  });
}
