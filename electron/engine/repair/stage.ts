import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InspectionReport, summarizeFindings } from '../../../shared/contract/models/inspection';
import type { LinuxFacts, WindowsFacts } from '../../../shared/contract/models/inspection';
import type { RepairDecision, RepairPlan, RepairRecord, ResolvedRepairOptions } from '../../../shared/contract/models/repair';
import type { VmMetadata } from '../../../shared/contract/models/vm';
import type { GuestfishSession } from '../appliance/guestfish-session';
import { toEngineError } from '../core/errors';
import type { Stage, StageContext } from '../core/stage';
import type { GuestCapture } from '../inspect/inspector';
import { inspectGuest } from '../inspect/inspector';
import type { DiskProbe } from '../inspect/storage';
import { applyFixes } from './apply';
import type { FixDraft } from './draft';
import { REPAIR_BLOCKED, REPAIR_UNSUPPORTED_GUEST } from './error-codes';
import type { LinuxGuest } from './linux/guest-view';
import { guestText } from './linux/guest-view';
import { planLinuxRepair } from './linux/plan';
import { probeLinux } from './linux/probe';
import { decide } from './select';
import type { WindowsGuest } from './windows/guest-view';
import { bitlockerBlocker, planWindowsRepair } from './windows/plan';
import { probeWindows } from './windows/probe';

/**
 * The two repair stages of a job, on the appliance the inspection opened (never a second
 * launch): `repair-plan` reads the few facts the inspection did not and plans every fix;
 * `repair` applies the fixes the user kept, re-inspects the result in the same appliance, and
 * commits the appliance's overlay into the disks — or, if anything failed, drops it, leaving the
 * disks exactly as they were.
 */

export interface RepairTarget {
  /** An overlay session over the disks (opened by the inspection). */
  session: GuestfishSession;
  report: InspectionReport;
  capture: GuestCapture | null;
  probes: readonly DiskProbe[];
  vm: VmMetadata | null;
  options: ResolvedRepairOptions;
  producerVersion: string;
}

export interface PlannedRepair {
  target: RepairTarget;
  plan: RepairPlan;
  drafts: FixDraft[];
  /** The guest's files as the inspection read them (for the record's diffs). */
  read: (path: string) => string | null;
  /**
   * Plans again on the guest as re-inspected after applying, in the same appliance: what it
   * still plans is what the repair left undone (a complete repair leaves nothing).
   */
  replan: ((report: InspectionReport, capture: GuestCapture | null) => Promise<RepairPlan | null>) | null;
}

export interface RepairOutcome {
  record: RepairRecord;
  /** The inspection after the repair (null when nothing was written). */
  report: InspectionReport | null;
}

function refused(target: RepairTarget, blocker: RepairPlan['blockers'][number]): PlannedRepair {
  return { target, plan: { osRoot: target.report.os.root, osType: target.report.os.type, fixes: [], blockers: [blocker], notes: [] }, drafts: [], read: () => null, replan: null };
}

function unsupported(target: RepairTarget, message: string, hint: string): PlannedRepair {
  return refused(target, { code: REPAIR_UNSUPPORTED_GUEST, message, hint });
}

async function planRepair(target: RepairTarget, ctx: StageContext): Promise<PlannedRepair> {
  const { report } = target;
  const started = Date.now();
  if (report.os.type === 'unknown') {
    const bitlocker = bitlockerBlocker(report);
    if (bitlocker) return refused(target, bitlocker);
    return unsupported(target, 'No operating system was found on the disks, so there is nothing to repair.', 'If this is a data disk, repair it together with the VM’s system disk.');
  }
  const windows = report.os.type === 'windows' && report.windows !== null;
  if (report.os.type === 'windows' && !windows) return unsupported(target, 'The Windows registry could not be read, so nothing can be planned (see the inspection’s notes).', 'Check that the system volume mounts (chkdsk it in the VM on VMware), then repair again.');
  if (!windows && (report.os.type !== 'linux' || !report.linux || !target.capture?.linux)) {
    return unsupported(target, `This ${report.os.type} guest is not one this product repairs (Linux and Windows only)${report.os.type !== 'linux' || report.linux ? '' : '; its files could not be read'}.`, 'Repair it by hand; the inspection report lists what to change.');
  }
  ctx.progressSnapshot({ unit: 'steps', fraction: 0, bytesDone: 0, bytesTotal: 1, bytesPerSecond: null, etaSeconds: null, item: windows ? 'Reading the registry and the driver set' : 'Reading what the plan needs' });
  let planned: PlannedRepair;
  if (windows) {
    const first = await planWindows(target, report, ctx, 'windows');
    planned = {
      target,
      plan: first.plan,
      drafts: first.drafts,
      read: (path) => first.guest.files.get(path)?.text ?? null,
      replan: async (after) => (after.windows ? (await planWindows(target, after, ctx, 'windows-after', first.guest.drivers)).plan : null),
    };
    for (const w of first.plan.warnings ?? []) ctx.log('warn', `${w.message} ${w.hint}`);
  } else {
    const { guest, plan, drafts } = await planLinux(target, report, target.capture!);
    planned = { target, plan, drafts, read: (path) => guestText(guest, path), replan: async (after, capture) => (after.linux && capture ? (await planLinux(target, after, capture)).plan : null) };
  }
  const { plan } = planned;
  for (const fix of plan.fixes) ctx.log(fix.status === 'blocked' ? 'warn' : 'info', `${fix.id}: ${fix.status} — ${fix.reason}`);
  for (const b of plan.blockers) ctx.log('error', `${b.message} ${b.hint}`);
  ctx.log('info', `Repair planned in ${((Date.now() - started) / 1000).toFixed(1)} s: ${plan.fixes.filter((f) => f.status === 'planned').length} fix(es) to apply.`);
  ctx.progressSnapshot({ unit: 'steps', fraction: 1, bytesDone: 1, bytesTotal: 1, bytesPerSecond: null, etaSeconds: null, item: 'Plan ready' });
  return planned;
}

/** The Windows guest as the planner sees it (hives downloaded into the job folder, the driver set read), and its plan. */
async function planWindows(target: RepairTarget, report: InspectionReport, ctx: StageContext, folder: string, drivers?: WindowsGuest['drivers']): Promise<{ guest: WindowsGuest; plan: RepairPlan; drafts: FixDraft[] }> {
  const guest = await probeWindows({
    session: target.session,
    report: report as InspectionReport & { windows: WindowsFacts },
    tools: ctx.tools,
    signal: ctx.signal,
    workDir: join(ctx.jobDir, 'repair', folder),
    vm: target.vm,
    options: target.options,
    ...(drivers !== undefined ? { drivers } : {}),
  });
  return { guest, ...planWindowsRepair(guest) };
}

/** The Linux guest as the planner sees it (one more round trip in the appliance), and its plan. */
async function planLinux(target: Pick<RepairTarget, 'session' | 'vm' | 'options'>, report: InspectionReport, capture: GuestCapture): Promise<{ guest: LinuxGuest; plan: RepairPlan; drafts: FixDraft[] }> {
  const probe = await probeLinux(target.session, report);
  const guest: LinuxGuest = {
    report: report as InspectionReport & { linux: LinuxFacts },
    tree: capture.linux!.tree,
    kernels: capture.linux!.kernels,
    world: { drives: capture.drives, filesystems: report.filesystems, mountpoints: report.mountpoints },
    diskHeads: capture.diskHeads,
    probe,
    vm: target.vm,
    options: target.options,
  };
  return { guest, ...planLinuxRepair(guest) };
}

export const repairPlanStage: Stage<RepairTarget, PlannedRepair> = { id: 'repair-plan', label: 'Plan the repair', run: planRepair };

/** Everything a plan offers, as the decision the CLI takes without asking (optional ones only when asked for). */
export function applyAllDecision(planned: Pick<PlannedRepair, 'plan'>): RepairDecision {
  return { action: 'apply', fixes: planned.plan.fixes.filter((f) => f.status === 'planned').map((f) => f.id) };
}

const REINSPECT_SECONDS = 15;

async function applyRepair({ planned, decision }: { planned: PlannedRepair; decision: RepairDecision }, ctx: StageContext): Promise<RepairOutcome> {
  const started = Date.now();
  const { target } = planned;
  const drafts = planned.plan.blockers.length ? planned.drafts : decide(planned.drafts, decision);
  const chosen = drafts.filter((d) => d.status === 'planned');
  const record = (fixes: RepairRecord['fixes'], applied: boolean, error: RepairRecord['error']): RepairRecord => ({ plan: planned.plan, fixes, applied, error, durationMs: Date.now() - started });
  const untouched = drafts.map((d) => ({ ...planned.plan.fixes.find((f) => f.id === d.id)!, status: d.status, reason: d.reason, applied: false, commandOutcomes: [] }));

  if (planned.plan.blockers.length) {
    const first = planned.plan.blockers[0]!;
    ctx.log('error', `Nothing was written: ${first.message}`);
    return { record: record(untouched, false, { code: REPAIR_BLOCKED, kind: 'failure', message: `The guest was not repaired: ${first.message}`, hint: first.hint }), report: null };
  }
  if (chosen.length === 0) {
    ctx.log('info', decision.action === 'skip' ? 'The repair was skipped: nothing was written.' : 'Nothing to repair: nothing was written.');
    return { record: record(untouched, false, null), report: null };
  }

  // The steps applyFixes announces (mounting, writing the files, each distinct command once),
  // the check afterwards and writing the blocks back: the bar counts them as steps, and moves by
  // what each is expected to take (a dracut run outweighs mounting).
  const commands = new Map<string, number>();
  for (const d of chosen) for (const c of d.commands) if (!commands.has(c.argv.join('\0'))) commands.set(c.argv.join('\0'), c.expectSeconds ?? 5);
  const weights = [5, 5, ...commands.values(), REINSPECT_SECONDS];
  const total = weights.reduce((a, b) => a + b, 0);
  const steps = weights.length + 1;
  let begun = 0;
  let seconds = 0;
  let last = 0;
  const step = (label: string, expectSeconds = 5): void => {
    seconds += last;
    last = expectSeconds;
    ctx.progressSnapshot({ unit: 'steps', fraction: Math.min(seconds / total, 0.99), bytesDone: Math.min(begun, steps - 1), bytesTotal: steps, bytesPerSecond: null, etaSeconds: null, item: expectSeconds >= 20 ? `${label} (usually about ${expectSeconds} s)` : label });
    begun++;
  };
  try {
    const fixes = await applyFixes({ session: target.session, mountpoints: target.report.mountpoints, read: planned.read, log: ctx.log, step, tools: ctx.tools, signal: ctx.signal, workDir: join(ctx.jobDir, 'repair') }, drafts);
    step('Checking the findings again', REINSPECT_SECONDS);
    let capture: GuestCapture | null = null;
    const after = InspectionReport.parse(
      await inspectGuest({ session: target.session, probes: target.probes, tools: ctx.tools, signal: ctx.signal, log: ctx.log, producerVersion: target.producerVersion, capture: (c) => (capture = c) }),
    );
    // The same planner on the repaired guest must find nothing left to do (a second repair plans nothing).
    const again = planned.replan ? await planned.replan(after, capture) : null;
    const stillPlanned = again ? again.fixes.filter((f) => f.status === 'planned').map((f) => f.id) : [];
    if (stillPlanned.length) ctx.log('warn', `Planning again on the repaired guest still finds: ${stillPlanned.join(', ')}.`);
    await target.session.close();
    ctx.progressSnapshot({ unit: 'steps', fraction: 0.99, bytesDone: steps - 1, bytesTotal: steps, bytesPerSecond: null, etaSeconds: null, item: 'Writing the repaired blocks into the disks' });
    await target.session.commitOverlays(ctx.tools, ctx.signal);
    const result = record(fixes, true, null);
    const changed = fixes.flatMap((f) => f.changes).length;
    const summary = summarizeFindings(after.findings, { stillPlanned });
    ctx.log('info', `Repaired: ${chosen.length} fix(es), ${changed} file change(s). Now ${summary.readiness}: ${summary.blockers} blocker(s), ${summary.warnings} warning(s) (were ${target.report.summary.blockers} and ${target.report.summary.warnings}).`);
    const recorded: RepairRecord = { ...result, reinspected: { readiness: summary.readiness, blockers: summary.blockers, warnings: summary.warnings, stillPlanned } };
    return { record: recorded, report: { ...after, summary, repair: recorded } };
  } catch (error) {
    const value = toEngineError(error);
    if (value.code === 'CANCELLED' || ctx.signal.aborted) throw error;
    ctx.log('error', `The repair failed; nothing was kept, the disks are as they were: ${value.message}`);
    await target.session.kill();
    await target.session.discardOverlays();
    return { record: record(untouched, false, value), report: null };
  }
}

export const repairApplyStage: Stage<{ planned: PlannedRepair; decision: RepairDecision }, RepairOutcome> = { id: 'repair', label: 'Repair the guest', run: applyRepair };

/** Stores the record with the job (repair.json), and the re-inspection as the job's report (the first one kept beside it). */
export async function storeRepair(jobDir: string, outcome: RepairOutcome): Promise<void> {
  await writeFile(join(jobDir, 'repair.json'), `${JSON.stringify(outcome.record, null, 2)}\n`);
  if (outcome.report) {
    await rename(join(jobDir, 'inspection.json'), join(jobDir, 'inspection-before-repair.json')).catch(() => undefined);
    await writeFile(join(jobDir, 'inspection.json'), `${JSON.stringify(outcome.report, null, 2)}\n`);
  }
}
