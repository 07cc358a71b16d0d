// What a timeline keeps between refreshes: the feeds and the following list it read, each with its ETag, so that a
// refresh asks each pod "changed since?" (If-None-Match) and a `304 Not Modified` costs no body and no parse.
import { carriesCredentials } from '../auth/credentialed.js';
import { HttpError } from '../errors.js';
import type { Feed } from './feed.js';
import type { Follow } from './follows.js';
import type { Attachment, Post } from './model.js';
import { readRdf, type ReadLimits, type RemoteRdf } from './remote.js';

/** A feed as read, checked, for the person it was read for. */
export interface CachedFeed extends Feed {
  kind: 'feed';
  /** The person whose feed it is (its items were checked against them). */
  webId: string;
  /** The feed's URL. */
  url: string;
  /** Its ETag when read. */
  etag: string;
}

/** A following list as read. */
export interface CachedFollowing {
  kind: 'following';
  /** Whose following list. */
  webId: string;
  /** Its URL. */
  url: string;
  /** Its ETag when read. */
  etag: string;
  /** The follows it held. */
  follows: Follow[];
}

/** One entry of a timeline cache. */
export type CacheEntry = CachedFeed | CachedFollowing;

/** Bounds of a timeline cache. */
export interface CacheBounds {
  /** Most entries (default 2,000): the least recently used go first. */
  maxEntries?: number;
  /** Most bytes of entries, as JSON (default 16 MB): the least recently used go first; a larger entry is not kept. */
  maxBytes?: number;
}

/**
 * Feeds and following lists a timeline read, with their ETags, to revalidate on the next refresh: pass the same object
 * to every `getTimeline` (`{ cache }`). Bounded in entries and bytes (least recently used go first). Entries of people
 * no longer followed are dropped by the next timeline; an entry is only ever used for the person it was read for.
 */
export class TimelineCache {
  private readonly entries = new Map<string, { entry: CacheEntry; bytes: number }>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(bounds: CacheBounds = {}) {
    this.maxEntries = Math.max(1, bounds.maxEntries ?? 2_000);
    this.maxBytes = Math.max(1, bounds.maxBytes ?? 16 * 1024 * 1024);
  }

  /** How many entries it holds. */
  get size(): number {
    return this.entries.size;
  }

  /** The feed of `webId` at `url`, if kept (and then the most recently used). */
  feed(webId: string, url: string): CachedFeed | undefined {
    const found = this.use(keyOf('feed', webId, url));
    return found?.kind === 'feed' ? found : undefined;
  }

  /** The following list of `webId` at `url`, if kept. */
  following(webId: string, url: string): CachedFollowing | undefined {
    const found = this.use(keyOf('following', webId, url));
    return found?.kind === 'following' ? found : undefined;
  }

  /** Keeps an entry (replacing the one of the same person and URL), within the bounds. */
  set(entry: CacheEntry): void {
    const key = keyOf(entry.kind, entry.webId, entry.url);
    this.remove(key);
    const bytes = JSON.stringify(entry).length;
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { entry, bytes });
    this.bytes += bytes;
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.remove(oldest);
    }
  }

  /** Forgets the entry of `webId` at `url`. */
  forget(kind: CacheEntry['kind'], webId: string, url: string): void {
    this.remove(keyOf(kind, webId, url));
  }

  /** Forgets every feed of people not in `webIds` (people no longer followed). */
  keepFeedsOf(webIds: ReadonlySet<string>): void {
    for (const [key, { entry }] of [...this.entries])
      if (entry.kind === 'feed' && !webIds.has(entry.webId)) this.remove(key);
  }

  /** Its entries as JSON-ready data (least recently used first), to keep it in a file. */
  toJSON(): { version: 1; entries: CacheEntry[] } {
    return { version: 1, entries: [...this.entries.values()].map(({ entry }) => entry) };
  }

  /** A cache from what `toJSON` made; anything malformed is left out (a damaged file gives an emptier cache). */
  static fromJSON(data: unknown, bounds: CacheBounds = {}): TimelineCache {
    const cache = new TimelineCache(bounds);
    const entries = (data as { version?: unknown; entries?: unknown } | null)?.entries;
    if ((data as { version?: unknown } | null)?.version !== 1 || !Array.isArray(entries)) return cache;
    for (const entry of entries) if (isEntry(entry)) cache.set(entry);
    return cache;
  }

  private use(key: string): CacheEntry | undefined {
    const found = this.entries.get(key);
    if (!found) return undefined;
    this.entries.delete(key);
    this.entries.set(key, found);
    return found.entry;
  }

  private remove(key: string): void {
    const found = this.entries.get(key);
    if (!found) return;
    this.entries.delete(key);
    this.bytes -= found.bytes;
  }
}

function keyOf(kind: CacheEntry['kind'], webId: string, url: string): string {
  return `${kind} ${webId} ${url}`;
}

/** What a conditional read answers when the document did not change. */
export const notModified = Symbol('not modified');

/**
 * Reads an RDF document as `readRdf` does; with `etag`, only if it changed since (If-None-Match): a `304 Not Modified`
 * answers `notModified`. Redirects are followed as `readRdf` follows them, never with credentials.
 */
export async function readRdfIfChanged(
  fetchFn: typeof fetch,
  url: string,
  limits: ReadLimits,
  etag?: string,
): Promise<RemoteRdf | typeof notModified> {
  if (!etag) return readRdf(fetchFn, url, limits);
  let first = true;
  const conditional = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    // Only the first request is conditional: a redirect's target is another document.
    const headers = first ? { ...(init?.headers as Record<string, string>), 'if-none-match': etag } : init?.headers;
    first = false;
    return fetchFn(input, { ...init, ...(headers ? { headers } : {}) });
  }) as typeof fetch;
  // The wrapper is not the session's fetch: with credentials, no redirect is followed at all.
  const bounded = carriesCredentials(fetchFn) ? { ...limits, maxRedirects: 0 } : limits;
  try {
    return await readRdf(conditional, url, bounded);
  } catch (error: unknown) {
    if (error instanceof HttpError && error.status === 304) return notModified;
    throw error;
  }
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isOptionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';

function isAttachment(value: unknown): value is Attachment {
  const a = value as Attachment | null;
  return typeof a === 'object' && a !== null && isString(a.url) && isString(a.mediaType);
}

function isPost(value: unknown): value is Post {
  const p = value as Post | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    [p.url, p.author, p.content, p.published].every(isString) &&
    [p.authorName, p.updated, p.inReplyTo].every(isOptionalString) &&
    Array.isArray(p.attachments) &&
    p.attachments.every(isAttachment)
  );
}

function isFollow(value: unknown): value is Follow {
  const f = value as Follow | null;
  return (
    typeof f === 'object' &&
    f !== null &&
    [f.url, f.actor, f.object].every(isString) &&
    [f.published, f.postsContainer, f.postsFeed, f.name].every(isOptionalString)
  );
}

function isEntry(value: unknown): value is CacheEntry {
  const e = value as (Partial<Omit<CachedFeed, 'kind'> & Omit<CachedFollowing, 'kind'>> & { kind?: unknown }) | null;
  if (typeof e !== 'object' || e === null || ![e.webId, e.url, e.etag].every(isString)) return false;
  if (e.kind === 'following') return Array.isArray(e.follows) && e.follows.every(isFollow);
  return (
    e.kind === 'feed' &&
    isString(e.completeSince) &&
    isOptionalString(e.movedTo) &&
    Array.isArray(e.posts) &&
    e.posts.every(isPost)
  );
}
