import { basename } from 'node:path';
import type { DiskLocator } from '../../../shared/contract/models/source';
import { EngineFailure, fail, throwIfAborted } from '../core/errors';
import type { ToolRunner } from '../core/tool-runner';
import { imageInfo, measure, sourceArgs } from '../disk/qemu-img';
import type { QemuImgInfo } from '../formats/qemu-img';

export interface IntakeDeps {
  tools: ToolRunner;
  /** The caller gave up (a cancelled call or job): tools are killed, no further read starts. */
  signal?: AbortSignal;
}

/** Throws CANCELLED once the caller has given up; called between the intake's own reads. */
export function checkpoint(deps: IntakeDeps): void {
  if (deps.signal) throwIfAborted(deps.signal);
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

export interface DiskProbe {
  /** The disk and its backing chain, top first. */
  chain: QemuImgInfo[];
  /** Bytes a qcow2 copy needs (qemu-img measure; a sparse raw copy needs about the same). */
  requiredBytes: number;
}

/**
 * Everything the plan needs from qemu-img about one disk. The three reads are independent
 * (info, the integrity check, measure) and run at once: the probe's time is the slowest of
 * them, not their sum, which matters for the many small disks of a batch.
 */
export async function probeDisk(deps: IntakeDeps, locator: DiskLocator, format: string, label: string): Promise<DiskProbe> {
  const [info, integrity, size] = await Promise.allSettled([
    probe(deps, locator, format, label),
    checkSourceIntegrity(deps, locator, format, label),
    measure(deps.tools, locator, format, 'qcow2', deps.signal),
  ]);
  // The most telling failure first: qemu-img cannot read it at all, then damage, then the rest.
  for (const outcome of [info, integrity, size]) if (outcome.status === 'rejected') throw outcome.reason;
  if (info.status !== 'fulfilled' || size.status !== 'fulfilled') throw new Error('unreachable');
  return { chain: info.value, requiredBytes: size.value.required };
}
