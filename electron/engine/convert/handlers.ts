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
    'source.plan': ({ path }) => planSource(path, { tools }),
    'convert.preview': async ({ source, options }) => {
      const resolved = resolveOptions(options);
      const plan = await planSource(source, { tools });
      return previewConversion(plan, resolved, { canElevate: !isRoot && elevate !== undefined });
    },
    'convert.start': async ({ source, options }) => ({
      jobId: await jobs.start(convertJob(resolve(source), options, { tools, isRoot, version, ...(elevate ? { elevate } : {}) })),
    }),
  };
}
