import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Test support for the package tests: run a program to completion, and see where a process listens. */

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program and waits for it. With `env`, the child gets exactly that environment (an
 * installed command must work without this test run's variables); without, this one's.
 */
export function run(file: string, args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Ran {
  const result = spawnSync(file, args, { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { code: result.status ?? 128, stdout: result.stdout, stderr: result.stderr };
}

/** /proc/net/tcp's "0100007F:A0F1" → "127.0.0.1:41201"; tcp6's 32 hex digits → "[::1]:41201". */
export function decodeProcAddress(hex: string): string {
  const [address, port] = hex.split(':') as [string, string];
  const portNumber = parseInt(port, 16);
  if (address.length === 8) {
    const bytes = address.match(/../g)!.map((b) => parseInt(b, 16)).reverse();
    return `${bytes.join('.')}:${portNumber}`;
  }
  // IPv6: four 32-bit words, each in host (little-endian) order.
  const words = address.match(/.{8}/g)!.map((w) => w.match(/../g)!.reverse().join(''));
  const groups = words.join('').match(/.{4}/g)!.map((g) => parseInt(g, 16).toString(16));
  const text = groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  return `[${text}]:${portNumber}`;
}

/** Every address the process listens on (TCP, IPv4 and IPv6), from its socket inodes. */
export function listeningAddresses(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // closed meanwhile
    }
  }
  const found: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // fields: sl local remote state ... inode (10th)
      if (fields[3] === '0A' && inodes.has(fields[9] ?? '')) found.push(decodeProcAddress(fields[1]!));
    }
  }
  return found.sort();
}
