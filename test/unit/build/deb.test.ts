import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { controlFile, NODE_DEPENDENCY, packageVersion, parseAptPackages } from '../../../build/deb/control';
import { DEB_LAYOUT } from '../../../build/deb/build-deb';
import { manPage, parseHelp, roffEscape } from '../../../build/deb/man-page';
import { renderLauncher, renderPolicy } from '../../../build/templates';
import { DEB_HELPER_PATH, helperCommand } from '../../../electron/engine/privilege/locate';
import { PACKAGED_HELPER_PATH } from '../../../electron/engine/privilege/helper-client';
import { runCliInProcess } from '../../support/cli';

const root = join(import.meta.dirname, '..', '..', '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

describe('build/apt-packages.txt, read for the Debian package', () => {
  const { depends, recommends } = parseAptPackages(read('build/apt-packages.txt'));

  it('depends on what conversion, inspection, libvirt and the helper run', () => {
    expect(depends).toEqual(expect.arrayContaining(['qemu-utils', 'qemu-block-extra', 'libguestfs-tools', 'libhivex-bin', 'qemu-system-x86', 'libvirt-clients', 'libxml2-utils', 'pkexec', 'polkitd']));
    expect(recommends).toEqual(expect.arrayContaining(['libvirt-daemon-system', 'ovmf', 'tesseract-ocr', 'chromium', 'xdg-utils', 'linux-image-amd64']));
  });

  it('leaves out what only the tests and the fixtures use', () => {
    for (const testOnly of ['debootstrap', 'golang-go', 'golang-github-vmware-govmomi-dev', 'poppler-utils', 'curl', 'parted', 'ntfs-3g', 'nbdkit', 'groff-base']) {
      expect([...depends, ...recommends], testOnly).not.toContain(testOnly);
    }
  });

  it('lists every package once', () => {
    expect(new Set([...depends, ...recommends]).size).toBe(depends.length + recommends.length);
  });

  it('reads the "# deb:" lines as sections, and refuses what it does not know', () => {
    expect(parseAptPackages('curl\n# deb: depends\n# a comment\nqemu-utils\n\n# deb: recommends\novmf\n# deb: none\ngolang-go\n')).toEqual({ depends: ['qemu-utils'], recommends: ['ovmf'] });
    expect(() => parseAptPackages('# deb: suggests\novmf\n')).toThrow(/unknown "# deb: suggests"/);
    expect(() => parseAptPackages('# deb: depends\nqemu-utils extra\n')).toThrow(/not a Debian package name/);
  });
});

describe('the package version', () => {
  it('is package.json’s, with the commit’s UTC time and hash for a build from git', () => {
    expect(packageVersion('0.1.0', null)).toBe('0.1.0');
    // 2026-11-26 05:47:53 UTC
    expect(packageVersion('0.1.0', { hash: '2d330215ed8475c0af5a443c520beda272b7aeb3', epochSeconds: 1795672073 })).toBe('0.1.0+git20261126054753.2d33021');
  });

  it('sorts a later snapshot above an earlier one, as dpkg compares them', () => {
    const earlier = packageVersion('0.1.0', { hash: 'ffffff0', epochSeconds: 1795672073 });
    const later = packageVersion('0.1.0', { hash: '0000000', epochSeconds: 1795672074 });
    // Same prefix, digits of equal length: dpkg's comparison reduces to the string order here.
    expect(later > earlier).toBe(true);
  });
});

describe('DEBIAN/control', () => {
  const control = controlFile({ version: '0.1.0+git20261126054753.2d33021', installedSizeKiB: 6569, dependencies: { depends: ['qemu-utils'], recommends: ['ovmf'] }, description: 'move VMware virtual machines to KVM/libvirt', commit: 'abc123' });

  it('has the fields dpkg needs, Node 20 first among the dependencies', () => {
    expect(control).toMatch(/^Package: hyper2kvm\nVersion: 0\.1\.0\+git20261126054753\.2d33021\nArchitecture: all\nMaintainer: .+\nInstalled-Size: 6569\n/);
    expect(control).toContain(`Depends: ${NODE_DEPENDENCY}, qemu-utils\nRecommends: ovmf\nConflicts: hyper2kvm-desktop\n`);
    expect(NODE_DEPENDENCY).toBe(`nodejs (>= ${(JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node.replace('>=', '')})`);
  });

  it('says which build it holds, in a well-formed description', () => {
    const body = control.slice(control.indexOf('Description: ')).split('\n').slice(1, -1);
    for (const line of body) {
      expect(line.startsWith(' '), line).toBe(true);
      expect(line.length, line).toBeLessThanOrEqual(80);
    }
    const text = body.join(' ').replace(/\s+/g, ' ');
    expect(text).toContain('does not hold the Electron desktop app');
    expect(text).toContain('Built from commit abc123.');
    expect(body.filter((l) => l === ' .')).toHaveLength(2);
  });
});

describe('hyper2kvm(1) from --help', () => {
  it('parses the real --help into every command with its usage and help', async () => {
    const help = (await runCliInProcess(['--help'])).stdout;
    const doc = parseHelp(help);
    expect(doc.summary).toBe('move VMware virtual machines to KVM/libvirt');
    expect(doc.commands.map((c) => c.name)).toEqual(expect.arrayContaining(['plan', 'convert', 'inspect', 'serve', 'doctor']));
    expect(doc.details.map((d) => d.usage.split(' ')[1])).toEqual(doc.commands.map((c) => c.name));
    expect(doc.notes.join(' ')).toMatch(/Exit codes: 0 success/);
  });

  it('writes a page with every command, its options as ASCII hyphens, and no stray requests', async () => {
    const help = (await runCliInProcess(['--help'])).stdout;
    const page = manPage(help, { version: '0.1.0+git1', date: '2026-11-26' });
    expect(page).toMatch(/^\.TH HYPER2KVM 1 "2026-11-26" "hyper2kvm 0\.1\.0\+git1" "User Commands"$/m);
    expect(page).toMatch(/^hyper2kvm \\- move VMware virtual machines to KVM\/libvirt$/m);
    for (const command of parseHelp(help).commands) expect(page).toMatch(new RegExp(`^\\.SS ${command.name}$`, 'm'));
    expect(page).toContain('\\-\\-json');
    // Every line is text, a known macro, or a comment: a help line starting with "." must not become a request.
    const macros = new Set(['.TH', '.SH', '.SS', '.PP', '.RS', '.RE', '.nf', '.fi', '.TP', '.B', '.I', '.BR', '.RB', '.\\"']);
    for (const line of page.split('\n').filter((l) => l.startsWith('.') || l.startsWith("'"))) expect(macros.has(line.split(' ')[0]!), line).toBe(true);
  });

  it('escapes roff', () => {
    expect(roffEscape('--out DIR')).toBe('\\-\\-out DIR');
    expect(roffEscape('C:\\path')).toBe('C:\\epath');
    expect(roffEscape('.hidden file')).toBe('\\&.hidden file');
    expect(roffEscape('hyper2kvm — tool…')).toBe('hyper2kvm \\(em tool...');
  });

  it('refuses a help text of another shape rather than print a garbled page', () => {
    expect(() => parseHelp('something else\n')).toThrow(/does not start with/);
    const help = 'hyper2kvm — x\n\nUsage: hyper2kvm COMMAND\n\nCommands:\n  plan  Plan\n\nnotes\nhyper2kvm plan SOURCE\n  not indented enough\n';
    expect(() => parseHelp(help)).toThrow(/is not indented under hyper2kvm plan/);
  });
});

describe('the helper in the Debian package', () => {
  it('renders the launcher and the policy with the package’s paths', () => {
    const launcher = renderLauncher(read('build/helper/hyper2kvm-helper'), DEB_LAYOUT.node, DEB_LAYOUT.helperScript);
    expect(launcher).toMatch(/^RUNTIME=\/usr\/bin\/node$/m);
    expect(launcher).toMatch(/^SCRIPT=\/usr\/lib\/hyper2kvm\/dist\/helper\/helper\.mjs$/m);
    expect(launcher).toMatch(/^exec \/usr\/bin\/env -i \\$/m);
    const policy = renderPolicy(read('build/polkit/org.hyper2kvm.helper.policy'), DEB_LAYOUT.helperLauncher);
    expect(policy).toContain(`<annotate key="org.freedesktop.policykit.exec.path">${DEB_HELPER_PATH}</annotate>`);
    expect(policy).not.toContain(PACKAGED_HELPER_PATH);
  });

  it('is the launcher the engine starts when it is installed', () => {
    expect(DEB_LAYOUT.helperLauncher).toBe(DEB_HELPER_PATH);
    expect(helperCommand('/usr/lib/hyper2kvm', '/usr/bin/node', (p) => p === DEB_HELPER_PATH)).toEqual([DEB_HELPER_PATH]);
    expect(helperCommand('/opt/x', '/usr/bin/node', (p) => p === PACKAGED_HELPER_PATH)).toEqual([PACKAGED_HELPER_PATH]);
    expect(helperCommand('/src/h2k', '/usr/bin/node', () => false)).toEqual(['/usr/bin/node', '/src/h2k/dist/helper/helper.mjs']);
  });

  it('has a desktop entry that opens the wizard in the browser, from a terminal that keeps it running', () => {
    const entry = read('build/deb/hyper2kvm.desktop');
    expect(entry).toMatch(/^\[Desktop Entry\]$/m);
    expect(entry).toMatch(/^Exec=hyper2kvm serve --open$/m);
    expect(entry).toMatch(/^Terminal=true$/m);
    expect(entry).toMatch(/^Icon=hyper2kvm$/m);
  });
});
