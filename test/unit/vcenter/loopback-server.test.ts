import { request } from 'node:http';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileAccess } from '../../../electron/engine/vsphere/datastore-download';
import { decodeKey, LoopbackServer } from '../../../electron/engine/vcenter/loopback-server';
import { StagedFile } from '../../../electron/engine/vcenter/staged-file';

/**
 * The migration's loopback server must survive whatever a local client sends (issue 11): a
 * malformed %-escape in the path used to throw in an un-awaited handler and end the process.
 * Each bad request gets an error status, and a good request afterwards is still answered.
 */

const TEXT = '# Disk DescriptorFile\nversion=1\n';

let server: LoopbackServer;
let url: URL;
const logs: string[] = [];

beforeAll(async () => {
  const access: FileAccess = { origin: 'https://vc.example.test', server: 'vc.example.test', dispatcher: new Agent(), headers: () => ({}) };
  server = new LoopbackServer({ access, bytesAhead: () => Infinity, rate: () => 0, onLog: (message) => logs.push(message) });
  await server.start();
  const file = new StagedFile('[ds] web01/web01.vmdk', { datacenterPath: 'DC0', datastore: 'ds', path: 'web01/web01.vmdk' }, TEXT.length, '/nonexistent/web01.vmdk', 'disk1');
  file.served = { kind: 'text', text: Buffer.from(TEXT) };
  url = new URL(server.add('web01', 'web01.vmdk', file));
});

afterAll(async () => {
  await server.close();
});

/** A raw GET with the path exactly as given (no URL normalisation on the way). */
function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'GET', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('LoopbackServer refuses malformed requests and keeps answering', () => {
  it.each([
    ['a truncated %-escape (issue 11)', '%E0%A4%A', 400],
    ['an invalid UTF-8 sequence', '%C3%28', 400],
    ['a lone percent sign', 'web01/%', 400],
    ['an unknown file', 'web01/other.vmdk', 404],
  ])('%s: %s → %i, then a good request is answered', async (_name, rest, status) => {
    const bad = await get(`/${server.token}/${rest}`);
    expect(bad.status).toBe(status);
    const good = await get(url.pathname);
    expect(good).toEqual({ status: 200, body: TEXT });
  });

  it('logs what it refused', () => {
    expect(logs.some((line) => line.includes('malformed %-escape'))).toBe(true);
  });
});

describe('decodeKey', () => {
  it.each([
    ['web01/web01.vmdk', 'web01/web01.vmdk'],
    ['web01%2Fsub/a%20b.vmdk', 'web01/sub/a b.vmdk'],
    ['%E0%A4%A', null],
    ['%', null],
  ])('%s → %s', (path, key) => {
    expect(decodeKey(path)).toBe(key);
  });
});
