import type { DiskLocator } from '../../shared/contract/models/source';
import { EngineFailure, fail } from '../engine/core/errors';
import type { ToolRunner } from '../engine/core/tool-runner';
import { imageInfo } from '../engine/disk/qemu-img';
import type { QemuImgInfo } from '../engine/formats/qemu-img';
import { HELPER_PATH_REFUSED } from '../engine/privilege/error-codes';
import { chainFileProblem } from './confinement';
import { resolveSourceFile } from './guards';
import type { Invoker } from './invoker';
import { invokerToolRunner } from './invoker';

/**
 * Before a source is converted, look at everything the source makes qemu-img open: VMDK
 * extents, backing files of snapshot chains, qcow2 external data files. A descriptor is a text
 * file anyone can write, and `RW 2048 FLAT "/dev/sda" 0` or a backing file of /etc/shadow must
 * be refused with a clear message.
 *
 * This is for the message only. What keeps root's rights out of the reading is that every
 * qemu-img the helper runs for a user runs as that user (./invoker.ts): a file swapped for a
 * symlink to /etc/shadow after this audit is opened with the user's rights and refused by the
 * kernel, not by this check.
 */
export async function auditChain(chain: readonly QemuImgInfo[], locator: DiskLocator): Promise<void> {
  const archive = locator.type === 'tar-member' ? locator.archive : null;
  for (const file of chainFiles(chain, archive)) {
    const problem = chainFileProblem(file);
    if (problem) fail(HELPER_PATH_REFUSED, `Refused: the source ${sourceName(locator)} ${problem}.`, 'Only disks made of plain files can be converted through the helper.', { path: sourceName(locator) });
    await resolveSourceFile(file, `an extent or backing file of ${sourceName(locator)}`);
  }
}

/** `qemu-img info --backing-chain` with the invoker's rights: a file they cannot read is refused by name. */
export async function infoAsInvoker(tools: ToolRunner, locator: DiskLocator, format: string, invoker: Invoker, signal: AbortSignal): Promise<QemuImgInfo[]> {
  try {
    return await imageInfo(invokerToolRunner(tools, invoker), locator, format, signal);
  } catch (error) {
    if (invoker.uid !== 0 && error instanceof EngineFailure && /Permission denied/i.test(error.value.evidence?.stderrTail ?? '')) {
      fail(HELPER_PATH_REFUSED, `Refused: user ${invoker.uid} cannot read the source ${sourceName(locator)} or a file it refers to.`, 'The helper only converts disks you can read yourself. Fix the file permissions, or copy the disk somewhere you can read it.', {
        ...error.value.evidence,
        path: sourceName(locator),
      });
    }
    throw error;
  }
}

/**
 * Every file qemu-img will open for this chain. A "json:{…}" name is what qemu prints for a disk
 * read in place from an archive: it is accepted only when every file inside it is that archive.
 */
export function chainFiles(chain: readonly QemuImgInfo[], archive: string | null): string[] {
  const files = new Set<string>();
  const add = (name: string | undefined): void => {
    if (name === undefined || name === '') return;
    if (name.startsWith('json:') && archive !== null) {
      const inner = jsonFilenames(name.slice('json:'.length));
      if (inner.length > 0 && inner.every((f) => f === archive)) return;
    }
    files.add(name);
  };
  for (const info of chain) {
    add(info.filename);
    add(info.fullBackingFilename ?? info.backingFilename);
    for (const extent of info.vmdk?.extents ?? []) add(extent.filename);
    const dataFile = info.formatSpecific?.data['data-file'];
    if (typeof dataFile === 'string') add(dataFile);
  }
  return [...files];
}

function jsonFilenames(json: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [];
  }
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        if (key === 'filename' && typeof child === 'string') found.push(child);
        else walk(child);
      }
    }
  };
  walk(value);
  return found;
}

export function sourceName(locator: DiskLocator): string {
  return locator.type === 'file' ? locator.path : `${locator.archive} (${locator.member})`;
}
