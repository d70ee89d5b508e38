import { RepairJobResult } from '../../../shared/contract/api/repair';
import { formatDuration } from '../../../shared/format';
import { parseCommandArgs, usageError } from '../args';
import { emitJson, reportFailure, say } from '../io';
import { followJob, resultOf } from '../jobs';
import { fixesForJson, REPAIR_FLAGS, FIX_IDS_HELP, REPAIR_HELP, repairOptionsFrom, sayRepair } from '../tail-flags';
import type { Command } from './types';

const usage = 'hyper2kvm repair DISK... [--dry-run] [--only ID,...] [--skip ID,...] [--network-repair MODE] [--serial-console] [--new-mac OLD=NEW] [--virtio-win PATH] [--json]';

/** `hyper2kvm repair`: make converted disks boot on KVM, every change shown and recorded. */
export const repairCommand: Command = {
  name: 'repair',
  summary: 'Repair converted disks so the guest boots on KVM (fstab, initramfs, boot loader, network)',
  usage,
  help: `DISK is a converted disk (qcow2 or raw) of one VM; give every disk of the VM, system disk
first. VMware disks are refused: convert them first (hyper2kvm convert SOURCE --repair does both).

Inspects the guest, plans every fix (a unified diff for each file, the commands that run in
the guest), then applies them in the same appliance. Each changed file keeps its original in
the guest as FILE.hyper2kvm-orig, and the job record lists every change with the file's hash
before and after. If a fix fails, nothing is kept: the disks are exactly as they were.
Repairing again a repaired disk plans nothing.

Options:
  --dry-run          plan and show the diffs, write nothing (the disks are opened read-only)
${REPAIR_HELP}
  --json             one JSON event per line, then {"type":"result","ok":...,"fixes":[...],"report":{...}}

${FIX_IDS_HELP}

Exit codes: 0 repaired (or nothing to do), 1 failed or blocked (nothing written), 2 bad input, 130 cancelled.`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, { 'dry-run': { type: 'boolean', default: false }, ...REPAIR_FLAGS, json: { type: 'boolean', default: false } }, usage);
    if (positionals.length === 0) throw usageError('DISK is missing.', usage);
    const options = repairOptionsFrom(values, usage);
    const dryRun = values['dry-run'] ?? false;
    const { client } = ctx.engine();
    const end = await followJob(client, ctx.io, () => client.call('repair.start', { disks: positionals.map((path) => ({ path })), options, dryRun }));
    if (end.type !== 'done') {
      return reportFailure(ctx.io, end.type === 'failed' ? end.error : { code: 'CANCELLED', kind: 'cancelled', message: 'The repair was cancelled.', hint: 'Nothing was written: the disks are as they were.' });
    }
    // Validated where it is read: a result that does not fit the contract is a bug, said as such.
    const result = resultOf(end, RepairJobResult);
    if (ctx.io.json) {
      emitJson(ctx.io, { type: 'result', ok: true, jobId: result.jobId, dryRun: result.dryRun, applied: result.record.applied, fixes: fixesForJson(result.record), blockers: result.plan.blockers, report: result.report, recordPath: result.recordPath });
      return 0;
    }
    const planned = result.plan.fixes.filter((f) => f.status === 'planned').length;
    say(ctx.io, `\n${result.dryRun ? `Planned (nothing written): ${planned} fix(es)` : result.record.applied ? `Repaired in ${formatDuration(result.record.durationMs / 1000)}` : 'Nothing to repair'}:`);
    sayRepair(ctx.io, result.record, result.dryRun);
    say(ctx.io, `  record: ${result.recordPath}`);
    return 0;
  },
};
