import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BootAccelerator, BootMilestone, BootScreenshot, BootVerification, ResolvedVerifyBootRequest, VerifyBootRequest } from '../../../shared/contract/models/boot';
import { VerifyBootRequest as VerifyBootRequestSchema } from '../../../shared/contract/models/boot';
import type { DomainSpecInput } from '../../../shared/contract/models/libvirt';
import { EngineFailure, cancelledError, fail } from '../core/errors';
import type { Stage, StageContext } from '../core/stage';
import { createDomainXml } from '../libvirt/domain-xml-create';
import { requireOvmf } from '../libvirt/firmware';
import { kvmDevicePresent, kvmGuestFailure, noteKvmGuestFailure } from '../core/accel';
import { closedFolderFor, qemuIdentityFor } from '../libvirt/host';
import type { VirshContext } from '../libvirt/virsh';
import { agentPing, createFromFile, destroyDomain, domainState } from '../libvirt/virsh';
import { BootClassifier, MILESTONE_ORDER } from './classify';
import { ConsoleScreen } from './console-screen';
import type { BootOutcome } from './classify';
import { fileFacts, readDiskChain, restoreOwnership, untouched } from './disk';
import type { FileFacts } from './disk';
import { readScreen, takeScreenshot } from './screen';
import { WatchSchedule } from './watch-schedule';

/** Live output for a front end that wants more than log lines (the wizard's console view). */
export interface VerifyBootObserver {
  onSerialText?(text: string, atMs: number): void;
  onMilestone?(milestone: BootMilestone): void;
  onScreenshot?(screenshot: BootScreenshot): void;
}

export interface VerifyBootTuning {
  /** How often the serial log and the classifier are looked at. */
  pollMs: number;
  /** How often the domain's state is checked (it may power off or pause by itself). */
  stateEveryMs: number;
  agentEveryMs: number;
  /** Serial silence after which the screen is read with OCR instead. */
  serialSilenceMs: number;
  /** How long "Reached target multi-user" waits for the login prompt. */
  settleMs: number;
  /** "Booting from Hard Disk..." with nothing after it, on serial and screen, for this long: a hang. */
  stallMs: number;
}

/**
 * Measured on the Debian guest under TCG: reading the screen costs a core for about a second, and
 * GRUB → kernel is ~10 s of serial silence even with a serial console. Reading the screen only
 * after 20 s of silence keeps verification within a few percent of a bare boot; a guest without
 * a serial console takes far longer than that to reach its login prompt anyway.
 */
const DEFAULT_TUNING: VerifyBootTuning = { pollMs: 200, stateEveryMs: 2000, agentEveryMs: 5000, serialSilenceMs: 20_000, settleMs: 15_000, stallMs: 45_000 };

/** Lines of the console the verdict quotes. */
const EXCERPT_LINES = 30;



/**
 * Boots a throwaway copy-on-write overlay of a converted disk as a transient libvirt domain with
 * no network, and watches it: the serial console (to a file), screenshots at intervals (read with
 * OCR while the serial port is silent), guest-agent pings and the domain's state. Returns the
 * verdict with milestones, excerpt and screenshots. The converted disk is only ever a read-only
 * backing file; the domain, the overlay and the NVRAM copy are removed however the stage ends.
 */
export function createVerifyBootStage(observer: VerifyBootObserver = {}, tuning: Partial<VerifyBootTuning> = {}): Stage<VerifyBootRequest, BootVerification> {
  const t = { ...DEFAULT_TUNING, ...tuning };
  return {
    id: 'verify-boot',
    label: 'Boot the guest and prove it',
    run: (input, ctx) => verifyBoot(VerifyBootRequestSchema.parse(input), ctx, observer, t),
  };
}

export const verifyBootStage = createVerifyBootStage();

async function verifyBoot(req: ResolvedVerifyBootRequest, ctx: StageContext, observer: VerifyBootObserver, tuning: VerifyBootTuning): Promise<BootVerification> {
  const started = Date.now();
  const diskPath = resolve(req.disk);
  if (!existsSync(diskPath)) {
    fail('BOOT_DISK_NOT_FOUND', `There is no disk at ${diskPath}.`, 'Check the path of the converted disk.', { path: diskPath });
  }
  const chain = await readDiskChain(ctx.tools, diskPath, req.format, ctx.signal);
  const before = await Promise.all(chain.files.map(fileFacts));

  const kvm = kvmDevicePresent();
  if (req.accelerator === 'kvm' && !kvm) {
    fail('BOOT_KVM_UNAVAILABLE', 'KVM was asked for, but /dev/kvm is missing or not usable here.', 'Leave the accelerator on auto (software emulation is used), or enable virtualization for this machine.');
  }
  const notes: string[] = [];
  // auto: KVM first, TCG if KVM cannot run the guest (nested or limited KVM: an emulation failure,
  // or qemu refusing the CPU model). Once KVM failed, this process goes straight to TCG.
  const kvmFailedHere = kvmGuestFailure() !== null;
  const plan = acceleratorPlan(req.accelerator, kvm, kvmFailedHere);
  if (req.accelerator === 'auto' && kvm && kvmFailedHere) notes.push('KVM is skipped: it could not run a guest earlier in this session; software emulation (TCG) is used.');

  const who = qemuIdentityFor(req.connection);
  for (const file of chain.files) {
    const closed = await closedFolderFor(file, who);
    if (closed) {
      fail('LIBVIRT_DISK_UNREACHABLE', `${who?.name ?? 'qemu'} cannot reach ${file}: it may not enter ${closed}.`, 'Verify on qemu:///session as your own user, or keep the converted disk in a folder others may enter (e.g. /var/lib/libvirt/images).', {
        path: file,
        details: { folder: closed, user: who?.name, connection: req.connection },
      });
    }
  }

  const evidenceDir = join(ctx.jobDir, 'boot');
  await mkdir(evidenceDir, { recursive: true });
  // The overlay must be where the connection's qemu can write it; a job folder under a private
  // home is not, so it goes to a temporary folder of its own then.
  let scratch = join(evidenceDir, 'work');
  await mkdir(scratch, { recursive: true });
  if (await closedFolderFor(join(scratch, 'overlay'), who)) {
    await rm(scratch, { recursive: true, force: true });
    scratch = await mkdtemp(join(tmpdir(), 'hyper2kvm-boot-'));
  }
  await chmod(scratch, 0o711);
  const scratchDir = scratch;
  const removeScratch = once(() => rm(scratchDir, { recursive: true, force: true }));
  ctx.cleanup.always('boot verification scratch folder', removeScratch);

  const timeoutFor = (accel: BootAccelerator): number => req.timeoutSeconds ?? (accel === 'kvm' ? 120 : 300);
  let attempt: Attempt | null = null;
  let accelerator: BootAccelerator = plan[0]!;
  for (const [i, accel] of plan.entries()) {
    accelerator = accel;
    const more = i < plan.length - 1;
    try {
      attempt = await bootOnce({ req, ctx, observer, tuning, accelerator, chainFormat: chain.format, diskPath, before, evidenceDir, scratch, timeoutSeconds: timeoutFor(accelerator), attempt: i + 1 });
    } catch (error) {
      if (!(more && error instanceof EngineFailure && error.value.code === 'BOOT_START_FAILED')) throw error;
      noteKvmGuestFailure(error.value.message);
      notes.push(`KVM could not start the guest (${error.value.message}); it was verified with software emulation (TCG) instead.`);
      ctx.log('warn', 'KVM could not start the guest: verifying with software emulation (TCG) instead.');
      continue;
    }
    if (more && attempt.outcome.reason === 'hypervisor-error') {
      noteKvmGuestFailure(attempt.outcome.detail);
      notes.push(`KVM could not run this guest (${attempt.outcome.detail}); it was verified again with software emulation (TCG).`);
      ctx.log('warn', 'KVM could not run the guest: verifying again with software emulation (TCG).');
      await rename(attempt.serialLog, join(evidenceDir, 'serial-kvm.log')).catch(() => undefined);
      continue;
    }
    break;
  }
  if (!attempt) throw new Error('no boot attempt was made');
  await removeScratch();

  const after = await Promise.all(chain.files.map(fileFacts));
  const diskUntouched = before.every((facts, i) => untouched(facts, after[i]!));
  if (!diskUntouched) notes.push('The converted disk changed during the verification (size or modification time): something else wrote to it.');

  const { outcome } = attempt;
  return {
    verdict: outcome.verdict,
    reason: outcome.reason,
    detail: outcome.detail,
    hint: outcome.hint,
    milestones: attempt.milestones,
    verdictAtMs: Math.round(outcome.atMs),
    excerpt: outcome.excerpt,
    excerptSource: outcome.excerptSource,
    evidence: {
      serialLog: attempt.serialLog,
      serialBytes: attempt.serialBytes,
      screenshots: attempt.screenshots,
      finalScreenshot: attempt.finalScreenshot,
      agentAnswered: outcome.reason === 'guest-agent',
    },
    disk: { path: diskPath, format: chain.format, untouched: diskUntouched },
    firmware: req.firmware,
    accelerator,
    connection: req.connection,
    domainName: attempt.domainName,
    timeoutSeconds: timeoutFor(accelerator),
    durationMs: Date.now() - started,
    notes,
  };
}

interface BootOnceInput {
  req: ResolvedVerifyBootRequest;
  ctx: StageContext;
  observer: VerifyBootObserver;
  tuning: VerifyBootTuning;
  accelerator: BootAccelerator;
  chainFormat: string;
  diskPath: string;
  before: FileFacts[];
  evidenceDir: string;
  scratch: string;
  timeoutSeconds: number;
  attempt: number;
}

interface Attempt {
  outcome: BootOutcome;
  milestones: BootMilestone[];
  serialLog: string;
  serialBytes: number;
  screenshots: BootScreenshot[];
  finalScreenshot: string | null;
  domainName: string;
}

/** The throwaway domain's name for a job's boot attempt (a second attempt falls back from KVM to TCG). */
export function verificationDomainName(jobId: string, attempt: number): string {
  return `h2k-verify-${jobId}`.slice(0, 60) + (attempt > 1 ? `-${attempt}` : '');
}

/** The longest accelerator plan: KVM, then TCG when KVM cannot run the guest. */
const KVM_THEN_TCG: readonly BootAccelerator[] = ['kvm', 'tcg'];

/** The accelerators to try, in order: one boot attempt (and one domain name) each. */
export function acceleratorPlan(requested: 'auto' | BootAccelerator, kvmPresent: boolean, kvmFailedHere: boolean): readonly BootAccelerator[] {
  if (requested === 'tcg' || !kvmPresent) return ['tcg'];
  if (requested === 'kvm') return ['kvm'];
  return kvmFailedHere ? ['tcg'] : KVM_THEN_TCG;
}

/** At most one attempt per accelerator of the longest plan: the domain names a leftover may have. */
export const VERIFY_ATTEMPTS_MAX = KVM_THEN_TCG.length;

async function bootOnce(input: BootOnceInput): Promise<Attempt> {
  const { req, ctx, accelerator, evidenceDir, scratch, attempt } = input;
  const virshCtx: VirshContext = { tools: ctx.tools, signal: ctx.signal };
  const domainName = verificationDomainName(ctx.jobId, attempt);
  const overlay = join(scratch, `overlay-${attempt}.qcow2`);
  const nvram = join(scratch, `VARS-${attempt}.fd`);
  const serialLog = join(evidenceDir, 'serial.log');
  await rm(serialLog, { force: true });

  // Everything this attempt creates goes away however it ends: the domain first (it holds the
  // files open), then the overlay and NVRAM, then the converted disk's owner is put back.
  let domainStarted = false;
  const cleanup = once(async () => {
    if (domainStarted) {
      try {
        await destroyDomain({ tools: ctx.tools, signal: AbortSignal.timeout(60_000) }, req.connection, domainName);
      } catch (error) {
        ctx.log('warn', `Could not stop the verification domain ${domainName}: ${(error as Error).message}`);
      }
    }
    await rm(overlay, { force: true });
    await rm(nvram, { force: true });
    await restoreOwnership(input.before, ctx.log);
  });
  ctx.cleanup.always(`verification domain ${domainName} and its overlay`, cleanup);

  try {
    await ctx.tools.run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', input.diskPath, '-F', input.chainFormat, overlay], { signal: ctx.signal });

    const spec: DomainSpecInput = {
      name: domainName,
      description: `hyper2kvm boot verification of ${input.diskPath} (transient; the disk is only read)`,
      type: accelerator === 'kvm' ? 'kvm' : 'qemu',
      machine: 'q35',
      memoryMiB: req.memoryMiB,
      vcpus: { sockets: 1, cores: req.vcpus, threads: 1 },
      cpuMode: accelerator === 'kvm' ? 'host-passthrough' : 'maximum',
      firmware: req.firmware === 'uefi' ? { type: 'uefi', secureBoot: req.secureBoot, ...requireOvmf(req.secureBoot), nvram } : { type: 'bios', useSerial: true },
      onPoweroff: 'destroy',
      onReboot: 'restart',
      onCrash: 'destroy',
      disks: [{ path: overlay, format: 'qcow2', bus: req.diskBus, bootOrder: 1 }],
      nics: [],
      serial: { type: 'file', path: serialLog },
      vnc: true,
      guestAgent: true,
      rng: true,
      memballoon: false,
      // As close to a plain qemu boot as libvirt allows: the verification should cost no boot time.
      tunedTimers: false,
      usb: false,
    };
    const xmlPath = join(evidenceDir, attempt > 1 ? `domain-${attempt}.xml` : 'domain.xml');
    await writeFile(xmlPath, createDomainXml(spec));

    ctx.log('info', `Starting ${domainName} (${accelerator === 'kvm' ? 'KVM' : 'TCG, software emulation'}, ${req.firmware.toUpperCase()}, ${req.memoryMiB} MiB) on a throwaway overlay of ${input.diskPath}.`);
    const t0 = Date.now();
    domainStarted = true;
    await createFromFile(virshCtx, req.connection, xmlPath);

    const watched = await watch({ ...input, virshCtx, domainName, serialLog, t0 });
    return { ...watched, serialLog, domainName };
  } finally {
    await cleanup();
  }
}

interface WatchInput extends BootOnceInput {
  virshCtx: VirshContext;
  domainName: string;
  serialLog: string;
  t0: number;
}

async function watch(input: WatchInput): Promise<Omit<Attempt, 'serialLog' | 'domainName'>> {
  const { req, ctx, observer, tuning, virshCtx, domainName, serialLog, t0, evidenceDir, attempt } = input;
  const classifier = new BootClassifier({ firmware: req.firmware, settleMs: tuning.settleMs });
  // The excerpt as the console showed it (GRUB's screens drawn, not a column of their pieces).
  const screen = new ConsoleScreen();
  const schedule = new WatchSchedule({
    stateEveryMs: tuning.stateEveryMs,
    agentEveryMs: tuning.agentEveryMs,
    serialSilenceMs: tuning.serialSilenceMs,
    screenshotEveryMs: req.screenshotIntervalSeconds * 1000,
    timeoutMs: input.timeoutSeconds * 1000,
    ocr: req.ocr,
  });
  const screenshots: BootScreenshot[] = [];
  const elapsed = (): number => Date.now() - t0;

  let serial: FileHandle | null = null;
  let serialOffset = 0;
  const reported = new Set<string>();
  // UTF-8 (GRUB draws boxes, systemd shortens with an ellipsis); a character may span two reads.
  const decoder = new StringDecoder('utf8');
  let shotCount = 0;
  let screenRead = false;
  let ended: BootOutcome | null = null;

  const readSerial = async (): Promise<void> => {
    if (!serial) {
      try {
        serial = await open(serialLog, 'r');
      } catch {
        return; // not there yet: libvirt creates it as the domain starts
      }
    }
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await serial.read(buffer, 0, buffer.length, serialOffset);
      if (bytesRead === 0) return;
      serialOffset += bytesRead;
      const text = decoder.write(buffer.subarray(0, bytesRead));
      const at = elapsed();
      schedule.serialText(text, at);
      observer.onSerialText?.(text, at);
      // The screen takes every read, the deciding one included (the excerpt ends with it).
      void screen.write(text);
      classifier.feedSerial(text, at);
    }
  };

  const reportMilestones = (): void => {
    const fresh = classifier.milestones.filter((m) => !reported.has(m.kind));
    for (const m of fresh) {
      reported.add(m.kind);
      ctx.log('info', `Boot milestone: ${m.kind} at ${(m.atMs / 1000).toFixed(1)} s (${m.source}): ${m.text.slice(0, 120)}`);
      observer.onMilestone?.(m);
    }
    const furthest = classifier.milestones.at(-1);
    if (fresh.length > 0 && furthest) {
      // Milestones reached, as steps of the boot (no bytes move): the next one is the step under way.
      const reached = MILESTONE_ORDER.indexOf(furthest.kind) + 1;
      ctx.progressSnapshot({ unit: 'steps', fraction: reached / MILESTONE_ORDER.length, bytesDone: reached, bytesTotal: MILESTONE_ORDER.length, bytesPerSecond: null, etaSeconds: null, item: furthest.kind });
    }
  };

  const shoot = async (): Promise<BootScreenshot | null> => {
    const at = elapsed();
    const path = join(evidenceDir, `screen-${attempt > 1 ? `${attempt}-` : ''}${String(++shotCount).padStart(3, '0')}.png`);
    try {
      const shot = await takeScreenshot(ctx.tools, req.connection, domainName, path, ctx.signal);
      if (!schedule.screenshotTaken(shot.digest)) {
        await rm(path, { force: true });
        return null;
      }
      const entry: BootScreenshot = { path, atMs: at };
      screenshots.push(entry);
      observer.onScreenshot?.(entry);
      return entry;
    } catch (error) {
      if (error instanceof EngineFailure && error.value.code === 'CANCELLED') throw error;
      return null; // the domain may be gone already; the state check tells
    }
  };

  // A domain that stopped or paused by itself: its verdict (null while it runs).
  const checkState = async (): Promise<BootOutcome | null> => {
    const state = await domainState(virshCtx, req.connection, domainName);
    if (!state || state.state === 'shut off' || state.state === 'crashed') {
      await readSerial();
      return classifier.outcome ?? classifier.finish(elapsed(), 'guest-stopped');
    }
    if (state.state === 'paused') {
      // Nobody paused it: the hypervisor stopped the guest (KVM emulation failure, I/O error).
      await readSerial();
      return classifier.outcome ?? classifier.finish(elapsed(), 'hypervisor-error', { message: `The hypervisor paused the guest (${state.reason || 'no reason given'}).` });
    }
    return null;
  };

  // The newest screen read in the background: the console keeps being watched meanwhile.
  let reading: Promise<void> | null = null;
  const readNewestScreen = (shot: BootScreenshot): void => {
    reading = readScreen(ctx.tools, shot.path, ctx.signal)
      .then((text) => {
        shot.text = text.trim();
        screenRead = true;
        classifier.feedScreen(text, shot.atMs);
      })
      .catch((error: unknown) => {
        if (!(error instanceof EngineFailure && error.value.code === 'CANCELLED')) ctx.log('warn', `Could not read the screen: ${(error as Error).message}`);
      })
      .finally(() => {
        reading = null;
        schedule.readingDone();
      });
  };

  try {
    while (!ended) {
      if (ctx.signal.aborted) throw new EngineFailure(cancelledError());
      await readSerial();
      reportMilestones();
      classifier.tick(elapsed());
      if (classifier.outcome) break;
      const now = elapsed();
      if (schedule.timedOut(now)) {
        ended = classifier.finish(now, 'timeout', { timeoutSeconds: input.timeoutSeconds, screenRead });
        break;
      }
      const userspace = classifier.milestones.some((m) => m.kind === 'init');
      for (const action of schedule.due(now, userspace)) {
        if (action === 'check-state') ended = await checkState();
        else if (action === 'screenshot') {
          await shoot();
          const shot = screenshots.at(-1);
          if (shot && schedule.startReading(now)) readNewestScreen(shot);
        } else if (await agentPing(virshCtx, req.connection, domainName)) classifier.agentAnswered(elapsed());
        if (ended) break;
      }
      if (ended) break;
      if (screenRead && classifier.stalledAfterFirmware(now, tuning.stallMs)) {
        ended = classifier.decideBootloaderHang(now);
        break;
      }
      await sleep(tuning.pollMs);
    }
    const decided = ended ?? classifier.outcome!;
    await screen.settled();
    const rendered = decided.excerptSource === 'serial' ? screen.excerpt(EXCERPT_LINES) : '';
    const outcome: BootOutcome = rendered ? { ...decided, excerpt: rendered } : decided;
    reportMilestones();
    ctx.log('info', `Verdict: ${outcome.verdict} (${outcome.reason}) at ${(outcome.atMs / 1000).toFixed(1)} s: ${outcome.detail}`);
    // The picture for the report: the screen as it was when the verdict fell.
    const last = screenshots.at(-1);
    const final = last && elapsed() - last.atMs < 1000 ? last : ((await shoot()) ?? last ?? null);
    return {
      outcome,
      milestones: classifier.milestones,
      serialBytes: classifier.serialByteCount,
      screenshots,
      finalScreenshot: final?.path ?? null,
    };
  } finally {
    // Assigned inside readNewestScreen: the compiler cannot see it from here.
    await (reading as Promise<void> | null);
    await (serial as FileHandle | null)?.close();
    screen.dispose();
  }
}

function once(action: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => (running ??= action());
}
