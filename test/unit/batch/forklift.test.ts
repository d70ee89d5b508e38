import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { dnsLabel, exportForklift, forkliftResources } from '../../../electron/engine/batch/forklift';
import { readPlan } from '../../../electron/engine/batch/plan';
import type { ResolvedPlan } from '../../../shared/contract/models/batch';
import { loadCrd, validate } from './openapi-schema';

const CRDS = fileURLToPath(new URL('./forklift-crds/', import.meta.url));
const crdFor = (kind: string) => loadCrd(join(CRDS, `${kind.toLowerCase()}s.yaml`));

function plan(text: string): ResolvedPlan {
  const reading = readPlan(text, '/srv/plans/Wave 1.yaml', '/root');
  expect(reading.problems.filter((p) => p.severity === 'error')).toEqual([]);
  return reading.plan!;
}

const WAVE = `
title: Wave 1
defaults:
  destination: /srv/kvm
  vcenter: { server: vc.example.com, user: migrator@vsphere.local, passwordFile: /etc/hyper2kvm/vc.pass, ca: /etc/hyper2kvm/vc-ca.pem }
  networks:
    VM Network: { network: default }
    Storage LAN: { bridge: br-stor }
  storage: { datastore1: /srv/kvm, fast-ds: /srv/fast }
  hooks:
    after-convert:
      - command: ["/usr/local/bin/notify", "converted"]
forklift:
  namespace: openshift-mtv
  targetNamespace: migrated
  networks: { Storage LAN: migrated/storage-nad }
  storage: { fast-ds: ssd }
  storageClass: standard
vms:
  - vm: web-01
  - name: db-01
    vm: { id: vm-1042 }
  - name: app
    vm: { path: /DC1/vm/Prod/App_Server }
  - name: edge
    vm: edge-7
    vcenter: { server: esxi-7.example.com, user: root, passwordFile: null, passwordEnv: ESXI_PASSWORD, ca: null }
  - name: local-one
    source: /data/local-one.vmdk
`;

describe('the Forklift export', () => {
  it('writes resources that the published CRD schemas (forklift.konveyor.io/v1beta1) accept', () => {
    const out = forkliftResources(plan(WAVE));
    expect(out.resources.map((r) => r.kind)).toEqual(['Provider', 'NetworkMap', 'StorageMap', 'Plan', 'Migration', 'Provider', 'NetworkMap', 'StorageMap', 'Plan', 'Migration']);
    for (const r of out.resources) {
      const crd = crdFor(r.kind);
      expect(r.object.apiVersion).toBe(`${crd.group}/${crd.version}`);
      expect(r.object.kind).toBe(crd.kind);
      expect(validate(r.object, crd.schema, crd.dir), `${r.kind} ${r.name}`).toEqual([]);
      expect(r.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(r.name.length).toBeLessThanOrEqual(63);
    }
  });

  it('maps the plan: providers per vCenter, networks and datastores, VMs by id or name', () => {
    const out = forkliftResources(plan(WAVE));
    const [provider, networks, storage, firstPlan, migration] = out.resources.map((r) => r.object as { metadata: { name: string; namespace: string }; spec: Record<string, unknown> });
    expect(provider!.spec).toEqual({ type: 'vsphere', url: 'https://vc.example.com/sdk', secret: { name: 'wave-1-vcenter-1-credentials', namespace: 'openshift-mtv' }, settings: { sdkEndpoint: 'vcenter' } });
    expect(networks!.spec.map).toEqual([
      { source: { name: 'Storage LAN' }, destination: { type: 'multus', namespace: 'migrated', name: 'storage-nad' } },
      { source: { name: 'VM Network' }, destination: { type: 'pod' } },
    ]);
    expect(storage!.spec.map).toEqual([
      { source: { name: 'datastore1' }, destination: { storageClass: 'standard' } },
      { source: { name: 'fast-ds' }, destination: { storageClass: 'ssd' } },
    ]);
    expect(firstPlan!.spec).toMatchObject({
      targetNamespace: 'migrated',
      warm: false,
      provider: { source: { name: 'wave-1-vcenter-1', namespace: 'openshift-mtv' }, destination: { name: 'host', namespace: 'openshift-mtv' } },
      map: { network: { name: networks!.metadata.name }, storage: { name: storage!.metadata.name } },
      vms: [{ name: 'web-01' }, { id: 'vm-1042', targetName: 'db-01' }, { name: 'App_Server', targetName: 'app' }],
    });
    expect(migration!.spec).toEqual({ plan: { name: firstPlan!.metadata.name, namespace: 'openshift-mtv' } });
    expect(out.skipped.map((s) => s.vm)).toEqual(['local-one']);
    expect(out.notes.join('\n')).toMatch(/Hooks \(after-convert\) are not exported/);
  });

  it('never writes a password: apply.sh reads it from the file or variable the plan names', () => {
    const out = forkliftResources(plan(WAVE));
    expect(out.applyScript).toContain("--from-file=password='/etc/hyper2kvm/vc.pass'");
    expect(out.applyScript).toContain("--from-file=cacert='/etc/hyper2kvm/vc-ca.pem'");
    expect(out.applyScript).toContain('"${ESXI_PASSWORD:?set ESXI_PASSWORD to the vCenter password}"');
    // The Migration starts moving VMs: applied by hand, after the Plan is Ready.
    expect(out.applyScript.split('\n').filter((l) => l.startsWith('kubectl apply'))).not.toContainEqual(expect.stringContaining('migration'));
    expect(out.applyScript).toContain('kubectl -n "$NS" wait --for=condition=Ready plan/wave-1-1');
  });

  it('writes the files, each one resource as YAML', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'h2k-forklift-'));
    try {
      const result = await exportForklift(plan(WAVE), join(dir, 'out'));
      expect(readdirSync(join(dir, 'out')).sort()).toEqual(result.files.map((f) => f.path.slice(join(dir, 'out').length + 1)).sort());
      for (const f of result.files.filter((x) => x.kind !== 'script' && x.kind !== 'readme')) {
        const object = parse(readFileSync(f.path, 'utf8')) as { kind: string };
        const crd = crdFor(object.kind);
        expect(validate(object, crd.schema, crd.dir)).toEqual([]);
      }
      expect(statSync(join(dir, 'out', 'apply.sh')).mode & 0o111).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a plan with nothing Forklift could migrate, and a datastore without a storage class', () => {
    expect(() => forkliftResources(plan('defaults: { destination: /x }\nvms:\n  - source: /d/a.vmdk\n'))).toThrow(/no vCenter VM/);
    expect(() => forkliftResources(plan('defaults: { destination: /x, vcenter: { server: vc, user: u, passwordEnv: P }, storage: { ds1: /x } }\nvms:\n  - vm: a\n'))).toThrow(/ds1 has no storage class/);
  });

  it('the schema check itself fails on what the API server would refuse', () => {
    const crd = crdFor('NetworkMap');
    const bad = { apiVersion: 'forklift.konveyor.io/v1beta1', kind: 'NetworkMap', metadata: {}, spec: { provider: { source: { name: 'a' } }, map: [{ source: { name: 'x' }, destination: { type: 'bridge' }, extra: 1 }] } };
    expect(validate(bad, crd.schema, crd.dir)).toEqual([
      '.spec.provider: missing required field "destination"',
      '.spec.map[0].destination.type: "bridge" is not one of ["pod","multus","ignored"]',
      '.spec.map[0]: unknown field "extra"',
    ]);
  });

  it.each([
    ['Wave 1', 'wave-1'],
    ['--DB__servers--', 'db-servers'],
    ['ÜBER', 'ber'],
    ['!!!', 'plan'],
    ['a'.repeat(80), 'a'.repeat(63)],
  ])('dnsLabel(%j) = %j', (input, expected) => {
    expect(dnsLabel(input)).toBe(expected);
  });
});
