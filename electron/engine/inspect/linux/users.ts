import type { LinuxUser } from '../../../../shared/contract/models/inspection';
import type { GuestTree } from '../../appliance/guest-tree';

/** Shells that refuse a login: accounts with them are services, not people. */
const NO_LOGIN = /(^|\/)(nologin|false|true|sync|shutdown|halt)$/;

/**
 * The accounts that can log in, from /etc/passwd, with whether their password can be used (from
 * /etc/shadow, which the inspection reads with /etc: the hash itself never leaves this function).
 * What the "who will be affected" view lists, and what tells an administrator whether root can
 * log in on the console of the migrated guest.
 */
export function loginUsers(tree: GuestTree): LinuxUser[] {
  const passwd = tree.text('/etc/passwd');
  if (passwd === null) return [];
  const shadow = new Map<string, string>();
  for (const line of (tree.text('/etc/shadow') ?? '').split('\n')) {
    const [name, hash] = line.split(':');
    if (name && hash !== undefined) shadow.set(name, hash);
  }
  const users: LinuxUser[] = [];
  for (const line of passwd.split('\n')) {
    if (!line.trim() || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const f = line.split(':');
    if (f.length < 7) continue;
    const [name, , uidText, , gecos, home, shell] = f as [string, string, string, string, string, string, string];
    const uid = Number(uidText);
    if (!name || !Number.isInteger(uid) || !shell || NO_LOGIN.test(shell.trim())) continue;
    users.push({ name, uid, fullName: gecos.split(',')[0]!.trim() || null, home, shell: shell.trim(), password: passwordState(shadow.get(name)) });
  }
  return users.sort((a, b) => a.uid - b.uid);
}

function passwordState(hash: string | undefined): LinuxUser['password'] {
  if (hash === undefined) return 'unknown';
  if (hash === '') return 'none';
  if (hash.startsWith('!') || hash.startsWith('*')) return 'locked';
  return 'set';
}
