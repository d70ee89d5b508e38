import { resolve } from 'node:path';
import type { ApiHandlers } from '../../../shared/contract/api';
import type { EngineDeps } from '../deps';
import { planSource } from '../sources/intake';
import { convertJob } from './job';
import { previewConversion, resolveOptions } from './preview';

type ConvertHandlers = Pick<ApiHandlers, 'source.plan' | 'convert.preview' | 'convert.start'>;

export function convertHandlers(deps: EngineDeps): ConvertHandlers {
  const { tools, jobs, isRoot, elevate, version } = deps;
  return {
    // Planning runs qemu-img on every disk (and a backing file on a stalled share can hold it
    // for ever): the call's signal kills those tools when the page or dialog that asked goes away.
    'source.plan': ({ path }, call) => planSource(path, { tools, signal: call?.signal }),
    'convert.preview': async ({ source, options }, call) => {
      const resolved = resolveOptions(options);
      const plan = await planSource(source, { tools, signal: call?.signal });
      return previewConversion(plan, resolved, { canElevate: !isRoot && elevate !== undefined });
    },
    'convert.start': async ({ source, options }) => ({
      jobId: await jobs.start(convertJob(resolve(source), options, { tools, isRoot, version, ...(elevate ? { elevate } : {}) })),
    }),
  };
}
