import { closeSync, existsSync, openSync } from 'node:fs';
import { access, constants, readdir, readFile, stat, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { kvmStatus } from '../core/accel';
import { toEngineError } from '../core/errors';
import { findTool } from '../core/tools';
import type { ToolRunner } from '../core/tool-runner';
import { chooseOvmf } from '../libvirt/firmware';
import { appHome } from '../paths';
import { agentCheck, cpuVirtualization, findAgents, kernelCheck, kvmCheck, libvirtCheck, ovmfCheck, POLICY_PATH, polkitCheck, spaceChecks, toolCheck } from './checks';
import type { FolderSpace, HostCheck, PolkitFacts, VirshOutcome } from './checks';
import { describeTools, TOOL_COMPONENTS } from './tool-versions';

/**
 * `hyper2kvm doctor`: looks at this host the way the app will use it — the tools, KVM, libvirtd,
 * free space where disks go, and polkit for writing into system folders — and returns one check
 * per part (checks.ts decides what each observation means and what to do about it).
 */

export interface DoctorOptions {
  tools: ToolRunner;
  /** Where converted disks will go. */
  outDir: string;
  /** The libvirt connection to try. */
  connection: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  /** Whether this process has a controlling terminal, where pkexec prompts without an agent (default: /dev/tty opens). */
  terminal?: boolean;
}

const LIBVIRTD = '/usr/sbin/libvirtd';
const LIBVIRT_IMAGES = '/var/lib/libvirt/images';
const VIRSH_TIMEOUT_MS = 15_000;

export async function runDoctor(options: DoctorOptions): Promise<HostCheck[]> {
  const env = options.env ?? process.env;
  const uid = options.uid ?? process.getuid?.() ?? 0;
  const root = uid === 0;
  const [reports, kvm, cpuinfo, virsh, space, polkit, agents, kernels] = await Promise.all([
    describeTools(options.tools),
    kvmStatus(options.tools, env),
    readFile('/proc/cpuinfo', 'utf8').catch(() => ''),
    virshVersion(options.tools, options.connection),
    folderSpace(options.outDir, env),
    polkitFacts(options.tools, root),
    agentProcesses(),
    bootKernels(),
  ]);
  const toolChecks = TOOL_COMPONENTS.map((component, i) => toolCheck(component, reports[i]!));
  const [qemuImg, ...otherTools] = toolChecks;
  return [
    qemuImg!,
    kvmCheck(kvm, cpuVirtualization(cpuinfo)),
    libvirtCheck(options.connection, virsh, existsSync(LIBVIRTD)),
    ...spaceChecks(space),
    polkitCheck(polkit),
    agentCheck({ root, agents: findAgents(agents, uid), terminal: options.terminal ?? hasControllingTerminal() }),
    ...otherTools,
    kernelCheck(kernels),
    ovmfCheck(chooseOvmf(false, existsSync)?.loader ?? null),
  ];
}

/** pkexec's text prompt opens /dev/tty, which only a process with a controlling terminal can. */
function hasControllingTerminal(): boolean {
  try {
    closeSync(openSync('/dev/tty', 'r'));
    return true;
  } catch {
    return false;
  }
}

async function virshVersion(tools: ToolRunner, uri: string): Promise<VirshOutcome> {
  if (!findTool('virsh')) return { ok: false, missing: true };
  try {
    const { stdout } = await tools.run('virsh', ['-c', uri, 'version'], { signal: AbortSignal.timeout(VIRSH_TIMEOUT_MS), env: { LC_ALL: 'C' } });
    return { ok: true, stdout };
  } catch (error) {
    return { ok: false, error: toEngineError(error) };
  }
}

/** The folders the app writes to: converted disks, libvirt's image folder, job records, the appliance cache. */
async function folderSpace(outDir: string, env: NodeJS.ProcessEnv): Promise<FolderSpace[]> {
  const folders = [
    { purpose: 'converted disks', path: outDir },
    ...(existsSync(LIBVIRT_IMAGES) ? [{ purpose: 'libvirt images', path: LIBVIRT_IMAGES }] : []),
    { purpose: 'job records', path: appHome(env) },
    { purpose: 'libguestfs appliance', path: env.LIBGUESTFS_CACHEDIR || env.TMPDIR || '/var/tmp' },
  ];
  const measured = await Promise.all(
    folders.map(async (folder) => {
      const existing = nearestExisting(folder.path);
      const [fs, s] = await Promise.all([statfs(existing), stat(existing)]);
      return { ...folder, existing, device: s.dev, freeBytes: fs.bavail * fs.bsize };
    }),
  );
  return measured;
}

function nearestExisting(path: string): string {
  for (let dir = path; ; dir = dirname(dir)) {
    if (existsSync(dir) || dir === dirname(dir)) return dir;
  }
}

async function polkitFacts(tools: ToolRunner, root: boolean): Promise<PolkitFacts> {
  const policyText = await readFile(POLICY_PATH, 'utf8').catch(() => null);
  const execPath = policyText ? (/<annotate key="org\.freedesktop\.policykit\.exec\.path">\s*([^<\s]+)\s*<\/annotate>/.exec(policyText)?.[1] ?? null) : null;
  const launcher = execPath ? await launcherState(execPath) : null;
  return { root, policy: policyText === null ? null : { path: POLICY_PATH, execPath }, launcher, polkitd: await askPolkitd(tools, policyText !== null) };
}

/** pkexec runs the launcher as root: it must exist and only root may change it or its folders. */
async function launcherState(path: string): Promise<{ exists: boolean; safe: boolean }> {
  try {
    await access(path, constants.X_OK);
  } catch {
    return { exists: false, safe: false };
  }
  for (let p = path; ; p = dirname(p)) {
    const s = await stat(p);
    if (s.uid !== 0 || (s.mode & 0o022) !== 0) return { exists: true, safe: false };
    if (p === dirname(p)) return { exists: true, safe: true };
  }
}

async function askPolkitd(tools: ToolRunner, policyInstalled: boolean): Promise<PolkitFacts['polkitd']> {
  if (!findTool('pkaction')) return 'no-pkaction';
  // Our action when its policy is installed, else polkit's own (always defined) to see it answers.
  const action = policyInstalled ? 'org.hyper2kvm.helper' : 'org.freedesktop.policykit.exec';
  try {
    await tools.run('pkaction', ['--action-id', action], { signal: AbortSignal.timeout(VIRSH_TIMEOUT_MS) });
    return 'answers';
  } catch (error) {
    const value = toEngineError(error);
    const text = `${value.evidence?.stderrTail ?? ''} ${value.message}`;
    if (/authority|could not connect|no such file/i.test(text)) return 'no-authority';
    if (/no action with action id/i.test(text)) return 'unknown-action';
    return { other: value.message };
  }
}

/** argv[0] and owner of every process we can see. */
async function agentProcesses(): Promise<Array<{ uid: number; argv0: string }>> {
  const pids = (await readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name));
  const found = await Promise.all(
    pids.map(async (pid) => {
      try {
        const [cmdline, status] = await Promise.all([readFile(`/proc/${pid}/cmdline`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
        const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
        return { uid, argv0: cmdline.split('\0')[0] ?? '' };
      } catch {
        return null; // gone meanwhile
      }
    }),
  );
  return found.filter((p): p is { uid: number; argv0: string } => p !== null && p.argv0 !== '');
}

async function bootKernels(): Promise<Array<{ path: string; readable: boolean }>> {
  const names = (await readdir('/boot').catch(() => [])).filter((n) => n.startsWith('vmlinuz-')).sort();
  return Promise.all(
    names.map(async (name) => {
      const path = join('/boot', name);
      const readable = await access(path, constants.R_OK).then(
        () => true,
        () => false,
      );
      return { path, readable };
    }),
  );
}
