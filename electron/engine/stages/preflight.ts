import type { ConvertPreview, ResolvedConvertOptions } from '../../../shared/contract/models/convert';
import type { SourcePlan } from '../../../shared/contract/models/source';
import { fail } from '../core/errors';
import type { Stage } from '../core/stage';
import { previewConversion } from '../convert/preview';
import { formatBytes } from '../../../shared/format';

/**
 * Re-checks the destination right before converting (space, existing files, rights): the
 * preview the user saw may be minutes old. Any blocker stops the job before a byte is written.
 */
export function preflightStage(canElevate: boolean): Stage<{ plan: SourcePlan; options: ResolvedConvertOptions }, ConvertPreview> {
  return {
    id: 'preflight',
    label: 'Check destination',
    async run({ plan, options }, ctx) {
      const preview = await previewConversion(plan, options, { canElevate });
      const [first, ...rest] = preview.blockers;
      if (first) {
        fail(first.code, first.message + (rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : ''), first.hint, {
          details: { blockers: preview.blockers },
        });
      }
      ctx.log('info', `Output needs about ${formatBytes(preview.estimatedBytes)}; ${formatBytes(preview.destinationFreeBytes)} free at the destination`);
      return preview;
    },
  };
}
