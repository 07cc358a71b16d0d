// Time and turns for reading many pods: deadlines that cannot be lost, and a pool in which waiting reads make room.
import { setMaxListeners } from 'node:events';
import type { ReadProgress } from './remote.js';

/** A deadline: a signal that aborts after `ms` or when `parent` does, and what is left of it. */
export interface Deadline {
  /** Aborts when the time is up (reason: a `TimeoutError`) or when the parent aborts (its reason). */
  readonly signal: AbortSignal;
  /** Milliseconds left (0 once passed or aborted). */
  remainingMs(): number;
  /** Stops its timer and lets go of the parent; call it once done. */
  clear(): void;
}

/**
 * Starts a deadline of `ms`, inside `parent` if given. Its timer holds its signal, so it fires even when nothing else
 * refers to it (`AbortSignal.timeout` passed only inside `AbortSignal.any` can be garbage-collected before it fires).
 */
export function startDeadline(ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  // Every read under a deadline listens to it, and they are many at once by design (each removes its listener).
  setMaxListeners(0, controller.signal);
  const ends = performance.now() + ms;
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${ms / 1000} s`, 'TimeoutError')), Math.max(0, ms));
  const onParent = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    remainingMs: () => (controller.signal.aborted ? 0 : Math.max(0, ends - performance.now())),
    clear: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

/** Settles as `work` does, or rejects with the signal's reason as soon as it aborts (`work` is then left to itself). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** How `runPatiently` schedules its tasks. */
export interface PoolOptions {
  /** Tasks running at the same time while they make progress. */
  concurrency: number;
  /** A task that made little progress (see `ReadProgress`) for this long no longer holds its place: the next one starts. */
  patienceMs: number;
  /** When it aborts, no task starts any more and the pool settles at once, leaving running tasks to themselves. */
  signal: AbortSignal;
}

/** Progress at which a read is busy rather than waiting: it keeps its place in a pool (and what it holds is bounded). */
const busy = { bytes: 64 * 1024, triples: 1_000 };

/**
 * Runs the tasks `next` hands out (until it answers undefined), `concurrency` at a time. A task that has received less than
 * 64 KB and parsed less than 1,000 triples in `patienceMs` (a pod that does not answer, or trickles) makes room for one
 * more, so such pods cannot hold back the rest; a busy one keeps its place, so the work and memory of reads that do
 * arrive stay bounded by `concurrency`. Settles when every task started has settled, or at once when the signal aborts.
 * Tasks must not throw.
 */
export function runPatiently(options: PoolOptions, next: () => ((progress: ReadProgress) => Promise<void>) | undefined): Promise<void> {
  const { concurrency, patienceMs, signal } = options;
  return new Promise<void>((resolve) => {
    let holding = 0;
    let running = 0;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const fill = () => {
      while (!settled && !signal.aborted && holding < concurrency) {
        const task = next();
        if (!task) break;
        holding += 1;
        running += 1;
        const progress: ReadProgress = { bytes: 0, triples: 0 };
        let seen = { ...progress };
        let timer: NodeJS.Timeout | undefined;
        const watch = () => {
          timer = setTimeout(() => {
            const busyNow = progress.bytes - seen.bytes >= busy.bytes || progress.triples - seen.triples >= busy.triples;
            seen = { ...progress };
            if (busyNow) return watch();
            timer = undefined;
            holding -= 1;
            fill();
          }, patienceMs);
        };
        watch();
        void task(progress).catch(() => undefined).finally(() => {
          if (timer) {
            clearTimeout(timer);
            holding -= 1;
          }
          running -= 1;
          fill();
        });
      }
      if (running === 0) finish();
    };
    signal.addEventListener('abort', finish, { once: true });
    if (signal.aborted) finish();
    else fill();
  });
}
