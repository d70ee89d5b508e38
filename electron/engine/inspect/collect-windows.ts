import { readFile } from 'node:fs/promises';
import type { Application, NetworkConfig, WindowsFacts } from '../../../shared/contract/models/inspection';
import type { ToolRunner } from '../core/tool-runner';
import type { GuestfishSession } from './guestfish-session';
import { parseStatvfs } from './storage';
import type { UsageInfo } from './storage';
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
  usage: UsageInfo | null;
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
  const r1 = await session.batch([...wanted.map((p) => ({ name: 'case-sensitive-path', args: [p] })), { name: 'statvfs', args: ['/'] }]);
  const [systemPath, softwarePath, hiberPath] = wanted.map((p, i) => (r1[i]!.ok ? r1[i]!.output.trim() : p)) as [string, string, string];
  const usage = r1[3]!.ok ? parseStatvfs(r1[3]!.output) : null;

  const systemLocal = await session.scratchPath('SYSTEM');
  const softwareLocal = await session.scratchPath('SOFTWARE');
  const hiberLocal = await session.scratchPath('hiberfil-header');
  const r2 = await session.batch([
    { name: 'download', args: [systemPath, systemLocal] },
    { name: 'download', args: [softwarePath, softwareLocal] },
    { name: 'is-file', args: [hiberPath] },
    { name: 'download-offset', args: [hiberPath, hiberLocal, '0', '8'] },
  ]);
  const haveSystem = r2[0]!.ok;
  const haveSoftware = r2[1]!.ok;
  if (!haveSystem) notes.push(`The SYSTEM hive could not be read: ${r2[0]!.error}`);
  if (!haveSoftware) notes.push(`The SOFTWARE hive could not be read: ${r2[1]!.error}`);
  const hiberPresent = r2[2]!.ok && r2[2]!.output.trim() === 'true';
  const header = hiberPresent && r2[3]!.ok ? (await readFile(hiberLocal)).subarray(0, 4).toString('latin1') : null;

  const registry = await readRegistry(tools, { system: haveSystem ? systemLocal : null, software: haveSoftware ? softwareLocal : null }, controlSet, signal);
  const { facts, applications, network } = windowsFacts({ ...registry, systemRoot, hiberfil: { present: hiberPresent, header } });
  return { facts, applications, network, usage, notes };
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

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
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
