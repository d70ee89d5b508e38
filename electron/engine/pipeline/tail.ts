import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineError } from '../../../shared/contract/errors';
import type { ConvertedDisk } from '../../../shared/contract/models/convert';
import type { InspectionReport } from '../../../shared/contract/models/inspection';
import type { DefineResult, GuestFacts } from '../../../shared/contract/models/libvirt';
import type { BootVerification } from '../../../shared/contract/models/boot';
import type { TailDefineOptions, TailVerifyBootOptions } from '../../../shared/contract/models/pipeline';
import { RepairDecision, RepairOptions } from '../../../shared/contract/models/repair';
import type { RepairRecord } from '../../../shared/contract/models/repair';
import type { VmMetadata } from '../../../shared/contract/models/vm';
import { guestFactsFromReport } from '../../../shared/guest-facts';
import { toEngineError } from '../core/errors';
import type { JobHandle } from '../core/jobs';
import type { ToolRunner } from '../core/tool-runner';
import type { DiskOps } from '../privilege/disk-ops';
import { checkStage } from '../stages/check';
import type { CheckedPartial } from '../stages/check';
import type { ConvertedPartial } from '../stages/convert';
import { finalizeStage } from '../stages/finalize';

/**
 * The tail every migration shares once its disks are written, whatever the source:
 *
 *   check → inspect → repair-plan → repair → finalize → define → verify-boot
 *
 * The inspection and the repair work on the outputs while they still have their temporary
 * names, through ONE appliance (the inspection's, in overlay mode when a repair follows), so a
 * failed or half-done repair never becomes a final output: the overlay is committed into the
 * disks only when every chosen fix worked. define and verify-boot run on the final outputs.
 * Everything after `check` is optional; each stage's own code is loaded only when asked for.
 */

export interface TailOptions {
  overwrite: boolean;
  inspect: boolean;
  repair?: RepairOptions | undefined;
  define?: TailDefineOptions | undefined;
  verifyBoot?: TailVerifyBootOptions | undefined;
}

export interface TailInput {
  converted: ConvertedPartial[];
  /** The VM around the disks (for the repair's NIC facts and the domain). */
  vm: VmMetadata;
  options: TailOptions;
  /** How outputs are checked and renamed (directly, or through the privileged helper). */
  ops: DiskOps;
  tools: ToolRunner;
  version: string;
  /** Runs once the outputs have their final names (a vCenter migration removes its downloads). */
  afterFinalize?: () => Promise<void>;
}

export interface TailOutput {
  outputs: ConvertedDisk[];
  inspection?: InspectionReport;
  inspectionError?: EngineError;
  repair?: RepairRecord;
  domain?: DefineResult;
  bootVerification?: BootVerification;
}

/** The stage list a job announces, for the options it was given (the wizard's step list). */
export function tailStages(options: Pick<TailOptions, 'inspect' | 'repair' | 'define' | 'verifyBoot'>): Array<{ id: string; label: string }> {
  const inspect = options.inspect || options.repair !== undefined;
  return [
    { id: 'check', label: 'Check outputs' },
    ...(inspect ? [{ id: 'inspect', label: 'Inspect the guest' }] : []),
    ...(options.repair ? [{ id: 'repair-plan', label: 'Plan the repair' }, { id: 'repair', label: 'Repair the guest' }] : []),
    { id: 'finalize', label: 'Finalize' },
    ...(options.define ? [{ id: 'define', label: 'Define the libvirt domain' }] : []),
    ...(options.verifyBoot ? [{ id: 'verify-boot', label: 'Boot the guest and prove it' }] : []),
  ];
}

/** What the inspection (and a repair) says about the guest that shapes its domain; without an inspection, nothing was checked. */
export function guestFactsFrom(report: InspectionReport | undefined, repair?: RepairRecord): GuestFacts {
  if (!report) return { os: 'unknown' };
  const facts = guestFactsFromReport(report);
  if (facts.os !== 'windows') return facts;
  // A repair that installed the virtio drivers says whether the set had netkvm for this guest (staged for Plug and Play).
  const installed = repair?.fixes.find((f) => f.id === 'install-virtio-drivers' && f.applied);
  return installed ? { ...facts, virtioNet: installed.changes.some((c) => /\/netkvm\.inf$/i.test(c.path)) } : facts;
}

export async function runTail(job: JobHandle, input: TailInput): Promise<TailOutput> {
  const { options, ops } = input;
  const checked = await job.runStage(checkStage(ops), input.converted);
  const out: Omit<TailOutput, 'outputs'> = {};

  const wantsInspection = options.inspect || options.repair !== undefined;
  if (wantsInspection && ops.privileged) {
    // The helper's outputs belong to root: the appliance, run as this user, cannot open them.
    job.log('warn', 'The outputs are in a folder only an administrator can write, so they are not inspected or repaired here. Run hyper2kvm as root for that, or choose a folder you can write.');
  } else if (wantsInspection) {
    Object.assign(out, await inspectAndRepair(job, checked, input));
  }

  const outputs = await job.runStage(finalizeStage(ops, options.overwrite), checked);
  if (out.inspection) out.inspection = await nameFinalDisks(job.dir, out.inspection, checked, outputs);
  await input.afterFinalize?.();

  if (options.define) {
    const { defineStage } = await import('../libvirt/define-stage');
    const define = options.define;
    const result = await job.runStage(defineStage, {
      plan: {
        vm: input.vm,
        disks: outputs.map((o) => ({ path: o.path, format: o.format })),
        guest: guestFactsFrom(out.inspection, out.repair),
        ...(define.options ? { options: define.options } : {}),
      },
      onCollision: define.onCollision ?? 'refuse',
      ...(define.placement ? { placement: define.placement } : {}),
    });
    const { plan: _plan, ...domain } = result;
    out.domain = domain;
    if (domain.disks.some((d) => d.placement === 'move')) job.log('info', `The disks were moved for the domain: ${domain.disks.map((d) => `${d.from} → ${d.path}`).join(', ')}.`);
  }

  if (options.verifyBoot) {
    const { verifyBootIn } = await import('../boot/job');
    const { storeVerification, attachToInspectionReport } = await import('../boot/evidence');
    const boot = out.domain?.disks[0] ? { path: out.domain.disks[0].path } : { path: outputs[0]!.path };
    const firmware = input.vm.firmware === 'uefi' || out.inspection?.boot.firmware === 'uefi' ? 'uefi' : 'bios';
    const verification = await verifyBootIn(
      job,
      {
        disk: boot.path,
        format: outputs[0]!.format,
        firmware,
        secureBoot: input.vm.secureBoot ?? false,
        ...(options.verifyBoot.timeoutSeconds ? { timeoutSeconds: options.verifyBoot.timeoutSeconds } : {}),
        memoryMiB: 1024,
        vcpus: 1,
        diskBus: guestFactsFrom(out.inspection).virtioDrivers === false ? 'sata' : 'virtio',
        connection: out.domain?.connection ?? 'qemu:///session',
        accelerator: 'auto',
        screenshotIntervalSeconds: 5,
        ocr: true,
      },
      { tools: input.tools },
      out.inspection ? { report: out.inspection, jobId: job.id } : null,
    );
    await storeVerification(job.dir, verification);
    if (out.inspection) {
      out.inspection = { ...out.inspection, bootVerification: verification };
      await attachToInspectionReport(`${job.dir}/inspection.json`, verification);
    }
    out.bootVerification = verification;
  }
  return { outputs, ...out };
}

/**
 * The guest was inspected on the partial outputs, before they took their names: the stored
 * report names the disks as the user will find them.
 */
async function nameFinalDisks(jobDir: string, report: InspectionReport, checked: readonly CheckedPartial[], outputs: readonly ConvertedDisk[]): Promise<InspectionReport> {
  const finalPath = new Map(checked.map((c) => [c.partial, outputs.find((o) => o.diskId === c.diskId)?.path ?? c.partial]));
  const named = { ...report, disks: report.disks.map((d) => ({ ...d, path: finalPath.get(d.path) ?? d.path })) };
  await writeFile(join(jobDir, 'inspection.json'), `${JSON.stringify(named, null, 2)}\n`);
  return named;
}

async function inspectAndRepair(job: JobHandle, checked: CheckedPartial[], input: TailInput): Promise<Omit<TailOutput, 'outputs'>> {
  const { inspectStage } = await import('../inspect/stage');
  const repairOptions = input.options.repair ? RepairOptions.parse(input.options.repair) : null;
  const disks = checked.map((c) => ({ id: c.diskId, path: c.partial, format: c.format }));
  let inspected;
  try {
    inspected = await job.runStage(inspectStage, { disks, producerVersion: input.version, access: repairOptions ? 'overlay' : 'read-only', keepSession: repairOptions !== null });
  } catch (error) {
    // The outputs are converted and checked: a failed inspection is reported beside them.
    const value = toEngineError(error);
    if (value.code === 'CANCELLED' || job.signal.aborted) throw error;
    job.log('warn', `The inspection failed; the converted disks are fine${repairOptions ? ', but they were not repaired' : ''}. ${value.message}`);
    return { inspectionError: value };
  }
  if (!repairOptions || !inspected.session) return { inspection: inspected.report };

  const session = inspected.session;
  // However the job ends, the appliance stops and an uncommitted overlay goes.
  job.cleanup.always('drop the repair overlay', async () => {
    await session.kill();
    await session.discardOverlays();
  });
  const { repairPlanStage, repairApplyStage, applyAllDecision, storeRepair } = await import('../repair/stage');
  const planned = await job.runStage(repairPlanStage, { session, report: inspected.report, capture: inspected.capture, probes: inspected.probes, vm: input.vm, options: repairOptions, producerVersion: input.version });
  let decision: RepairDecision = applyAllDecision(planned);
  const decidable = planned.plan.blockers.length === 0 && planned.plan.fixes.some((f) => f.status === 'planned' || (f.optional && f.changes.length + f.commands.length > 0));
  job.observe({ kind: 'repair-plan', plan: planned.plan, awaitingDecision: repairOptions.review && decidable });
  if (repairOptions.review && decidable) {
    job.log('info', 'Waiting for the repair to be reviewed: choose the fixes to apply, or skip the repair.');
    decision = RepairDecision.parse(await job.waitForAnswer('repair'));
  }
  const outcome = await job.runStage(repairApplyStage, { planned, decision });
  await storeRepair(job.dir, outcome);
  if (outcome.report) {
    // The overlay went into the outputs: their size on disk grew by what the repair wrote.
    for (const c of checked) c.actualSize = (await stat(c.partial)).blocks * 512;
  }
  return { inspection: outcome.report ?? inspected.report, repair: outcome.record };
}
