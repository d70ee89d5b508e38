import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { stringify } from 'yaml';
import type { ResolvedPlan, ResolvedVm, VcenterSource } from '../../../shared/contract/models/batch';
import { EngineFailure, fail, fromErrno } from '../core/errors';
import './error-codes';

/**
 * The same plan for Forklift (the Kubernetes migration engine for KubeVirt), for fleets that
 * outgrow one machine: the Kubernetes resources of forklift.konveyor.io/v1beta1 with the field
 * names of Forklift's API — a vSphere Provider per vCenter (its credentials Secret is made by
 * apply.sh at apply time, reading the password from the plan's file or variable: it is never
 * written here), a NetworkMap, a StorageMap, a Plan with the VMs, and a Migration, which starts
 * the work and so is applied by hand. The destination is the cluster Forklift runs in (its
 * `host` provider, which Forklift creates in its own namespace).
 */

export const FORKLIFT_API = 'forklift.konveyor.io/v1beta1';
const DEFAULT_NAMESPACE = 'konveyor-forklift';
const DEFAULT_TARGET_NAMESPACE = 'default';

export interface ForkliftResource {
  kind: 'Provider' | 'NetworkMap' | 'StorageMap' | 'Plan' | 'Migration';
  name: string;
  file: string;
  object: Record<string, unknown>;
}

export interface ForkliftExport {
  resources: ForkliftResource[];
  applyScript: string;
  readme: string;
  vms: number;
  skipped: Array<{ vm: string; reason: string }>;
  notes: string[];
}

/** A DNS-1123 label from any text: lower case, letters, digits and dashes, at most 63. */
export function dnsLabel(text: string, max = 63): string {
  const label = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, max)
    .replace(/-$/, '');
  return label || 'plan';
}

export function forkliftResources(plan: ResolvedPlan): ForkliftExport {
  const settings = plan.forklift ?? {};
  const namespace = settings.namespace ?? DEFAULT_NAMESPACE;
  const targetNamespace = settings.targetNamespace ?? DEFAULT_TARGET_NAMESPACE;
  const base = dnsLabel(settings.name ?? basename(plan.file, extname(plan.file)), 40);
  const notes: string[] = [];
  const skipped: ForkliftExport['skipped'] = [];
  if (!settings.namespace) notes.push(`Resources go to the namespace ${DEFAULT_NAMESPACE} (Forklift's own); set forklift.namespace to change it (openshift-mtv for MTV on OpenShift).`);
  if (!settings.targetNamespace) notes.push(`VMs are created in the namespace ${DEFAULT_TARGET_NAMESPACE}; set forklift.targetNamespace to change it.`);

  // One source provider (and so one plan) per vCenter server and user.
  const groups = new Map<string, { source: VcenterSource; vms: ResolvedVm[] }>();
  for (const vm of plan.vms) {
    if (vm.source.kind !== 'vcenter' || !vm.settings.vcenter) {
      skipped.push({ vm: vm.name, reason: 'a local source: Forklift migrates from providers (vSphere, oVirt, OpenStack, OVA), not from files on this machine. Run it here with hyper2kvm batch run.' });
      continue;
    }
    const key = `${vm.settings.vcenter.server}\u0000${vm.settings.vcenter.user}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { source: vm.settings.vcenter, vms: [] }));
    group.vms.push(vm);
  }
  if (groups.size === 0) fail('BATCH_FORKLIFT_UNSUPPORTED', 'The plan has no vCenter VM, so there is nothing Forklift could migrate.', 'Forklift migrates from a vCenter: list VMs with `vm:` (and `vcenter:` under defaults).');

  const hookPoints = new Set(plan.vms.flatMap((vm) => vm.settings.hooks.map((h) => h.point)));
  if (hookPoints.size > 0) notes.push(`Hooks (${[...hookPoints].join(', ')}) are not exported: Forklift's hooks are Ansible playbooks run in a container image (Hook resources, PreHook/PostHook steps), not commands on this machine.`);
  if (plan.vms.some((vm) => vm.settings.define !== false || vm.settings.verifyBoot !== false || vm.settings.repair !== false)) notes.push('repair, define and verifyBoot are this tool’s steps: Forklift converts with virt-v2v and creates KubeVirt VMs itself.');
  notes.push('format, compress and destination do not apply: Forklift writes the disks to PersistentVolumeClaims of the mapped storage classes.');

  const resources: ForkliftResource[] = [];
  /** One resource: `NN-kind-name.yaml`, numbered in the order they are applied. */
  const add = (kind: ForkliftResource['kind'], order: number, name: string, spec: Record<string, unknown>): void => {
    resources.push({ kind, name, file: `${order}-${kind.toLowerCase()}-${name}.yaml`, object: { apiVersion: FORKLIFT_API, kind, metadata: { name, namespace }, spec } });
  };
  const secrets: Array<{ name: string; source: VcenterSource }> = [];
  const plans: string[] = [];
  const migrations: string[] = [];
  [...groups.values()].forEach((group, i) => {
    const suffix = groups.size > 1 ? `-${i + 1}` : '';
    const providerName = dnsLabel(`${base}-vcenter${suffix}`);
    const secretName = dnsLabel(`${providerName}-credentials`);
    secrets.push({ name: secretName, source: group.source });
    const providerRef = { name: providerName, namespace };
    const hostRef = { name: 'host', namespace };
    add('Provider', 10, providerName, { type: 'vsphere', url: sdkUrl(group.source.server), secret: { name: secretName, namespace }, settings: { sdkEndpoint: 'vcenter' } });

    const networkNames = new Set<string>([...group.vms.flatMap((vm) => Object.keys(vm.settings.networks)), ...Object.keys(settings.networks ?? {})]);
    const networkMap = [...networkNames].sort().map((source) => ({ source: { name: source }, destination: networkDestination(settings.networks?.[source]) }));
    if (networkMap.length === 0) notes.push('The plan names no source network: Forklift needs every NIC’s network mapped. Add them under networks (or forklift.networks).');
    const unmappedNetworks = [...networkNames].filter((n) => settings.networks?.[n] === undefined);
    if (unmappedNetworks.length > 0) notes.push(`Mapped to the pod network (no forklift.networks entry): ${unmappedNetworks.join(', ')}.`);
    const networkMapName = dnsLabel(`${base}-networks${suffix}`);
    add('NetworkMap', 20, networkMapName, { provider: { source: providerRef, destination: hostRef }, map: networkMap });

    const datastores = new Set<string>([...group.vms.flatMap((vm) => Object.keys(vm.settings.storage)), ...Object.keys(settings.storage ?? {})]);
    const storageMap = [...datastores].sort().map((source) => {
      const storageClass = settings.storage?.[source] ?? settings.storageClass;
      if (!storageClass) fail('BATCH_FORKLIFT_UNSUPPORTED', `The datastore ${source} has no storage class for Forklift.`, `Set forklift.storage["${source}"] (or forklift.storageClass for every datastore) in the plan.`);
      return { source: { name: source }, destination: { storageClass } };
    });
    if (storageMap.length === 0) notes.push(`The plan names no datastore: Forklift needs every disk's datastore mapped to a storage class. Add them under forklift.storage${settings.storageClass ? '' : ' with forklift.storageClass'}.`);
    const storageMapName = dnsLabel(`${base}-storage${suffix}`);
    add('StorageMap', 30, storageMapName, { provider: { source: providerRef, destination: hostRef }, map: storageMap });

    const planName = dnsLabel(`${base}${suffix}`);
    plans.push(planName);
    add('Plan', 40, planName, {
      description: `${plan.title ?? basename(plan.file)}: exported by hyper2kvm batch export-forklift`,
      targetNamespace,
      warm: settings.warm ?? false,
      provider: { source: providerRef, destination: hostRef },
      map: { network: { name: networkMapName, namespace }, storage: { name: storageMapName, namespace } },
      vms: group.vms.map((vm) => planVm(vm, notes)),
    });
    const migrationName = dnsLabel(`${planName}-migration`);
    add('Migration', 50, migrationName, { plan: { name: planName, namespace } });
    migrations.push(resources.at(-1)!.file);
  });

  const vms = [...groups.values()].reduce((n, g) => n + g.vms.length, 0);
  return { resources, applyScript: applyScript(plan, namespace, secrets, resources, plans, migrations), readme: readme(namespace, plans, migrations), vms, skipped, notes };
}

function planVm(vm: ResolvedVm, notes: string[]): Record<string, unknown> {
  const ref = vm.source.kind === 'vcenter' ? vm.source : null;
  const sourceName = ref?.name ?? (ref?.path ? ref.path.slice(ref.path.lastIndexOf('/') + 1) : undefined);
  if (ref?.path && !ref.id) notes.push(`${vm.name} is named by its inventory path; Forklift takes its name (${sourceName}), which must be unique in the vCenter.`);
  const entry: Record<string, unknown> = ref?.id ? { id: ref.id } : { name: sourceName };
  // Our name for the VM becomes its name in the cluster when it differs and is a valid one.
  if (vm.name !== sourceName && /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(vm.name)) entry.targetName = vm.name;
  return entry;
}

function networkDestination(target: string | undefined): Record<string, string> {
  if (target === undefined || target === 'pod') return { type: 'pod' };
  if (target === 'ignored') return { type: 'ignored' };
  const slash = target.indexOf('/');
  return slash > 0 ? { type: 'multus', namespace: target.slice(0, slash), name: target.slice(slash + 1) } : { type: 'multus', name: target };
}

function sdkUrl(server: string): string {
  const withScheme = /^https?:\/\//.test(server) ? server : `https://${server}`;
  const url = new URL(withScheme);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/sdk';
  return url.toString().replace(/\/$/, '');
}

function sh(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function applyScript(plan: ResolvedPlan, namespace: string, secrets: Array<{ name: string; source: VcenterSource }>, resources: ForkliftResource[], plans: string[], migrations: string[]): string {
  const lines = [
    '#!/bin/sh',
    `# Generated by hyper2kvm batch export-forklift from ${plan.file}.`,
    '# Creates the vCenter credentials Secret (the password is read here, at apply time, from the',
    '# file or variable the plan names: it is never written into these files), applies the Forklift',
    '# resources, and waits until the Plan is Ready. The Migration, which starts moving VMs, is',
    '# applied by hand afterwards (see README.txt). Needs kubectl, logged in to the cluster.',
    'set -eu',
    'cd "$(dirname "$0")"',
    `NS=${sh(namespace)}`,
    'kubectl get namespace "$NS" >/dev/null',
  ];
  for (const { name, source } of secrets) {
    const literals = [`--from-literal=user=${sh(source.user)}`, `--from-literal=url=${sh(sdkUrl(source.server))}`, '--from-literal=insecureSkipVerify=false', ...(source.ca ? [`--from-file=cacert=${sh(source.ca)}`] : [])];
    const create = (passwordArg: string): string => `kubectl -n "$NS" create secret generic ${name} ${literals.join(' ')} ${passwordArg} --dry-run=client -o yaml \\\n  | kubectl label --local -f - createdForProviderType=vsphere createdForResourceType=providers -o yaml \\\n  | kubectl apply -f -`;
    lines.push('', `# ${source.server} (${source.user})`);
    if (source.passwordFile) lines.push(create(`--from-file=password=${sh(source.passwordFile)}`));
    else lines.push(`printf '%s' "\${${source.passwordEnv}:?set ${source.passwordEnv} to the vCenter password}" \\\n  | ${create('--from-file=password=/dev/stdin')}`);
  }
  lines.push('');
  for (const r of resources) if (r.kind !== 'Migration') lines.push(`kubectl apply -f ${r.file}`);
  for (const p of plans) lines.push(`kubectl -n "$NS" wait --for=condition=Ready plan/${p} --timeout=15m`);
  lines.push(`echo 'Ready. Start the migration with: ${migrations.map((m) => `kubectl apply -f ${m}`).join(' && ')}'`, '');
  return lines.join('\n');
}

function readme(namespace: string, plans: string[], migrations: string[]): string {
  return [
    'Forklift resources exported by hyper2kvm (API forklift.konveyor.io/v1beta1)',
    '',
    'Needs: a Kubernetes cluster with KubeVirt and Forklift installed (Forklift creates the `host`',
    `provider, the destination, in its namespace: ${namespace} here), and kubectl logged in to it.`,
    '',
    '1. Apply (creates the Secret with the vCenter password, the Provider, the maps and the Plan,',
    '   and waits until the Plan is Ready):   sh apply.sh',
    `2. Check the Plan:                        kubectl -n ${namespace} get plan ${plans.join(' ')} -o yaml`,
    `3. Start migrating:                       ${migrations.map((m) => `kubectl apply -f ${m}`).join(' && ')}`,
    `4. Follow it:                             kubectl -n ${namespace} get migration -w`,
    '',
  ].join('\n');
}

export async function exportForklift(plan: ResolvedPlan, outDir: string): Promise<{ outDir: string; files: Array<{ path: string; kind: string; name: string }>; vms: number; skipped: ForkliftExport['skipped']; notes: string[] }> {
  const result = forkliftResources(plan);
  const files: Array<{ path: string; kind: string; name: string }> = [];
  try {
    await mkdir(outDir, { recursive: true });
    for (const r of result.resources) {
      const path = join(outDir, r.file);
      await writeFile(path, stringify(r.object, { lineWidth: 0 }));
      files.push({ path, kind: r.kind, name: r.name });
    }
    const script = join(outDir, 'apply.sh');
    await writeFile(script, result.applyScript);
    await chmod(script, 0o755);
    files.push({ path: script, kind: 'script', name: 'apply.sh' });
    const readmePath = join(outDir, 'README.txt');
    await writeFile(readmePath, result.readme);
    files.push({ path: readmePath, kind: 'readme', name: 'README.txt' });
  } catch (error) {
    throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, outDir));
  }
  return { outDir, files, vms: result.vms, skipped: result.skipped, notes: result.notes };
}
