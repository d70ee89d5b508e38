import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InspectionReport } from '../../../shared/contract/models/inspection';
import { fail } from '../core/errors';
import type { Stage, StageContext } from '../core/stage';
import { parseQemuImgInfo } from '../formats/qemu-img';
import { INSPECT_DISK_UNREADABLE, INSPECT_NO_DISKS } from './error-codes';
import { GuestfishSession } from '../appliance/guestfish-session';
import type { DiskAccess } from '../appliance/guestfish-session';
import { INSPECT_STEPS, inspectGuest } from './inspector';
import type { GuestCapture } from './inspector';
import { launchTimesFile, readEstimate, recordLaunch } from './launch-times';
import { InspectionProgress } from './progress';
import type { DiskProbe } from './storage';

/**
 * The inspection stage: probes the disks, opens one appliance for all of them (or reuses the
 * job's), inspects, and stores the report with the job as inspection.json. The session can be
 * handed on to the repair stage (keepSession); the job's cleanup closes it in any case.
 */

export interface InspectDisk {
  path: string;
  /** Known format (from the source plan or the conversion); probed with qemu-img when absent. */
  format?: string;
  /** Stable id ("disk1"); defaults to the position. */
  id?: string;
}

export interface InspectStageInput {
  disks: readonly InspectDisk[];
  /** read-only (default) for sources; overlay when a repair stage will write afterwards. */
  access?: DiskAccess;
  /** An appliance an earlier stage opened on the same disks, to reuse instead of launching one. */
  session?: GuestfishSession;
  /** Leave the appliance running for the next stage (closed by the job's cleanup at the end). */
  keepSession?: boolean;
  /** Product version recorded in the report. */
  producerVersion?: string;
}

export interface InspectStageOutput {
  report: InspectionReport;
  reportPath: string;
  /** The open appliance when keepSession was asked for, else null. */
  session: GuestfishSession | null;
  /** What qemu-img said of each disk (an inspection again on the same session reuses it). */
  probes: DiskProbe[];
  /** What the inspection read, for a repair planned from the same reads. */
  capture: GuestCapture | null;
}

/** Formats libguestfs reads that a migration source or output can be. */
const FORMATS = new Set(['raw', 'qcow2', 'vmdk', 'vdi', 'vhdx', 'vpc']);

export async function probeDisks(disks: readonly InspectDisk[], ctx: Pick<StageContext, 'tools' | 'signal'>): Promise<DiskProbe[]> {
  if (disks.length === 0) fail(INSPECT_NO_DISKS, 'No disk to inspect was given.', 'Name at least one disk image.');
  return Promise.all(
    disks.map(async (disk, i): Promise<DiskProbe> => {
      const args = ['info', '--output=json', ...(disk.format ? ['-f', disk.format] : []), disk.path];
      const { stdout: json } = await ctx.tools.run('qemu-img', args, {
        signal: ctx.signal,
        failureCode: INSPECT_DISK_UNREADABLE,
        failureHint: 'Check the path, and that the file is a disk image.',
      });
      const [info] = parseQemuImgInfo(json);
      const format = disk.format ?? info!.format;
      if (!FORMATS.has(format)) fail(INSPECT_DISK_UNREADABLE, `${disk.path} is a ${format} image, which cannot be inspected.`, 'Convert it to qcow2 or raw first.', { path: disk.path });
      return {
        id: disk.id ?? `disk${i + 1}`,
        path: disk.path,
        format,
        virtualSize: info!.virtualSize,
        allocatedSize: info!.actualSize || null,
      };
    }),
  );
}

async function runInspection(input: InspectStageInput, ctx: StageContext): Promise<InspectStageOutput> {
  let session = input.session?.alive && input.session.drives.length === input.disks.length ? input.session : null;
  let opened = false;
  // How long the appliance took here before: the estimate the bar and the log go by.
  const measurements = launchTimesFile(dirname(ctx.jobDir));
  const estimate = await readEstimate(measurements);
  const progress = new InspectionProgress(estimate, INSPECT_STEPS.length, (snapshot) => ctx.progressSnapshot(snapshot));
  ctx.cleanup.always('stop the inspection progress timer', () => progress.stop());
  let launchMs: number | null = null;
  const open = (disks: ReadonlyArray<{ path: string; format: string }>): Promise<GuestfishSession> => {
    ctx.log('info', `Launching the inspection appliance (about ${estimate.launchSeconds} s, ${estimate.measured > 0 ? `the median of the last ${estimate.measured} launches on this machine` : 'typical without KVM'}).`);
    progress.launching();
    const opening = GuestfishSession.open({ disks, access: input.access ?? 'read-only', tools: ctx.tools, signal: ctx.signal, workDir: join(ctx.jobDir, 'inspect'), log: ctx.log });
    void opening.then((live) => ctx.cleanup.always('close the inspection appliance', () => live.close())).catch(() => undefined);
    void opening.then(() => {
      launchMs = progress.launched();
    }).catch(() => progress.stop());
    opened = true;
    return opening;
  };
  // With every format known, the appliance boots while qemu-img measures the disks.
  const early = !session && input.disks.every((d) => d.format) ? open(input.disks.map((d) => ({ path: d.path, format: d.format! }))) : null;
  early?.catch(() => undefined);
  let probes: DiskProbe[];
  try {
    probes = await probeDisks(input.disks, ctx);
  } catch (error) {
    await (await early?.catch(() => null))?.kill();
    throw error;
  }
  session ??= await (early ?? open(probes.map((p) => ({ path: p.path, format: p.format }))));
  if (launchMs === null) launchMs = opened ? progress.launched() : null;
  let capture: GuestCapture | null = null;
  const report = await inspectGuest({
    capture: (c) => {
      capture = c;
    },
    session,
    probes,
    tools: ctx.tools,
    signal: ctx.signal,
    log: ctx.log,
    producerVersion: input.producerVersion ?? '0.0.0',
    step: (label) => progress.step(label),
  });
  // Checked against the schema before it is stored: a report we cannot read back is a bug here.
  const checked = InspectionReport.parse(report);
  const reportPath = join(ctx.jobDir, 'inspection.json');
  await writeFile(reportPath, `${JSON.stringify(checked, null, 2)}\n`);
  await session.removeScratch();
  const inspectMs = progress.finished('Report written');
  if (opened && launchMs !== null && launchMs > 0) {
    await recordLaunch(measurements, { at: new Date().toISOString(), launchMs, inspectMs }).catch((error: unknown) => ctx.log('debug', `The appliance's launch time was not recorded: ${(error as Error).message}`));
  }
  ctx.log('info', `Inspection: ${checked.os.type === 'unknown' ? 'no operating system found' : (checked.os.productName ?? checked.os.type)}; ${checked.summary.blockers} blocker(s), ${checked.summary.warnings} warning(s).`);
  if (!input.keepSession && opened) {
    await session.close();
    return { report: checked, reportPath, session: null, probes, capture };
  }
  return { report: checked, reportPath, session: input.keepSession ? session : null, probes, capture };
}

export const inspectStage: Stage<InspectStageInput, InspectStageOutput> = {
  id: 'inspect',
  label: 'Inspect the guest',
  run: runInspection,
};
