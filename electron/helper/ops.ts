import { open, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HELPER_OPS, HELPER_PROTOCOL_VERSION } from '../../shared/contract/helper';
import type { HelperDiskLocator, HelperOpName, HelperParams, HelperValue } from '../../shared/contract/helper';
import type { DiskLocator } from '../../shared/contract/models/source';
import { fail } from '../engine/core/errors';
import type { ToolRunner } from '../engine/core/tool-runner';
import { checkImage, convertImage } from '../engine/disk/qemu-img';
import { HELPER_PATH_REFUSED } from '../engine/privilege/error-codes';
import { finalizeOutput } from '../engine/privilege/disk-ops';
import { auditSource } from './audit';
import { helperToolRunner } from './runner';
import { finalNameProblem, parsePartialName } from './confinement';
import { resolveFileInRoot, resolveFileInRootIfPresent, resolveNewOutput, resolveSourceFile, resolveWritableFolder } from './guards';
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

export function createHandlers(env: HelperEnvironment): HelperHandlers {
  const tools = helperToolRunner(env.tools);
  /** Real paths of files this helper created (outputs, and their final names once finalized). */
  const created = new Set<string>();

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
      const source = await resolveLocator(params.source);
      await auditSource(env.tools, source, params.sourceFormat, env.invokingUid, ctx.signal);
      // O_EXCL claims the name: if anything appeared there since the check, we stop here.
      try {
        await (await open(output, 'wx', 0o644)).close();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') fail('OUTPUT_EXISTS', `${output} already exists.`, 'Remove the leftover temporary file or start the job again.', { path: output });
        throw error;
      }
      created.add(output);
      env.log(`converting ${describeLocator(source)} → ${output} (${params.format}${params.compress ? ', compressed' : ''})`);
      try {
        await convertImage(tools, { source, sourceFormat: params.sourceFormat, output, format: params.format, compress: params.compress }, { signal: ctx.signal, onFraction: (fraction) => ctx.progress(fraction) });
      } catch (error) {
        await rm(output, { force: true });
        created.delete(output);
        throw error;
      }
      return null;
    },

    'disk.check': async (params, ctx) => {
      const path = await resolveFileInRoot(params.path, env.roots);
      return checkImage(tools, path, params.format, ctx.signal);
    },

    'file.finalize': async (params) => {
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
      await finalizeOutput(partial, final, params.overwrite);
      created.delete(partial);
      created.add(final);
      env.log(`finalized ${final}`);
      return null;
    },

    'file.remove': async (params) => {
      const path = await resolveFileInRootIfPresent(params.path, env.roots);
      if (path === null) return null;
      if (!parsePartialName(basename(path)) && !created.has(path)) {
        fail(HELPER_PATH_REFUSED, `Refused: ${params.path} is neither a temporary output nor a file this helper wrote.`, 'The helper only removes what it wrote in this session, and leftover temporary outputs.', { path: params.path });
      }
      await rm(path, { force: true });
      created.delete(path);
      env.log(`removed ${path}`);
      return null;
    },
  };
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
