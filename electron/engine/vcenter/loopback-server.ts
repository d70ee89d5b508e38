import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { toEngineError } from '../core/errors';
import type { FileAccess } from '../vsphere/datastore-download';
import type { TokenBucket } from '../vsphere/token-bucket';
import { throttle } from '../vsphere/token-bucket';
import { loopbackPeerUid } from './peer-uid';
import { withRange } from './remote-read';
import type { StagedFile } from './staged-file';

/**
 * The converter reads the VM's disks from here while they download. qemu-img opens
 * `http://127.0.0.1:<port>/<token>/<file>` (qemu's curl driver: HEAD for the size, then range
 * requests) and every range is answered
 *  - from the staging folder when the bytes are there;
 *  - after a short wait when the sequential download is about to reach them;
 *  - straight from vCenter, through the pinned connection and the session, when they lie far
 *    ahead (a streamOptimized disk's grain directory at the end, the headers of extents that
 *    come later), so the converter never stalls on them.
 * qemu never talks to vCenter itself: certificate pinning and the session stay ours.
 */

export interface LoopbackServerOptions {
  access: FileAccess;
  bucket?: TokenBucket;
  signal?: AbortSignal;
  /** The download queue: bytes still to come before a file's given offset (Infinity: not queued). */
  bytesAhead: (file: StagedFile, offset: number) => number;
  /** Current download rate in bytes per second (for how long a wait may be). */
  rate: () => number;
  /** Called when a range is fetched from vCenter directly. */
  onAhead?: (file: StagedFile, bytes: number) => void;
  /** Diagnostics for the job log. */
  onLog?: (message: string) => void;
}

/** A wait is worth it when the download gets there within this time... */
const WAIT_SECONDS = 10;
/** ...or within this many bytes, whatever the rate. */
const MIN_WAIT_BYTES = 64 * 1024 * 1024;

export class LoopbackServer {
  readonly token = randomBytes(16).toString('hex');
  readonly stats = { requests: 0, localBytes: 0, aheadBytes: 0, waits: 0, refused: 0 };
  readonly #files = new Map<string, StagedFile>();
  readonly #sockets = new Set<Socket>();
  readonly #verdicts = new WeakMap<Socket, Promise<boolean>>();
  #server: Server | undefined;
  #port = 0;

  constructor(private readonly options: LoopbackServerOptions) {}

  async start(): Promise<void> {
    // Nothing a client sends may end the process: a handler that fails answers 500 instead.
    const server = createServer((req, res) =>
      void this.#handle(req, res).catch((error: unknown) => {
        this.options.onLog?.(`loopback: ${req.method} ${(req.url ?? '').slice(0, 200)} failed: ${toEngineError(error).message}`);
        if (!res.headersSent) end(res, 500);
        else res.destroy();
      }),
    );
    server.keepAliveTimeout = 60_000;
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      this.#verdicts.set(socket, this.#peerAllowed(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    this.#port = (server.address() as { port: number }).port;
  }

  get port(): number {
    return this.#port;
  }

  /** Serves a file under `folder/name` (qemu resolves sibling names within the folder); returns its URL. */
  add(folder: string, name: string, file: StagedFile): string {
    this.#files.set(`${folder}/${name}`, file);
    return `http://127.0.0.1:${this.#port}/${this.token}/${encodeURIComponent(folder)}/${encodeURIComponent(name)}`;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Only our own user may connect (see peer-uid.ts); others are cut off before a byte is served. */
  async #peerAllowed(socket: Socket): Promise<boolean> {
    if (process.platform !== 'linux' || socket.remotePort === undefined) return true;
    const uid = await loopbackPeerUid(socket.remotePort, this.#port);
    if (uid === null || uid === process.getuid?.()) return true;
    this.stats.refused++;
    this.options.onLog?.(`refused a loopback connection from ${uid === undefined ? 'an unknown user' : `uid ${uid}`}`);
    socket.destroy();
    return false;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!(await (this.#verdicts.get(req.socket) ?? this.#peerAllowed(req.socket)))) return;
    this.stats.requests++;
    const prefix = `/${this.token}/`;
    const url = req.url ?? '';
    const key = url.startsWith(prefix) ? decodeKey(url.slice(prefix.length).split('?')[0]!) : '';
    if (key === null) {
      this.options.onLog?.(`loopback: malformed %-escape in ${url.slice(prefix.length, prefix.length + 200)}`);
      return end(res, 400);
    }
    const file = this.#files.get(key);
    if (!file) {
      this.options.onLog?.(`loopback: no such file ${url.slice(prefix.length)}`);
      return end(res, 404);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return end(res, 405);
    res.setHeader('accept-ranges', 'bytes');
    const size = file.servedSize;
    if (req.method === 'HEAD') {
      res.setHeader('content-length', String(size));
      return end(res, 200);
    }
    const range = parseRangeHeader(req.headers.range, size);
    if (range === 'unsatisfiable') {
      res.setHeader('content-range', `bytes */${size}`);
      return end(res, 416);
    }
    const { start, end: last } = range ?? { start: 0, end: size - 1 };
    const partial = range !== undefined;
    const served = file.served;
    if (served?.kind === 'text') {
      writeHead(res, partial, start, last, size);
      res.end(served.text.subarray(start, last + 1));
      return;
    }
    const abort = new AbortController();
    const stop = (): void => abort.abort();
    res.once('close', stop);
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, abort.signal]) : abort.signal;
    // The rewritten embedded descriptor is patched over the bytes it replaces.
    const patch = served?.kind === 'embedded' && start < served.offset + served.bytes.length && last >= served.offset ? served : undefined;
    try {
      if (file.failure) throw new Error(file.failure.message);
      let local = file.available > last;
      if (!local) {
        const ahead = this.options.bytesAhead(file, last + 1);
        const window = Math.max(MIN_WAIT_BYTES, this.options.rate() * WAIT_SECONDS);
        if (ahead <= window) {
          this.stats.waits++;
          await file.waitFor(last + 1, signal);
          local = true;
        }
      }
      if (patch) {
        const bytes = local ? await this.#readLocal(file, start, last) : await this.#readAhead(file, start, last, signal);
        applyPatch(bytes, start, patch.offset, patch.bytes);
        writeHead(res, partial, start, last, size);
        res.end(bytes);
      } else if (local) {
        await this.#serveLocal(file, start, last, partial, res, signal);
      } else {
        await this.#serveAhead(file, start, last, partial, res, signal);
      }
    } catch (error) {
      if (!res.headersSent) {
        this.options.onLog?.(`serving ${file.dsPath} bytes ${start}-${last} failed: ${toEngineError(error).message}`);
        end(res, 503);
      } else {
        res.destroy();
      }
    } finally {
      res.off('close', stop);
    }
  }

  async #readLocal(file: StagedFile, start: number, last: number): Promise<Buffer> {
    const handle = await file.open();
    try {
      const bytes = Buffer.alloc(last - start + 1);
      let read = 0;
      while (read < bytes.length) {
        const { bytesRead } = await handle.read(bytes, read, bytes.length - read, start + read);
        if (bytesRead === 0) throw new Error(`${file.dsPath} ends before byte ${start + read}`);
        read += bytesRead;
      }
      file.noteServed(last + 1);
      this.stats.localBytes += bytes.length;
      return bytes;
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  async #readAhead(file: StagedFile, start: number, last: number, signal: AbortSignal): Promise<Buffer> {
    return withRange(this.options.access, file.location, start, last, async (body, range) => {
      if (range.total !== file.size || range.end !== last) throw new Error(`the server answered bytes ${range.start}-${range.end}/${range.total}, not ${start}-${last}/${file.size}`);
      const bytes = Buffer.from(await body.arrayBuffer());
      this.options.onAhead?.(file, bytes.length);
      this.stats.aheadBytes += bytes.length;
      return bytes;
    }, { signal });
  }

  async #serveLocal(file: StagedFile, start: number, last: number, partial: boolean, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const handle = await file.open();
    try {
      file.noteServed(last + 1);
      writeHead(res, partial, start, last, file.size);
      await pipeline(createReadStream('', { fd: handle, start, end: last, autoClose: false, highWaterMark: 1024 * 1024 }), res, { signal });
      this.stats.localBytes += last - start + 1;
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  async #serveAhead(file: StagedFile, start: number, last: number, partial: boolean, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const { bucket } = this.options;
    await withRange(
      this.options.access,
      file.location,
      start,
      last,
      async (body, range) => {
        if (range.total !== file.size || range.end !== last) {
          throw new Error(`the server answered bytes ${range.start}-${range.end}/${range.total}, not ${start}-${last}/${file.size}`);
        }
        writeHead(res, partial, start, last, file.size);
        await pipeline(body, bucket ? throttle(bucket, signal) : new PassThrough(), countBytes((n) => this.options.onAhead?.(file, n)), res, { signal });
        this.stats.aheadBytes += last - start + 1;
      },
      { signal },
    );
  }
}

/** The file key of a request path ("folder%2Fa/disk.vmdk"), or null when an escape is malformed. Pure. */
export function decodeKey(path: string): string | null {
  try {
    return path.split('/').map(decodeURIComponent).join('/');
  } catch {
    return null;
  }
}

/** Copies the part of `patch` (which starts at file offset `at`) that falls into `bytes` (which start at `start`). Pure. */
export function applyPatch(bytes: Buffer, start: number, at: number, patch: Buffer): void {
  const from = Math.max(start, at);
  const to = Math.min(start + bytes.length, at + patch.length);
  if (from >= to) return;
  patch.copy(bytes, from - start, from - at, to - at);
}

function writeHead(res: ServerResponse, partial: boolean, start: number, last: number, size: number): void {
  res.setHeader('content-length', String(last - start + 1));
  if (partial) {
    res.setHeader('content-range', `bytes ${start}-${last}/${size}`);
    res.writeHead(206);
  } else {
    res.writeHead(200);
  }
}

function end(res: ServerResponse, status: number): void {
  res.statusCode = status;
  res.end();
}

function countBytes(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
}

/**
 * `bytes=a-b`, `bytes=a-` or `bytes=-n` (one range; qemu sends one). Undefined without a Range
 * header (the whole file); 'unsatisfiable' when it starts beyond the end. Pure.
 */
export function parseRangeHeader(header: string | undefined, size: number): { start: number; end: number } | undefined | 'unsatisfiable' {
  if (header === undefined) return undefined;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
