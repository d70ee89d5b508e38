import { z } from 'zod';
import { method } from './define';
import { JobId } from '../events';
import { SourcePlan } from '../models/source';
import { ConvertOptions, ConvertPreview } from '../models/convert';

export const convertApi = {
  'source.plan': method({
    summary: 'Recognise a VMDK, VMX, OVF, OVA or folder and probe its disks',
    input: z.object({ path: z.string().min(1) }).strict(),
    output: SourcePlan,
  }),
  'convert.preview': method({
    summary: 'What a conversion would do: outputs, sizes, free space, blockers',
    input: z.object({ source: z.string().min(1), options: ConvertOptions }).strict(),
    output: ConvertPreview,
  }),
  'convert.start': method({
    summary: 'Start converting; progress arrives as job events',
    input: z.object({ source: z.string().min(1), options: ConvertOptions }).strict(),
    output: z.object({ jobId: JobId }),
  }),
};
