import { EngineError } from '../contract/errors';
import type { EngineError as EngineErrorValue } from '../contract/errors';
import type { JobEvent } from '../contract/events';
import { api, isMethodName } from '../contract/api';
import type { CallInput, CallOutput, MethodName } from '../contract/api';
import { cancelledCallError, EventMessage, PROTOCOL_VERSION, ReplyMessage } from './protocol';
import type { Channel } from './protocol';

/** Thrown by `RpcClient.call` when the engine answered with an error value. */
export class RemoteError extends Error {
  constructor(readonly value: EngineErrorValue) {
    super(`${value.code}: ${value.message}`);
    this.name = 'RemoteError';
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  method: MethodName;
}

export interface CallOptions {
  /**
   * Aborting it cancels the call: the engine is told (a `cancel` message) and stops the call's
   * work, and the promise rejects at once with a RemoteError carrying CANCELLED.
   */
  signal?: AbortSignal;
}

/** Whether an error is the CANCELLED answer of a call (a page that cancelled its own call ignores it). */
export function isCancelled(error: unknown): boolean {
  return error instanceof RemoteError && error.value.code === 'CANCELLED';
}

/**
 * The typed front-end side of the contract: `client.call('convert.start', {...})` with the
 * input and output types of that call. Replies are checked against the output schema, so a
 * drifting engine fails here, loudly, instead of somewhere in the UI.
 */
export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: JobEvent) => void>();
  private readonly unsubscribe: () => void;

  constructor(private readonly channel: Channel) {
    this.unsubscribe = channel.onMessage((message) => this.receive(message));
    channel.onClose?.(() => this.failAll('The connection to the engine was closed.'));
  }

  call<M extends MethodName>(method: M, input: CallInput<M>, options: CallOptions = {}): Promise<CallOutput<M>> {
    const { signal } = options;
    // Already given up on: nothing is sent, so the engine never starts the work.
    if (signal?.aborted) return Promise.reject(new RemoteError(cancelledCallError()));
    const id = this.nextId++;
    return new Promise<CallOutput<M>>((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.pending.delete(id)) return;
        try {
          this.channel.send({ v: PROTOCOL_VERSION, kind: 'cancel', id });
        } catch {
          // The channel is gone: the engine aborts the calls of a closed channel by itself.
        }
        reject(new RemoteError(cancelledCallError()));
      };
      // Every way a call ends (reply, failAll, cancel) removes both the entry and the listener,
      // so a long-lived signal (a page's) does not collect one listener per call.
      const settle = (): void => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (value) => {
          settle();
          resolve(value as CallOutput<M>);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
        method,
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.channel.send({ v: PROTOCOL_VERSION, kind: 'call', id, method, params: input });
      } catch (error) {
        this.pending.delete(id);
        settle();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Calls sent and not yet answered, failed or cancelled. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Every job event from the engine; returns an unsubscribe function. */
  onJobEvent(listener: (event: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops listening; calls still in flight fail here and are cancelled in the engine. */
  close(): void {
    this.unsubscribe();
    for (const id of this.pending.keys()) {
      try {
        this.channel.send({ v: PROTOCOL_VERSION, kind: 'cancel', id });
      } catch {
        break; // the channel is gone, and with it the engine's calls
      }
    }
    this.failAll('The client was closed.');
  }

  private receive(message: unknown): void {
    const event = EventMessage.safeParse(message);
    if (event.success) {
      for (const listener of this.listeners) listener(event.data.event);
      return;
    }
    const reply = ReplyMessage.safeParse(message);
    if (!reply.success) return; // not for us: ignore rather than crash the UI
    const pending = this.pending.get(reply.data.id);
    if (!pending) return;
    this.pending.delete(reply.data.id);
    if (!reply.data.ok) {
      pending.reject(new RemoteError(reply.data.error));
      return;
    }
    const spec = isMethodName(pending.method) ? api[pending.method] : undefined;
    const parsed = spec ? spec.output.safeParse(reply.data.value) : undefined;
    if (parsed && !parsed.success) {
      pending.reject(
        new RemoteError({
          code: 'INTERNAL',
          kind: 'failure',
          message: `The engine's answer to ${pending.method} does not match the contract.`,
          hint: 'This is a bug: please report it with the job log.',
          evidence: { details: { issues: parsed.error.issues.slice(0, 5) } },
        }),
      );
      return;
    }
    pending.resolve(parsed ? parsed.data : reply.data.value);
  }

  private failAll(message: string): void {
    const error = EngineError.parse({ code: 'INTERNAL', kind: 'failure', message, hint: 'Reconnect or restart the app.' });
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.reject(new RemoteError(error));
    }
  }
}
