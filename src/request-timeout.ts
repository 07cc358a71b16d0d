import { NetworkError, ignoreFailure } from './errors.js';
import { utf8Length } from './text.js';

/** Time one request to one's own pod server may take before Hearth gives up, unless told otherwise: 30 s. */
export const defaultRequestTimeoutMs = 30_000;

let processDefaultMs = defaultRequestTimeoutMs;

/**
 * Sets the time limit used when a caller gives none (the CLI's `--timeout`), for this process; answers the previous
 * one. The library itself never reads it from anywhere: only this call changes it.
 */
export function setDefaultRequestTimeout(ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0)
    throw new RangeError(`A request time limit must be a positive number of ms, not ${String(ms)}.`);
  const previous = processDefaultMs;
  processDefaultMs = ms;
  return previous;
}

/** The time limit in force: `explicit` when given, else the process default (30 s unless set). */
export function requestTimeoutMs(explicit?: number): number {
  return explicit !== undefined && Number.isFinite(explicit) && explicit > 0 ? explicit : processDefaultMs;
}

/** A server gave no answer within the time limit (it may have taken the connection, and then said nothing). */
export class NoAnswerError extends NetworkError {
  /** The server that did not answer. */
  readonly server: string;
  /** How long it was given, in ms. */
  readonly timeoutMs: number;
  constructor(server: string, timeoutMs: number, what = 'a request') {
    super(server, new Error(`no answer within ${seconds(timeoutMs)}`));
    this.server = server;
    this.timeoutMs = timeoutMs;
    this.message =
      `${server} did not answer ${what} within ${seconds(timeoutMs)}: is the server overloaded or stuck? ` +
      'Try again later, or allow more time with --timeout SECONDS.';
  }
}

/**
 * Runs `work` with a time limit: it gets a signal that aborts after `timeoutMs` or when `callerSignal` does, and the
 * answer is a {@link NoAnswerError} once the time is up, even if `work` ignores the signal. The caller's own abort
 * stays the caller's (its reason is thrown as it is). The timer is held here, not only inside `AbortSignal.any`.
 */
export async function withinTimeLimit<T>(
  server: string,
  timeoutMs: number,
  callerSignal: AbortSignal | null | undefined,
  work: (signal: AbortSignal) => Promise<T>,
  what?: string,
): Promise<T> {
  const timer = new AbortController();
  const signal = callerSignal ? AbortSignal.any([callerSignal, timer.signal]) : timer.signal;
  let onTimeout: () => void = () => undefined;
  const timedOut = new Promise<never>((_, reject) => {
    onTimeout = () => reject(new NoAnswerError(server, timeoutMs, what));
  });
  const handle = setTimeout(() => {
    timer.abort(new DOMException(`no answer within ${seconds(timeoutMs)}`, 'TimeoutError'));
    onTimeout();
  }, timeoutMs);
  // The race below handles it (it only rejects when the timer fires, which is cleared once the race is over); marked
  // anyway, so that it can never become an unhandled rejection.
  ignoreFailure(timedOut);
  try {
    return await Promise.race([work(signal), timedOut]);
  } catch (error: unknown) {
    if (timer.signal.aborted && !callerSignal?.aborted) throw new NoAnswerError(server, timeoutMs, what);
    throw error;
  } finally {
    clearTimeout(handle);
  }
}

/** Time added to a request's limit for the body it sends: 1 ms per KiB (a 1 GiB upload gets about 17 minutes more). */
export const uploadAllowanceMsPerKiB = 1;

/**
 * `fetchFn` with a time limit on every request, until the answer's status and headers arrive (a body, such as a
 * notification stream or a large file, is then the caller's to read); a request that sends a large body gets time to
 * send it on top (`uploadAllowanceMsPerKiB`). The {@link NoAnswerError} names the server asked. A caller's `signal`
 * still works beside it.
 */
export function withRequestTimeout(fetchFn: typeof fetch, timeoutMs?: number): typeof fetch {
  return (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const callerSignal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    const url = input instanceof Request ? input.url : String(input);
    const { origin, path } = partsOf(url);
    const limit = requestTimeoutMs(timeoutMs) + Math.ceil((sizeOf(init?.body) / 1024) * uploadAllowanceMsPerKiB);
    return withinTimeLimit(
      origin,
      limit,
      callerSignal,
      (signal) => fetchFn(input, { ...init, signal }),
      `${init?.method ?? (input instanceof Request ? input.method : 'GET')} ${path}`,
    );
  }) as typeof fetch;
}

/** The size in bytes of a request body whose size is known (0 for none, streams and forms). */
function sizeOf(body: RequestInit['body']): number {
  if (typeof body === 'string') return utf8Length(body);
  if (body instanceof Blob) return body.size;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return body.byteLength;
  return 0;
}

/** `https://host:port/` and the path of a URL (the URL as it is when it is not one). */
function partsOf(url: string): { origin: string; path: string } {
  try {
    const parsed = new URL(url);
    return { origin: `${parsed.origin}/`, path: parsed.pathname };
  } catch (error: unknown) {
    if (!(error instanceof TypeError)) throw error;
    return { origin: url, path: url };
  }
}

function seconds(ms: number): string {
  const value = ms / 1000;
  return `${Number.isInteger(value) ? value : value.toFixed(1)} s`;
}
