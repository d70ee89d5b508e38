import { z } from 'zod';
import { EngineError, engineError } from '../contract/errors';
import { JobEvent } from '../contract/events';

/**
 * The wire protocol shared by every transport (Electron IPC, WebSocket, in-memory): plain
 * JSON messages. A call gets exactly one reply with the same id, even when it is cancelled;
 * events flow from the engine to every connected front end.
 */

export const PROTOCOL_VERSION = 1;
/** Upper bound on one message; large data (disk images) never travels over the RPC channel. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export const CallMessage = z
  .object({
    v: z.literal(PROTOCOL_VERSION),
    kind: z.literal('call'),
    id: z.number().int().nonnegative(),
    method: z.string().min(1).max(100),
    params: z.unknown(),
  })
  .strict();
export type CallMessage = z.infer<typeof CallMessage>;

/**
 * The caller no longer wants the answer to call `id`: the engine aborts that call's signal and
 * answers it with CANCELLED (`cancelledCallError`). A cancel for an id that is not in flight
 * (unknown, already answered) is ignored: its reply is already on its way or was sent.
 */
export const CancelMessage = z
  .object({
    v: z.literal(PROTOCOL_VERSION),
    kind: z.literal('cancel'),
    id: z.number().int().nonnegative(),
  })
  .strict();
export type CancelMessage = z.infer<typeof CancelMessage>;

/**
 * The answer to a call its caller cancelled, on both sides: the client rejects with it at once,
 * and the server replies with it whatever the aborted handler ended with (an aborted HTTP request
 * or a killed tool fails in its own words, which would only mislead).
 */
export function cancelledCallError(): EngineError {
  return engineError('CANCELLED', 'The call was cancelled before it finished.', 'Nothing keeps running for it; ask again when you need the answer.');
}

export const ReplyMessage = z.discriminatedUnion('ok', [
  z.object({ v: z.literal(PROTOCOL_VERSION), kind: z.literal('reply'), id: z.number().int(), ok: z.literal(true), value: z.unknown() }),
  z.object({ v: z.literal(PROTOCOL_VERSION), kind: z.literal('reply'), id: z.number().int(), ok: z.literal(false), error: EngineError }),
]);
export type ReplyMessage = z.infer<typeof ReplyMessage>;

export const EventMessage = z.object({
  v: z.literal(PROTOCOL_VERSION),
  kind: z.literal('event'),
  topic: z.literal('job'),
  event: JobEvent,
});
export type EventMessage = z.infer<typeof EventMessage>;

/** A bidirectional message pipe. Each transport provides one per connection. */
export interface Channel {
  send(message: unknown): void;
  /** Returns a function that removes the handler. */
  onMessage(handler: (message: unknown) => void): () => void;
  /** Called when the other side goes away (socket closed, window destroyed). */
  onClose?(handler: () => void): () => void;
}
