import type { LibvirtConnection } from '../../../shared/contract/models/libvirt';
import { EngineFailure, fail } from '../core/errors';
import type { RunOptions, RunResult, ToolRunner } from '../core/tool-runner';

/**
 * libvirt through virsh: one function per operation, plain typed inputs, so that the privileged
 * helper can call the same functions as the engine. Names reach virsh only after DomainName
 * validation and always behind their option (`--domain NAME`, `--file PATH`), never as a bare
 * positional that could be read as an option.
 */

export interface VirshContext {
  tools: ToolRunner;
  signal?: AbortSignal;
}

export interface DomainState {
  /** running, paused, shut off, crashed, in shutdown, pmsuspended, idle... */
  state: string;
  reason: string;
}

export interface DomainRow {
  name: string;
  state: string;
  persistent: boolean;
}

/** Runs virsh on a connection; a daemon that does not answer becomes LIBVIRT_UNREACHABLE. */
export async function virsh(ctx: VirshContext, connection: LibvirtConnection, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  try {
    return await ctx.tools.run('virsh', ['--quiet', '-c', connection, ...args], {
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      // Messages in English whatever the user's locale: we read some of them.
      env: { LC_ALL: 'C', ...options.env },
      ...options,
    });
  } catch (error) {
    if (error instanceof EngineFailure && isUnreachable(error.value.evidence?.stderrTail)) {
      fail('LIBVIRT_UNREACHABLE', `libvirt does not answer on ${connection}.`, unreachableHint(connection), error.value.evidence);
    }
    throw error;
  }
}

function isUnreachable(stderr: string | undefined): boolean {
  return stderr !== undefined && /failed to connect to the hypervisor|Failed to connect socket/i.test(stderr);
}

function unreachableHint(connection: LibvirtConnection): string {
  return connection === 'qemu:///system'
    ? 'Start the libvirt daemon (sudo systemctl start libvirtd), and check that you may use it (group libvirt).'
    : 'Install libvirt-daemon (the session daemon starts on demand), or choose qemu:///system.';
}

/** True when virsh failed because the domain does not exist. */
export function isNoSuchDomain(error: unknown): boolean {
  return error instanceof EngineFailure && /failed to get domain|Domain not found|no domain with matching/i.test(error.value.evidence?.stderrTail ?? error.value.message);
}

export async function listDomains(ctx: VirshContext, connection: LibvirtConnection): Promise<DomainRow[]> {
  const [table, persistent] = await Promise.all([
    virsh(ctx, connection, ['list', '--all']),
    virsh(ctx, connection, ['list', '--all', '--persistent', '--name']),
  ]);
  const persistentNames = new Set(namesOf(persistent.stdout));
  return parseDomainTable(table.stdout).map((row) => ({ ...row, persistent: persistentNames.has(row.name) }));
}

export async function domainNames(ctx: VirshContext, connection: LibvirtConnection): Promise<string[]> {
  const { stdout } = await virsh(ctx, connection, ['list', '--all', '--name']);
  return namesOf(stdout);
}

/** `virsh list --all` as rows; names may contain spaces, states are a known set. */
export function parseDomainTable(stdout: string): Array<Omit<DomainRow, 'persistent'>> {
  const rows: Array<Omit<DomainRow, 'persistent'>> = [];
  for (const line of stdout.split('\n')) {
    const m = /^\s*(\d+|-)\s+(.+?)\s+(running|idle|paused|in shutdown|shut off|crashed|pmsuspended|dying|blocked)\s*$/.exec(line);
    if (m) rows.push({ name: m[2]!, state: m[3]! });
  }
  return rows;
}

function namesOf(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

export async function dumpXml(ctx: VirshContext, connection: LibvirtConnection, name: string, options: { inactive?: boolean } = {}): Promise<string> {
  try {
    const { stdout } = await virsh(ctx, connection, ['dumpxml', '--domain', name, ...(options.inactive ? ['--inactive'] : [])]);
    return stdout;
  } catch (error) {
    if (isNoSuchDomain(error)) notFound(name, connection);
    throw error;
  }
}

export async function domainState(ctx: VirshContext, connection: LibvirtConnection, name: string): Promise<DomainState | null> {
  try {
    const { stdout } = await virsh(ctx, connection, ['domstate', '--domain', name, '--reason']);
    return parseDomState(stdout);
  } catch (error) {
    if (isNoSuchDomain(error)) return null;
    throw error;
  }
}

/** "running (booted)" → { state: 'running', reason: 'booted' }. */
export function parseDomState(stdout: string): DomainState {
  const line = stdout.trim().split('\n')[0] ?? '';
  const m = /^(.*?)\s*\(([^)]*)\)\s*$/.exec(line);
  return m ? { state: m[1]!.trim(), reason: m[2]!.trim() } : { state: line.trim(), reason: '' };
}

export async function defineFromFile(ctx: VirshContext, connection: LibvirtConnection, xmlPath: string): Promise<void> {
  await virsh(ctx, connection, ['define', '--file', xmlPath, '--validate'], {
    failureCode: 'LIBVIRT_DEFINE_FAILED',
    failureHint: 'libvirt refused the domain: the reason is in the output below.',
  });
}

/** Starts a transient domain: it disappears when it stops. */
export async function createFromFile(ctx: VirshContext, connection: LibvirtConnection, xmlPath: string): Promise<void> {
  await virsh(ctx, connection, ['create', '--file', xmlPath, '--validate'], {
    failureCode: 'BOOT_START_FAILED',
    failureHint: 'libvirt could not start the verification domain: the reason is in the output below.',
  });
}

/** Stops a domain at once (power cut). A domain that is already gone is fine. */
export async function destroyDomain(ctx: VirshContext, connection: LibvirtConnection, name: string): Promise<boolean> {
  try {
    await virsh(ctx, connection, ['destroy', '--domain', name]);
    return true;
  } catch (error) {
    if (isNoSuchDomain(error) || (error instanceof EngineFailure && /domain is not running/i.test(error.value.evidence?.stderrTail ?? ''))) return false;
    throw error;
  }
}

export async function undefineDomainByName(ctx: VirshContext, connection: LibvirtConnection, name: string, options: { nvram: boolean }): Promise<void> {
  try {
    await virsh(ctx, connection, ['undefine', '--domain', name, ...(options.nvram ? ['--nvram'] : [])]);
  } catch (error) {
    if (isNoSuchDomain(error)) notFound(name, connection);
    throw error;
  }
}

/**
 * Saves the screen to `file`. virsh writes whatever the hypervisor hands it (PNG from QEMU 7.1
 * with libvirt 9, PPM before): the caller looks at the bytes and converts when needed.
 */
export async function screenshot(ctx: VirshContext, connection: LibvirtConnection, name: string, file: string): Promise<void> {
  await virsh(ctx, connection, ['screenshot', '--domain', name, '--file', file]);
}

/** True when the guest agent answered; false when it is absent or not running yet. */
export async function agentPing(ctx: VirshContext, connection: LibvirtConnection, name: string): Promise<boolean> {
  try {
    const { stdout } = await virsh(ctx, connection, ['qemu-agent-command', '--domain', name, '--timeout', '2', '--cmd', '{"execute":"guest-ping"}']);
    return /"return"/.test(stdout);
  } catch (error) {
    if (error instanceof EngineFailure && error.value.code !== 'CANCELLED') return false;
    throw error;
  }
}

export async function listNetworks(ctx: VirshContext, connection: LibvirtConnection): Promise<Array<{ name: string; active: boolean }>> {
  const [all, active] = await Promise.all([virsh(ctx, connection, ['net-list', '--all', '--name']), virsh(ctx, connection, ['net-list', '--name'])]);
  const activeNames = new Set(namesOf(active.stdout));
  return namesOf(all.stdout).map((name) => ({ name, active: activeNames.has(name) }));
}

/** `wanted` if free, else wanted-2, wanted-3... (kept within libvirt-safe length). */
export function pickFreeName(wanted: string, taken: ReadonlySet<string>): string {
  if (!taken.has(wanted)) return wanted;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = wanted.slice(0, 64 - suffix.length) + suffix;
    if (!taken.has(candidate)) return candidate;
  }
}

function notFound(name: string, connection: LibvirtConnection): never {
  return fail('LIBVIRT_DOMAIN_NOT_FOUND', `There is no domain "${name}" on ${connection}.`, 'List the domains on that connection to see their names.', {
    details: { name, connection },
  });
}
