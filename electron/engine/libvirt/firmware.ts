import { existsSync } from 'node:fs';
import { fail } from '../core/errors';

/** The OVMF files a UEFI domain needs: the code image and the template of its per-VM variables. */
export interface OvmfFiles {
  loader: string;
  nvramTemplate: string;
}

/**
 * Where distributions install OVMF, best first. 4 MiB images before 2 MiB ones (newer, more room
 * for variables). For secure boot the VARS template must have Microsoft's keys enrolled, or
 * neither Windows nor a shim-signed Linux would start.
 */
const CANDIDATES: Record<'plain' | 'secure', OvmfFiles[]> = {
  plain: [
    { loader: '/usr/share/OVMF/OVMF_CODE_4M.fd', nvramTemplate: '/usr/share/OVMF/OVMF_VARS_4M.fd' },
    { loader: '/usr/share/OVMF/OVMF_CODE.fd', nvramTemplate: '/usr/share/OVMF/OVMF_VARS.fd' },
    { loader: '/usr/share/edk2/ovmf/OVMF_CODE.fd', nvramTemplate: '/usr/share/edk2/ovmf/OVMF_VARS.fd' },
    { loader: '/usr/share/edk2/x64/OVMF_CODE.4m.fd', nvramTemplate: '/usr/share/edk2/x64/OVMF_VARS.4m.fd' },
  ],
  secure: [
    { loader: '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd', nvramTemplate: '/usr/share/OVMF/OVMF_VARS_4M.ms.fd' },
    { loader: '/usr/share/OVMF/OVMF_CODE.secboot.fd', nvramTemplate: '/usr/share/OVMF/OVMF_VARS.ms.fd' },
    { loader: '/usr/share/edk2/ovmf/OVMF_CODE.secboot.fd', nvramTemplate: '/usr/share/edk2/ovmf/OVMF_VARS.secboot.fd' },
    { loader: '/usr/share/edk2/x64/OVMF_CODE.secboot.4m.fd', nvramTemplate: '/usr/share/edk2/x64/OVMF_VARS.4m.fd' },
  ],
};

/** The first complete pair that exists, or null. `exists` is injected so the choice is testable. */
export function chooseOvmf(secureBoot: boolean, exists: (path: string) => boolean): OvmfFiles | null {
  return CANDIDATES[secureBoot ? 'secure' : 'plain'].find((c) => exists(c.loader) && exists(c.nvramTemplate)) ?? null;
}

export function requireOvmf(secureBoot: boolean, exists: (path: string) => boolean = existsSync): OvmfFiles {
  const found = chooseOvmf(secureBoot, exists);
  if (found) return found;
  const what = secureBoot ? 'UEFI firmware with secure boot (OVMF secboot)' : 'UEFI firmware (OVMF)';
  return fail('LIBVIRT_FIRMWARE_MISSING', `${what} is not installed.`, 'Install it: sudo apt-get install ovmf', {
    details: { looked: CANDIDATES[secureBoot ? 'secure' : 'plain'].map((c) => c.loader) },
  });
}
