import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/**
 * The reference for boot chains: systemd itself loading a root's unit files. `systemctl
 * list-dependencies` refuses --root ("Verb 'list-dependencies' cannot be used with --root= or
 * --image=", systemd 252), so we run `systemd --test --system`, which loads the units the way
 * PID 1 does, builds the boot transaction for the default target and dumps every loaded unit
 * with its dependencies ("Wants: ssh.service (origin-file)") and the transaction's jobs. With
 * SYSTEMD_UNIT_PATH set (no trailing ':'), it reads only the given folders: no generator output,
 * none of the host's units. It refuses to run as root ("Don't run test mode as root."), so as
 * root it runs as nobody through setpriv: the root folder must be readable by everyone.
 */
const SYSTEMD = '/lib/systemd/systemd';
const SETPRIV = '/usr/bin/setpriv';

const GENERATORS = '/lib/systemd/system-generators';
const UNSHARE = '/usr/bin/unshare';

/** The generator output folders under a root, as PID 1 passes them (normal, early, late). */
export const GENERATOR_OUTPUT = ['/run/systemd/generator', '/run/systemd/generator.early', '/run/systemd/generator.late'] as const;

/**
 * The folders systemd loads units from on a running system, generator output included
 * (path-lookup.c): the early generators' first, the normal ones' after /etc, the late ones' last.
 */
export function loadPathWithGenerators(unitDirs: readonly string[]): string[] {
  const [normal, early, late] = GENERATOR_OUTPUT;
  return [early, unitDirs[0]!, normal, ...unitDirs.slice(1), late];
}

/**
 * Runs this host's systemd-sysv-generator and systemd-fstab-generator (systemd 252) on a root
 * folder, as PID 1 runs them at boot, into <root>/run/systemd/generator{,.early,.late}: the
 * reference for generated-units.ts. Pointed at the root by their environment variables
 * (SYSTEMD_SYSVINIT_PATH, SYSTEMD_SYSVRCND_PATH, SYSTEMD_UNIT_PATH for the native units an init
 * script yields to; SYSTEMD_FSTAB, and an empty SYSTEMD_PROC_CMDLINE so that this host's kernel
 * command line does not count). In a container (this host is one) the fstab generator skips swap
 * lines; as PID 1 of a PID namespace of its own with $container set empty it knows it is not in
 * one (detect_container), which needs root.
 */
export function runGenerators(root: string, unitDirs: readonly string[]): { log: string } {
  const out = GENERATOR_OUTPUT.map((d) => `${root}${d}`);
  for (const dir of out) mkdirSync(dir, { recursive: true });
  const base = { ...process.env, SYSTEMD_LOG_TARGET: 'console', SYSTEMD_LOG_LEVEL: 'debug' };
  const sysv = spawnSync(`${GENERATORS}/systemd-sysv-generator`, out, {
    env: { ...base, SYSTEMD_SYSVINIT_PATH: `${root}/etc/init.d`, SYSTEMD_SYSVRCND_PATH: `${root}/etc`, SYSTEMD_UNIT_PATH: unitDirs.map((d) => `${root}${d}`).join(':') },
    encoding: 'utf8',
  });
  if (sysv.status !== 0) throw new Error(`systemd-sysv-generator exited with ${sysv.status}: ${sysv.stderr}`);
  const notContainer = process.getuid?.() === 0 ? [UNSHARE, '--pid', '--fork', '--mount-proc', 'env', 'container='] : [];
  const [cmd, ...args] = [...notContainer, `${GENERATORS}/systemd-fstab-generator`, ...out];
  const fstab = spawnSync(cmd!, args, { env: { ...base, SYSTEMD_FSTAB: `${root}/etc/fstab`, SYSTEMD_PROC_CMDLINE: '', SYSTEMD_IN_INITRD: '0' }, encoding: 'utf8' });
  if (fstab.status !== 0) throw new Error(`systemd-fstab-generator exited with ${fstab.status}: ${fstab.stderr}`);
  return { log: `${sysv.stderr}\n${fstab.stderr}` };
}

export interface SystemdDump {
  defaultTarget: string;
  /** Unit → its "Unit Load State" (loaded, not-found, masked...). */
  loadState: Map<string, string>;
  /** Unit → the units it pulls in (Wants, Requires, BindsTo, Upholds, any origin). */
  pulls: Map<string, string[]>;
  /** Units with a job in the boot transaction. */
  jobs: Set<string>;
  /** Unit → its "Description" (systemd's own when the unit has none: the mount point, the unit's name). */
  descriptions: Map<string, string>;
}

/** `SYSTEMD_UNIT_PATH=<root>/etc/systemd/system:... systemd --test --system --no-pager`: its log, then its dump. */
export function systemdTestDump(root: string, unitDirs: readonly string[]): string {
  const env = { ...process.env, SYSTEMD_UNIT_PATH: unitDirs.map((d) => `${root}${d}`).join(':'), SYSTEMD_LOG_TARGET: 'console' };
  const asNobody = process.getuid?.() === 0 ? [SETPRIV, '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const [cmd, ...args] = [...asNobody, SYSTEMD, '--test', '--system', '--no-pager'];
  // The dump goes to stdout, the log ("Queued start job for default target graphical.target.") to stderr.
  const run = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.status !== 0) throw new Error(`systemd --test exited with ${run.status}: ${run.stderr}`);
  return `${run.stderr}\n${run.stdout}`;
}

export function parseSystemdDump(text: string): SystemdDump {
  const defaultTarget = /Queued start job for default target (\S+)\./.exec(text)?.[1];
  if (!defaultTarget) throw new Error('systemd --test printed no default target');
  const loadState = new Map<string, string>();
  const pulls = new Map<string, string[]>();
  const jobs = new Set<string>();
  const descriptions = new Map<string, string>();
  let unit: string | null = null;
  let inJobs = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('-> By jobs:')) inJobs = true;
    const head = /^\t-> Unit (\S+):$/.exec(line);
    if (head) unit = head[1]!;
    const action = /^\t\tAction: (\S+) -> start$/.exec(line);
    if (inJobs && action) jobs.add(action[1]!);
    if (inJobs || !unit) continue;
    const state = /^\t\tUnit Load State: (\S+)$/.exec(line);
    if (state) loadState.set(unit, state[1]!);
    const description = /^\t\tDescription: (.*)$/.exec(line);
    if (description && !descriptions.has(unit)) descriptions.set(unit, description[1]!);
    const dep = /^\t\t(Wants|Requires|BindsTo|Upholds): (\S+) \(/.exec(line);
    if (dep) pulls.set(unit, [...(pulls.get(unit) ?? []), dep[2]!]);
  }
  return { defaultTarget, loadState, pulls, jobs, descriptions };
}

/** Shortest chains from the default target over systemd's own graph (neighbours in name order, as unit-chain.ts). */
export function referenceChains(dump: SystemdDump): Map<string, string[]> {
  const chains = new Map<string, string[]>([[dump.defaultTarget, [dump.defaultTarget]]]);
  let frontier = [dump.defaultTarget];
  while (frontier.length) {
    const next: string[] = [];
    for (const id of frontier) {
      if (dump.loadState.get(id) !== 'loaded') continue;
      for (const to of [...new Set(dump.pulls.get(id) ?? [])].sort()) {
        if (chains.has(to)) continue;
        chains.set(to, [...chains.get(id)!, to]);
        next.push(to);
      }
    }
    frontier = next;
  }
  // Only units systemd would start (a masked or missing one is in the graph, not in the transaction).
  for (const id of chains.keys()) if (dump.loadState.get(id) !== 'loaded') chains.delete(id);
  return chains;
}
