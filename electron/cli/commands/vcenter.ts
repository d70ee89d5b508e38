import { readFileSync } from 'node:fs';
import type { ConnectionInfo, PreflightReport, TrustChoice } from '../../../shared/contract/api/vcenter';
import type { EngineError } from '../../../shared/contract/errors';
import type { VmDetails, VmSummary } from '../../../shared/contract/models/vsphere';
import { formatBytes } from '../../../shared/format';
import type { RpcClient } from '../../../shared/rpc/client';
import { RemoteError } from '../../../shared/rpc/client';
import { parseCommandArgs, usageError } from '../args';
import { emitJson, reportFailure, say } from '../io';
import type { CliIo } from '../io';
import type { Command, CommandContext } from './types';

/**
 * `hyper2kvm vcenter vms|show|power-off|shutdown`: the vCenter source from a terminal. Passwords
 * come from a file or the environment, never from the command line (other users see it in ps).
 * Everything vSphere runs in the engine, which loads its HTTP and SOAP stack only now.
 */

export const PASSWORD_ENV = 'HYPER2KVM_VCENTER_PASSWORD';

export const CONNECTION_OPTIONS = {
  server: { type: 'string' },
  user: { type: 'string' },
  'password-file': { type: 'string' },
  ca: { type: 'string' },
  thumbprint: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

export const CONNECTION_HELP = `  --server URL           vCenter or ESXi: host, host:port or https://host/sdk
  --user USER            e.g. administrator@vsphere.local
  --password-file FILE   file holding the password (or set ${PASSWORD_ENV})
  --thumbprint SHA256    trust the server's certificate with this SHA-256 fingerprint
                         (remembered for the server; later runs need no flag)
  --ca FILE              verify the server's certificate against this CA (PEM) instead
  --json                 one JSON object per line, ending with {"type":"result",...}

An unknown certificate is refused (exit 2) with its fingerprints printed: compare them with
what the vCenter administrator sees, then run again with --thumbprint.`;

interface ConnectionValues {
  server?: string | undefined;
  user?: string | undefined;
  'password-file'?: string | undefined;
  ca?: string | undefined;
  thumbprint?: string | undefined;
}

/** The password from --password-file or the environment; one trailing line break is not part of it. */
export function readPassword(values: ConnectionValues, usage: string, env: NodeJS.ProcessEnv = process.env): string {
  const file = values['password-file'];
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw usageError(`Cannot read the password file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, usage);
    }
    const password = text.replace(/\r?\n$/, '');
    if (password === '') throw usageError(`The password file ${file} is empty.`, usage);
    return password;
  }
  const fromEnv = env[PASSWORD_ENV];
  if (fromEnv) return fromEnv;
  throw usageError(`No password: give --password-file FILE or set ${PASSWORD_ENV}.`, usage);
}

export function trustChoice(values: ConnectionValues, usage: string): TrustChoice {
  if (values.ca !== undefined && values.thumbprint !== undefined) throw usageError('Give --ca or --thumbprint, not both.', usage);
  if (values.ca !== undefined) return { kind: 'ca', caFile: values.ca };
  if (values.thumbprint !== undefined) return { kind: 'fingerprint', sha256: values.thumbprint };
  return { kind: 'store' };
}

/** Logs in with the command's options; returns the connection. */
export async function cliLogin(client: RpcClient, values: ConnectionValues, usage: string): Promise<ConnectionInfo> {
  if (!values.server) throw usageError('--server URL is missing.', usage);
  if (!values.user) throw usageError('--user USER is missing.', usage);
  const password = readPassword(values, usage);
  return client.call('vcenter.login', { server: values.server, user: values.user, password, trust: trustChoice(values, usage) });
}

/**
 * Reports a failure; an untrusted or changed certificate is shown as the trust prompt people
 * know (fingerprints, names, dates and the flag to pass), not as a raw error dump.
 */
export function reportVcenterFailure(io: CliIo, error: EngineError): number {
  if (io.json || (error.code !== 'VSPHERE_CERT_UNKNOWN' && error.code !== 'VSPHERE_CERT_CHANGED')) return reportFailure(io, error);
  const details = error.evidence?.details ?? {};
  const d = (key: string, fallback = '?'): string => {
    const value = details[key];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : fallback;
  };
  const server = `${d('host')}:${d('port', '443')}`;
  const sha256 = d('sha256', d('presentedSha256'));
  const lines = [
    error.code === 'VSPHERE_CERT_CHANGED' ? `WARNING: THE CERTIFICATE OF ${server} HAS CHANGED.` : `The certificate of ${server} is not trusted yet.`,
    `  SHA-256:  ${sha256}`,
    `  SHA-1:    ${d('sha1')}`,
    `  subject:  ${d('subject')}`,
    `  issuer:   ${d('issuer')}${details.selfSigned === true ? ' (self-signed)' : ''}`,
    `  valid:    ${d('validFrom')} to ${d('validTo')}`,
  ];
  if (error.code === 'VSPHERE_CERT_CHANGED' && details.trustedSha256) lines.push(`  trusted before: ${d('trustedSha256')}${details.trustedAt ? ` (on ${d('trustedAt')})` : ''}`);
  lines.push('', error.hint, `If it matches, run the command again with --thumbprint ${sha256}`);
  io.stderr.write(lines.join('\n') + '\n');
  return 2;
}

function asError(error: unknown): EngineError | undefined {
  if (error instanceof RemoteError) return error.value;
  const value = (error as { value?: EngineError } | undefined)?.value;
  return value && typeof value.code === 'string' ? value : undefined;
}

/** Runs a vCenter command: logs in, runs `work`, logs out; failures are reported the vCenter way. */
async function withConnection(ctx: CommandContext, values: ConnectionValues, usage: string, work: (client: RpcClient, connection: ConnectionInfo) => Promise<number>): Promise<number> {
  const { client } = ctx.engine();
  let connection: ConnectionInfo | undefined;
  try {
    connection = await cliLogin(client, values, usage);
    return await work(client, connection);
  } catch (error) {
    const value = asError(error);
    if (!value) throw error;
    return reportVcenterFailure(ctx.io, value);
  } finally {
    if (connection) await client.call('vcenter.logout', { connectionId: connection.connectionId }).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// vcenter vms

/** What `vcenter vms --json` prints per VM: the summary without the per-file layout. */
export function vmForCli(vm: VmSummary): Record<string, unknown> {
  const { files: _files, datastores, snapshots, ...rest } = vm;
  return {
    ...rest,
    datastores: datastores.map((d) => d.name),
    snapshots: countSnapshots(snapshots),
    disks: vm.disks.map((d) => ({ label: d.label, fileName: d.fileName, capacityBytes: d.capacityBytes, provisioning: d.provisioning, diskMode: d.diskMode, ...(d.slot ? { slot: d.slot } : {}), ...(d.rdm ? { rdm: d.rdm } : {}) })),
    nics: vm.nics.map((n) => ({ label: n.label, adapterType: n.adapterType, ...(n.mac ? { mac: n.mac } : {}), ...(n.network ? { network: n.network } : {}), ...(n.connected !== undefined ? { connected: n.connected } : {}) })),
  };
}

function countSnapshots(nodes: VmSummary['snapshots']): number {
  return nodes.reduce((sum, n) => sum + 1 + countSnapshots(n.children), 0);
}

function printVmTable(io: CliIo, vms: VmSummary[]): void {
  const rows = vms
    .slice()
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((vm) => [vm.name, vm.powerState, String(vm.cpus ?? '?'), `${vm.memoryMiB ?? '?'} MiB`, vm.firmware ?? '?', vm.guestId ?? '?', `${vm.disks.length} (${formatBytes(vm.disks.reduce((s, d) => s + d.capacityBytes, 0))})`, vm.id]);
  const header = ['NAME', 'POWER', 'CPU', 'MEMORY', 'FIRMWARE', 'GUEST', 'DISKS', 'ID'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) say(io, row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  say(io, `\n${vms.length} VM(s)`);
}

const vmsUsage = 'hyper2kvm vcenter vms --server URL --user USER --password-file FILE [--ca FILE | --thumbprint SHA256] [--json]';
const showUsage = 'hyper2kvm vcenter show VM --server URL --user USER --password-file FILE [--out DIR] [--format qcow2|raw] [--ca FILE | --thumbprint SHA256] [--json]';
const powerUsage = 'hyper2kvm vcenter power-off|shutdown VM --yes --server URL --user USER --password-file FILE [--ca FILE | --thumbprint SHA256] [--json]';

async function vms(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, CONNECTION_OPTIONS, vmsUsage);
  if (positionals.length > 0) throw usageError(`Unexpected argument "${positionals[0]}".`, vmsUsage);
  return withConnection(ctx, values, vmsUsage, async (client, connection) => {
    const { vms: list } = await client.call('vcenter.vms', { connectionId: connection.connectionId });
    if (ctx.io.json) emitJson(ctx.io, { type: 'result', ok: true, server: connection.server.display, vms: list.map(vmForCli) });
    else printVmTable(ctx.io, list);
    return 0;
  });
}

// ---------------------------------------------------------------------------------------------
// vcenter show VM

function printDetails(io: CliIo, vm: VmDetails, preflight: PreflightReport): void {
  say(io, `${vm.name}  (${vm.id}, ${vm.powerState}${vm.template ? ', template' : ''})`);
  say(io, `  guest:     ${vm.guestFullName ?? vm.guestId ?? 'unknown'}${vm.toolsRunningStatus ? `, VMware Tools ${vm.toolsRunningStatus}` : ''}`);
  say(io, `  hardware:  ${vm.cpus ?? '?'} vCPU (${vm.coresPerSocket ?? 1} per socket), ${vm.memoryMiB ?? '?'} MiB, ${vm.firmware ?? 'bios'}${vm.secureBoot ? ' + Secure Boot' : ''}`);
  say(io, `  placement: ${[vm.datacenter, vm.cluster, vm.host].filter(Boolean).join(' / ')}  folder ${vm.folderPath ?? '?'}`);
  for (const disk of vm.disks) {
    const plan = vm.downloads.find((d) => d.diskKey === disk.key);
    say(io, `  disk ${disk.slot ?? disk.label}: ${disk.fileName}, ${formatBytes(disk.capacityBytes)}, ${disk.provisioning}, ${disk.diskMode}${disk.rdm ? `, RDM (${disk.rdm})` : ''}${disk.parents.length ? `, ${disk.parents.length} snapshot level(s)` : ''}${plan ? `; ${plan.chain.reduce((n, l) => n + l.files.length, 0)} file(s), ${formatBytes(plan.totalBytes)}` : ''}`);
  }
  for (const nic of vm.nics) say(io, `  nic ${nic.label}: ${nic.adapterType}, ${nic.mac ?? 'no MAC'}, ${nic.network ?? 'no network'}${nic.connected === false ? ' (disconnected)' : ''}`);
  if (vm.snapshots.length > 0) say(io, `  snapshots: ${countSnapshots(vm.snapshots)}`);
  say(io, '');
  say(io, `Pre-flight for ${preflight.estimate.destination}: ${preflight.counts.blocker} blocker(s), ${preflight.counts.warning} warning(s), ${preflight.counts.info} note(s)`);
  for (const item of preflight.items) {
    say(io, `  ${item.severity.toUpperCase().padEnd(7)} ${item.title}: ${item.message}`);
    say(io, `          what to do: ${item.hint}`);
  }
  say(io, preflight.canMigrate ? '\nReady to migrate.' : '\nNot ready: fix the blockers first.');
}

async function show(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...CONNECTION_OPTIONS, out: { type: 'string' }, format: { type: 'string', default: 'qcow2' } }, showUsage);
  if (positionals.length !== 1) throw usageError(positionals.length ? 'Give exactly one VM.' : 'VM (a name or an id like vm-42) is missing.', showUsage);
  if (values.format !== 'qcow2' && values.format !== 'raw') throw usageError(`--format must be qcow2 or raw, not "${values.format}".`, showUsage);
  const format = values.format;
  return withConnection(ctx, values, showUsage, async (client, connection) => {
    const { vm, metadata } = await client.call('vcenter.vm', { connectionId: connection.connectionId, ...vmSelector(positionals[0]!) });
    const preflight = await client.call('vcenter.preflight', { connectionId: connection.connectionId, vmId: vm.id, format, ...(values.out ? { outDir: values.out } : {}) });
    if (ctx.io.json) emitJson(ctx.io, { type: 'result', ok: true, vm, metadata, preflight });
    else printDetails(ctx.io, vm, preflight);
    return 0;
  });
}

/** "vm-42" style arguments are ids; anything else is a name. */
export function vmSelector(arg: string): { vmId: string } | { name: string } {
  return /^vm-\d+$/.test(arg) ? { vmId: arg } : { name: arg };
}

// ---------------------------------------------------------------------------------------------
// vcenter power-off / shutdown VM --yes

async function power(ctx: CommandContext, argv: string[], how: 'power-off' | 'shutdown'): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...CONNECTION_OPTIONS, yes: { type: 'boolean', default: false } }, powerUsage);
  if (positionals.length !== 1) throw usageError('Give exactly one VM.', powerUsage);
  if (!values.yes) throw usageError(how === 'power-off' ? 'Powering off is like pulling the plug: confirm with --yes.' : 'Shutting the guest down disconnects its users: confirm with --yes.', powerUsage);
  return withConnection(ctx, values, powerUsage, async (client, connection) => {
    const { vm } = await client.call('vcenter.vm', { connectionId: connection.connectionId, ...vmSelector(positionals[0]!) });
    const result =
      how === 'power-off'
        ? await client.call('vcenter.powerOff', { connectionId: connection.connectionId, vmId: vm.id, confirmed: true })
        : await client.call('vcenter.shutdownGuest', { connectionId: connection.connectionId, vmId: vm.id, confirmed: true });
    if (ctx.io.json) emitJson(ctx.io, { type: 'result', ok: true, vmId: vm.id, name: vm.name, powerState: result.powerState });
    else say(ctx.io, `${vm.name}: ${result.powerState}`);
    return 0;
  });
}

export const vcenterCommand: Command = {
  name: 'vcenter',
  summary: 'List the VMs of a vCenter or ESXi, show one with its pre-flight checks, power one off',
  usage: 'hyper2kvm vcenter vms|show|power-off|shutdown ...',
  help: `  ${vmsUsage}
      every VM with CPU, memory, firmware, guest, disks and NICs
  ${showUsage}
      one VM (a name, or an id like vm-42) in detail, with the pre-flight checks of a
      migration to --out (default: the app's output folder)
  ${powerUsage}
      power a VM off, or shut its guest down through VMware Tools (needs --yes)

${CONNECTION_HELP}`,
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    switch (sub) {
      case 'vms':
        return vms(ctx, rest);
      case 'show':
        return show(ctx, rest);
      case 'power-off':
      case 'shutdown':
        return power(ctx, rest, sub);
      default:
        throw usageError(sub ? `There is no "vcenter ${sub}" command.` : 'Say what to do: vms, show, power-off or shutdown.', 'hyper2kvm vcenter vms|show|power-off|shutdown ... (hyper2kvm vcenter --help)');
    }
  },
};
