/** One line of a text file with its 1-based number, for error messages that point at it. */
export interface NumberedLine {
  number: number;
  text: string;
}

/**
 * Splits text into numbered lines. VMware files are written with LF, edited on Windows with CRLF and
 * occasionally saved by old Mac tools with CR alone; all three count as a line end. A leading UTF-8 BOM
 * (added by Windows editors) is dropped.
 */
export function numberedLines(text: string): NumberedLine[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  return body.split(/\r\n|\n|\r/).map((line, index) => ({ number: index + 1, text: line }));
}

function isControl(code: number): boolean {
  // Tabs are fine in text files; everything else below 0x20, and DEL, means binary data.
  return (code < 0x20 && code !== 0x09) || code === 0x7f;
}

/** True when the line holds a character that never appears in a text configuration file. */
export function hasControlCharacters(line: string): boolean {
  for (let i = 0; i < line.length; i++) if (isControl(line.charCodeAt(i))) return true;
  return false;
}

/** Shortens a line for an error message, so that a megabyte of junk does not end up in the UI. */
export function excerpt(line: string, max = 80): string {
  let printable = '';
  for (const char of line) printable += isControl(char.charCodeAt(0)) ? '\uFFFD' : char;
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

/** Strips the NUL padding that tools add after a descriptor (qemu pads monolithicFlat descriptors to 512 bytes). */
export function withoutTrailingNuls(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
  return text.slice(0, end);
}
