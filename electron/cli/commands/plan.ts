import type { ConvertPreview } from '../../../shared/contract/models/convert';
import { formatBytes } from '../../../shared/format';
import { parseCommandArgs, usageError } from '../args';
import { emitJson, say } from '../io';
import type { CliIo } from '../io';
import type { Command } from './types';

const usage = 'hyper2kvm plan SOURCE [--out DIR] [--format qcow2|raw] [--name NAME] [--json]';

export const planCommand: Command = {
  name: 'plan',
  summary: 'Show what a conversion would do, without doing it',
  usage,
  help: `Recognises SOURCE, checks every file it needs and probes each disk (read-only), then
shows the disks, their chains and sizes, the outputs, the estimated space and anything that
would stop the conversion (blockers). Nothing is written.

Options:
  --out DIR          destination to check (default: the app's default output folder)
  --format FORMAT    qcow2 (default) or raw
  --name NAME        base name of the outputs
  --json             print {"type":"result","ok":true,"preview":{...}}`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, { out: { type: 'string' }, format: { type: 'string', default: 'qcow2' }, name: { type: 'string' }, json: { type: 'boolean', default: false } }, usage);
    if (positionals.length !== 1) throw usageError('Give exactly one SOURCE.', usage);
    if (values.format !== 'qcow2' && values.format !== 'raw') throw usageError(`--format must be qcow2 or raw, not "${values.format}".`, usage);
    const { client } = ctx.engine();
    const outDir = values.out ?? (await client.call('app.info', {})).defaultOutDir;
    const preview = await client.call('convert.preview', { source: positionals[0]!, options: { outDir, format: values.format, ...(values.name ? { name: values.name } : {}) } });
    if (ctx.io.json) emitJson(ctx.io, { type: 'result', ok: true, preview });
    else printPreview(ctx.io, preview);
    return preview.blockers.length ? 2 : 0;
  },
};

export function printPreview(io: CliIo, preview: ConvertPreview): void {
  const { source } = preview;
  say(io, `Source: ${source.kind.toUpperCase()} ${source.primary}${source.vm.name ? ` (VM "${source.vm.name}")` : ''}`);
  const vm = source.vm;
  if (vm.origin !== 'none') {
    say(io, `  VM: ${vm.vcpus ?? '?'} vCPU, ${vm.memoryMiB ?? '?'} MiB, ${vm.firmware ?? 'bios'}${vm.secureBoot ? ' + secure boot' : ''}, guest ${vm.guestOs ?? 'unknown'}, ${vm.nics.length} NIC(s)`);
  }
  for (const disk of source.disks) {
    const chain = disk.chain.length > 1 ? `, snapshot chain of ${disk.chain.length}` : '';
    say(io, `  ${disk.id}  ${disk.label}  ${disk.subformat ?? disk.format}${chain}, ${formatBytes(disk.virtualSize)} virtual, ${formatBytes(disk.allocatedSize)} allocated`);
  }
  for (const warning of source.warnings) say(io, `  note: ${warning}`);
  for (const out of preview.outputs) say(io, `Output: ${out.path} (${out.format}), about ${formatBytes(out.estimatedBytes)}${out.exists ? ' — exists' : ''}`);
  say(io, `Free at destination: ${formatBytes(preview.destinationFreeBytes)}`);
  for (const b of preview.blockers) say(io, `BLOCKER [${b.code}] ${b.message}\n  what to do: ${b.hint}`);
}
