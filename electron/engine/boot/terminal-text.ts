/* eslint-disable no-control-regex -- escape sequences and C0 controls are what this module removes */
/**
 * Serial consoles carry terminal output, not lines: SeaBIOS, OVMF, GRUB and systemd draw with
 * ANSI sequences, move the cursor instead of writing newlines, and end lines with \r\n. This turns
 * such a byte stream into plain lines, incrementally (a sequence may be cut between two reads).
 */
export class TerminalText {
  private pending = '';
  private partial = '';

  /** Feeds raw text; returns the lines it completed. The unfinished last line is `currentLine`. */
  push(raw: string): string[] {
    let text = this.pending + raw;
    this.pending = '';
    // Carriage returns at the end may belong to a line end in the next read ("\r" | "\r\n").
    const returns = /\r+$/.exec(text);
    if (returns) {
      this.pending = returns[0];
      text = text.slice(0, returns.index);
    }
    const cut = incompleteEscapeStart(text);
    if (cut >= 0) {
      this.pending = text.slice(cut) + this.pending;
      text = text.slice(0, cut);
    }
    const cleaned = this.partial + clean(text);
    const lines = cleaned.split('\n');
    this.partial = lines.pop() ?? '';
    return lines;
  }

  /** The line being written (a prompt such as "debian login: " ends without a newline). */
  get currentLine(): string {
    return this.partial;
  }

  /** Ends the stream: returns the unfinished line, if any. */
  flush(): string[] {
    const rest = this.partial + clean(this.pending.replace(/\r+$/, ''));
    this.partial = '';
    this.pending = '';
    return rest.length > 0 ? [rest] : [];
  }
}

/** One-shot version for whole texts (screen OCR, tests). */
export function terminalLines(raw: string): string[] {
  const t = new TerminalText();
  return [...t.push(raw), ...t.flush()];
}

// Cursor moves and screen clears start a new line of visible text; everything else is dropped.
const CURSOR_MOVE = /\x1b\[[0-9;]*[Hf]|\x1b\[[0-9;]*J|\x1bc/g;
const OTHER_CSI = /\x1b\[[0-9;?=<>]*[ -/]*[@-~]/g;
const OSC = /\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g;
const OTHER_ESC = /\x1b[()][0-9A-Za-z]|\x1b[=>78DEHMNOZ]/g;
// C0 controls other than \t and \n (\r is handled before), DEL, and stray ESCs.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

function clean(text: string): string {
  return text
    .replace(CURSOR_MOVE, '\n')
    .replace(OSC, '')
    .replace(OTHER_CSI, '')
    .replace(OTHER_ESC, '')
    // systemd ends its status lines with "\r\r\n": one line end, not a line and an empty one.
    .replace(/\r+\n/g, '\n')
    .replace(/\r/g, '\n')
    .replace(CONTROL, '');
}

/** Index of an escape sequence cut off at the end of `text`, or -1. */
function incompleteEscapeStart(text: string): number {
  const at = text.lastIndexOf('\x1b');
  if (at < 0 || text.length - at > 64) return -1;
  const tail = text.slice(at);
  if (tail.length === 1) return at;
  if (tail[1] === '[') return /^\x1b\[[0-9;?=<>]*[ -/]*[@-~]/.test(tail) ? -1 : at;
  if (tail[1] === ']') return /\x07|\x1b\\/.test(tail.slice(2)) ? -1 : at;
  if (tail[1] === '(' || tail[1] === ')') return tail.length >= 3 ? -1 : at;
  return -1;
}
