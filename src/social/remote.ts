import type { Quad } from 'n3';
import {
  ForbiddenError,
  HearthError,
  HttpError,
  InvalidInputError,
  NetworkError,
  NotFoundError,
  ignoreFailure,
} from '../errors.js';
import { carriesCredentials } from '../auth/credentialed.js';
import { BadDataError, BoundedTurtleParser, defaultMaxTriples, nextTurn } from '../rdf.js';
import { Deadline, untilAborted } from './deadline.js';

/** Bounds on every read of data from a pod: other people's pods are untrusted. */
export interface ReadLimits {
  /** Largest body read, in bytes (default 5 MB): the read is aborted past it. */
  maxBytes?: number;
  /** Time allowed for one request: headers, body and its parse (default 5 s). */
  timeoutMs?: number;
  /** Redirects followed by hand (default 3); never any with a session's fetch, which carries credentials. */
  maxRedirects?: number;
  /**
   * Most triples parsed from one document (default 100,000, more in proportion when `maxBytes` is raised above 5 MB):
   * the parse stops there, so dense Turtle cannot expand into gigabytes.
   */
  maxTriples?: number;
  /** An overall deadline shared by many reads (e.g. a whole timeline). */
  signal?: AbortSignal;
  /** Counters the reads add to as they go, so that a scheduler can tell a read that waits from one that works. */
  progress?: ReadProgress;
}

/** What reads have received and parsed so far. */
export interface ReadProgress {
  /** Bytes of bodies received. */
  bytes: number;
  /** Triples parsed. */
  triples: number;
}

/** The default bounds of remote reads. */
export const defaultReadLimits = { maxBytes: 5 * 1024 * 1024, timeoutMs: 5_000, maxRedirects: 3 } as const;

/** A document read within bounds. */
export interface RemoteDocument {
  /** The URL that answered, after redirects. */
  url: string;
  /** Its body as text. */
  text: string;
  /** Its media type, without parameters. */
  contentType: string;
  /** Its ETag, if any. */
  etag?: string;
}

/** An RDF document read within bounds. */
export interface RemoteRdf {
  /** The URL that answered, after redirects (also the base of its relative IRIs). */
  url: string;
  /** Its triples. */
  quads: Quad[];
  /** Its ETag, if any. */
  etag?: string;
}

const rdfTypes = new Set([
  'text/turtle',
  'application/n-triples',
  'text/n3',
  'application/trig',
  'application/n-quads',
]);

/**
 * Reads `url` with `fetchFn`, bounded in size, time and redirects; HTTP failures become typed errors. Redirects are
 * followed by hand only for reads without credentials: with a session's fetch a redirect is an error.
 */
export async function readBounded(
  fetchFn: typeof fetch,
  url: string,
  limits: ReadLimits = {},
  accept = 'text/turtle',
): Promise<RemoteDocument> {
  return openBounded(fetchFn, url, limits, accept, async (opened) => {
    const parts: string[] = [];
    await readBody(opened, (text) => {
      parts.push(text);
    });
    return {
      url: opened.url,
      text: parts.join(''),
      contentType: opened.contentType,
      ...(opened.etag ? { etag: opened.etag } : {}),
    };
  });
}

/** Reads `url` as bytes (an image, say), bounded in size, time and redirects exactly as `readBounded`. */
export async function readBoundedBytes(
  fetchFn: typeof fetch,
  url: string,
  limits: ReadLimits = {},
  accept = '*/*',
): Promise<{ url: string; data: Uint8Array; contentType: string }> {
  return openBounded(fetchFn, url, limits, accept, async (opened) => {
    const parts: Uint8Array[] = [];
    await readChunks(opened, (chunk) => {
      parts.push(chunk);
    });
    const data = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
    let offset = 0;
    for (const part of parts) {
      data.set(part, offset);
      offset += part.byteLength;
    }
    return { url: opened.url, data, contentType: opened.contentType };
  });
}

/**
 * Reads an RDF document within bounds, parsing it as it arrives: the read stops at `maxTriples` (so dense Turtle is not
 * even downloaded past it), and the parse yields to the event loop between pieces. A non-RDF content type, unparsable
 * data
 * or too many triples throw BadDataError.
 */
export async function readRdf(fetchFn: typeof fetch, url: string, limits: ReadLimits = {}): Promise<RemoteRdf> {
  const maxBytes = limits.maxBytes ?? defaultReadLimits.maxBytes;
  const maxTriples =
    limits.maxTriples ??
    Math.max(defaultMaxTriples, Math.floor(defaultMaxTriples * (maxBytes / defaultReadLimits.maxBytes)));
  return openBounded(fetchFn, url, limits, 'text/turtle', async (opened) => {
    if (!rdfTypes.has(opened.contentType)) {
      cancel(opened.response);
      throw new BadDataError(opened.url, `${opened.url} is not RDF (${opened.contentType || 'no content type'})`);
    }
    const parser = new BoundedTurtleParser(opened.url, maxTriples);
    await readBody(opened, async (text) => {
      for (let start = 0; start < text.length; start += parseSlice) {
        const before = parser.size;
        parser.write(text.slice(start, start + parseSlice));
        if (opened.progress) opened.progress.triples += parser.size - before;
        await nextTurn();
      }
    });
    return { url: opened.url, quads: parser.end(), ...(opened.etag ? { etag: opened.etag } : {}) };
  });
}

/** Characters parsed between two turns of the event loop. */
const parseSlice = 64 * 1024;

/** A response that passed the checks of `openBounded`, and the signal that ends the time of its request. */
interface Opened {
  url: string;
  response: Response;
  contentType: string;
  etag?: string;
  maxBytes: number;
  signal: AbortSignal;
  progress?: ReadProgress;
}

/**
 * Requests `url` within `limits` (redirects by hand, status and declared size checked), then lets `consume` read the
 * body, all within the request's time. Failures become typed errors.
 */
async function openBounded<T>(
  fetchFn: typeof fetch,
  url: string,
  limits: ReadLimits,
  accept: string,
  consume: (opened: Opened) => Promise<T>,
): Promise<T> {
  const maxBytes = limits.maxBytes ?? defaultReadLimits.maxBytes;
  const timeoutMs = limits.timeoutMs ?? defaultReadLimits.timeoutMs;
  const maxRedirects = limits.maxRedirects ?? defaultReadLimits.maxRedirects;
  let current = checkUrl(url);
  // Set after a browser's opaque redirect (it hides where it points): the next request lets the browser follow it.
  let follow = false;
  for (let hop = 0; ; hop += 1) {
    const timeout = new Deadline(timeoutMs, limits.signal);
    const { signal } = timeout;
    try {
      let response: Response;
      try {
        // Raced with the signal too: a fetch that ignores it still cannot hold the read past its time.
        response = await untilAborted(
          fetchFn(current, { headers: { accept }, redirect: follow ? 'follow' : 'manual', signal }),
          signal,
        );
      } catch (error: unknown) {
        throw networkError(current, error, limits.signal, timeoutMs);
      }
      if (follow && response.url) {
        // The browser followed the redirects (at most 20, CORS checked at each): where they ended is checked as any.
        try {
          current = checkUrl(response.url);
        } catch (error: unknown) {
          cancel(response);
          throw error;
        }
      }
      if (isRedirect(response)) {
        cancel(response);
        if (carriesCredentials(fetchFn)) {
          throw new BadDataError(
            current,
            `${current} redirects elsewhere, and a request with your credentials never follows a redirect`,
          );
        }
        if (maxRedirects === 0)
          throw new BadDataError(url, `${url} redirects elsewhere, and is only taken from where it is`);
        if (hop >= maxRedirects) throw new BadDataError(url, `${url} redirects more than ${maxRedirects} times`);
        const location = response.headers.get('location');
        if (location) current = checkUrl(new URL(location, current).href);
        else follow = true;
        continue;
      }
      if (!response.ok) {
        cancel(response);
        throw statusError(response.status, current);
      }
      const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      const declared = Number(response.headers.get('content-length') ?? '0');
      if (declared > maxBytes) {
        cancel(response);
        throw new BadDataError(current, `${current} is too large (${declared} bytes, at most ${maxBytes} are read)`);
      }
      const etag = response.headers.get('etag') ?? undefined;
      try {
        return await consume({
          url: current,
          response,
          contentType,
          maxBytes,
          signal,
          ...(etag ? { etag } : {}),
          ...(limits.progress ? { progress: limits.progress } : {}),
        });
      } catch (error: unknown) {
        if (error instanceof BadDataError) throw error;
        throw networkError(current, error, limits.signal, timeoutMs);
      }
    } finally {
      timeout.clear();
    }
  }
}

/**
 * Whether an answer is a redirect: a 3xx with a Location (Node's fetch), or a browser's `opaqueredirect` (status 0, no
 * Location: a browser never shows where a redirect points).
 */
function isRedirect(response: Response): boolean {
  if (response.type === 'opaqueredirect') return true;
  return response.status >= 300 && response.status < 400 && Boolean(response.headers.get('location'));
}

/** Time ran out before something was done (e.g. a timeline's deadline before a pod's posts were read). */
export class DeadlineError extends HearthError {
  constructor(message: string) {
    super('DEADLINE', message);
  }
}

/** A read that got no complete answer in time: its own timeout (`timeoutMs`), or a deadline shared by many reads. */
export class ReadTimeoutError extends NetworkError {
  constructor(url: string, reason: string) {
    super(url, new Error(reason));
  }
}

/** Runs `task` over `items` with at most `limit` at a time; answers the results in order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Builds the typed error for an HTTP status of `url`, saying in plain words what it means. */
export function statusError(status: number, url: string): HttpError {
  if (status === 404)
    return new NotFoundError(status, url, `There is nothing at ${url} (404): it does not exist, or no longer does.`);
  if (status === 410) return new NotFoundError(status, url, `${url} was deleted (410).`);
  if (status === 401 || status === 403)
    return new ForbiddenError(
      status,
      url,
      `${url} may not be read (${status}): it is not public, or not yours to read.`,
    );
  return new HttpError(status, url, `${url} answered ${status}${status >= 500 ? ': its server failed' : ''}.`);
}

function checkUrl(url: string): string {
  if (!URL.canParse(url)) throw new InvalidInputError(`"${url}" is not a URL`);
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new InvalidInputError(`"${url}" is not an http(s) URL`);
  parsed.hash = '';
  return parsed.href;
}

/**
 * Reads a body piece by piece (decoded as UTF-8) into `onText`, at most `maxBytes`; cancelled when its time is up,
 * whatever
 * the fetch does with its signal (a trickle cannot hold the read), or when `onText` throws.
 */
async function readBody(opened: Opened, onText: (text: string) => void | Promise<void>): Promise<void> {
  const decoder = new TextDecoder();
  await readChunks(opened, async (chunk) => {
    const text = decoder.decode(chunk, { stream: true });
    if (text) await onText(text);
  });
  const rest = decoder.decode();
  if (rest) await onText(rest);
}

/** Reads a body piece by piece as bytes into `onChunk`, at most `maxBytes`, cancelled as `readBody` says. */
async function readChunks(opened: Opened, onChunk: (chunk: Uint8Array) => void | Promise<void>): Promise<void> {
  const { response, maxBytes, url, signal } = opened;
  if (!response.body) return;
  const reader = response.body.getReader();
  // Cancelling is best effort: a body that already failed rejects it with that failure, which the read reports anyway.
  const stop = () => ignoreFailure(reader.cancel(signal.reason));
  signal.addEventListener('abort', stop, { once: true });
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await untilAborted(reader.read(), signal);
      if (done) break;
      total += value.byteLength;
      if (opened.progress) opened.progress.bytes += value.byteLength;
      if (total > maxBytes) throw new BadDataError(url, `${url} is too large (more than ${maxBytes} bytes)`);
      await onChunk(value);
    }
  } catch (error: unknown) {
    // Best effort, as in `stop`: the read's own error is the one to report.
    ignoreFailure(reader.cancel());
    throw error;
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

function cancel(response: Response): void {
  // Not awaited: a body that never ends must not hold the caller (cancelling settles once the connection is gone). Best
  // effort: nothing is wanted from this body, so a connection that broke meanwhile changes nothing.
  if (response.body) ignoreFailure(response.body.cancel());
}

/** The typed error of a failed read: its own timeout, the shared deadline, or the network's own failure. */
function networkError(url: string, error: unknown, deadline: AbortSignal | undefined, timeoutMs: number): NetworkError {
  if (deadline?.aborted) return new ReadTimeoutError(url, 'the overall deadline passed');
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError') return new ReadTimeoutError(url, `no answer within ${timeoutMs / 1000} s`);
  if (name === 'AbortError') return new ReadTimeoutError(url, 'the read was stopped');
  return new NetworkError(url, error);
}
