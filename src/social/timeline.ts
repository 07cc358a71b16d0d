import { HearthError, describe } from '../errors.js';
import { canonicalUrl, isInside } from '../url.js';
import { LDP } from '../vocab.js';
import { discoverPostsContainer } from './discovery.js';
import { byNewest, dayOf, parsePosts, type Post } from './model.js';
import { mapBounded, readRdf, type ReadLimits } from './remote.js';
import { followMoves, readOwnFollowing, rememberPostsContainers, type MovedFollow } from './follows.js';
import { movedToIn } from './moves.js';
import { ownArea, type Actor } from './self.js';

/** One person whose posts are gathered, with the posts container when it is already known. */
export interface PostSource {
  /** Their WebID. */
  webId: string;
  /** Their posts container, if known (else discovered through the profile and type index). */
  container?: string;
  /** Their display name, if known. */
  name?: string;
}

/** A source that could not be read: the rest of the result is still there. */
export interface SourceError {
  /** The WebID of the source. */
  source: string;
  /** What went wrong, for people. */
  message: string;
  /** The typed error. */
  error: HearthError;
}

/** Posts gathered from many pods, and the sources that failed. */
export interface PostsResult {
  /** Newest first, at most `limit`. */
  posts: Post[];
  /** Sources that could not be read (broken, slow, huge or hostile pods). */
  errors: SourceError[];
  /** Sources whose posts container says they moved (`as:movedTo`), unchecked. */
  movedHints?: string[];
  /** Posts containers that had to be discovered (through profile and type index) rather than taken from a cache. */
  discovered?: { webId: string; container: string }[];
  /** Follows the timeline moved along to a confirmed new WebID before reading again. */
  moved?: MovedFollow[];
}

/** How a timeline is gathered. */
export interface TimelineOptions {
  /** How many posts (default 20). */
  limit?: number;
  /** Only posts older than this: a date, or the last post of the previous page (exact even when posts share a millisecond). */
  before?: Date | Pick<Post, 'published' | 'url'>;
  /** Bounds of each remote read (size, time, redirects). */
  limits?: ReadLimits;
  /** Time allowed for the whole gathering, in ms (default 20 s). */
  deadlineMs?: number;
  /** Pods read at the same time (default 8). */
  concurrency?: number;
  /** Follow confirmed moves of people one follows, when their old posts container announces one (default true). */
  followMoves?: boolean;
  /** Told after each source is listed (or failed): how many of how many. Must be cheap and not throw. */
  onProgress?: (progress: { done: number; total: number }) => void;
}

interface Listed {
  source: PostSource;
  docs: { day: string; url: string }[];
  /** The `as:movedTo` the source's posts container states (a hint: followMoves checks it). */
  movedTo?: string;
  /** The posts container, when it had to be discovered (no cache, or the cached one failed). */
  discovered?: string;
}

/**
 * The latest posts of many people, newest first. Per source: its posts container listing, then its day documents
 * newest first, merged across sources so only the days that can hold the newest `limit` posts are read.
 */
export async function collectPosts(fetchFn: typeof fetch, sources: PostSource[], options: TimelineOptions = {}): Promise<PostsResult> {
  const limit = Math.max(1, Math.min(options.limit ?? 20, 1000));
  const concurrency = options.concurrency ?? 8;
  const deadlineMs = options.deadlineMs ?? 20_000;
  const deadline = AbortSignal.timeout(deadlineMs);
  const limits: ReadLimits = { ...options.limits, signal: options.limits?.signal ? AbortSignal.any([options.limits.signal, deadline]) : deadline };
  // Listings may use 60% of the time, so that a pod that never answers still leaves time to read the others' posts.
  const listingLimits: ReadLimits = { ...limits, signal: AbortSignal.any([limits.signal!, AbortSignal.timeout(deadlineMs * 0.6)]) };
  const cursor = options.before instanceof Date ? { published: options.before.toISOString(), url: '' } : options.before;
  const isOlder = (post: Post) => !cursor || post.published < cursor.published || (post.published === cursor.published && post.url < cursor.url);
  const lastDay = cursor?.published.slice(0, 10);
  const errors: SourceError[] = [];
  const failed = (source: string, error: unknown) => {
    const typed = error instanceof HearthError ? error : new HearthError('UNEXPECTED', describe(error));
    if (!errors.some((e) => e.source === source)) errors.push({ source, message: typed.message, error: typed });
  };

  let done = 0;
  const listed = (await mapBounded(sources, concurrency, async (source): Promise<Listed | undefined> => {
    try {
      return { source, ...await listDays(fetchFn, source, listingLimits) };
    } catch (error: unknown) {
      failed(source.webId, error);
      return undefined;
    } finally {
      done += 1;
      options.onProgress?.({ done, total: sources.length });
    }
  })).filter((entry): entry is Listed => entry !== undefined);

  const candidates = listed.flatMap(({ source, docs }) => docs.filter((doc) => !lastDay || doc.day <= lastDay).map((doc) => ({ source, ...doc })))
    .sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0));
  const posts: Post[] = [];
  // A pool of readers takes day documents newest first; one slow document holds one reader, not the others.
  // Reading stops once the next document cannot hold a post newer than the limit-th one already found.
  let next = 0;
  const cannotMatter = (day: string) => {
    if (posts.length < limit) return false;
    const kept = posts.sort(byNewest)[limit - 1]!;
    return day < kept.published.slice(0, 10);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, candidates.length) }, async () => {
    while (next < candidates.length) {
      const doc = candidates[next]!;
      if (cannotMatter(doc.day)) return;
      next += 1;
      if (errors.some((e) => e.source === doc.source.webId)) continue;
      try {
        const { quads } = await readRdf(fetchFn, doc.url, limits);
        for (const post of parsePosts(quads, doc.source.webId)) {
          if (isOlder(post)) posts.push(doc.source.name ? { ...post, authorName: doc.source.name } : post);
        }
      } catch (error: unknown) {
        failed(doc.source.webId, error);
      }
    }
  }));
  const movedHints = listed.filter((entry) => entry.movedTo).map((entry) => entry.source.webId);
  const discovered = listed.flatMap((entry) => entry.discovered ? [{ webId: entry.source.webId, container: entry.discovered }] : []);
  return { posts: dedupe(posts).sort(byNewest).slice(0, limit), errors, ...(movedHints.length ? { movedHints } : {}),
    ...(discovered.length ? { discovered } : {}) };
}

/** The timeline of the acting person: the latest posts of everyone they follow and their own, newest first. */
export async function getTimeline(actor: Actor, options: TimelineOptions & { fetch?: typeof fetch } = {}): Promise<PostsResult> {
  const readFetch = options.fetch ?? globalThis.fetch;
  const following = await readOwnFollowing(actor);
  const sources: PostSource[] = [{ webId: actor.webId, container: await ownArea(actor, 'posts') }];
  for (const follow of following) {
    if (!sources.some((s) => s.webId === follow.object)) {
      sources.push({ webId: follow.object, ...(follow.postsContainer ? { container: follow.postsContainer } : {}), ...(follow.name ? { name: follow.name } : {}) });
    }
  }
  const result = await collectPosts(readFetch, sources, options);
  // Remember containers found the long way, so the next timeline reads them at once (best effort).
  await rememberPostsContainers(actor, following, result.discovered ?? []).catch(() => undefined);
  if (!result.movedHints || options.followMoves === false) return result;
  // Someone followed has moved (their old posts container says so): follow the confirmed moves, then read again.
  const moved = await followMoves(actor, options.limits, result.movedHints);
  if (moved.length === 0) return result;
  return { ...await getTimeline(actor, { ...options, followMoves: false }), moved };
}

/** The day documents of a source, newest first, and its move hint; a cached container that fails is discovered again. */
async function listDays(fetchFn: typeof fetch, source: PostSource, limits: ReadLimits): Promise<Omit<Listed, 'source'>> {
  if (source.container) {
    try {
      return await listContainerDays(fetchFn, source, source.container, limits);
    } catch {
      // The cache may be stale: discover the container again below.
    }
  }
  const discovered = await discoverPostsContainer(fetchFn, source.webId, limits);
  return { ...await listContainerDays(fetchFn, source, discovered, limits), discovered };
}

/** The day documents directly in `container` (compared as the server resolves URLs: `../` cannot lead out of it). */
async function listContainerDays(fetchFn: typeof fetch, source: PostSource, container: string, limits: ReadLimits): Promise<Omit<Listed, 'source'>> {
  const { quads } = await readRdf(fetchFn, container, limits);
  const root = canonicalUrl(container);
  const docs: { day: string; url: string }[] = [];
  for (const q of quads) {
    const url = canonicalUrl(q.object.value);
    if (q.predicate.value !== `${LDP}contains` || !root || !url || !isInside(url, root)) continue;
    const day = dayOf(url);
    if (day && url.slice(root.length) === `${day}.ttl`) docs.push({ day, url });
  }
  const movedTo = movedToIn(quads, source.webId);
  return { docs: docs.sort((a, b) => (a.day < b.day ? 1 : -1)), ...(movedTo ? { movedTo } : {}) };
}

function dedupe(posts: Post[]): Post[] {
  const seen = new Set<string>();
  return posts.filter((post) => !seen.has(post.url) && seen.add(post.url));
}
