import { readFile } from 'node:fs/promises';

/**
 * Who is on the other end of a loopback TCP connection. The converter's URLs carry a secret
 * token, but command lines are readable by every local user (/proc/<pid>/cmdline); so the
 * loopback server also checks that the connecting socket belongs to our own user, from the
 * kernel's socket table. Linux only; elsewhere the token is the only guard.
 */

export interface TcpSocketEntry {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  uid: number;
}

/** "0100007F:1F90" → { address: "127.0.0.1", port: 8080 } (IPv4, little-endian hex as the kernel prints it). */
export function parseHexEndpoint(text: string): { address: string; port: number } | null {
  const [hexAddress, hexPort] = text.split(':');
  if (!hexAddress || !hexPort || hexAddress.length !== 8) return null;
  const bytes = hexAddress.match(/../g)!.map((h) => parseInt(h, 16)).reverse();
  if (bytes.some((b) => Number.isNaN(b))) return null;
  return { address: bytes.join('.'), port: parseInt(hexPort, 16) };
}

/** The rows of /proc/net/tcp. */
export function parseProcNetTcp(text: string): TcpSocketEntry[] {
  const entries: TcpSocketEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8) continue;
    const local = parseHexEndpoint(fields[1]!);
    const remote = parseHexEndpoint(fields[2]!);
    const uid = Number(fields[7]);
    if (!local || !remote || !Number.isInteger(uid)) continue;
    entries.push({ localAddress: local.address, localPort: local.port, remoteAddress: remote.address, remotePort: remote.port, uid });
  }
  return entries;
}

/**
 * The uid owning the client side of a connection to our server at serverPort, seen from the
 * server as coming from clientPort. `undefined` when the kernel's table has no such socket;
 * null when there is no table to ask (not Linux, no /proc).
 */
export async function loopbackPeerUid(clientPort: number, serverPort: number, table = '/proc/net/tcp'): Promise<number | null | undefined> {
  let text: string;
  try {
    text = await readFile(table, 'utf8');
  } catch {
    return null;
  }
  return parseProcNetTcp(text).find((e) => e.localPort === clientPort && e.remotePort === serverPort && e.localAddress === '127.0.0.1')?.uid;
}
