/**
 * Splits a byte stream into lines of at most `maxBytes` (newline excluded) without ever holding
 * more than that in memory. A longer line is not buffered: its first bytes are kept for the
 * error message, the rest is skipped up to the next newline, and reading goes on from there, so
 * one oversized request cannot take the connection down or push the process out of memory.
 */
export interface LineReaderEvents {
  line(text: string): void;
  /** A line was longer than allowed; `head` is its beginning (for attributing it), `bytes` its length. */
  oversized(head: string, bytes: number): void;
  /** A line was not valid UTF-8. */
  invalid(bytes: number): void;
}

const HEAD_BYTES = 256;
const NEWLINE = 0x0a;

export class LineReader {
  private parts: Buffer[] = [];
  private pending = 0;
  /** Bytes of the current line seen so far while skipping an oversized one, or -1. */
  private skipped = -1;
  private head = '';
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly maxBytes: number,
    private readonly events: LineReaderEvents,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      this.take(chunk.subarray(start, end));
      if (newline === -1) return;
      this.endLine();
      start = newline + 1;
    }
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    if (this.pending > 0 || this.skipped >= 0) this.endLine();
  }

  private take(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.skipped >= 0) {
      this.skipped += bytes.length;
      return;
    }
    if (this.pending + bytes.length <= this.maxBytes) {
      this.parts.push(Buffer.from(bytes));
      this.pending += bytes.length;
      return;
    }
    const all = Buffer.concat([...this.parts, bytes.subarray(0, HEAD_BYTES)]);
    this.head = all.subarray(0, HEAD_BYTES).toString('utf8');
    this.skipped = this.pending + bytes.length;
    this.parts = [];
    this.pending = 0;
  }

  private endLine(): void {
    if (this.skipped >= 0) {
      const bytes = this.skipped;
      const head = this.head;
      this.skipped = -1;
      this.head = '';
      this.events.oversized(head, bytes);
      return;
    }
    const line = Buffer.concat(this.parts);
    this.parts = [];
    this.pending = 0;
    let text: string;
    try {
      text = this.decoder.decode(line);
    } catch {
      this.events.invalid(line.length);
      return;
    }
    this.events.line(text.endsWith('\r') ? text.slice(0, -1) : text);
  }
}
