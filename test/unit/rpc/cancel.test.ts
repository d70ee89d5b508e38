import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ApiHandlers, CallContext } from '../../../shared/contract/api';
import { isCancelled, RemoteError, RpcClient } from '../../../shared/rpc/client';
import { memoryChannelPair } from '../../../shared/rpc/memory';
import type { MemoryChannel } from '../../../shared/rpc/memory';
import { CancelMessage, PROTOCOL_VERSION } from '../../../shared/rpc/protocol';
import { serveChannel } from '../../../shared/rpc/server';
import { toEngineError } from '../../../electron/engine/core/errors';

/**
 * Cancellation per call (issue 14): the client's signal travels as a `cancel` message, the
 * server aborts that call's handler signal and answers CANCELLED; a channel that closes aborts
 * every call still in flight. Over the in-memory channel, which copies every message through
 * JSON like a real transport.
 */

/** A handler that never answers by itself: it records its signal and waits for the abort. */
function hanging(): { handler: (p: unknown, c?: CallContext) => Promise<never>; signals: AbortSignal[]; aborted: () => number } {
  const signals: AbortSignal[] = [];
  return {
    signals,
    aborted: () => signals.filter((s) => s.aborted).length,
    handler: (_p, context) => {
      if (!context) throw new Error('the server gave no call context');
      signals.push(context.signal);
      return new Promise<never>((_resolve, reject) => {
        context.signal.addEventListener('abort', () => reject(new Error('the handler saw the abort')), { once: true });
      });
    },
  };
}

function setup(overrides: Partial<Record<keyof ApiHandlers, unknown>>): { client: RpcClient; raw: MemoryChannel; engineSide: MemoryChannel; stop: () => void } {
  const handlers = {
    'jobs.cancel': ({ jobId }: { jobId: string }) => Promise.resolve({ cancelled: jobId === 'job-123', state: 'running' as const }),
    ...overrides,
  } as unknown as ApiHandlers;
  const [a, b] = memoryChannelPair();
  const stop = serveChannel(b, handlers, { onJobEvent: () => () => undefined }, toEngineError);
  return { client: new RpcClient(a), raw: a, engineSide: b, stop };
}

const tick = (ms = 10): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Replies seen on the client's side of the pipe, by id. */
function replies(channel: MemoryChannel): Array<{ id: number; ok: boolean; error?: { code: string; kind: string } }> {
  const seen: Array<{ id: number; ok: boolean; error?: { code: string; kind: string } }> = [];
  channel.onMessage((m) => {
    if ((m as { kind?: string }).kind === 'reply') seen.push(m as (typeof seen)[number]);
  });
  return seen;
}

describe('the cancel message', () => {
  it.each([
    ['a cancel', { v: PROTOCOL_VERSION, kind: 'cancel', id: 3 }, true],
    ['a negative id', { v: PROTOCOL_VERSION, kind: 'cancel', id: -1 }, false],
    ['a string id', { v: PROTOCOL_VERSION, kind: 'cancel', id: '3' }, false],
    ['another version', { v: 2, kind: 'cancel', id: 3 }, false],
    ['an extra field', { v: PROTOCOL_VERSION, kind: 'cancel', id: 3, reason: 'x' }, false],
  ])('%s is %s', (_name, message, valid) => {
    expect(CancelMessage.safeParse(message).success).toBe(valid);
  });
});

describe('the server', () => {
  it('gives each call its own signal; a cancel aborts that one only and is answered CANCELLED', async () => {
    const slow = hanging();
    const { raw } = setup({ 'fs.list': slow.handler });
    const seen = replies(raw);
    raw.send({ v: 1, kind: 'call', id: 1, method: 'fs.list', params: { path: '/' } });
    raw.send({ v: 1, kind: 'call', id: 2, method: 'fs.list', params: { path: '/' } });
    await tick();
    expect(slow.signals).toHaveLength(2);
    raw.send({ v: 1, kind: 'cancel', id: 1 });
    await tick();
    expect(slow.signals.map((s) => s.aborted)).toEqual([true, false]);
    // Exactly one reply, CANCELLED, although the aborted handler then failed in its own words.
    expect(seen).toEqual([{ v: 1, kind: 'reply', id: 1, ok: false, error: expect.objectContaining({ code: 'CANCELLED', kind: 'cancelled' }) as unknown }]);
  });

  it('ignores a cancel for an unknown or finished id, and a garbled cancel', async () => {
    const { raw } = setup({});
    const seen = replies(raw);
    raw.send({ v: 1, kind: 'call', id: 5, method: 'jobs.cancel', params: { jobId: 'job-123' } });
    await tick();
    raw.send({ v: 1, kind: 'cancel', id: 5 });
    raw.send({ v: 1, kind: 'cancel', id: 99 });
    raw.send({ v: 1, kind: 'cancel', id: 5, extra: true });
    await tick();
    expect(seen).toEqual([expect.objectContaining({ id: 5, ok: true })]);
  });

  it('aborts every call in flight when the channel closes, and sends nothing after', async () => {
    const slow = hanging();
    const { raw, engineSide } = setup({ 'fs.list': slow.handler });
    let sentAfterClose = 0;
    raw.send({ v: 1, kind: 'call', id: 1, method: 'fs.list', params: { path: '/a' } });
    raw.send({ v: 1, kind: 'call', id: 2, method: 'fs.list', params: { path: '/b' } });
    await tick();
    expect(slow.aborted()).toBe(0);
    const send = engineSide.send.bind(engineSide);
    engineSide.send = (m) => {
      sentAfterClose++;
      send(m);
    };
    raw.close();
    expect(slow.aborted()).toBe(2);
    await tick();
    expect(sentAfterClose).toBe(0);
  });

  it('aborts the calls in flight when it stops serving the channel', async () => {
    const slow = hanging();
    const { raw, stop } = setup({ 'fs.list': slow.handler });
    raw.send({ v: 1, kind: 'call', id: 1, method: 'fs.list', params: { path: '/' } });
    await tick();
    stop();
    expect(slow.aborted()).toBe(1);
  });

  it('refuses a second call with the id of one still in flight, and leaves the first running', async () => {
    const slow = hanging();
    const { raw } = setup({ 'fs.list': slow.handler });
    const seen = replies(raw);
    raw.send({ v: 1, kind: 'call', id: 4, method: 'fs.list', params: { path: '/' } });
    await tick();
    raw.send({ v: 1, kind: 'call', id: 4, method: 'fs.list', params: { path: '/' } });
    await tick();
    expect(seen).toEqual([expect.objectContaining({ id: 4, ok: false, error: expect.objectContaining({ code: 'INVALID_REQUEST' }) as unknown })]);
    expect(slow.signals).toHaveLength(1);
    expect(slow.aborted()).toBe(0);
  });

  it('frees a finished call\'s id: a cancel after the reply aborts nothing, the id can be used again', async () => {
    let seenSignal: AbortSignal | undefined;
    const { raw } = setup({
      'fs.list': (_p: unknown, c?: CallContext) => {
        seenSignal = c?.signal;
        return Promise.resolve({ path: '/', parent: null, entries: [] });
      },
    });
    const seen = replies(raw);
    raw.send({ v: 1, kind: 'call', id: 8, method: 'fs.list', params: { path: '/' } });
    await tick();
    raw.send({ v: 1, kind: 'cancel', id: 8 });
    raw.send({ v: 1, kind: 'call', id: 8, method: 'fs.list', params: { path: '/' } });
    await tick();
    expect(seenSignal?.aborted).toBe(false);
    expect(seen.map((r) => [r.id, r.ok])).toEqual([
      [8, true],
      [8, true],
    ]);
  });
});

describe('the client', () => {
  it('rejects with CANCELLED without waiting for the engine, and tells it', async () => {
    // Nobody serves the other end: the rejection cannot come from a reply.
    const [a, b] = memoryChannelPair();
    const received: unknown[] = [];
    b.onMessage((m) => received.push(m));
    const client = new RpcClient(a);
    const controller = new AbortController();
    const pending = client.call('fs.list', { path: '/' }, { signal: controller.signal }).catch((e: unknown) => e);
    expect(client.inFlight).toBe(1);
    controller.abort();
    expect(client.inFlight).toBe(0);
    const error = await pending;
    expect(error).toBeInstanceOf(RemoteError);
    expect(isCancelled(error)).toBe(true);
    expect((error as RemoteError).value).toMatchObject({ code: 'CANCELLED', kind: 'cancelled' });
    await tick();
    expect(received).toEqual([
      { v: 1, kind: 'call', id: 1, method: 'fs.list', params: { path: '/' } },
      { v: 1, kind: 'cancel', id: 1 },
    ]);
  });

  it('stops the handler in the engine through the cancel it sends', async () => {
    const slow = hanging();
    const { client } = setup({ 'fs.list': slow.handler });
    const controller = new AbortController();
    const pending = client.call('fs.list', { path: '/' }, { signal: controller.signal }).catch((e: unknown) => e);
    await tick();
    expect(slow.aborted()).toBe(0);
    controller.abort();
    expect(isCancelled(await pending)).toBe(true);
    await tick();
    expect(slow.aborted()).toBe(1);
  });

  it('sends nothing for a signal aborted before the call', async () => {
    const slow = hanging();
    const { client } = setup({ 'fs.list': slow.handler });
    const error = await client.call('fs.list', { path: '/' }, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(isCancelled(error)).toBe(true);
    await tick();
    expect(slow.signals).toHaveLength(0);
  });

  it('leaves no listener on a long-lived signal, whichever way its calls end', async () => {
    const { client } = setup({ 'source.plan': () => Promise.reject(new Error('no')) });
    const page = new AbortController();
    await client.call('jobs.cancel', { jobId: 'job-123' }, { signal: page.signal });
    await client.call('source.plan', { path: '/x' }, { signal: page.signal }).catch(() => undefined);
    expect(getEventListeners(page.signal, 'abort')).toHaveLength(0);
    expect(client.inFlight).toBe(0);
  });

  it('ignores the late reply of a cancelled call, and does not mix it up with the next one', async () => {
    let release: (() => void) | undefined;
    // A handler that ignores its signal: its answer still comes, after the cancel.
    const { client } = setup({
      'fs.list': () =>
        new Promise((resolve) => {
          release = () => resolve({ path: '/', parent: null, entries: [] });
        }),
    });
    const controller = new AbortController();
    const first = client.call('fs.list', { path: '/' }, { signal: controller.signal }).catch((e: unknown) => e);
    await tick();
    controller.abort();
    release?.();
    await tick();
    expect(isCancelled(await first)).toBe(true);
    await expect(client.call('jobs.cancel', { jobId: 'job-123' })).resolves.toEqual({ cancelled: true, state: 'running' });
    expect(client.inFlight).toBe(0);
  });

  it('cancels its calls in flight in the engine when it is closed', async () => {
    const slow = hanging();
    const { client } = setup({ 'fs.list': slow.handler });
    const pending = client.call('fs.list', { path: '/' }).catch((e: unknown) => e);
    await tick();
    client.close();
    expect((await pending) as RemoteError).toBeInstanceOf(RemoteError);
    await tick();
    expect(slow.aborted()).toBe(1);
  });

  it('fails its calls when the channel closes, and removes their abort listeners', async () => {
    const slow = hanging();
    const { client, raw } = setup({ 'fs.list': slow.handler });
    const page = new AbortController();
    const pending = client.call('fs.list', { path: '/' }, { signal: page.signal }).catch((e: unknown) => e);
    await tick();
    raw.close();
    const error = await pending;
    expect((error as RemoteError).value.code).toBe('INTERNAL');
    expect(getEventListeners(page.signal, 'abort')).toHaveLength(0);
    expect(slow.aborted()).toBe(1);
  });
});
