import xterm from '@xterm/headless';
import type { Terminal as TerminalType } from '@xterm/headless';

/**
 * The guest's serial console as a terminal shows it. SeaBIOS, GRUB and systemd draw with
 * cursor addressing (GRUB's menu is a box painted cell by cell, then redrawn), which no amount
 * of escape-stripping turns into readable lines; a terminal emulator (xterm.js, headless) does:
 * what it holds is what a person at the console saw. A cleared screen goes to the scrollback
 * instead of vanishing, so the whole boot stays readable from the firmware on.
 *
 * 160 columns: GRUB and the firmware address the first 80 as on a real console, and kernel lines
 * written with line wrapping turned off (SeaBIOS sends ESC[?7l) keep their full text.
 */

const { Terminal } = xterm;

// eslint-disable-next-line no-control-regex -- escape sequences are what this looks for
const HOME_THEN_ERASE_BELOW = /\x1b\[(?:1?;?1?)H\x1b\[0?J/g;

export interface ConsolePatch {
  /** Lines from this index on are replaced by `lines` (those before it are unchanged). */
  from: number;
  lines: string[];
}

export interface ConsoleScreenOptions {
  cols?: number;
  rows?: number;
  scrollback?: number;
}

export class ConsoleScreen {
  private readonly terminal: TerminalType;
  private pending: Promise<void> = Promise.resolve();
  private shown: string[] = [];

  constructor(options: ConsoleScreenOptions = {}) {
    this.terminal = new Terminal({
      cols: options.cols ?? 160,
      rows: options.rows ?? 25,
      scrollback: options.scrollback ?? 10_000,
      allowProposedApi: true,
      scrollOnEraseInDisplay: true,
      // systemd's "…" inside a colour sequence is a parse error to xterm: harmless, and not news.
      logLevel: 'off',
    });
  }

  /** Feeds output (text as decoded from the port); resolves once the terminal has taken it in. */
  write(text: string): Promise<void> {
    if (text.length === 0) return this.pending;
    // GRUB clears with "home, erase below": the same as a clear screen, whose content goes to
    // the scrollback (the firmware's lines before it stay readable).
    const clears = text.replace(HOME_THEN_ERASE_BELOW, '\x1b[2J\x1b[H');
    this.pending = new Promise<void>((resolve) => this.terminal.write(clears, resolve));
    return this.pending;
  }

  /** Waits for everything written so far. */
  settled(): Promise<void> {
    return this.pending;
  }

  /** The console's lines, scrollback and screen, without trailing blanks (as of the last write taken in). */
  lines(): string[] {
    const buffer = this.terminal.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) lines.push((buffer.getLine(i)?.translateToString(true) ?? '').replace(/\s+$/, ''));
    while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
    return lines;
  }

  /** What changed since the last patch; null when nothing did. Applying every patch in order rebuilds `lines()`. */
  patch(): ConsolePatch | null {
    const now = this.lines();
    const before = this.shown;
    let from = 0;
    const common = Math.min(before.length, now.length);
    while (from < common && before[from] === now[from]) from++;
    if (from === now.length && now.length === before.length) return null;
    this.shown = now;
    return { from, lines: now.slice(from) };
  }

  /**
   * The last `count` lines with text, runs of blank lines kept to one: the verdict's excerpt,
   * as the console showed it.
   */
  excerpt(count: number): string {
    const kept: string[] = [];
    for (const line of this.lines()) {
      if (line.trim() === '' && (kept.length === 0 || kept.at(-1)!.trim() === '')) continue;
      kept.push(line);
    }
    return kept.slice(-count).join('\n').trim();
  }

  dispose(): void {
    this.terminal.dispose();
  }
}
