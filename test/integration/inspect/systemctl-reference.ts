import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/** The reference for unit file states: this host's systemctl (systemd 252), run offline on a root folder. */
const SYSTEMCTL = '/usr/bin/systemctl';
const TAR = '/usr/bin/tar';

/** States only a running system has (from /run), and "bad" (a name that resolves to nothing), which we leave out. */
export const NEEDS_RUNNING_SYSTEM: ReadonlySet<string> = new Set(['generated', 'transient', 'enabled-runtime', 'masked-runtime', 'linked-runtime', 'bad']);

/** `systemctl list-unit-files --root=DIR --no-pager --no-legend` ("UNIT STATE PRESET" lines), unit → state. */
export function systemctlStates(root: string): Map<string, string> {
  const out = execFileSync(SYSTEMCTL, ['list-unit-files', `--root=${root}`, '--no-pager', '--no-legend'], { encoding: 'utf8' });
  return new Map(
    out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => line.trim().split(/\s+/) as [string, string]),
  );
}

/** Extracts from a root file system tarball only what systemctl and the inspection read: seconds, not 700 MiB. */
export function extractUnitFolders(tarball: string, dest: string): void {
  mkdirSync(dest, { recursive: true });
  execFileSync(TAR, ['-xf', tarball, '--numeric-owner', '-C', dest, './etc', './lib', './usr/lib/systemd', './usr/local']);
}

export function tarOut(root: string, excludes: readonly string[] = []): Buffer {
  return execFileSync(TAR, ['-C', root, ...excludes.map((e) => `--exclude=${e}`), '-cf', '-', '.'], { maxBuffer: 1 << 30 });
}
