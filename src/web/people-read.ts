// One read of People (whom the owner follows, their followers, their notifications): its value, kept while it is read
// again, or why it failed, and a count of reads finished (`data-reads`, for tests to wait on).
import { useCallback, useEffect, useState } from 'preact/hooks';
import { reason } from './session.js';

/** What a read shows: its value once read (kept while it is read again), or why it failed. */
export interface Read<T> {
  value?: T;
  error?: string;
  loading: boolean;
  /** Reads finished, read or failed. */
  reads: number;
}

/** A read and what changes it: `reload` reads again, `update` changes the value read (after a follow, say). */
export interface Reading<T> extends Read<T> {
  reload(): void;
  update(change: (value: T) => T): void;
}

/** Runs `load` (memoised by its caller) now and on every `reload`; a newer read wins over an older one. */
export function useRead<T>(load: () => Promise<T>): Reading<T> {
  const [read, setRead] = useState<Read<T>>({ loading: true, reads: 0 });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setRead((last) => ({ ...last, loading: true }));
    load().then(
      (value) => current && setRead((last) => ({ value, loading: false, reads: last.reads + 1 })),
      (error: unknown) =>
        current && setRead((last) => ({ error: reason(error), loading: false, reads: last.reads + 1 })),
    );
    return () => {
      current = false;
    };
  }, [load, round]);
  const reload = useCallback(() => setRound((count) => count + 1), []);
  const update = useCallback(
    (change: (value: T) => T) =>
      setRead((last) => (last.value === undefined ? last : { ...last, value: change(last.value) })),
    [],
  );
  return { ...read, reload, update };
}
