import { BRIDGE_PATHS } from '../../../shared/rpc/bridge';
import { PRELOAD_GLOBAL } from '../../../shared/rpc/preload-api';
import type { PreloadApi } from '../../../shared/rpc/preload-api';
import type { Channel } from '../../../shared/rpc/protocol';
import { FixedLink, ReconnectingLink, UnavailableLink } from './connection';
import { resolveToken, rpcSocketUrl } from './token';

/**
 * Where the wizard runs. In the Electron window the preload gives us a message pipe and real
 * file paths; in a browser (the loopback bridge) we talk over a WebSocket with the per-run
 * token, and dropped files are streamed to the engine instead.
 */
export type Environment =
  | { mode: 'electron'; preload: PreloadApi; link: FixedLink }
  | { mode: 'bridge'; token: string; link: ReconnectingLink }
  | { mode: 'no-token'; link: UnavailableLink };

function preloadApi(): PreloadApi | null {
  const candidate = (window as unknown as Record<string, unknown>)[PRELOAD_GLOBAL] as PreloadApi | undefined;
  return candidate && candidate.kind === 'electron' ? candidate : null;
}

function preloadChannel(preload: PreloadApi): Channel {
  return { send: (message) => preload.send(message), onMessage: (handler) => preload.onMessage(handler) };
}

export function detectEnvironment(): Environment {
  const preload = preloadApi();
  if (preload) return { mode: 'electron', preload, link: new FixedLink(preloadChannel(preload)) };

  const { token, replaceHash } = resolveToken(window.location.hash, window.sessionStorage);
  if (replaceHash !== null) {
    // Drop the token from the address bar (and from history) as soon as we have kept it.
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}${replaceHash}`);
  }
  if (!token) return { mode: 'no-token', link: new UnavailableLink() };
  const url = rpcSocketUrl(window.location.protocol, window.location.host, BRIDGE_PATHS.rpc, token);
  const link = new ReconnectingLink(() => new WebSocket(url));
  window.addEventListener('pagehide', () => link.close());
  return { mode: 'bridge', token, link };
}
