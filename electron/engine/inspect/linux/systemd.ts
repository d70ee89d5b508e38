import type { Evidence, SystemdSocket, SystemdTimer, UnitChain, UnitFile, UnitFileState } from '../../../../shared/contract/models/inspection';
import { GuestTree, joinGuestPath } from '../../appliance/guest-tree';
import { GENERATOR_DIR, GENERATOR_DIRS, GENERATOR_LATE_DIR, generatorOutput } from './generated-units';
import { unitChains } from './unit-chain';
import type { PullKind, UnitGraph, UnitNode, UnitPull } from './unit-chain';

/**
 * The guest's systemd unit files, read from its disk without booting it: what
 * `systemctl list-unit-files` would print there (each unit's enablement state), its timers and
 * sockets. Pure: the inspection fetches the unit folders (unitDirsToFetch), this reads them.
 *
 * The states follow systemd's own offline logic (src/shared/install.c, unit_file_lookup_state):
 *  - masked:   the first file found for the name is a symlink to /dev/null or an empty file;
 *  - alias:    the name is a symlink to a unit of another name (dbus-org.freedesktop.*, ctrl-alt-del.target);
 *  - enabled:  a symlink in /etc/systemd/system (in a .wants/.requires/.upholds folder, or an
 *              Alias= link) carries a name the unit's [Install] section would create;
 *  - indirect: it is linked under another name (a template's instance other than DefaultInstance),
 *              or its [Install] section only has Also=;
 *  - linked:   /etc/systemd/system/NAME is a symlink to a file of the same name outside the search path;
 *  - disabled: it has WantedBy=, RequiredBy=, UpheldBy= or Alias= and nothing above;
 *  - static:   none of these ([Install] absent or without them);
 *  - generated: the unit comes from a generator's folder in /run (below).
 * A name that resolves to nothing (a dangling alias: systemctl says "bad") is left out.
 *
 * /run does not exist on a stopped guest, so `systemctl list-unit-files --root` never prints
 * "generated". On the running guest, though, systemd-sysv-generator and systemd-fstab-generator
 * turn /etc/init.d scripts and /etc/fstab lines into units at every boot (generated-units.ts works
 * out what they write): their output is laid over the search path where systemd puts it (the fstab
 * units after /etc, the init scripts' last), so a unit file of the same name in a folder before
 * wins as it does in systemd, their .wants/.requires links join the boot chains, and they are
 * listed as "generated" with the file they come from (/etc/init.d/NAME, /etc/fstab) as path, as
 * `systemctl status` shows it. Other generators (getty, gpt-auto, cryptsetup...) read the kernel
 * command line or the hardware: left out. "transient" units (systemd-run) have no file: never reported.
 */

/** Where systemd looks for system units, highest priority first, as far as it exists offline. */
export const CONFIG_UNIT_DIR = '/etc/systemd/system';
/**
 * /run/systemd/system comes after /etc but is empty on a stopped guest. /lib/systemd/system is
 * only read when /lib is a real folder (not the merged-/usr symlink to usr/lib); distributions that
 * split /usr put almost everything there, and a name rarely exists in both.
 */
export const UNIT_SEARCH_PATH = [CONFIG_UNIT_DIR, '/usr/local/lib/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'] as const;

/**
 * The vendor unit folders the inspection fetches (one tar-out each, in the round trip that takes
 * /etc), when they exist: /lib/systemd/system only when /lib is a real folder.
 */
export const VENDOR_UNIT_DIRS = ['/usr/lib/systemd/system', '/lib/systemd/system', '/usr/local/lib/systemd/system'] as const;

/** Which of VENDOR_UNIT_DIRS to fetch, from what exists and where /lib points (null: not a symlink). */
export function unitDirsToFetch(existing: readonly string[], libLink: string | null): string[] {
  const merged = libLink !== null && joinGuestPath('/', libLink) === '/usr/lib';
  return VENDOR_UNIT_DIRS.filter((dir) => existing.includes(dir) && !(merged && dir.startsWith('/lib/')));
}

/** Unit types a unit file can define (device units come from udev, never from a file). */
const UNIT_TYPES = ['service', 'socket', 'target', 'device', 'mount', 'automount', 'swap', 'timer', 'path', 'slice', 'scope'] as const;
const UNIT_NAME = new RegExp(`^([A-Za-z0-9:_.\\\\-]+?)(@[A-Za-z0-9:_.\\\\-]*)?\\.(${UNIT_TYPES.join('|')})$`);

/** True for the names systemd accepts as unit names ("foo.service", "foo@.service", "foo@bar.service"). */
export function isUnitName(name: string): boolean {
  return name.length <= 255 && UNIT_NAME.test(name);
}

function unitType(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** "foo@bar.service" → "foo@.service"; null for names that are not instances. */
export function templateOf(name: string): string | null {
  const m = /^([^@]+)@([^@]+)(\.[a-z]+)$/.exec(name);
  return m ? `${m[1]}@${m[3]}` : null;
}

function isInstance(name: string): boolean {
  return templateOf(name) !== null;
}

function isTemplate(name: string): boolean {
  return /^[^@]+@\.[a-z]+$/.test(name);
}

/** "foo@bar.service" → "bar". */
function instanceOf(name: string): string | null {
  return /^[^@]+@([^@]+)\.[a-z]+$/.exec(name)?.[1] ?? null;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

// ---------------------------------------------------------------------------------------------
// Unit file syntax (systemd.syntax(7))

export interface UnitDirective {
  section: string;
  key: string;
  /** Trimmed; continuation lines joined (the trailing backslash becomes a space). */
  value: string;
  /** The file and the line the directive starts on. */
  path: string;
  line: number;
}

/**
 * Parses a unit file or drop-in the way systemd's config_parse does: "[Section]" headers,
 * Key=Value lines, comments (# and ;) as whole lines only — also between continuation lines,
 * which systemd skips —, and a line ending in an unescaped backslash continued by the next.
 */
export function parseUnitFile(text: string, path: string): UnitDirective[] {
  const directives: UnitDirective[] = [];
  let section = '';
  let continued: { text: string; line: number } | null = null;
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (const [index, raw] of lines.entries()) {
    const lineText = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const lead = lineText.trimStart();
    if (lead.startsWith('#') || lead.startsWith(';')) continue;
    const joined: string = continued ? continued.text + lineText : lineText;
    const start: number = continued ? continued.line : index + 1;
    // A backslash escapes the next character: only an odd run at the end continues the line.
    const trailing = /\\*$/.exec(joined)![0].length;
    if (trailing % 2 === 1 && index < lines.length - 1) {
      continued = { text: `${joined.slice(0, -1)} `, line: start };
      continue;
    }
    continued = null;
    const l = joined.trim();
    if (!l || l.startsWith('#') || l.startsWith(';')) continue;
    if (l.startsWith('[')) {
      if (l.endsWith(']')) section = l.slice(1, -1);
      continue;
    }
    const eq = l.indexOf('=');
    if (eq <= 0) continue; // systemd logs "Missing '='" and ignores the line
    directives.push({ section, key: l.slice(0, eq).trim(), value: l.slice(eq + 1).trim(), path, line: start });
  }
  return directives;
}

/** The value of the last assignment of a key (an empty assignment resets it: null). */
export function lastValue(directives: readonly UnitDirective[], section: string, key: string): UnitDirective | null {
  let found: UnitDirective | null = null;
  for (const d of directives) if (d.section === section && d.key === key) found = d.value === '' ? null : d;
  return found;
}

/**
 * A list setting spread over several keys (Listen*=, On*Sec=, ExecStart=...): each assignment adds,
 * an empty one resets the whole list (what systemd does for these settings, so a drop-in can
 * replace what the unit file says).
 */
export function listValues(directives: readonly UnitDirective[], section: string, keys: readonly string[]): UnitDirective[] {
  let list: UnitDirective[] = [];
  for (const d of directives) {
    if (d.section !== section || !keys.includes(d.key)) continue;
    if (d.value === '') list = [];
    else list.push(d);
  }
  return list;
}

function words(value: string): string[] {
  return value.split(/\s+/).filter(Boolean);
}

function parseBoolean(value: string | undefined): boolean {
  return /^(1|yes|y|true|t|on)$/i.test(value ?? '');
}

// ---------------------------------------------------------------------------------------------
// The unit folders as systemd searches them

/** The search path in this guest: /lib/systemd/system is skipped when /lib links to usr/lib. */
export function unitSearchPath(tree: GuestTree): string[] {
  const lib = tree.get('/lib');
  const libIsLink = lib?.kind === 'symlink' && joinGuestPath('/', lib.target ?? '') === '/usr/lib';
  return UNIT_SEARCH_PATH.filter((dir) => !(libIsLink && dir.startsWith('/lib/')));
}

/**
 * Where systemd loads units from on the running guest: the search path with the generator
 * folders at their place (path-lookup.c: GENERATOR_DIR after /etc and /run/systemd/system, before
 * /usr/local/lib; GENERATOR_LATE_DIR after the vendor folders).
 */
function loadPath(searchPath: readonly string[]): string[] {
  const at = searchPath.indexOf(CONFIG_UNIT_DIR) + 1;
  return [...searchPath.slice(0, at), GENERATOR_DIR, ...searchPath.slice(at), GENERATOR_LATE_DIR];
}

function inGeneratorDir(path: string | null): boolean {
  return path !== null && GENERATOR_DIRS.some((dir) => path.startsWith(`${dir}/`));
}

/**
 * The guest's tree with what the generators would write at boot added under /run (the tree
 * itself is left alone: a copy of its index, not of its contents).
 */
export function withGeneratedUnits(tree: GuestTree, kernelCmdline: string | null = null): GuestTree {
  const searchPath = unitSearchPath(tree);
  const nativeExists = (name: string): boolean =>
    searchPath.some((dir) => {
      const kind = tree.get(`${dir}/${name}`)?.kind;
      return kind === 'file' || kind === 'symlink';
    });
  const { files, links } = generatorOutput(tree, nativeExists, kernelCmdline);
  const view = new GuestTree();
  view.add(new Map(tree.walk('/').map((path) => [path, tree.get(path)!])));
  for (const [path, text] of files) view.addFile(path, Buffer.from(text));
  for (const [path, target] of links) view.addSymlink(path, target);
  return view;
}

interface Folder {
  entries: Array<{ name: string; path: string }>;
  subfolders: string[];
}

interface InstallInfo {
  /** The name asked for (an instance keeps its own name; its file is the template's). */
  name: string;
  masked: boolean;
  /** The file that defines it (null when masked by a /dev/null symlink). */
  path: string | null;
  aliases: string[];
  wantedBy: string[];
  requiredBy: string[];
  upheldBy: string[];
  also: string[];
  defaultInstance: string | null;
}

class UnitReader {
  /**
   * The folders `systemctl list-unit-files` looks for enablement links in (the generators' are
   * empty for it offline; on a running guest they only make an instance "static").
   */
  readonly searchPath: string[];
  /** Where units load from: the search path and the generator folders. */
  readonly loadPath: string[];
  private readonly infoCache = new Map<string, InstallInfo | null>();
  private readonly parsed = new Map<string, UnitDirective[]>();
  /** Every folder under the search path with its files, symlinks and subfolders: one pass over the tree. */
  private readonly folders = new Map<string, Folder>();

  constructor(private readonly tree: GuestTree) {
    this.searchPath = unitSearchPath(tree);
    this.loadPath = loadPath(this.searchPath);
    const folderOf = (dir: string): Folder => {
      let folder = this.folders.get(dir);
      if (!folder) this.folders.set(dir, (folder = { entries: [], subfolders: [] }));
      return folder;
    };
    for (const top of this.loadPath) {
      for (const path of tree.walk(top)) {
        // A tar stream may lack a folder's own entry: every folder on the way counts all the same.
        const parts = path.slice(top.length + 1).split('/');
        let dir = top;
        for (const part of parts.slice(0, -1)) {
          const subfolders = folderOf(dir).subfolders;
          if (!subfolders.includes(part)) subfolders.push(part);
          dir = `${dir}/${part}`;
        }
        const name = parts[parts.length - 1]!;
        const kind = tree.get(path)?.kind;
        if (kind === 'file' || kind === 'symlink') folderOf(dir).entries.push({ name, path });
        else if (kind === 'dir' && !folderOf(dir).subfolders.includes(name)) folderOf(dir).subfolders.push(name);
      }
    }
  }

  private folder(dir: string): Folder {
    return this.folders.get(dir) ?? { entries: [], subfolders: [] };
  }

  /** Files and symlinks directly in a folder. */
  entries(dir: string): Array<{ name: string; path: string }> {
    return this.folder(dir).entries;
  }

  /** Where the first symlink of this name in the search path points (its file name), null when the first is no symlink. */
  linkName(name: string): string | null {
    const path = this.find(name);
    const entry = path ? this.tree.get(path) : undefined;
    return entry?.kind === 'symlink' && entry.target ? basename(entry.target) : null;
  }

  /** The first file or symlink carrying this name in the search path. */
  private find(name: string): string | null {
    for (const dir of this.loadPath) {
      const path = `${dir}/${name}`;
      const kind = this.tree.get(path)?.kind;
      if (kind === 'file' || kind === 'symlink') return path;
    }
    return null;
  }

  directives(path: string): UnitDirective[] {
    let directives = this.parsed.get(path);
    if (!directives) {
      directives = parseUnitFile(this.tree.text(path) ?? '', path);
      this.parsed.set(path, directives);
    }
    return directives;
  }

  /**
   * Follows a name to the file that defines it, like install_info_traverse: a symlink to
   * /dev/null masks, a symlink to the same name elsewhere is a linked unit file, a symlink to
   * another name is an alias of that name (looked up again through the search path), an
   * instance without a file of its own uses its template's.
   */
  info(name: string, depth = 0): InstallInfo | null {
    if (this.infoCache.has(name)) return this.infoCache.get(name)!;
    const result = depth > 8 ? null : this.lookup(name, depth);
    this.infoCache.set(name, result);
    return result;
  }

  private lookup(name: string, depth: number): InstallInfo | null {
    const template = templateOf(name);
    const path = this.find(name) ?? (template ? this.find(template) : null);
    if (!path) return null;
    const entry = this.tree.get(path)!;
    if (entry.kind === 'file') return this.load(name, path);
    const target = entry.target ?? '';
    const absolute = joinGuestPath(target.startsWith('/') ? '/' : path.slice(0, path.lastIndexOf('/')), target);
    if (absolute === '/dev/null') return this.masked(name, null);
    const targetName = basename(target);
    // An instance of an aliased template is the same instance of the target template.
    const instance = instanceOf(name);
    const aliasName = instance && isTemplate(targetName) ? targetName.replace('@.', `@${instance}.`) : targetName;
    if (targetName !== basename(path) && aliasName !== name) {
      const aliased = this.info(aliasName, depth + 1);
      return aliased && instance ? { ...aliased, name } : aliased;
    }
    // A linked unit file (systemctl link), or an instance linked to its own template: the target,
    // wherever it is. When it lies outside what was read, its [Install] section is unknown.
    return absolute ? this.load(name, absolute) : null;
  }

  private masked(name: string, path: string | null): InstallInfo {
    return { name, masked: true, path, aliases: [], wantedBy: [], requiredBy: [], upheldBy: [], also: [], defaultInstance: null };
  }

  /** The [Install] section of the unit file itself: systemctl never reads drop-ins for it. */
  private load(name: string, path: string): InstallInfo {
    const entry = this.tree.resolve(path);
    if (entry?.kind === 'file' && entry.size === 0) return this.masked(name, path);
    const install = this.directives(path).filter((d) => d.section === 'Install');
    const list = (key: string): string[] => {
      let values: string[] = [];
      for (const d of install) if (d.key === key) values = d.value === '' ? [] : [...values, ...words(d.value)];
      return values;
    };
    return {
      name,
      masked: false,
      path,
      aliases: list('Alias'),
      wantedBy: list('WantedBy'),
      requiredBy: list('RequiredBy'),
      upheldBy: list('UpheldBy'),
      also: list('Also'),
      defaultInstance: lastValue(install, 'Install', 'DefaultInstance')?.value ?? null,
    };
  }

  /** Would `systemctl enable` create a symlink of this name for the unit? */
  private knownName(info: InstallInfo, linkName: string): boolean {
    if (linkName === info.name || info.aliases.includes(linkName)) return true;
    return info.defaultInstance !== null && isTemplate(info.name) && linkName === info.name.replace('@.', `@${info.defaultInstance}.`);
  }

  /** find_symlinks_in_directory: a symlink here that points at the unit (by name or destination). */
  private linksIn(dir: string, info: InstallInfo, byName: boolean, matchName: boolean, ignoreSameName: boolean, configPath: string, sameName: { found: boolean }): boolean {
    for (const { name, path } of this.entries(dir)) {
      const entry = this.tree.get(path);
      if (entry?.kind !== 'symlink') continue;
      let foundDest = false;
      let foundPath = false;
      if (!byName) foundDest = basename(entry.target ?? '') === info.name;
      if (byName || !ignoreSameName) foundPath = name === info.name;
      if (!foundPath && byName) foundDest = templateOf(name) === info.name;
      const same = foundPath && foundDest && path === `${configPath}/${info.name}`;
      if (same) sameName.found = true;
      else if (foundPath || foundDest) {
        if (!matchName || this.knownName(info, name)) return true;
      }
    }
    return false;
  }

  /** find_symlinks: the .wants/.requires/.upholds folders (links matched by their name), then the folder itself. */
  private links(configPath: string, info: InstallInfo, matchName: boolean, ignoreSameName: boolean, sameName: { found: boolean }): boolean {
    for (const sub of this.folder(configPath).subfolders) {
      if (!/\.(wants|requires|upholds)$/.test(sub)) continue;
      if (this.linksIn(`${configPath}/${sub}`, info, true, matchName, ignoreSameName, configPath, sameName)) return true;
    }
    return this.linksIn(configPath, info, false, matchName, ignoreSameName, configPath, sameName);
  }

  /** find_symlinks_in_scope, without the runtime folders (empty offline). */
  private linkState(info: InstallInfo, matchName: boolean): UnitFileState | null {
    let enabledAtAll = false;
    let sameNameConfig = false;
    let ignoreSameName = false;
    for (const dir of this.searchPath) {
      const sameName = { found: false };
      if (this.links(dir, info, matchName, ignoreSameName, sameName)) {
        if (dir === CONFIG_UNIT_DIR) return 'enabled';
        enabledAtAll = true;
      } else if (sameName.found && dir === CONFIG_UNIT_DIR) sameNameConfig = true;
      if (!ignoreSameName && info.path?.startsWith(`${dir}/`)) ignoreSameName = true;
    }
    // An instance linked from a vendor folder is "statically enabled".
    if (enabledAtAll && isInstance(info.name)) return 'static';
    return sameNameConfig ? 'linked' : null;
  }

  /** unit_file_lookup_state. */
  state(name: string): { state: UnitFileState; info: InstallInfo } | null {
    const info = this.info(name);
    if (!info) return null;
    if (info.masked) return { state: 'masked', info };
    if (info.path && basename(info.path) !== name && !isInstance(name)) return { state: 'alias', info };
    if (inGeneratorDir(info.path)) return { state: 'generated', info };
    const direct = this.linkState(info, true);
    if (direct) return { state: direct, info };
    if (this.linkState(info, false)) return { state: 'indirect', info };
    if (info.aliases.length || info.wantedBy.length || info.requiredBy.length || info.upheldBy.length) return { state: 'disabled', info };
    return { state: info.also.length ? 'indirect' : 'static', info };
  }

  /** Every unit name in the search path, each once (the first folder that has it decides). */
  names(): string[] {
    const names = new Set<string>();
    for (const dir of this.loadPath) for (const { name } of this.entries(dir)) if (isUnitName(name)) names.add(name);
    return [...names].sort();
  }

  /**
   * Drop-ins (NAME.d/*.conf) in every folder of the search path, also the template's
   * (foo@.service.d) and the dash prefixes' (foo-.service.d for foo-bar.service): a file name
   * in a higher-priority folder hides the same name below; they apply sorted by file name.
   */
  dropIns(name: string): string[] {
    const dirNames = dropInNames(name);
    const byFile = new Map<string, string>();
    for (const dir of this.loadPath) {
      for (const dirName of dirNames) {
        for (const { name: file, path } of this.entries(`${dir}/${dirName}.d`)) {
          if (file.endsWith('.conf') && !byFile.has(file)) byFile.set(file, path);
        }
      }
    }
    return [...byFile.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, path]) => path);
  }

  /** The unit's effective settings: its file, then its drop-ins. */
  effective(info: InstallInfo): UnitDirective[] {
    if (!info.path) return [];
    // A symlink to /dev/null in a drop-in folder masks that drop-in: tree.text gives null, parsed as nothing.
    return [...this.directives(info.path), ...this.dropIns(info.name).flatMap((p) => this.directives(p))];
  }

  /** Names that are symlinks to another unit in the search path (vmtoolsd.service → open-vm-tools.service), by that unit. */
  private aliasIndex: Map<string, string[]> | null = null;

  aliasesOf(id: string): string[] {
    if (!this.aliasIndex) {
      this.aliasIndex = new Map();
      for (const name of this.names()) {
        const target = this.info(name)?.name;
        if (target && target !== name) this.aliasIndex.set(target, [...(this.aliasIndex.get(target) ?? []), name]);
      }
    }
    return this.aliasIndex.get(id) ?? [];
  }

  /**
   * What the unit pulls in when systemd loads it (load-dropin.c process_deps, load-fragment.c):
   * the entries of NAME.wants/.requires/.upholds folders for its name, its aliases, its template
   * and their dash prefixes in every folder of the search path (a template entry in an
   * instance's folder takes the instance's instance), then Wants=/Requires=/BindsTo=/Upholds= in
   * [Unit] of its file and drop-ins, with %i, %I, %n, %N, %p expanded.
   */
  pulls(info: InstallInfo): UnitPull[] {
    // A masked unit keeps its .wants links (systemd follows none of them: unit-chain.ts stops there).
    const pulls: UnitPull[] = [];
    const instance = instanceOf(info.name);
    const dirNames = [...new Set([info.name, ...this.aliasesOf(info.name)].flatMap(dropInNames))];
    for (const [suffix, how] of PULL_FOLDERS) {
      for (const dir of this.loadPath) {
        for (const dirName of dirNames) {
          for (const { name, path } of this.entries(`${dir}/${dirName}${suffix}`)) {
            if (!isUnitName(name)) continue;
            if (isTemplate(name)) {
              if (instance) pulls.push({ unit: name.replace('@.', `@${instance}.`), how, from: path });
              continue; // systemd ignores a template entry for a unit that is not an instance
            }
            pulls.push({ unit: name, how, from: path });
          }
        }
      }
    }
    const stem = info.name.slice(0, info.name.lastIndexOf('.'));
    const specifiers: Record<string, string> = { i: instance ?? '', I: instance ?? '', n: info.name, N: stem, p: stem.split('@')[0]! };
    for (const d of this.effective(info)) {
      const how = PULL_KEYS.find((k) => k === d.key);
      if (d.section !== 'Unit' || !how) continue;
      for (const word of words(d.value)) {
        const unit = word.replace(/%([iInNp%])/g, (_m, c: string) => (c === '%' ? '%' : specifiers[c]!));
        if (!unit.includes('%') && isUnitName(unit)) pulls.push({ unit, how, from: `${d.path}:${d.line}` });
      }
    }
    return pulls;
  }

  /** Who pulls the unit in, by a .wants/.requires/.upholds symlink (by link name or template) in the given folders. */
  pulledBy(name: string, dirs: readonly string[]): string[] {
    const by = new Set<string>();
    for (const dir of dirs) {
      for (const sub of this.folder(dir).subfolders) {
        const m = /^(.+)\.(wants|requires|upholds)$/.exec(sub);
        if (!m) continue;
        for (const link of this.entries(`${dir}/${sub}`)) if (link.name === name || templateOf(link.name) === name) by.add(m[1]!);
      }
    }
    return [...by].sort();
  }
}

/** The folder names drop-ins and .wants links are looked up under: the name, its template, its dash prefixes. */
function dropInNames(name: string): string[] {
  const type = unitType(name);
  const stem = name.slice(0, -(type.length + 1));
  const dirNames = [name];
  const template = templateOf(name);
  if (template) dirNames.push(template);
  for (let i = stem.lastIndexOf('-'); i > 0; i = stem.lastIndexOf('-', i - 1)) dirNames.push(`${stem.slice(0, i + 1)}.${type}`);
  return dirNames;
}

const PULL_FOLDERS: ReadonlyArray<[string, PullKind]> = [
  ['.wants', 'Wants'],
  ['.requires', 'Requires'],
  ['.upholds', 'Upholds'],
];
/** The [Unit] keys that start another unit with this one (Requisite= and PartOf= do not). */
const PULL_KEYS: readonly PullKind[] = ['Wants', 'Requires', 'BindsTo', 'Upholds'];

/**
 * The units as systemd would load them at boot, for unit-chain.ts: default.target resolved
 * through the search path (/etc's symlink first, then the vendor one), each unit's state and what
 * it pulls in. Nodes are built on demand and kept.
 */
export function unitGraph(tree: GuestTree, kernelCmdline: string | null = null): UnitGraph {
  return graphOf(new UnitReader(withGeneratedUnits(tree, kernelCmdline)));
}

function graphOf(reader: UnitReader): UnitGraph {
  const nodes = new Map<string, UnitNode | null>();
  const node = (name: string): UnitNode | null => {
    if (nodes.has(name)) return nodes.get(name)!;
    const info = reader.info(name);
    let result: UnitNode | null = null;
    if (info) {
      const id = info.name;
      result = id === name ? { id, state: reader.state(id)?.state ?? 'static', pulls: reader.pulls(info) } : node(id);
    }
    nodes.set(name, result);
    return result;
  };
  // A default.target linking to a target that is not installed names it all the same (unit-chain.ts says so).
  const defaultTarget = reader.info('default.target')?.name ?? reader.linkName('default.target');
  return { defaultTarget, node, names: () => reader.names() };
}

// ---------------------------------------------------------------------------------------------
// What ties a unit to VMware

const VMWARE_FS_TYPES = ['vmhgfs', 'fuse.vmhgfs-fuse'];
/** vmtoolsd, vmware-toolbox-cmd, vmware-vmblock-fuse, vmware-user..., or anything run from a vmware-tools folder. */
const VMWARE_PROGRAM = /^(vmtoolsd|vmware-[a-z0-9-]+(\.pl)?)$/i;
const EXEC_KEYS = ['ExecStartPre', 'ExecStart', 'ExecStartPost'];

function runsVmwareProgram(command: string): boolean {
  return words(command)
    .map((w) => w.replace(/^[-@+!:]+/, '').replace(/^["']|["';]$/g, ''))
    .some((w) => VMWARE_PROGRAM.test(basename(w)) || /\/vmware-tools\//.test(w));
}

function excerpt(d: UnitDirective): Evidence {
  return { path: d.path, line: d.line, excerpt: `${d.key}=${d.value}` };
}

/**
 * Lines that only work on VMware: a mount of a VMware shared folder (vmhgfs, vmhgfs-fuse, a
 * ".host:" source), or a service that runs VMware Tools programs without
 * ConditionVirtualization=vmware (with it, systemd skips the unit quietly on KVM).
 */
export function vmwareOnlyLines(type: string, directives: readonly UnitDirective[]): Evidence[] {
  if (type === 'mount') {
    const fsType = lastValue(directives, 'Mount', 'Type');
    const what = lastValue(directives, 'Mount', 'What');
    const hits = [fsType && VMWARE_FS_TYPES.includes(fsType.value) ? fsType : null, what && /^\.host:/.test(what.value) ? what : null];
    return hits.filter((d): d is UnitDirective => d !== null).sort((a, b) => a.line - b.line).map(excerpt);
  }
  if (type === 'service') {
    const conditions = listValues(
      directives,
      'Unit',
      directives.filter((d) => d.section === 'Unit' && /^(Condition|Assert)/.test(d.key)).map((d) => d.key),
    );
    if (conditions.some((d) => d.key === 'ConditionVirtualization' && /^\|?vmware$/.test(d.value))) return [];
    return EXEC_KEYS.flatMap((key) => listValues(directives, 'Service', [key])).filter((d) => runsVmwareProgram(d.value)).map(excerpt);
  }
  return [];
}

// ---------------------------------------------------------------------------------------------

const TIMER_KEYS = ['OnActiveSec', 'OnBootSec', 'OnStartupSec', 'OnUnitActiveSec', 'OnUnitInactiveSec', 'OnCalendar', 'OnClockChange', 'OnTimezoneChange'];
const LISTEN_KEYS = ['ListenStream', 'ListenDatagram', 'ListenSequentialPacket', 'ListenFIFO', 'ListenSpecial', 'ListenNetlink', 'ListenMessageQueue', 'ListenUSBFunction'];

export interface SystemdUnits {
  unitFiles: UnitFile[];
  timers: SystemdTimer[];
  sockets: SystemdSocket[];
  /** The units repair cares about: reached from the default target at boot, and how (unit-chain.ts). */
  chains: UnitChain[];
}

/** The guest's unit files with their states, its timers and its sockets. */
/** kernelCmdline: the one the boot loader gives the default kernel (systemd-getty-generator reads it). */
export function systemdUnits(tree: GuestTree, kernelCmdline: string | null = null): SystemdUnits {
  const reader = new UnitReader(withGeneratedUnits(tree, kernelCmdline));
  const unitFiles: UnitFile[] = [];
  const timers: SystemdTimer[] = [];
  const sockets: SystemdSocket[] = [];
  for (const name of reader.names()) {
    const found = reader.state(name);
    if (!found) continue; // "bad": an alias to nothing
    const { state, info } = found;
    const type = unitType(name);
    const own = state !== 'masked' && state !== 'alias';
    const directives = own ? reader.effective(info) : [];
    if (state === 'generated') {
      unitFiles.push(generatedUnit(reader, name, type, info, directives));
      continue;
    }
    const description = state === 'masked' ? null : (lastValue(own ? directives : reader.effective(info), 'Unit', 'Description')?.value ?? null);
    const unit: UnitFile = { unit: name, type, state, path: info.path, wantedBy: reader.pulledBy(name, [CONFIG_UNIT_DIR]), description };
    const vmware = !own ? [] : type === 'automount' ? vmwareOnlyLines('mount', automountTarget(reader, name)) : vmwareOnlyLines(type, directives);
    if (vmware.length) unit.vmwareOnly = vmware;
    unitFiles.push(unit);
    if (!own) continue;
    // Started at boot: enabled in /etc, or pulled in by a vendor .wants link (systemd-tmpfiles-clean.timer is static but always runs).
    const startsAtBoot = state === 'enabled' || reader.pulledBy(name, reader.loadPath).length > 0;
    if (type === 'timer') {
      const unitKey = lastValue(directives, 'Timer', 'Unit');
      timers.push({
        unit: name,
        schedule: listValues(directives, 'Timer', TIMER_KEYS).map((d) => `${d.key}=${d.value}`),
        activates: unitKey?.value ?? name.replace(/\.timer$/, '.service'),
        persistent: parseBoolean(lastValue(directives, 'Timer', 'Persistent')?.value),
        enabled: startsAtBoot,
      });
    } else if (type === 'socket') {
      sockets.push({ unit: name, listen: listValues(directives, 'Socket', LISTEN_KEYS).map((d) => `${d.key}=${d.value}`), enabled: startsAtBoot });
    }
  }
  return { unitFiles, timers, sockets, chains: unitChains(graphOf(reader)) };
}

/**
 * A unit a generator wrote, as `systemctl list-units` shows it on the running guest: its source
 * file as path (SourcePath=, what `systemctl status` prints as "Loaded: loaded (/etc/fstab;
 * generated)"), the targets its links are in, and its description — the one the init script's
 * header gives (the generator writes it as Description=), else the one systemd gives a unit
 * without any (mount.c, swap.c): "Root Mount" for /, the mount point for another mount, the
 * device for a swap; an automount gets none (systemd shows its name). No vmwareOnly: a VMware
 * shared folder in fstab has its own finding (findings.ts).
 */
function generatedUnit(reader: UnitReader, name: string, type: string, info: InstallInfo, directives: UnitDirective[]): UnitFile {
  const value = (section: string, key: string): string | null => lastValue(directives, section, key)?.value ?? null;
  const where = value('Mount', 'Where');
  const fallback = type === 'mount' && where !== null ? (where === '/' ? 'Root Mount' : where) : type === 'swap' ? value('Swap', 'What') : null;
  return {
    unit: name,
    type,
    state: 'generated',
    path: value('Unit', 'SourcePath') ?? info.path,
    wantedBy: reader.pulledBy(name, [CONFIG_UNIT_DIR, ...GENERATOR_DIRS]),
    description: value('Unit', 'Description') ?? fallback,
  };
}

/** An automount unit mounts through the .mount unit of the same name. */
function automountTarget(reader: UnitReader, name: string): UnitDirective[] {
  const info = reader.info(name.replace(/\.automount$/, '.mount'));
  return info && !info.masked ? reader.effective(info) : [];
}
