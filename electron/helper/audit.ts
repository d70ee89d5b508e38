import type { DiskLocator } from '../../shared/contract/models/source';
import { EngineFailure, fail } from '../engine/core/errors';
import type { ToolRunner } from '../engine/core/tool-runner';
import { imageInfo } from '../engine/disk/qemu-img';
import type { QemuImgInfo } from '../engine/formats/qemu-img';
import { HELPER_PATH_REFUSED } from '../engine/privilege/error-codes';
import { chainFileProblem } from './confinement';
import { resolveSourceFile } from './guards';
import { helperToolRunner } from './runner';

/**
 * Before root converts a source, look at everything the source makes qemu-img open: VMDK
 * extents, backing files of snapshot chains, qcow2 external data files. A descriptor is a text
 * file anyone can write, and `RW 2048 FLAT "/dev/sda" 0` or a backing file of /etc/shadow would
 * otherwise have root copy a device or a secret into a disk image.
 *
 * When pkexec started us, `qemu-img info` runs as the user who asked (setpriv), so the source
 * and every file it refers to must be readable by that user: the helper lends root's right to
 * write into the image folders, never root's right to read.
 */
export async function auditSource(tools: ToolRunner, locator: DiskLocator, format: string, invokingUid: number | null, signal: AbortSignal): Promise<void> {
  const runner = invokingUid !== null && invokingUid !== 0 ? helperToolRunner(tools, { uid: invokingUid, gid: await primaryGroup(tools, invokingUid, signal) }) : helperToolRunner(tools);
  let chain: QemuImgInfo[];
  try {
    chain = await imageInfo(runner, locator, format, signal);
  } catch (error) {
    if (error instanceof EngineFailure && /Permission denied/i.test(error.value.evidence?.stderrTail ?? '')) {
      fail(HELPER_PATH_REFUSED, `Refused: user ${invokingUid} cannot read the source ${sourceName(locator)} or a file it refers to.`, 'The helper only converts disks you can read yourself. Fix the file permissions, or copy the disk somewhere you can read it.', {
        ...error.value.evidence,
        path: sourceName(locator),
      });
    }
    throw error;
  }
  const archive = locator.type === 'tar-member' ? locator.archive : null;
  for (const file of chainFiles(chain, archive)) {
    const problem = chainFileProblem(file);
    if (problem) fail(HELPER_PATH_REFUSED, `Refused: the source ${sourceName(locator)} ${problem}.`, 'Only disks made of plain files can be converted through the helper.', { path: sourceName(locator) });
    await resolveSourceFile(file, `an extent or backing file of ${sourceName(locator)}`);
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

function sourceName(locator: DiskLocator): string {
  return locator.type === 'file' ? locator.path : `${locator.archive} (${locator.member})`;
}

/** The user's primary group from the name service (so LDAP users work too). */
async function primaryGroup(tools: ToolRunner, uid: number, signal: AbortSignal): Promise<number> {
  const { stdout } = await tools.run('getent', ['passwd', String(uid)], {
    signal,
    failureCode: HELPER_PATH_REFUSED,
    failureHint: 'The helper checks sources with the rights of the user who started it, and that user is unknown to this system.',
  });
  const gid = Number(stdout.split(':')[3]);
  if (!Number.isInteger(gid) || gid < 0) fail(HELPER_PATH_REFUSED, `Refused: cannot find the group of user ${uid}.`, 'Check the user account (getent passwd).', { details: { uid } });
  return gid;
}
