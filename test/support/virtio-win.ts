import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runCommand } from '../../electron/engine/core/tool-runner';

/**
 * A phony virtio-win driver set in the ISO's layout (viostor/<release>/amd64/viostor.{inf,cat,sys,pdb},
 * NetKVM/..., guest-agent/qemu-ga-x86_64.msi). Every file is a short text that says what it
 * stands for and that it is not a real driver: the repair copies and registers them, it never
 * runs them. Also as an ISO (xorriso, Rock Ridge and Joliet, as the real one).
 */

export const PHONY_RELEASES = ['w7', 'w10', '2k16', '2k19'] as const;
/** The set has no netkvm for this release (a plan must say the NIC stays e1000e). */
export const RELEASE_WITHOUT_NETKVM = 'w7';

export function placeholder(rel: string): string {
  return `hyper2kvm test data: placeholder for virtio-win ${rel}. NOT A REAL DRIVER.\n`;
}

export function phonyVirtioWinFiles(): string[] {
  const files: string[] = [];
  for (const release of PHONY_RELEASES) {
    for (const [folder, name] of [
      ['viostor', 'viostor'],
      ['vioscsi', 'vioscsi'],
      ['NetKVM', 'netkvm'],
    ] as const) {
      if (name === 'netkvm' && release === RELEASE_WITHOUT_NETKVM) continue;
      for (const ext of ['inf', 'cat', 'sys', 'pdb']) files.push(`${folder}/${release}/amd64/${name}.${ext}`);
    }
  }
  files.push('guest-agent/qemu-ga-x86_64.msi', 'guest-agent/qemu-ga-i386.msi', 'virtio-win-gt-x64.msi');
  return files;
}

export async function writePhonyVirtioWin(dir: string): Promise<string> {
  for (const rel of phonyVirtioWinFiles()) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), placeholder(rel));
  }
  return dir;
}

/** The same set as an ISO image (what users download), next to the folder. */
export async function writePhonyVirtioWinIso(folder: string, iso: string): Promise<string> {
  await runCommand('/usr/bin/xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-J', '-V', 'virtio-win-phony', '-o', iso, folder]);
  return iso;
}
