import type { Quad } from 'n3';
import { HearthError, NetworkError, httpErrorFor } from './errors.js';
import { parseTurtle, writeTurtle } from './rdf.js';

/** A Turtle document as read: its quads and the ETag to write it back with. */
export interface TurtleDoc {
  /** Its triples. */
  quads: Quad[];
  /** ETag of the version read, if the server gave one. */
  etag?: string;
}

/** Someone else changed a document between our read and our write, several times in a row. */
export class ConcurrentChangeError extends HearthError {
  constructor(url: string) {
    super('CONCURRENT_CHANGE', `${url} kept changing while Hearth was updating it: try again.`);
  }
}

/** Reads a Turtle document; answers undefined when it does not exist (404). */
export async function readTurtleDoc(fetchFn: typeof fetch, url: string): Promise<TurtleDoc | undefined> {
  const response = await send(fetchFn, url, { headers: { accept: 'text/turtle' } });
  if (response.status === 404) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.ok) throw await httpErrorFor(response, `Reading ${url}`);
  return { quads: parseTurtle(await response.text(), url), etag: response.headers.get('etag') ?? undefined };
}

/**
 * Writes a Turtle document only if it is still the version read (`If-Match`), or still absent (`If-None-Match: *`)
 * when `read` is undefined. Answers false when the server says someone changed it meanwhile (412).
 */
export async function writeTurtleDoc(
  fetchFn: typeof fetch,
  url: string,
  quads: Quad[],
  read: TurtleDoc | undefined,
): Promise<boolean> {
  const headers: Record<string, string> = { 'content-type': 'text/turtle' };
  if (!read) headers['if-none-match'] = '*';
  else if (read.etag) headers['if-match'] = read.etag;
  const response = await send(fetchFn, url, { method: 'PUT', headers, body: writeTurtle(quads) });
  if (response.status === 412) {
    await response.body?.cancel();
    return false;
  }
  if (!response.ok) throw await httpErrorFor(response, `Writing ${url}`);
  await response.body?.cancel();
  return true;
}

/**
 * Reads, changes and writes back a Turtle document, again from the start if it changed meanwhile.
 * `change` gets the current quads (undefined: no document yet) and answers the new ones, or undefined to leave it as
 * is.
 * `first` is a version already read (saves one request; if it is stale, the write is refused and it reads again).
 * Answers whether it wrote.
 */
export async function updateTurtleDoc(
  fetchFn: typeof fetch,
  url: string,
  change: (current: Quad[] | undefined) => Quad[] | undefined,
  options: { attempts?: number; first?: TurtleDoc } = {},
): Promise<boolean> {
  let known = options.first;
  for (let attempt = 0; attempt < (options.attempts ?? 4); attempt += 1) {
    const read = known ?? (await readTurtleDoc(fetchFn, url));
    known = undefined;
    const next = change(read?.quads);
    if (!next) return false;
    if (await writeTurtleDoc(fetchFn, url, next, read)) return true;
  }
  throw new ConcurrentChangeError(url);
}

/** Sends a request; fetch's own failure (a TypeError: refused, reset, no such host) becomes a NetworkError. */
async function send(fetchFn: typeof fetch, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetchFn(url, init);
  } catch (error: unknown) {
    if (error instanceof TypeError) throw new NetworkError(url, error);
    throw error;
  }
}
