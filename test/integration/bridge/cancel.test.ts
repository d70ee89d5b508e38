import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { CallInput } from '../../../shared/contract/api';
import { isCancelled, RemoteError, RpcClient } from '../../../shared/rpc/client';
import { websocketChannel } from '../../../shared/rpc/websocket';
import { startBridge } from '../../../electron/bridge/server';
import type { Bridge } from '../../../electron/bridge/server';
import { createEngine } from '../../../electron/engine/service';
import type { Engine } from '../../../electron/engine/service';
import { waitUntil } from '../../support/processes';
import { startVcsim } from '../../support/vcsim/harness';
import type { Vcsim } from '../../support/vcsim/harness';

/**
 * Cancellation per call (issue 14), end to end: a client on the real loopback bridge (real
 * WebSocket, real engine) cancels a vCenter read while the simulator's answer is held back, and
 * the engine really stops: the HTTPS connection it was waiting on is closed by the engine (the
 * proxy in front of the simulator sees it go), not left to finish for nobody. Closing the
 * WebSocket does the same for every call still in flight.
 */

/**
 * A TCP proxy in front of the simulator that can hold back everything the simulator sends
 * (TLS passes through untouched), so that a call stays in flight as long as the test wants,
 * and that counts the connections the engine closes.
 */
interface StallProxy {
  port: number;
  /** While held, the simulator's bytes are kept, not forwarded. */
  hold(on: boolean): void;
  /** Bytes the engine sent since the last hold began (its request is out). */
  readonly sentWhileHeld: number;
  /**
   * Connections the engine closed while a request it sent during a hold was unanswered. Idle
   * pooled connections closing (undici's keep-alive timeout, 4 s) do not count: only the
   * connection a call is waiting on.
   */
  readonly closedByEngine: number;
  stop(): Promise<void>;
}

async function startStallProxy(targetHost: string, targetPort: number): Promise<StallProxy> {
  let held = false;
  let sentWhileHeld = 0;
  let closedByEngine = 0;
  const pairs = new Set<{ client: Socket; upstream: Socket; backlog: Buffer[]; waiting: boolean }>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    const pair = { client, upstream, backlog: [] as Buffer[], waiting: false };
    pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      if (held) {
        sentWhileHeld += chunk.length;
        pair.waiting = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (held) pair.backlog.push(chunk);
      else client.write(chunk);
    });
    client.on('close', () => {
      if (pair.waiting) closedByEngine++;
      upstream.destroy();
      pairs.delete(pair);
    });
    upstream.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    hold(on) {
      held = on;
      sentWhileHeld = 0;
      if (on) return;
      for (const pair of pairs) {
        pair.waiting = false;
        for (const chunk of pair.backlog.splice(0)) pair.client.write(chunk);
      }
    },
    get sentWhileHeld() {
      return sentWhileHeld;
    },
    get closedByEngine() {
      return closedByEngine;
    },
    async stop() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let work: string;
let vcsim: Vcsim;
let proxy: StallProxy;
let engine: Engine;
let bridge: Bridge;
const sockets: WebSocket[] = [];

async function openClient(): Promise<{ client: RpcClient; socket: WebSocket }> {
  const socket = new WebSocket(`ws://127.0.0.1:${bridge.port}/rpc?token=${bridge.token}`, { headers: { origin: bridge.url } });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { client: new RpcClient(websocketChannel(socket)), socket };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'h2k-bridge-cancel-'));
  mkdirSync(join(work, 'static'));
  vcsim = await startVcsim();
  proxy = await startStallProxy(vcsim.host, vcsim.port);
  engine = createEngine({ transport: 'websocket', version: 'test', jobsDir: join(work, 'jobs'), appHome: join(work, 'home'), defaultOutDir: join(work, 'out') });
  bridge = await startBridge({ engine, staticDir: join(work, 'static'), uploadsDir: join(work, 'uploads'), log: () => undefined });
});

afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await bridge?.close();
  await engine?.shutdown();
  await proxy?.stop();
  await vcsim?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Logs in through the proxy (nothing held), and finds a VM of the simulator. */
async function loginThroughProxy(client: RpcClient): Promise<{ connectionId: string; vmId: string }> {
  proxy.hold(false);
  const { connectionId } = await client.call('vcenter.login', { server: `127.0.0.1:${proxy.port}`, user: vcsim.user, password: vcsim.password, trust: { kind: 'fingerprint', sha256: vcsim.sha256 } });
  const { vms } = await client.call('vcenter.inventory', { connectionId });
  expect(vms.length).toBe(vcsim.inventory.vms);
  return { connectionId, vmId: vms[0]!.id };
}

type SlowRead = 'vcenter.inventory' | 'vcenter.preflight';
const reads: Array<[SlowRead, (ids: { connectionId: string; vmId: string }) => CallInput<SlowRead>]> = [
  ['vcenter.inventory', ({ connectionId }) => ({ connectionId })],
  ['vcenter.preflight', ({ connectionId, vmId }) => ({ connectionId, vmId, outDir: join(work, 'out') })],
];

describe('cancelling a call through the WebSocket bridge', () => {
  it.each(reads)('%s: the client rejects at once, the engine closes its connection to vCenter, the session stays usable', async (method, input) => {
    const { client } = await openClient();
    const ids = await loginThroughProxy(client);

    proxy.hold(true);
    const controller = new AbortController();
    const pending = client.call(method, input(ids) as never, { signal: controller.signal }).catch((e: unknown) => e);
    // The engine's request is out and it waits for vCenter's answer, which the proxy holds.
    expect(await waitUntil(() => proxy.sentWhileHeld > 0, 10_000)).toBe(true);
    const closedBefore = proxy.closedByEngine;
    // Held, nothing ends by itself: the control for what the cancel must change.
    await new Promise((r) => setTimeout(r, 500));
    expect(proxy.closedByEngine).toBe(closedBefore);

    const cancelledAt = performance.now();
    controller.abort();
    const error = await pending;
    expect(performance.now() - cancelledAt).toBeLessThan(100);
    expect(error).toBeInstanceOf(RemoteError);
    expect(isCancelled(error)).toBe(true);
    // The engine aborted its HTTPS request: the connection it was waiting on is gone.
    expect(await waitUntil(() => proxy.closedByEngine > closedBefore, 5000)).toBe(true);

    // Nothing broke: the bridge, the engine and the vCenter session answer the next call.
    proxy.hold(false);
    const again = await client.call('vcenter.inventory', { connectionId: ids.connectionId });
    expect(again.vms.length).toBe(vcsim.inventory.vms);
    client.close();
  });

  it('vcenter.login: cancelled while the server\'s certificate is read, the engine drops that connection', async () => {
    // A server the engine has never seen (another port): the login starts by reading its certificate.
    const fresh = await startStallProxy(vcsim.host, vcsim.port);
    try {
      const { client } = await openClient();
      fresh.hold(true);
      const controller = new AbortController();
      const pending = client.call('vcenter.login', { server: `127.0.0.1:${fresh.port}`, user: vcsim.user, password: vcsim.password, trust: { kind: 'fingerprint', sha256: vcsim.sha256 } }, { signal: controller.signal }).catch((e: unknown) => e);
      expect(await waitUntil(() => fresh.sentWhileHeld > 0, 10_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect(fresh.closedByEngine).toBe(0);
      controller.abort();
      expect(isCancelled(await pending)).toBe(true);
      expect(await waitUntil(() => fresh.closedByEngine > 0, 5000)).toBe(true);
      // No connection was made: the engine knows none for that server.
      expect((await client.call('vcenter.connections', {})).some((c) => c.server.port === fresh.port)).toBe(false);
      client.close();
    } finally {
      await fresh.stop();
    }
  });

  it('closing the WebSocket cancels its calls in flight in the engine', async () => {
    const { client, socket } = await openClient();
    const ids = await loginThroughProxy(client);

    proxy.hold(true);
    const pending = client.call('vcenter.inventory', { connectionId: ids.connectionId }).catch((e: unknown) => e);
    expect(await waitUntil(() => proxy.sentWhileHeld > 0, 10_000)).toBe(true);
    const closedBefore = proxy.closedByEngine;
    await new Promise((r) => setTimeout(r, 500));
    expect(proxy.closedByEngine).toBe(closedBefore);

    socket.close();
    expect(((await pending) as RemoteError).value.code).toBe('INTERNAL'); // "the connection to the engine was closed"
    expect(await waitUntil(() => proxy.closedByEngine > closedBefore, 5000)).toBe(true);
    proxy.hold(false);
  });
});
