import { describe, expect, it } from 'vitest';
import { hashWithoutToken, resolveToken, rpcSocketUrl, tokenFromHash, TOKEN_STORAGE_KEY } from '../../../renderer/src/app/token';
import type { KeyValueStore } from '../../../renderer/src/app/token';

function memoryStore(initial: Record<string, string> = {}): KeyValueStore & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe('token in the URL fragment', () => {
  it.each([
    ['#token=Abc-123_x', 'Abc-123_x', ''],
    ['#view=convert&token=t0k', 't0k', '#view=convert'],
    ['#token=', null, null],
    ['', null, null],
    ['#/convert', null, null],
  ])('%j → token %j, fragment left %j', (hash, token, rest) => {
    expect(tokenFromHash(hash)).toBe(token);
    if (token) expect(hashWithoutToken(hash)).toBe(rest);
  });

  it('moves a token from the fragment to session storage and asks to clean the address bar', () => {
    const store = memoryStore();
    expect(resolveToken('#token=fresh', store)).toEqual({ token: 'fresh', replaceHash: '' });
    expect(store.data.get(TOKEN_STORAGE_KEY)).toBe('fresh');
  });

  it('after a reload (no fragment) uses the token kept for this tab', () => {
    expect(resolveToken('', memoryStore({ [TOKEN_STORAGE_KEY]: 'kept' }))).toEqual({ token: 'kept', replaceHash: null });
  });

  it('prefers a new token in the fragment over an old kept one (the bridge was restarted)', () => {
    const store = memoryStore({ [TOKEN_STORAGE_KEY]: 'old' });
    expect(resolveToken('#token=new', store).token).toBe('new');
    expect(store.data.get(TOKEN_STORAGE_KEY)).toBe('new');
  });

  it('has nothing to connect with when neither exists', () => {
    expect(resolveToken('', memoryStore())).toEqual({ token: null, replaceHash: null });
  });

  it.each([
    ['http:', '127.0.0.1:4242', 'ws://127.0.0.1:4242/rpc?token=a%2Bb'],
    ['https:', 'localhost:8443', 'wss://localhost:8443/rpc?token=a%2Bb'],
  ])('socket URL for a page on %s//%s', (protocol, host, url) => {
    expect(rpcSocketUrl(protocol, host, '/rpc', 'a+b')).toBe(url);
  });
});
