import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGED_HELPER_PATH } from './helper-client';

/**
 * Where the Debian package built by `npm run package:deb` installs the helper's launcher (the
 * path its polkit policy names). The electron-builder packages use PACKAGED_HELPER_PATH.
 */
export const DEB_HELPER_PATH = '/usr/libexec/hyper2kvm/hyper2kvm-helper';

/**
 * How to start the privileged helper: the installed launcher when the app is installed from a
 * package (its polkit policy names exactly that path), otherwise — running from a source
 * checkout — Node on the bundled helper (pkexec then asks for the generic "run a program as
 * root" authorisation instead of ours).
 */
export function helperCommand(projectRoot: string, nodeBinary: string, exists: (path: string) => boolean = existsSync): string[] {
  for (const launcher of [DEB_HELPER_PATH, PACKAGED_HELPER_PATH]) if (exists(launcher)) return [launcher];
  return [nodeBinary, join(projectRoot, 'dist', 'helper', 'helper.mjs')];
}

export function isRootProcess(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
