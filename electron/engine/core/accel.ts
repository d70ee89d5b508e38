import { accessSync, constants, existsSync } from 'node:fs';
import { toEngineError } from './errors';
import type { ToolRunner } from './tool-runner';

/**
 * Whether guests and libguestfs appliances can use KVM here. /dev/kvm existing and being
 * writable is not enough: on nested or sandboxed hosts qemu aborts while it sets up the vCPU
 * ("failed to set MSR 0x10a"), libguestfs does not fall back to TCG from that, and a domain of
 * type 'kvm' is defined but never starts. So qemu is asked once per process (a paused VM told to
 * quit over QMP, ~50 ms) and the answer remembered. HYPER2KVM_ACCEL=kvm|tcg forces it.
 *
 * This is the one place that decides; libvirt domains, boot verification, inspection appliances
 * and the test fixtures all ask here.
 */

/** True when this process can open /dev/kvm for reading and writing (necessary, not sufficient). */
export function kvmDevicePresent(device = '/dev/kvm'): boolean {
  try {
    accessSync(device, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether KVM can be used here, and why not when it cannot: `hyper2kvm doctor` shows the reason
 * and what to do, everything else only asks `usable`.
 */
export type KvmStatus =
  | { usable: true; reason: 'works' | 'forced'; detail: string }
  | { usable: false; reason: 'forced' | 'no-device' | 'no-access' | 'qemu-failed'; detail: string; stderrTail?: string };

let answer: Promise<KvmStatus> | undefined;

export async function kvmWorks(tools: ToolRunner, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  return (await kvmStatus(tools, env)).usable;
}

export function kvmStatus(tools: ToolRunner, env: NodeJS.ProcessEnv = process.env): Promise<KvmStatus> {
  answer ??= probe(tools, env);
  return answer;
}

/**
 * KVM passed the probe but could not run a real guest (boot verification saw the start fail or
 * the guest stop on a hypervisor error): from then on this process uses TCG everywhere, and says
 * why. Returns whether this is news (the first failure).
 */
export function noteKvmGuestFailure(detail: string): boolean {
  if (guestFailure !== null) return false;
  guestFailure = detail;
  answer = Promise.resolve({ usable: false, reason: 'qemu-failed', detail: `KVM could not run a guest earlier in this process: ${detail}` });
  return true;
}

/** The failure noted above, if any. */
export function kvmGuestFailure(): string | null {
  return guestFailure;
}

let guestFailure: string | null = null;

const QMP_QUIT = '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n';

async function probe(tools: ToolRunner, env: NodeJS.ProcessEnv): Promise<KvmStatus> {
  const forced = env.HYPER2KVM_ACCEL;
  if (forced === 'kvm') return { usable: true, reason: 'forced', detail: 'HYPER2KVM_ACCEL=kvm' };
  if (forced === 'tcg') return { usable: false, reason: 'forced', detail: 'HYPER2KVM_ACCEL=tcg' };
  if (!existsSync('/dev/kvm')) return { usable: false, reason: 'no-device', detail: '/dev/kvm does not exist' };
  if (!kvmDevicePresent()) return { usable: false, reason: 'no-access', detail: 'this user cannot open /dev/kvm for reading and writing' };
  // Kept here too: qemu aborts (SIGABRT) on the failure that matters, and a tool killed by a
  // signal carries no stderr in its error value.
  const stderr: string[] = [];
  try {
    await tools.run('qemu-system-x86_64', ['-machine', 'accel=kvm,graphics=off', '-cpu', 'max', '-m', '64', '-nodefaults', '-display', 'none', '-no-user-config', '-S', '-qmp', 'stdio'], {
      input: QMP_QUIT,
      signal: AbortSignal.timeout(10_000),
      onStderrLine: (line) => stderr.push(line),
    });
    return { usable: true, reason: 'works', detail: 'qemu started a vCPU with KVM' };
  } catch (error) {
    const failure = toEngineError(error);
    const stderrTail = stderr.join('\n').trim().slice(-4096) || failure.evidence?.stderrTail;
    return { usable: false, reason: 'qemu-failed', detail: failure.message, ...(stderrTail ? { stderrTail } : {}) };
  }
}

/** The environment for guestfish / virt-* tools: the direct backend, TCG forced when KVM cannot run. */
export async function applianceEnv(tools: ToolRunner): Promise<Record<string, string>> {
  const env: Record<string, string> = { LIBGUESTFS_BACKEND: 'direct' };
  if (process.env.LIBGUESTFS_BACKEND_SETTINGS) return env; // the user's own choice wins
  if (!(await kvmWorks(tools))) env.LIBGUESTFS_BACKEND_SETTINGS = 'force_tcg';
  return env;
}

/** qemu-system arguments selecting the accelerator that works here. */
export async function qemuAccelArgs(tools: ToolRunner): Promise<string[]> {
  return (await kvmWorks(tools)) ? ['-accel', 'kvm', '-cpu', 'max'] : ['-accel', 'tcg', '-cpu', 'max'];
}
