// npm run package:deb — the Debian package, built from this checkout with the system's own
// dpkg-deb (no download, unlike electron-builder): the CLI, the bridge and the browser wizard
// under /usr/lib/hyper2kvm, /usr/bin/hyper2kvm, the privileged helper's launcher and its polkit
// policy where pkexec and polkitd find them, a desktop entry and icon, and hyper2kvm(1).
// Dependencies come from build/apt-packages.txt ("# deb:" lines). No maintainer scripts: dpkg
// installs and removes every file itself, and polkitd, man-db and the desktop database notice
// their folders changing, so removing the package leaves nothing behind.
//
// Options: --out DIR (default release/), --skip-build (use dist/ as it is; tests do, after
// `npm test` built it).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { DEB_HELPER_PATH } from '../../electron/engine/privilege/locate';
import { renderLauncher, renderPolicy } from '../templates';
import { controlFile, packageVersion, parseAptPackages } from './control';
import { manPage } from './man-page';

/** Where the package puts things. The helper's launcher path is the engine's (locate.ts). */
export const DEB_LAYOUT = {
  app: '/usr/lib/hyper2kvm',
  command: '/usr/bin/hyper2kvm',
  helperLauncher: DEB_HELPER_PATH,
  helperScript: '/usr/lib/hyper2kvm/dist/helper/helper.mjs',
  /** The runtime of the CLI and the helper: the nodejs package's. */
  node: '/usr/bin/node',
  policy: '/usr/share/polkit-1/actions/org.hyper2kvm.helper.policy',
  desktopEntry: '/usr/share/applications/hyper2kvm.desktop',
  icon: '/usr/share/icons/hicolor/scalable/apps/hyper2kvm.svg',
  manPage: '/usr/share/man/man1/hyper2kvm.1.gz',
  copyright: '/usr/share/doc/hyper2kvm/copyright',
} as const;

const root = fileURLToPath(new URL('../..', import.meta.url));

function git(...args: string[]): string | null {
  const run = spawnSync('git', args, { cwd: root, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  return run.status === 0 ? run.stdout.trim() : null;
}

/** Copies a tree, leaving out source maps (the package ships no sources to map to). */
function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true, mode: 0o755 });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target);
    else if (entry.isFile() && !entry.name.endsWith('.map')) install(source, target, 0o644);
  }
}

function install(from: string, to: string, mode: number): void {
  mkdirSync(dirname(to), { recursive: true, mode: 0o755 });
  copyFileSync(from, to);
  chmodSync(to, mode);
}

function write(to: string, content: string | Buffer, mode = 0o644): void {
  mkdirSync(dirname(to), { recursive: true, mode: 0o755 });
  writeFileSync(to, content);
  chmodSync(to, mode);
}

/** Every regular file under dir, relative to it. */
function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return filesUnder(path, base);
    return e.isFile() ? [relative(base, path)] : [];
  });
}

/** dpkg's Installed-Size: KiB per file rounded up, plus one per directory and link. */
function installedSizeKiB(dir: string): number {
  let kib = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) kib += 1 + installedSizeKiB(path);
    else kib += e.isFile() ? Math.ceil(lstatSync(path).size / 1024) : 1;
  }
  return kib;
}

export interface BuiltPackage {
  path: string;
  version: string;
  bytes: number;
}

export function buildDeb(options: { outDir: string; skipBuild: boolean }): BuiltPackage {
  if (!options.skipBuild) execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  for (const needed of ['dist/node/cli.mjs', 'dist/helper/helper.mjs', 'dist/renderer/index.html', 'dist/build-info.json']) {
    try {
      statSync(join(root, needed));
    } catch {
      throw new Error(`${needed} is missing: build first (npm run build), or run without --skip-build.`);
    }
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; description: string; license: string };
  const buildInfo = JSON.parse(readFileSync(join(root, 'dist', 'build-info.json'), 'utf8')) as { commit: string | null; dirty: boolean };
  const commitTime = buildInfo.commit ? Number(git('show', '-s', '--format=%ct', buildInfo.commit)) : NaN;
  const commit = buildInfo.commit && Number.isFinite(commitTime) ? { hash: buildInfo.commit, epochSeconds: commitTime } : null;
  const version = packageVersion(pkg.version, commit);
  const date = new Date((commit?.epochSeconds ?? Date.now() / 1000) * 1000).toISOString().slice(0, 10);

  const stage = mkdtempSync(join(tmpdir(), 'h2k-deb-'));
  chmodSync(stage, 0o755);
  const at = (path: string): string => join(stage, path);
  try {
    // The app: the bundles (self-contained: no node_modules), the renderer, the launcher.
    const app = at(DEB_LAYOUT.app);
    copyTree(join(root, 'dist', 'node'), join(app, 'dist', 'node'));
    copyTree(join(root, 'dist', 'renderer'), join(app, 'dist', 'renderer'));
    install(join(root, 'dist', 'helper', 'helper.mjs'), at(DEB_LAYOUT.helperScript), 0o644);
    install(join(root, 'bin', 'hyper2kvm'), join(app, 'bin', 'hyper2kvm'), 0o755);
    // The engine finds its root by this package.json (electron/bridge/server.ts packageRoot).
    write(join(app, 'package.json'), JSON.stringify({ name: 'hyper2kvm-desktop', version: pkg.version, description: pkg.description, license: pkg.license, private: true, type: 'module' }, null, 2) + '\n');
    write(
      join(app, 'dist', 'build-info.json'),
      JSON.stringify({ version: pkg.version, commit: buildInfo.commit, dirty: buildInfo.dirty, package: { format: 'deb', name: 'hyper2kvm', version, desktop: 'browser' } }, null, 2) + '\n',
    );
    mkdirSync(dirname(at(DEB_LAYOUT.command)), { recursive: true, mode: 0o755 });
    symlinkSync(relative(dirname(DEB_LAYOUT.command), join(DEB_LAYOUT.app, 'bin', 'hyper2kvm')), at(DEB_LAYOUT.command));

    // The privileged helper: the launcher pkexec runs, and the policy naming it.
    write(at(DEB_LAYOUT.helperLauncher), renderLauncher(readFileSync(join(root, 'build', 'helper', 'hyper2kvm-helper'), 'utf8'), DEB_LAYOUT.node, DEB_LAYOUT.helperScript), 0o755);
    write(at(DEB_LAYOUT.policy), renderPolicy(readFileSync(join(root, 'build', 'polkit', 'org.hyper2kvm.helper.policy'), 'utf8'), DEB_LAYOUT.helperLauncher));

    // Desktop entry, icon, manual, copyright.
    install(join(root, 'build', 'deb', 'hyper2kvm.desktop'), at(DEB_LAYOUT.desktopEntry), 0o644);
    install(join(root, 'build', 'icons', 'hyper2kvm.svg'), at(DEB_LAYOUT.icon), 0o644);
    const help = execFileSync(process.execPath, [join(app, 'dist', 'node', 'cli.mjs'), '--help'], { encoding: 'utf8' });
    write(at(DEB_LAYOUT.manPage), gzipSync(manPage(help, { version, date }), { level: 9 }));
    install(join(root, 'build', 'deb', 'copyright'), at(DEB_LAYOUT.copyright), 0o644);

    // DEBIAN/: control and md5sums.
    const files = filesUnder(stage).sort();
    const dependencies = parseAptPackages(readFileSync(join(root, 'build', 'apt-packages.txt'), 'utf8'));
    const description = 'move VMware virtual machines to KVM/libvirt (command line, browser wizard)';
    write(at('DEBIAN/control'), controlFile({ version, installedSizeKiB: installedSizeKiB(stage), dependencies, description, commit: buildInfo.commit ? `${buildInfo.commit}${buildInfo.dirty ? ' (with uncommitted changes)' : ''}` : null }));
    write(at('DEBIAN/md5sums'), files.map((f) => `${createHash('md5').update(readFileSync(join(stage, f))).digest('hex')}  ${f}\n`).join(''));

    mkdirSync(options.outDir, { recursive: true });
    const path = join(options.outDir, `hyper2kvm_${version}_all.deb`);
    execFileSync('/usr/bin/dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, path], { stdio: ['ignore', 'ignore', 'inherit'] });
    return { path, version, bytes: statSync(path).size };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, 'skip-build': { type: 'boolean', default: false } } });
  const built = buildDeb({ outDir: values.out ?? join(root, 'release'), skipBuild: values['skip-build'] });
  console.log(`built ${built.path} (${(built.bytes / 1024 / 1024).toFixed(1)} MiB): the command line and the browser wizard; no Electron.`);
  console.log(`install: sudo apt install ${built.path}`);
}
