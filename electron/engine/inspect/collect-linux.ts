import { readFile } from 'node:fs/promises';
import type { Application, LinuxFacts, NetworkConfig } from '../../../shared/contract/models/inspection';
import type { ToolRunner } from '../core/tool-runner';
import type { GfCommand, GfResult } from '../appliance/guestfish-protocol';
import { known, parseBool, parseInteger, parseLines, parseStructList } from '../appliance/guestfish-protocol';
import type { GuestfishSession } from '../appliance/guestfish-session';
import { GuestTree, readTar } from '../appliance/guest-tree';
import { hostDecompressor } from './linux/decompress';
import { BLS_DIR, BOOT_CONFIGS, ETC_EXCLUDES, LINUX_LINKS, LINUX_PRESENCE, PACKAGE_DATABASES, VIRTIO_BOOT_DRIVERS, initramfsFor, kernelVersions, linuxFacts } from './linux/facts';
import type { KernelInputs } from './linux/facts';
import { listInitramfs } from './linux/initramfs';
import { JOURNAL_DIR, JOURNAL_MAX_BYTES, hasJournalFiles, volatileJournal } from './linux/journal';
import { readGuestJournal } from './linux/journal-read';
import { recentLogins, wtmpTail } from './linux/wtmp';
import { parseApkInstalled, parseDpkgStatus } from './linux/packages';
import { VENDOR_UNIT_DIRS, unitDirsToFetch } from './linux/systemd';

/**
 * Reads a Linux guest whose file systems are mounted (read-only) at their mountpoints in the
 * appliance (their free space is the inspection's statvfs, taken with the mounts): first cheap
 * checks (what exists, listings), then the initramfs images, then /etc as one tar, the boot loader configuration and the package database while the host
 * lists the initramfs images. Every file transfer costs ~150 ms in a TCG appliance, whatever its size:
 * few, large transfers win.
 */

export interface LinuxCollection {
  facts: LinuxFacts;
  network: NetworkConfig[];
  applications: Application[];
  notes: string[];
  /** What was read, for the repair planner that works from the same reads (no second download). */
  tree: GuestTree;
  kernels: KernelInputs;
}

/** /lib/modules may hold leftovers of many kernels: read modules.builtin and initramfs for at most this many. */
const MAX_KERNELS = 8;
const WTMP = '/var/log/wtmp';

export async function collectLinux(
  session: GuestfishSession,
  root: string,
  packageFormat: string | null,
  tools: ToolRunner,
  signal: AbortSignal,
): Promise<LinuxCollection> {
  const notes: string[] = [];
  const tree = new GuestTree();
  const database = packageFormat === 'deb' || packageFormat === 'apk' ? PACKAGE_DATABASES[packageFormat] : null;
  const wantsLibguestfsApps = database === null;

  // Round trip 1: existence, listings, links, usage (no file transfer).
  const first: GfCommand[] = [
    { name: 'is-dir', args: ['/etc'] },
    { name: 'is-dir', args: [BLS_DIR] },
    ...BOOT_CONFIGS.map((path) => ({ name: 'exists', args: [path] })),
    { name: 'ls', args: ['/boot'] },
    { name: 'ls', args: ['/lib/modules'] },
    ...(database ? [{ name: 'exists', args: [database] }] : []),
    ...LINUX_LINKS.map((link) => ({ name: 'readlink', args: [link] })),
    ...LINUX_PRESENCE.map((path) => ({ name: 'exists', args: [path] })),
    ...(wantsLibguestfsApps ? [{ name: 'inspect-list-applications2', args: [root] }] : []),
    // systemd's vendor unit folders (fetched in round trip 3), and whether /lib is merged into /usr.
    { name: 'readlink', args: ['/lib'] },
    ...VENDOR_UNIT_DIRS.map((dir) => ({ name: 'is-dir', args: [dir] })),
    // A guest that has run: its journal (du is in KiB) and its logins, read in round trip 3.
    { name: 'is-dir', args: [JOURNAL_DIR] },
    { name: 'du', args: [JOURNAL_DIR] },
    { name: 'find', args: [JOURNAL_DIR] },
    { name: 'filesize', args: [WTMP] },
  ];
  const r1 = cursor(await session.batch(first));
  const hasEtc = parseBool(r1.next().output) === true;
  const hasBls = parseBool(r1.next().output) === true;
  const bootConfigs = BOOT_CONFIGS.filter(() => parseBool(r1.next().output) === true);
  const bootList = r1.next();
  const bootFiles = bootList.ok ? parseLines(bootList.output) : [];
  if (!bootList.ok) notes.push('/boot could not be listed; the kernels are unknown.');
  const modulesList = r1.next();
  const moduleDirs = modulesList.ok ? parseLines(modulesList.output) : [];
  const hasDatabase = database ? parseBool(r1.next().output) === true : false;
  for (const link of LINUX_LINKS) {
    const result = r1.next();
    if (result.ok && result.output) tree.addSymlink(link, result.output.trim());
  }
  for (const path of LINUX_PRESENCE) if (parseBool(r1.next().output)) tree.addFile(path, Buffer.alloc(0));
  let libguestfsApps: Application[] = [];
  if (wantsLibguestfsApps) {
    const result = r1.next();
    if (result.ok) libguestfsApps = parseStructList(result.output).map((app) => app2ToApplication(app, packageFormat));
    else notes.push(`The package list could not be read: ${result.error}`);
  }
  const libLink = r1.next();
  if (libLink.ok && libLink.output.trim()) tree.addSymlink('/lib', libLink.output.trim());
  const unitDirs = unitDirsToFetch(
    VENDOR_UNIT_DIRS.filter(() => parseBool(r1.next().output) === true),
    libLink.ok ? libLink.output.trim() : null,
  );
  const hasJournalDir = parseBool(r1.next().output) === true;
  const journalDu = r1.next();
  const journalKib = journalDu.ok ? parseInteger(journalDu.output) : null;
  const journalSize = journalKib === null ? null : journalKib * 1024;
  const journalFind = r1.next();
  const journalFiles = hasJournalDir && journalFind.ok && hasJournalFiles(parseLines(journalFind.output));
  const readJournal = journalFiles && journalSize !== null && journalSize <= JOURNAL_MAX_BYTES;
  if (journalFiles && !readJournal) notes.push(`The guest's journal takes ${journalSize === null ? 'an unknown amount' : `${Math.round(journalSize / 1048576)} MiB`}, more than the ${JOURNAL_MAX_BYTES / 1048576} MiB read; it was not read.`);
  const wtmpSize = r1.next();
  const wtmpRange = wtmpTail(wtmpSize.ok ? (parseInteger(wtmpSize.output) ?? 0) : 0);

  // Round trip 2: each initramfs first, so listing it on the host (decompressing: the slow part)
  // overlaps round trip 3.
  const kernels = kernelVersions(bootFiles).slice(0, MAX_KERNELS);
  const images = await Promise.all(
    kernels
      .map((k) => initramfsFor(k.version, bootFiles))
      .filter((name): name is string => name !== null)
      .map(async (name) => ({ name, local: await session.scratchPath(name) })),
  );
  const r2 = images.length ? await session.batch(images.map((image) => ({ name: 'download', args: [`/boot/${image.name}`, image.local] }))) : [];
  const decompress = hostDecompressor(tools, session.workDir, signal);
  const listings = Promise.all(
    images.map(async (image, k) => {
      const result = r2[k]!;
      if (!result.ok) {
        notes.push(`/boot/${image.name} could not be read (${result.error}); its drivers are unknown.`);
        return [image.name, null] as const;
      }
      const contents = await listInitramfs(await readFile(image.local), decompress);
      if (contents === null) notes.push(`/boot/${image.name} is compressed in a way this host cannot read; its drivers are unknown.`);
      return [image.name, contents] as const;
    }),
  );
  // Never an unhandled rejection while round trip 3 is in flight.
  listings.catch(() => undefined);

  // Round trip 3: /etc as one tar, the boot loader configuration and the package database.
  const etcTar = await session.scratchPath('etc.tar');
  const blsTar = await session.scratchPath('bls.tar');
  const dbLocal = await session.scratchPath('packages');
  const configLocals = await Promise.all(bootConfigs.map((path) => session.scratchPath(path)));
  const unitTars = await Promise.all(unitDirs.map((dir) => session.scratchPath(`units${dir.replaceAll('/', '-')}.tar`)));
  const journalTar = await session.scratchPath('journal.tar');
  const wtmpLocal = await session.scratchPath('wtmp');
  const third: GfCommand[] = [
    ...(hasEtc ? [{ name: 'tar-out', args: ['/etc', etcTar], opts: { excludes: ETC_EXCLUDES } }] : []),
    ...(hasBls ? [{ name: 'tar-out', args: [BLS_DIR, blsTar] }] : []),
    ...bootConfigs.map((path, i) => ({ name: 'download', args: [path, configLocals[i]!] })),
    ...(database && hasDatabase ? [{ name: 'download', args: [database, dbLocal] }] : []),
    ...unitDirs.map((dir, i) => ({ name: 'tar-out', args: [dir, unitTars[i]!] })),
    ...(readJournal ? [{ name: 'tar-out', args: [JOURNAL_DIR, journalTar] }] : []),
    // The last records only: wtmp grows for the guest's whole life unless logrotate trims it.
    ...(wtmpRange.size ? [{ name: 'download-offset', args: [WTMP, wtmpLocal, String(wtmpRange.offset), String(wtmpRange.size)] }] : []),
  ];
  const r3 = cursor(third.length ? await session.batch(third) : []);
  if (hasEtc) {
    const result = r3.next();
    if (result.ok) tree.add(readTar(await readFile(etcTar), '/etc'));
    else notes.push(`/etc could not be read: ${result.error}`);
  } else notes.push('The guest has no /etc.');
  if (hasBls) {
    const result = r3.next();
    if (result.ok) tree.add(readTar(await readFile(blsTar), BLS_DIR));
    else notes.push(`${BLS_DIR} could not be read: ${result.error}`);
  }
  for (const [i, path] of bootConfigs.entries()) {
    const result = r3.next();
    if (result.ok) tree.addFile(path, await readFile(configLocals[i]!));
    else notes.push(`${path} could not be read: ${result.error}`);
  }
  if (database && hasDatabase) {
    const result = r3.next();
    if (result.ok) tree.addFile(database, await readFile(dbLocal));
    else notes.push(`${database} could not be read: ${result.error}`);
  }
  for (const [i, dir] of unitDirs.entries()) {
    const result = r3.next();
    if (result.ok) tree.add(readTar(await readFile(unitTars[i]!), dir));
    else notes.push(`${dir} could not be read (${result.error}); the states of its units are unknown.`);
  }
  let journalRead: Promise<{ journal: LinuxFacts['journal']; notes: string[] }> = Promise.resolve({ journal: hasJournalDir && journalFiles ? null : volatileJournal(journalSize), notes: [] });
  if (readJournal) {
    const result = r3.next();
    if (result.ok) journalRead = readGuestJournal(tools, journalTar, `${journalTar}.d`, journalSize, signal);
    else notes.push(`${JOURNAL_DIR} could not be read: ${result.error}`);
  } else if (journalFiles) journalRead = Promise.resolve({ journal: { persistent: true, size: journalSize, boots: [], lastBoot: null }, notes: [] });
  // Read by journalctl on the host while round trip 4 runs; never an unhandled rejection meanwhile.
  journalRead.catch(() => undefined);
  let logins: LinuxFacts['logins'] = [];
  if (wtmpRange.size) {
    const result = r3.next();
    if (result.ok) logins = recentLogins(await readFile(wtmpLocal));
    else notes.push(`${WTMP} could not be read: ${result.error}`);
  }
  const initramfsContents: Record<string, string[] | null> = Object.fromEntries(await listings);

  // Round trip 4, only when an initramfs lacks a virtio driver: is it built into the kernel?
  const builtin: Record<string, string | null> = {};
  const lacking = kernels.filter((k) => {
    const name = initramfsFor(k.version, bootFiles);
    const contents = name ? initramfsContents[name] : null;
    return moduleDirs.includes(k.version) && (!contents || VIRTIO_BOOT_DRIVERS.some((m) => !contents.some((p) => p.includes(`/${m}.ko`))));
  });
  if (lacking.length) {
    const locals = await Promise.all(lacking.map((k) => session.scratchPath(`builtin-${k.version}`)));
    const r4 = await session.batch(lacking.map((k, i) => ({ name: 'download', args: [`/lib/modules/${k.version}/modules.builtin`, locals[i]!] })));
    for (const [i, k] of lacking.entries()) builtin[k.version] = r4[i]!.ok ? await readFile(locals[i]!, 'utf8') : null;
  }

  const applications = packageFormat === 'deb' ? parseFrom(tree, PACKAGE_DATABASES.deb, parseDpkgStatus) : packageFormat === 'apk' ? parseFrom(tree, PACKAGE_DATABASES.apk, parseApkInstalled) : libguestfsApps;
  const kernelInputs: KernelInputs = { bootFiles, moduleDirs, builtin, initramfsContents };
  const { facts, network } = linuxFacts({ tree, applications, kernels: kernelInputs });
  const journal = await journalRead;
  notes.push(...journal.notes);
  // Without systemd (Alpine, SysV init) there is no journal to miss: null, no note.
  if (facts.systemd && !hasJournalDir) notes.push(`The guest has no ${JOURNAL_DIR}: journald keeps its journal in memory only, so no past boot can be read.`);
  else if (facts.systemd && !journalFiles) notes.push(`${JOURNAL_DIR} holds no journal files: no past boot can be read.`);
  facts.journal = facts.systemd || journalFiles ? journal.journal : null;
  facts.logins = logins;
  return { facts, network, applications, notes, tree, kernels: kernelInputs };
}

function cursor(results: readonly GfResult[]): { next(): GfResult } {
  let i = 0;
  return {
    next(): GfResult {
      const result = results[i++];
      if (!result) throw new Error('guestfish returned fewer results than commands sent');
      return result;
    },
  };
}

function parseFrom(tree: GuestTree, path: string, parse: (text: string) => Application[]): Application[] {
  const text = tree.text(path);
  return text === null ? [] : parse(text);
}

/** One struct of inspect-list-applications2 as guestfish prints it. */
export function app2ToApplication(s: Record<string, string>, packageFormat: string | null): Application {
  const origin: Application['origin'] = packageFormat === 'rpm' ? 'rpm' : packageFormat === 'pacman' ? 'pacman' : 'other';
  const app: Application = { name: s.app2_name ?? '', version: s.app2_version ?? '', origin };
  const epoch = Number(s.app2_epoch);
  if (Number.isInteger(epoch) && epoch > 0) app.epoch = epoch;
  const set = (field: 'displayName' | 'release' | 'arch' | 'installPath' | 'publisher' | 'url' | 'sourcePackage' | 'summary' | 'description', value: string | undefined): void => {
    const v = known(value);
    if (v) app[field] = v;
  };
  set('displayName', s.app2_display_name);
  set('release', s.app2_release);
  set('arch', s.app2_arch);
  set('installPath', s.app2_install_path);
  set('publisher', s.app2_publisher);
  set('url', s.app2_url);
  set('sourcePackage', s.app2_source_package);
  set('summary', s.app2_summary);
  set('description', s.app2_description);
  return app;
}
