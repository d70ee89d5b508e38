import { describe, expect, it } from 'vitest';
import type { HelperMessage } from '../../../shared/contract/helper';
import { HelperMessage as HelperMessageSchema } from '../../../shared/contract/helper';
import { EngineFailure, cancelledError, fail } from '../../../electron/engine/core/errors';
import type { HelperHandlers, HelperOpContext } from '../../../electron/helper/ops';
import { HelperServer, idFromHead } from '../../../electron/helper/server';

/**
 * The dispatcher on its own, with stand-in operations (the real ones run against real files and
 * qemu-img in test/integration/helper). What matters here is the protocol: one result per
 * request, progress only while it runs, cancel reaching the operation.
 */

interface Harness {
  server: HelperServer;
  lines: HelperMessage[];
  /** The context of the last disk.convert the server started. */
  convert: { ctx: HelperOpContext | null; finish(): void };
  send(message: unknown): void;
  settle(): Promise<void>;
}

function harness(options: { maxActive?: number } = {}): Harness {
  const lines: HelperMessage[] = [];
  const convert: Harness['convert'] = { ctx: null, finish: () => undefined };
  const handlers: HelperHandlers = {
    'app.hello': () => Promise.resolve({ name: 'hyper2kvm-helper', version: 't', protocol: 1, euid: 0, pid: 1, invokingUid: null, allowedRoots: [], ops: [] }),
    'disk.convert': (_params, ctx) =>
      new Promise((resolve, reject) => {
        convert.ctx = ctx;
        convert.finish = () => resolve(null);
        ctx.signal.addEventListener('abort', () => reject(new EngineFailure(cancelledError())));
      }),
    'disk.check': () => Promise.reject(new Error('boom at /secret/stack/frame')),
    'file.finalize': () => fail('OUTPUT_EXISTS', '/i/x exists.', 'Choose another name.'),
    'file.remove': () => Promise.resolve(null),
  };
  const server = new HelperServer({
    handlers,
    write: (line) => {
      expect(line.endsWith('\n')).toBe(true);
      lines.push(HelperMessageSchema.parse(JSON.parse(line)));
    },
    log: () => undefined,
    ...options,
  });
  return {
    server,
    lines,
    convert,
    send: (message) => server.onLine(typeof message === 'string' ? message : JSON.stringify(message)),
    settle: () => new Promise((resolve) => setTimeout(resolve, 10)),
  };
}

const convertRequest = (id: number) => ({ v: 1, id, op: 'disk.convert', params: { source: { type: 'file', path: '/s/d.vmdk' }, sourceFormat: 'vmdk', output: '/i/.d.qcow2.part-j', format: 'qcow2', compress: false } });

describe('HelperServer', () => {
  it('answers a request with exactly one result', async () => {
    const h = harness();
    h.send({ v: 1, id: 1, op: 'app.hello', params: {} });
    await h.settle();
    expect(h.lines).toMatchObject([{ v: 1, id: 1, type: 'result', ok: true, value: { name: 'hyper2kvm-helper' } }]);
  });

  it('ignores blank lines', async () => {
    const h = harness();
    h.send('');
    h.send('   ');
    await h.settle();
    expect(h.lines).toEqual([]);
  });

  it('streams progress while the request runs, skipping repeats, then the result', async () => {
    const h = harness();
    h.send(convertRequest(4));
    await h.settle();
    h.convert.ctx!.progress(0.1);
    h.convert.ctx!.progress(0.1);
    h.convert.ctx!.progress(1.7);
    h.convert.finish();
    await h.settle();
    h.convert.ctx!.progress(0.5);
    expect(h.lines.map((l) => (l.type === 'progress' ? l.fraction : l.type))).toEqual([0.1, 1, 'result']);
  });

  it('cancels in-band: the operation sees the abort and the result says CANCELLED', async () => {
    const h = harness();
    h.send(convertRequest(5));
    await h.settle();
    h.send({ v: 1, type: 'cancel', id: 5 });
    await h.settle();
    expect(h.convert.ctx!.signal.aborted).toBe(true);
    expect(h.lines).toMatchObject([{ id: 5, ok: false, error: { code: 'CANCELLED', kind: 'cancelled' } }]);
    expect(h.server.activeCount).toBe(0);
  });

  it('says nothing for a cancel of a request that is not running', async () => {
    const h = harness();
    h.send({ v: 1, type: 'cancel', id: 99 });
    await h.settle();
    expect(h.lines).toEqual([]);
  });

  it('refuses a second request under a running id without answering under that id', async () => {
    const h = harness();
    h.send(convertRequest(6));
    h.send(convertRequest(6));
    await h.settle();
    expect(h.lines).toMatchObject([{ id: null, ok: false, error: { message: 'Request id 6 is already in use by a running request.' } }]);
    h.convert.finish();
    await h.settle();
    expect(h.lines.filter((l) => l.id === 6)).toHaveLength(1);
  });

  it('refuses more than maxActive requests at once', async () => {
    const h = harness({ maxActive: 1 });
    h.send(convertRequest(7));
    h.send({ v: 1, id: 8, op: 'file.remove', params: { path: '/i/.d.part-j' } });
    await h.settle();
    expect(h.lines).toMatchObject([{ id: 8, ok: false, error: { message: 'Too many requests at once (1 are running).' } }]);
    h.convert.finish();
  });

  it('passes error values through and turns anything else into INTERNAL without a stack', async () => {
    const h = harness();
    h.send({ v: 1, id: 9, op: 'file.finalize', params: { partial: '/i/.x.part-j', final: '/i/x', overwrite: false } });
    h.send({ v: 1, id: 10, op: 'disk.check', params: { path: '/i/.x.part-j', format: 'qcow2' } });
    await h.settle();
    expect(h.lines.find((l) => l.id === 9)).toMatchObject({ ok: false, error: { code: 'OUTPUT_EXISTS', kind: 'bad-input', hint: 'Choose another name.' } });
    const internal = h.lines.find((l) => l.id === 10);
    expect(internal).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(internal)).not.toMatch(/\n\s+at /);
  });

  it('shutdown cancels what runs and waits for its result', async () => {
    const h = harness();
    h.send(convertRequest(11));
    await h.settle();
    await h.server.shutdown();
    expect(h.lines).toMatchObject([{ id: 11, error: { code: 'CANCELLED' } }]);
    h.send({ v: 1, id: 12, op: 'app.hello', params: {} });
    await h.settle();
    expect(h.lines.at(-1)).toMatchObject({ id: 12, ok: false, error: { message: 'The helper is shutting down.' } });
  });

  it('answers an oversized line under its id when the id is certain', () => {
    const h = harness();
    h.server.onOversized('{"v":1,"id":42,"op":"file.remove","params":{"path":"/aaaa', 70_000);
    h.server.onInvalidText(3);
    expect(h.lines).toMatchObject([
      { id: 42, error: { code: 'HELPER_REQUEST_TOO_LARGE', kind: 'bad-input' } },
      { id: null, error: { code: 'INVALID_REQUEST' } },
    ]);
  });
});

describe('idFromHead', () => {
  it.each([
    ['{"v":1,"id":42,"op":"x"', 42],
    [' { "v" : 1 , "id" : 7 , "op"', 7],
    ['{"id":42,"v":1', null],
    ['{"v":1,"op":"x","id":42,', null],
    ['{"v":1,"id":99999999999,', null],
    ['garbage', null],
  ])('%j → %s', (head, id) => {
    expect(idFromHead(head)).toBe(id);
  });
});
