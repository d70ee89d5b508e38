/**
 * Builds tar headers by hand, for the hostile archives GNU tar refuses to write (names with "..",
 * absolute paths, bad checksums, pax overrides). Layout per POSIX ustar.
 */

export interface HeaderOptions {
  name: string;
  size?: number;
  /** Typeflag character: '0' file, '1' hard link, '2' symlink, '5' directory, 'x' pax, 'L' GNU long name... */
  type?: string;
  linkName?: string;
  prefix?: string;
  mode?: number;
  /** Replaces the size field as written (for base-256 or broken sizes). */
  sizeField?: Buffer;
  /** Added to the correct checksum, to corrupt it. */
  checksumError?: number;
}

export function tarHeader(options: HeaderOptions): Buffer {
  const header = Buffer.alloc(512);
  header.write(options.name, 0, 100, 'utf8');
  header.write(octal(options.mode ?? 0o644, 8), 100, 'latin1');
  header.write(octal(0, 8), 108, 'latin1');
  header.write(octal(0, 8), 116, 'latin1');
  if (options.sizeField) options.sizeField.copy(header, 124);
  else header.write(octal(options.size ?? 0, 12), 124, 'latin1');
  header.write(octal(1_700_000_000, 12), 136, 'latin1');
  header.write(options.type ?? '0', 156, 'latin1');
  if (options.linkName) header.write(options.linkName, 157, 100, 'utf8');
  header.write('ustar\u000000', 257, 'latin1');
  if (options.prefix) header.write(options.prefix, 345, 155, 'utf8');
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${(sum + (options.checksumError ?? 0)).toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return header;
}

/** A member: its header and its data padded to whole blocks. */
export function member(options: HeaderOptions, data: Buffer = Buffer.alloc(0)): Buffer {
  const size = options.size ?? data.length;
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(padded);
  return Buffer.concat([tarHeader({ ...options, size }), padded]);
}

/** A pax extended header ('x') carrying these records, to be followed by the entry it describes. */
export function paxMember(records: Record<string, string>): Buffer {
  const body = Buffer.concat(
    Object.entries(records).map(([key, value]) => {
      const content = ` ${key}=${value}\n`;
      let length = Buffer.byteLength(content) + 1;
      // The record's length counts bytes, its own digits included.
      while (Buffer.byteLength(`${length}${content}`) !== length) length = Buffer.byteLength(`${length}${content}`);
      return Buffer.from(`${length}${content}`, 'utf8');
    }),
  );
  return member({ name: 'PaxHeaders.0/entry', type: 'x' }, body);
}

export const END_OF_ARCHIVE = Buffer.alloc(1024);

/** A base-256 size field, as GNU tar writes sizes of 8 GiB and more. */
export function base256(value: bigint): Buffer {
  const field = Buffer.alloc(12);
  let rest = value;
  for (let i = 11; i > 0; i--) {
    field[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  field[0] = 0x80;
  return field;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\u0000`;
}
