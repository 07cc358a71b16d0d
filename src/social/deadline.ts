import { NetworkError } from '../errors.js';

/**
 * An overall deadline shared by many reads (a whole look at the inbox). Its timer signal is held here, not only inside
 * `AbortSignal.any` (which holds its sources weakly: a timer signal nobody else references may be collected before it
 * fires), so keep the Deadline itself for as long as the work it bounds.
 */
export class Deadline {
  /** Aborts when the deadline passes, or when `outer` aborts. */
  readonly signal: AbortSignal;
  private readonly timer: AbortSignal;
  private readonly outer: AbortSignal | undefined;
  private readonly end: number;

  constructor(/** Its length, in milliseconds. */ readonly ms: number, outer?: AbortSignal) {
    this.timer = AbortSignal.timeout(Math.max(0, ms));
    this.outer = outer;
    this.signal = outer ? AbortSignal.any([this.timer, outer]) : this.timer;
    this.end = Date.now() + ms;
  }

  /** Whether it has passed (or the outer signal aborted). */
  get passed(): boolean {
    return this.signal.aborted || this.timer.aborted || Boolean(this.outer?.aborted) || Date.now() >= this.end;
  }

  /** Milliseconds left, never negative. */
  remaining(): number {
    return Math.max(0, this.end - Date.now());
  }

  /** A shorter deadline inside this one, for one phase of the work: at most `ms` from now. */
  within(ms: number): Deadline {
    return new Deadline(Math.min(ms, this.remaining()), this.signal);
  }
}

/**
 * Servers that gave no answer during one run: after a read of one of them failed slowly (no answer for `slowMs`, short of
 * the deadline), further reads from the same origin fail at once, so a slow or silent server costs one timeout per run,
 * not one per claim naming it. Quick failures (refused, reset) mark nothing: they cost little, and may be passing.
 */
export class SilentOrigins {
  private readonly failed = new Map<string, string>();

  constructor(private readonly slowMs: number) {}

  /** Runs `read` unless `url`'s origin already failed slowly in this run; a slow network failure not due to `deadline` marks it. */
  async guard<T>(url: string, deadline: Deadline, read: () => Promise<T>): Promise<T> {
    const origin = originOf(url);
    if (origin && this.failed.has(origin)) {
      throw new NetworkError(url, new Error(`${origin} gave no answer earlier in this run (${this.failed.get(origin)})`));
    }
    const start = Date.now();
    try {
      return await read();
    } catch (error: unknown) {
      if (origin && error instanceof NetworkError && !deadline.passed && Date.now() - start >= this.slowMs) this.failed.set(origin, causeOf(error));
      throw error;
    }
  }
}

/**
 * Runs `task` over `items`, at most `limit` at a time and at most `perKey` at a time for one key (an origin), in the
 * order given: one slow server can hold at most `perKey` of the slots, the others keep going. Answers results in order.
 */
export async function mapFair<T, R>(items: readonly T[], keyOf: (item: T) => string, limit: number, perKey: number,
  task: (item: T) => Promise<R>): Promise<R[]> {
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
        task(items[index]!).then((result) => { results[index] = result; }).then(() => {
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

/** The origin of an http(s) URL, or undefined. */
export function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

function causeOf(error: NetworkError): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : error.message;
}
