import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { EngineError } from '../../../shared/contract/errors';
import { RemoteError } from '../../../shared/rpc/client';
import type { RpcClient } from '../../../shared/rpc/client';
import type { JobEvent } from '../../../shared/contract/events';
import { InspectionReport } from '../../../shared/contract/models/inspection';
import type { Severity } from '../../../shared/contract/models/inspection';
import { formatBytes, formatDuration } from '../../../shared/format';
import { parseCommandArgs, usageError } from '../args';
import { emitJson, humanEventPrinter, reportFailure, say } from '../io';
import type { CliIo } from '../io';
import { followJob, resultOf } from '../jobs';
import type { Command } from './types';

const usage = 'hyper2kvm inspect DISK... [--html FILE] [--pdf FILE] [--overwrite] [--json]';

type ExportKind = 'html' | 'pdf';
const EXPORT_CALL = { html: 'inspect.exportHtml', pdf: 'inspect.exportPdf' } as const;

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'Inspect the disks of a VM: OS, file systems, packages, network, and what breaks on KVM',
  usage,
  help: `DISK is any image the product handles (vmdk, qcow2, raw, vdi, vhdx, vhd); name every disk
of one VM, in order. All of them are opened read-only in ONE libguestfs appliance (about 30 s
to start without KVM); nothing is ever written to them.

The report lists the operating system (type, distribution, product, version, architecture,
hostname, firmware), disks, partitions and file systems with their usage, mountpoints,
installed packages or applications, network configuration, Linux boot and service facts or
Windows registry facts, and findings: what will break on KVM, each with a severity (blocker,
warning, info), its evidence and the fix hyper2kvm offers. A disk without a recognisable
operating system gives a report with a finding, not an error.

Options:
  --html FILE        also write the report as one self-contained HTML file (charts inline)
  --pdf FILE         also write it as PDF (the HTML printed by headless Chromium)
  --overwrite        replace existing --html / --pdf files (never done without this flag)
  --json             print one JSON event per line, then
                     {"type":"result","ok":true,"jobId":"...","reportPath":"...",
                      "report":{"os":{...},"filesystems":[...],"mountpoints":[...],
                      "applications":[...],"network":[...],"findings":[...],...},
                      "exports":{"html":{"path":"...","bytes":N},"pdf":{...}}}

The report is kept with the job as <jobs folder>/<job id>/inspection.json; the desktop app's
Reports page opens it (or any saved copy) without inspecting again.
Exit codes: 0 inspected (whatever the findings say), 1 the inspection or an export failed,
2 bad input or usage (no such disk, not a disk image, an export file that exists...),
130 cancelled.`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(
      ctx.argv,
      {
        html: { type: 'string' },
        pdf: { type: 'string' },
        overwrite: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      usage,
    );
    if (positionals.length === 0) throw usageError('DISK is missing.', usage);
    if (positionals.length > 26) throw usageError('At most 26 disks can be inspected together.', usage);
    const overwrite = values.overwrite ?? false;
    const exports: Array<{ kind: ExportKind; out: string }> = [];
    if (values.html !== undefined) exports.push({ kind: 'html', out: resolve(values.html) });
    if (values.pdf !== undefined) exports.push({ kind: 'pdf', out: resolve(values.pdf) });
    if (exports.length === 2 && exports[0]!.out === exports[1]!.out) throw usageError('--html and --pdf name the same file.', usage);
    // Checked before the appliance starts: a typo should not cost the half minute it takes.
    for (const e of exports) {
      const problem = exportTargetProblem(e.out, overwrite);
      if (problem) throw usageError(`--${e.kind} ${e.out}: ${problem}`, usage);
    }

    const { client } = ctx.engine();
    const disks = positionals.map((path) => ({ path: resolve(path) }));
    const end = await followJob(client, ctx.io, () => client.call('inspect.start', { disks }), stepPrinter(ctx.io));
    if (end.type !== 'done') {
      return reportFailure(ctx.io, end.type === 'failed' ? end.error : { code: 'CANCELLED', kind: 'cancelled', message: 'The inspection was cancelled.', hint: 'Nothing was written to the disks.' });
    }
    const report = resultOf(end, InspectionReport);
    const info = await client.call('app.info', {});
    const reportPath = join(info.jobsDir, end.jobId, 'inspection.json');
    const written = await writeExports(client, end.jobId, exports, overwrite);
    if ('error' in written) {
      say(ctx.io, `The inspection succeeded; its report is in ${reportPath}.`);
      return reportFailure(ctx.io, written.error);
    }
    if (ctx.io.json) {
      emitJson(ctx.io, { type: 'result', ok: true, jobId: end.jobId, reportPath, report, exports: written.done });
    } else {
      printReport(ctx.io, report);
      say(ctx.io, `\nReport: ${reportPath}`);
      for (const [kind, file] of Object.entries(written.done)) say(ctx.io, `${kind.toUpperCase()}: ${file.path} (${formatBytes(file.bytes)})`);
    }
    return 0;
  },
};

/** Why an export file cannot be written there, or null: its folder must exist, the file must not (unless overwriting). */
export function exportTargetProblem(out: string, overwrite: boolean): string | null {
  const folder = statSync(dirname(out), { throwIfNoEntry: false });
  if (!folder?.isDirectory()) return `the folder ${dirname(out)} does not exist.`;
  const file = statSync(out, { throwIfNoEntry: false });
  if (file?.isDirectory()) return 'that is a folder; name a file.';
  if (file && !overwrite) return 'the file exists; add --overwrite to replace it.';
  return null;
}

async function writeExports(
  client: RpcClient,
  jobId: string,
  exports: ReadonlyArray<{ kind: ExportKind; out: string }>,
  overwrite: boolean,
): Promise<{ done: Partial<Record<ExportKind, { path: string; bytes: number }>> } | { error: EngineError }> {
  const done: Partial<Record<ExportKind, { path: string; bytes: number }>> = {};
  for (const e of exports) {
    try {
      done[e.kind] = await client.call(EXPORT_CALL[e.kind], { source: { jobId }, out: e.out, overwrite });
    } catch (error) {
      if (error instanceof RemoteError) return { error: error.value };
      throw error;
    }
  }
  return { done };
}

/** The inspection counts steps, not bytes: one line per step ("[3/12] Packages"). */
function stepPrinter(io: CliIo): (event: JobEvent) => void {
  const human = humanEventPrinter(io);
  let last = '';
  return (event) => {
    if (event.type !== 'progress') return human(event);
    const p = event.progress;
    const line = `  [${p.bytesDone}/${p.bytesTotal}] ${p.item ?? ''}`;
    if (line !== last) io.stderr.write(`${line}\n`);
    last = line;
  };
}

const SEVERITY_ORDER: readonly Severity[] = ['blocker', 'warning', 'info'];
const VERDICT = { ready: 'Ready to migrate', 'needs-repair': 'Ready after repairs', blocked: 'Blocked' } as const;

function printReport(io: CliIo, r: InspectionReport): void {
  const os = r.os;
  if (os.type === 'unknown') say(io, '\nNo operating system found.');
  else {
    const version = os.majorVersion === null ? '' : ` ${os.majorVersion}.${os.minorVersion ?? 0}`;
    say(io, `\n${os.distro ?? os.type}${version}${os.productName ? ` (${os.productName})` : ''}${os.hostname ? `, hostname ${os.hostname}` : ''}`);
    say(io, `  ${[os.type, os.arch, os.firmware === 'unknown' ? r.boot.firmware : os.firmware, os.packageFormat].filter(Boolean).join(', ')}; root ${os.root ?? '?'}`);
  }
  const s = r.summary;
  say(io, `${VERDICT[s.readiness]}: ${s.blockers} blocker(s), ${s.warnings} warning(s), ${s.infos} note(s)`);
  for (const severity of SEVERITY_ORDER) {
    for (const f of r.findings.filter((x) => x.severity === severity)) {
      say(io, `  ${severity.padEnd(8)} ${f.code.padEnd(24)} ${f.title}`);
      say(io, `  ${''.padEnd(8)} fix: ${f.fix.label}${f.fix.automatic ? '' : ' (needs the administrator)'}`);
    }
  }
  if (r.filesystems.length) say(io, 'File systems:');
  for (const f of r.filesystems) {
    const usage = f.size !== null && f.used !== null ? `${formatBytes(f.used)} of ${formatBytes(f.size)} used` : f.size !== null ? formatBytes(f.size) : '';
    say(io, `  ${f.device.padEnd(12)} ${f.type.padEnd(8)} ${(f.mountpoint ?? '').padEnd(12)} ${usage}`);
  }
  say(io, `Applications: ${r.applications.length}; network configurations: ${r.network.length}; inspected in ${formatDuration(r.durationMs / 1000)}`);
  for (const note of r.notes) say(io, `  note: ${note}`);
}
