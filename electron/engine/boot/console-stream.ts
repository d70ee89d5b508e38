import { TerminalText } from './terminal-text';

/**
 * The guest's serial output as readable text, increment by increment, for a live console view:
 * terminal codes removed, cursor moves and carriage returns turned into line breaks. What it
 * returns is only ever appended to (the cleaned stream never rewrites what it gave), so a front
 * end can concatenate the pieces; the prompt a guest ends on ("login: ") comes out at once,
 * without waiting for a newline.
 */
export class ConsoleTextStream {
  private readonly terminal = new TerminalText();
  /** How much of the unfinished line was already given out. */
  private shown = 0;
  /** Carriage returns at the end of the last read: they may belong to a line end in the next. */
  private heldReturns = '';

  push(raw: string): string {
    let text = this.heldReturns + raw;
    const trailing = /\r+$/.exec(text);
    this.heldReturns = trailing ? trailing[0] : '';
    if (trailing) text = text.slice(0, trailing.index);
    // systemd ends its status lines with "\r\r\n": one line end, not a line and an empty one.
    const lines = this.terminal.push(text.replace(/\r+\n/g, '\n'));
    const current = this.terminal.currentLine;
    if (lines.length === 0) {
      const fresh = current.slice(this.shown);
      this.shown = current.length;
      return fresh;
    }
    const [first, ...rest] = lines;
    const fresh = [first!.slice(this.shown), ...rest].join('\n') + '\n' + current;
    this.shown = current.length;
    return fresh;
  }
}
