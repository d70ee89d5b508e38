import { describe, expect, it } from 'vitest';
import type { ApiHandlers } from '../../../shared/contract/api';
import type { JobEvent } from '../../../shared/contract/events';
import { RemoteError, RpcClient } from '../../../shared/rpc/client';
import { memoryChannelPair } from '../../../shared/rpc/memory';
import { serveChannel } from '../../../shared/rpc/server';
import { toEngineError, fail } from '../../../electron/engine/core/errors';

function setup(overrides: Partial<ApiHandlers> = {}): { client: RpcClient; emit: (e: JobEvent) => void; raw: ReturnType<typeof memoryChannelPair>[0] } {
  const listeners = new Set<(e: JobEvent) => void>();
  const handlers = {
    'jobs.cancel': ({ jobId }: { jobId: string }) => Promise.resolve({ cancelled: jobId === 'job-123', state: 'running' as const }),
    'source.plan': () => fail('SOURCE_NOT_A_DISK', 'not a disk', 'pick another'),
    ...overrides,
  } as unknown as ApiHandlers;
  const [a, b] = memoryChannelPair();
  serveChannel(b, handlers, { onJobEvent: (l) => (listeners.add(l), () => listeners.delete(l)) }, toEngineError);
  return { client: new RpcClient(a), emit: (e) => listeners.forEach((l) => l(e)), raw: a };
}

describe('RPC over a channel', () => {
  it('delivers a typed call and its reply', async () => {
    const { client } = setup();
    await expect(client.call('jobs.cancel', { jobId: 'job-123' })).resolves.toEqual({ cancelled: true, state: 'running' });
  });

  it('turns an engine failure into a RemoteError carrying the error value', async () => {
    const { client } = setup();
    const error = await client.call('source.plan', { path: '/x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).value).toMatchObject({ code: 'SOURCE_NOT_A_DISK', kind: 'bad-input', hint: 'pick another' });
  });

  it('refuses unknown fields and wrong types before the handler runs', async () => {
    const { client } = setup();
    const extra = await client.call('jobs.cancel', { jobId: 'job-123', force: true } as never).catch((e: unknown) => e);
    expect((extra as RemoteError).value.code).toBe('INVALID_REQUEST');
    expect((extra as RemoteError).value.message).toMatch(/force/);
    const wrong = await client.call('jobs.cancel', { jobId: 'UPPER CASE' }).catch((e: unknown) => e);
    expect((wrong as RemoteError).value.code).toBe('INVALID_REQUEST');
  });

  it('refuses unknown methods with UNKNOWN_METHOD', async () => {
    const { client } = setup();
    const error = await client.call('shell.exec' as never, {} as never).catch((e: unknown) => e);
    expect((error as RemoteError).value.code).toBe('UNKNOWN_METHOD');
  });

  it('answers a malformed call that has an id, and ignores garbage without one', async () => {
    const { raw } = setup();
    const replies: unknown[] = [];
    raw.onMessage((m) => replies.push(m));
    raw.send({ v: 1, kind: 'call', id: 7, method: 42 });
    raw.send('garbage');
    await new Promise((r) => setTimeout(r, 10));
    expect(replies).toEqual([expect.objectContaining({ id: 7, ok: false, error: expect.objectContaining({ code: 'INVALID_REQUEST' }) as unknown })]);
  });

  it('checks replies against the output schema', async () => {
    const { client } = setup({ 'jobs.cancel': () => Promise.resolve({ cancelled: 'yes' } as never) });
    const error = await client.call('jobs.cancel', { jobId: 'job-123' }).catch((e: unknown) => e);
    expect((error as RemoteError).value.code).toBe('INTERNAL');
  });

  it('forwards job events to subscribers', async () => {
    const { client, emit } = setup();
    const seen: JobEvent[] = [];
    client.onJobEvent((e) => seen.push(e));
    emit({ type: 'log', jobId: 'job-123', at: '2026-01-01T00:00:00Z', level: 'info', message: 'hello' });
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([expect.objectContaining({ type: 'log', message: 'hello' })]);
  });
});
