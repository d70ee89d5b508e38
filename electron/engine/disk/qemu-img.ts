import { z } from 'zod';
import type { DiskLocator } from '../../../shared/contract/models/source';
import { fail } from '../core/errors';
import type { ToolRunner } from '../core/tool-runner';
import { parseProgressLine, parseQemuImgCheck, parseQemuImgInfo } from '../formats/qemu-img';
import type { QemuImgCheck, QemuImgInfo } from '../formats/qemu-img';

/**
 * The qemu-img operations the pipeline needs, each a thin typed wrapper: arguments are built
 * here and nowhere else, so the direct path and the privileged helper run identical commands.
 */

/**
 * How to name a source disk on qemu-img's command line. A disk inside an uncompressed OVA is
 * read in place (the raw driver with offset and size), so an OVA is never extracted. Paths are
 * always absolute, which also stops qemu from reading "proto:" prefixes as protocols.
 */
export function sourceArgs(locator: DiskLocator, format: string): string[] {
  if (locator.type === 'file') {
    if (!locator.path.startsWith('/')) fail('INVALID_REQUEST', `Disk paths must be absolute (${locator.path}).`, 'Pass an absolute path.');
    return ['-f', format, locator.path];
  }
  if (!locator.archive.startsWith('/')) fail('INVALID_REQUEST', `Archive paths must be absolute (${locator.archive}).`, 'Pass an absolute path.');
  const spec = {
    driver: locator.format,
    file: { driver: 'raw', offset: locator.offset, size: locator.size, file: { driver: 'file', filename: locator.archive } },
  };
  return [`json:${JSON.stringify(spec)}`];
}

export async function imageInfo(tools: ToolRunner, locator: DiskLocator, format: string, signal?: AbortSignal): Promise<QemuImgInfo[]> {
  const { stdout } = await tools.run('qemu-img', ['info', '--output=json', '--backing-chain', ...sourceArgs(locator, format)], {
    signal,
    failureHint: 'qemu-img cannot read this disk: it may be damaged, incomplete or not a disk at all.',
  });
  return parseQemuImgInfo(stdout);
}

const Measure = z.object({ required: z.number(), 'fully-allocated': z.number() });

/** Bytes a converted copy will need, from the allocation map (no data is read). */
export async function measure(tools: ToolRunner, locator: DiskLocator, format: string, outFormat: 'qcow2' | 'raw', signal?: AbortSignal): Promise<{ required: number; fullyAllocated: number }> {
  const { stdout } = await tools.run('qemu-img', ['measure', '--output=json', '-O', outFormat, ...sourceArgs(locator, format)], { signal });
  const parsed = Measure.safeParse(JSON.parse(stdout));
  if (!parsed.success) return fail('TOOL_FAILED', 'qemu-img measure printed something unexpected.', 'Check the qemu-img version (7.2 or newer).', { details: { stdout: stdout.slice(0, 500) } });
  return { required: parsed.data.required, fullyAllocated: parsed.data['fully-allocated'] };
}

export interface ConvertRequest {
  source: DiskLocator;
  sourceFormat: string;
  output: string;
  format: 'qcow2' | 'raw';
  compress: boolean;
}

/** The exact qemu-img convert command line for a request (also used by the benchmark). */
export function convertArgs(request: ConvertRequest): string[] {
  if (request.compress && request.format !== 'qcow2') fail('INVALID_REQUEST', 'Only qcow2 output can be compressed.', 'Choose qcow2, or turn compression off.');
  return ['convert', '-p', ...(request.compress ? ['-c'] : []), '-O', request.format, ...sourceArgs(request.source, request.sourceFormat), request.output];
}

/** Runs qemu-img convert, calling back with the fraction done as qemu-img prints it. */
export async function convertImage(tools: ToolRunner, request: ConvertRequest, options: { signal?: AbortSignal; onFraction?: (fraction: number) => void }): Promise<void> {
  await tools.run('qemu-img', convertArgs(request), {
    signal: options.signal,
    failureCode: 'CONVERT_FAILED',
    failureHint: 'The disk could not be converted; the reason is in the qemu-img output below. Nothing was written at the destination.',
    onStdoutLine: (line) => {
      const fraction = parseProgressLine(line);
      if (fraction !== null) options.onFraction?.(fraction);
    },
  });
}

/** qemu-img check for qcow2 (exit code 2 = corruption, 3 = leaks, both still print JSON). */
export async function checkImage(tools: ToolRunner, path: string, format: 'qcow2', signal?: AbortSignal): Promise<QemuImgCheck> {
  const { stdout } = await tools.run('qemu-img', ['check', '--output=json', '-f', format, path], {
    signal,
    okExitCodes: [0, 2, 3],
    failureCode: 'CHECK_FAILED',
    failureHint: 'The converted image could not be checked; it was not kept.',
  });
  return parseQemuImgCheck(stdout);
}
