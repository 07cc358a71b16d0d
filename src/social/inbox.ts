import type { Quad } from 'n3';
import { HttpError, NetworkError, NotFoundError, httpErrorFor } from '../errors.js';
import { BadDataError, BoundedTurtleParser, writeTurtle } from '../rdf.js';
import { canonicalUrl, isInside } from '../url.js';
import { DCT, LDP, RDF } from '../vocab.js';
import { Deadline } from './deadline.js';
import { mapBounded, readRdf, type ReadLimits } from './remote.js';

/** One notification in an inbox: its URL and its RDF. */
export interface InboxItem {
  /** URL of the notification resource. */
  url: string;
  /** Its triples, parsed with the item's URL as base. */
  quads: Quad[];
}

/** One item of an inbox as the pod server's own container listing describes it: facts no sender chooses. */
export interface InboxEntry {
  /** URL of the item. */
  url: string;
  /** When the server last wrote it (`dc:modified`, milliseconds since 1970; 0 when the listing does not say). */
  modified: number;
  /** Its size in bytes (`posix:size`), when the listing says. */
  size?: number;
  /** True for a container (a sender may make one with a Link header): never a notification. */
  container: boolean;
}

/** An inbox listing, newest first. */
export interface InboxListing {
  /** The items, newest first (by the server's modification time; ties by URL). */
  entries: InboxEntry[];
  /** True when the listing held more than `maxEntries` items and only part of it was kept (in the server's order). */
  truncated: boolean;
}

/** Most items of an inbox listing kept in memory (the listing is parsed as it streams in, never held whole). */
export const maxListedItems = 50_000;
/**
 * Largest inbox item read, in bytes: notifications and access requests are a few KiB; larger items are reported unread.
 */
export const maxInboxItemBytes = 64 * 1024;
/** Most triples read from one inbox item: a notification has a handful, an access request a few dozen. */
export const maxInboxItemTriples = 5_000;

const POSIX = 'http://www.w3.org/ns/posix/stat#';

/**
 * Appends a notification (Turtle) to an LDN inbox; answers the new item's URL. `signal` may bound the time. A redirect
 * is
 * never followed (the request carries the sender's credentials): it fails like any other non-2xx answer.
 */
export async function sendToInbox(
  fetchFn: typeof fetch,
  inboxUrl: string,
  quads: Quad[],
  signal?: AbortSignal,
): Promise<string> {
  const response = await fetchFn(inboxUrl, {
    method: 'POST',
    headers: { 'content-type': 'text/turtle' },
    body: writeTurtle(quads),
    redirect: 'manual',
    ...(signal ? { signal } : {}),
  });
  if (!response.ok) throw await httpErrorFor(response, `Sending a notification to ${inboxUrl}`);
  await response.body?.cancel();
  return response.headers.get('location') ?? inboxUrl;
}

/**
 * Lists an inbox container (the owner's fetch), newest first by the server's own modification times: senders choose
 * item names (Slug) but not when the server wrote them. The listing is parsed as it arrives and at most `maxEntries`
 * items are kept; only items really inside the inbox count, compared canonically.
 */
export async function listInbox(
  fetchFn: typeof fetch,
  inboxUrl: string,
  options: { signal?: AbortSignal; maxEntries?: number } = {},
): Promise<InboxListing> {
  const maxEntries = options.maxEntries ?? maxListedItems;
  const inbox = canonicalUrl(inboxUrl) ?? inboxUrl;
  let response: Response;
  try {
    response = await fetchFn(inboxUrl, {
      headers: { accept: 'text/turtle' },
      redirect: 'manual',
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error: unknown) {
    throw new NetworkError(inboxUrl, options.signal?.aborted ? new Error('the overall deadline passed') : error);
  }
  if (!response.ok) throw await httpErrorFor(response, `Reading the inbox ${inboxUrl}`);
  const entries = new Map<string, InboxEntry>();
  const entryOf = (url: string): InboxEntry | undefined => {
    let entry = entries.get(url);
    if (!entry) {
      if (entries.size >= maxEntries || !isInside(url, inbox) || canonicalUrl(url) === inbox) return undefined;
      entry = { url, modified: 0, container: false };
      entries.set(url, entry);
    }
    return entry;
  };
  let truncated = false;
  const complete = await parseStreaming(
    response,
    inboxUrl,
    (q) => {
      const child =
        q.subject.value === inboxUrl && q.predicate.value === `${LDP}contains` ? q.object.value : q.subject.value;
      if (child === inboxUrl) return true;
      const entry = entryOf(child);
      if (!entry) {
        truncated = entries.size >= maxEntries && !entries.has(child) && isInside(child, inbox);
        return !truncated;
      }
      if (q.predicate.value === `${DCT}modified`) entry.modified = Date.parse(q.object.value) || entry.modified;
      else if (q.predicate.value === `${POSIX}mtime` && entry.modified === 0)
        entry.modified = Number(q.object.value) * 1000 || 0;
      else if (q.predicate.value === `${POSIX}size`) entry.size = Number(q.object.value);
      else if (q.predicate.value === `${RDF}type` && q.object.value === `${LDP}Container`) entry.container = true;
      return true;
    },
    options.signal,
  );
  return { entries: [...entries.values()].sort(newestFirst), truncated: truncated || !complete };
}

/**
 * The URLs of the items in an inbox container (the owner's fetch): only those really inside it, compared canonically.
 */
export async function listInboxUrls(fetchFn: typeof fetch, inboxUrl: string): Promise<string[]> {
  return (await listInbox(fetchFn, inboxUrl)).entries.map((e) => e.url).sort();
}

/** Bounds of one look at an inbox. */
export interface ScanOptions {
  /** Ends the look: items not read by then are counted as unread. */
  deadline: Deadline;
  /** Most items read, newest first; older ones are counted as unread. */
  maxItems: number;
  /** Largest item read, in bytes (default `maxInboxItemBytes`): larger ones are reported as too large, unread. */
  maxBytes?: number;
  /** Time for reading one item (default 5 s). */
  timeoutMs?: number;
}

/**
 * An item of one look at an inbox: what the reader made of its RDF (`value`), or why it is not readable RDF
 * (`problem`).
 */
export type ScannedItem<T> = { entry: InboxEntry; etag?: string } & (
  { value: T; problem?: undefined } | { problem: string; value?: undefined }
);

/** One look at an inbox, bounded in items, bytes and time. */
export interface InboxScan<T> {
  /** The items looked at, newest first. */
  items: ScannedItem<T>[];
  /** Items not looked at: beyond `maxItems`, not reached in time or unreadable just now. */
  unread: number;
  /** True when the inbox held more than `maxListedItems` items: some were not even listed. */
  truncated: boolean;
}

/**
 * Reads an inbox newest first, at most `maxItems` items, 8 at a time, each at most `maxBytes`, all within `deadline`.
 * Each item's triples go through `recognise` at once and only its answer is kept, so memory holds one item per reader.
 * Items that are not RDF, too large, not Turtle or containers come back with a `problem`; items gone meanwhile are left
 * out.
 */
export async function scanInbox<T>(
  fetchFn: typeof fetch,
  inboxUrl: string,
  recognise: (url: string, quads: Quad[]) => T,
  options: ScanOptions,
): Promise<InboxScan<T>> {
  const { deadline } = options;
  const maxBytes = options.maxBytes ?? maxInboxItemBytes;
  const listing = await listInbox(fetchFn, inboxUrl, { signal: deadline.signal });
  const chosen = listing.entries.slice(0, options.maxItems);
  let unread = listing.entries.length - chosen.length;
  const limits: ReadLimits = {
    maxBytes,
    timeoutMs: options.timeoutMs ?? 5_000,
    signal: deadline.signal,
    maxTriples: maxInboxItemTriples,
  };
  const read = await mapBounded(chosen, 8, async (entry): Promise<ScannedItem<T> | 'unread' | 'gone'> => {
    if (entry.container) return { entry, problem: 'a container, not a notification' };
    if (entry.size !== undefined && entry.size > maxBytes)
      return { entry, problem: `too large (${entry.size} bytes; items of at most ${maxBytes} are read)` };
    if (deadline.passed) return 'unread';
    try {
      const { quads, etag } = await readRdf(fetchFn, entry.url, limits);
      return { entry, value: recognise(entry.url, quads), ...(etag ? { etag } : {}) };
    } catch (error: unknown) {
      if (error instanceof NotFoundError) return 'gone';
      if (error instanceof HttpError && [406, 415, 501].includes(error.status)) return { entry, problem: 'not RDF' };
      if (error instanceof BadDataError)
        return { entry, problem: error.message.replace(`${entry.url} is `, '').replace(`${entry.url} `, '') };
      return 'unread';
    }
  });
  const items: ScannedItem<T>[] = [];
  for (const item of read) {
    if (item === 'unread') unread += 1;
    else if (item !== 'gone') items.push(item);
  }
  return { items, unread, truncated: listing.truncated };
}

/**
 * Reads the items of an inbox (the newest 1,000, within 20 s); items that are not RDF are skipped (anyone may append).
 */
export async function readInbox(fetchFn: typeof fetch, inboxUrl: string): Promise<InboxItem[]> {
  const deadline = new Deadline(20_000);
  try {
    const scan = await scanInbox(fetchFn, inboxUrl, (url, quads) => ({ url, quads }), { deadline, maxItems: 1000 });
    return scan.items.flatMap((item) => (item.value ? [item.value] : []));
  } finally {
    deadline.clear();
  }
}

/**
 * Deletes one item from an inbox (the owner's fetch); with `etag`, only if it is still what was read (If-Match).
 * Answers false when it changed meanwhile (and was kept); an item already gone counts as deleted.
 */
export async function deleteInboxItem(
  fetchFn: typeof fetch,
  itemUrl: string,
  options: { etag?: string; signal?: AbortSignal } = {},
): Promise<boolean> {
  const response = await fetchFn(itemUrl, {
    method: 'DELETE',
    redirect: 'manual',
    ...(options.etag ? { headers: { 'if-match': options.etag } } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (response.status === 412) {
    await response.body?.cancel();
    return false;
  }
  if (!response.ok && response.status !== 404) throw await httpErrorFor(response, `Deleting ${itemUrl}`);
  await response.body?.cancel();
  return true;
}

function newestFirst(a: InboxEntry, b: InboxEntry): number {
  return b.modified - a.modified || (a.url < b.url ? -1 : a.url > b.url ? 1 : 0);
}

/**
 * Parses Turtle as it streams in, handing each triple to `onQuad` (which answers false to stop). Answers true when the
 * whole body was parsed, false when stopped early. Throws BadDataError when it is not Turtle, NetworkError on a read
 * failure.
 */
async function parseStreaming(
  response: Response,
  url: string,
  onQuad: (q: Quad) => boolean,
  signal?: AbortSignal,
): Promise<boolean> {
  if (!response.body) return true;
  let stopped = false;
  // No limit on triples and none kept: `onQuad` keeps what it wants (a listing, at most `maxEntries` items).
  const parser = new BoundedTurtleParser(url, Infinity, (q) => {
    if (!stopped && !onQuad(q)) stopped = true;
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read().catch((error: unknown) => {
        throw new NetworkError(url, signal?.aborted ? new Error('the overall deadline passed') : error);
      });
      if (done) break;
      parser.write(decoder.decode(value, { stream: true }));
      if (stopped) break;
    }
  } catch (error: unknown) {
    // Best effort, as below: the parse failure is the one to report.
    if (error instanceof BadDataError) await reader.cancel().catch(() => undefined);
    throw error;
  }
  if (stopped) {
    // Best effort: the listing has what it needs, so a connection that broke meanwhile changes nothing.
    await reader.cancel().catch(() => undefined);
    return false;
  }
  parser.write(decoder.decode());
  parser.end();
  return !stopped;
}
