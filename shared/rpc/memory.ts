import type { Channel } from './protocol';

/** One end of an in-memory pipe; `close()` ends both, as a dropped socket or closed window would. */
export interface MemoryChannel extends Channel {
  close(): void;
}

/**
 * Two connected in-memory channels. Messages are copied through JSON so that tests catch
 * anything that would not survive a real transport (functions, class instances, undefined
 * holes, Dates turning into strings).
 */
export function memoryChannelPair(): [MemoryChannel, MemoryChannel] {
  const handlers: [Set<(m: unknown) => void>, Set<(m: unknown) => void>] = [new Set(), new Set()];
  const closers: [Set<() => void>, Set<() => void>] = [new Set(), new Set()];
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    for (const side of closers) for (const c of [...side]) c();
  };
  const make = (self: 0 | 1): MemoryChannel => {
    const other = self === 0 ? 1 : 0;
    return {
      send(message) {
        // Like a closed socket: what is sent after the end reaches nobody.
        if (closed) return;
        const copy = JSON.parse(JSON.stringify(message)) as unknown;
        queueMicrotask(() => {
          if (closed) return;
          for (const h of handlers[other]) h(copy);
        });
      },
      onMessage(handler) {
        handlers[self].add(handler);
        return () => handlers[self].delete(handler);
      },
      onClose(handler) {
        closers[self].add(handler);
        return () => closers[self].delete(handler);
      },
      close,
    };
  };
  return [make(0), make(1)];
}
