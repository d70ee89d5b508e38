import { resolve } from 'node:path';
import type { EngineError } from '../../shared/contract/errors';
import type { InspectionReport } from '../../shared/contract/models/inspection';
import { LibvirtConnection } from '../../shared/contract/models/libvirt';
import type { TailDefineOptions, TailVerifyBootOptions } from '../../shared/contract/models/pipeline';
import { AUTOMATIC_FIX_IDS, FIX_IDS, NetworkRepairMode } from '../../shared/contract/models/repair';
import type { FixId, RegistryChange, RepairOptions, RepairRecord } from '../../shared/contract/models/repair';
import type { BootVerification } from '../../shared/contract/models/boot';
import type { DefineResult } from '../../shared/contract/models/libvirt';
import { usageError } from './args';
import { say } from './io';
import type { CliIo } from './io';

/**
 * The flags of the pipeline's tail, the same on `convert`, `migrate` and (the repair ones) on
 * `repair`, and how their results are printed: what each fix changed, the boot verdict.
 */

export const REPAIR_FLAGS = {
  only: { type: 'string' },
  skip: { type: 'string' },
  'network-repair': { type: 'string' },
  'serial-console': { type: 'boolean', default: false },
  'new-mac': { type: 'string', multiple: true },
  'virtio-win': { type: 'string' },
} as const;

export const TAIL_FLAGS = {
  inspect: { type: 'boolean', default: false },
  repair: { type: 'boolean', default: false },
  ...REPAIR_FLAGS,
  define: { type: 'boolean', default: false },
  connect: { type: 'string' },
  placement: { type: 'string' },
  'verify-boot': { type: 'boolean', default: false },
  'boot-timeout': { type: 'string' },
} as const;

/** Words wrapped to lines of at most `width` characters, each line indented. */
function wrap(words: readonly string[], indent: string, width = 94): string {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && indent.length + line.length + word.length + 1 > width) {
      lines.push(indent + line);
      line = '';
    }
    line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

export const REPAIR_HELP = `  --only ID,...      plan only these fixes (ids below)
  --skip ID,...      never plan these fixes
  --network-repair M pin-name (default: a .link file gives the new NIC the name the
                     configurations use) or rewrite-configs (they are rewritten for its new name)
  --serial-console   also add a serial console (console=ttyS0) to the guest
  --new-mac OLD=NEW  the NIC with MAC OLD gets NEW on KVM (NEW = any: not known yet); repeat
                     for each NIC. Without it the NICs keep their MACs.
  --virtio-win PATH  Windows: the virtio-win ISO or a folder with its layout; its drivers are
                     installed so that the guest boots from virtio (without: SATA and e1000e)`;

/** The ids --only and --skip take, for the end of a command's help. */
export const FIX_IDS_HELP = `Fix ids (for --only and --skip):
${wrap(AUTOMATIC_FIX_IDS.map((id, i, all) => (i < all.length - 1 ? `${id},` : id)), '  ')}`;

export const TAIL_HELP = `  --inspect          inspect the converted disks (one appliance); the report goes with the job
  --repair           repair the guest before the outputs become final (implies --inspect):
                     every fix planned, shown and recorded; nothing kept if a fix fails
${REPAIR_HELP}
  --define           create the libvirt domain for the outputs
  --connect URI      qemu:///session (default) or qemu:///system
  --placement P      in-place, move or copy (qemu:///system moves into the images folder)
  --verify-boot      boot the result in a throwaway overlay and give a verdict
  --boot-timeout S   seconds the boot may take (default 120 with KVM, 300 without)`;

interface RepairValues {
  only?: string | undefined;
  skip?: string | undefined;
  'network-repair'?: string | undefined;
  'serial-console'?: boolean | undefined;
  'new-mac'?: string[] | undefined;
  'virtio-win'?: string | undefined;
}

function fixList(flag: string, text: string | undefined, usage: string): FixId[] | undefined {
  if (text === undefined) return undefined;
  const ids = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !(FIX_IDS as readonly string[]).includes(id));
  if (unknown.length) throw usageError(`--${flag}: ${unknown.join(', ')} ${unknown.length > 1 ? 'are not fix ids' : 'is not a fix id'}.`, `${usage}\nFix ids: ${FIX_IDS.join(', ')}`);
  return ids as FixId[];
}

const MAC = /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/;

export function repairOptionsFrom(values: RepairValues, usage: string): RepairOptions {
  const network = values['network-repair'];
  if (network !== undefined && !NetworkRepairMode.options.includes(network as never)) throw usageError(`--network-repair must be pin-name or rewrite-configs, not "${network}".`, usage);
  const macs: Record<string, string | null> = {};
  for (const pair of values['new-mac'] ?? []) {
    const [from, to] = pair.split('=');
    if (!from || !MAC.test(from) || !to || (to !== 'any' && !MAC.test(to))) throw usageError(`--new-mac takes OLD=NEW (two MAC addresses, NEW may be "any"), not "${pair}".`, usage);
    macs[from.toLowerCase().replace(/-/g, ':')] = to === 'any' ? null : to.toLowerCase().replace(/-/g, ':');
  }
  const only = fixList('only', values.only, usage);
  const skip = fixList('skip', values.skip, usage);
  return {
    ...(only ? { only } : {}),
    ...(skip ? { skip } : {}),
    ...(network ? { network: network as NetworkRepairMode } : {}),
    ...(values['serial-console'] ? { serialConsole: true } : {}),
    ...(Object.keys(macs).length ? { macs } : {}),
    ...(values['virtio-win'] ? { virtioWin: resolve(values['virtio-win']) } : {}),
  };
}

type TailValues = RepairValues & {
  inspect?: boolean | undefined;
  repair?: boolean | undefined;
  define?: boolean | undefined;
  connect?: string | undefined;
  placement?: string | undefined;
  'verify-boot'?: boolean | undefined;
  'boot-timeout'?: string | undefined;
};

export function tailOptionsFrom(values: TailValues, usage: string): { inspect: boolean; repair?: RepairOptions; define?: TailDefineOptions; verifyBoot?: TailVerifyBootOptions } {
  const repairFlags = values.only ?? values.skip ?? values['network-repair'] ?? values['virtio-win'] ?? (values['serial-console'] || values['new-mac']?.length ? true : undefined);
  if (repairFlags !== undefined && !values.repair) throw usageError('--only, --skip, --network-repair, --serial-console, --new-mac and --virtio-win go with --repair.', usage);
  if ((values.connect || values.placement) && !values.define) throw usageError('--connect and --placement go with --define.', usage);
  const connection = values.connect;
  if (connection !== undefined && !LibvirtConnection.options.includes(connection as never)) throw usageError(`--connect must be qemu:///session or qemu:///system, not "${connection}".`, usage);
  const placement = values.placement;
  if (placement !== undefined && !['in-place', 'move', 'copy'].includes(placement)) throw usageError(`--placement must be in-place, move or copy, not "${placement}".`, usage);
  const timeout = values['boot-timeout'] === undefined ? undefined : Number(values['boot-timeout']);
  if (timeout !== undefined && !(timeout > 0 && timeout <= 3600)) throw usageError(`--boot-timeout must be seconds from 1 to 3600, not "${values['boot-timeout']}".`, usage);
  return {
    inspect: values.inspect ?? false,
    ...(values.repair ? { repair: repairOptionsFrom(values, usage) } : {}),
    ...(values.define ? { define: { ...(connection ? { options: { connection: connection as LibvirtConnection } } : {}), ...(placement ? { placement: placement as TailDefineOptions['placement'] } : {}) } } : {}),
    ...(values['verify-boot'] ? { verifyBoot: timeout ? { timeoutSeconds: timeout } : {} } : {}),
  };
}

/** A fix as the `--json` result line carries it (the shape scripts rely on). */
export function fixesForJson(record: RepairRecord): Array<{
  id: string;
  title: string;
  status: string;
  applied: boolean;
  reason: string;
  changes: Array<{ path: string; action: string; diff: string; beforeSha256: string | null; afterSha256: string | null; backup: string | null }>;
  commands: string[][];
  registry?: RegistryChange[];
  firstBoot?: Array<{ name: string; path: string; language: string; script: string }>;
}> {
  return record.fixes.map((f) => ({
    id: f.id,
    title: f.title,
    status: f.status,
    applied: f.applied,
    reason: f.reason,
    changes: f.changes.map(({ path, action, diff, beforeSha256, afterSha256, backup }) => ({ path, action, diff, beforeSha256, afterSha256, backup })),
    commands: (f.commandOutcomes.length ? f.commandOutcomes : f.commands).map((c) => c.argv),
    ...(f.registry ? { registry: f.registry } : {}),
    ...(f.firstBoot ? { firstBoot: f.firstBoot } : {}),
  }));
}

/** The tail's part of a human-readable result: the repairs, the domain, the boot verdict. */
export function sayTail(io: CliIo, result: { inspection?: InspectionReport | undefined; inspectionError?: EngineError | undefined; repair?: RepairRecord | undefined; domain?: DefineResult | undefined; bootVerification?: BootVerification | undefined }, showDiffs = false): void {
  const s = result.inspection?.summary;
  if (result.repair) sayRepair(io, result.repair, showDiffs);
  if (s) say(io, `  inspection: ${s.readiness}, ${s.blockers} blocker(s), ${s.warnings} warning(s) (inspection.json next to the record)`);
  if (result.inspectionError) say(io, `  inspection failed: ${result.inspectionError.message}`);
  if (result.domain) {
    say(io, `  domain: ${result.domain.name} on ${result.domain.connection}${result.domain.renamed ? ' (renamed: the name was taken)' : ''}`);
    for (const d of result.domain.disks) if (d.placement !== 'in-place') say(io, `    disk ${d.placement === 'move' ? 'moved' : 'copied'}: ${d.from} → ${d.path}`);
  }
  if (result.bootVerification) say(io, `  boot: ${result.bootVerification.verdict} (${result.bootVerification.reason}) — ${result.bootVerification.detail}`);
}

/** A registry change in one line: key "value" (type): before → after. */
export function registryLine(r: RegistryChange): string {
  if (r.action === 'delete-key') return `${r.key}: key removed (held ${r.before ?? 'nothing'})`;
  const value = `${r.key} "${r.value || '(default)'}"${r.type ? ` (${r.type})` : ''}`;
  return `${value}: ${r.before ?? '(absent)'} → ${r.after ?? '(removed)'}`;
}

export function sayRepair(io: CliIo, record: RepairRecord, showDiffs: boolean): void {
  for (const b of record.plan.blockers) say(io, `  repair blocked: ${b.message}\n    what to do: ${b.hint}`);
  for (const w of record.plan.warnings ?? []) say(io, `  warning: ${w.message}\n    what to do: ${w.hint}`);
  for (const f of record.fixes) {
    const mark = f.applied ? 'applied' : f.status === 'planned' ? 'planned' : f.status;
    say(io, `  [${mark}] ${f.id}: ${f.title}`);
    if (f.status !== 'not-needed' || showDiffs) say(io, `      ${f.reason}`);
    for (const c of f.changes) {
      say(io, `      ${c.action} ${c.path}${c.size !== undefined ? ` (${c.size} bytes)` : ''}${c.backup ? ` (original kept as ${c.backup})` : ''}`);
      if (showDiffs && c.diff) say(io, c.diff.replace(/^/gm, '        '));
    }
    for (const r of f.registry ?? []) say(io, `      registry ${registryLine(r)}`);
    for (const a of f.firstBoot ?? []) {
      say(io, `      at first boot: ${a.path} (${a.language})`);
      if (showDiffs) say(io, a.script.replace(/\r\n/g, '\n').replace(/\n$/, '').replace(/^/gm, '        '));
    }
    for (const c of f.commandOutcomes) say(io, `      $ ${c.argv.join(' ')}  ${c.ok ? `(${(c.durationMs / 1000).toFixed(1)} s)` : 'FAILED'}`);
    if (f.commandOutcomes.length === 0) for (const c of f.commands) say(io, `      $ ${c.argv.join(' ')}`);
  }
  if (record.error) say(io, `  repair failed: ${record.error.message}\n    ${record.error.hint}`);
  if (record.reinspected) say(io, `  after the repair: ${record.reinspected.readiness}, ${record.reinspected.blockers} blocker(s), ${record.reinspected.warnings} warning(s)`);
}

/** Why a repair that was asked for did not happen (blocked or failed), or null when it did or was not asked. */
export function repairFailure(record: RepairRecord | undefined): EngineError | null {
  if (!record) return null;
  if (record.error) return record.error;
  const blocker = record.plan.blockers[0];
  return blocker ? { code: 'REPAIR_BLOCKED', kind: 'failure', message: `The guest was not repaired: ${blocker.message}`, hint: blocker.hint } : null;
}

/** The pipeline tail's part of a convert or migrate JSON result line (what ran of it, and a failed repair's error). */
export function tailResultJson(
  result: { inspection?: InspectionReport; inspectionError?: EngineError; repair?: RepairRecord; domain?: DefineResult; bootVerification?: BootVerification },
  repairProblem: EngineError | null,
): Record<string, unknown> {
  return {
    ...(result.inspection ? { inspection: result.inspection } : {}),
    ...(result.inspectionError ? { inspectionError: result.inspectionError } : {}),
    ...(result.repair ? { fixes: fixesForJson(result.repair), repair: result.repair } : {}),
    ...(repairProblem ? { error: repairProblem } : {}),
    ...(result.domain ? { domain: result.domain } : {}),
    ...(result.bootVerification ? { bootVerification: result.bootVerification } : {}),
  };
}
