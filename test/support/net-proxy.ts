import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { TokenBucket } from '../../electron/engine/vsphere/token-bucket';

/**
 * A loopback TCP proxy for fault tests. It forwards bytes both ways unchanged (TLS passes
 * through end to end, so certificate pinning still sees the real server), and can
 *  - break the connection abruptly (TCP reset) once it has carried N bytes from the target,
 *    one time only, like a network that drops in the middle of a download;
 *  - limit the bandwidth from the target (bytes per second, shared by all connections).
 */

export interface NetProxyOptions {
  targetHost: string;
  targetPort: number;
  /** Reset the first connection whose bytes from the target reach this count (once). */
  dropAfterBytes?: number;
  bytesPerSecond?: number;
}

export interface NetProxy {
  host: string;
  port: number;
  /** Arms (or re-arms) a one-time reset of the first connection whose bytes from the target reach `bytes`. */
  dropAfter(bytes: number): void;
  setBandwidth(bytesPerSecond: number | undefined): void;
  readonly stats: { connections: number; drops: number; bytesFromTarget: number };
  stop(): Promise<void>;
}

export async function startNetProxy(options: NetProxyOptions): Promise<NetProxy> {
  let dropAt = options.dropAfterBytes;
  let bucket = options.bytesPerSecond ? new TokenBucket(options.bytesPerSecond) : undefined;
  const stats = { connections: 0, drops: 0, bytesFromTarget: 0 };
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    stats.connections++;
    const upstream = connect(options.targetPort, options.targetHost);
    sockets.add(client);
    sockets.add(upstream);
    let carried = 0;
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
    client.pipe(upstream);

    // Bytes from the target go through a queue, so a rate limit delays each piece BEFORE it is
    // sent (pieces no larger than the bucket), and order and backpressure are kept.
    const queue: Buffer[] = [];
    let pumping = false;
    let ended = false;
    const pump = async (): Promise<void> => {
      if (pumping) return;
      pumping = true;
      while (queue.length > 0 && !client.destroyed) {
        let piece = queue.shift()!;
        if (dropAt !== undefined && carried + piece.length >= dropAt) {
          piece = piece.subarray(0, dropAt - carried);
          dropAt = undefined;
          stats.drops++;
          stats.bytesFromTarget += piece.length;
          queue.length = 0;
          // A reset, not a polite FIN: the client sees a broken connection mid-body.
          client.write(piece, () => {
            client.resetAndDestroy();
            upstream.destroy();
          });
          return;
        }
        const wait = bucket ? bucket.reserve(piece.length) : 0;
        if (wait > 0) await sleep(wait);
        carried += piece.length;
        stats.bytesFromTarget += piece.length;
        if (!client.write(piece)) await drained(client);
      }
      pumping = false;
      if (ended) client.end();
      else upstream.resume();
    };
    upstream.on('data', (chunk: Buffer) => {
      const size = bucket ? Math.max(1, Math.min(bucket.capacity, 16 * 1024)) : chunk.length;
      for (let offset = 0; offset < chunk.length; offset += size) queue.push(chunk.subarray(offset, offset + size));
      upstream.pause();
      void pump();
    });
    upstream.on('end', () => {
      ended = true;
      if (!pumping) client.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  return {
    host: '127.0.0.1',
    port,
    dropAfter(bytes) {
      dropAt = bytes;
    },
    setBandwidth(bytesPerSecond) {
      bucket = bytesPerSecond ? new TokenBucket(bytesPerSecond) : undefined;
    },
    stats,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Resolves when the socket can take more data, or is gone. */
function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
