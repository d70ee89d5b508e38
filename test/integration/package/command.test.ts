import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../fixtures/cache-dir';
import { run } from './process';

/**
 * The `hyper2kvm` command of a checkout: scripts/setup.sh links bin/hyper2kvm (a shell launcher,
 * no npm in between) onto PATH. HYPER2KVM_BIN_DIR points it at a temporary folder here, so the
 * machine's /usr/local/bin is left alone.
 */

let bin: string;
const setup = (): ReturnType<typeof run> => run('/bin/bash', [join(repoRoot(), 'scripts', 'setup.sh'), '--command-only'], { env: { ...process.env, HYPER2KVM_BIN_DIR: bin } });
const onPath = (args: string[]): ReturnType<typeof run> => run('/bin/sh', ['-c', 'cd / && exec hyper2kvm "$@"', 'sh', ...args], { env: { PATH: `${bin}:/usr/bin:/bin`, HOME: tmpdir() } });

beforeAll(() => {
  expect(existsSync(join(repoRoot(), 'dist', 'node', 'cli.mjs')), 'run `npm run build` first (npm test does)').toBe(true);
  bin = mkdtempSync(join(tmpdir(), 'h2k-bin-'));
});

afterAll(() => {
  if (bin) rmSync(bin, { recursive: true, force: true });
});

describe('scripts/setup.sh --command-only', () => {
  it('links the launcher onto PATH, and `hyper2kvm` runs this checkout from any folder', () => {
    const linked = setup();
    expect(linked.code, linked.stderr).toBe(0);
    expect(readlinkSync(join(bin, 'hyper2kvm'))).toBe(join(repoRoot(), 'bin', 'hyper2kvm'));
    const help = onPath(['--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^ {2}doctor +Check this host/m);
    const version = onPath(['--version', '--json']);
    expect(version.code, version.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
    expect(JSON.parse(version.stdout)).toMatchObject({ version: pkg.version, installedAt: repoRoot().replace(/\/$/, ''), build: 'built from a source checkout' });
  });

  it('passes exit codes and arguments through unchanged', () => {
    const bad = onPath(['convert', '/nonexistent/disk.vmdk', '--out', join(bin, 'x'), '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout.trim().split('\n').at(-1)!)).toMatchObject({ type: 'result', ok: false, error: { code: 'SOURCE_NOT_FOUND' } });
  });

  it("replaces a link to another checkout's launcher, and leaves anything else alone", () => {
    rmSync(join(bin, 'hyper2kvm'));
    symlinkSync('/elsewhere/hyper2kvm/bin/hyper2kvm', join(bin, 'hyper2kvm'));
    expect(setup().code).toBe(0);
    expect(readlinkSync(join(bin, 'hyper2kvm'))).toBe(join(repoRoot(), 'bin', 'hyper2kvm'));

    rmSync(join(bin, 'hyper2kvm'));
    writeFileSync(join(bin, 'hyper2kvm'), '#!/bin/sh\necho somebody else\n');
    const refused = setup();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/exists and is not a hyper2kvm checkout's launcher: left alone/);
    expect(readFileSync(join(bin, 'hyper2kvm'), 'utf8')).toContain('somebody else');
  });
});
