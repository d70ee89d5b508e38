import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { EngineFailure } from '../core/errors';
import type { ToolRunner } from '../core/tool-runner';
import { parseProgressLine } from '../formats/qemu-img';
import { parseVmdkDescriptor, SECTOR_BYTES } from '../formats/vmdk-descriptor';
import type { ChainLinkPlan } from './chain-plan';
import { siblingPath } from './chain-plan';
import type { StagedFile } from './staged-file';

/**
 * Converting a flat disk while it downloads, straight from the staging folder.
 *
 * Most disks on a VMFS or NFS datastore are one descriptor and one flat extent: the extent is
 * the disk's bytes, in order. Such a disk needs no VMDK driver to read, so qemu-img can convert
 * it window by window from the .part file as the download fills it: each window is a
 * `qemu-img convert -n` from `raw, offset, size` over the staging file into `raw, offset,
 * size` over the output image. qemu reads the bytes from the page cache where the download just
 * put them and skips the holes the download left for runs of zeros (see sparse-file-sink.ts),
 * instead of receiving every byte again through the loopback server. That server stays the way
 * for everything else: snapshot chains, sparse and streamOptimized extents, and compressed
 * output (qemu cannot write compressed clusters through a raw window).
 */

/** A stretch of the virtual disk stored as plain bytes in one staged file. */
export interface FlatPiece {
  file: StagedFile;
  /** Where the piece's bytes start in the file. */
  fileOffset: number;
  /** Where they belong in the virtual disk. */
  virtualOffset: number;
  length: number;
}

/** Extent types whose file holds the disk's bytes as they are. */
const FLAT_TYPES = new Set(['FLAT', 'VMFS']);

/**
 * The pieces of a disk that can be converted window by window, or undefined when it cannot: a
 * single link (no snapshots) whose every extent is a read-write flat extent in a staged file, the
 * extents adding up to the disk's virtual size. Pure.
 */
export function flatPieces(links: readonly ChainLinkPlan[], files: readonly StagedFile[], virtualSize: number): FlatPiece[] | undefined {
  if (links.length !== 1) return undefined;
  const link = links[0]!;
  if (link.kind !== 'text' || link.descriptorText === null) return undefined;
  const descriptor = parseVmdkDescriptor(link.descriptorText, link.descriptor);
  if (descriptor.extents.length === 0) return undefined;
  const pieces: FlatPiece[] = [];
  let virtualOffset = 0;
  for (const extent of descriptor.extents) {
    if (!FLAT_TYPES.has(extent.type) || extent.access !== 'RW' || extent.fileName === null || extent.sizeSectors <= 0) return undefined;
    const file = files.find((f) => f.dsPath === siblingPath(link.descriptor, extent.fileName!));
    const fileOffset = extent.offsetSectors * SECTOR_BYTES;
    const length = extent.sizeSectors * SECTOR_BYTES;
    if (!file || file.served !== null || fileOffset + length > file.size) return undefined;
    pieces.push({ file, fileOffset, virtualOffset, length });
    virtualOffset += length;
  }
  return virtualOffset === virtualSize ? pieces : undefined;
}

/** Window ends fall on this boundary (a multiple of qcow2's cluster size), except at a piece's end. */
export const WINDOW_ALIGN = 1024 * 1024;

/**
 * Where the next window ends, in piece bytes, or null to wait for more: everything on disk so
 * far (aligned down), once that is at least `minWindow` past what is converted, or the piece's
 * end once it is all there. Each window costs a qemu-img start (~20 ms), so a window is never
 * tiny. Pure.
 */
export function nextWindowEnd(converted: number, onDisk: number, length: number, minWindow: number): number | null {
  if (converted >= length) return null;
  if (onDisk >= length) return length;
  const end = Math.floor(onDisk / WINDOW_ALIGN) * WINDOW_ALIGN;
  return end - converted >= minWindow ? end : null;
}

export interface FlatConvertOptions {
  tools: ToolRunner;
  pieces: readonly FlatPiece[];
  virtualSize: number;
  format: 'qcow2' | 'raw';
  /** The output image (a .part path; the caller renames it once checked). */
  output: string;
  signal: AbortSignal;
  /** Virtual bytes converted so far. */
  onProgress: (bytes: number) => void;
  minWindow?: number;
}

const DEFAULT_MIN_WINDOW = 128 * 1024 * 1024;

/**
 * Creates the output and converts every piece into it as its bytes arrive.
 *
 * The output is written with O_DIRECT (`-t none`) where its file system allows it. The download
 * already puts the disk's data through the page cache once; writing the output through it too
 * makes the kernel find and fill fresh pages for a second copy while the download and qemu-img
 * compete for the same CPUs, and the output is read again only by `qemu-img check`, which reads
 * metadata. On the 3 GiB bench:fetch disk this took 1.5-5 s of system time off a run (3.4-4.3 s
 * instead of 5.6-9.5 s) and 1-2.5 s off its wall time.
 */
export async function convertFlatWhileDownloading(options: FlatConvertOptions): Promise<void> {
  const { tools, pieces, signal, output, format } = options;
  const minWindow = options.minWindow ?? DEFAULT_MIN_WINDOW;
  await tools.run('qemu-img', ['create', '-q', '-f', format, output, String(options.virtualSize)], {
    signal,
    failureCode: 'CONVERT_FAILED',
    failureHint: 'The output image could not be created; the reason is in the qemu-img output below.',
  });
  const directOutput = await acceptsDirectIo(output);
  for (const piece of pieces) {
    let converted = 0;
    while (converted < piece.length) {
      const onDisk = Math.max(0, Math.min(piece.length, piece.file.available - piece.fileOffset));
      const end = nextWindowEnd(converted, onDisk, piece.length, minWindow);
      if (end === null) {
        await piece.file.waitFor(piece.fileOffset + Math.min(piece.length, converted + minWindow), signal);
        continue;
      }
      await convertWindow({ ...options, directOutput }, piece, converted, end);
      converted = end;
      options.onProgress(piece.virtualOffset + converted);
    }
  }
}

async function convertWindow(options: FlatConvertOptions & { directOutput: boolean }, piece: FlatPiece, from: number, to: number): Promise<void> {
  const { file } = piece;
  if (file.failure) throw new EngineFailure(file.failure);
  // The download renames the .part when it completes; qemu opens our descriptor of it instead of
  // a name, which stays valid whatever the file is called by then.
  const handle = await file.open();
  try {
    // Bytes handed to the converter: a download that starts over below them fails the job.
    file.noteServed(piece.fileOffset + to);
    const input = `/proc/${process.pid}/fd/${handle.fd}`;
    const length = to - from;
    const source = { driver: 'raw', offset: piece.fileOffset + from, size: length, file: { driver: 'file', filename: input, locking: 'off' } };
    const image = { driver: 'file', filename: options.output };
    const target = { driver: 'raw', offset: piece.virtualOffset + from, size: length, file: options.format === 'raw' ? image : { driver: options.format, file: image } };
    const base = piece.virtualOffset + from;
    await options.tools.run('qemu-img', ['convert', '-p', '-n', ...(options.directOutput ? ['-t', 'none'] : []), '--target-is-zero', `json:${JSON.stringify(source)}`, '--target-image-opts', toImageOpts(target)], {
      signal: options.signal,
      failureCode: 'CONVERT_FAILED',
      failureHint: 'The disk could not be converted; the reason is in the qemu-img output below. Nothing was written at the destination.',
      onStdoutLine: (line) => {
        const fraction = parseProgressLine(line);
        if (fraction !== null) options.onProgress(base + fraction * length);
      },
    });
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * Whether the file's file system takes O_DIRECT: ext4, xfs, btrfs and NFS do, and tmpfs since
 * Linux 6.6; some FUSE and network file systems do not, and qemu would refuse to open the output
 * there with `-t none`.
 */
export async function acceptsDirectIo(path: string): Promise<boolean> {
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_DIRECT);
    await handle.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * A nested option object in qemu's `key=value,key.sub=value` syntax (the target of `convert -n`
 * takes no `json:` name). Commas in values are doubled, as qemu expects. Pure.
 */
export function toImageOpts(spec: Record<string, unknown>, prefix = ''): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(spec)) {
    const name = `${prefix}${key}`;
    if (value !== null && typeof value === 'object') parts.push(toImageOpts(value as Record<string, unknown>, `${name}.`));
    else parts.push(`${name}=${String(value).replaceAll(',', ',,')}`);
  }
  return parts.join(',');
}
