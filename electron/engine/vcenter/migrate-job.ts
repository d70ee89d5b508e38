import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DiskTransfer, MigrateResult, PreflightItem, ResolvedMigrateOptions } from '../../../shared/contract/api/vcenter';
import type { VmDetails } from '../../../shared/contract/models/vsphere';
import { formatBytes, formatDuration, formatRate } from '../../../shared/format';
import { cancelledError, EngineFailure, fail, toEngineError } from '../core/errors';
import type { JobHandle, JobSpec } from '../core/jobs';
import type { Stage, StageContext } from '../core/stage';
import type { ToolRunner } from '../core/tool-runner';
import { parseProgressLine, parseQemuImgInfo } from '../formats/qemu-img';
import { directDiskOps } from '../privilege/disk-ops';
import type { ConvertedPartial } from '../stages/convert';
import { partialPath } from '../stages/convert';
import { tailCli } from '../pipeline/cli';
import { runTail, tailStages } from '../pipeline/tail';
import { downloadDatastoreFile, sessionFileAccess } from '../vsphere/datastore-download';
import type { FileAccess } from '../vsphere/datastore-download';
import { getVmDetails } from '../vsphere/inventory';
import { toVmMetadata } from '../vsphere/inventory-map';
import { TokenBucket } from '../vsphere/token-bucket';
import { powerState, vmRef } from '../vsphere/vm-operations';
import { chainFiles, HEAD_BYTES, locationOf, localNameFor, MAX_CHAIN_LINKS, planLink, qemuSourceSpec, servedChain } from './chain-plan';
import type { ChainLinkPlan } from './chain-plan';
import type { Connection } from './connections';
import './error-codes';
import { convertFlatWhileDownloading, flatPieces } from './flat-convert';
import type { FlatPiece } from './flat-convert';
import { LoopbackServer } from './loopback-server';
import { PartsProgress } from './parts-progress';
import { outputPathsFor, runPreflight } from './preflight-facts';
import { readHead } from './remote-read';
import { StagedFile } from './staged-file';
import { serverIdentity, stagedBytes, Staging, stagingDirFor } from './staging';

/**
 * Migrating a VM from vCenter: one job that downloads every file of each disk chain into a
 * staging folder and converts the disk WHILE it downloads. qemu-img reads the disk through a
 * loopback HTTP server that answers from the bytes already on disk and waits (briefly) for the
 * rest, so transfer and conversion overlap instead of running one after the other. Disks run in
 * parallel (bounded); a dropped connection resumes with a Range request; an interrupted job
 * leaves its downloads for the next one to resume.
 *
 *   preflight → plan → (transfer ∥ convert), then the tail every migration shares
 *   (pipeline/tail.ts: check → inspect → repair → finalize → define → verify-boot)
 */

export const MIGRATE_STAGES = [
  { id: 'preflight', label: 'Pre-flight checks' },
  { id: 'plan', label: 'Read the disk chains' },
  { id: 'transfer', label: 'Download disks' },
  { id: 'convert', label: 'Convert disks' },
] as const;

/**
 * Reads qemu-img keeps in flight. Over HTTP, one read at a time leaves the converter waiting on
 * every round trip; four overlap them (2 GiB through the loopback server: 4.5 s with one, 2.7 s
 * with four, measured here).
 */
const CONVERT_READS = 4;

export interface MigrateJobDeps {
  tools: ToolRunner;
  connection: Connection;
  /** App version, recorded in the inspection report. */
  version: string;
}

export function migrateCli(connection: Connection, vmName: string, options: ResolvedMigrateOptions): string[] {
  return [
    'hyper2kvm',
    'migrate',
    '--server',
    connection.endpoint.display,
    '--user',
    connection.user,
    '--password-file',
    'PASSWORD_FILE',
    ...(connection.info.trust.kind === 'ca' ? ['--ca', connection.info.trust.caFile] : ['--thumbprint', connection.info.trust.sha256]),
    '--vm',
    vmName,
    '--out',
    options.outDir,
    '--format',
    options.format,
    ...(options.compress ? ['--compress'] : []),
    ...(options.name ? ['--name', options.name] : []),
    ...(options.overwrite ? ['--overwrite'] : []),
    '--parallel',
    String(options.parallelDisks),
    ...(options.maxBytesPerSecond ? ['--limit', String(options.maxBytesPerSecond / 1e6)] : []),
    '--retries',
    String(options.retries),
    ...(options.keepDownloads ? ['--keep-downloads'] : []),
    ...tailCli(options),
  ];
}

interface Lane {
  diskId: string;
  label: string;
  links: ChainLinkPlan[];
  /** In download order. */
  files: StagedFile[];
  spec: Record<string, unknown>;
  /** Set when the disk is flat and converts straight from the staging file (flat-convert.ts). */
  flat: FlatPiece[] | undefined;
  virtualSize: number;
  final: string;
  partial: string;
  /** Index of the file the download is on (files.length once done). */
  cursor: number;
  started: Deferred;
  startedAt: number;
  endedAt: number;
  resumedBytes: number;
  aheadBytes: number;
  results: Array<{ name: string; bytes: number; resumedFrom: number }>;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Runs `work` for every item, at most `limit` at once, in order; the first failure stops new starts. */
async function eachLimited<T>(items: readonly T[], limit: number, signal: AbortSignal, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      if (signal.aborted) throw new EngineFailure(cancelledError());
      const item = items[next++]!;
      await work(item);
    }
  });
  const settled = await Promise.allSettled(runners);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The first error that is not a consequence of another one being cancelled. */
function firstRealError(results: PromiseSettledResult<unknown>[], jobSignal: AbortSignal): unknown {
  const errors: unknown[] = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r): unknown => r.reason);
  if (errors.length === 0) return undefined;
  if (jobSignal.aborted) return new EngineFailure(cancelledError());
  return errors.find((e) => toEngineError(e).code !== 'CANCELLED') ?? errors[0];
}

export function migrateJob(vm: Pick<VmDetails, 'id' | 'name' | 'instanceUuid'>, options: ResolvedMigrateOptions, deps: MigrateJobDeps): JobSpec<MigrateResult> {
  const { connection, tools } = deps;
  const session = connection.session;
  const outDir = resolve(options.outDir);
  return {
    kind: 'migrate',
    title: `Migrate ${vm.name} from ${connection.endpoint.display}`,
    stages: [...MIGRATE_STAGES, ...tailStages(options)],
    // What the user asked for, never the password (the session holds it).
    request: { server: connection.endpoint.display, user: connection.user, vmId: vm.id, vmName: vm.name, options },
    cli: migrateCli(connection, vm.name, options),
    async run(job) {
      const started = Date.now();
      const access = sessionFileAccess(session);
      const bucket = options.maxBytesPerSecond ? new TokenBucket(options.maxBytesPerSecond) : undefined;
      const inner = new AbortController();
      const signal = AbortSignal.any([job.signal, inner.signal]);

      // ---- preflight: fresh details, every rule; blockers stop here
      const { details, notes } = await job.runStage(stage('preflight', async (_: null, ctx) => {
        const fresh = await getVmDetails(session, vm.id, { signal: ctx.signal });
        const report = await runPreflight(fresh, { outDir, format: options.format, overwrite: options.overwrite, libvirt: options.libvirt, name: options.name }, { tools, session, signal: ctx.signal });
        for (const item of report.items) ctx.log(item.severity === 'info' ? 'info' : item.severity === 'warning' ? 'warn' : 'error', `${item.title}: ${item.message}`);
        const blockers = report.items.filter((i) => i.severity === 'blocker');
        if (blockers.length > 0) {
          fail('VCENTER_PREFLIGHT_BLOCKED', `${fresh.name} cannot be migrated yet: ${blockers.map((b) => b.title.toLowerCase()).join('; ')}.`, blockers[0]!.hint, {
            details: { blockers: blockers.map(({ id, title, message, hint }) => ({ id, title, message, hint })) },
          });
        }
        if (!fresh.datacenterPath) fail('VCENTER_DISK_UNSUPPORTED', `The datacenter of ${fresh.name} is not known, so its files cannot be located.`, 'Refresh the inventory and try again.');
        return { details: fresh, notes: report.items.filter((i) => i.severity !== 'blocker') };
      }), null);

      // ---- plan: the chain of every disk, from the files' own heads; the loopback server
      const identity = { server: serverIdentity(session.serviceContent.about, session.server), vmId: details.id, vmName: details.name, ...(details.instanceUuid ? { instanceUuid: details.instanceUuid } : {}) };
      const staging = await Staging.open(stagingDirFor(outDir, identity), identity);
      job.cleanup.onFailure('keep the downloads for a resume', () => keepForResume(job, staging.dir));
      const progress = { transfer: undefined as PartsProgress | undefined };
      const lanes: Lane[] = [];
      const server = new LoopbackServer({
        access,
        ...(bucket ? { bucket } : {}),
        signal,
        bytesAhead: (file, offset) => bytesAhead(lanes, file, offset),
        rate: () => progress.transfer?.rate() ?? 0,
        onAhead: (file, bytes) => {
          const lane = lanes.find((l) => l.diskId === file.diskId);
          if (lane) lane.aheadBytes += bytes;
        },
        onLog: (message) => job.log('debug', message),
      });
      await server.start();
      job.cleanup.always('stop the loopback server', () => server.close());

      await job.runStage(stage('plan', async (_: null, ctx) => {
        const outputs = outputPathsFor(details, { outDir, format: options.format, overwrite: options.overwrite, libvirt: options.libvirt, name: options.name });
        for (const [i, disk] of details.disks.entries()) {
          const diskId = `disk${i + 1}`;
          const label = disk.label || diskId;
          const links = await planChain(access, details, disk.fileName, disk.parents, signal);
          const files: StagedFile[] = [];
          for (const dsPath of chainFiles(links)) {
            const location = locationOf(dsPath, details.datacenterPath!);
            const localName = localNameFor(dsPath);
            const head = links.find((l) => l.descriptor === dsPath);
            // The size comes from the server now, never from an older record.
            const { total, bytes } = await readHead(access, location, head?.kind === 'text' ? HEAD_BYTES : 1, { signal });
            const file = new StagedFile(dsPath, location, total, staging.path(localName), diskId);
            if (await staging.isComplete(localName, dsPath, total)) {
              file.markComplete();
            } else if (head?.kind === 'text' && bytes.length === total) {
              // A text descriptor arrived whole with its head.
              await writeFile(file.path, bytes);
              await staging.markComplete(localName, dsPath, total);
              file.markComplete();
            } else {
              await staging.forget(localName);
            }
            files.push(file);
          }
          // Small files first (descriptors, snapshot deltas), then the big extents in chain order.
          files.sort((a, b) => Number(a.size > HEAD_BYTES) - Number(b.size > HEAD_BYTES));
          const served = servedChain(links);
          for (const rewrite of served.rewrites) {
            const file = rewrite ? files.find((f) => f.dsPath === rewrite.dsPath) : undefined;
            if (file && rewrite) file.served = rewrite.kind === 'text' ? { kind: 'text', text: rewrite.text } : { kind: 'embedded', offset: rewrite.offset, bytes: rewrite.bytes };
          }
          const urls = new Map(files.map((f) => [f.dsPath, server.add(diskId, served.names.get(f.dsPath)!, f)]));
          const spec = qemuSourceSpec(links, urls.get(links[0]!.descriptor)!);
          // qemu-img info opens the top alone (its backing options would be left over): enough for the size.
          const info = await tools.run('qemu-img', ['info', '--output=json', `json:${JSON.stringify(qemuSourceSpec(links.slice(0, 1), urls.get(links[0]!.descriptor)!))}`], {
            signal,
            failureCode: 'VCENTER_DISK_UNSUPPORTED',
            failureHint: 'qemu-img cannot open this disk from its datastore files; the reason is in its output below.',
          });
          const virtualSize = parseQemuImgInfo(info.stdout)[0]?.virtualSize ?? disk.capacityBytes;
          if (disk.capacityBytes > 0 && virtualSize !== disk.capacityBytes) ctx.log('warn', `${label}: vCenter says ${formatBytes(disk.capacityBytes)}, the disk's files say ${formatBytes(virtualSize)}; the files win.`);
          const final = outputs[i]!;
          const resumedBytes = files.reduce((sum, f) => sum + f.available, 0);
          // Compressed clusters cannot be written through a window: compressing reads over loopback.
          const flat = options.compress ? undefined : flatPieces(links, files, virtualSize);
          lanes.push({ diskId, label, links, files, spec, flat, virtualSize, final, partial: partialPath(final, job.id), cursor: 0, started: deferred(), startedAt: 0, endedAt: 0, resumedBytes, aheadBytes: 0, results: [] });
          ctx.log('info', `${label}: ${links.length > 1 ? `snapshot chain of ${links.length}, ` : ''}${links[0]!.createType}, ${files.length} file(s), ${formatBytes(files.reduce((s, f) => s + f.size, 0))} to fetch${resumedBytes > 0 ? ` (${formatBytes(resumedBytes)} already here)` : ''}, ${formatBytes(virtualSize)} virtual`);
        }
      }), null);

      // ---- transfer ∥ convert
      const transferProgress = new PartsProgress(lanes.map((l) => ({ id: l.diskId, label: l.label, total: l.files.reduce((s, f) => s + f.size, 0) })));
      progress.transfer = transferProgress;
      const convertProgress = new PartsProgress(lanes.map((l) => ({ id: l.diskId, label: l.label, total: l.virtualSize })));
      const transferStarted = Date.now();
      const failLane = (lane: Lane, error: unknown): void => {
        const value = toEngineError(error);
        for (const file of lane.files) file.fail(value);
        inner.abort();
      };
      const transfer = job.runStage(stage('transfer', async (_: null, ctx) => {
        for (const lane of lanes) transferProgress.setBaseline(lane.diskId, lane.resumedBytes);
        const report = (): void => ctx.progressSnapshot(transferProgress.snapshot());
        let lastReport = 0;
        await eachLimited(lanes, options.parallelDisks, signal, async (lane) => {
          lane.startedAt = Date.now();
          lane.started.resolve();
          transferProgress.start(lane.diskId);
          try {
            for (const [index, file] of lane.files.entries()) {
              lane.cursor = index;
              if (file.complete) continue;
              const localName = localNameFor(file.dsPath);
              const done = lane.files.slice(0, index).reduce((s, f) => s + f.size, 0);
              const result = await downloadDatastoreFile({
                access,
                source: file.location,
                destination: file.path,
                expectedSize: file.size,
                signal,
                ...(bucket ? { bucket } : {}),
                maxAttempts: options.retries,
                serverId: identity.server,
                // The file is converted as it arrives and deleted after a success: waiting for the
                // disk to write it all would only delay the job. What a failed job keeps reaches
                // the disk with the kernel's writeback (within ~30 s), like any other file; a
                // flush there would make Cancel wait for it. A resume trusts a file only when its
                // size matches, and file systems grow the on-disk size only with written data.
                flushOnComplete: false,
                onWritten: (bytes) => {
                  file.setAvailable(bytes);
                  // Waiters need every byte count; the progress meter does not.
                  const now = Date.now();
                  if (now - lastReport < 100) return;
                  lastReport = now;
                  transferProgress.update(lane.diskId, done + bytes);
                  report();
                },
                onLog: (message) => ctx.log('warn', message),
              });
              if (file.failure) throw new EngineFailure(file.failure);
              file.markComplete();
              transferProgress.update(lane.diskId, done + file.size);
              await staging.markComplete(localName, file.dsPath, file.size);
              lane.results.push({ name: file.dsPath, bytes: result.bytes, resumedFrom: result.resumedFrom });
            }
            lane.cursor = lane.files.length;
            lane.endedAt = Date.now();
            transferProgress.finish(lane.diskId);
            report();
          } catch (error) {
            failLane(lane, error);
            throw error;
          }
        });
        // A VM powered on during the copy makes the copy suspect. (This is also a SOAP call after
        // a long transfer: the session is renewed here if the server dropped it.)
        const state = await powerState(session, vmRef(details.id), ctx.signal);
        if (state === 'poweredOn') ctx.log('warn', `${details.name} was powered on while its disks were copied: the copy may be inconsistent. Power it off and migrate again to be sure.`);
        const bytes = lanes.reduce((s, l) => s + l.files.reduce((t, f) => t + f.size, 0), 0);
        const seconds = (Date.now() - transferStarted) / 1000;
        ctx.log('info', `Downloaded ${formatBytes(bytes)} in ${formatDuration(seconds)} (${formatRate(seconds > 0 ? bytes / seconds : null)})`);
      }), null);

      const convert = job.runStage(stage('convert', async (_: null, ctx) => {
        const report = (item?: string): void => ctx.progressSnapshot(convertProgress.snapshot(item));
        const results: ConvertedPartial[] = [];
        await eachLimited(lanes, options.parallelDisks, signal, async (lane) => {
          await Promise.race([lane.started.promise, new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new EngineFailure(cancelledError())), { once: true }))]);
          job.cleanup.onFailure(`remove ${lane.partial}`, () => rm(lane.partial, { force: true }));
          convertProgress.start(lane.diskId);
          const begun = Date.now();
          ctx.log('info', `Converting ${lane.label} → ${lane.final} (${options.format}${options.compress ? ', compressed' : ''}) while it downloads`);
          try {
            const onBytes = (bytes: number): void => {
              convertProgress.update(lane.diskId, bytes);
              report();
            };
            if (lane.flat) {
              ctx.log('debug', `${lane.label}: flat extents, converted window by window from the staging folder`);
              await convertFlatWhileDownloading({ tools, pieces: lane.flat, virtualSize: lane.virtualSize, format: options.format, output: lane.partial, signal, onProgress: onBytes });
            } else {
              ctx.log('debug', `${lane.label}: read by qemu-img through the loopback server`);
              await tools.run('qemu-img', ['convert', '-p', '-m', String(CONVERT_READS), ...(options.compress ? ['-c'] : []), '-O', options.format, `json:${JSON.stringify(lane.spec)}`, lane.partial], {
                signal,
                failureCode: 'CONVERT_FAILED',
                failureHint: 'The disk could not be converted; the reason is in the qemu-img output below. Nothing was written at the destination.',
                onStdoutLine: (line) => {
                  const fraction = parseProgressLine(line);
                  if (fraction !== null) onBytes(fraction * lane.virtualSize);
                },
              });
            }
          } catch (error) {
            // A failed download makes qemu-img fail too; the download's error is the one that explains.
            const cause = lane.files.find((f) => f.failure)?.failure;
            inner.abort();
            throw cause ? new EngineFailure(cause) : error;
          }
          convertProgress.finish(lane.diskId);
          report();
          results.push({ diskId: lane.diskId, source: lane.label, partial: lane.partial, final: lane.final, format: options.format, virtualSize: lane.virtualSize, durationMs: Date.now() - begun });
        });
        return results.sort((a, b) => a.diskId.localeCompare(b.diskId, undefined, { numeric: true }));
      }), null);

      const settled = await Promise.allSettled([transfer, convert]);
      const problem = firstRealError(settled, job.signal);
      if (problem) throw problem;
      const converted = (settled[1] as PromiseFulfilledResult<ConvertedPartial[]>).value;

      // ---- the shared tail; the downloads go as soon as the outputs are final
      const tail = await runTail(job, {
        converted,
        vm: toVmMetadata(details),
        options,
        ops: directDiskOps(tools),
        tools,
        version: deps.version,
        afterFinalize: async () => {
          if (options.keepDownloads) {
            job.log('info', `The downloaded VMware files are kept in ${staging.dir}.`);
          } else {
            await rm(staging.dir, { recursive: true, force: true }).catch((error: unknown) => job.log('warn', `Could not remove the downloads in ${staging.dir}: ${toEngineError(error).message}`));
          }
        },
      });

      const disks: DiskTransfer[] = lanes.map((lane) => ({
        diskId: lane.diskId,
        label: lane.label,
        files: lane.files.map((f) => ({ name: f.dsPath, bytes: f.size, resumedFrom: lane.results.find((r) => r.name === f.dsPath)?.resumedFrom ?? (f.complete ? f.size : 0) })),
        bytes: lane.files.reduce((s, f) => s + f.size, 0),
        resumedBytes: lane.resumedBytes + lane.results.reduce((s, r) => s + r.resumedFrom, 0),
        aheadBytes: lane.aheadBytes,
        durationMs: Math.max(0, lane.endedAt - lane.startedAt),
      }));
      const transferBytes = disks.reduce((s, d) => s + d.bytes, 0);
      const transferMs = Math.max(...lanes.map((l) => l.endedAt)) - transferStarted;
      return {
        jobId: job.id,
        source: { server: connection.endpoint.display, vmId: details.id, vmName: details.name, ...(details.instanceUuid ? { instanceUuid: details.instanceUuid } : {}) },
        vm: toVmMetadata(details),
        ...tail,
        transfer: {
          disks,
          bytes: transferBytes,
          resumedBytes: disks.reduce((s, d) => s + d.resumedBytes, 0),
          aheadBytes: disks.reduce((s, d) => s + d.aheadBytes, 0),
          durationMs: Math.max(0, transferMs),
          bytesPerSecond: transferMs > 0 ? (transferBytes * 1000) / transferMs : 0,
        },
        preflight: notes satisfies PreflightItem[],
        stagingDir: options.keepDownloads ? staging.dir : null,
        durationMs: Date.now() - started,
        recordPath: join(job.dir, 'job.json'),
      };
    },
  };
}

function stage<I, O>(id: (typeof MIGRATE_STAGES)[number]['id'], run: (input: I, ctx: StageContext) => Promise<O>): Stage<I, O> {
  return { id, label: MIGRATE_STAGES.find((s) => s.id === id)!.label, run };
}

/**
 * Every link of a disk chain, top first: each file's head says what it is and names its extents
 * and its parent; vCenter's own list of parents wins where it has one.
 */
async function planChain(access: FileAccess, vm: VmDetails, top: string, parents: readonly string[], signal: AbortSignal): Promise<ChainLinkPlan[]> {
  const links: ChainLinkPlan[] = [];
  let next: string | null = top;
  while (next !== null) {
    if (links.some((l) => l.descriptor === next)) fail('VCENTER_DISK_UNSUPPORTED', `The snapshot chain of ${top} loops back to ${next}.`, 'Consolidate the snapshots in vSphere first.');
    if (links.length >= MAX_CHAIN_LINKS) fail('VCENTER_DISK_UNSUPPORTED', `The snapshot chain of ${top} is longer than ${MAX_CHAIN_LINKS} links.`, 'Consolidate the snapshots in vSphere first.');
    const location = locationOf(next, vm.datacenterPath!);
    const { bytes, total } = await readHead(access, location, HEAD_BYTES, { signal });
    const link = planLink(next, bytes, total);
    links.push(link);
    next = parents[links.length - 1] ?? link.parentHint;
  }
  return links;
}

/** Bytes the sequential download still has to fetch before it reaches `offset` of `file`. */
function bytesAhead(lanes: readonly Lane[], file: StagedFile, offset: number): number {
  if (file.available >= offset) return 0;
  const lane = lanes.find((l) => l.files.includes(file));
  if (!lane || lane.startedAt === 0) return Infinity;
  const index = lane.files.indexOf(file);
  if (index < lane.cursor) return Infinity; // passed over: it failed or was skipped
  let ahead = offset - file.available;
  for (let i = lane.cursor; i < index; i++) ahead += lane.files[i]!.size - lane.files[i]!.available;
  return ahead;
}

/** After a failed or cancelled job: keep what was downloaded for the next attempt, and say where. */
async function keepForResume(job: JobHandle, dir: string): Promise<void> {
  const bytes = await stagedBytes(dir);
  if (bytes === 0) {
    await rm(dir, { recursive: true, force: true });
    return;
  }
  job.log('info', `Kept ${formatBytes(bytes)} already downloaded in ${dir}: migrate this VM into the same folder again to resume, or discard them (migrate.discardDownloads).`);
}
