import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PACKAGED_HELPER_PATH } from '../../../electron/engine/privilege/helper-client';
import { HELPER_VERSION } from '../../../electron/helper/version';

/**
 * electron-builder cannot build packages here (it downloads Electron and its tools from GitHub),
 * so the packaging config is checked the way electron-builder itself checks it, and the paths
 * that must agree across files are checked against each other: where the package puts the helper,
 * the launcher that pkexec runs, and the exec.path polkit matches it by.
 */

const root = join(import.meta.dirname, '..', '..', '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

interface BuilderConfig {
  productName: string;
  extraResources: Array<{ from: string; to: string }>;
  electronFuses: Record<string, boolean>;
  linux: { executableName: string; target: string[] };
  deb: { afterInstall: string; afterRemove: string; depends: string[] };
  rpm: { afterInstall: string; afterRemove: string };
}

const config = parse(read('build/electron-builder.yml')) as BuilderConfig;
const installDir = `/opt/${config.productName}`;
const resource = (from: string): string => {
  const entry = config.extraResources.find((r) => r.from === from);
  if (!entry) throw new Error(`${from} is not in extraResources`);
  return `${installDir}/resources/${entry.to}`;
};

describe('build/electron-builder.yml', () => {
  it("passes electron-builder's own configuration validation", async () => {
    await expect(validateConfiguration(structuredClone(config) as never, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('ships the helper, its launcher and the policy outside the asar, from files that exist', () => {
    expect(config.extraResources.map((r) => r.from).sort()).toEqual(['build/helper/hyper2kvm-helper', 'build/polkit/org.hyper2kvm.helper.policy', 'dist/helper/helper.mjs']);
    for (const { from } of config.extraResources.filter((r) => r.from.startsWith('build/'))) expect(existsSync(join(root, from)), from).toBe(true);
  });

  it('installs the launcher exactly where the client and the policy expect it', () => {
    expect(config.productName).toBe('hyper2kvm');
    expect(resource('build/helper/hyper2kvm-helper')).toBe(PACKAGED_HELPER_PATH);
  });

  it('keeps the runAsNode fuse the launcher needs, and turns off the Node switches it does not', () => {
    expect(config.electronFuses).toMatchObject({ runAsNode: true, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false });
  });

  it('registers the policy in deb and rpm install scripts that exist', () => {
    for (const target of [config.deb, config.rpm]) {
      const install = read(target.afterInstall);
      expect(install).toContain('/usr/share/polkit-1/actions/org.hyper2kvm.helper.policy');
      expect(install).toContain('resources/polkit/org.hyper2kvm.helper.policy');
      expect(install).toMatch(/chown root:root "\$HELPER"/);
      expect(read(target.afterRemove)).toContain('rm -f /usr/share/polkit-1/actions/org.hyper2kvm.helper.policy');
    }
    expect(config.deb.depends).toContain('pkexec | policykit-1');
  });
});

describe('build/helper/hyper2kvm-helper (the launcher pkexec runs)', () => {
  const launcher = read('build/helper/hyper2kvm-helper');

  it("starts the app's Electron binary as Node on the shipped helper.mjs", () => {
    expect(launcher).toMatch(new RegExp(`^RUNTIME=${installDir}/${config.linux.executableName}$`, 'm'));
    expect(launcher).toMatch(new RegExp(`^SCRIPT=${resource('dist/helper/helper.mjs')}$`, 'm'));
    expect(launcher).toContain('ELECTRON_RUN_AS_NODE=1');
  });

  it('starts from an empty environment, by absolute path, and ignores its arguments', () => {
    expect(launcher).toMatch(/^exec \/usr\/bin\/env -i \\$/m);
    expect(launcher).not.toMatch(/\$@|\$\*|\$1/);
    expect(statSync(join(root, 'build/helper/hyper2kvm-helper')).mode & 0o111).toBe(0o111);
  });
});

describe('build/polkit/org.hyper2kvm.helper.policy', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
  const policy = parser.parse(read('build/polkit/org.hyper2kvm.helper.policy')) as {
    policyconfig: { action: { id: string; description: string; message: string; defaults: Record<string, string>; annotate: { key: string; '#text': string } } };
  };
  const action = policy.policyconfig.action;

  it('defines org.hyper2kvm.helper for active administrators only, asking every time', () => {
    expect(action.id).toBe('org.hyper2kvm.helper');
    expect(action.description.length).toBeGreaterThan(10);
    expect(action.message).toContain('/var/lib/libvirt/images');
    expect(action.defaults).toEqual({ allow_any: 'no', allow_inactive: 'no', allow_active: 'auth_admin' });
  });

  it('names the packaged launcher as exec.path', () => {
    expect(action.annotate).toEqual({ key: 'org.freedesktop.policykit.exec.path', '#text': PACKAGED_HELPER_PATH });
  });
});

it('the helper reports the version in package.json', () => {
  expect(HELPER_VERSION).toBe((JSON.parse(read('package.json')) as { version: string }).version);
});
