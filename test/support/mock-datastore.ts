import type { MockAgent } from 'undici';

/**
 * A datastore file served by undici's MockAgent at its /folder URL, for the unit tests of the
 * /folder client and its callers: each request's Range and cookie are recorded, and `respond`
 * picks the answer (or an error to throw, which undici reports as a failed request).
 */

export interface DatastoreReply {
  statusCode: number;
  data?: string | Buffer;
  headers?: Record<string, string>;
}

export interface SeenRequest {
  range?: string;
  cookie?: string;
}

/** `n` counts requests from 1. */
export type DatastoreResponder = (range: string | undefined, n: number) => DatastoreReply | Error;

export function serveDatastoreFile(agent: MockAgent, origin: string, path: string, respond: DatastoreResponder): SeenRequest[] {
  const seen: SeenRequest[] = [];
  agent
    .get(origin)
    .intercept({ path, method: 'GET' })
    .reply((options) => {
      const headers = (options.headers ?? {}) as Record<string, string>;
      seen.push({ range: headers.range, cookie: headers.cookie });
      const reply = respond(headers.range, seen.length);
      if (reply instanceof Error) throw reply;
      return { statusCode: reply.statusCode, data: reply.data ?? '', responseOptions: { headers: reply.headers ?? {} } };
    })
    .persist();
  return seen;
}

/** A responder that answers the n-th request with the n-th reply, and with the last one from then on. */
export function inTurn(...replies: (DatastoreReply | Error)[]): DatastoreResponder {
  return (_range, n) => replies[Math.min(n, replies.length) - 1]!;
}
