import type { BatchStatus, BatchVmRow, PlanProblem } from '../../shared/contract/models/batch';
import { formatBytes, formatDuration, formatRate } from '../../shared/format';

/**
 * How a batch looks in a terminal: a compact live view (totals, the error rate, one line per
 * running VM) redrawn in place on a TTY, or plain lines (one per VM change, totals now and then)
 * in a log. Pure functions of the status: the command only prints what they return.
 */

export function totalsLine(s: BatchStatus): string {
  const t = s.totals;
  const parts = [
    `${t.done}/${t.vms} done`,
    `${t.running} running`,
    `${t.failed} failed`,
    `${t.queued} queued`,
    ...(t.cancelled ? [`${t.cancelled} cancelled`] : []),
    `${formatBytes(t.bytesDone)} moved`,
    formatRate(t.bytesPerSecond),
    `ETA ${formatDuration(t.etaSeconds)}`,
    `errors ${s.errorRate.lastMinute}/min`,
  ];
  return parts.join(' · ');
}

function bar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(Math.max(fraction, 0), 1) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

export function vmLine(row: BatchVmRow, nameWidth: number): string {
  const pct = `${Math.floor(row.fraction * 100)}%`.padStart(4);
  const bytes = row.bytesTotal > 0 ? `${formatBytes(row.bytesDone)} / ${formatBytes(row.bytesTotal)}` : '';
  return `  ${row.name.padEnd(nameWidth)}  ${(row.stage ?? 'starting').padEnd(11)} ${bar(row.fraction, 12)} ${pct}  ${bytes.padEnd(22)} ${formatRate(row.bytesPerSecond).padStart(9)}  ETA ${formatDuration(row.etaSeconds)}`;
}

/** The live view: a header, the totals, one line per running VM (at most `maxVms`, then "+N more"). */
export function liveView(s: BatchStatus, columns = 120, maxVms = 20): string[] {
  const running = s.vms.filter((v) => v.state === 'running');
  const nameWidth = Math.min(Math.max(4, ...running.map((v) => v.name.length)), 24);
  const state = s.state === 'running' ? '' : ` [${s.state}]`;
  const lines = [`Batch ${s.title ?? s.plan}${state}`, totalsLine(s)];
  for (const row of running.slice(0, maxVms)) lines.push(vmLine(row, nameWidth));
  if (running.length > maxVms) lines.push(`  … and ${running.length - maxVms} more running`);
  return lines.map((l) => (l.length > columns ? l.slice(0, columns - 1) + '…' : l));
}

/** Plain lines for what changed between two looks at a VM (null: first look). */
export function changeLines(before: BatchVmRow | null, after: BatchVmRow): string[] {
  const lines: string[] = [];
  if (before?.state !== after.state) {
    switch (after.state) {
      case 'running':
        lines.push(`${after.name}: started (attempt ${after.attempts}${after.jobId ? `, job ${after.jobId}` : ''})`);
        break;
      case 'done':
        lines.push(`${after.name}: done${after.durationMs !== null ? ` in ${formatDuration(after.durationMs / 1000)}` : ''}${after.outputs.length ? ` → ${after.outputs.map((o) => o.path).join(', ')}` : ''}${after.warnings ? ` (${after.warnings} hook warning${after.warnings === 1 ? '' : 's'})` : ''}`);
        break;
      case 'failed':
        lines.push(`${after.name}: FAILED [${after.error?.code ?? '?'}] ${after.error?.message ?? ''}${after.stage ? ` (in ${after.stage})` : ''}`);
        if (after.error?.hint) lines.push(`  what to do: ${after.error.hint}`);
        if (after.jobDir) lines.push(`  job record: ${after.jobDir}/job.json`);
        break;
      case 'cancelled':
        lines.push(`${after.name}: cancelled`);
        break;
      case 'queued':
        if (before) lines.push(`${after.name}: queued again`);
        break;
    }
  } else if (after.state === 'running' && before.stage !== after.stage && after.stage) {
    lines.push(`${after.name}: ${after.stageLabel ?? after.stage}`);
  }
  return lines;
}

/** A compiler-style line per problem, with the hint under it. */
export function problemLines(problems: readonly PlanProblem[]): string[] {
  return problems.flatMap((p) => [`${p.file}:${p.line}:${p.column}: ${p.severity}: ${p.message} [${p.code}]`, ...(p.hint ? [`  ${p.hint}`] : [])]);
}

/** The final table of `batch status` and the end of `batch run`. */
export function summaryTable(s: BatchStatus): string[] {
  const width = Math.min(Math.max(4, ...s.vms.map((v) => v.name.length)), 32);
  const lines = s.vms.map((v) => {
    const detail = v.state === 'failed' ? `[${v.error?.code ?? '?'}] ${v.error?.message ?? ''}` : v.state === 'done' ? v.outputs.map((o) => o.path).join(', ') : v.state === 'running' ? (v.stage ?? '') : '';
    return `  ${v.name.padEnd(width)}  ${v.state.padEnd(9)}  ${detail}`;
  });
  return [totalsLine(s), ...lines];
}
