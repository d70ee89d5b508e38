import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ApiHandlers } from '../../shared/contract/api';
import type { FsEntry } from '../../shared/contract/api/core';
import type { JobEvent } from '../../shared/contract/events';
import { kvmWorks } from './core/accel';
import { fail, fromErrno, EngineFailure, throwIfAborted } from './core/errors';
import { JobManager } from './core/jobs';
import { LocalToolRunner } from './core/tool-runner';
import type { ToolRunner } from './core/tool-runner';
import { findTool, TOOLS } from './core/tools';
import type { ToolName } from './core/tools';
import { batchHandlers } from './batch/handlers';
import { convertHandlers } from './convert/handlers';
import type { EngineDeps } from './deps';
import { lazySlice } from './lazy-slice';
import { inspectApi } from '../../shared/contract/api/inspect';
import { libvirtApi } from '../../shared/contract/api/libvirt';
import { repairApi } from '../../shared/contract/api/repair';
import * as paths from './paths';
import { sweepInterruptedJobs } from './pipeline/interrupted-jobs';
import type { SweptJob } from './pipeline/interrupted-jobs';
import type { DiskOps } from './privilege/disk-ops';
import { isRootProcess } from './privilege/locate';
import type { PdfPrinter } from './report/pdf';
import { vcenterHandlers } from './vcenter/handlers';
import type { SecretStore } from './vcenter/secret-store';

export interface EngineConfig {
  transport: 'electron-ipc' | 'websocket' | 'memory';
  version: string;
  jobsDir?: string;
  defaultOutDir?: string;
  tools?: ToolRunner;
  /** Opens the privileged helper when a job needs it (Electron app); absent elsewhere. */
  elevate?: () => Promise<DiskOps>;
  /** The app's own folder (default: paths.appHome()). */
  appHome?: string;
  /** Remembers vCenter passwords when the user asks (Electron app); absent elsewhere. */
  secrets?: SecretStore;
  /** Prints reports to PDF (the Electron app's printToPDF); headless Chromium when absent. */
  pdfPrinter?: PdfPrinter;
}

export interface Engine {
  handlers: ApiHandlers;
  jobs: JobManager;
  onJobEvent(listener: (event: JobEvent) => void): () => void;
  /**
   * The start-up sweep of single jobs whose process died (pipeline/interrupted-jobs.ts): runs in
   * the background from createEngine on; resolves to the jobs it recorded as interrupted (never
   * rejects: its errors are logged).
   */
  startupSweep: Promise<SweptJob[]>;
  /** Cancels running jobs and waits for their cleanup (and the start-up sweep's end). */
  shutdown(): Promise<void>;
}

/** Largest folder listing returned at once; the file browser pages by folder, not by file. */
const MAX_LIST_ENTRIES = 5000;
/** Entries statted at once by a folder listing (libuv runs four at a time anyway). */
const STAT_BATCH = 256;

/**
 * The engine behind every front end: one object implementing each call of the contract. The
 * Electron main process, the WebSocket bridge, the CLI and the tests all construct it the same
 * way and differ only in the transport in front of it.
 */
export function createEngine(config: EngineConfig): Engine {
  const tools = config.tools ?? new LocalToolRunner();
  const isRoot = isRootProcess();
  const jobsDir = config.jobsDir ?? paths.jobsDir();
  const defaultOutDir = config.defaultOutDir ?? paths.defaultOutDir();
  const jobs = new JobManager({ jobsDir, tools });
  // In the background: start-up is not delayed (virsh calls can take seconds), and a failure is
  // logged, never thrown. The jobs of another engine running now (the app while a CLI starts)
  // are not touched: their owner is alive.
  const startupSweep = sweepInterruptedJobs({
    jobsDir,
    tools,
    onError: (jobId, error) => process.stderr.write(`hyper2kvm: could not clear interrupted job ${jobId}: [${error.code}] ${error.message}\n`),
  }).catch((error: unknown) => {
    process.stderr.write(`hyper2kvm: the sweep of interrupted jobs failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return [] as SweptJob[];
  });
  const deps: EngineDeps = {
    tools,
    jobs,
    isRoot,
    jobsDir,
    defaultOutDir,
    version: config.version,
    appHome: config.appHome ?? paths.appHome(),
    ...(config.elevate ? { elevate: config.elevate } : {}),
    ...(config.secrets ? { secrets: config.secrets } : {}),
    ...(config.pdfPrinter ? { pdfPrinter: config.pdfPrinter } : {}),
  };
  const vcenter = vcenterHandlers(deps);
  const batch = batchHandlers(deps);

  const handlers: ApiHandlers = {
    ...convertHandlers(deps),
    ...lazySlice(Object.keys(inspectApi) as Array<keyof typeof inspectApi>, async () => (await import('./inspect/handlers')).inspectHandlers(deps)),
    ...lazySlice(Object.keys(libvirtApi) as Array<keyof typeof libvirtApi>, async () => (await import('./libvirt/handlers')).libvirtHandlers(deps)),
    ...lazySlice(Object.keys(repairApi) as Array<keyof typeof repairApi>, async () => (await import('./repair/handlers')).repairHandlers(deps)),
    ...vcenter.handlers,
    ...batch.handlers,
    'app.info': async () => ({
        version: config.version,
        transport: config.transport,
        platform: `${process.platform}-${process.arch}`,
        isRoot,
        kvmAvailable: await kvmWorks(tools),
        homeDir: homedir(),
        defaultOutDir,
        jobsDir,
        tools: (Object.keys(TOOLS) as ToolName[]).map((name) => ({ name, path: findTool(name), package: TOOLS[name].package })),
      }),
    'fs.list': async ({ path, showHidden }, call) => listFolder(path, showHidden, call?.signal),
    'jobs.list': () => Promise.resolve(jobs.list()),
    'jobs.get': ({ jobId }) => Promise.resolve(jobs.get(jobId)),
    'jobs.cancel': ({ jobId }) => Promise.resolve(jobs.cancel(jobId)),
  };

  return {
    handlers,
    jobs,
    onJobEvent: (listener) => jobs.onJobEvent(listener),
    startupSweep,
    shutdown: async () => {
      await batch.shutdown();
      await jobs.cancelAll();
      await vcenter.shutdown();
      // A CLI command may end before the sweep does: let it finish what it started.
      await startupSweep;
    },
  };
}


/**
 * One folder of the file browser. A folder of thousands of entries on a slow mount takes a
 * while to stat: when the browser has moved on (`signal`), the rest is not read.
 */
async function listFolder(input: string, showHidden: boolean, signal?: AbortSignal): Promise<{ path: string; parent: string | null; entries: FsEntry[] }> {
  const path = resolve(input === '~' ? homedir() : input);
  let names: string[];
  try {
    names = await readdir(path);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT') fail('SOURCE_NOT_FOUND', `${path} does not exist.`, 'Choose another folder.', { path });
    if (errno === 'ENOTDIR') fail('INVALID_REQUEST', `${path} is not a folder.`, 'Choose a folder.', { path });
    throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, path));
  }
  const visible = names.filter((n) => showHidden || !n.startsWith('.')).slice(0, MAX_LIST_ENTRIES);
  // Statted in batches, so that a cancelled listing stops between two of them.
  const entries: FsEntry[] = [];
  for (let start = 0; start < visible.length; start += STAT_BATCH) {
    if (signal) throwIfAborted(signal);
    const batch = visible.slice(start, start + STAT_BATCH);
    entries.push(
      ...(await Promise.all(
        batch.map(async (name): Promise<FsEntry> => {
          const full = join(path, name);
          const s = await stat(full).catch(() => null);
          return { name, path: full, kind: s?.isDirectory() ? 'dir' : s?.isFile() ? 'file' : 'other', size: s?.size ?? 0, mtimeMs: s?.mtimeMs ?? 0 };
        }),
      )),
    );
  }
  entries.sort((a, b) => (a.kind === 'dir') === (b.kind === 'dir') ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1);
  return { path, parent: path === '/' ? null : dirname(path), entries };
}
