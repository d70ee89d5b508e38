import type { Channel } from './protocol';

/**
 * Two connected in-memory channels. Messages are copied through JSON so that tests catch
 * anything that would not survive a real transport (functions, class instances, undefined
 * holes, Dates turning into strings).
 */
export function memoryChannelPair(): [Channel, Channel] {
  const handlers: [Set<(m: unknown) => void>, Set<(m: unknown) => void>] = [new Set(), new Set()];
  const closers: [Set<() => void>, Set<() => void>] = [new Set(), new Set()];
  const make = (self: 0 | 1): Channel => {
    const other = self === 0 ? 1 : 0;
    return {
      send(message) {
        const copy = JSON.parse(JSON.stringify(message)) as unknown;
        queueMicrotask(() => {
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
    };
  };
  return [make(0), make(1)];
}
