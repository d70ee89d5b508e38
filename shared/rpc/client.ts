import { EngineError } from '../contract/errors';
import type { EngineError as EngineErrorValue } from '../contract/errors';
import type { JobEvent } from '../contract/events';
import { api, isMethodName } from '../contract/api';
import type { CallInput, CallOutput, MethodName } from '../contract/api';
import { EventMessage, PROTOCOL_VERSION, ReplyMessage } from './protocol';
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
  reject(error: unknown): void;
  method: MethodName;
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

  call<M extends MethodName>(method: M, input: CallInput<M>): Promise<CallOutput<M>> {
    const id = this.nextId++;
    return new Promise<CallOutput<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve, reject, method });
      try {
        this.channel.send({ v: PROTOCOL_VERSION, kind: 'call', id, method, params: input });
      } catch (error) {
        this.pending.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Every job event from the engine; returns an unsubscribe function. */
  onJobEvent(listener: (event: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.unsubscribe();
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
