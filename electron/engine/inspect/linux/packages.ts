import type { Application } from '../../../../shared/contract/models/inspection';

/**
 * Installed packages read from the package databases' own files (no guest binary runs): dpkg's
 * status file and apk's installed database. RPM's database is binary (Berkeley DB, NDB or
 * SQLite): libguestfs reads that one for us.
 */

/** Splits a Debian version "epoch:upstream-revision" the way libguestfs reports it. */
export function splitDebVersion(full: string): { epoch: number; version: string; release: string } {
  let rest = full.trim();
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon > 0 && /^\d+$/.test(rest.slice(0, colon))) {
    epoch = Number(rest.slice(0, colon));
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash > 0) return { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
  return { epoch, version: rest, release: '' };
}

/** The version as the package manager prints it. */
export function fullPackageVersion(app: Pick<Application, 'epoch' | 'version' | 'release'>): string {
  const epoch = app.epoch ? `${app.epoch}:` : '';
  const release = app.release ? `-${app.release}` : '';
  return `${epoch}${app.version}${release}`;
}

/** RFC 822-style stanzas separated by blank lines; continuation lines start with a space. */
function stanzas(text: string): Array<Map<string, string>> {
  const result: Array<Map<string, string>> = [];
  let current = new Map<string, string>();
  let lastKey: string | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (current.size > 0) result.push(current);
      current = new Map();
      lastKey = null;
      continue;
    }
    if ((line.startsWith(' ') || line.startsWith('\t')) && lastKey) {
      current.set(lastKey, `${current.get(lastKey) ?? ''}\n${line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    lastKey = line.slice(0, colon);
    current.set(lastKey, line.slice(colon + 1).trim());
  }
  if (current.size > 0) result.push(current);
  return result;
}

/**
 * /var/lib/dpkg/status. Only packages whose state is "installed" count (removed packages
 * whose configuration files remain are listed with "deinstall ok config-files").
 */
export function parseDpkgStatus(text: string): Application[] {
  const apps: Application[] = [];
  for (const stanza of stanzas(text)) {
    const name = stanza.get('Package');
    const status = stanza.get('Status')?.split(/\s+/);
    const fullVersion = stanza.get('Version');
    if (!name || !fullVersion || status?.[2] !== 'installed') continue;
    const { epoch, version, release } = splitDebVersion(fullVersion);
    const app: Application = { name, version, epoch, release, origin: 'dpkg' };
    const arch = stanza.get('Architecture');
    if (arch) app.arch = arch;
    const source = stanza.get('Source');
    if (source) app.sourcePackage = source.split(/\s+/)[0];
    const description = stanza.get('Description');
    if (description) {
      const [summary, ...body] = description.split('\n');
      if (summary) app.summary = summary;
      const longText = body
        .map((l) => (l.trim() === '.' ? '' : l.replace(/^ /, '')))
        .join('\n')
        .trim();
      if (longText) app.description = longText;
    }
    const homepage = stanza.get('Homepage');
    if (homepage) app.url = homepage;
    apps.push(app);
  }
  return apps;
}

/**
 * /lib/apk/db/installed: one package per blank-line-separated block, one letter keys
 * (P name, V version, A arch, T description, U url, o origin).
 */
export function parseApkInstalled(text: string): Application[] {
  const apps: Application[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      const m = /^([A-Za-z]):(.*)$/.exec(line);
      if (m && !fields.has(m[1]!)) fields.set(m[1]!, m[2]!);
    }
    const name = fields.get('P');
    const full = fields.get('V');
    if (!name || !full) continue;
    // apk versions end in -rN: the release.
    const m = /^(.*)-r(\d+)$/.exec(full);
    const app: Application = { name, version: m ? m[1]! : full, release: m ? `r${m[2]!}` : '', origin: 'apk' };
    const arch = fields.get('A');
    if (arch) app.arch = arch;
    const summary = fields.get('T');
    if (summary) app.summary = summary;
    const url = fields.get('U');
    if (url) app.url = url;
    const origin = fields.get('o');
    if (origin) app.sourcePackage = origin;
    apps.push(app);
  }
  return apps;
}
