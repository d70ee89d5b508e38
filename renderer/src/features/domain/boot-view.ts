import type { EngineError } from '../../../../shared/contract/errors';
import type { JobEvent } from '../../../../shared/contract/events';
import type { BootMilestone, BootVerification, MilestoneKind } from '../../../../shared/contract/models/boot';
import { BootVerification as BootVerificationSchema } from '../../../../shared/contract/models/boot';

/**
 * The Verify boot step as a pure function of the verification job's events: live console text,
 * milestones, the latest screenshot, log lines and the verdict. The same reducer serves live
 * events and a replay after a reconnection (`jobs.get`).
 */

export type BootOutcome =
  | { type: 'done'; result: BootVerification }
  | { type: 'failed'; error: EngineError }
  | { type: 'cancelled' };

export interface BootLogLine {
  at: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

export interface BootView {
  jobId: string;
  title: string;
  /** When the job started (ISO), for the elapsed time while it runs. */
  startedAt: string | null;
  /** The console as text, its oldest part dropped beyond MAX_CONSOLE_CHARS. */
  console: string;
  /**
   * The console as a terminal shows it (GRUB's menu as its box), from the engine's terminal
   * emulator; null from an engine that sends only text (then `console` is shown).
   */
  screen: string[] | null;
  consoleDropped: number;
  /** ms since the guest started, of the newest console text. */
  consoleAtMs: number;
  milestones: BootMilestone[];
  /** The newest screenshot: fetch it by name (`boot.screenshot`). */
  screenshot: { name: string; atMs: number } | null;
  screenshots: number;
  log: BootLogLine[];
  outcome: BootOutcome | null;
}

export const MAX_CONSOLE_CHARS = 200_000;
export const MAX_BOOT_LOG_LINES = 200;
/** The engine's terminal keeps 10,000 lines of scrollback; the page shows them all. */
export const MAX_SCREEN_LINES = 10_025;

/** What the console pane shows: the terminal's lines when the engine sends them, else the text. */
export function consoleText(view: Pick<BootView, 'screen' | 'console'>): string {
  return view.screen ? view.screen.join('\n') : view.console;
}

/** The boot stages in the order a PC goes through them, named for people. */
export const MILESTONE_STEPS: ReadonlyArray<{ kind: MilestoneKind; label: string }> = [
  { kind: 'firmware', label: 'Firmware' },
  { kind: 'bootloader', label: 'Boot loader' },
  { kind: 'kernel', label: 'Kernel' },
  { kind: 'init', label: 'Init' },
  { kind: 'login', label: 'Login' },
];

export function initialBootView(jobId: string): BootView {
  return { jobId, title: '', startedAt: null, console: '', screen: null, consoleDropped: 0, consoleAtMs: 0, milestones: [], screenshot: null, screenshots: 0, log: [], outcome: null };
}

/**
 * Appends console text. GRUB redraws its menu by moving the cursor, which arrives as runs of
 * empty lines: more than one in a row is shown as one. Beyond `max` characters the oldest
 * whole lines go.
 */
export function appendConsole(current: string, piece: string, max = MAX_CONSOLE_CHARS): { text: string; dropped: number } {
  // Collapse across the join too: the old text may end in blank lines the new piece continues.
  const joined = (current + piece).replace(/\n[ \t]*(?:\n[ \t]*){2,}/g, '\n\n');
  if (joined.length <= max) return { text: joined, dropped: 0 };
  const cut = joined.indexOf('\n', joined.length - max);
  const from = cut < 0 ? joined.length - max : cut + 1;
  return { text: joined.slice(from), dropped: from };
}

function doneOutcome(result: unknown): BootOutcome {
  const parsed = BootVerificationSchema.safeParse(result);
  if (parsed.success) return { type: 'done', result: parsed.data };
  return {
    type: 'failed',
    error: { code: 'INTERNAL', kind: 'failure', message: 'The verification finished but its result does not match what this wizard expects.', hint: 'This is a bug: the evidence is still in the job folder (boot-verification.json).' },
  };
}

export function applyBootEvent(view: BootView, event: JobEvent): BootView {
  if (event.jobId !== view.jobId || view.outcome) return view;
  switch (event.type) {
    case 'job-started':
      return { ...view, title: event.title, startedAt: event.at };
    case 'log': {
      const log = [...view.log, { at: event.at, level: event.level, message: event.message }];
      return { ...view, log: log.length > MAX_BOOT_LOG_LINES ? log.slice(log.length - MAX_BOOT_LOG_LINES) : log };
    }
    case 'observation': {
      const o = event.observation;
      switch (o.kind) {
        case 'console-text': {
          const { text, dropped } = appendConsole(view.console, o.text);
          return { ...view, console: text, consoleDropped: view.consoleDropped + dropped, consoleAtMs: Math.max(view.consoleAtMs, o.atMs) };
        }
        case 'console-screen': {
          const lines = [...(view.screen ?? []).slice(0, o.from), ...o.lines];
          return { ...view, screen: lines.length > MAX_SCREEN_LINES ? lines.slice(lines.length - MAX_SCREEN_LINES) : lines, consoleAtMs: Math.max(view.consoleAtMs, o.atMs) };
        }
        case 'milestone':
          return view.milestones.some((m) => m.kind === o.milestone.kind) ? view : { ...view, milestones: [...view.milestones, o.milestone] };
        case 'screenshot':
          return { ...view, screenshot: { name: o.name, atMs: o.atMs }, screenshots: view.screenshots + 1 };
        default:
          // A kind this page does not know (a newer engine): nothing to show for it.
          return view;
      }
    }
    case 'failed':
      return { ...view, outcome: { type: 'failed', error: event.error } };
    case 'cancelled':
      return { ...view, outcome: { type: 'cancelled' } };
    case 'done': {
      const outcome = doneOutcome(event.result);
      // The result has every milestone, also those a reconnecting page missed.
      return outcome.type === 'done' ? { ...view, outcome, milestones: outcome.result.milestones } : { ...view, outcome };
    }
    default:
      return view;
  }
}

export function replayBootEvents(jobId: string, events: readonly JobEvent[]): BootView {
  return events.reduce(applyBootEvent, initialBootView(jobId));
}

export interface TimelineStep {
  kind: MilestoneKind;
  label: string;
  state: 'reached' | 'pending' | 'stopped';
  /** "12.4 s" when reached. */
  time: string | null;
  text: string | null;
}

/**
 * The milestone timeline: each stage reached with its time; once the verdict is in, the first
 * stage not reached is where the boot stopped (failed or timed out).
 */
export function timeline(view: BootView): TimelineStep[] {
  const ended = view.outcome?.type === 'done' && view.outcome.result.verdict !== 'booted';
  let stopMarked = false;
  return MILESTONE_STEPS.map(({ kind, label }) => {
    const m = view.milestones.find((x) => x.kind === kind);
    if (m) return { kind, label, state: 'reached' as const, time: seconds(m.atMs), text: m.text };
    const stopped = ended && !stopMarked;
    if (stopped) stopMarked = true;
    return { kind, label, state: stopped ? ('stopped' as const) : ('pending' as const), time: null, text: null };
  });
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export interface VerdictText {
  variant: 'success' | 'danger' | 'warning';
  title: string;
}

export function verdictText(result: BootVerification): VerdictText {
  const at = seconds(result.verdictAtMs);
  switch (result.verdict) {
    case 'booted':
      return { variant: 'success', title: `The guest booted (${at})` };
    case 'failed':
      return { variant: 'danger', title: `The guest did not boot (${at})` };
    case 'timeout':
      return { variant: 'warning', title: `No verdict within ${result.timeoutSeconds} s` };
  }
}
