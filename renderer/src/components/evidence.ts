import type { ErrorEvidence } from '../../../shared/contract/errors';

export interface EvidenceRow {
  label: string;
  value: string;
  /** Shown in a monospace block (commands, tool output, structured details). */
  code: boolean;
}

/** Quotes an argument vector the way a shell would need it, so the command can be pasted. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((arg) => (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * The evidence of an error as labelled rows, in the order an administrator reads them: what
 * ran, how it ended, what it said, which file. Empty fields are left out; there is never a
 * stack trace because error values do not carry one.
 */
export function evidenceRows(evidence: ErrorEvidence | undefined): EvidenceRow[] {
  if (!evidence) return [];
  const rows: EvidenceRow[] = [];
  if (evidence.command?.length) rows.push({ label: 'Command', value: shellQuote(evidence.command), code: true });
  if (evidence.exitCode !== undefined && evidence.exitCode !== null) rows.push({ label: 'Exit code', value: String(evidence.exitCode), code: false });
  if (evidence.signal) rows.push({ label: 'Signal', value: evidence.signal, code: false });
  if (evidence.path) rows.push({ label: 'File', value: evidence.line === undefined ? evidence.path : `${evidence.path}, line ${evidence.line}`, code: false });
  else if (evidence.line !== undefined) rows.push({ label: 'Line', value: String(evidence.line), code: false });
  if (evidence.stderrTail?.trim()) rows.push({ label: 'Error output (last lines)', value: evidence.stderrTail.replace(/\s+$/, ''), code: true });
  if (evidence.details && Object.keys(evidence.details).length > 0) rows.push({ label: 'Details', value: JSON.stringify(evidence.details, null, 2), code: true });
  return rows;
}
