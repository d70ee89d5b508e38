import { readFile } from 'node:fs/promises';
import type { Application, NetworkConfig, WindowsFacts } from '../../../shared/contract/models/inspection';
import type { ToolRunner } from '../core/tool-runner';
import type { GuestfishSession } from '../appliance/guestfish-session';
import { FIRSTBOOT_LOG, FIRSTBOOT_LOG_MAX, FIRSTBOOT_RUNNER, windowsPath } from '../guest/windows/firstboot-paths';
import { controlSetName, registryReads, windowsFacts } from './windows/facts';
import type { RegistryRead } from './windows/facts';
import { RegTree, parseRegText } from './windows/registry';

/**
 * Reads a Windows guest whose system volume is mounted (read-only) at / in the appliance: the
 * SYSTEM and SOFTWARE hives are downloaded and read on the host with hivex (hivexget for one
 * key's values, hivexregedit --export for a subtree), and hiberfil.sys's header tells whether
 * the system is hibernated.
 */

export interface WindowsCollection {
  facts: WindowsFacts;
  applications: Application[];
  network: NetworkConfig[];
  notes: string[];
}

export async function collectWindows(
  session: GuestfishSession,
  systemRoot: string | null,
  controlSet: string | null,
  tools: ToolRunner,
  signal: AbortSignal,
): Promise<WindowsCollection> {
  const notes: string[] = [];
  const sysroot = systemRoot ?? '/Windows';
  // NTFS is mounted case-sensitively in the appliance: ask for each path's real spelling first.
  const wanted = [`${sysroot}/System32/config/SYSTEM`, `${sysroot}/System32/config/SOFTWARE`, '/hiberfil.sys'];
  const firstBoot = [FIRSTBOOT_RUNNER, FIRSTBOOT_LOG];
  const r1 = await session.batch([...wanted.map((p) => ({ name: 'case-sensitive-path', args: [p] })), ...firstBoot.map((p) => ({ name: 'case-sensitive-path', args: [p] }))]);
  const [systemPath, softwarePath, hiberPath] = wanted.map((p, i) => (r1[i]!.ok ? r1[i]!.output.trim() : p)) as [string, string, string];
  const [runnerPath, logPath] = firstBoot.map((p, i) => (r1[wanted.length + i]!.ok ? r1[wanted.length + i]!.output.trim() : p)) as [string, string];

  const systemLocal = await session.scratchPath('SYSTEM');
  const softwareLocal = await session.scratchPath('SOFTWARE');
  const hiberLocal = await session.scratchPath('hiberfil-header');
  const r2 = await session.batch([
    { name: 'download', args: [systemPath, systemLocal] },
    { name: 'download', args: [softwarePath, softwareLocal] },
    { name: 'is-file', args: [hiberPath] },
    { name: 'download-offset', args: [hiberPath, hiberLocal, '0', '8'] },
    { name: 'is-file', args: [runnerPath] },
    { name: 'filesize', args: [logPath] },
  ]);
  const haveSystem = r2[0]!.ok;
  const haveSoftware = r2[1]!.ok;
  if (!haveSystem) notes.push(`The SYSTEM hive could not be read: ${r2[0]!.error}`);
  if (!haveSoftware) notes.push(`The SOFTWARE hive could not be read: ${r2[1]!.error}`);
  const hiberPresent = r2[2]!.ok && r2[2]!.output.trim() === 'true';
  const header = hiberPresent && r2[3]!.ok ? (await readFile(hiberLocal)).subarray(0, 4).toString('latin1') : null;

  const registry = await readRegistry(tools, { system: haveSystem ? systemLocal : null, software: haveSoftware ? softwareLocal : null }, controlSet, signal);
  const { facts, applications, network } = windowsFacts({ ...registry, systemRoot, hiberfil: { present: hiberPresent, header } });
  const runnerPresent = r2[4]!.ok && r2[4]!.output.trim() === 'true';
  const logSize = r2[5]!.ok ? Number(r2[5]!.output.trim()) : null;
  const drive = /^([A-Za-z]):/.exec(registry.software.string('Microsoft\\Windows NT\\CurrentVersion', 'SystemRoot') ?? '')?.[1] ?? 'C';
  if (runnerPresent || logSize !== null) facts.firstBoot = await readFirstBootLog(session, logPath, logSize, drive);
  return { facts, applications, network, notes };
}

/** The end of hyper2kvm's first-boot log (written by the guest at its first boot on KVM), when there is one. */
async function readFirstBootLog(session: GuestfishSession, path: string, size: number | null, drive: string): Promise<NonNullable<WindowsFacts['firstBoot']>> {
  const logPath = windowsPath(drive, FIRSTBOOT_LOG);
  if (size === null || !Number.isFinite(size)) return { logPath, log: null, truncated: false };
  const local = await session.scratchPath('firstboot.log');
  const length = Math.min(size, FIRSTBOOT_LOG_MAX);
  const [r] = await session.batch([{ name: 'download-offset', args: [path, local, String(size - length), String(length)] }]);
  // cmd.exe writes the console's code page; its ASCII part is what the log's lines are made of.
  const log = r?.ok ? (await readFile(local)).toString('latin1').replace(/\r\n/g, '\n') : null;
  return { logPath, log, truncated: size > length };
}

/**
 * Everything the Windows facts need from the two hive files on the host (two hivex calls at a
 * time). The control set comes from libguestfs when it found one, else from SYSTEM\Select.
 */
export async function readRegistry(
  tools: ToolRunner,
  hives: { system: string | null; software: string | null },
  controlSet: string | null,
  signal: AbortSignal,
): Promise<{ system: RegTree; software: RegTree; controlSet: string | null }> {
  const system = new RegTree();
  const software = new RegTree();
  let cs = controlSet;
  if (hives.system && !cs) {
    const select = await readKey(tools, hives.system, { hive: 'SYSTEM', key: 'Select', mode: 'values' }, signal);
    cs = controlSetName(select);
  }
  const reads = registryReads(cs ?? 'ControlSet001').filter((r) => (r.hive === 'SYSTEM' ? hives.system : hives.software));
  const trees = await mapLimit(reads, 2, (read) => readKey(tools, (read.hive === 'SYSTEM' ? hives.system : hives.software)!, read, signal));
  reads.forEach((read, k) => (read.hive === 'SYSTEM' ? system : software).merge(trees[k]!));
  return { system, software, controlSet: cs };
}

/**
 * One registry read. A key that does not exist is simply empty (hivexget exits 1, hivexregedit
 * dies with 255): most keys we ask for are optional (a driver that is not installed).
 */
export async function readKey(tools: ToolRunner, hiveFile: string, read: RegistryRead, signal: AbortSignal): Promise<RegTree> {
  if (read.mode === 'values') {
    const { stdout } = await tools.run('hivexget', [hiveFile, read.key], { signal, okExitCodes: [0, 1] });
    const tree = new RegTree();
    tree.merge(parseRegText(stdout, 10), read.key);
    return tree;
  }
  const { stdout } = await tools.run('hivexregedit', ['--export', hiveFile, read.key], { signal, okExitCodes: [0, 255] });
  return parseRegText(stdout, 16);
}

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
