// A pod's feed: one small public document in the posts container holding the newest posts inline, so that a timeline
// reads one document per person (and, with a cache, revalidates it with one conditional request). The day documents
// stay where every post lives (one resource each, found through the type index); the feed repeats the newest of them.
import { DataFactory, type Quad } from 'n3';
import { as, BadDataError, dateLiteral, QuadIndex, rdfType, triple } from '../rdf.js';
import { canonicalUrl } from '../url.js';
import { AS, HEARTH, RDF } from '../vocab.js';
import { byNewest, parsePost, postQuads, type Post } from './model.js';
import { movedToIn } from './moves.js';

const { namedNode } = DataFactory;

/** The feed's name in a posts container: `<container>feed.ttl`. */
export const feedDocumentName = 'feed.ttl';

/** How many posts a feed keeps (the newest): it grows to 15 more, then is cut back to this. */
export const feedSize = 30;

/** Most items read of one feed (the newest): a feed claiming more is cut there, and says less about older posts. */
export const maxFeedItems = 100;

/** Every post published at or after this time is in the feed (`hearth:completeSince`). */
export const completeSincePredicate = `${HEARTH}completeSince`;

/** A `completeSince` at or before this means the feed holds every post. */
export const beginningOfTime = new Date(0).toISOString();

/** What a feed says, checked. */
export interface Feed {
  /** Its items, newest first: posts of its author, in its posts container (at most `maxFeedItems`). */
  posts: Post[];
  /** Every post published at or after this (ISO) is in `posts`; `beginningOfTime`: every post is. */
  completeSince: string;
  /** The `as:movedTo` the feed states of its author (a hint, checked by `followMoves`). */
  movedTo?: string;
}

/** The feed URL of a posts container. */
export function feedUrlOf(container: string): string {
  return `${container}${feedDocumentName}`;
}

/** Whether `feed` is the feed of `container` (compared as the server resolves URLs). */
export function isFeedOf(feed: string, container: string): boolean {
  const root = canonicalUrl(container);
  return Boolean(root?.endsWith('/')) && canonicalUrl(feed) === feedUrlOf(root!);
}

/** The triples of one item of a feed: the post's own triples without its `rdf:type`, and the link to it. */
export function feedItemQuads(feedUrl: string, post: Post): Quad[] {
  return [
    triple(feedUrl, as('items'), namedNode(post.url)),
    ...postQuads(post).filter((q) => !(q.subject.value === post.url && q.predicate.value === `${RDF}type`)),
  ];
}

/** The `completeSince` triple of a feed. */
export function completeSinceQuad(feedUrl: string, since: string): Quad {
  return triple(feedUrl, namedNode(completeSincePredicate), dateLiteral(new Date(since)));
}

/** The triples of a whole feed of `author`, whose posts container is `container`. */
export function feedQuads(feedUrl: string, author: string, container: string, feed: Feed): Quad[] {
  return [
    triple(feedUrl, rdfType, as('CollectionPage')),
    triple(feedUrl, as('attributedTo'), namedNode(author)),
    // Every post, older ones too, is in the posts container's day documents.
    triple(feedUrl, as('partOf'), namedNode(container)),
    completeSinceQuad(feedUrl, feed.completeSince),
    ...feed.posts.flatMap((post) => feedItemQuads(feedUrl, post)),
  ];
}

/**
 * Reads a feed's triples as strictly as day documents, for the person `author` whose posts container is `container`:
 * only items that are posts of `author` at day-document URLs directly in `container` (exactly as written, nothing a
 * server would resolve elsewhere), the newest `maxFeedItems`. A feed without a valid `completeSince` is malformed
 * (BadDataError); items that fail the checks are left out. Linear in the triples.
 */
export function parseFeed(quads: readonly Quad[], feedUrl: string, container: string, author: string): Feed {
  const root = canonicalUrl(container);
  if (!root?.endsWith('/') || !isFeedOf(feedUrl, root)) throw new BadDataError(feedUrl, `${feedUrl} is no feed`);
  const index = new QuadIndex(quads);
  const since = index.objectOf(feedUrl, completeSincePredicate);
  const sinceMs = since?.termType === 'Literal' ? Date.parse(since.value) : NaN;
  if (Number.isNaN(sinceMs)) throw new BadDataError(feedUrl, `${feedUrl} does not say since when it is complete`);
  let completeSince = new Date(Math.max(sinceMs, 0)).toISOString();
  const posts: Post[] = [];
  const seen = new Set<string>();
  for (const item of index.objectsOf(feedUrl, `${AS}items`)) {
    if (item.termType !== 'NamedNode' || seen.has(item.value)) continue;
    seen.add(item.value);
    const url = canonicalUrl(item.value);
    if (url !== item.value || !url.startsWith(root) || !/^\d{4}-\d{2}-\d{2}\.ttl#[^#]+$/u.test(url.slice(root.length)))
      continue;
    const post = parsePost(index, url, false);
    if (post && post.author === author) posts.push(post);
  }
  posts.sort(byNewest);
  if (posts.length > maxFeedItems) {
    // Cut: only what is newer than the newest post left out is still complete.
    const newestLeftOut = Date.parse(posts[maxFeedItems]!.published);
    completeSince = new Date(Math.max(Date.parse(completeSince), newestLeftOut + 1)).toISOString();
    posts.length = maxFeedItems;
  }
  const movedTo = movedToIn(quads as Quad[], author);
  return { posts, completeSince, ...(movedTo ? { movedTo } : {}) };
}
