import { HearthError, describe } from '../errors.js';
import { canonicalUrl } from '../url.js';
import { LDP } from '../vocab.js';
import { discoverPostsContainer } from './discovery.js';
import { byNewest, believableUntil, mergeNewest, parsePosts, type Post } from './model.js';
import {
  DeadlineError,
  ReadTimeoutError,
  defaultReadLimits,
  mapBounded,
  readRdf,
  type ReadLimits,
} from './remote.js';
import { BadDataError } from '../rdf.js';
import { Deadline, runPatiently, untilAborted } from './deadline.js';
import { followingDocumentName, parseFollows, readOwnFollowing, type Follow } from './follows.js';
import { movedToIn } from './moves.js';
import { ownArea, type Actor } from './self.js';
import { beginningOfTime, feedDocumentName, feedUrlOf, isFeedOf, parseFeed, type Feed } from './feed.js';
import { notModified, readRdfIfChanged, TimelineCache } from './feed-cache.js';
import { NotFoundError } from '../errors.js';

/** Time a timeline may take unless told otherwise, in ms. */
export const defaultTimelineDeadlineMs = 20_000;

/** One person whose posts are gathered, with the posts container when it is already known. */
export interface PostSource {
  /** Their WebID. */
  webId: string;
  /** Their posts container, if known (else discovered through the profile and type index). */
  container?: string;
  /** Their display name, if known. */
  name?: string;
  /** Their feed (`<container>feed.ttl`), if known: read alone when it answers, the container's days otherwise. */
  feed?: string;
  /** The acting person themselves (nothing of theirs is `discovered`; a missing feed is `ownFeedMissing`). */
  own?: boolean;
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
  /**
   * Sources whose posts container says they moved (`as:movedTo`), unchecked: `followMoves(actor, {}, movedHints)`
   * follows the confirmed ones.
   */
  movedHints?: string[];
  /**
   * Posts containers and feeds that had to be discovered (through profile, type index and listing) rather than taken
   * from the follow list, or a remembered feed that is gone (an entry without `feed`): `rememberPostsContainers(actor,
   * discovered)` keeps them for the next timeline.
   */
  discovered?: { webId: string; container: string; feed?: string }[];
  /**
   * One's own pod has no feed yet (made before feeds): `ensureFeed(actor)` makes it, so that followers' timelines read
   * one document of it.
   */
  ownFeedMissing?: boolean;
  /** Posts left out because they are dated more than 5 minutes ahead of this machine's clock (not believed). */
  futureDated?: number;
}

/** How a timeline is gathered. */
export interface TimelineOptions {
  /** How many posts (default 20). */
  limit?: number;
  /**
   * Only posts older than this: a date, or the last post of the previous page (exact even when posts share a
   * millisecond).
   */
  before?: Date | Pick<Post, 'published' | 'url'>;
  /** Bounds of each remote read (size, time, redirects). */
  limits?: ReadLimits;
  /**
   * Time allowed for the whole gathering, in ms (default 20 s): listings may use 60% of it, and what was read when it
   * passes is answered (the sources not read in time are in `errors`).
   */
  deadlineMs?: number;
  /**
   * Pods read at the same time while they answer promptly (default 8); one that keeps a read waiting makes room for one
   * more.
   */
  concurrency?: number;
  /** @deprecated Ignored: a timeline never writes; call `followMoves(actor, {}, result.movedHints)` to follow moves. */
  followMoves?: boolean;
  /** Told after each source is listed (or failed): how many of how many. Must be cheap and not throw. */
  onProgress?: (progress: { done: number; total: number }) => void;
  /**
   * Feeds and the following list read before, with their ETags: they are asked for only if changed (a `304 Not
   * Modified` reuses what is kept), and what is read is kept there. Pass the same one to every refresh.
   */
  cache?: TimelineCache;
}

interface Listed {
  source: PostSource;
  /** The day documents that may be read, newest first (with a feed: those older than it, if needed). */
  docs: { day: string; url: string }[];
  /** The `as:movedTo` the source's posts container or feed states (a hint: followMoves checks it). */
  movedTo?: string;
  /** What to remember of the source, when it differs from what it came with. */
  discovered?: { container: string; feed?: string };
  /** Its feed, when it was read from one. */
  feed?: Feed;
  /** Its posts container (for its older days). */
  container: string;
  /** Whether `docs` came from a listing (else the days older than the feed need one). */
  listed: boolean;
}

/** Which day documents of a listing may be read. */
interface DayWindow {
  /** No day after this one (the future is not believed; `before` pages end here). */
  lastDay: string;
  /** At most this many days of one source, the newest: every read is of a day that may hold a post. */
  maxDays: number;
}

/**
 * The latest posts of many people, newest first. Per source: its posts container listing, then its day documents
 * newest first, merged across sources so only the days that can hold the newest `limit` posts are read. Bounded: every
 * read by `limits`, the whole by `deadlineMs` (listings by 60% of it); pods that keep a read waiting do not hold back
 * the others; posts dated in the future are not believed.
 */
export async function collectPosts(
  fetchFn: typeof fetch,
  sources: PostSource[],
  options: TimelineOptions = {},
): Promise<PostsResult> {
  const deadlineMs = options.deadlineMs ?? defaultTimelineDeadlineMs;
  // Deadlines held by their own timers (see Deadline): the listing phase ends at 60%, the whole at 100%.
  const overall = new Deadline(deadlineMs, options.limits?.signal);
  const listing = new Deadline(deadlineMs * 0.6, overall.signal);
  try {
    return await gather(fetchFn, sources, options, { overall: overall.signal, listing: listing.signal, deadlineMs });
  } finally {
    listing.clear();
    overall.clear();
  }
}

/** What one gathering has decided: its deadlines, which posts it keeps, how long a waiting read holds its place. */
interface Plan {
  limit: number;
  concurrency: number;
  /** Ends the listings (60% of the deadline). */
  listing: AbortSignal;
  /** Ends everything. */
  overall: AbortSignal;
  /** How long a read that makes no progress holds its place in a phase of `phaseMs`. */
  patience: (phaseMs: number) => number;
  deadlineMs: number;
  window: DayWindow;
  /** The latest publication time believed (ms since the epoch). */
  notAfter: number;
  /** Whether a post is before the page's cursor. */
  isOlder: (post: Post) => boolean;
  /** Sources that failed, one error each. */
  errors: SourceErrors;
}

/** The sources that failed, each once with its first error. */
class SourceErrors {
  readonly list: SourceError[] = [];
  private readonly failed = new Set<string>();

  add(source: string, error: unknown): void {
    if (this.failed.has(source)) return;
    const typed = error instanceof HearthError ? error : new HearthError('UNEXPECTED', describe(error));
    this.failed.add(source);
    this.list.push({ source, message: typed.message, error: typed });
  }

  has(source: string): boolean {
    return this.failed.has(source);
  }
}

async function gather(
  fetchFn: typeof fetch,
  sources: PostSource[],
  options: TimelineOptions,
  time: { overall: AbortSignal; listing: AbortSignal; deadlineMs: number },
): Promise<PostsResult> {
  const limit = Math.max(1, Math.min(options.limit ?? 20, 1000));
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const timeoutMs = options.limits?.timeoutMs ?? defaultReadLimits.timeoutMs;
  // A read that makes no progress for this long makes room for another, so that every source starts within half a
  // phase.
  const waves = Math.max(1, Math.ceil(sources.length / concurrency));
  const patience = (phaseMs: number) => Math.max(50, Math.min(timeoutMs, time.deadlineMs / 10, phaseMs / (2 * waves)));
  const notAfter = believableUntil();
  const cursor = options.before instanceof Date ? { published: options.before.toISOString(), url: '' } : options.before;
  const isOlder = (post: Post) =>
    !cursor || post.published < cursor.published || (post.published === cursor.published && post.url < cursor.url);
  const today = new Date(notAfter).toISOString().slice(0, 10);
  const cursorDay = cursor?.published.slice(0, 10);
  const window: DayWindow = { lastDay: cursorDay && cursorDay < today ? cursorDay : today, maxDays: limit + 10 };
  const plan: Plan = { limit, concurrency, ...time, patience, window, notAfter, isOlder, errors: new SourceErrors() };
  const listed = await listSources(fetchFn, sources, options, plan);
  const fromFeeds = keepFromFeeds(listed, plan);
  const older = await olderThanFeeds(fetchFn, listed, fromFeeds.posts, options, plan);
  const { posts, futureDated } = await readDays(fetchFn, older, options, plan, fromFeeds);
  const movedHints = listed.filter((entry) => entry.movedTo).map((entry) => entry.source.webId);
  const discovered = listed.flatMap((entry) =>
    entry.discovered && !entry.source.own ? [{ webId: entry.source.webId, ...entry.discovered }] : [],
  );
  const ownFeedMissing = listed.some((entry) => entry.source.own && !entry.feed);
  return {
    posts,
    errors: plan.errors.list,
    ...(movedHints.length ? { movedHints } : {}),
    ...(discovered.length ? { discovered } : {}),
    ...(futureDated ? { futureDated } : {}),
    ...(ownFeedMissing ? { ownFeedMissing } : {}),
  };
}

/** What the feeds hold of the page: their posts before the cursor, believed, each once, newest first. */
function keepFromFeeds(listed: Listed[], plan: Plan): { posts: Post[]; seen: Set<string>; futureDated: number } {
  const seen = new Set<string>();
  const posts: Post[] = [];
  let futureDated = 0;
  for (const { source, feed } of listed) {
    for (const post of feed?.posts ?? []) {
      if (Date.parse(post.published) > plan.notAfter) futureDated += 1;
      else if (plan.isOlder(post) && !seen.has(post.url)) {
        seen.add(post.url);
        posts.push(source.name ? { ...post, authorName: source.name } : post);
      }
    }
  }
  return { posts: posts.sort(byNewest).slice(0, plan.limit), seen, futureDated };
}

/**
 * The day documents to read: those of sources read without a feed, and, for sources whose feed stops where the page
 * may still need posts (it is not whole, and the page is not full of newer posts), their days up to where the feed
 * starts (listed now, when the feed came alone). Sources whose feed answers the page cost nothing more.
 */
async function olderThanFeeds(
  fetchFn: typeof fetch,
  listed: Listed[],
  fromFeeds: Post[],
  options: TimelineOptions,
  plan: Plan,
): Promise<Listed[]> {
  const cutoff = fromFeeds.length >= plan.limit ? fromFeeds[plan.limit - 1]!.published : undefined;
  const needsOlder = (feed: Feed) =>
    feed.completeSince > beginningOfTime && (cutoff === undefined || feed.completeSince > cutoff);
  const unlisted = listed.filter((entry) => entry.feed && !entry.listed && needsOlder(entry.feed));
  const limits: ReadLimits = { ...options.limits, signal: plan.overall };
  await mapBounded(unlisted, plan.concurrency, async (entry) => {
    try {
      const days = await listContainerDays(fetchFn, entry.source, entry.container, limits, plan.window);
      entry.docs = days.docs;
    } catch (error: unknown) {
      plan.errors.add(entry.source.webId, error);
    }
  });
  return listed.flatMap((entry) => {
    if (!entry.feed) return [entry];
    if (!needsOlder(entry.feed) || plan.errors.has(entry.source.webId)) return [];
    // The days up to the feed's first (that day may hold posts before it too).
    const last = entry.feed.completeSince.slice(0, 10);
    return [{ ...entry, docs: entry.docs.filter((doc) => doc.day <= last) }];
  });
}

/**
 * Lists every source (its feed, else its day documents), until all are in or the listing deadline passes: what came in
 * by then is used.
 */
async function listSources(
  fetchFn: typeof fetch,
  sources: PostSource[],
  options: TimelineOptions,
  plan: Plan,
): Promise<Listed[]> {
  const listed: (Listed | undefined)[] = new Array(sources.length);
  const limits: ReadLimits = { ...options.limits, signal: plan.listing };
  let started = 0;
  let done = 0;
  let open = true;
  await runPatiently(
    { concurrency: plan.concurrency, patienceMs: plan.patience(plan.deadlineMs * 0.6), signal: plan.listing },
    () => {
      if (started >= sources.length) return undefined;
      const index = started++;
      const source = sources[index]!;
      return async (progress) => {
        try {
          const entry = await listSource(fetchFn, source, { ...limits, progress }, plan.window, options.cache);
          if (open) listed[index] = { source, ...entry };
        } catch (error: unknown) {
          if (open) plan.errors.add(source.webId, error);
        } finally {
          if (open) options.onProgress?.({ done: ++done, total: sources.length });
        }
      };
    },
  );
  // Reads still running are left to end with their aborted signal; what they find now is not used.
  open = false;
  sources.forEach((source, index) => {
    if (!listed[index])
      plan.errors.add(
        source.webId,
        new DeadlineError(`The deadline passed before the posts of ${source.webId} were listed.`),
      );
  });
  if (done < sources.length) options.onProgress?.({ done: sources.length, total: sources.length });
  return listed.filter((entry): entry is Listed => entry !== undefined);
}

/**
 * Reads day documents newest first across sources, until the rest cannot hold a post newer than the limit-th one kept
 * (the feeds' posts are kept from the start), or the deadline passes (what was read by then is answered). Keeps the
 * newest `limit` posts, each once.
 */
async function readDays(
  fetchFn: typeof fetch,
  listed: Listed[],
  options: TimelineOptions,
  plan: Plan,
  initial: { posts: Post[]; seen: Set<string>; futureDated: number },
): Promise<{ posts: Post[]; futureDated: number }> {
  const { limit } = plan;
  const candidates = listed
    .flatMap(({ source, docs }) => docs.map((doc) => ({ source, ...doc })))
    .sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0));
  // The newest `limit` posts so far, newest first: each document's new posts are sorted alone and merged in (linear),
  // never the whole list again.
  let kept: Post[] = initial.posts;
  const seen = initial.seen;
  const reading = new Map<string, number>();
  let futureDated = initial.futureDated;
  let open = true;
  const keep = (found: Post[], name: string | undefined) => {
    const fresh: Post[] = [];
    for (const post of found) {
      if (Date.parse(post.published) > plan.notAfter) futureDated += 1;
      else if (plan.isOlder(post) && !seen.has(post.url)) {
        seen.add(post.url);
        fresh.push(name ? { ...post, authorName: name } : post);
      }
    }
    if (fresh.length) kept = mergeNewest(kept, fresh.sort(byNewest), limit);
  };
  const limits: ReadLimits = { ...options.limits, signal: plan.overall };
  let next = 0;
  await runPatiently(
    { concurrency: plan.concurrency, patienceMs: plan.patience(plan.deadlineMs * 0.4), signal: plan.overall },
    () => {
      while (next < candidates.length) {
        const doc = candidates[next]!;
        if (kept.length >= limit && doc.day < kept[limit - 1]!.published.slice(0, 10)) return undefined;
        next += 1;
        const webId = doc.source.webId;
        if (plan.errors.has(webId)) continue;
        reading.set(webId, (reading.get(webId) ?? 0) + 1);
        return async (progress) => {
          try {
            const { quads } = await readRdf(fetchFn, doc.url, { ...limits, progress });
            if (open) keep(parsePosts(quads, webId), doc.source.name);
          } catch (error: unknown) {
            if (open) plan.errors.add(webId, error);
          } finally {
            if (open) reading.set(webId, reading.get(webId)! - 1);
          }
        };
      }
      return undefined;
    },
  );
  open = false;
  for (const [webId, count] of reading) {
    if (count > 0)
      plan.errors.add(webId, new DeadlineError(`The deadline passed before the posts of ${webId} were read.`));
  }
  return { posts: kept, futureDated };
}

/**
 * The timeline of the acting person: the latest posts of everyone they follow and their own, newest first. One's own
 * posts are read on their own, beside the others, within the same deadline: no other pod can crowd them out. It only
 * reads: what is worth keeping comes back (`discovered`, `movedHints`, `ownFeedMissing`) for `rememberPostsContainers`,
 * `followMoves` and `ensureFeed`. With `cache`, every feed and the following list are asked for only if changed.
 */
export async function getTimeline(
  actor: Actor,
  options: TimelineOptions & { fetch?: typeof fetch } = {},
): Promise<PostsResult> {
  const readFetch = options.fetch ?? globalThis.fetch;
  const deadline = new Deadline(options.deadlineMs ?? defaultTimelineDeadlineMs, options.limits?.signal);
  try {
    const limits: ReadLimits = { ...options.limits, signal: deadline.signal };
    const within = <T>(work: Promise<T>) =>
      untilAborted(work, deadline.signal).catch((error: unknown) => {
        throw deadline.signal.aborted ? new DeadlineError(`The timeline's deadline passed: ${describe(error)}`) : error;
      });
    const container = await within(ownArea(actor, 'posts'));
    const ownOptions = { ...options, limits, deadlineMs: deadline.remainingMs(), onProgress: undefined };
    // One's own feed is where Hearth keeps it; a pod without one yet is read by its days.
    const self: PostSource = { webId: actor.webId, container, feed: feedUrlOf(container), own: true };
    const ownPosts = collectPosts(readFetch, [self], ownOptions);
    let following: Follow[] = [];
    // Failing to read one's own following list leaves one's own posts, and says so in `errors`.
    const followingError = await within(readFollowing(actor, { signal: deadline.signal }, options.cache)).then(
      (list) => {
        following = list;
      },
      (error: unknown) => error,
    );
    const sources = new Map<string, PostSource>();
    for (const follow of following) {
      if (follow.object === actor.webId || sources.has(follow.object)) continue;
      sources.set(follow.object, {
        webId: follow.object,
        ...(follow.postsContainer ? { container: follow.postsContainer } : {}),
        ...(follow.postsFeed ? { feed: follow.postsFeed } : {}),
        ...(follow.name ? { name: follow.name } : {}),
      });
    }
    // What was kept of people no longer followed is never shown again, nor kept.
    if (!followingError) options.cache?.keepFeedsOf(new Set([actor.webId, ...sources.keys()]));
    const [own, others] = await Promise.all([
      ownPosts,
      collectPosts(readFetch, [...sources.values()], { ...options, limits, deadlineMs: deadline.remainingMs() }),
    ]);
    const result = merge(own, others, Math.max(1, Math.min(options.limit ?? 20, 1000)));
    if (followingError) result.errors.unshift(sourceError(actor.webId, followingError));
    return result;
  } finally {
    deadline.clear();
  }
}

/** One's own following list, revalidated with the cache's ETag when there is one (else read as `readOwnFollowing`). */
async function readFollowing(actor: Actor, limits: ReadLimits, cache: TimelineCache | undefined): Promise<Follow[]> {
  if (!cache) return readOwnFollowing(actor, limits);
  const url = `${await ownArea(actor, 'following')}${followingDocumentName}`;
  const kept = cache.following(actor.webId, url);
  try {
    const read = await readRdfIfChanged(actor.fetch, url, limits, kept?.etag);
    if (read === notModified) return kept!.follows;
    const follows = parseFollows(read.quads, actor.webId);
    if (read.etag) cache.set({ kind: 'following', webId: actor.webId, url, etag: read.etag, follows });
    else cache.forget('following', actor.webId, url);
    return follows;
  } catch (error: unknown) {
    cache.forget('following', actor.webId, url);
    if (error instanceof NotFoundError) return [];
    throw error;
  }
}

/** Two gatherings as one: posts merged newest first (each once), errors and hints side by side. */
function merge(a: PostsResult, b: PostsResult, limit: number): PostsResult {
  const seen = new Set<string>();
  // Each list is newest first already: merged, not sorted again (a post in both, if any, is kept once).
  const posts = mergeNewest(a.posts, b.posts, a.posts.length + b.posts.length)
    .filter((post) => !seen.has(post.url) && seen.add(post.url))
    .slice(0, limit);
  const movedHints = [...(a.movedHints ?? []), ...(b.movedHints ?? [])];
  const discovered = [...(a.discovered ?? []), ...(b.discovered ?? [])];
  const futureDated = (a.futureDated ?? 0) + (b.futureDated ?? 0);
  const ownFeedMissing = Boolean(a.ownFeedMissing || b.ownFeedMissing);
  return {
    posts,
    errors: [...a.errors, ...b.errors],
    ...(movedHints.length ? { movedHints } : {}),
    ...(discovered.length ? { discovered } : {}),
    ...(futureDated ? { futureDated } : {}),
    ...(ownFeedMissing ? { ownFeedMissing } : {}),
  };
}

function sourceError(source: string, error: unknown): SourceError {
  const typed = error instanceof HearthError ? error : new HearthError('UNEXPECTED', describe(error));
  return { source, message: typed.message, error: typed };
}

/**
 * What to read of a source: its feed alone when it has one that answers (one request; none with a cache when it did
 * not change), else its posts container's listing, and then the feed it lists, if any. A cached container that fails
 * is discovered again, unless it failed by taking too long (the pod is slow or silent: asking again would only wait
 * again); a feed that fails so is an error too, one that fails otherwise leaves the days.
 */
async function listSource(
  fetchFn: typeof fetch,
  source: PostSource,
  limits: ReadLimits,
  window: DayWindow,
  cache: TimelineCache | undefined,
): Promise<Omit<Listed, 'source'>> {
  const remembered = source.feed && source.container && isFeedOf(source.feed, source.container) ? source.feed : '';
  if (remembered) {
    try {
      const feed = await readFeed(fetchFn, source, source.container!, remembered, limits, cache);
      return { docs: [], feed, container: source.container!, listed: false, ...movedOf(feed) };
    } catch (error: unknown) {
      if (error instanceof ReadTimeoutError) throw error;
      // Gone or broken: the listing says what there is now.
    }
  }
  let container = source.container;
  let days: Awaited<ReturnType<typeof listContainerDays>> | undefined;
  if (container) {
    try {
      days = await listContainerDays(fetchFn, source, container, limits, window);
    } catch (error: unknown) {
      if (error instanceof ReadTimeoutError) throw error;
      // Otherwise the cache may be stale: discover the container again below.
    }
  }
  if (!days) {
    container = await discoverPostsContainer(fetchFn, source.webId, limits);
    days = await listContainerDays(fetchFn, source, container, limits, window);
  }
  let feed: Feed | undefined;
  if (days.feed) {
    try {
      feed = await readFeed(fetchFn, source, container!, days.feed, limits, cache);
    } catch (error: unknown) {
      if (error instanceof ReadTimeoutError) throw error;
      // A broken feed: the days are read as for a pod without one.
    }
  }
  const feedUrl = feed ? days.feed : undefined;
  const changed = container !== source.container || (feedUrl ?? '') !== (source.feed ?? '');
  return {
    docs: days.docs,
    container: container!,
    listed: true,
    ...(feed ? { feed } : {}),
    ...(days.movedTo ? { movedTo: days.movedTo } : movedOf(feed)),
    ...(changed ? { discovered: { container: container!, ...(feedUrl ? { feed: feedUrl } : {}) } } : {}),
  };
}

function movedOf(feed: Feed | undefined): { movedTo?: string } {
  return feed?.movedTo ? { movedTo: feed.movedTo } : {};
}

/**
 * Reads a source's feed (checked by `parseFeed`: only their posts, in their container), with the cache: asked for only
 * if changed since the ETag kept for this person and URL; what is read is kept, what fails is forgotten.
 */
async function readFeed(
  fetchFn: typeof fetch,
  source: PostSource,
  container: string,
  url: string,
  limits: ReadLimits,
  cache: TimelineCache | undefined,
): Promise<Feed> {
  const kept = cache?.feed(source.webId, url);
  try {
    const read = await readRdfIfChanged(fetchFn, url, limits, kept?.etag);
    if (read === notModified) return kept!;
    if (canonicalUrl(read.url) !== canonicalUrl(url)) throw new BadDataError(url, `${url} redirects elsewhere`);
    const feed = parseFeed(read.quads, url, container, source.webId);
    if (read.etag) cache?.set({ kind: 'feed', webId: source.webId, url, etag: read.etag, ...feed });
    else cache?.forget('feed', source.webId, url);
    return feed;
  } catch (error: unknown) {
    cache?.forget('feed', source.webId, url);
    throw error;
  }
}

/**
 * The day documents directly in `container` that may be read (compared as the server resolves URLs: `../` cannot lead
 * out of it): none after `window.lastDay`, at most `window.maxDays`, the newest; and its feed, if it lists one. Linear
 * in the listing.
 */
async function listContainerDays(
  fetchFn: typeof fetch,
  source: PostSource,
  container: string,
  limits: ReadLimits,
  window: DayWindow,
): Promise<{ docs: Listed['docs']; movedTo?: string; feed?: string }> {
  const { quads } = await readRdf(fetchFn, container, limits);
  const root = canonicalUrl(container);
  const days = new Map<string, string>();
  let feed: string | undefined;
  for (const q of quads) {
    if (!root?.endsWith('/') || q.predicate.value !== `${LDP}contains`) continue;
    if (!feed && q.object.value.endsWith(feedDocumentName) && isFeedOf(q.object.value, root)) feed = feedUrlOf(root);
    // The cheap test first: only what is named like a day document, no later than allowed, is parsed as a URL.
    const named = /\/(\d{4}-\d{2}-\d{2})\.ttl$/u.exec(q.object.value)?.[1];
    if (!named || named > window.lastDay || days.has(named)) continue;
    const url = canonicalUrl(q.object.value);
    if (url && url.startsWith(root) && url.slice(root.length) === `${named}.ttl`) days.set(named, url);
  }
  const docs = [...days]
    .sort((a, b) => (a[0] < b[0] ? 1 : -1))
    .slice(0, window.maxDays)
    .map(([day, url]) => ({ day, url }));
  const movedTo = movedToIn(quads, source.webId);
  return { docs, ...(movedTo ? { movedTo } : {}), ...(feed ? { feed } : {}) };
}
