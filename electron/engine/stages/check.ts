import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ConvertedDisk } from '../../../shared/contract/models/convert';
import { fail } from '../core/errors';
import type { Stage } from '../core/stage';
import { readQcow2VirtualSize } from '../disk/qcow2-header';
import type { DiskOps } from '../privilege/disk-ops';
import type { ConvertedPartial } from './convert';

export type CheckedPartial = ConvertedPartial & Pick<ConvertedDisk, 'actualSize' | 'checked' | 'bytesPerSecond'>;

/**
 * Checks each output before it may take its final name: `qemu-img check` for qcow2 (any
 * corruption fails the job), and for every format the same virtual size as the source's.
 */
export function checkStage(ops: DiskOps): Stage<ConvertedPartial[], CheckedPartial[]> {
  return {
    id: 'check',
    label: 'Check outputs',
    async run(outputs, ctx) {
      const checked: CheckedPartial[] = [];
      for (const output of outputs) {
        // Both read only metadata; run together. The size is the header's (qcow2) or the file's
        // (raw): what `qemu-img info` would print, without a process per output.
        const [result, headerSize, stats] = await Promise.all([
          output.format === 'qcow2' ? ops.check(output.partial, { signal: ctx.signal }) : null,
          output.format === 'qcow2' ? readQcow2VirtualSize(output.partial) : null,
          stat(output.partial),
        ]);
        const virtualSize = output.format === 'qcow2' ? headerSize : stats.size;
        if (result) {
          if (result.corruptions > 0 || result.checkErrors > 0) {
            fail('CHECK_FAILED', `The converted image of ${output.source} is corrupt (${result.corruptions} corruptions, ${result.checkErrors} check errors).`, 'It was not kept. Check the destination disk for errors and convert again.', {
              path: output.partial,
              details: { ...result },
            });
          }
          if (result.leaks > 0) ctx.log('warn', `${basename(output.final)}: ${result.leaks} leaked clusters (harmless, space only)`);
        }
        if (virtualSize !== output.virtualSize) {
          fail('CHECK_FAILED', `The converted image of ${output.source} has the wrong size (${virtualSize ?? '?'} instead of ${output.virtualSize} bytes).`, 'It was not kept. Please report this with the job record.', {
            path: output.partial,
          });
        }
        checked.push({
          ...output,
          actualSize: stats.blocks * 512,
          checked: true,
          bytesPerSecond: output.durationMs > 0 ? (output.virtualSize * 1000) / output.durationMs : 0,
        });
        ctx.log('info', `${basename(output.final)}: check passed`);
      }
      return checked;
    },
  };
}
