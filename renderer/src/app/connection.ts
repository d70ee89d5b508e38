import type { CallInput, CallOutput, MethodName } from '../../../shared/contract/api';
import type { JobEvent } from '../../../shared/contract/events';
import { RemoteError, RpcClient } from '../../../shared/rpc/client';
import type { CallOptions } from '../../../shared/rpc/client';
import type { Channel } from '../../../shared/rpc/protocol';
import { websocketChannel } from '../../../shared/rpc/websocket';
import type { WebSocketLike } from '../../../shared/rpc/websocket';
import { disconnectedError } from './errors';

/**
 * The wizard's one link to the engine. Over Electron IPC the channel lives as long as the
 * window; over the loopback WebSocket the socket can drop (the bridge restarted, the laptop
 * slept), so this reconnects by itself, tells the UI what is going on, and lets features catch
 * up (a running job's events are fetched again with `jobs.get`).
 *
 * Kept free of DOM types so that it runs under Node in the unit tests, against a real
 * WebSocket server.
 */

/** A WebSocket as the link uses it: the browser's, or the `ws` package's in the unit tests. */
export type SocketLike = WebSocketLike & {
  close(): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
};

export type SocketFactory = () => SocketLike;

export type ConnectionState =
  /** First attempt, nothing shown yet. */
  | 'connecting'
  | 'open'
  /** The link dropped (or never came up) and we are retrying. */
  | 'reconnecting'
  /** Nothing to connect with: no token in this tab. */
  | 'unavailable';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Failed attempts since the link was last up. */
  failures: number;
  /** When the next attempt starts (ms since epoch), while reconnecting. */
  nextAttemptAt: number | null;
}

export interface EngineLink {
  /** `options.signal` cancels the call, in the engine too (see app/cancellation.ts). */
  call<M extends MethodName>(method: M, input: CallInput<M>, options?: CallOptions): Promise<CallOutput<M>>;
  onJobEvent(listener: (event: JobEvent) => void): () => void;
  /** Called each time the link is up again after a drop (not on the first connection). */
  onReconnect(listener: () => void): () => void;
}

/** Delays between attempts: quick at first (a bridge restart), then every few seconds. */
export const RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000];

export function retryDelay(failures: number, delays: readonly number[] = RETRY_DELAYS_MS): number {
  return delays[Math.min(Math.max(failures - 1, 0), delays.length - 1)] ?? 1000;
}

export interface TimerApi {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const globalTimers: TimerApi = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

class LinkBase implements EngineLink {
  protected client: RpcClient | null = null;
  protected readonly eventListeners = new Set<(event: JobEvent) => void>();
  protected readonly reconnectListeners = new Set<() => void>();
  protected readonly statusListeners = new Set<(status: ConnectionStatus) => void>();
  protected current: ConnectionStatus = { state: 'connecting', failures: 0, nextAttemptAt: null };

  get status(): ConnectionStatus {
    return this.current;
  }

  call<M extends MethodName>(method: M, input: CallInput<M>, options?: CallOptions): Promise<CallOutput<M>> {
    if (!this.client) return Promise.reject(new RemoteError(disconnectedError()));
    return this.client.call(method, input, options);
  }

  onJobEvent(listener: (event: JobEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  protected setStatus(status: ConnectionStatus): void {
    this.current = status;
    for (const listener of this.statusListeners) listener(status);
  }

  protected adopt(channel: Channel): void {
    const client = new RpcClient(channel);
    client.onJobEvent((event) => {
      for (const listener of this.eventListeners) listener(event);
    });
    this.client = client;
  }
}

/** Electron IPC (or any channel that lives as long as the page): no reconnection needed. */
export class FixedLink extends LinkBase {
  constructor(channel: Channel) {
    super();
    this.adopt(channel);
    this.current = { state: 'open', failures: 0, nextAttemptAt: null };
  }
}

/** A link that cannot be made: the page was opened without the bridge's token. */
export class UnavailableLink extends LinkBase {
  constructor() {
    super();
    this.current = { state: 'unavailable', failures: 0, nextAttemptAt: null };
  }
}

export interface ReconnectingOptions {
  delays?: readonly number[];
  timers?: TimerApi;
  now?: () => number;
}

/** The WebSocket link: connects, and after every drop tries again until `close()`. */
export class ReconnectingLink extends LinkBase {
  private everOpened = false;
  private closed = false;
  private timer: unknown = null;
  private socket: SocketLike | null = null;
  private readonly delays: readonly number[];
  private readonly timers: TimerApi;
  private readonly now: () => number;

  constructor(
    private readonly openSocket: SocketFactory,
    options: ReconnectingOptions = {},
  ) {
    super();
    this.delays = options.delays ?? RETRY_DELAYS_MS;
    this.timers = options.timers ?? globalTimers;
    this.now = options.now ?? (() => Date.now());
    this.attempt();
  }

  /** Stops for good (tests, page unload). */
  close(): void {
    this.closed = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.client?.close();
    this.client = null;
    this.socket?.close();
    this.socket = null;
  }

  private attempt(): void {
    if (this.closed) return;
    this.timer = null;
    let socket: SocketLike;
    try {
      socket = this.openSocket();
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    let opened = false;
    let ended = false;
    socket.addEventListener('open', () => {
      if (this.closed) return socket.close();
      opened = true;
      this.adopt(websocketChannel(socket));
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.setStatus({ state: 'open', failures: 0, nextAttemptAt: null });
      if (reconnected) for (const listener of this.reconnectListeners) listener();
    });
    // A failed attempt reports "error" and then "close"; the retry is scheduled on close.
    socket.addEventListener('error', () => undefined);
    socket.addEventListener('close', () => {
      if (ended) return;
      ended = true;
      if (opened) this.client = null; // the RpcClient already failed its pending calls
      if (this.socket === socket) this.socket = null;
      if (!this.closed) this.scheduleRetry();
    });
  }

  private scheduleRetry(): void {
    const failures = this.current.state === 'open' ? 1 : this.current.failures + 1;
    const delay = retryDelay(failures, this.delays);
    this.setStatus({ state: 'reconnecting', failures, nextAttemptAt: this.now() + delay });
    this.timer = this.timers.setTimeout(() => this.attempt(), delay);
  }
}
