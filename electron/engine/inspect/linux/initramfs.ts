import { gunzipSync } from 'node:zlib';

/**
 * Lists what an initramfs contains, on the host. Downloading the image and reading it here is
 * an order of magnitude faster than listing it inside a TCG appliance (measured on Debian 12's
 * 36 MB zstd image: 13 s with libguestfs' initrd-list, ~1.2 s to download it).
 *
 * An initramfs is one or more cpio "newc" archives, each optionally compressed, concatenated:
 * typically an uncompressed early archive (CPU microcode) followed by the compressed main one.
 */

export type Compression = 'gzip' | 'zstd' | 'xz' | 'lz4' | 'bzip2' | 'lzma' | 'lzop';

export function detectCompression(head: Buffer): Compression | null {
  if (head[0] === 0x1f && (head[1] === 0x8b || head[1] === 0x9e)) return 'gzip';
  if (head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.readUInt32LE(0) === 0x184c2102 || head.readUInt32LE(0) === 0x184d2204) return 'lz4';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head[0] === 0x5d && head[1] === 0x00 && head[2] === 0x00) return 'lzma';
  if (head.subarray(0, 4).equals(Buffer.from([0x89, 0x4c, 0x5a, 0x4f]))) return 'lzop';
  return null;
}

export interface CpioWalk {
  names: string[];
  /** Offset just past the last archive read (its TRAILER!!! and padding). */
  end: number;
}

const NEWC = /^07070[12]$/;

/** Reads consecutive uncompressed newc archives from `offset`; stops at anything else. */
export function readCpioNames(data: Buffer, offset = 0): CpioWalk {
  const names: string[] = [];
  let pos = offset;
  for (;;) {
    // Archives are padded with zeros (to 512 bytes or more) between each other.
    while (pos < data.length && data[pos] === 0) pos++;
    if (pos + 110 > data.length || !NEWC.test(data.subarray(pos, pos + 6).toString('latin1'))) break;
    const hex = (field: number): number => parseInt(data.subarray(pos + 6 + field * 8, pos + 14 + field * 8).toString('latin1'), 16);
    const fileSize = hex(6);
    const nameSize = hex(11);
    if (!Number.isFinite(fileSize) || !Number.isFinite(nameSize) || nameSize <= 0) break;
    const nameStart = pos + 110;
    const name = data.subarray(nameStart, nameStart + nameSize - 1).toString('utf8');
    const dataStart = align4(nameStart + nameSize - pos) + pos;
    pos = align4(dataStart + fileSize - pos) + pos;
    if (pos > data.length) break;
    if (name === 'TRAILER!!!') continue;
    names.push(name.replace(/^\.\//, ''));
  }
  return { names, end: pos };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

export interface SegmentDecompressor {
  /** Decompresses a whole segment (host tools for zstd/xz/lz4; zlib for gzip). */
  (segment: Buffer, compression: Compression): Promise<Buffer | null>;
}

export const decompressGzip = (segment: Buffer): Buffer => gunzipSync(segment, { finishFlush: 2 /* Z_SYNC_FLUSH: tolerate trailing padding */ });

/**
 * Every path in the initramfs, or null when a segment is compressed in a way we cannot read.
 * Nested compression (a compressed segment holding further archives) is followed.
 */
export async function listInitramfs(image: Buffer, decompress: SegmentDecompressor, depth = 0): Promise<string[] | null> {
  const names: string[] = [];
  let pos = 0;
  while (pos < image.length) {
    const walk = readCpioNames(image, pos);
    names.push(...walk.names);
    pos = walk.end;
    while (pos < image.length && image[pos] === 0) pos++;
    if (pos >= image.length) break;
    const compression = detectCompression(image.subarray(pos, pos + 8));
    if (!compression || depth > 2) return names.length ? names : null;
    const inner = await decompress(image.subarray(pos), compression);
    if (!inner) return null;
    const nested = await listInitramfs(inner, decompress, depth + 1);
    if (!nested) return null;
    names.push(...nested);
    break;
  }
  return names;
}
