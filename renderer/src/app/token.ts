/**
 * The bridge hands the per-run access token to the page in the URL fragment (`#token=…`),
 * which browsers never send to a server. We move it to sessionStorage at once and strip it
 * from the address bar, so it does not end up in bookmarks, screenshots or shared links, and
 * a reload of the same tab still works.
 */

export const TOKEN_STORAGE_KEY = 'hyper2kvm.token';

/** The subset of Web Storage we use; sessionStorage in the page, a Map in tests. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function fragmentParams(hash: string): URLSearchParams {
  return new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
}

/** `#token=abc` or `#x=1&token=abc` → "abc"; anything else → null. */
export function tokenFromHash(hash: string): string | null {
  const token = fragmentParams(hash).get('token');
  return token ? token : null;
}

/** The fragment without its token ("" when nothing else was in it). */
export function hashWithoutToken(hash: string): string {
  const params = fragmentParams(hash);
  params.delete('token');
  const rest = params.toString();
  return rest ? `#${rest}` : '';
}

export interface ResolvedToken {
  token: string | null;
  /** The fragment the address bar should show instead, or null when it needs no change. */
  replaceHash: string | null;
}

/** A token in the fragment wins (a newer run of the bridge); otherwise the one kept for this tab. */
export function resolveToken(hash: string, storage: KeyValueStore): ResolvedToken {
  const fromHash = tokenFromHash(hash);
  if (fromHash) {
    storage.setItem(TOKEN_STORAGE_KEY, fromHash);
    return { token: fromHash, replaceHash: hashWithoutToken(hash) };
  }
  return { token: storage.getItem(TOKEN_STORAGE_KEY), replaceHash: null };
}

/** ws://host/rpc?token=… for a page served from http://host/ (wss for https). */
export function rpcSocketUrl(pageProtocol: string, host: string, rpcPath: string, token: string): string {
  const scheme = pageProtocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${host}${rpcPath}?token=${encodeURIComponent(token)}`;
}
