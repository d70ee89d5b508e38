/**
 * The text protocol we speak with one long-running guestfish process (pure part, unit-tested).
 *
 * Why one process fed through stdin rather than `guestfish --listen` + `--remote`: measured here,
 * a --remote round trip costs ~15 ms (a new guestfish client each time) against ~1 ms over
 * stdin; a failing command kills a --listen server unless prefixed; and the server's error
 * messages go to its own stderr, so they cannot be tied to the command that caused them.
 *
 * Over stdin, guestfish numbers input lines: an error is printed as
 * `*stdin*:LINE: libguestfs: error: ...`, so each error maps to exactly one command. Every command
 * is sent with guestfish's `-` prefix (keep going after an error), followed by an `echo` of a
 * marker so its output can be cut out of stdout. A batch ends with a marker written to stderr by
 * a local `!echo`: once both streams have shown their end marker, every byte of the batch has
 * arrived, whatever order Node read the two pipes in.
 */

export interface GfCommand {
  name: string;
  args?: readonly string[];
  /** Optional arguments, sent as name:value (a list is sent space-separated, as guestfish wants). */
  opts?: Readonly<Record<string, string | number | boolean | readonly string[]>>;
}

export interface GfResult {
  command: GfCommand;
  ok: boolean;
  /** stdout of the command, without the newline guestfish adds after every result. */
  output: string;
  /** The error text (prefix removed), when it failed. */
  error: string | null;
}

/** Double-quoted guestfish argument: backslash escapes like C, so any byte can be passed. */
export function quoteArg(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

const NAME = /^[a-z][a-z0-9-]*$/;
const OPT_VALUE = /^[A-Za-z0-9_.,/+-]*$/;
/** Items of a list optarg: no separator (space) and nothing guestfish would unquote. */
const LIST_ITEM = /^[A-Za-z0-9_.,/+*?[\]-]+$/;

export function formatCommand(command: GfCommand): string {
  if (!NAME.test(command.name)) throw new Error(`Not a guestfish command name: ${command.name}`);
  const parts = [`-${command.name}`, ...(command.args ?? []).map(quoteArg)];
  for (const [key, value] of Object.entries(command.opts ?? {})) {
    if (!NAME.test(key.replace(/_/g, '-'))) throw new Error(`Unsafe optional argument name ${key}`);
    if (Array.isArray(value)) {
      const items = value as readonly string[];
      if (items.some((v) => !LIST_ITEM.test(v))) throw new Error(`Unsafe list item in ${key}`);
      parts.push(quoteArg(`${key}:${items.join(' ')}`));
      continue;
    }
    const text = String(value);
    if (!OPT_VALUE.test(text)) throw new Error(`Unsafe optional argument ${key}:${text}`);
    parts.push(`${key}:${text}`);
  }
  return parts.join(' ');
}

export interface BatchScript {
  /** What to write to stdin. */
  text: string;
  /** Input line number (1-based, counted over the session) of each command. */
  lines: number[];
  /** Line count after this batch. */
  nextLine: number;
  markers: string[];
  endMarker: string;
}

/**
 * Builds the stdin text for a batch. `firstLine` is the number guestfish will give the first
 * line written (it counts every line since the process started).
 */
export function buildBatch(commands: readonly GfCommand[], nonce: string, batchId: number, firstLine: number): BatchScript {
  const out: string[] = [];
  const lines: number[] = [];
  const markers: string[] = [];
  let line = firstLine;
  commands.forEach((command, i) => {
    out.push(formatCommand(command));
    lines.push(line++);
    const marker = `@@${nonce}:${batchId}:${i}@@`;
    markers.push(marker);
    out.push(`echo ${marker}`);
    line++;
  });
  const endMarker = `@@${nonce}:${batchId}:end@@`;
  out.push(`!echo ${endMarker} >&2`);
  line++;
  return { text: `${out.join('\n')}\n`, lines, nextLine: line, markers, endMarker };
}

const ERROR_PREFIX = /^\*stdin\*:(\d+): ?(.*)$/;

/** Collects one batch's output from the two streams and cuts it into per-command results. */
export class BatchCollector {
  private stdout = '';
  private stderr = '';
  private stdoutDone = false;
  private stderrDone = false;

  constructor(
    private readonly script: BatchScript,
    private readonly commands: readonly GfCommand[],
  ) {}

  /** Feeds stdout; returns text past the end of this batch (belongs to the next one). */
  feedStdout(chunk: string): string {
    if (this.stdoutDone) return chunk;
    this.stdout += chunk;
    const last = `${this.script.markers.at(-1)}\n`;
    const end = this.script.markers.length ? this.stdout.indexOf(last) : 0;
    if (this.script.markers.length === 0 || end !== -1) {
      this.stdoutDone = true;
      const cut = this.script.markers.length ? end + last.length : 0;
      const rest = this.stdout.slice(cut);
      this.stdout = this.stdout.slice(0, cut);
      return rest;
    }
    return '';
  }

  /** Feeds stderr; returns text past the end marker. */
  feedStderr(chunk: string): string {
    if (this.stderrDone) return chunk;
    this.stderr += chunk;
    const marker = `${this.script.endMarker}\n`;
    const end = this.stderr.indexOf(marker);
    if (end !== -1) {
      this.stderrDone = true;
      const rest = this.stderr.slice(end + marker.length);
      this.stderr = this.stderr.slice(0, end);
      return rest;
    }
    return '';
  }

  get complete(): boolean {
    return this.stdoutDone && this.stderrDone;
  }

  /** stderr lines that belong to no command of the batch (warnings, debug). */
  unattributed: string[] = [];

  results(): GfResult[] {
    const errors = new Map<number, string[]>();
    let lastLine: number | null = null;
    for (const line of this.stderr.split('\n')) {
      if (!line) continue;
      const m = ERROR_PREFIX.exec(line);
      if (m) {
        lastLine = Number(m[1]);
        const list = errors.get(lastLine) ?? [];
        list.push(m[2]!);
        errors.set(lastLine, list);
      } else if (lastLine !== null) {
        errors.get(lastLine)!.push(line);
      } else {
        this.unattributed.push(line);
      }
    }
    const results: GfResult[] = [];
    let pos = 0;
    this.commands.forEach((command, i) => {
      const marker = `${this.script.markers[i]}\n`;
      const end = this.stdout.indexOf(marker, pos);
      let output = end === -1 ? '' : this.stdout.slice(pos, end);
      pos = end === -1 ? pos : end + marker.length;
      if (output.endsWith('\n')) output = output.slice(0, -1);
      const error = errors.get(this.script.lines[i]!);
      results.push({ command, ok: !error, output, error: error ? error.join('\n').replace(/^libguestfs: error: /, '') : null });
    });
    return results;
  }
}

// ---------------------------------------------------------------------------------------------
// Readers for guestfish's printed results

/** RStringList: one item per line. */
export function parseLines(output: string): string[] {
  return output === '' ? [] : output.split('\n');
}

/** RHashtable: "key: value" per line. */
export function parseHash(output: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of parseLines(output)) {
    const i = line.indexOf(': ');
    if (i > 0) map.set(line.slice(0, i), line.slice(i + 2));
    else if (line.endsWith(':')) map.set(line.slice(0, -1), '');
  }
  return map;
}

/** RStruct: "field: value" per line (same as a hash). */
export function parseStruct(output: string): Record<string, string> {
  return Object.fromEntries(parseHash(output.replace(/^\s+/gm, '')));
}

/** RStructList: "[0] = {", indented "field: value" lines, "}". */
export function parseStructList(output: string): Array<Record<string, string>> {
  const items: Array<Record<string, string>> = [];
  let current: Record<string, string> | null = null;
  for (const raw of parseLines(output)) {
    const line = raw.trim();
    if (/^\[\d+\] = \{$/.test(line)) {
      current = {};
      items.push(current);
    } else if (line === '}') {
      current = null;
    } else if (current) {
      const i = line.indexOf(': ');
      if (i > 0) current[line.slice(0, i)] = line.slice(i + 2);
      else if (line.endsWith(':')) current[line.slice(0, -1)] = '';
    }
  }
  return items;
}

export function parseBool(output: string): boolean | null {
  const v = output.trim();
  return v === 'true' ? true : v === 'false' ? false : null;
}

export function parseInteger(output: string): number | null {
  const v = output.trim();
  return /^-?\d+$/.test(v) ? Number(v) : null;
}

/** libguestfs says "unknown" (or 0 for versions) where it does not know: we say null. */
export function known(value: string | undefined | null): string | null {
  if (value === undefined || value === null) return null;
  const v = value.trim();
  return v === '' || v === 'unknown' ? null : v;
}
