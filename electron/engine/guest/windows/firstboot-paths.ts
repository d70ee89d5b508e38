/**
 * Where hyper2kvm keeps its Windows first-boot actions, as paths in the appliance (the system
 * volume mounted at /): the repair writes them, the inspection reads the log they leave. Under
 * ProgramData (hidden, machine-wide, writable only by administrators and SYSTEM) rather than
 * Program Files, because they are data the product leaves behind, not an installed program.
 */
export const FIRSTBOOT_DIR = '/ProgramData/hyper2kvm/firstboot';
/** The runner winlogon starts (HKLM\SYSTEM\Setup\CmdLine). */
export const FIRSTBOOT_RUNNER = `${FIRSTBOOT_DIR}/firstboot.cmd`;
/** One script per action, run in name order (NN-fix-id.cmd). */
export const FIRSTBOOT_ACTIONS = `${FIRSTBOOT_DIR}/actions`;
/** The runner's log: one line per action with its exit code, and what the actions printed. */
export const FIRSTBOOT_LOG = `${FIRSTBOOT_DIR}/firstboot.log`;
/** How much of the log the inspection keeps (its end). */
export const FIRSTBOOT_LOG_MAX = 64 * 1024;

/** An appliance path on the system volume as Windows names it ("C:\\ProgramData\\..."). */
export function windowsPath(drive: string, path: string): string {
  return `${drive.replace(/:$/, '').toUpperCase()}:${path.replace(/\//g, '\\')}`;
}
