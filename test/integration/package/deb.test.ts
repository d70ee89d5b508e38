import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEB_HELPER_PATH } from '../../../electron/engine/privilege/locate';
import { DEB_LAYOUT } from '../../../build/deb/build-deb';
import { NODE_DEPENDENCY } from '../../../build/deb/control';
import { vmdkSamples } from '../../fixtures';
import type { VmdkSamples } from '../../fixtures';
import { repoRoot } from '../../fixtures/cache-dir';
import { smallVmdk } from '../helper/helper-process';
import { asUser, ensurePolkit, ensureTestUser, grantRule, installFiles, POLKIT_PATHS, waitForAction, waitForVerdict } from '../../support/polkit';
import type { InstalledFiles, PolkitDaemons } from '../../support/polkit';
import { sameContent } from '../../support/sources';
import { listeningAddresses, run } from './process';
import type { Ran } from './process';

/**
 * The Debian package as an administrator meets it: `npm run package:deb` builds it, `dpkg -i`
 * and `apt-get -f install` install it, the installed command works from the installed files
 * alone (version, doctor, a conversion, the wizard on loopback), pkexec finds the helper through
 * the installed policy, and `dpkg --purge` leaves the machine as it was.
 *
 * This changes the machine (it installs a package), so everything it does is undone in afterAll,
 * whatever failed: the package is purged, packages apt pulled in are removed, polkit rules,
 * daemons and folders the test created go. It refuses to start where hyper2kvm is installed
 * already: purging someone's installation is not a test's business.
 */

const PACKAGE = 'hyper2kvm';
const ACTION = 'org.hyper2kvm.helper';
const USER = 'h2k-deb-test';
const IMAGES = '/var/lib/libvirt/images';
/** A clean environment: the installed command must not need anything from this checkout. */
const PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

/** The folders the package puts files in: listed before and after, they must be the same. */
const WATCHED = [
  '/usr/bin',
  '/usr/lib',
  '/usr/libexec',
  '/usr/share/polkit-1/actions',
  '/usr/share/applications',
  '/usr/share/icons/hicolor/scalable/apps',
  '/usr/share/man/man1',
  '/usr/share/doc',
  '/etc',
  '/var/lib/dpkg/info',
];

const undo: Array<() => void | Promise<void>> = [];
let work: string;
let deb: string;
let debFiles: string[];
let samples: VmdkSamples;
let daemons: PolkitDaemons | null = null;
let packagesBefore: Set<string>;
let listingBefore: Record<string, string[]>;
/** Paths of the package that were there before it (shared folders such as /usr/share/man/man1). */
let existedBefore: Set<string>;

function installedPackages(): Set<string> {
  const out = run('/usr/bin/dpkg-query', ['-W', '-f', '${Package}\t${db:Status-Abbrev}\n']);
  return new Set(
    out.stdout
      .split('\n')
      .filter((l) => /\tii\s*$/.test(l))
      .map((l) => l.split('\t')[0]!),
  );
}

function packageState(name: string): string {
  const out = run('/usr/bin/dpkg-query', ['-W', '-f', '${db:Status-Abbrev}', name]);
  return out.code === 0 ? out.stdout.trim() : 'not-known';
}

function listing(): Record<string, string[]> {
  return Object.fromEntries(WATCHED.map((dir) => [dir, existsSync(dir) ? readdirSync(dir).sort() : []]));
}

/** Runs the installed command with nothing of this checkout in its environment. */
function installed(args: string[], env: Record<string, string> = {}): Ran {
  return run(DEB_LAYOUT.command, args, { cwd: '/', env: { PATH, HOME: join(work, 'home'), HYPER2KVM_HOME: join(work, 'h2k-home'), TMPDIR: work, LANG: 'C.UTF-8', ...env } });
}

beforeAll(async () => {
  expect(process.getuid?.(), 'installing a package needs root').toBe(0);
  for (const name of [PACKAGE, 'hyper2kvm-desktop']) {
    if (packageState(name) !== 'not-known' && !packageState(name).startsWith('un')) {
      throw new Error(`The package ${name} is installed on this machine (${packageState(name)}). This test installs and purges ${PACKAGE}: remove yours first (sudo apt purge ${name}).`);
    }
  }
  expect(existsSync(DEB_LAYOUT.policy), `${DEB_LAYOUT.policy} exists but belongs to no package: the test would replace it`).toBe(false);
  // The package depends on nodejs (>= 20.19): a Node installed from a tarball satisfies no
  // dependency, and apt-get -f would then remove the package instead of configuring it.
  const node = run('/usr/bin/dpkg-query', ['-W', '-f', '${Version}', 'nodejs']);
  const nodeOk = node.code === 0 && run('/usr/bin/dpkg', ['--compare-versions', node.stdout.trim(), 'ge', '20.19']).code === 0;
  expect(nodeOk, `the package depends on ${NODE_DEPENDENCY}, and this machine's nodejs package is ${node.code === 0 ? node.stdout.trim() : 'not installed'}: install Node 20 as a Debian package (NodeSource's, for example) to run this test`).toBe(true);
  for (const needed of ['dist/node/cli.mjs', 'dist/renderer/index.html', 'dist/helper/helper.mjs']) {
    expect(existsSync(join(repoRoot(), needed)), `run \`npm run build\` first (npm test does): ${needed}`).toBe(true);
  }
  work = mkdtempSync(join(tmpdir(), 'h2k-deb-'));
  chmodSync(work, 0o755);
  undo.push(() => rmSync(work, { recursive: true, force: true }));
  samples = await vmdkSamples();
  packagesBefore = installedPackages();
  listingBefore = listing();

  // Built the way a user does, minus the build step npm test has just done.
  const built = run('/usr/bin/npm', ['run', '--silent', 'package:deb', '--', '--skip-build', '--out', join(work, 'release')], { cwd: repoRoot() });
  expect(built.code, built.stderr).toBe(0);
  const [name] = readdirSync(join(work, 'release'));
  deb = join(work, 'release', name!);
  const contents = run('/bin/sh', ['-c', '/usr/bin/dpkg-deb --fsys-tarfile "$1" | /usr/bin/tar -t', 'sh', deb]);
  expect(contents.code, contents.stderr).toBe(0);
  debFiles = contents.stdout.split('\n').filter((p) => p && p !== './').map((p) => p.replace(/^\./, '').replace(/\/$/, ''));
  existedBefore = new Set(debFiles.filter((p) => existsSync(p)));

  daemons = await ensurePolkit();
  undo.push(() => daemons?.release());

  // From here on the machine changes: purge and remove what apt added, whatever happens next.
  undo.push(() => {
    if (packageState(PACKAGE) !== 'not-known') run('/usr/bin/dpkg', ['--purge', PACKAGE]);
    const added = [...installedPackages()].filter((p) => !packagesBefore.has(p));
    if (added.length) run('/usr/bin/apt-get', ['purge', '-y', ...added], { env: { DEBIAN_FRONTEND: 'noninteractive', PATH } });
  });
}, 600_000);

afterAll(async () => {
  for (const step of undo.reverse()) {
    try {
      await step();
    } catch (error) {
      console.error('cleanup step failed:', error);
    }
  }
});

describe('npm run package:deb', () => {
  it('builds a package that says which build it holds and depends on the runtime packages', () => {
    const info = run('/usr/bin/dpkg-deb', ['--info', deb]).stdout;
    expect(info).toMatch(/^ Package: hyper2kvm$/m);
    expect(info).toMatch(/^ Architecture: all$/m);
    const depends = /^ Depends: (.+)$/m.exec(info)?.[1]?.split(', ') ?? [];
    expect(depends).toEqual(expect.arrayContaining(['nodejs (>= 20.19)', 'qemu-utils', 'libguestfs-tools', 'libhivex-bin', 'libvirt-clients', 'pkexec']));
    // Test-only packages stay out.
    for (const testOnly of ['debootstrap', 'golang-go', 'poppler-utils', 'groff-base']) expect(info).not.toContain(testOnly);
    expect(info).toMatch(/^ Recommends: .*libvirt-daemon-system/m);
    expect(info.replace(/\s+/g, ' ')).toMatch(/does not hold the Electron desktop app/);
    expect(info).toMatch(/^ Conflicts: hyper2kvm-desktop$/m);
    console.log(`package: ${deb.split('/').at(-1)}, ${(statSync(deb).size / 1024 / 1024).toFixed(2)} MiB`);
  });

  it('holds the app, the command, the helper with its policy, the desktop entry, icon and manual, and no source maps', () => {
    for (const path of [DEB_LAYOUT.command, `${DEB_LAYOUT.app}/dist/node/cli.mjs`, `${DEB_LAYOUT.app}/dist/renderer/index.html`, DEB_LAYOUT.helperScript, DEB_LAYOUT.helperLauncher, DEB_LAYOUT.policy, DEB_LAYOUT.desktopEntry, DEB_LAYOUT.icon, DEB_LAYOUT.manPage, DEB_LAYOUT.copyright]) {
      expect(debFiles, path).toContain(path);
    }
    expect(debFiles.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(debFiles.filter((f) => f.includes('node_modules'))).toEqual([]);
  });
});

describe('installed with dpkg -i, then apt-get -f install', () => {
  beforeAll(() => {
    // dpkg -i exits 1 when dependencies are missing and leaves the package unconfigured; apt-get -f
    // install then brings them in and configures it (here they are all present already).
    const dpkg = run('/usr/bin/dpkg', ['-i', deb], { env: { DEBIAN_FRONTEND: 'noninteractive', PATH } });
    expect([0, 1], dpkg.stderr).toContain(dpkg.code);
    const apt = run('/usr/bin/apt-get', ['-f', 'install', '-y', '-o', 'DPkg::Lock::Timeout=120'], { env: { DEBIAN_FRONTEND: 'noninteractive', PATH } });
    expect(apt.code, apt.stderr).toBe(0);
  }, 600_000);

  it('is installed, with /usr/bin/hyper2kvm leading to the launcher in /usr/lib/hyper2kvm', () => {
    expect(packageState(PACKAGE)).toBe('ii');
    expect(lstatSync(DEB_LAYOUT.command).isSymbolicLink()).toBe(true);
    expect(realpathSync(DEB_LAYOUT.command)).toBe(`${DEB_LAYOUT.app}/bin/hyper2kvm`);
  });

  it('/usr/bin/hyper2kvm --version names the version, the commit, the package and the tools', () => {
    const text = installed(['--version']);
    expect(text.code, text.stderr).toBe(0);
    const version = (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;
    expect(text.stdout.split('\n')[0]).toBe(`hyper2kvm ${version}`);
    expect(text.stdout).toMatch(/^build: +Debian package hyper2kvm \S+: the command line and the wizard in the browser \(no Electron\)$/m);
    expect(text.stdout).toMatch(/^from: +\/usr\/lib\/hyper2kvm$/m);
    expect(text.stdout).toMatch(/^ {2}qemu-img +\d+\.\d+\S* +\/usr\/bin\/qemu-img$/m);

    const json = installed(['--version', '--json']);
    const result = JSON.parse(json.stdout.trim()) as { ok: boolean; version: string; commit: string | null; installedAt: string; tools: Array<{ name: string; version: string | null; path: string | null }> };
    expect(result).toMatchObject({ ok: true, version, installedAt: DEB_LAYOUT.app });
    const gitHead = run('/usr/bin/git', ['rev-parse', 'HEAD'], { cwd: repoRoot() }).stdout.trim();
    expect(result.commit).toBe(gitHead);
    expect(result.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['qemu-img', 'libguestfs', 'libvirt', 'hivex']));
    for (const tool of result.tools.filter((t) => ['qemu-img', 'libguestfs', 'libvirt', 'hivex'].includes(t.name))) {
      expect(tool.path, tool.name).toMatch(/^\//);
      expect(tool.version, tool.name).toMatch(/^\d+(\.\d+)+/);
    }
  });

  it('doctor --json checks each part and finds the installed policy and helper', () => {
    const doctor = installed(['doctor', '--json', '--out', join(work, 'out')]);
    const lines = doctor.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const result = lines.at(-1) as { type: string; ok: boolean; checks: Array<{ id: string; status: string; summary: string; fix?: string; details?: Record<string, unknown> }> };
    expect(result.type).toBe('result');
    expect(doctor.code).toBe(result.ok ? 0 : 1);
    expect(lines.slice(0, -1).map((l) => l.id)).toEqual(result.checks.map((c) => c.id));
    const byId = new Map(result.checks.map((c) => [c.id, c]));
    for (const id of ['tool:qemu-img', 'kvm', 'libvirtd', 'space', 'polkit', 'polkit-agent', 'tool:guestfish', 'tool:virsh', 'tool:hivexregedit', 'appliance-kernel']) expect(byId.has(id), id).toBe(true);
    expect(byId.get('tool:qemu-img')?.status).toBe('ok');
    // Whatever this machine's KVM is, doctor says which and, when unusable, what to do.
    const kvm = byId.get('kvm')!;
    expect(['works', 'forced', 'no-device', 'no-access', 'qemu-failed']).toContain(kvm.details?.reason);
    if (kvm.status !== 'ok') expect(kvm.fix).toBeTruthy();
    for (const check of result.checks.filter((c) => c.status !== 'ok')) expect(check.fix, check.id).toBeTruthy();
    expect(byId.get('polkit')).toMatchObject({ status: 'ok', details: { policy: { path: DEB_LAYOUT.policy, execPath: DEB_HELPER_PATH }, launcher: { exists: true, safe: true }, polkitd: 'answers' } });
    expect(byId.get('space')?.summary).toContain(join(work, 'out'));
  });

  it('converts a VMDK from the installed files', () => {
    const out = join(work, 'converted');
    const convert = installed(['convert', samples.monolithicSparse, '--out', out, '--json']);
    expect(convert.code, convert.stderr).toBe(0);
    const result = JSON.parse(convert.stdout.trim().split('\n').at(-1)!) as { ok: boolean; outputs: Array<{ path: string; format: string; virtualSize: number }> };
    expect(result).toMatchObject({ ok: true, outputs: [{ format: 'qcow2', virtualSize: samples.virtualSize }] });
    expect(sameContent(result.outputs[0]!.path, samples.raw, 'qcow2', 'raw')).toBe(true);
  });

  it('serves the wizard on loopback only, and tells an SSH user what to forward', async () => {
    const child = spawn(DEB_LAYOUT.command, ['serve', '--json'], {
      cwd: '/',
      env: { PATH, HOME: join(work, 'home'), HYPER2KVM_HOME: join(work, 'h2k-home'), SSH_CONNECTION: '192.0.2.10 50522 198.51.100.7 2222' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const first = await new Promise<string>((resolve, reject) => {
        let buffered = '';
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          if (buffered.includes('\n')) resolve(buffered.split('\n')[0]!);
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code} before listening`)));
      });
      const listening = JSON.parse(first) as { type: string; url: string; openUrl: string; sshForward: string };
      const port = Number(new URL(listening.url).port);
      expect(listening).toMatchObject({ type: 'listening', url: `http://127.0.0.1:${port}` });
      expect(listening.sshForward).toBe(`ssh -N -L ${port}:127.0.0.1:${port} -p 2222 root@198.51.100.7`);
      expect(listeningAddresses(child.pid!)).toEqual([`127.0.0.1:${port}`]);
      const page = await fetch(`${listening.url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
    } finally {
      // SIGHUP, as when the SSH session or the desktop entry's terminal closes: a clean stop.
      child.kill('SIGHUP');
    }
    expect(await exited).toBe(0);
  });

  it('ships a manual that groff reads without warnings, and a desktop entry that starts the wizard', () => {
    const page = gunzipSync(readFileSync(DEB_LAYOUT.manPage)).toString('utf8');
    expect(page).toMatch(/^\.TH HYPER2KVM 1 /m);
    for (const command of ['plan', 'convert', 'doctor', 'serve']) expect(page).toMatch(new RegExp(`^\\.SS ${command}$`, 'm'));
    const groff = run('/bin/sh', ['-c', '/usr/bin/gzip -dc "$1" | /usr/bin/groff -man -Tutf8 -ww -z', 'sh', DEB_LAYOUT.manPage]);
    expect(groff.code).toBe(0);
    expect(groff.stderr).toBe('');
    const entry = readFileSync(DEB_LAYOUT.desktopEntry, 'utf8');
    expect(entry).toMatch(/^Exec=hyper2kvm serve --open$/m);
    expect(entry).toMatch(/^Icon=hyper2kvm$/m);
    expect(existsSync(DEB_LAYOUT.icon)).toBe(true);
  });
});

describe('pkexec and the installed helper', () => {
  let rules: InstalledFiles | null = null;
  let user: { name: string; uid: number; gid: number };

  beforeAll(async () => {
    user = await ensureTestUser(USER);
    if (!existsSync(IMAGES)) {
      mkdirSync(IMAGES, { recursive: true, mode: 0o711 });
      undo.push(() => rmSync(IMAGES, { recursive: true, force: true }));
    }
    rules = installFiles([{ path: join(POLKIT_PATHS.rulesDir, '49-hyper2kvm-deb-test.rules'), content: grantRule(ACTION, USER), mode: 0o644 }]);
    undo.push(() => rules?.remove());
    await waitForAction(ACTION);
    await waitForVerdict(user, ACTION, true);
  }, 120_000);

  it('polkitd maps the installed launcher to the action, as pkexec will', () => {
    const action = run('/usr/bin/pkaction', ['--action-id', ACTION, '--verbose']);
    expect(action.code, action.stderr).toBe(0);
    expect(action.stdout).toMatch(new RegExp(`org\\.freedesktop\\.policykit\\.exec\\.path -> ${DEB_HELPER_PATH.replace(/\//g, '\\/')}`));
    const launcher = statSync(DEB_HELPER_PATH);
    expect([launcher.uid, launcher.mode & 0o7777]).toEqual([0, 0o755]);
    expect(readFileSync(DEB_HELPER_PATH, 'utf8')).toMatch(new RegExp(`^SCRIPT=${DEB_LAYOUT.helperScript}$`, 'm'));
  });

  it('doctor, run by that user without a terminal or an agent, says writes into system folders would be refused', () => {
    // setsid: no controlling terminal, whatever terminal this test run has (pkexec would prompt there).
    const [file, ...args] = asUser(user, ['/usr/bin/setsid', '--wait', DEB_LAYOUT.command, 'doctor', '--json', '--out', work]);
    const doctor = run(file!, args, { cwd: '/', env: { HOME: '/nonexistent', PATH } });
    const result = JSON.parse(doctor.stdout.trim().split('\n').at(-1)!) as { checks: Array<{ id: string; status: string; summary: string; fix?: string }> };
    const byId = new Map(result.checks.map((c) => [c.id, c]));
    expect(byId.get('polkit')).toMatchObject({ status: 'ok', summary: expect.stringMatching(/polkitd answers/) as unknown });
    expect(byId.get('polkit-agent')).toMatchObject({ status: 'warning', summary: expect.stringMatching(/will be refused/) as unknown });
    expect(byId.get('polkit-agent')?.fix).toMatch(/folder you own, or run as root/);
  });

  it('a user granted the action runs the installed helper as root through pkexec and converts into the libvirt image folder', async () => {
    const sources = mkdtempSync(join(work, 'sources-'));
    chmodSync(sources, 0o755);
    copyFileSync(await smallVmdk(), join(sources, 'disk.vmdk'));
    chmodSync(join(sources, 'disk.vmdk'), 0o644);
    const outputs = mkdtempSync(join(IMAGES, 'h2k-deb-'));
    undo.push(() => rmSync(outputs, { recursive: true, force: true }));
    chmodSync(outputs, 0o755);
    const partial = join(outputs, '.disk.qcow2.part-job1');
    const final = join(outputs, 'disk.qcow2');
    const root = repoRoot();
    const spec = { launcher: DEB_HELPER_PATH, convert: { source: join(sources, 'disk.vmdk'), sourceFormat: 'vmdk', partial, final } };
    const [file, ...args] = asUser(user, [process.execPath, '--import', pathToFileURL(join(root, 'scripts/ts-register.mjs')).href, join(root, 'test/integration/helper/pkexec-driver.ts'), JSON.stringify(spec)]);
    const driven = run(file!, args, { cwd: '/', env: { HOME: '/nonexistent', PATH } });
    expect(driven.code, driven.stderr).toBe(0);
    const report = JSON.parse(driven.stdout.trim().split('\n').at(-1)!) as { open: { ok: boolean; value?: Record<string, unknown> }; convert?: { ok: boolean }; finalize?: { ok: boolean } };
    expect(report.open).toMatchObject({ ok: true, value: { name: 'hyper2kvm-helper', euid: 0, invokingUid: user.uid } });
    expect(report.convert).toEqual({ ok: true });
    expect(report.finalize).toEqual({ ok: true });
    expect(sameContent(join(sources, 'disk.vmdk'), final, 'vmdk', 'qcow2')).toBe(true);
  });
});

describe('dpkg --purge', () => {
  it('removes every file of the package and leaves the watched folders as they were', async () => {
    const purge = run('/usr/bin/dpkg', ['--purge', PACKAGE], { env: { DEBIAN_FRONTEND: 'noninteractive', PATH } });
    expect(purge.code, purge.stderr).toBe(0);
    expect(packageState(PACKAGE)).toBe('not-known');
    expect(debFiles.filter((path) => existsSync(path) && !existedBefore.has(path))).toEqual([]);
    expect(readdirSync('/var/lib/dpkg/info').filter((n) => n.startsWith(`${PACKAGE}.`))).toEqual([]);
    expect(listing()).toEqual(listingBefore);
    // polkitd notices the policy is gone (inotify; generous bound for a loaded machine, it returns as soon as it does).
    await expect.poll(() => run('/usr/bin/pkaction', ['--action-id', ACTION]).code, { timeout: 60_000 }).not.toBe(0);
  });
});
