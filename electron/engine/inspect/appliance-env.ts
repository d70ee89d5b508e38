import { accessSync, constants } from 'node:fs';
import type { ToolRunner } from '../core/tool-runner';

/**
 * The environment every libguestfs appliance of ours runs with: the direct backend (no libvirt
 * daemon needed) and, when KVM cannot be used, TCG forced. /dev/kvm existing is not enough: on
 * nested or sandboxed hosts qemu aborts while setting up the vCPU ("failed to set MSR 0x10a"),
 * and libguestfs does not fall back to TCG from that; the launch just fails. So we ask qemu once
 * (a paused VM told to quit over QMP: ~30 ms) and remember the answer.
 *
 * Overrides: LIBGUESTFS_BACKEND_SETTINGS set by the user wins; HYPER2KVM_ACCEL=tcg|kvm forces.
 */

let kvmAnswer: Promise<boolean> | undefined;

export function kvmUsable(tools: ToolRunner): Promise<boolean> {
  kvmAnswer ??= probeKvm(tools);
  return kvmAnswer;
}

async function probeKvm(tools: ToolRunner): Promise<boolean> {
  const forced = process.env.HYPER2KVM_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return forced === 'kvm';
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return false;
  }
  const qmp = '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n';
  try {
    await tools.run(
      'qemu-system-x86_64',
      ['-machine', 'accel=kvm,graphics=off', '-cpu', 'max', '-m', '64', '-nodefaults', '-display', 'none', '-no-user-config', '-S', '-qmp', 'stdio'],
      { input: qmp, signal: AbortSignal.timeout(10_000) },
    );
    return true;
  } catch {
    return false;
  }
}

export async function applianceEnv(tools: ToolRunner): Promise<Record<string, string>> {
  const env: Record<string, string> = { LIBGUESTFS_BACKEND: 'direct' };
  if (process.env.LIBGUESTFS_BACKEND_SETTINGS) return env;
  if (!(await kvmUsable(tools))) env.LIBGUESTFS_BACKEND_SETTINGS = 'force_tcg';
  return env;
}
