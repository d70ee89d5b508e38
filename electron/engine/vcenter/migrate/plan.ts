import { writeFile } from 'node:fs/promises';
import type { ResolvedMigrateOptions } from '../../../../shared/contract/api/vcenter';
import type { VmDetails } from '../../../../shared/contract/models/vsphere';
import { formatBytes } from '../../../../shared/format';
import { fail } from '../../core/errors';
import type { Stage } from '../../core/stage';
import type { ToolRunner } from '../../core/tool-runner';
import { parseQemuImgInfo } from '../../formats/qemu-img';
import { partialPath } from '../../stages/convert';
import type { FileAccess } from '../../vsphere/datastore-download';
import { chainFiles, HEAD_BYTES, locationOf, localNameFor, MAX_CHAIN_LINKS, planLink, qemuSourceSpec, servedChain } from '../chain-plan';
import type { ChainLinkPlan } from '../chain-plan';
import '../error-codes';
import { flatPieces } from '../flat-convert';
import type { LoopbackServer } from '../loopback-server';
import { outputPathsFor } from '../preflight-facts';
import { readHead } from '../remote-read';
import { StagedFile } from '../staged-file';
import type { Staging } from '../staging';
import { newLane } from './lane';
import type { Lane } from './lane';

/**
 * Stage 2 of a vCenter migration: one lane per disk. Each disk's chain is read from the files'
 * own heads (chain-plan.ts decides what each head says), each file is sized by the server and
 * matched against the staging folder (complete from an earlier job, partly there, or new), the
 * chain is served through the loopback server, and qemu-img opens its top once for the size.
 */

export const PLAN = { id: 'plan', label: 'Read the disk chains' } as const;

export interface PlanDeps {
  access: FileAccess;
  tools: ToolRunner;
  /** Serves every file of the chain to qemu-img (it is running already). */
  server: Pick<LoopbackServer, 'add'>;
  staging: Staging;
}

export interface PlanInput {
  details: VmDetails;
  options: Pick<ResolvedMigrateOptions, 'outDir' | 'format' | 'overwrite' | 'libvirt' | 'name' | 'compress'>;
}

/** An object, not a list: a batch's stage hooks read a list output as the stage's files. */
export interface MigratePlan {
  lanes: Lane[];
}

export function planStage(deps: PlanDeps): Stage<PlanInput, MigratePlan> {
  const { access, tools, server, staging } = deps;
  return {
    ...PLAN,
    async run({ details, options }, ctx) {
      const signal = ctx.signal;
      const outputs = outputPathsFor(details, options);
      const lanes: Lane[] = [];
      for (const [i, disk] of details.disks.entries()) {
        const diskId = `disk${i + 1}`;
        const label = disk.label || diskId;
        const links = await planChain(access, details, disk.fileName, disk.parents, signal);
        const staged: StagedFile[] = [];
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
          staged.push(file);
        }
        const files = downloadOrder(staged);
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
        const mismatch = sizeMismatch(label, disk.capacityBytes, virtualSize);
        if (mismatch) ctx.log('warn', mismatch);
        const final = outputs[i]!;
        const resumedBytes = files.reduce((sum, f) => sum + f.available, 0);
        // Compressed clusters cannot be written through a window: compressing reads over loopback.
        const flat = options.compress ? undefined : flatPieces(links, files, virtualSize);
        lanes.push(newLane({ diskId, label, links, files, spec, flat, virtualSize, final, partial: partialPath(final, ctx.jobId), resumedBytes }));
        ctx.log('info', describeLane({ label, links, fileSizes: files.map((f) => f.size), resumedBytes, virtualSize }));
      }
      return { lanes };
    },
  };
}

/**
 * Small files first (descriptors, snapshot deltas), then the big extents in chain order: the
 * converter needs every small file before it reads any data, and the extents in order after.
 */
export function downloadOrder<T extends { size: number }>(files: readonly T[]): T[] {
  return [...files].sort((a, b) => Number(a.size > HEAD_BYTES) - Number(b.size > HEAD_BYTES));
}

/** vCenter's capacity and the files' virtual size disagree (vcsim says 1 MiB): the files win, and the log says so. */
export function sizeMismatch(label: string, capacityBytes: number, virtualSize: number): string | null {
  if (capacityBytes > 0 && virtualSize !== capacityBytes) return `${label}: vCenter says ${formatBytes(capacityBytes)}, the disk's files say ${formatBytes(virtualSize)}; the files win.`;
  return null;
}

/** The plan's line for one disk: its chain, what is to fetch, what is here from an earlier job. */
export function describeLane(lane: { label: string; links: ReadonlyArray<Pick<ChainLinkPlan, 'createType'>>; fileSizes: readonly number[]; resumedBytes: number; virtualSize: number }): string {
  const { label, links, fileSizes, resumedBytes, virtualSize } = lane;
  const chain = links.length > 1 ? `snapshot chain of ${links.length}, ` : '';
  const here = resumedBytes > 0 ? ` (${formatBytes(resumedBytes)} already here)` : '';
  return `${label}: ${chain}${links[0]!.createType}, ${fileSizes.length} file(s), ${formatBytes(fileSizes.reduce((s, n) => s + n, 0))} to fetch${here}, ${formatBytes(virtualSize)} virtual`;
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
