import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGED_HELPER_PATH } from './helper-client';

/**
 * How to start the privileged helper: the installed launcher when the app is installed from
 * its deb/rpm package (the polkit policy names exactly that path), otherwise — running from a
 * source checkout — Node on the bundled helper (pkexec then asks for the generic
 * "run a program as root" authorisation instead of ours).
 */
export function helperCommand(projectRoot: string, nodeBinary: string): string[] {
  if (existsSync(PACKAGED_HELPER_PATH)) return [PACKAGED_HELPER_PATH];
  return [nodeBinary, join(projectRoot, 'dist', 'helper', 'helper.mjs')];
}

export function isRootProcess(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
