import { rm } from 'node:fs/promises';
import type { OutputFormat } from '../../../../shared/contract/models/convert';
import { EngineFailure } from '../../core/errors';
import type { Stage } from '../../core/stage';
import type { ToolRunner } from '../../core/tool-runner';
import { parseProgressLine } from '../../formats/qemu-img';
import type { ConvertedPartial } from '../../stages/convert';
import { convertFlatWhileDownloading } from '../flat-convert';
import { PartsProgress } from '../parts-progress';
import { eachLimited } from './lane';
import type { Lane, Lanes } from './lane';

/**
 * Stage 4 of a vCenter migration, running beside stage 3 (transfer.ts): each lane converted
 * while it downloads, as soon as its download has begun. A flat disk converts window by window
 * straight from its staging file (flat-convert.ts); any other is read by qemu-img through the
 * loopback server. The outputs keep temporary names for the shared tail (pipeline/tail.ts).
 */

export const CONVERT = { id: 'convert', label: 'Convert disks' } as const;

/**
 * Reads qemu-img keeps in flight. Over HTTP, one read at a time leaves the converter waiting on
 * every round trip; four overlap them (2 GiB through the loopback server: 4.5 s with one, 2.7 s
 * with four, measured here).
 */
export const CONVERT_READS = 4;

export interface ConvertInput {
  format: OutputFormat;
  compress: boolean;
  parallelDisks: number;
}

export function convertStage(deps: { tools: ToolRunner; lanes: Lanes }): Stage<ConvertInput, ConvertedPartial[]> {
  const { tools, lanes } = deps;
  return {
    ...CONVERT,
    async run(input, ctx) {
      const progress = new PartsProgress(lanes.list.map((l) => ({ id: l.diskId, label: l.label, total: l.virtualSize })));
      const report = (item?: string): void => ctx.progressSnapshot(progress.snapshot(item));
      const signal = lanes.signal;
      const results: ConvertedPartial[] = [];
      await eachLimited(lanes.list, input.parallelDisks, signal, async (lane) => {
        await lanes.waitStarted(lane);
        ctx.cleanup.onFailure(`remove ${lane.partial}`, () => rm(lane.partial, { force: true }));
        progress.start(lane.diskId);
        const begun = Date.now();
        ctx.log('info', `Converting ${lane.label} → ${lane.final} (${input.format}${input.compress ? ', compressed' : ''}) while it downloads`);
        try {
          const onBytes = (bytes: number): void => {
            progress.update(lane.diskId, bytes);
            report();
          };
          if (lane.flat) {
            ctx.log('debug', `${lane.label}: flat extents, converted window by window from the staging folder`);
            await convertFlatWhileDownloading({ tools, pieces: lane.flat, virtualSize: lane.virtualSize, format: input.format, output: lane.partial, signal, onProgress: onBytes });
          } else {
            ctx.log('debug', `${lane.label}: read by qemu-img through the loopback server`);
            await tools.run('qemu-img', convertArgs(lane, input), {
              signal,
              failureCode: 'CONVERT_FAILED',
              failureHint: 'The disk could not be converted; the reason is in the qemu-img output below. Nothing was written at the destination.',
              onStdoutLine: (line) => {
                const fraction = parseProgressLine(line);
                if (fraction !== null) onBytes(fraction * lane.virtualSize);
              },
            });
          }
        } catch (error) {
          // A failed download makes qemu-img fail too; the download's error is the one that explains.
          const cause = lane.files.find((f) => f.failure)?.failure;
          lanes.stop();
          throw cause ? new EngineFailure(cause) : error;
        }
        progress.finish(lane.diskId);
        report();
        results.push({ diskId: lane.diskId, source: lane.label, partial: lane.partial, final: lane.final, format: input.format, virtualSize: lane.virtualSize, durationMs: Date.now() - begun });
      });
      return byDisk(results);
    },
  };
}

/** qemu-img's arguments for a lane read through the loopback server (progress on stdout, reads overlapped). */
export function convertArgs(lane: Pick<Lane, 'spec' | 'partial'>, input: Pick<ConvertInput, 'format' | 'compress'>): string[] {
  return ['convert', '-p', '-m', String(CONVERT_READS), ...(input.compress ? ['-c'] : []), '-O', input.format, `json:${JSON.stringify(lane.spec)}`, lane.partial];
}

/** Lanes finish in any order; the tail and the result list the disks in their VM's order (disk2 before disk10). */
export function byDisk<T extends { diskId: string }>(results: readonly T[]): T[] {
  return [...results].sort((a, b) => a.diskId.localeCompare(b.diskId, undefined, { numeric: true }));
}
