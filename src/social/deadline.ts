// Time and turns for reading many pods: deadlines that cannot be lost, servers that gave no answer, and pools.
import { NetworkError, ignoreFailure } from '../errors.js';
import type { ReadProgress } from './remote.js';

/**
 * A deadline: a signal that aborts after `ms` (reason: a `TimeoutError`) or when `parent` does (its reason), and what
 * is left of it. Its own timer holds its signal, so it fires even when nothing else refers to it (an
 * `AbortSignal.timeout` passed only inside `AbortSignal.any` can be garbage-collected before it fires). Call `clear()`
 * once the work it bounds is done: it stops the timer (which would keep the process alive until it fires) and lets go
 * of the parent.
 */
export class Deadline {
  /** Aborts when the time is up or when the parent aborts. */
  readonly signal: AbortSignal;
  private readonly ends: number;
  private readonly timer: NodeJS.Timeout;
  private readonly onParent: () => void;

  constructor(
    /** Its length, in milliseconds. */ readonly ms: number,
    private readonly parent?: AbortSignal,
  ) {
    const controller = new AbortController();
    // Every read under a deadline listens to it, and they are many at once by design (each removes its listener).
    unlimitedListeners(controller.signal);
    this.signal = controller.signal;
    this.ends = performance.now() + ms;
    this.timer = setTimeout(
      () => controller.abort(new DOMException(`no answer within ${ms / 1000} s`, 'TimeoutError')),
      Math.max(0, ms),
    );
    this.onParent = () => controller.abort(parent?.reason);
    if (parent?.aborted) this.onParent();
    else parent?.addEventListener('abort', this.onParent, { once: true });
  }

  /** Whether it has passed (or the parent aborted), even if its timer has not fired yet. */
  get passed(): boolean {
    return this.remainingMs() === 0;
  }

  /** Milliseconds left (0 once passed or aborted). */
  remainingMs(): number {
    return this.signal.aborted ? 0 : Math.max(0, this.ends - performance.now());
  }

  /** A shorter deadline inside this one, for one phase of the work: at most `ms` from now (clear it too). */
  within(ms: number): Deadline {
    return new Deadline(Math.min(ms, this.remainingMs()), this.signal);
  }

  /** Stops its timer and lets go of the parent; call it once done. */
  clear(): void {
    clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this.onParent);
  }
}

/** Node's `events` module when running in Node (≥ 20.16), found at run time: a browser bundle must not import it. */
const nodeEvents = (
  globalThis as { process?: { getBuiltinModule?: (id: 'node:events') => typeof import('node:events') } }
).process?.getBuiltinModule?.('node:events');

/**
 * Lets any number of listeners wait on `signal` without Node's MaxListenersExceededWarning (past 10). Browsers warn
 * about nothing: there it does nothing.
 */
function unlimitedListeners(signal: AbortSignal): void {
  nodeEvents?.setMaxListeners(0, signal);
}

/** Settles as `work` does, or rejects with the signal's reason as soon as it aborts (`work` is then left to itself). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    // The work is abandoned: how it ends no longer matters, but its rejection must not go unhandled.
    ignoreFailure(work);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Servers that gave no answer during one run: after a read of one of them failed slowly (no answer for `slowMs`, short
 * of
 * the deadline), further reads from the same origin fail at once, so a slow or silent server costs one timeout per run,
 * not one per claim naming it. Quick failures (refused, reset) mark nothing: they cost little, and may be passing.
 */
export class SilentOrigins {
  private readonly failed = new Map<string, string>();

  constructor(private readonly slowMs: number) {}

  /**
   * Runs `read` unless `url`'s origin already failed slowly in this run; a slow network failure not due to `deadline`
   * marks it.
   */
  async guard<T>(url: string, deadline: Deadline, read: () => Promise<T>): Promise<T> {
    const origin = originOf(url);
    if (origin && this.failed.has(origin)) {
      throw new NetworkError(
        url,
        new Error(`${origin} gave no answer earlier in this run (${this.failed.get(origin)})`),
      );
    }
    const start = Date.now();
    try {
      return await read();
    } catch (error: unknown) {
      if (origin && error instanceof NetworkError && !deadline.passed && Date.now() - start >= this.slowMs)
        this.failed.set(origin, causeOf(error));
      throw error;
    }
  }
}

/**
 * Runs `task` over `items`, at most `limit` at a time and at most `perKey` at a time for one key (an origin), in the
 * order given: one slow server can hold at most `perKey` of the slots, the others keep going. Answers results in order.
 */
export async function mapFair<T, R>(
  items: readonly T[],
  keyOf: (item: T) => string,
  limit: number,
  perKey: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const pending = items.map((_, index) => index);
  const running = new Map<string, number>();
  let active = 0;
  let done = 0;
  return new Promise<R[]>((resolve, reject) => {
    const pump = (): void => {
      if (done === items.length) return resolve(results);
      for (let i = 0; i < pending.length && active < limit;) {
        const index = pending[i]!;
        const key = keyOf(items[index]!);
        if ((running.get(key) ?? 0) >= perKey) {
          i += 1;
          continue;
        }
        pending.splice(i, 1);
        active += 1;
        running.set(key, (running.get(key) ?? 0) + 1);
        task(items[index]!)
          .then((result) => {
            results[index] = result;
          })
          .then(() => {
            active -= 1;
            running.set(key, running.get(key)! - 1);
            done += 1;
            pump();
          }, reject);
      }
    };
    pump();
  });
}

/**
 * Tasks handed in one by one (as a stream yields them), at most `limit` running at a time and their weights (e.g.
 * triples held in memory) within `budget` together; a task heavier than the budget runs alone. A task may wait for the
 * one started under another key. The first failure is kept: `start` and `drain` throw it, and nothing starts after it.
 */
export class TaskPool {
  private readonly running = new Map<string, Promise<void>>();
  private weight = 0;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly limit: number,
    private readonly budget = Infinity,
  ) {}

  /**
   * Waits for room, then starts `task` under `key` (after the task running under `after`, if any, has settled) and
   * returns without waiting for it. Throws the first failure of the tasks started before, instead of starting.
   */
  async start(
    key: string,
    task: () => Promise<void>,
    options: { after?: string; weight?: number } = {},
  ): Promise<void> {
    const weight = options.weight ?? 0;
    while (this.running.size >= this.limit || (this.weight > 0 && this.weight + weight > this.budget)) {
      await Promise.race(this.running.values());
    }
    this.check();
    const before = options.after ? this.running.get(options.after) : undefined;
    this.weight += weight;
    // Never rejects: the failure is kept for `check`, so tasks waiting on this one still run their course.
    const run = (async () => {
      if (before) await before;
      await task();
    })()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.weight -= weight;
        this.running.delete(key);
      });
    this.running.set(key, run);
  }

  /** Throws the first failure of a task, if one failed. */
  check(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Waits for every task started, then throws the first failure, if any. */
  async drain(): Promise<void> {
    await Promise.all(this.running.values());
    this.check();
  }

  /** Waits for every task started, whatever became of them (before cleaning up after a failure). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.running.values());
  }
}

/** How `runPatiently` schedules its tasks. */
export interface PoolOptions {
  /** Tasks running at the same time while they make progress. */
  concurrency: number;
  /**
   * A task that made little progress (see `ReadProgress`) for this long no longer holds its place: the next one starts.
   */
  patienceMs: number;
  /** When it aborts, no task starts any more and the pool settles at once, leaving running tasks to themselves. */
  signal: AbortSignal;
}

/**
 * Progress at which a read is busy rather than waiting: it keeps its place in a pool (and what it holds is bounded).
 */
const busy = { bytes: 64 * 1024, triples: 1_000 };

/**
 * Runs the tasks `next` hands out (until it answers undefined), `concurrency` at a time. A task that has received less
 * than
 * 64 KB and parsed less than 1,000 triples in `patienceMs` (a pod that does not answer, or trickles) makes room for one
 * more, so such pods cannot hold back the rest; a busy one keeps its place, so the work and memory of reads that do
 * arrive stay bounded by `concurrency`. Settles when every task started has settled, or at once when the signal aborts.
 * Tasks report their own failures: one that throws is a bug, and rejects the pool (no task starts after it).
 */
export function runPatiently(
  options: PoolOptions,
  next: () => ((progress: ReadProgress) => Promise<void>) | undefined,
): Promise<void> {
  const { concurrency, patienceMs, signal } = options;
  return new Promise<void>((resolve, reject) => {
    let holding = 0;
    let running = 0;
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = () => finish();
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
            const busyNow =
              progress.bytes - seen.bytes >= busy.bytes || progress.triples - seen.triples >= busy.triples;
            seen = { ...progress };
            if (busyNow) return watch();
            timer = undefined;
            holding -= 1;
            fill();
          }, patienceMs);
        };
        watch();
        void task(progress)
          .then(
            () => undefined,
            (error: unknown) => finish(error ?? new Error('a pool task failed')),
          )
          .finally(() => {
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
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) finish();
    else fill();
  });
}

/** The origin of an http(s) URL, or undefined. */
export function originOf(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
}

function causeOf(error: NetworkError): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : error.message;
}
