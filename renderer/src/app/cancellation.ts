import { useEffect, useRef } from 'react';

/**
 * Cancellation of the calls a page or dialog makes (issue 14). A call given a signal is
 * cancelled in the engine when the signal aborts: its HTTP requests to vCenter stop, its tools
 * are killed. Pages use two shapes of it:
 *
 * - `Superseding`: only the newest of a kind of call matters (a folder listing, a search, the
 *   pre-flight of one VM): starting a new one cancels the one before.
 * - the page going away (`useSuperseding` in a component, or a store's own `cancel()` called
 *   from the page's unmount effect): whatever it still waits for is cancelled.
 *
 * A cancelled call rejects with a RemoteError whose code is CANCELLED (`isCancelled` in
 * shared/rpc/client): the page that cancelled it ignores it; it is not an error to show.
 */
export class Superseding {
  private current: AbortController | null = null;

  /** The signal for a new call; the previous call (if still running) is cancelled. */
  next(): AbortSignal {
    this.current?.abort();
    this.current = new AbortController();
    return this.current.signal;
  }

  /** Cancels the call in flight, if any (the page or dialog closed). */
  cancel(): void {
    this.current?.abort();
    this.current = null;
  }
}

/** Calls of one kind, one `Superseding` per key (say, per VM): a newer call cancels the older of its key only. */
export class SupersedingByKey<K> {
  private readonly byKey = new Map<K, Superseding>();

  next(key: K): AbortSignal {
    let calls = this.byKey.get(key);
    if (!calls) this.byKey.set(key, (calls = new Superseding()));
    return calls.next();
  }

  cancelAll(): void {
    for (const calls of this.byKey.values()) calls.cancel();
    this.byKey.clear();
  }
}

/** A component's `Superseding`, cancelled when the component unmounts. */
export function useSuperseding(): Superseding {
  const ref = useRef<Superseding | null>(null);
  ref.current ??= new Superseding();
  const calls = ref.current;
  useEffect(() => () => calls.cancel(), [calls]);
  return calls;
}
