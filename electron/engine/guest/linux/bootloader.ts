import type { BootEntry, Bootloader } from '../../../../shared/contract/models/inspection';

/**
 * Boot loader configuration: GRUB 2's generated grub.cfg (menuentry blocks, also inside
 * submenus), GRUB legacy's menu.lst, Boot Loader Specification entries (RHEL 8+, Fedora) and
 * /etc/default/grub. We only read what decides how the guest boots on KVM: the kernel, its
 * initramfs and the command line.
 */

/** Splits a shell-like line into words, honouring single and double quotes. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: '"' | "'" | null = null;
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) current += line[++i]!;
      else current += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      current += line[++i]!;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

const LINUX_COMMANDS = new Set(['linux', 'linux16', 'linuxefi', 'kernel']);
const INITRD_COMMANDS = new Set(['initrd', 'initrd16', 'initrdefi']);

/** GRUB 2 grub.cfg: every menuentry, in file order (the first is the default unless saved). */
export function parseGrubCfg(text: string): BootEntry[] {
  const entries: BootEntry[] = [];
  let current: { title: string; kernel: string | null; initrd: string | null; cmdline: string; line: number | null } | null = null;
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const words = shellWords(line);
    const command = words[0];
    if (command === 'menuentry') {
      current = { title: words[1] ?? '', kernel: null, initrd: null, cmdline: '', line: null };
      return;
    }
    if (!current) return;
    if (command && LINUX_COMMANDS.has(command)) {
      current.kernel = words[1] ?? null;
      current.cmdline = words.slice(2).join(' ');
      current.line = index + 1;
    } else if (command && INITRD_COMMANDS.has(command)) {
      current.initrd = words.slice(1).join(' ') || null;
    } else if (line === '}') {
      entries.push(current);
      current = null;
    }
  });
  return entries;
}

/** GRUB legacy (menu.lst / grub.conf): "title" starts an entry, "kernel" and "initrd" lines. */
export function parseGrubLegacy(text: string): BootEntry[] {
  const entries: BootEntry[] = [];
  let current: BootEntry | null = null;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(\S+)\s*=?\s*(.*)$/.exec(line);
    if (!m) return;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'title') {
      if (current) entries.push(current);
      current = { title: value, kernel: null, initrd: null, cmdline: '', line: null };
    } else if (current && key === 'kernel') {
      const [kernel, ...args] = value.split(/\s+/);
      current.kernel = kernel ?? null;
      current.cmdline = args.join(' ');
      current.line = index + 1;
    } else if (current && key === 'initrd') {
      current.initrd = value || null;
    }
  });
  if (current) entries.push(current);
  return entries;
}

/** A Boot Loader Specification entry (/boot/loader/entries/*.conf). */
export function parseBlsEntry(text: string, fallbackTitle: string): BootEntry {
  const entry: BootEntry = { title: fallbackTitle, kernel: null, initrd: null, cmdline: '', line: null };
  text.split('\n').forEach((raw, index) => {
    const m = /^\s*(\S+)\s+(.*?)\s*$/.exec(raw);
    if (!m || raw.trim().startsWith('#')) return;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'title') entry.title = value;
    else if (key === 'linux') entry.kernel = value;
    else if (key === 'initrd') entry.initrd = value;
    else if (key === 'options') {
      entry.cmdline = value;
      entry.line = index + 1;
    }
  });
  return entry;
}

/** /etc/default/grub (a shell fragment of assignments). */
export function parseDefaultGrub(text: string): Record<string, string> {
  return parseShellAssignments(text);
}

/** A shell fragment of NAME=value assignments (/etc/default/*, /etc/locale.conf, /etc/machine-info…), values unquoted. */
export function parseShellAssignments(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    vars[m[1]!] = shellWords(m[2]!).join(' ');
  }
  return vars;
}

/**
 * Kernel parameters that only make sense on VMware: VMware's paravirtual drivers, and the
 * timekeeping workarounds VMware documented for old kernels (they slow a KVM guest's clock).
 */
export function vmwareKernelParams(cmdline: string): string[] {
  return shellWords(cmdline).filter((param) => {
    const name = param.split('=')[0]!.toLowerCase();
    if (/^(vmw|vmwgfx|vmxnet|vmhgfs|vmci|vsock|pvscsi)/.test(name)) return true;
    if (param === 'divider=10' || param === 'notsc' || param === 'clocksource=acpi_pm' || param === 'clock=pit') return true;
    // A blacklist of virtio drivers keeps the guest from finding its disk on KVM.
    if ((name === 'modprobe.blacklist' || name === 'rd.driver.blacklist') && /virtio/.test(param)) return true;
    return false;
  });
}

export function hasSerialConsole(cmdline: string, defaults: Record<string, string>): boolean {
  if (/(^|\s)console=ttyS\d/.test(cmdline)) return true;
  const terminal = `${defaults.GRUB_TERMINAL ?? ''} ${defaults.GRUB_TERMINAL_OUTPUT ?? ''}`;
  return /\bserial\b/.test(terminal) && /console=ttyS/.test(`${defaults.GRUB_CMDLINE_LINUX ?? ''} ${defaults.GRUB_CMDLINE_LINUX_DEFAULT ?? ''}`);
}

export interface BootloaderFiles {
  /** Path and content of the first grub.cfg found (GRUB 2). */
  grubCfg?: { path: string; text: string };
  grubLegacy?: { path: string; text: string };
  blsEntries?: Array<{ path: string; text: string }>;
  defaultGrub?: { path: string; text: string };
  systemdBoot?: boolean;
  extlinux?: { path: string; text: string };
}

export function describeBootloader(files: BootloaderFiles): Bootloader {
  const defaults = files.defaultGrub ? parseDefaultGrub(files.defaultGrub.text) : {};
  let kind: Bootloader['kind'] = 'none';
  let configPath: string | null = null;
  let entries: BootEntry[] = [];
  if (files.grubCfg) {
    kind = 'grub2';
    configPath = files.grubCfg.path;
    entries = parseGrubCfg(files.grubCfg.text);
    // RHEL 8+ grub.cfg only says "blscfg": the entries are BLS files.
    if (entries.length === 0 && files.blsEntries?.length) entries = files.blsEntries.map((e) => parseBlsEntry(e.text, e.path.split('/').pop() ?? e.path));
  } else if (files.grubLegacy) {
    kind = 'grub-legacy';
    configPath = files.grubLegacy.path;
    entries = parseGrubLegacy(files.grubLegacy.text);
  } else if (files.systemdBoot) {
    kind = 'systemd-boot';
    entries = (files.blsEntries ?? []).map((e) => parseBlsEntry(e.text, e.path.split('/').pop() ?? e.path));
  } else if (files.extlinux) {
    kind = 'extlinux';
    configPath = files.extlinux.path;
  } else if (files.defaultGrub) {
    kind = 'unknown';
  }
  const fromDefaults = [defaults.GRUB_CMDLINE_LINUX, defaults.GRUB_CMDLINE_LINUX_DEFAULT].filter((s) => s && s.trim()).join(' ');
  const kernelCmdline = entries[0]?.cmdline ?? (fromDefaults || null);
  const allCmdlines = [kernelCmdline ?? '', fromDefaults].join(' ');
  return {
    kind,
    configPath,
    entries,
    defaults,
    defaultsPath: files.defaultGrub?.path ?? null,
    kernelCmdline,
    vmwareParams: [...new Set(vmwareKernelParams(allCmdlines))],
    serialConsole: hasSerialConsole(kernelCmdline ?? '', defaults),
  };
}

/**
 * Sets a variable in a shell fragment such as /etc/default/grub: the last assignment of KEY is
 * rewritten in place (keeping its quoting style and any `export`), or a new line is appended.
 * Values are written double-quoted when the original was, with `"`, `\`, `$` and backquotes
 * escaped.
 */
export function setShellVar(text: string, key: string, value: string): string {
  const lines = text.split('\n');
  const re = new RegExp(`^(\\s*(?:export\\s+)?${key}=)(.*)$`);
  let at = -1;
  lines.forEach((line, i) => {
    if (re.test(line)) at = i;
  });
  const quoted = `"${value.replace(/["\\$`]/g, (c) => `\\${c}`)}"`;
  if (at === -1) {
    const base = text === '' || text.endsWith('\n') ? text : `${text}\n`;
    return `${base}${key}=${quoted}\n`;
  }
  const m = re.exec(lines[at]!)!;
  const old = m[2]!.trim();
  const single = old.startsWith("'") && !value.includes("'");
  lines[at] = `${m[1]}${single ? `'${value}'` : quoted}`;
  return lines.join('\n');
}

/** Comments out every assignment of KEY (kept for the record, as `#KEY=...`). */
export function commentShellVar(text: string, key: string, why: string): string {
  const re = new RegExp(`^(\\s*(?:export\\s+)?${key}=.*)$`);
  return text
    .split('\n')
    .map((line) => (re.test(line) ? `# ${why}\n#${line.trimStart()}` : line))
    .join('\n');
}

/**
 * Rewrites the parameters of a kernel command line one by one (`fn` returns the new parameter,
 * or null to drop it), keeping the others in order.
 */
export function mapKernelParams(cmdline: string, fn: (param: string) => string | null): string {
  return shellWords(cmdline)
    .map(fn)
    .filter((p): p is string => p !== null && p !== '')
    .join(' ');
}
