import type { DomainSpec, DomainSpecInput } from '../../../shared/contract/models/libvirt';
import { DomainSpec as DomainSpecSchema } from '../../../shared/contract/models/libvirt';
import { el, renderLibvirtXml } from './xml-writer';
import type { XmlNode } from './xml-writer';

/**
 * Domain XML from a DomainSpec: what virt-v2v would write for a migrated guest (ACPI/APIC,
 * virtio devices, serial console, guest agent channel, rng, VNC on loopback), shaped by the
 * spec's choices. Pure: same spec, same text.
 */
export function createDomainXml(input: DomainSpecInput): string {
  const spec = DomainSpecSchema.parse(input);
  return renderLibvirtXml(domainNode(spec)) + '\n';
}

function domainNode(spec: DomainSpec): XmlNode {
  const { sockets, cores, threads } = spec.vcpus;
  const vcpus = sockets * cores * threads;
  const uefi = spec.firmware.type === 'uefi' ? spec.firmware : null;
  const secureBoot = uefi?.secureBoot === true;
  return el(
    'domain',
    { type: spec.type },
    el('name', {}, spec.name),
    spec.uuid !== undefined && el('uuid', {}, spec.uuid),
    spec.title !== undefined && el('title', {}, spec.title),
    spec.description !== undefined && el('description', {}, spec.description),
    el('memory', { unit: 'MiB' }, spec.memoryMiB),
    el('currentMemory', { unit: 'MiB' }, spec.memoryMiB),
    el('vcpu', { placement: 'static' }, vcpus),
    osNode(spec),
    // Secure boot needs SMM so that the guest cannot write the NVRAM behind the firmware's back.
    el('features', {}, el('acpi'), el('apic'), secureBoot && el('smm', { state: 'on' })),
    el('cpu', spec.cpuMode === 'hypervisor-default' ? {} : { mode: spec.cpuMode }, el('topology', { sockets, dies: 1, cores, threads })),
    // Windows keeps its clock in local time; the timers are what virt-manager sets for every guest.
    spec.tunedTimers
      ? el(
          'clock',
          { offset: spec.clock },
          el('timer', { name: 'rtc', tickpolicy: 'catchup' }),
          el('timer', { name: 'pit', tickpolicy: 'delay' }),
          el('timer', { name: 'hpet', present: 'no' }),
        )
      : el('clock', { offset: spec.clock }),
    el('on_poweroff', {}, spec.onPoweroff),
    el('on_reboot', {}, spec.onReboot),
    el('on_crash', {}, spec.onCrash),
    devicesNode(spec),
  );
}

function osNode(spec: DomainSpec): XmlNode {
  const machine = spec.machine === 'q35' ? 'q35' : 'pc';
  const type = el('type', { arch: 'x86_64', machine }, 'hvm');
  if (spec.firmware.type === 'bios') {
    return el('os', {}, type, spec.firmware.useSerial && el('bios', { useserial: 'yes' }));
  }
  const fw = spec.firmware;
  return el(
    'os',
    {},
    type,
    el('loader', { readonly: 'yes', secure: fw.secureBoot ? 'yes' : undefined, type: 'pflash' }, fw.loader),
    fw.nvram === undefined ? el('nvram', { template: fw.nvramTemplate }) : el('nvram', { template: fw.nvramTemplate }, fw.nvram),
  );
}

function devicesNode(spec: DomainSpec): XmlNode {
  const targets = diskTargets(spec.disks.map((d) => d.bus));
  const needsScsiController = spec.disks.some((d) => d.bus === 'scsi');
  return el(
    'devices',
    {},
    ...spec.disks.map((disk, i) =>
      el(
        'disk',
        { type: 'file', device: 'disk' },
        // discard=unmap lets the guest's TRIM shrink a thin qcow2 again.
        el('driver', { name: 'qemu', type: disk.format, discard: 'unmap' }),
        el('source', { file: disk.path }),
        el('target', { dev: targets[i]!, bus: disk.bus }),
        disk.bootOrder !== undefined && el('boot', { order: disk.bootOrder }),
        disk.readonly && el('readonly'),
      ),
    ),
    needsScsiController && el('controller', { type: 'scsi', index: 0, model: 'virtio-scsi' }),
    !spec.usb && el('controller', { type: 'usb', model: 'none' }),
    ...spec.nics.map((nic) =>
      el(
        'interface',
        { type: nic.source.type },
        nic.mac !== undefined && el('mac', { address: nic.mac }),
        nic.source.type === 'network' ? el('source', { network: nic.source.network }) : el('source', { bridge: nic.source.bridge }),
        el('model', { type: nic.model }),
        !nic.linkUp && el('link', { state: 'down' }),
      ),
    ),
    ...serialNodes(spec),
    spec.guestAgent && el('channel', { type: 'unix' }, el('target', { type: 'virtio', name: 'org.qemu.guest_agent.0' })),
    // Loopback only: the screen is for screenshots and a local viewer, never for the network.
    spec.vnc && el('graphics', { type: 'vnc', port: -1, autoport: 'yes', listen: '127.0.0.1' }, el('listen', { type: 'address', address: '127.0.0.1' })),
    spec.vnc && el('video', {}, el('model', { type: 'vga' })),
    spec.rng && el('rng', { model: 'virtio' }, el('backend', { model: 'random' }, '/dev/urandom')),
    el('memballoon', { model: spec.memballoon ? 'virtio' : 'none' }),
  );
}

function serialNodes(spec: DomainSpec): XmlNode[] {
  const serial = spec.serial;
  if (serial.type === 'none') return [];
  const source = serial.type === 'file' ? el('source', { path: serial.path }) : undefined;
  return [
    el('serial', { type: serial.type }, source, el('target', { port: 0 })),
    el('console', { type: serial.type }, source, el('target', { type: 'serial', port: 0 })),
  ];
}

/** vda, vdb... for virtio; sda, sdb... shared by SATA and SCSI (one namespace in libvirt). */
export function diskTargets(buses: ReadonlyArray<DomainSpec['disks'][number]['bus']>): string[] {
  let virtio = 0;
  let sd = 0;
  return buses.map((bus) => (bus === 'virtio' ? `vd${driveLetters(virtio++)}` : `sd${driveLetters(sd++)}`));
}

/** 0 → a, 25 → z, 26 → aa, 701 → zz (the way Linux names its disks). */
export function driveLetters(index: number): string {
  let n = index;
  let name = '';
  do {
    name = String.fromCharCode(97 + (n % 26)) + name;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return name;
}
