import type { EngineError } from '../../shared/contract/errors';
import { exitCodeFor } from '../../shared/contract/errors';
import type { JobEvent, ProgressSnapshot } from '../../shared/contract/events';
import { formatBytes, formatDuration, formatPercent, formatRate } from '../../shared/format';

/**
 * Where a command writes. With --json, stdout carries exactly one JSON object per line (events,
 * then one final `{"type":"result",...}`) and nothing else; people-facing text goes to stderr.
 */
export interface CliIo {
  json: boolean;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export function defaultIo(json: boolean): CliIo {
  return { json, stdout: process.stdout, stderr: process.stderr };
}

export function emitJson(io: CliIo, value: unknown): void {
  io.stdout.write(JSON.stringify(value) + '\n');
}

export function say(io: CliIo, text: string): void {
  (io.json ? io.stderr : io.stdout).write(text + '\n');
}

/** Prints an error value for people: what happened, what to do, and the evidence. */
export function formatError(error: EngineError): string {
  const lines = [`error [${error.code}]: ${error.message}`];
  if (error.hint) lines.push(`  what to do: ${error.hint}`);
  const ev = error.evidence;
  if (ev?.command) lines.push(`  command: ${ev.command.join(' ')}`);
  if (ev?.exitCode !== undefined && ev.exitCode !== null) lines.push(`  exit code: ${ev.exitCode}`);
  if (ev?.path) lines.push(`  file: ${ev.path}${ev.line ? `:${ev.line}` : ''}`);
  if (ev?.stderrTail) lines.push('  stderr (last lines):', ...ev.stderrTail.split('\n').slice(-8).map((l) => `    ${l}`));
  if (ev?.details) {
    for (const [k, v] of Object.entries(ev.details)) lines.push(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return lines.join('\n');
}

/** Ends a command with an error: JSON result line or a readable message; returns the exit code. */
export function reportFailure(io: CliIo, error: EngineError): number {
  if (io.json) emitJson(io, { type: 'result', ok: false, error });
  else io.stderr.write(formatError(error) + '\n');
  return exitCodeFor(error);
}

export function progressLine(stageLabel: string, p: ProgressSnapshot): string {
  const parts = [stageLabel.padEnd(18), formatPercent(p.fraction).padStart(7), `${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}`, formatRate(p.bytesPerSecond), `ETA ${formatDuration(p.etaSeconds)}`];
  if (p.item) parts.push(p.item);
  return parts.join('  ');
}

/**
 * Shows job events to a person: a live progress line on a terminal (rewritten in place), or a
 * line every few seconds when stderr is a file, so CI logs stay readable.
 */
export function humanEventPrinter(io: CliIo): (event: JobEvent) => void {
  const out = io.stderr;
  const tty = Boolean(out.isTTY);
  const labels = new Map<string, string>();
  let lastPlain = 0;
  let live = false;
  const endLive = (): void => {
    if (live) out.write('\n');
    live = false;
  };
  return (event) => {
    switch (event.type) {
      case 'job-started':
        for (const s of event.stages) labels.set(s.id, s.label);
        break;
      case 'stage-started':
        endLive();
        out.write(`▸ ${event.label}\n`);
        break;
      case 'progress': {
        const line = progressLine(labels.get(event.stage) ?? event.stage, event.progress);
        if (tty) {
          out.write(`\r\x1b[2K${line}`);
          live = true;
        } else if (Date.now() - lastPlain > 5000 || event.progress.fraction >= 1) {
          lastPlain = Date.now();
          out.write(line + '\n');
        }
        break;
      }
      case 'log':
        if (event.level === 'debug') break;
        endLive();
        out.write(`  ${event.level === 'info' ? '' : event.level + ': '}${event.message}\n`);
        break;
      case 'stage-done':
        endLive();
        break;
      default:
        endLive();
    }
  };
}
