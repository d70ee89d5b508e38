import type { SourcePlan } from '../../../shared/contract/models/source';
import type { Stage } from '../core/stage';
import { planSource } from '../sources/intake';
import { formatBytes } from '../../../shared/format';

/** Recognises the source and probes every disk with qemu-img (read-only). */
export const probeStage: Stage<{ source: string }, SourcePlan> = {
  id: 'probe',
  label: 'Probe source',
  async run(input, ctx) {
    const plan = await planSource(input.source, { tools: ctx.tools, signal: ctx.signal });
    ctx.log('info', `${plan.kind.toUpperCase()} with ${plan.disks.length} disk(s): ${plan.disks.map((d) => `${d.label} (${d.subformat ?? d.format}, ${formatBytes(d.virtualSize)})`).join(', ')}`);
    for (const warning of plan.warnings) ctx.log('warn', warning);
    return plan;
  },
};
