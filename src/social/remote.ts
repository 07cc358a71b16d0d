import type { Quad } from 'n3';
import { ForbiddenError, HttpError, InvalidInputError, NetworkError, NotFoundError } from '../errors.js';
import { carriesCredentials } from '../auth/session.js';
import { BadDataError, parseTurtle } from '../rdf.js';

/** Bounds on every read of data from a pod: other people's pods are untrusted. */
export interface ReadLimits {
  /** Largest body read, in bytes (default 5 MB): the read is aborted past it. */
  maxBytes?: number;
  /** Time allowed for one request, headers and body (default 5 s). */
  timeoutMs?: number;
  /** Redirects followed by hand (default 3); never any with a session's fetch, which carries credentials. */
  maxRedirects?: number;
  /** An overall deadline shared by many reads (e.g. a whole timeline). */
  signal?: AbortSignal;
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

const rdfTypes = new Set(['text/turtle', 'application/n-triples', 'text/n3', 'application/trig', 'application/n-quads']);

/**
 * Reads `url` with `fetchFn`, bounded in size, time and redirects; HTTP failures become typed errors. Redirects are
 * followed by hand only for reads without credentials: with a session's fetch a redirect is an error.
 */
export async function readBounded(fetchFn: typeof fetch, url: string, limits: ReadLimits = {}, accept = 'text/turtle'): Promise<RemoteDocument> {
  const maxBytes = limits.maxBytes ?? defaultReadLimits.maxBytes;
  const timeoutMs = limits.timeoutMs ?? defaultReadLimits.timeoutMs;
  const maxRedirects = limits.maxRedirects ?? defaultReadLimits.maxRedirects;
  let current = checkUrl(url);
  for (let hop = 0; ; hop += 1) {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = limits.signal ? AbortSignal.any([timeout, limits.signal]) : timeout;
    let response: Response;
    try {
      response = await fetchFn(current, { headers: { accept }, redirect: 'manual', signal });
    } catch (error: unknown) {
      throw networkError(current, error, timeout, timeoutMs);
    }
    if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
      await cancel(response);
      if (carriesCredentials(fetchFn)) {
        throw new BadDataError(current, `${current} redirects elsewhere, and a request with your credentials never follows a redirect`);
      }
      if (hop >= maxRedirects) throw new BadDataError(url, `${url} redirects more than ${maxRedirects} times`);
      current = checkUrl(new URL(response.headers.get('location')!, current).href);
      continue;
    }
    if (!response.ok) {
      await cancel(response);
      throw statusError(response.status, current);
    }
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > maxBytes) {
      await cancel(response);
      throw new BadDataError(current, `${current} is too large (${declared} bytes, at most ${maxBytes} are read)`);
    }
    try {
      const text = await readText(response, maxBytes, current);
      const etag = response.headers.get('etag') ?? undefined;
      return { url: current, text, contentType, ...(etag ? { etag } : {}) };
    } catch (error: unknown) {
      if (error instanceof BadDataError) throw error;
      throw networkError(current, error, timeout, timeoutMs);
    }
  }
}

/** Reads an RDF document within bounds: a non-RDF content type or unparsable data throws BadDataError. */
export async function readRdf(fetchFn: typeof fetch, url: string, limits: ReadLimits = {}): Promise<RemoteRdf> {
  const document = await readBounded(fetchFn, url, limits);
  if (!rdfTypes.has(document.contentType)) {
    throw new BadDataError(document.url, `${document.url} is not RDF (${document.contentType || 'no content type'})`);
  }
  const quads = parseTurtle(document.text, document.url);
  return { url: document.url, quads, ...(document.etag ? { etag: document.etag } : {}) };
}

/** Runs `task` over `items` with at most `limit` at a time; answers the results in order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
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

/** Builds the typed error for an HTTP status of `url`. */
export function statusError(status: number, url: string): HttpError {
  const message = `Reading ${url} failed: ${status}`;
  if (status === 404 || status === 410) return new NotFoundError(status, url, message);
  if (status === 401 || status === 403) return new ForbiddenError(status, url, message);
  return new HttpError(status, url, message);
}

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError(`"${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InvalidInputError(`"${url}" is not an http(s) URL`);
  parsed.hash = '';
  return parsed.href;
}

async function readText(response: Response, maxBytes: number, url: string): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BadDataError(url, `${url} is too large (more than ${maxBytes} bytes)`);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

async function cancel(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

function networkError(url: string, error: unknown, timeout: AbortSignal, timeoutMs: number): NetworkError {
  if (timeout.aborted) return new NetworkError(url, new Error(`no answer within ${timeoutMs / 1000} s`));
  const name = (error as { name?: string }).name;
  if (name === 'AbortError' || name === 'TimeoutError') return new NetworkError(url, new Error('the overall deadline passed'));
  return new NetworkError(url, error);
}
