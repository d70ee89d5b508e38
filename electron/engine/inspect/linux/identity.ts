import type { LinuxIdentity } from '../../../../shared/contract/models/inspection';
import type { GuestTree } from '../../appliance/guest-tree';
import { parseShellAssignments } from '../../guest/linux/bootloader';

/**
 * Who a Linux guest says it is, from the /etc the inspection already read (no extra round trip):
 * the files systemd's hostnamectl, timedatectl and localectl read and write, with the Debian
 * files that came before them as the fallback.
 */
export function linuxIdentity(tree: GuestTree): LinuxIdentity {
  const vars = (path: string): Record<string, string> => {
    const text = tree.text(path);
    return text === null ? {} : parseShellAssignments(text);
  };
  const firstLine = (path: string): string | null => {
    const line = (tree.text(path) ?? '').split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
    return line || null;
  };
  const keyboard = vars('/etc/default/keyboard');
  const layout = keyboard.XKBLAYOUT ? (keyboard.XKBVARIANT ? `${keyboard.XKBLAYOUT} (${keyboard.XKBVARIANT})` : keyboard.XKBLAYOUT) : null;
  const machineId = firstLine('/etc/machine-id');
  return {
    hostname: firstLine('/etc/hostname'),
    prettyHostname: vars('/etc/machine-info').PRETTY_HOSTNAME || null,
    timeZone: zoneOfLocaltime(tree) ?? firstLine('/etc/timezone'),
    locale: vars('/etc/locale.conf').LANG || vars('/etc/default/locale').LANG || null,
    keymap: vars('/etc/vconsole.conf').KEYMAP || layout,
    // "uninitialized" (an image prepared for cloning) or anything but 32 hex digits: no id.
    machineId: machineId && /^[0-9a-f]{32}$/.test(machineId) ? machineId : null,
  };
}

/** /etc/localtime → …/zoneinfo/Europe/Berlin gives "Europe/Berlin" (the link need not resolve here). */
function zoneOfLocaltime(tree: GuestTree): string | null {
  const entry = tree.get('/etc/localtime');
  if (entry?.kind !== 'symlink' || !entry.target) return null;
  const m = /(?:^|\/)zoneinfo\/(?:posix\/|right\/)?(.+)$/.exec(entry.target);
  return m ? m[1]! : null;
}
