import { DefineResult } from '../../../shared/contract/models/libvirt';
import type { DiskPlacement, DomainOptions, LibvirtConnection, NetworkChoice, PlannedDisk } from '../../../shared/contract/models/libvirt';
import { DiskPlacement as DiskPlacementSchema, DomainName, LibvirtConnection as LibvirtConnectionSchema } from '../../../shared/contract/models/libvirt';
import { engineError } from '../../../shared/contract/errors';
import type { RpcClient } from '../../../shared/rpc/client';
import { EngineFailure } from '../../engine/core/errors';
import { parseCommandArgs, usageError } from '../args';
import { emitJson, reportFailure, say } from '../io';
import { followJob, resultOf } from '../jobs';
import type { Command } from './types';

const usage =
  'hyper2kvm define DISK... --name NAME [--memory MiB] [--vcpus N] [--firmware bios|uefi] [--network NAME | --bridge BR | --no-network] [--connect URI] [--rename] [--placement in-place|move|copy] [--print-xml] [--json]';

export const defineCommand: Command = {
  name: 'define',
  summary: 'Define a libvirt domain (a VM) for converted disks',
  usage,
  help: `DISK is a converted qcow2 or raw disk; the first one is the boot disk. The domain gets
virtio disks and NICs, a serial console, the guest agent channel, an RNG and VNC on loopback.
It is defined, not started. KVM is used where qemu can really use it, software emulation
(TCG) otherwise.

Options:
  --name NAME          domain name (letters, digits, . _ + -)
  --memory MiB         memory (default 2048)
  --vcpus N            virtual CPUs (default 2, one socket)
  --firmware FW        bios (default) or uefi (OVMF, a per-VM NVRAM copy)
  --network NAME       libvirt network for the NIC (default: default)
  --bridge BR          a host bridge instead of a libvirt network
  --no-network         no NIC at all
  --connect URI        qemu:///session (default) or qemu:///system
  --rename             if NAME is taken, use NAME-2, NAME-3... (default: refuse)
  --placement HOW      in-place (default for the session), move (default for the system
                       connection: into /var/lib/libvirt/images, where its qemu can read them)
                       or copy
  --print-xml          print the domain XML and the reasons for each choice; define nothing
  --json               print one JSON event per line, then {"type":"result",...}

Exit codes: 0 defined (or printed), 1 failure, 2 bad input or usage (a taken name, a disk
another domain uses), 130 cancelled.`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(
      ctx.argv,
      {
        name: { type: 'string' },
        memory: { type: 'string' },
        vcpus: { type: 'string' },
        firmware: { type: 'string' },
        network: { type: 'string' },
        bridge: { type: 'string' },
        'no-network': { type: 'boolean', default: false },
        connect: { type: 'string' },
        rename: { type: 'boolean', default: false },
        placement: { type: 'string' },
        'print-xml': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      usage,
    );
    if (positionals.length === 0) throw usageError('DISK is missing.', usage);
    if (!values.name) throw usageError('--name NAME is missing.', usage);
    if (!DomainName.safeParse(values.name).success) throw usageError(`--name "${values.name}" is not a usable domain name: letters, digits, dot, dash, underscore and plus, starting with a letter or digit.`, usage);
    const memoryMiB = values.memory === undefined ? undefined : wholeNumber(values.memory, '--memory', 64, 4 * 1024 * 1024);
    const vcpus = values.vcpus === undefined ? undefined : wholeNumber(values.vcpus, '--vcpus', 1, 512);
    if (values.firmware !== undefined && values.firmware !== 'bios' && values.firmware !== 'uefi') throw usageError(`--firmware must be bios or uefi, not "${values.firmware}".`, usage);
    const connection = connectionOf(values.connect);
    const network = networkOf(values.network, values.bridge, values['no-network'] ?? false);
    let placement: DiskPlacement | undefined;
    if (values.placement !== undefined) {
      const parsed = DiskPlacementSchema.safeParse(values.placement);
      if (!parsed.success) throw usageError(`--placement must be in-place, move or copy, not "${values.placement}".`, usage);
      placement = parsed.data;
    }

    const { client } = ctx.engine();
    const disks = await plannedDisks(client, positionals);
    const options: DomainOptions = {
      name: values.name,
      connection,
      network,
      ...(memoryMiB ? { memoryMiB } : {}),
      ...(vcpus ? { vcpus } : {}),
      ...(values.firmware ? { firmware: values.firmware } : {}),
    };
    const plan = { vm: { name: values.name, nics: [], disks: [], origin: 'none' as const }, disks, options };

    if (values['print-xml']) {
      const preview = await client.call('libvirt.plan', plan);
      if (ctx.io.json) {
        emitJson(ctx.io, { type: 'result', ok: true, xml: preview.xml, spec: preview.spec, decisions: preview.decisions, warnings: preview.warnings });
      } else {
        ctx.io.stdout.write(preview.xml);
        for (const d of preview.decisions) ctx.io.stderr.write(`  ${d.field}: ${d.value} (${d.because})\n`);
        for (const w of preview.warnings) ctx.io.stderr.write(`  note: ${w}\n`);
      }
      return 0;
    }

    const end = await followJob(client, ctx.io, () => client.call('libvirt.define', { plan, onCollision: values.rename ? 'rename' : 'refuse', ...(placement ? { placement } : {}) }));
    if (end.type !== 'done') {
      return reportFailure(ctx.io, end.type === 'failed' ? end.error : { code: 'CANCELLED', kind: 'cancelled', message: 'Defining the domain was cancelled.', hint: 'Nothing was left behind: moved disks were put back.' });
    }
    const result = resultOf(end, DefineResult);
    if (ctx.io.json) {
      emitJson(ctx.io, {
        type: 'result',
        ok: true,
        jobId: end.jobId,
        name: result.name,
        uuid: result.uuid,
        connection: result.connection,
        renamed: result.renamed,
        disks: result.disks,
        xmlPath: result.xmlPath,
        domainType: result.domain.type,
      });
    } else {
      say(ctx.io, `\nDefined "${result.name}" on ${result.connection}${result.renamed ? ` (the name "${values.name}" was taken)` : ''}, uuid ${result.uuid}.`);
      for (const d of result.disks) say(ctx.io, `  disk ${d.path}${d.placement === 'in-place' ? '' : ` (${d.placement === 'move' ? 'moved' : 'copied'} from ${d.from})`}`);
      say(ctx.io, `  XML: ${result.xmlPath}`);
      say(ctx.io, `Start it with: virsh -c ${result.connection} start ${result.name}`);
    }
    return 0;
  },
};

function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw usageError(`${flag} must be a whole number from ${min} to ${max}, not "${text}".`, usage);
  return value;
}

function connectionOf(text: string | undefined): LibvirtConnection {
  if (text === undefined) return 'qemu:///session';
  const parsed = LibvirtConnectionSchema.safeParse(text);
  if (!parsed.success) throw usageError(`--connect must be qemu:///session or qemu:///system, not "${text}".`, usage);
  return parsed.data;
}

function networkOf(network: string | undefined, bridge: string | undefined, none: boolean): NetworkChoice {
  if ([network !== undefined, bridge !== undefined, none].filter(Boolean).length > 1) throw usageError('Give only one of --network, --bridge and --no-network.', usage);
  if (none) return { type: 'none' };
  if (bridge !== undefined) return { type: 'bridge', name: bridge };
  return { type: 'network', name: network ?? 'default' };
}

/**
 * Each disk's format as the engine's intake reads it (content first, never the name alone):
 * a raw disk is never opened as qcow2, which could make qemu read a file the guest names.
 */
async function plannedDisks(client: RpcClient, paths: string[]): Promise<PlannedDisk[]> {
  const disks: PlannedDisk[] = [];
  for (const path of paths) {
    const plan = await client.call('source.plan', { path });
    const disk = plan.kind === 'image' ? plan.disks[0] : undefined;
    if (!disk || plan.disks.length !== 1 || (disk.format !== 'qcow2' && disk.format !== 'raw')) {
      const what = plan.kind === 'image' ? `a ${disk?.format ?? 'unknown'} image` : `a ${plan.kind === 'folder' ? 'folder' : plan.kind.toUpperCase()} source`;
      throw new EngineFailure(engineError('INVALID_REQUEST', `${path} is not a qcow2 or raw disk (it is ${what}).`, 'Convert it first (hyper2kvm convert SOURCE --out DIR), then define the converted disks.', { path }));
    }
    disks.push({ path: plan.primary, format: disk.format });
  }
  return disks;
}
