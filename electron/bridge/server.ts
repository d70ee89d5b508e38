import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { basename, dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES } from '../../shared/rpc/protocol';
import type { Channel } from '../../shared/rpc/protocol';
import { serveChannel } from '../../shared/rpc/server';
import { BRIDGE_PATHS, TOKEN_HEADER } from '../../shared/rpc/bridge';
import { toEngineError } from '../engine/core/errors';
import type { Engine } from '../engine/service';

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
}

export interface Bridge {
  url: string;
  /** The URL to open: it carries the token in its fragment, which browsers never send. */
  openUrl: string;
  token: string;
  port: number;
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
function contentSecurityPolicy(origin: string): string {
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
 * per-run token and a matching Origin, so other local users' pages cannot drive it.
 */
export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const staticRoot = resolve(options.staticDir);
  let origins: Set<string> = new Set();
  let origin = '';
  // Files dropped in the browser are copies nobody can reach after this run: removed on close.
  const batches = new Set<string>();

  const server: Server = createServer((req, res) => {
    void handleHttp(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: toEngineError(error) });
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname !== BRIDGE_PATHS.rpc || !originAllowed(req) || !tokenMatches(url.searchParams.get('token'))) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    const channel: Channel = {
      send(message) {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
      },
      onMessage(handler) {
        const listener = (data: Buffer): void => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(data.toString('utf8'));
          } catch {
            return; // not JSON: nothing to answer to
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

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === BRIDGE_PATHS.upload) return handleUpload(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { ok: false });
    return serveStatic(url.pathname, res);
  }

  /**
   * A file dropped in the browser is streamed here (never buffered): PUT with the token header,
   * `?batch=<id>&name=<file>`; files of one drop share a batch folder, so a descriptor finds its
   * extents next to it.
   */
  async function handleUpload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'PUT') return sendJson(res, 405, { ok: false });
    if (!originAllowed(req) || !tokenMatches(req.headers[TOKEN_HEADER] as string | undefined)) return sendJson(res, 403, { ok: false });
    const batch = url.searchParams.get('batch') ?? '';
    const name = url.searchParams.get('name') ?? '';
    if (!/^[A-Za-z0-9-]{8,64}$/.test(batch) || !safeFileName(name)) {
      return sendJson(res, 400, { ok: false, error: { code: 'INVALID_REQUEST', kind: 'bad-input', message: 'The upload has no valid batch id or file name.', hint: 'Drop the file again.' } });
    }
    const folder = join(options.uploadsDir, batch);
    await mkdir(folder, { recursive: true });
    batches.add(folder);
    const target = join(folder, name);
    const partial = `${target}.uploading`;
    try {
      await pipeline(req, createWriteStream(partial, { flags: 'wx' }));
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      return sendJson(res, 500, { ok: false, error: toEngineError(error) });
    }
    const { size } = await stat(target);
    return sendJson(res, 200, { ok: true, path: target, folder, size });
  }

  async function serveStatic(pathname: string, res: ServerResponse): Promise<void> {
    const clean = normalize(decodeURIComponent(pathname)).replace(/^(\.\.(\/|\\|$))+/, '');
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
  origin = `http://${host}:${port}`;
  origins = new Set([origin, `http://localhost:${port}`]);

  return {
    url: origin,
    openUrl: `${origin}/#token=${token}`,
    token,
    port,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((ok) => server.close(() => ok()));
      await Promise.all([...batches].map((folder) => rm(folder, { recursive: true, force: true })));
    },
  };
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
