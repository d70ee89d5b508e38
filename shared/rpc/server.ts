import type { z } from 'zod';
import { engineError } from '../contract/errors';
import type { EngineError } from '../contract/errors';
import type { JobEvent } from '../contract/events';
import { api, isMethodName } from '../contract/api';
import type { ApiHandlers, CallContext } from '../contract/api';
import { CallMessage, CancelMessage, cancelledCallError, PROTOCOL_VERSION } from './protocol';
import type { Channel } from './protocol';

/** Turns anything thrown by a handler into an error value; handlers may attach one. */
export type ErrorMapper = (error: unknown) => EngineError;

export interface EventSource {
  onJobEvent(listener: (event: JobEvent) => void): () => void;
}

/**
 * The engine side of the contract on one channel: checks every message's shape, refuses
 * unknown methods, validates parameters against the call's schema (unknown fields refused),
 * runs the handler and sends exactly one reply. Events are forwarded while the channel lives.
 *
 * Each call in flight has its own AbortController, whose signal the handler gets: a `cancel`
 * message aborts it and is answered with CANCELLED at once; the channel closing (the page was
 * closed or reloaded, the socket dropped, the window went away) aborts every call still in
 * flight, since nobody is left to read their answers. The returned function does the same.
 */
export function serveChannel(
  channel: Channel,
  handlers: ApiHandlers,
  events: EventSource,
  toError: ErrorMapper,
): () => void {
  const inFlight = new Map<number, AbortController>();
  let open = true;
  // A reply to a closed channel has nobody to read it; a transport that throws then must not
  // turn a finished call into an unhandled rejection.
  const send = (message: unknown): void => {
    if (!open) return;
    try {
      channel.send(message);
    } catch {
      // the other side is gone; its close handler aborts whatever is left
    }
  };
  const stopEvents = events.onJobEvent((event) => {
    send({ v: PROTOCOL_VERSION, kind: 'event', topic: 'job', event });
  });
  const calls: CallTracker = {
    begin(id) {
      if (inFlight.has(id)) return null;
      const controller = new AbortController();
      inFlight.set(id, controller);
      return controller.signal;
    },
    end(id, signal) {
      if (inFlight.get(id)?.signal === signal) inFlight.delete(id);
    },
  };
  const stopMessages = channel.onMessage((message) => {
    const cancel = CancelMessage.safeParse(message);
    if (cancel.success) {
      const controller = inFlight.get(cancel.data.id);
      if (!controller) return;
      inFlight.delete(cancel.data.id);
      controller.abort();
      send(failure(cancel.data.id, cancelledCallError()));
      return;
    }
    // A garbled cancel must not be answered as a garbled call: that would be a second reply to
    // a call that may still be running.
    if ((message as { kind?: unknown } | null)?.kind === 'cancel') return;
    void handleCall(message, handlers, toError, calls).then((reply) => {
      if (reply) send(reply);
    });
  });
  const stop = (): void => {
    open = false;
    stopEvents();
    stopMessages();
    const left = [...inFlight.values()];
    inFlight.clear();
    for (const controller of left) controller.abort();
  };
  channel.onClose?.(stop);
  return stop;
}

/** The channel's calls in flight, by id. */
interface CallTracker {
  /** The signal of a new call, or null when a call with this id is still in flight. */
  begin(id: number): AbortSignal | null;
  end(id: number, signal: AbortSignal): void;
}

async function handleCall(message: unknown, handlers: ApiHandlers, toError: ErrorMapper, calls: CallTracker): Promise<unknown> {
  const call = CallMessage.safeParse(message);
  if (!call.success) {
    // Without a valid id there is nobody to answer; a call with a bad id is dropped.
    const id = typeof (message as { id?: unknown })?.id === 'number' ? (message as { id: number }).id : undefined;
    if (id === undefined) return undefined;
    return failure(id, engineError('INVALID_REQUEST', 'The message is not a valid call.', 'Use the client library of this version.', {
      details: { issues: summarizeIssues(call.error) },
    }));
  }
  const { id, method, params } = call.data;
  if (!isMethodName(method)) {
    return failure(id, engineError('UNKNOWN_METHOD', `There is no call named "${method}".`, 'Check the method name against the contract.'));
  }
  const parsed = api[method].input.safeParse(params ?? {});
  if (!parsed.success) {
    return failure(
      id,
      engineError('INVALID_REQUEST', `The parameters of ${method} are not valid: ${describeIssues(parsed.error)}.`, 'Fix the parameters named above.', {
        details: { issues: summarizeIssues(parsed.error) },
      }),
    );
  }
  const signal = calls.begin(id);
  // Two calls with one id could not be told apart by their replies or a cancel.
  if (!signal) return failure(id, engineError('INVALID_REQUEST', `Call ${id} is already in flight on this connection.`, 'Give each call its own id (the client library does).'));
  try {
    const handler = handlers[method] as (p: unknown, context: CallContext) => Promise<unknown>;
    const value = await handler(parsed.data, { signal });
    // A cancelled call was answered when it was cancelled (or its channel is gone).
    return signal.aborted ? undefined : { v: PROTOCOL_VERSION, kind: 'reply', id, ok: true, value };
  } catch (error) {
    return signal.aborted ? undefined : failure(id, toError(error));
  } finally {
    calls.end(id, signal);
  }
}

function failure(id: number, error: EngineError): unknown {
  return { v: PROTOCOL_VERSION, kind: 'reply', id, ok: false, error };
}

function summarizeIssues(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message }));
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
