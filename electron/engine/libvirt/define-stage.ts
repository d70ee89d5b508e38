import type { DefineResult, DiskPlacement, DomainPlan, DomainPlanRequest, NameCollisionPolicy } from '../../../shared/contract/models/libvirt';
import { DomainPlanRequest as DomainPlanRequestSchema } from '../../../shared/contract/models/libvirt';
import type { Stage } from '../core/stage';
import type { ToolRunner } from '../core/tool-runner';
import { defineDomain, putDisksBack } from './define';
import { thisHost } from './host';
import { planDomain } from './plan';
import type { PlanHost } from './plan';
import { undefineDomainByName } from './virsh';
import { forgetDefined, recordDefined } from '../pipeline/leftover-domains';

export interface DefineStageInput {
  plan: DomainPlanRequest;
  onCollision?: NameCollisionPolicy;
  placement?: DiskPlacement;
  imagesDir?: string;
}

export type DefineStageOutput = DefineResult & { plan: DomainPlan };

/**
 * Plans the domain from the VM's metadata and its converted disks, then defines it on the chosen
 * connection (the XML goes into the job folder). If the job fails or is cancelled after this
 * stage, the domain is undefined and moved disks are put back, so that the convert stage's own
 * cleanup finds them where it left them.
 */
export function createDefineStage(host: (tools: ToolRunner) => Promise<PlanHost> = thisHost): Stage<DefineStageInput, DefineStageOutput> {
  return {
    id: 'define',
    label: 'Define the libvirt domain',
    async run(input, ctx) {
      const request = DomainPlanRequestSchema.parse(input.plan);
      const plan = planDomain(request, await host(ctx.tools));
      for (const d of plan.decisions) ctx.log('info', `${d.field}: ${d.value} (${d.because})`);
      for (const w of plan.warnings) ctx.log('warn', w);
      const connection = request.options.connection;
      const defineCtx = { tools: ctx.tools, signal: ctx.signal, log: ctx.log, progress: (r: Parameters<typeof ctx.progress>[0]) => ctx.progress(r) };
      const result = await defineDomain(defineCtx, {
        connection,
        spec: plan.spec,
        onCollision: input.onCollision ?? 'refuse',
        ...(input.placement ? { placement: input.placement } : {}),
        ...(input.imagesDir ? { imagesDir: input.imagesDir } : {}),
        workDir: ctx.jobDir,
      });
      // Should this process die before the job ends, a resume undoes the definition from this record.
      await recordDefined(ctx.jobDir, result);
      ctx.cleanup.onFailure(`undefine ${result.name} and put its disks back`, async () => {
        // The job's signal is aborted by now: these run on their own.
        const own = { tools: ctx.tools, log: ctx.log };
        await undefineDomainByName(own, connection, result.name, { nvram: result.domain.firmware.type === 'uefi' });
        await putDisksBack(own, result.disks);
        await forgetDefined(ctx.jobDir);
      });
      return { ...result, plan };
    },
  };
}

export const defineStage = createDefineStage();
