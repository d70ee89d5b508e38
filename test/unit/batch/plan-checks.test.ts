import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPlanEnvironment } from '../../../electron/engine/batch/plan-checks';
import type { PlanCheckDeps } from '../../../electron/engine/batch/plan-checks';
import { readPlan } from '../../../electron/engine/batch/plan';

// What a plan names must exist: checked on a real folder of files, with libvirt's answer given.

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'h2k-plan-checks-'));
  mkdirSync(join(dir, 'out'));
  writeFileSync(join(dir, 'web.vmdk'), 'x');
  writeFileSync(join(dir, 'notify'), '#!/bin/sh\n');
  chmodSync(join(dir, 'notify'), 0o755);
  writeFileSync(join(dir, 'not-executable'), '#!/bin/sh\n');
  writeFileSync(join(dir, 'vc.pass'), 'secret\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const deps = (networks: string[] | null): PlanCheckDeps => ({
  env: { PATH: '/usr/bin:/bin', SET_VAR: 'x' },
  libvirtNetworks: () => Promise.resolve(networks),
  isBridge: (name) => Promise.resolve(name === 'br0'),
});

async function check(text: string, networks: string[] | null = ['default']): Promise<string[]> {
  const reading = readPlan(text, join(dir, 'plan.yaml'), '/root');
  expect(reading.problems.filter((p) => p.severity === 'error')).toEqual([]);
  const problems = await checkPlanEnvironment(reading.plan!, reading.locate, deps(networks));
  return problems.map((p) => `${p.line}:${p.column} ${p.severity} ${p.path} ${p.code}`);
}

describe('what a plan names', () => {
  it('is all there: no problem', async () => {
    expect(await check(`defaults: { destination: out, hooks: { after-convert: [ { command: [./notify] }, { command: [sh, -c, 'true'] } ] }, define: true, networks: { LAN: { network: default }, DMZ: { bridge: br0 } } }\nvms:\n  - source: web.vmdk\n`)).toEqual([]);
  });

  it('missing sources, destinations, programs, networks and credentials, each where the plan names it', async () => {
    const text = [
      'defaults:',
      '  destination: nowhere/deeper',
      '  define: { connection: qemu:///system }',
      '  networks:',
      '    LAN: { network: prod }',
      '    DMZ: { bridge: br9 }',
      '  hooks:',
      '    before-convert:',
      '      - command: [./not-executable]',
      '      - command: [no-such-program-h2k]',
      '  vcenter: { server: vc, user: u, passwordEnv: UNSET_VAR, ca: missing-ca.pem }',
      'vms:',
      '  - source: missing.vmdk',
      '  - name: remote',
      '    vm: r1',
      '    destination: out',
      '',
    ].join('\n');
    expect(await check(text)).toEqual([
      '2:16 error defaults.destination PLAN_DESTINATION',
      '5:10 error defaults.networks.LAN PLAN_UNKNOWN_NETWORK',
      '6:10 error defaults.networks.DMZ PLAN_UNKNOWN_NETWORK',
      '9:18 error defaults.hooks.before-convert[0].command PLAN_HOOK_PROGRAM',
      '10:18 error defaults.hooks.before-convert[1].command PLAN_HOOK_PROGRAM',
      '11:48 error defaults.vcenter.passwordEnv PLAN_PASSWORD_ENV',
      '11:63 error defaults.vcenter.ca PLAN_CA_FILE',
      '13:13 error vms[0].source PLAN_SOURCE_MISSING',
    ]);
  });

  it('says so, without failing, when libvirt cannot be asked', async () => {
    expect(await check('defaults: { destination: out, define: true, networks: { LAN: { network: prod } } }\nvms:\n  - source: web.vmdk\n', null)).toEqual(['1:62 warning defaults.networks.LAN PLAN_NETWORKS_UNCHECKED']);
  });
});
