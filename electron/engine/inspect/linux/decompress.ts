import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ToolRunner } from '../../core/tool-runner';
import { decompressGzip } from './initramfs';
import type { Compression, SegmentDecompressor } from './initramfs';

/**
 * Decompresses initramfs segments on the host: gzip in-process, zstd / xz / lz4 with their
 * tools (through the tool runner, file to file: the runner's stdout is text, not bytes).
 * Formats without a tool here (bzip2, lzma, lzop) give null: "unknown", never a guess.
 */
export function hostDecompressor(tools: ToolRunner, scratchDir: string, signal?: AbortSignal): SegmentDecompressor {
  return async (segment: Buffer, compression: Compression): Promise<Buffer | null> => {
    if (compression === 'gzip') {
      try {
        return decompressGzip(segment);
      } catch {
        return null;
      }
    }
    if (compression !== 'zstd' && compression !== 'xz' && compression !== 'lz4') return null;
    const dir = await mkdtemp(join(scratchDir, 'initramfs-'));
    const input = join(dir, 'segment');
    const output = join(dir, 'segment.cpio');
    try {
      await writeFile(input, segment);
      const opts = signal ? { signal } : {};
      if (compression === 'zstd') await tools.run('zstd', ['-d', '-q', '-f', input, '-o', output], { ...opts, okExitCodes: [0, 1] });
      else if (compression === 'lz4') await tools.run('lz4', ['-d', '-q', '-f', input, output], { ...opts, okExitCodes: [0, 1] });
      else {
        // xz has no output-file option: decompress "segment.xz" in place to "segment".
        const xzIn = `${input}.xz`;
        await writeFile(xzIn, segment);
        await tools.run('xz', ['-d', '-q', '-f', '-k', xzIn], { ...opts, okExitCodes: [0, 1, 2] });
        return await readFile(input).catch(() => null);
      }
      return await readFile(output).catch(() => null);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
