import { basename } from 'node:path';
import type { DiskLocator } from '../../../shared/contract/models/source';
import { EngineFailure, fail } from '../core/errors';
import type { ToolRunner } from '../core/tool-runner';
import { imageInfo, sourceArgs } from '../disk/qemu-img';

export interface IntakeDeps {
  tools: ToolRunner;
  signal?: AbortSignal;
}

/** What qemu-img says when a disk's metadata points beyond the end of a file. */
const TRUNCATION = /(truncated|could not read|unexpected end|short read|beyond the end|after EOF|Invalid argument)/i;

/** qemu-img's view of a disk; its failure on a disk we accepted means the data is damaged. */
export async function probe(deps: IntakeDeps, locator: DiskLocator, format: string, label: string): Promise<Awaited<ReturnType<typeof imageInfo>>> {
  try {
    return await imageInfo(deps.tools, locator, format, deps.signal);
  } catch (error) {
    if (error instanceof EngineFailure && error.value.code === 'TOOL_FAILED') {
      const stderr = error.value.evidence?.stderrTail ?? '';
      const truncated = TRUNCATION.test(stderr);
      fail(truncated ? 'VMDK_TRUNCATED' : 'VMDK_GARBLED', `${basename(label)} cannot be read as a ${format.toUpperCase()} disk${truncated ? ': it looks truncated' : ''}.`, truncated ? 'The copy is incomplete: copy the file again from the source.' : 'The file is damaged or not a disk; copy it again from the source or re-export the VM.', error.value.evidence);
    }
    throw error;
  }
}


/**
 * A sparse VMDK cut short still opens, and qemu-img convert then reads the missing grains as
 * zeros: a silently damaged copy. `qemu-img check` (read-only, metadata only, milliseconds)
 * walks every grain table and finds offsets past the end of the file, so it runs on every
 * source disk before anything is converted.
 */
export async function checkSourceIntegrity(deps: IntakeDeps, locator: DiskLocator, format: string, label: string): Promise<void> {
  const result = await deps.tools.run('qemu-img', ['check', ...sourceArgs(locator, format)], {
    signal: deps.signal,
    // 0 clean, 3 leaks only (harmless), 63 "this format has no check": all fine for reading.
    okExitCodes: [0, 1, 2, 3, 63],
  });
  if (result.exitCode === 1 || result.exitCode === 2) {
    const stderr = result.stderr.trim();
    const truncated = TRUNCATION.test(stderr);
    fail(
      truncated ? 'VMDK_TRUNCATED' : 'VMDK_GARBLED',
      `${basename(label)} is damaged: ${truncated ? 'its data is cut short' : 'qemu-img check found errors in its metadata'}.`,
      truncated ? 'The copy is incomplete: copy the file again from the source.' : 'Copy the disk again from the source, or repair it in VMware (vmkfstools -x check).',
      { command: result.command, exitCode: result.exitCode, stderrTail: stderr.split('\n').slice(-8).join('\n') },
    );
  }
}
