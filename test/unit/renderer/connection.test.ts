import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ReconnectingLink, retryDelay } from '../../../renderer/src/app/connection';
import { websocketChannel } from '../../../shared/rpc/websocket';
import type { ConnectionStatus } from '../../../renderer/src/app/connection';
import { RemoteError } from '../../../shared/rpc/client';
import type { ApiHandlers } from '../../../shared/contract/api';
import type { JobEvent } from '../../../shared/contract/events';
import { serveChannel } from '../../../shared/rpc/server';
import { engineError } from '../../../shared/contract/errors';

/**
 * The reconnection logic against a real WebSocket server speaking the real protocol. Only
 * `app.info` is implemented on the server side: the subject here is the link, not the engine.
 */
async function startServer(): Promise<{ url: string; drop(): void; emit(event: JobEvent): void; close(): Promise<void> }> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  const listeners = new Set<(e: JobEvent) => void>();
  const handlers = {
    'app.info': () => Promise.resolve({ version: '0.1.0', transport: 'websocket', platform: 'linux-x64', isRoot: true, kvmAvailable: false, homeDir: '/root', defaultOutDir: '/root/out', jobsDir: '/root/jobs', tools: [] }),
  } as unknown as ApiHandlers;
  wss.on('connection', (ws) => {
    serveChannel(websocketChannel(ws), handlers, { onJobEvent: (l) => (listeners.add(l), () => listeners.delete(l)) }, () => engineError('INTERNAL', 'x', 'y'));
  });
  await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/rpc`,
    drop: () => wss.clients.forEach((c) => c.terminate()),
    emit: (event) => listeners.forEach((l) => l(event)),
    close: () => new Promise<void>((ok) => {
      wss.clients.forEach((c) => c.terminate());
      wss.close();
      http.close(() => ok());
    }),
  };
}

function waitForStatus(link: ReconnectingLink, state: ConnectionStatus['state']): Promise<ConnectionStatus> {
  if (link.status.state === state) return Promise.resolve(link.status);
  return new Promise((resolve) => {
    const stop = link.onStatus((s) => {
      if (s.state === state) {
        stop();
        resolve(s);
      }
    });
  });
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('ReconnectingLink over a real WebSocket', () => {
  it('connects, calls, and after a drop reconnects by itself and says so', async () => {
    const server = await startServer();
    cleanups.push(() => server.close());
    const link = new ReconnectingLink(() => new WebSocket(server.url), { delays: [20, 40] });
    cleanups.push(() => link.close());
    const seen: string[] = [];
    link.onStatus((s) => seen.push(s.state));
    let reconnects = 0;
    link.onReconnect(() => reconnects++);

    await waitForStatus(link, 'open');
    expect((await link.call('app.info', {})).version).toBe('0.1.0');
    expect(reconnects).toBe(0);

    server.drop();
    await waitForStatus(link, 'reconnecting');
    await expect(link.call('app.info', {})).rejects.toSatisfy((e: unknown) => e instanceof RemoteError && e.value.code === 'ENGINE_DISCONNECTED');
    await waitForStatus(link, 'open');
    expect(reconnects).toBe(1);
    expect((await link.call('app.info', {})).defaultOutDir).toBe('/root/out');
    expect(seen).toEqual(['open', 'reconnecting', 'open']);
  });

  it('keeps job-event listeners across reconnections', async () => {
    const server = await startServer();
    cleanups.push(() => server.close());
    const link = new ReconnectingLink(() => new WebSocket(server.url), { delays: [20] });
    cleanups.push(() => link.close());
    const got: string[] = [];
    link.onJobEvent((e) => got.push(e.type === 'log' ? e.message : e.type));
    await waitForStatus(link, 'open');
    server.emit({ type: 'log', jobId: '20261125-000000-aaaaaa', at: '2026-11-25T00:00:00.000Z', level: 'info', message: 'before' });
    server.drop();
    await waitForStatus(link, 'reconnecting');
    await waitForStatus(link, 'open');
    server.emit({ type: 'log', jobId: '20261125-000000-aaaaaa', at: '2026-11-25T00:00:01.000Z', level: 'info', message: 'after' });
    await expect.poll(() => got).toEqual(['before', 'after']);
  });

  it('keeps retrying while nothing listens, counting failures, and stops on close()', async () => {
    const server = await startServer();
    const url = server.url;
    await server.close(); // the port is free now: every attempt is refused
    const link = new ReconnectingLink(() => new WebSocket(url), { delays: [10, 20] });
    await expect.poll(() => link.status.failures, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    expect(link.status.state).toBe('reconnecting');
    link.close();
    const failures = link.status.failures;
    await new Promise((r) => setTimeout(r, 100));
    expect(link.status.failures).toBe(failures);
  });

  it.each([
    [1, 250],
    [2, 500],
    [5, 4000],
    [50, 4000],
  ])('waits %i failures → %i ms before the next attempt', (failures, ms) => {
    expect(retryDelay(failures)).toBe(ms);
  });
});
