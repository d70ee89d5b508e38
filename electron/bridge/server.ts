import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { Duplex } from 'node:stream';
import { Transform } from 'node:stream';
import { basename, dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { engineError } from '../../shared/contract/errors';
import type { EngineError } from '../../shared/contract/errors';
import { MAX_MESSAGE_BYTES } from '../../shared/rpc/protocol';
import type { Channel } from '../../shared/rpc/protocol';
import { serveChannel } from '../../shared/rpc/server';
import { BRIDGE_PATHS, TOKEN_HEADER } from '../../shared/rpc/bridge';
import { EngineFailure, toEngineError } from '../engine/core/errors';
import type { Engine } from '../engine/service';
import './error-codes';

export interface BridgeOptions {
  engine: Engine;
  /** The built renderer (index.html and assets). */
  staticDir: string;
  /** Where dropped files are streamed to. */
  uploadsDir: string;
  host?: string;
  port?: number;
  /** Fixed token (tests); a random one per run otherwise. */
  token?: string;
  /** Largest file a browser may drop (upload), in bytes. */
  maxUploadBytes?: number;
  /** Where the bridge's own problems go (a socket that sent garbage, say): one line each. */
  log?: (message: string) => void;
}

/** Dropped files are copies of disks, so the default is generous; `serve --max-upload-gib` changes it. */
export const DEFAULT_MAX_UPLOAD_BYTES = 256 * 1024 ** 3;

export interface Bridge {
  url: string;
  /** The URL to open: it carries the token in its fragment, which browsers never send. */
  openUrl: string;
  token: string;
  port: number;
  /** Stops serving and removes every file dropped during this run. Safe to call twice. */
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/** The same policy as the Electron window: our own scripts and styles, and the bridge's socket. */
export function contentSecurityPolicy(origin: string): string {
  const ws = origin.replace(/^http/, 'ws');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ${ws}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

/**
 * The loopback bridge: serves the wizard to a browser and carries the contract over a
 * WebSocket. Only 127.0.0.1 by default; every request that reaches the engine needs the
 * per-run token and a matching Origin, so other local users' pages cannot drive it, and every
 * request at all must name this server by a loopback name and its port (the Host header), so a
 * page on another domain that resolves to 127.0.0.1 (DNS rebinding) cannot read what it serves.
 * Nothing a client sends can end the process: a request it cannot read gets an error answer.
 */
export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const staticRoot = resolve(options.staticDir);
  const maxUpload = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const log = options.log ?? ((message: string) => process.stderr.write(`hyper2kvm bridge: ${message}\n`));
  let origins: Set<string> = new Set();
  let hosts: Set<string> = new Set();
  let origin = '';
  // Files dropped in the browser are copies nobody can reach after this run: removed on close.
  const batches = new Set<string>();
  await privateFolder(options.uploadsDir);

  const server: Server = createServer((req, res) => {
    void handleHttp(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: toEngineError(error) });
      else res.destroy();
    });
  });
  // A request the HTTP parser cannot read is answered 400 by Node; a reset socket is no error.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code !== 'ECONNRESET' && socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = requestUrl(req);
    const refusal = !url ? '400 Bad Request' : !hostAllowed(req) ? '421 Misdirected Request' : url.pathname !== BRIDGE_PATHS.rpc || !originAllowed(req) || !tokenMatches(url.searchParams.get('token')) ? '403 Forbidden' : null;
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    // Invalid UTF-8 (1007) and messages over the limit (1009): ws closes the connection with
    // that code; without a listener the 'error' event would end the process.
    ws.on('error', (error) => log(`closed a WebSocket: ${error.message}`));
    const channel: Channel = {
      send(message) {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
      },
      onMessage(handler) {
        const listener = (data: RawData, isBinary: boolean): void => {
          if (isBinary) {
            ws.close(1003, 'the bridge speaks JSON text messages only');
            return;
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(rawText(data));
          } catch {
            ws.close(1007, 'not a JSON message');
            return;
          }
          handler(parsed);
        };
        ws.on('message', listener);
        return () => ws.off('message', listener);
      },
      onClose(handler) {
        ws.on('close', handler);
        return () => ws.off('close', handler);
      },
    };
    serveChannel(channel, options.engine.handlers, options.engine, toEngineError);
  }

  function tokenMatches(candidate: string | null | undefined): boolean {
    if (!candidate) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  function originAllowed(req: IncomingMessage): boolean {
    const o = req.headers.origin;
    return typeof o === 'string' && origins.has(o);
  }

  function hostAllowed(req: IncomingMessage): boolean {
    const h = req.headers.host;
    return typeof h === 'string' && hosts.has(h.toLowerCase());
  }

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req);
    if (!url) return sendError(res, 400, engineError('BRIDGE_BAD_REQUEST', 'The request URL cannot be read.', 'Open the URL that `hyper2kvm serve` printed.'));
    if (!hostAllowed(req)) {
      return sendError(res, 421, engineError('BRIDGE_BAD_REQUEST', `This server answers only to ${[...hosts].join(', ')}, not to "${String(req.headers.host ?? '').slice(0, 100)}".`, 'Open the URL that `hyper2kvm serve` printed, on this machine.'));
    }
    if (url.pathname === BRIDGE_PATHS.upload) return handleUpload(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { ok: false });
    return serveStatic(url.pathname, res);
  }

  /**
   * A file dropped in the browser is streamed here (never buffered): PUT with the token header,
   * `?batch=<id>&name=<file>`; files of one drop share a batch folder, so a descriptor finds its
   * extents next to it. Files larger than the cap, or than the free space, are refused.
   */
  async function handleUpload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'PUT') return sendJson(res, 405, { ok: false });
    if (!originAllowed(req) || !tokenMatches(req.headers[TOKEN_HEADER] as string | undefined)) return sendJson(res, 403, { ok: false });
    const batch = url.searchParams.get('batch') ?? '';
    const name = url.searchParams.get('name') ?? '';
    if (!/^[A-Za-z0-9-]{8,64}$/.test(batch) || !safeFileName(name)) {
      return sendError(res, 400, engineError('INVALID_REQUEST', 'The upload has no valid batch id or file name.', 'Drop the file again.'));
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > maxUpload) return refuseUpload(res, tooLarge(name, maxUpload));
    if (Number.isFinite(declared)) {
      const space = await freeBytes(options.uploadsDir);
      if (space !== null && declared > space) {
        return refuseUpload(res, engineError('DEST_NO_SPACE', `${name} (${declared} bytes) does not fit in ${options.uploadsDir} (${space} bytes free).`, 'Free some space there, or open the file from the engine\u2019s file browser instead of dropping it (it is then read in place).', { path: options.uploadsDir }));
      }
    }
    const folder = join(options.uploadsDir, batch);
    await privateFolder(folder);
    batches.add(folder);
    const target = join(folder, name);
    const partial = `${target}.uploading`;
    try {
      await pipeline(req, capped(maxUpload, () => tooLarge(name, maxUpload)), createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      const value = toEngineError(error);
      return value.code === 'UPLOAD_TOO_LARGE' ? refuseUpload(res, value) : sendError(res, 500, value);
    }
    const { size } = await stat(target);
    return sendJson(res, 200, { ok: true, path: target, folder, size });
  }

  async function serveStatic(pathname: string, res: ServerResponse): Promise<void> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return sendError(res, 400, engineError('BRIDGE_BAD_REQUEST', 'The request path has a malformed %-escape.', 'Open the URL that `hyper2kvm serve` printed.'));
    }
    const clean = normalize(decoded).replace(/^(\.\.(\/|\\|$))+/, '');
    let file = join(staticRoot, clean);
    if (!file.startsWith(staticRoot + sep) && file !== staticRoot) return sendJson(res, 404, { ok: false });
    const s = await stat(file).catch(() => null);
    if (!s || s.isDirectory()) file = join(staticRoot, 'index.html'); // single-page app
    if (!existsSync(file)) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('The wizard has not been built yet: run `npm run build` first.\n');
      return;
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': contentSecurityPolicy(origin),
      'x-content-type-options': 'nosniff',
      'cache-control': file.endsWith('index.html') ? 'no-store' : 'public, max-age=3600',
      'referrer-policy': 'no-referrer',
    });
    createReadStream(file).pipe(res);
  }

  await new Promise<void>((ok, ko) => {
    server.once('error', ko);
    server.listen(options.port ?? 0, host, () => ok());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  origin = `http://${urlHost(host)}:${port}`;
  origins = new Set([origin, `http://localhost:${port}`]);
  hosts = new Set(loopbackHosts(port));

  let closing: Promise<void> | null = null;
  return {
    url: origin,
    openUrl: `${origin}/#token=${token}`,
    token,
    port,
    close: () => {
      closing ??= (async () => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        await new Promise<void>((ok) => server.close(() => ok()));
        await Promise.all([...batches].map((folder) => rm(folder, { recursive: true, force: true })));
      })();
      return closing;
    },
  };
}

/** The host part of a URL: IPv6 addresses in brackets ("http://[::1]:8080"). */
export function urlHost(host: string): string {
  return isIPv6(host) ? `[${host}]` : host;
}

/** Host headers the bridge answers to: the loopback names, each with the port. */
export function loopbackHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

/** The request's URL, or null when it cannot be parsed (it is then refused, never thrown). */
export function requestUrl(req: Pick<IncomingMessage, 'url'>): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://bridge.invalid');
  } catch {
    return null;
  }
}

/** Creates the folder (and missing parents) readable by this user only, and makes it so if it was not. */
async function privateFolder(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
}

function tooLarge(name: string, limit: number): EngineError {
  return engineError('UPLOAD_TOO_LARGE', `${name} is larger than the bridge accepts for a dropped file (${formatGiB(limit)}).`, 'Open the file from the engine\u2019s file browser instead of dropping it (it is then read in place, not copied), or start the bridge with a larger limit: hyper2kvm serve --max-upload-gib N.', { details: { limitBytes: limit } });
}

function formatGiB(bytes: number): string {
  const gib = bytes / 1024 ** 3;
  return gib >= 1 ? `${Number(gib.toFixed(2))} GiB` : `${bytes} bytes`;
}

/** Passes bytes through until more than `limit` went by, then fails the pipeline. */
function capped(limit: number, error: () => EngineError): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(new EngineFailure(error()));
      else callback(null, chunk);
    },
  });
}

async function freeBytes(folder: string): Promise<number | null> {
  try {
    const facts = await statfs(folder);
    return facts.bavail * facts.bsize;
  } catch {
    return null;
  }
}

/** 413, and the connection closed: the rest of the body is not worth reading. */
function refuseUpload(res: ServerResponse, error: EngineError): void {
  res.setHeader('connection', 'close');
  sendError(res, 413, error);
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

function sendError(res: ServerResponse, status: number, error: EngineError): void {
  sendJson(res, status, { ok: false, error });
}

/**
 * After an error nobody caught (a bug): stop the jobs this process started and remove the files
 * dropped during this run, then exit 1, so a crash never leaves a run's files or tools behind.
 * `cleanup` gets `graceMs` before the process exits anyway.
 */
export function exitCleanlyOnFatalError(cleanup: () => Promise<void>, log: (message: string) => void, graceMs = 20_000): void {
  let handling = false;
  const onFatal = (error: unknown): void => {
    log(`stopping after an unexpected error: ${error instanceof Error ? error.message : String(error)}. Running jobs are cancelled and dropped files removed. This is a bug; please report it.`);
    if (handling) return;
    handling = true;
    setTimeout(() => process.exit(1), graceMs).unref();
    void cleanup()
      .catch((cleanupError: unknown) => log(`cleaning up failed: ${cleanupError instanceof Error ? cleanupError.message : String(cleanupError)}`))
      .finally(() => process.exit(1));
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
}

function safeFileName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && name === basename(name) && !name.startsWith('.') && !/[\0/\\]/.test(name);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The folder holding package.json, found from a module's URL (works from sources and bundles). */
export function packageRoot(fromUrl: string): string {
  let dir = dirname(fileURLToPath(fromUrl));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string };
        if (pkg.name === 'hyper2kvm-desktop') return dir;
      } catch {
        // keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}
