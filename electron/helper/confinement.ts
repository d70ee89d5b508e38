/**
 * The helper's confinement rules as pure decisions over facts gathered elsewhere (real paths,
 * owners, modes), so each rule can be tested on its own. The code that looks at the file system
 * is in ./guards.ts.
 */

/** Areas whose "files" are kernel interfaces or devices, never disk images. */
export const FORBIDDEN_SOURCE_AREAS = ['/proc', '/sys', '/dev'] as const;

/** The folder qemu:///system keeps its disks in: always a place the helper may write. */
export const DEFAULT_ALLOWED_ROOTS = ['/var/lib/libvirt/images'] as const;

/** True when `path` is `root` itself or below it (both real, normalised paths). */
export function isInside(root: string, path: string): boolean {
  if (root === '/') return path.startsWith('/');
  return path === root || path.startsWith(`${root}/`);
}

/** The first allowed root that holds `path`, or null. */
export function rootHolding(roots: readonly string[], path: string): string | null {
  return roots.find((root) => isInside(root, path)) ?? null;
}

export function forbiddenSourceArea(realPath: string): string | null {
  return FORBIDDEN_SOURCE_AREAS.find((area) => isInside(area, realPath)) ?? null;
}

/**
 * The temporary name the pipeline writes an output under (see partialPath in
 * electron/engine/stages/convert.ts): ".NAME.part-JOBID". The helper only ever creates files
 * with such names, so it can never be asked to write straight over a user's disk.
 */
const PARTIAL_NAME = /^\.([^/\0]+)\.part-([A-Za-z0-9][A-Za-z0-9_-]{0,63})$/;

export function parsePartialName(name: string): { final: string; jobId: string } | null {
  const match = PARTIAL_NAME.exec(name);
  if (!match) return null;
  const [, final = '', jobId = ''] = match;
  return finalNameProblem(final) === null ? { final, jobId } : null;
}

/** Why `name` cannot be the final name of an output, or null when it can. */
export function finalNameProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.includes('/') || name.includes('\0')) return 'must be a plain file name';
  if (new TextEncoder().encode(name).length > 255) return 'is longer than 255 bytes';
  if (name.startsWith('-')) return "must not start with '-'";
  if (name.startsWith('.')) return "must not start with '.'";
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'must not contain control characters';
  return null;
}

export interface DirectoryFacts {
  path: string;
  uid: number;
  /** st_mode including the file type bits. */
  mode: number;
  isDirectory: boolean;
}

const S_ISVTX = 0o1000;

/**
 * Every folder from / down to where the helper writes must be owned by root and writable by
 * nobody else (or be sticky, like /tmp, where others cannot rename root's entries). Otherwise an
 * unprivileged user could swap a folder for a symlink between our check and the tool's open,
 * and root would write wherever that link points.
 */
export function directoryChainProblem(chain: readonly DirectoryFacts[]): string | null {
  for (const dir of chain) {
    if (!dir.isDirectory) return `${dir.path} is not a folder`;
    if (dir.uid !== 0) return `${dir.path} is not owned by root`;
    const writableByOthers = (dir.mode & 0o022) !== 0;
    if (writableByOthers && (dir.mode & S_ISVTX) === 0) return `${dir.path} is writable by users other than root`;
  }
  return null;
}

/** "/a/b/c" → ["/", "/a", "/a/b", "/a/b/c"]. */
export function ancestry(realDir: string): string[] {
  const chain = ['/'];
  let current = '';
  for (const segment of realDir.split('/').filter(Boolean)) {
    current += `/${segment}`;
    chain.push(current);
  }
  return chain;
}

export interface ConfigFileFacts {
  uid: number;
  mode: number;
  isFile: boolean;
  isSymbolicLink: boolean;
}

/** A config that says where root may write must itself be writable by root only. */
export function configFileProblem(facts: ConfigFileFacts): string | null {
  if (facts.isSymbolicLink) return 'is a symbolic link';
  if (!facts.isFile) return 'is not a regular file';
  if (facts.uid !== 0) return 'is not owned by root';
  if ((facts.mode & 0o022) !== 0) return 'is writable by group or others';
  return null;
}

/**
 * qemu-img reports the files an image is made of (VMDK extents, backing files, qcow2 external
 * data files). Every one of them is opened by root during the conversion, so every one must be a
 * plain absolute path: "json:{…}" or "nbd://…" would let an image pull in anything.
 */
export function chainFileProblem(filename: string): string | null {
  if (!filename.startsWith('/')) return `refers to "${filename.slice(0, 200)}", which is not a plain absolute path`;
  return null;
}

/** What the helper knows about a file it may replace or remove. */
export interface OwnedFileFacts {
  uid: number;
  isFile: boolean;
  /** The same file (device and inode) the helper created or finalized in this session. */
  createdHere: boolean;
}

/**
 * Why `file.finalize` with overwrite must not replace an existing file, or null when it may.
 * Only a file this session wrote, or one the invoking user owns (an earlier conversion of theirs:
 * the helper hands every output to its user), may be replaced. Anything else in an image folder
 * is somebody else's disk, and a user who may write there through the helper must not be able
 * to destroy it (nor, by overwriting it, make it "ours" and then remove it).
 */
export function replaceProblem(existing: OwnedFileFacts, invokerUid: number): string | null {
  if (!existing.isFile) return 'is not a regular file';
  if (existing.createdHere || existing.uid === invokerUid) return null;
  return `belongs to ${existing.uid === 0 ? 'root' : `user ${existing.uid}`}, not to you (user ${invokerUid}), and this session did not write it`;
}

/**
 * Why `file.remove` must not remove a file, or null when it may: a file this session wrote (the
 * same inode, not just the same name), or a leftover temporary output of the invoking user's.
 */
export function removeProblem(existing: OwnedFileFacts & { temporaryName: boolean }, invokerUid: number): string | null {
  if (!existing.isFile) return 'is not a regular file';
  if (existing.createdHere) return null;
  if (existing.temporaryName && existing.uid === invokerUid) return null;
  return existing.temporaryName ? `is a temporary output of ${existing.uid === 0 ? 'root' : `user ${existing.uid}`}, not yours` : 'is neither a temporary output nor a file this helper wrote';
}
