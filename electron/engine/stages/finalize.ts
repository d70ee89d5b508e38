import type { ConvertedDisk } from '../../../shared/contract/models/convert';
import type { Stage } from '../core/stage';
import type { DiskOps } from '../privilege/disk-ops';
import type { CheckedPartial } from './check';

/**
 * Gives every checked output its final name, never replacing an existing file unless the user
 * chose to. If a later output cannot be placed, the ones already placed by this job are removed
 * again: a failed job never leaves something that looks like a complete result.
 */
export function finalizeStage(ops: DiskOps, overwrite: boolean): Stage<CheckedPartial[], ConvertedDisk[]> {
  return {
    id: 'finalize',
    label: 'Finalize',
    async run(outputs, ctx) {
      const done: ConvertedDisk[] = [];
      for (const output of outputs) {
        await ops.finalize(output.partial, output.final, overwrite);
        ctx.cleanup.onFailure(`remove ${output.final}`, () => ops.remove(output.final));
        ctx.log('info', `Wrote ${output.final}`);
        done.push({
          diskId: output.diskId,
          source: output.source,
          path: output.final,
          format: output.format,
          virtualSize: output.virtualSize,
          actualSize: output.actualSize,
          durationMs: output.durationMs,
          bytesPerSecond: output.bytesPerSecond,
          checked: output.checked,
        });
      }
      return done;
    },
  };
}
