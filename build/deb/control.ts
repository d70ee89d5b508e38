/**
 * The Debian package's metadata, as pure functions: which of build/apt-packages.txt's packages it
 * depends on, its version, and the DEBIAN/control file.
 */

export type DebRelation = 'depends' | 'recommends' | 'none';

export interface DebDependencies {
  depends: string[];
  recommends: string[];
}

/**
 * Reads build/apt-packages.txt: every package line belongs to the relation named by the last
 * "# deb: depends|recommends|none" line above it (none before the first).
 */
export function parseAptPackages(text: string): DebDependencies {
  const out: DebDependencies = { depends: [], recommends: [] };
  let relation: DebRelation = 'none';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const marker = /^#\s*deb:\s*(\S+)\s*$/.exec(line);
    if (marker) {
      const value = marker[1]!;
      if (value !== 'depends' && value !== 'recommends' && value !== 'none') throw new Error(`build/apt-packages.txt: unknown "# deb: ${value}" (depends, recommends or none)`);
      relation = value;
      continue;
    }
    if (!line || line.startsWith('#')) continue;
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(line)) throw new Error(`build/apt-packages.txt: "${line}" is not a Debian package name`);
    if (relation !== 'none') out[relation].push(line);
  }
  return out;
}

/** The Node.js the bundled CLI needs (package.json's engines); Debian 12's own nodejs is 18. */
export const NODE_DEPENDENCY = 'nodejs (>= 20.19)';

/**
 * The package version: package.json's version, and for a build from git the commit's UTC time
 * and hash ("0.1.0+git20261106123456.2d33021"), so that a later snapshot sorts higher and
 * `apt install` upgrades to it.
 */
export function packageVersion(version: string, commit: { hash: string; epochSeconds: number } | null): string {
  if (!commit) return version;
  const stamp = new Date(commit.epochSeconds * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${version}+git${stamp}.${commit.hash.slice(0, 7)}`;
}

export interface ControlFields {
  version: string;
  installedSizeKiB: number;
  dependencies: DebDependencies;
  description: string;
  commit: string | null;
}

/** DEBIAN/control. The package holds JavaScript only: Architecture all. */
export function controlFile(fields: ControlFields): string {
  const lines = [
    'Package: hyper2kvm',
    `Version: ${fields.version}`,
    'Architecture: all',
    'Maintainer: hyper2kvm contributors <hyper2kvm@users.noreply.invalid>',
    `Installed-Size: ${fields.installedSizeKiB}`,
    `Depends: ${[NODE_DEPENDENCY, ...fields.dependencies.depends].join(', ')}`,
    ...(fields.dependencies.recommends.length ? [`Recommends: ${fields.dependencies.recommends.join(', ')}`] : []),
    // The electron-builder packages install the same command, helper policy and desktop entry.
    'Conflicts: hyper2kvm-desktop',
    'Section: admin',
    'Priority: optional',
    `Description: ${fields.description}`,
    ...descriptionBody(fields.commit),
  ];
  return lines.join('\n') + '\n';
}

function descriptionBody(commit: string | null): string[] {
  const paragraphs = [
    'hyper2kvm converts VMware virtual machines (VMDK, VMX, OVF and OVA files, or straight from vCenter and ESXi) to KVM/libvirt, inspects and repairs the guest offline, and proves that it boots.',
    'This build holds the command line (/usr/bin/hyper2kvm) and the wizard, which opens in the default browser served on loopback by `hyper2kvm serve`; it does not hold the Electron desktop app (npm run package builds that with electron-builder where Electron can be downloaded). The privileged helper and its polkit policy are included.',
    ...(commit ? [`Built from commit ${commit}.`] : []),
  ];
  return paragraphs.flatMap((p, i) => [...(i ? [' .'] : []), ...wrap(p, 78).map((l) => ` ${l}`)]);
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
