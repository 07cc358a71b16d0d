// Keeping one's own feed (see feed.ts) in step with one's posts: made from the day documents when missing, changed by
// N3 Patches whose deletes make concurrent writers conflict (409: read again, try again) rather than lose anything.
import type { Quad } from 'n3';
import { documentOf, BadDataError, triple, writeTurtle } from '../rdf.js';
import { HearthError, HttpError, NotFoundError, httpErrorFor } from '../errors.js';
import { canonicalUrl } from '../url.js';
import { AS, LDP } from '../vocab.js';
import {
  beginningOfTime,
  completeSinceQuad,
  completeSincePredicate,
  feedItemQuads,
  feedQuads,
  feedSize,
  feedUrlOf,
  parseFeed,
  type Feed,
} from './feed.js';
import { byNewest, parsePosts, triplesAbout, type Post } from './model.js';
import { patchDocument, type TripleChange } from './patch.js';
import { readRdf } from './remote.js';
import { ownArea, type Actor } from './self.js';

/** Most day documents read to make a feed: what is older is left to the days (the feed says since when it is whole). */
const maxBuildDays = 60;

/** Posts a feed may hold past `feedSize` before it is cut back to it: most posts add to it without conflicts. */
const feedSlack = 15;

/** Tries of a change that conflicts with another writer's. */
const attempts = 6;

/** Waits a little, more after each conflict and at random, so that writers who conflicted do not meet again. */
function backOff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * attempt));
}

/** One's own feed as read: where, its triples and ETag, and what it says (undefined when malformed). */
export interface OwnFeed {
  url: string;
  container: string;
  quads: Quad[];
  etag?: string;
  feed?: Feed;
}

/** Reads the acting person's feed; undefined when there is none. */
export async function readOwnFeed(actor: Actor): Promise<OwnFeed | undefined> {
  const container = await ownArea(actor, 'posts');
  const url = feedUrlOf(container);
  try {
    const { quads, etag } = await readRdf(actor.fetch, url);
    let feed: Feed | undefined;
    try {
      feed = parseFeed(quads, url, container, actor.webId);
    } catch (error: unknown) {
      if (!(error instanceof BadDataError)) throw error;
    }
    return { url, container, quads, ...(etag ? { etag } : {}), ...(feed ? { feed } : {}) };
  } catch (error: unknown) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/**
 * Makes the acting person's feed when their pod has none (made before feeds) or it is malformed, from their day
 * documents; answers whether it made one. For a login, or after an import.
 */
export async function ensureFeed(actor: Actor): Promise<boolean> {
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const own = await readOwnFeed(actor);
    if (own?.feed) return false;
    if (await makeFeed(actor, own)) return true;
  }
  return false;
}

/**
 * Adds a post just written to its day document to the acting person's feed, keeping the newest `feedSize` (`first`: a
 * read of the feed started beside the day document's write). Best effort: see `keepingFeed`.
 */
export async function addToFeed(actor: Actor, post: Post, first?: Promise<OwnFeed | undefined>): Promise<void> {
  await keepingFeed(actor, async () => {
    let read = first;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      const own = await (read ?? readOwnFeed(actor));
      read = undefined;
      // No feed, or a malformed one: made again from the days, which hold this post already.
      if (!own?.feed) {
        if (await makeFeed(actor, own)) return;
        continue;
      }
      if (own.feed.posts.some((p) => p.url === post.url)) return;
      if (await patchOrConflict(actor, own.url, additionOf({ ...own, feed: own.feed }, post))) return;
      await backOff(attempt);
    }
    throw new HttpError(409, feedUrlOf(await ownArea(actor, 'posts')), 'The feed kept changing.');
  });
}

/**
 * Changes the item `url` of the acting person's feed, when it is there: `change` answers the N3 Patch from the feed's
 * triples. Best effort: see `keepingFeed`.
 */
export async function changeFeedItem(
  actor: Actor,
  url: string,
  change: (quads: Quad[], feedUrl: string) => TripleChange,
): Promise<void> {
  await keepingFeed(actor, async () => {
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      const own = await readOwnFeed(actor);
      if (!own?.feed) return; // none yet: the next post makes it from the days, as they are now
      if (!own.feed.posts.some((p) => p.url === url)) return;
      if (await patchOrConflict(actor, own.url, change(own.quads, own.url))) return;
      await backOff(attempt);
    }
    throw new HttpError(409, feedUrlOf(await ownArea(actor, 'posts')), 'The feed kept changing.');
  });
}

/** The N3 Patch that removes an item from a feed: its link and every triple of the post. */
export function removalOf(quads: Quad[], feedUrl: string, url: string): TripleChange {
  const link = quads.filter(
    (q) => q.subject.value === feedUrl && q.predicate.value === `${AS}items` && q.object.value === url,
  );
  return { deletes: [...link, ...triplesAbout(quads, url)].map((q) => triple(q.subject.value, q.predicate, q.object)) };
}

/**
 * The patch adding `post` to a feed: an insert alone (concurrent ones never conflict) until the feed has `feedSlack`
 * posts more than `feedSize`; then the oldest go, down to `feedSize`, and `completeSince` moves after them (a patch
 * whose deletes make a concurrent trim conflict).
 */
function additionOf(own: OwnFeed & { feed: Feed }, post: Post): TripleChange {
  const all = [...own.feed.posts, post].sort(byNewest);
  const leftOut = all.length > feedSize + feedSlack ? all.slice(feedSize) : [];
  const change: TripleChange = { inserts: leftOut.includes(post) ? [] : feedItemQuads(own.url, post), deletes: [] };
  if (leftOut.length === 0) return change;
  for (const old of leftOut) if (old !== post) change.deletes!.push(...removalOf(own.quads, own.url, old.url).deletes!);
  const since = Math.max(Date.parse(own.feed.completeSince), ...leftOut.map((p) => Date.parse(p.published) + 1));
  change.deletes!.push(
    ...own.quads
      .filter((q) => q.subject.value === own.url && q.predicate.value === completeSincePredicate)
      .map((q) => triple(q.subject.value, q.predicate, q.object)),
  );
  change.inserts!.push(completeSinceQuad(own.url, new Date(since).toISOString()));
  return change;
}

/** Applies a patch to the feed; false when another writer changed it first (409: read again). */
async function patchOrConflict(actor: Actor, url: string, change: TripleChange): Promise<boolean> {
  if (!change.inserts?.length && !change.deletes?.length) return true;
  try {
    await patchDocument(actor.fetch, url, change, 'Updating your feed');
    return true;
  } catch (error: unknown) {
    if (error instanceof HttpError && error.status === 409) return false;
    throw error;
  }
}

/**
 * Writes the feed made from the day documents: created only when there is none, replaced only when it is still the
 * malformed one read (`own`). False when another writer came first (412: read again).
 */
async function makeFeed(actor: Actor, own: OwnFeed | undefined): Promise<boolean> {
  const container = own?.container ?? (await ownArea(actor, 'posts'));
  const url = feedUrlOf(container);
  // A malformed feed is replaced only as it was read (no ETag: not replaced at all).
  if (own && !own.etag) return false;
  const condition: Record<string, string> = own ? { 'if-match': own.etag! } : { 'if-none-match': '*' };
  const feed = await feedFromDays(actor, container);
  const response = await actor.fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'text/turtle', ...condition },
    body: writeTurtle(feedQuads(url, actor.webId, container, feed)),
  });
  if (response.status === 412) {
    await response.body?.cancel();
    return false;
  }
  if (!response.ok) throw await httpErrorFor(response, 'Making your feed');
  await response.body?.cancel();
  return true;
}

/** The newest `feedSize` posts of one's day documents (newest days first, at most `maxBuildDays` of them). */
async function feedFromDays(actor: Actor, container: string): Promise<Feed> {
  const root = canonicalUrl(container)!;
  const listing = await readRdf(actor.fetch, container);
  const days = [
    ...new Set(
      listing.quads
        .filter((q) => q.predicate.value === `${LDP}contains`)
        .map((q) => canonicalUrl(q.object.value))
        .filter((url): url is string =>
          Boolean(url?.startsWith(root) && /^\d{4}-\d{2}-\d{2}\.ttl$/u.test(url.slice(root.length))),
        ),
    ),
  ].sort((a, b) => (a < b ? 1 : -1));
  const posts: Post[] = [];
  let read = 0;
  for (const day of days) {
    if (posts.length >= feedSize || read >= maxBuildDays) break;
    read += 1;
    try {
      const { quads } = await readRdf(actor.fetch, day);
      posts.push(...parsePosts(quads, actor.webId).filter((p) => canonicalUrl(documentOf(p.url)) === day));
    } catch (error: unknown) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  posts.sort(byNewest);
  let since = Date.parse(beginningOfTime);
  const leftOut = posts.slice(feedSize);
  if (leftOut.length) since = Math.max(since, Date.parse(leftOut[0]!.published) + 1);
  // Days not read: only what is newer than the oldest day read is whole.
  if (read < days.length)
    since = Math.max(since, Date.parse(`${days[read - 1]!.slice(root.length, root.length + 10)}`));
  return { posts: posts.slice(0, feedSize), completeSince: new Date(since).toISOString() };
}

/**
 * Runs a change of the feed, best effort: the post itself is written already, so a failure does not undo it; the feed
 * is removed instead (readers then read the days, as for pods without a feed) and the next post makes it again.
 */
async function keepingFeed(actor: Actor, change: () => Promise<void>): Promise<void> {
  try {
    await change();
  } catch (error: unknown) {
    if (!(error instanceof HearthError) && !(error instanceof TypeError)) throw error;
    const url = feedUrlOf(await ownArea(actor, 'posts'));
    await actor.fetch(url, { method: 'DELETE' }).then(
      (response) => response.body?.cancel(),
      () => undefined, // nothing more can be done now: the next post tries again
    );
  }
}
