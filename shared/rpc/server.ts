import type { z } from 'zod';
import { engineError } from '../contract/errors';
import type { EngineError } from '../contract/errors';
import type { JobEvent } from '../contract/events';
import { api, isMethodName } from '../contract/api';
import type { ApiHandlers } from '../contract/api';
import { CallMessage, PROTOCOL_VERSION } from './protocol';
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
 */
export function serveChannel(
  channel: Channel,
  handlers: ApiHandlers,
  events: EventSource,
  toError: ErrorMapper,
): () => void {
  const stopEvents = events.onJobEvent((event) => {
    channel.send({ v: PROTOCOL_VERSION, kind: 'event', topic: 'job', event });
  });
  const stopMessages = channel.onMessage((message) => {
    void handleCall(message, handlers, toError).then((reply) => {
      if (reply) channel.send(reply);
    });
  });
  const stop = (): void => {
    stopEvents();
    stopMessages();
  };
  channel.onClose?.(stop);
  return stop;
}

async function handleCall(message: unknown, handlers: ApiHandlers, toError: ErrorMapper): Promise<unknown> {
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
  try {
    const handler = handlers[method] as (p: unknown) => Promise<unknown>;
    const value = await handler(parsed.data);
    return { v: PROTOCOL_VERSION, kind: 'reply', id, ok: true, value };
  } catch (error) {
    return failure(id, toError(error));
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
