import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES } from '../../../shared/rpc/protocol';
import { startBridgeProcess } from '../../support/bridge-process';
import type { BridgeProcess } from '../../support/bridge-process';
import { processesMatching, waitUntil } from '../../support/processes';
import { slowDisk } from '../../support/sources';

/**
 * Issue 11: the real `hyper2kvm serve` process against what a hostile local client sends. Each
 * bad input gets an error answer, and a good request afterwards proves the server still answers.
 * Then: the Host allow-list, the upload cap, private file modes, `--host ::1`, and a crash that
 * must not leave a run's files or tools behind.
 */

let work: string;
let bridge: BridgeProcess;
let home: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'h2k-bridge-hardening-'));
  home = join(work, 'home');
  bridge = await startBridgeProcess({ home, outDir: join(work, 'out'), args: ['--max-upload-gib', String(4096 / 1024 ** 3)] });
});

afterAll(async () => {
  await bridge?.stop();
});

const port = (): number => Number(new URL(bridge.url).port);

/** Sends raw bytes and returns everything the server wrote back before closing (or 3 s). */
function raw(request: string | Buffer, target = bridge): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(target.url).port), '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(answer);
    }, 3000);
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on('error', reject);
    socket.write(request);
  });
}

function openSocket(target = bridge, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${new URL(target.url).port}/rpc?token=${target.token}`, { headers: { origin: target.url, ...headers } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

/** A call over the WebSocket and its reply. */
async function call(ws: WebSocket, method: string, params: unknown = {}): Promise<{ ok: boolean; value?: Record<string, unknown>; error?: { code: string } }> {
  const id = Math.floor(Math.random() * 1e9);
  return new Promise((resolve) => {
    const listener = (data: Buffer): void => {
      const message = JSON.parse(data.toString('utf8')) as { kind: string; id?: number; ok: boolean; value?: Record<string, unknown>; error?: { code: string } };
      if (message.kind === 'reply' && message.id === id) {
        ws.off('message', listener);
        resolve(message);
      }
    };
    ws.on('message', listener);
    ws.send(JSON.stringify({ v: 1, kind: 'call', id, method, params }));
  });
}

/** The server still serves the wizard and still answers a call: the bad input did not end it. */
async function stillAnswers(target = bridge): Promise<void> {
  const page = await fetch(`${target.url}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<div id="root">');
  const ws = await openSocket(target);
  try {
    const reply = await call(ws, 'app.info');
    expect(reply.ok).toBe(true);
    expect(typeof reply.value?.version).toBe('string');
  } finally {
    ws.close();
  }
}

/** Sends on an authenticated socket and waits for the server to close it; returns the close code. */
async function closeCodeAfter(send: (ws: WebSocket) => void): Promise<{ code: number; reason: string }> {
  const ws = await openSocket();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('error', () => undefined);
  send(ws);
  return closed;
}

const upgradeHeaders = (host: string): string => `Host: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n`;

describe('each malformed request gets an error answer, and the server keeps answering', () => {
  // One server for all the cases (a launch costs seconds): a case that ends it fails there, and
  // every case after it fails too, so the first failure names the hole.
  it('an upgrade request with a malformed URL and no token (pre-auth crash)', async () => {
    const answer = await raw(`GET http://[::1 HTTP/1.1\r\n${upgradeHeaders(`127.0.0.1:${port()}`)}\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    await stillAnswers();
  });

  it('a plain request with a malformed URL', async () => {
    const answer = await raw(`GET http://[::1 HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('BRIDGE_BAD_REQUEST');
    await stillAnswers();
  });

  it('a static path with a malformed %-escape', async () => {
    const answer = await raw(`GET /assets/%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    await stillAnswers();
  });

  it('bytes that are not HTTP at all', async () => {
    const answer = await raw('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    await stillAnswers();
  });

  it('a WebSocket text frame with invalid UTF-8 (closed 1007)', async () => {
    const closed = await closeCodeAfter((ws) => ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false }));
    expect(closed.code).toBe(1007);
    await stillAnswers();
  });

  it('a WebSocket message over the payload limit (closed 1009)', async () => {
    const closed = await closeCodeAfter((ws) => ws.send('x'.repeat(MAX_MESSAGE_BYTES + 1)));
    expect(closed.code).toBe(1009);
    await stillAnswers();
  });

  it('a WebSocket text message that is not JSON (closed 1007 with a reason)', async () => {
    const closed = await closeCodeAfter((ws) => ws.send('rm -rf /'));
    expect(closed).toEqual({ code: 1007, reason: 'not a JSON message' });
    await stillAnswers();
  });

  it('a binary WebSocket message (closed 1003)', async () => {
    const closed = await closeCodeAfter((ws) => ws.send(Buffer.from([1, 2, 3]), { binary: true }));
    expect(closed.code).toBe(1003);
    await stillAnswers();
  });
});

describe('the Host header must name this server by a loopback name and its port (DNS rebinding)', () => {
  it.each([
    ['a rebound domain', (p: number) => `rebind.attacker.example:${p}`],
    ['the right address without the port', () => '127.0.0.1'],
    ['the right address with another port', (p: number) => `127.0.0.1:${p + 1}`],
    ['an address of this machine that is not loopback', (p: number) => `10.0.0.1:${p}`],
  ])('%s is refused (421) without a byte of the wizard', async (_name, host) => {
    const answer = await raw(`GET /index.html HTTP/1.1\r\nHost: ${host(port())}\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 421 /);
    expect(answer).not.toContain('<div id="root">');
    expect(answer).toContain('BRIDGE_BAD_REQUEST');
    const upgrade = await raw(`GET /rpc?token=${bridge.token} HTTP/1.1\r\nOrigin: ${bridge.url}\r\n${upgradeHeaders(host(port()))}\r\n`);
    expect(upgrade).toMatch(/^HTTP\/1\.1 421 /);
  });

  it.each(['127.0.0.1:PORT', 'localhost:PORT', 'LocalHost:PORT', '[::1]:PORT'])('%s is served', async (host) => {
    const answer = await raw(`GET / HTTP/1.1\r\nHost: ${host.replace('PORT', String(port()))}\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('<div id="root">');
  });
});

describe('uploads: capped, private, and the server keeps answering', () => {
  const put = (name: string, body: Buffer | ReadableStream, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${bridge.url}/upload?batch=batch-cap-0001&name=${name}`, { method: 'PUT', headers: { origin: bridge.url, 'x-hyper2kvm-token': bridge.token, ...headers }, body, duplex: 'half' });

  it('refuses a file larger than --max-upload-gib with a clear error value (413)', async () => {
    const res = await put('big.vmdk', Buffer.alloc(8192, 1));
    expect(res.status).toBe(413);
    const { error } = (await res.json()) as { error: { code: string; message: string; hint: string } };
    expect(error.code).toBe('UPLOAD_TOO_LARGE');
    expect(error.message).toMatch(/big\.vmdk is larger than the bridge accepts for a dropped file \(4096 bytes\)/);
    expect(error.hint).toMatch(/--max-upload-gib/);
    await stillAnswers();
  });

  it('refuses a streamed file (no length given) once it passes the cap, and keeps nothing of it', async () => {
    const chunks = [Buffer.alloc(3000, 2), Buffer.alloc(3000, 3)];
    const body = new ReadableStream({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const res = await put('streamed.vmdk', body).catch((error: unknown) => error);
    if (res instanceof Response) {
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UPLOAD_TOO_LARGE');
    }
    const folder = join(home, 'uploads', 'batch-cap-0001');
    expect(existsSync(folder) ? readdirSync(folder) : []).toEqual([]);
    await stillAnswers();
  });

  it('keeps a file within the cap, private to this user (folders 0700, file 0600)', async () => {
    const res = await put('small.vmdk', Buffer.alloc(1000, 4));
    expect(res.status).toBe(200);
    const { path } = (await res.json()) as { path: string };
    expect(statSync(path).mode & 0o777).toBe(0o600);
    for (const folder of [home, join(home, 'uploads'), join(home, 'uploads', 'batch-cap-0001')]) expect(statSync(folder).mode & 0o777, folder).toBe(0o700);
  });
});

describe('serve --host ::1', () => {
  it('prints a real URL (brackets) and answers on it', async () => {
    const v6 = await startBridgeProcess({ home: join(work, 'home-v6'), outDir: join(work, 'out'), args: ['--host', '::1'] });
    try {
      expect(v6.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect(v6.openUrl).toMatch(/^http:\/\/\[::1\]:\d+\/#token=/);
      const page = await fetch(`${v6.url}/`);
      expect(page.status).toBe(200);
      const ws = await new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(`ws://[::1]:${new URL(v6.url).port}/rpc?token=${v6.token}`, { headers: { origin: v6.url } });
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
      });
      expect(await call(ws, 'app.info')).toMatchObject({ ok: true });
      ws.close();
    } finally {
      await v6.stop();
    }
  });
});

describe('a crash never leaves the run behind', () => {
  it('on an error nobody caught, the bridge stops its jobs and removes the uploads, then exits 1', async () => {
    const crashHome = join(work, 'home-crash');
    const out = join(work, 'out-crash');
    mkdirSync(out, { recursive: true });
    const crashing = await startBridgeProcess({ home: crashHome, outDir: out, nodeArgs: ['--import', pathToFileURL(join(import.meta.dirname, 'inject-fatal.mjs')).href] });
    try {
      const upload = await fetch(`${crashing.url}/upload?batch=batch-crash-01&name=dropped.vmdk`, { method: 'PUT', headers: { origin: crashing.url, 'x-hyper2kvm-token': crashing.token }, body: Buffer.alloc(1000, 5) });
      expect(upload.status).toBe(200);
      const ws = await openSocket(crashing);
      ws.on('error', () => undefined);
      const started = await call(ws, 'convert.start', { source: await slowDisk(), options: { outDir: out, format: 'qcow2', compress: true } });
      expect(started.ok).toBe(true);
      expect(await waitUntil(() => processesMatching(out).some((p) => p.cmdline.includes('qemu-img convert')), 30_000)).toBe(true);

      process.kill(crashing.pid, 'SIGUSR2');
      expect(await crashing.exited).toBe(1);
      expect(existsSync(join(crashHome, 'uploads', 'batch-crash-01'))).toBe(false);
      expect(await waitUntil(() => processesMatching(out).length === 0, 10_000)).toBe(true);
      expect(readdirSync(out)).toEqual([]);
      expect(crashing.stderr()).toMatch(/stopping after an unexpected error: injected by the test/);
    } finally {
      await crashing.stop();
    }
  });
});
