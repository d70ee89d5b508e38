import { constants } from 'node:fs';
import { lstat, open, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HELPER_OPS, HELPER_PROTOCOL_VERSION } from '../../shared/contract/helper';
import type { HelperDiskLocator, HelperOpName, HelperParams, HelperValue } from '../../shared/contract/helper';
import type { DiskLocator } from '../../shared/contract/models/source';
import { EngineFailure, fail } from '../engine/core/errors';
import type { ToolRunner } from '../engine/core/tool-runner';
import { checkImage, convertImage } from '../engine/disk/qemu-img';
import { HELPER_PATH_REFUSED } from '../engine/privilege/error-codes';
import { finalizeOutput } from '../engine/privilege/disk-ops';
import { auditChain, infoAsInvoker } from './audit';
import { finalNameProblem, forbiddenSourceArea, parsePartialName, removeProblem, replaceProblem } from './confinement';
import { resolveFileInRoot, resolveFileInRootIfPresent, resolveNewOutput, resolveSourceFile, resolveWritableFolder } from './guards';
import type { Invoker } from './invoker';
import { invokerLookup, invokerToolRunner } from './invoker';
import { HELPER_VERSION } from './version';

/**
 * The helper's operations. Each one resolves and confines every path first, then calls the very
 * engine function the unprivileged path uses (convertImage, checkImage, finalizeOutput), so the
 * commands root runs are the commands the app runs without the helper.
 *
 * Extension point: an operation added to HELPER_OPS in shared/contract/helper.ts gets its handler
 * here; the type below makes a missing handler a compile error.
 */
export interface HelperOpContext {
  signal: AbortSignal;
  progress(fraction: number): void;
}

export type HelperHandlers = {
  [K in HelperOpName]: (params: HelperParams<K>, ctx: HelperOpContext) => Promise<HelperValue<K>>;
};

export interface HelperEnvironment {
  tools: ToolRunner;
  /** Real paths of the folders the helper may write into. */
  roots: readonly string[];
  /** The user who ran pkexec; sources must be readable by them. Null when root started us. */
  invokingUid: number | null;
  log(message: string): void;
}

/** Mode of every file the helper creates: its user may read and write it, nobody else. */
export const OUTPUT_MODE = 0o600;

/** Which file a name pointed to when the helper wrote it: a later file under that name is not ours. */
interface FileIdentity {
  dev: number;
  ino: number;
}

export function createHandlers(env: HelperEnvironment): HelperHandlers {
  const invokerOf = invokerLookup(env.tools, env.invokingUid);
  /** Files this helper created (outputs, and their final names once finalized), by identity. */
  const created = new Map<string, FileIdentity>();
  const isOurs = (path: string, facts: FileIdentity): boolean => {
    const known = created.get(path);
    return known !== undefined && known.dev === facts.dev && known.ino === facts.ino;
  };

  return {
    'app.hello': () =>
      Promise.resolve({
        name: 'hyper2kvm-helper' as const,
        version: HELPER_VERSION,
        protocol: HELPER_PROTOCOL_VERSION,
        euid: process.geteuid?.() ?? -1,
        pid: process.pid,
        invokingUid: env.invokingUid,
        allowedRoots: [...env.roots],
        ops: Object.keys(HELPER_OPS),
      }),

    'disk.convert': async (params, ctx) => {
      const output = await resolveNewOutput(params.output, env.roots);
      const invoker = await invokerOf(ctx.signal);
      const source = await readableSource(env.tools, params.source, params.sourceFormat, invoker, ctx.signal);
      // O_EXCL claims the name (if anything appeared there since the check, we stop here), and
      // the file is the user's from the first byte: qemu-img writes it with the user's rights.
      const identity = await createOutput(output, invoker);
      created.set(output, identity);
      env.log(`converting ${describeLocator(source)} → ${output} (${params.format}${params.compress ? ', compressed' : ''}) as uid ${invoker.uid}`);
      try {
        await convertImage(invokerToolRunner(env.tools, invoker), { source, sourceFormat: params.sourceFormat, output, format: params.format, compress: params.compress }, { signal: ctx.signal, onFraction: (fraction) => ctx.progress(fraction) });
      } catch (error) {
        await rm(output, { force: true });
        created.delete(output);
        throw unreachableOutput(error, output, invoker);
      }
      return null;
    },

    'disk.check': async (params, ctx) => {
      const path = await resolveFileInRoot(params.path, env.roots);
      // The output belongs to its user, who could have rewritten it (a backing file of
      // /etc/shadow, say): qemu-img reads it with that user's rights, never root's.
      return checkImage(invokerToolRunner(env.tools, await invokerOf(ctx.signal)), path, params.format, ctx.signal);
    },

    'file.finalize': async (params, ctx) => {
      const invoker = await invokerOf(ctx.signal);
      const partial = await resolveFileInRoot(params.partial, env.roots);
      if (!parsePartialName(basename(partial))) {
        fail(HELPER_PATH_REFUSED, `Refused: ${params.partial} is not a temporary output name (".NAME.part-JOBID").`, 'Only outputs written under a temporary name can be finalized.', { path: params.partial });
      }
      const finalDir = await resolveWritableFolder(dirname(params.final), params.final, env.roots);
      if (finalDir !== dirname(partial)) {
        fail(HELPER_PATH_REFUSED, `Refused: ${params.final} is not in the folder of ${params.partial}.`, 'An output is renamed in place, never moved to another folder.', { path: params.final });
      }
      const name = basename(params.final);
      const problem = finalNameProblem(name);
      if (problem || parsePartialName(name)) {
        fail(HELPER_PATH_REFUSED, `Refused: the output name "${name}" ${problem ?? 'looks like a temporary name'}.`, 'Choose a plain file name.', { path: params.final });
      }
      const final = join(finalDir, name);
      const partialFacts = await lstat(partial);
      const partialProblem = removeProblem({ uid: partialFacts.uid, isFile: partialFacts.isFile(), createdHere: isOurs(partial, partialFacts), temporaryName: true }, invoker.uid);
      if (partialProblem) fail(HELPER_PATH_REFUSED, `Refused: ${params.partial} ${partialProblem}.`, 'The helper only finalizes outputs it wrote for you.', { path: params.partial });
      if (params.overwrite) await refuseForeignReplacement(final, invoker, isOurs);
      const identity = await sealOutput(partial, invoker);
      await finalizeOutput(partial, final, params.overwrite);
      created.delete(partial);
      // The renamed file is the same inode the helper wrote; whatever the name held before is gone.
      created.set(final, identity);
      env.log(`finalized ${final}`);
      return null;
    },

    'file.remove': async (params, ctx) => {
      const invoker = await invokerOf(ctx.signal);
      const path = await resolveFileInRootIfPresent(params.path, env.roots);
      if (path === null) return null;
      const facts = await lstat(path);
      const problem = removeProblem({ uid: facts.uid, isFile: facts.isFile(), createdHere: isOurs(path, facts), temporaryName: parsePartialName(basename(path)) !== null }, invoker.uid);
      if (problem) {
        fail(HELPER_PATH_REFUSED, `Refused: ${params.path} ${problem}.`, 'The helper only removes what it wrote in this session, and your own leftover temporary outputs.', { path: params.path });
      }
      await rm(path, { force: true });
      created.delete(path);
      env.log(`removed ${path}`);
      return null;
    },
  };
}

/**
 * The source, checked the way its user sees it. For a user, qemu-img opens it (and every extent
 * and backing file) with their rights first, so nothing root could look at on their behalf is
 * even named in an error unless they can read it; only then are the real paths checked (no
 * devices, no kernel files). Root gets the real-path checks first, as before.
 */
async function readableSource(tools: ToolRunner, requested: HelperDiskLocator, format: string, invoker: Invoker, signal: AbortSignal): Promise<DiskLocator> {
  if (invoker.uid === 0) {
    const source = await resolveLocator(requested);
    await auditChain(await infoAsInvoker(tools, source, format, invoker, signal), source);
    return source;
  }
  const named = requested.type === 'file' ? requested.path : requested.archive;
  const area = forbiddenSourceArea(named);
  if (area) fail(HELPER_PATH_REFUSED, `Refused: ${named} is in ${area}, which holds devices and kernel files, not disk images.`, 'Convert a disk image file; the helper never reads devices.', { path: named });
  const chain = await infoAsInvoker(tools, requested, format, invoker, signal);
  const source = await resolveLocator(requested);
  await auditChain(chain, source);
  return source;
}

/** Creates a new output that only its user can read or write. */
async function createOutput(path: string, invoker: Invoker): Promise<FileIdentity> {
  let handle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, OUTPUT_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') fail('OUTPUT_EXISTS', `${path} already exists.`, 'Remove the leftover temporary file or start the job again.', { path });
    throw error;
  }
  try {
    await handle.chown(invoker.uid, invoker.gid);
    await handle.chmod(OUTPUT_MODE);
    const { dev, ino } = await handle.stat();
    return { dev, ino };
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Before an output takes its final name: it belongs to its user, with mode 0600 again (its user
 * may have changed the mode while it was being written), on the very file that is renamed.
 */
async function sealOutput(path: string, invoker: Invoker): Promise<FileIdentity> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const facts = await handle.stat();
    if (!facts.isFile()) fail(HELPER_PATH_REFUSED, `Refused: ${path} is not a regular file.`, 'The helper only finalizes the disk files it writes.', { path });
    await handle.chown(invoker.uid, invoker.gid);
    await handle.chmod(OUTPUT_MODE);
    return { dev: facts.dev, ino: facts.ino };
  } finally {
    await handle.close();
  }
}

async function refuseForeignReplacement(final: string, invoker: Invoker, isOurs: (path: string, facts: FileIdentity) => boolean): Promise<void> {
  let facts;
  try {
    facts = await lstat(final);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const problem = replaceProblem({ uid: facts.uid, isFile: facts.isFile(), createdHere: isOurs(final, facts) }, invoker.uid);
  if (problem) {
    fail(HELPER_PATH_REFUSED, `Refused to overwrite ${final}: it ${problem}.`, 'Choose another output name. The helper only replaces disks you own or that it wrote for you in this session.', { path: final });
  }
}

/** qemu-img, running as the user, could not open the output: say which folder they cannot reach. */
function unreachableOutput(error: unknown, output: string, invoker: Invoker): unknown {
  if (invoker.uid === 0 || !(error instanceof EngineFailure) || error.value.code === 'CANCELLED') return error;
  const stderr = error.value.evidence?.stderrTail ?? '';
  if (!stderr.includes(output) || !/Permission denied/i.test(stderr)) return error;
  return new EngineFailure({
    ...error.value,
    code: HELPER_PATH_REFUSED,
    kind: 'bad-input',
    message: `Refused: user ${invoker.uid} cannot reach ${dirname(output)}, so the converted disk (which belongs to that user) cannot be written there.`,
    hint: `Ask an administrator to let users through the folder (chmod o+x ${dirname(output)}), or choose another destination.`,
  });
}

async function resolveLocator(locator: HelperDiskLocator): Promise<DiskLocator> {
  if (locator.type === 'file') return { type: 'file', path: await resolveSourceFile(locator.path, 'the source') };
  const archive = await resolveSourceFile(locator.archive, 'the archive');
  const { size } = await stat(archive);
  if (locator.offset + locator.size > size) {
    fail('INVALID_REQUEST', `The member ${locator.member} (bytes ${locator.offset}–${locator.offset + locator.size}) lies beyond the end of ${archive} (${size} bytes).`, 'Probe the archive again.', { path: archive });
  }
  return { ...locator, archive };
}

function describeLocator(locator: DiskLocator): string {
  return locator.type === 'file' ? locator.path : `${locator.archive}:${locator.member}`;
}
