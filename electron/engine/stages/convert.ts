import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { OutputFormat } from '../../../shared/contract/models/convert';
import type { SourcePlan } from '../../../shared/contract/models/source';
import { ProgressMeter } from '../../../shared/progress';
import type { Stage } from '../core/stage';
import type { DiskOps } from '../privilege/disk-ops';

export interface ConvertStageInput {
  plan: SourcePlan;
  outputs: Array<{ diskId: string; path: string }>;
  format: OutputFormat;
  compress: boolean;
}

export interface ConvertedPartial {
  diskId: string;
  source: string;
  /** Where qemu-img wrote: a hidden temporary name next to the final one. */
  partial: string;
  final: string;
  format: OutputFormat;
  virtualSize: number;
  durationMs: number;
}

/** The temporary name an output has while it is written: hidden, and tagged with the job. */
export function partialPath(final: string, jobId: string): string {
  return join(dirname(final), `.${basename(final)}.part-${jobId}`);
}

/**
 * Converts each disk with qemu-img under a temporary name. Progress is the weighted sum over
 * the disks (by virtual size), so one overall bar moves steadily for a multi-disk VM. If the job
 * fails or is cancelled, every partial file is removed.
 */
export function convertStage(ops: DiskOps): Stage<ConvertStageInput, ConvertedPartial[]> {
  return {
    id: 'convert',
    label: 'Convert disks',
    async run(input, ctx) {
      const total = input.plan.disks.reduce((sum, d) => sum + d.virtualSize, 0);
      let before = 0;
      const results: ConvertedPartial[] = [];
      // qemu-img counts the virtual disk, holes included: its rate says nothing a user can compare
      // with a disk. The data actually written is read from the outputs' allocated size.
      const virtual = new ProgressMeter(total);
      const written = new ProgressMeter(Number.MAX_SAFE_INTEGER);
      let writtenBefore = 0;
      const report = (bytesDone: number, item: string, partial: string | null): void => {
        const data = writtenBefore + (partial ? allocatedBytes(partial) : 0);
        ctx.progressSnapshot({ ...virtual.update(bytesDone, item), moved: { bytesDone: data, bytesPerSecond: written.update(data).bytesPerSecond } });
      };
      for (const disk of input.plan.disks) {
        const final = input.outputs.find((o) => o.diskId === disk.id)!.path;
        const partial = partialPath(final, ctx.jobId);
        if (!ops.privileged) await mkdir(dirname(final), { recursive: true });
        ctx.cleanup.onFailure(`remove ${partial}`, () => ops.remove(partial));
        ctx.log('info', `Converting ${disk.label} → ${final} (${input.format}${input.compress ? ', compressed' : ''})`);
        const started = Date.now();
        report(before, disk.label, null);
        await ops.convert(
          { source: disk.locator, sourceFormat: disk.format, output: partial, format: input.format, compress: input.compress },
          {
            signal: ctx.signal,
            onFraction: (fraction) => report(before + fraction * disk.virtualSize, disk.label, partial),
          },
        );
        before += disk.virtualSize;
        report(before, disk.label, partial);
        writtenBefore += allocatedBytes(partial);
        results.push({ diskId: disk.id, source: disk.label, partial, final, format: input.format, virtualSize: disk.virtualSize, durationMs: Date.now() - started });
      }
      return results;
    },
  };
}

/** Bytes a file occupies on disk (0 when it cannot be read, e.g. written by the helper as root). */
function allocatedBytes(path: string): number {
  try {
    return (statSync(path, { throwIfNoEntry: false })?.blocks ?? 0) * 512;
  } catch {
    return 0;
  }
}
