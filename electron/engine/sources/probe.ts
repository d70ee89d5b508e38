import { basename } from 'node:path';
import type { DiskLocator } from '../../../shared/contract/models/source';
import { EngineFailure, fail } from '../core/errors';
import type { ToolRunner } from '../core/tool-runner';
import { imageInfo } from '../disk/qemu-img';

export interface IntakeDeps {
  tools: ToolRunner;
  signal?: AbortSignal;
}

/** qemu-img's view of a disk; its failure on a disk we accepted means the data is damaged. */
export async function probe(deps: IntakeDeps, locator: DiskLocator, format: string, label: string): Promise<Awaited<ReturnType<typeof imageInfo>>> {
  try {
    return await imageInfo(deps.tools, locator, format, deps.signal);
  } catch (error) {
    if (error instanceof EngineFailure && error.value.code === 'TOOL_FAILED') {
      const stderr = error.value.evidence?.stderrTail ?? '';
      const truncated = /(could not read|unexpected end|short read|Invalid argument|beyond the end|EOF)/i.test(stderr);
      fail(truncated ? 'VMDK_TRUNCATED' : 'VMDK_GARBLED', `${basename(label)} cannot be read as a ${format.toUpperCase()} disk${truncated ? ': it looks truncated' : ''}.`, truncated ? 'The copy is incomplete: copy the file again from the source.' : 'The file is damaged or not a disk; copy it again from the source or re-export the VM.', error.value.evidence);
    }
    throw error;
  }
}

