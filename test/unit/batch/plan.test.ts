import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatPath, readPlan } from '../../../electron/engine/batch/plan';

const sample = (name: string): string => readFileSync(fileURLToPath(new URL(`./samples/${name}`, import.meta.url)), 'utf8');
const problemsOf = (text: string) => readPlan(text, '/plans/p.yaml', '/home/op').problems.map((p) => `${p.line}:${p.column} ${p.severity} ${p.path} ${p.code}`);

describe('reading a plan', () => {
  it('reads the shape of issue 13: defaults deep-merged with each VM, lists replaced, built-in defaults applied', () => {
    const { plan, problems } = readPlan(sample('issue-13-shape.yaml'), '/plans/wave.yaml', '/home/op');
    expect(problems).toEqual([]);
    expect(plan!.concurrency).toEqual({ total: 2, perHost: null, perDatastore: null });
    expect(plan!.vms.map((v) => ({ name: v.name, source: v.source, format: v.settings.format, hooks: v.settings.hooks.map((h) => [h.point, h.command, h.timeoutSeconds, h.onFailure]) }))).toEqual([
      { name: 'web-01', source: { kind: 'local', path: '/data/web-01/web-01.vmx' }, format: 'qcow2', hooks: [['after-convert', ['/usr/local/bin/notify', 'converted'], 300, 'fail']] },
      {
        name: 'db-01',
        source: { kind: 'local', path: '/data/db-01/db-01.vmdk' },
        format: 'raw',
        // The VM's hooks map merged key by key with the defaults': both points are there.
        hooks: [
          ['before-convert', ['/usr/local/bin/quiesce', 'db-01'], 300, 'fail'],
          ['after-convert', ['/usr/local/bin/notify', 'converted'], 300, 'fail'],
        ],
      },
    ]);
    expect(plan!.vms[1]!.settings).toMatchObject({ destination: '/srv/kvm/images', compress: false, overwrite: false, repair: {}, define: false, verifyBoot: false, networks: {}, storage: {}, transfer: { parallelDisks: 2, retries: 6 } });
  });

  it('finds every problem at once, each with its line and column', () => {
    expect(problemsOf(sample('invalid.yaml'))).toEqual([
      '3:11 error defaults.format PLAN_INVALID_VALUE',
      '4:3 error defaults.compres PLAN_UNKNOWN_KEY',
      '5:25 error defaults.concurrency.total PLAN_INVALID_VALUE',
      '9:5 error defaults.vcenter.password PLAN_UNKNOWN_KEY',
      '13:18 error defaults.hooks.after-convert[0].timeout PLAN_INVALID_VALUE',
      '14:5 error defaults.hooks.after-magic PLAN_UNKNOWN_KEY',
      '19:5 error vms[0].stopAfterFailures PLAN_BATCH_KEY_IN_VM',
      '20:11 error vms[1].name PLAN_DUPLICATE_VM',
      '22:11 error vms[2].name PLAN_INVALID_VALUE',
      '23:9 error vms[2].vm PLAN_INVALID_VALUE',
      '24:13 error vms[3].source PLAN_DUPLICATE_VM',
      '26:19 error vms[3].networks["VM Network"] PLAN_INVALID_VALUE',
      '27:5 error vms[4] PLAN_VM_NOT_A_MAP',
    ]);
  });

  it('says what is wrong and what to do, in words', () => {
    const { problems } = readPlan(sample('invalid.yaml'), '/plans/p.yaml', '/home/op');
    const byPath = new Map(problems.map((p) => [p.path, p]));
    expect(byPath.get('defaults.format')?.message).toBe('defaults.format must be "qcow2" or "raw", not "vmdk".');
    expect(byPath.get('defaults.vcenter.password')?.message).toBe('defaults.vcenter: passwords never go in a plan.');
    expect(byPath.get('defaults.vcenter.password')?.hint).toContain('passwordFile');
    expect(byPath.get('defaults.hooks.after-magic')?.hint).toContain('before-convert');
    expect(byPath.get('vms[0].stopAfterFailures')?.hint).toBe('Move it under `defaults:`.');
    expect(byPath.get('vms[1].name')?.message).toBe('The VM name web-01 is used twice (also vms[0]).');
    expect(byPath.get('vms[3].source')?.message).toBe('vms[3] is the same VM as vms[0] (/data/web-01.vmx).');
  });

  it.each([
    ['not YAML at all', 'defaults: [unclosed\nvms: []\n', ['2:1 error  PLAN_YAML_SYNTAX']],
    ['a list instead of a map', '- a\n- b\n', ['1:1 error  PLAN_NOT_A_MAP']],
    ['a duplicated key', 'vms: []\nvms: []\n', ['2:1 error  PLAN_YAML_SYNTAX']],
    ['no vms key', 'defaults: { destination: /x }\n', ['1:1 error vms PLAN_INVALID_VALUE']],
    ['a VM with both source and vm', 'defaults: { destination: /x }\nvms:\n  - { source: /a.vmdk, vm: a }\n', ['3:5 error vms[0] PLAN_VM_SOURCE']],
    ['a VM with neither', 'defaults: { destination: /x }\nvms:\n  - { name: a }\n', ['3:5 error vms[0] PLAN_VM_SOURCE']],
    ['no destination', 'vms:\n  - source: /a.vmdk\n', ['2:5 error vms[0] PLAN_NO_DESTINATION']],
    ['a vCenter VM without a vCenter', 'defaults: { destination: /x }\nvms:\n  - vm: web\n', ['3:5 error vms[0] PLAN_NO_VCENTER', '3:5 error vms[0] PLAN_VCENTER_PASSWORD']],
    ['a string command without shell', 'defaults: { destination: /x, hooks: { before-convert: [ { command: "a b" } ] } }\nvms:\n  - source: /a.vmdk\n', ['1:68 error defaults.hooks.before-convert[0].command PLAN_HOOK_COMMAND']],
    ['a hook that never runs for a local source', 'defaults: { destination: /x, hooks: { after-transfer: [ { command: [/bin/true] } ] } }\nvms:\n  - source: /a.vmdk\n', ['1:39 warning defaults.hooks.after-transfer PLAN_HOOK_NEVER_RUNS']],
  ])('%s', (_name, text, expected) => {
    expect(problemsOf(text).sort()).toEqual([...expected].sort());
  });

  it('borrows a name from the source or the vCenter VM, and resolves paths against the plan’s folder and ~', () => {
    const { plan } = readPlan('defaults:\n  destination: ../out\n  storage: { ds1: ~/fast }\n  vcenter: { server: vc, user: u, passwordFile: vc.pass }\nvms:\n  - source: disks/web-01.vmdk\n  - vm: { path: /DC/vm/Prod/app-7 }\n', '/plans/wave/p.yaml', '/home/op');
    expect(plan!.vms.map((v) => [v.name, v.source, v.settings.destination, v.settings.storage, v.settings.vcenter?.passwordFile])).toEqual([
      ['web-01', { kind: 'local', path: '/plans/wave/disks/web-01.vmdk' }, '/plans/out', { ds1: '/home/op/fast' }, undefined],
      ['app-7', { kind: 'vcenter', server: 'vc', path: '/DC/vm/Prod/app-7' }, '/plans/out', { ds1: '/home/op/fast' }, '/plans/wave/vc.pass'],
    ]);
  });

  it('lets a VM drop a default with null, and turns a shell string into sh -c', () => {
    const { plan, problems } = readPlan(
      'defaults:\n  destination: /x\n  networks: { LAN: { network: default } }\n  hooks: { after-finalize: [ { command: "sync && echo done", shell: true, timeout: 2.5, onFailure: warn } ] }\nvms:\n  - source: /a.vmdk\n    networks: { LAN: { network: null, bridge: br0 } }\n    hooks: null\n  - source: /b.vmdk\n',
      '/p.yaml',
      '/root',
    );
    expect(problems).toEqual([]);
    expect(plan!.vms[0]!.settings.networks).toEqual({ LAN: { bridge: 'br0' } });
    expect(plan!.vms[0]!.settings.hooks).toEqual([]);
    expect(plan!.vms[1]!.settings.hooks).toEqual([{ point: 'after-finalize', command: ['/bin/sh', '-c', 'sync && echo done'], shell: true, timeoutSeconds: 2.5, onFailure: 'warn', env: {} }]);
  });

  it('reads concurrency as a number or with per-host and per-datastore limits', () => {
    const limits = (c: string) => readPlan(`defaults: { destination: /x, concurrency: ${c} }\nvms: []\n`, '/p.yaml', '/').plan?.concurrency;
    expect(limits('4')).toEqual({ total: 4, perHost: null, perDatastore: null });
    expect(limits('{ perHost: 1 }')).toEqual({ total: 2, perHost: 1, perDatastore: null });
    expect(limits('{ total: 8, perHost: 2, perDatastore: 3 }')).toEqual({ total: 8, perHost: 2, perDatastore: 3 });
  });

  it.each([
    [['vms', 1, 'hooks', 'after-convert', 0, 'timeout'], 'vms[1].hooks.after-convert[0].timeout'],
    [['defaults', 'networks', 'VM Network'], 'defaults.networks["VM Network"]'],
    [[], ''],
  ])('formatPath(%j) = %j', (path, text) => {
    expect(formatPath(path)).toBe(text);
  });
});
