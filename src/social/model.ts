import { DataFactory, type Quad } from 'n3';
import { as, dateLiteral, documentOf, QuadIndex, rdfType, triple } from '../rdf.js';
import { textToHtml } from '../text.js';
import { AS } from '../vocab.js';

const { namedNode, literal } = DataFactory;

/** An image attached to a post. */
export interface Attachment {
  /** Where the image is. */
  url: string;
  /** Its media type, e.g. `image/png`. */
  mediaType: string;
}

/** A post or reply: an `as:Note` fragment of a day document. */
export interface Post {
  /** The post's stable URL: `.../social/posts/YYYY-MM-DD.ttl#<id>`. */
  url: string;
  /** The author's WebID (`as:attributedTo`). */
  author: string;
  /**
   * The author's display name, when the reader knows it (their follow list, the author's profile): someone else's text,
   * cleaned.
   */
  authorName?: string;
  /**
   * The text as written: the `as:source` when it is `text/plain`, else `as:content` (Hearth stores HTML there, see
   * `textQuads`).
   */
  content: string;
  /** When it was written (ISO date, `as:published`). */
  published: string;
  /** When it was last edited (`as:updated`). */
  updated?: string;
  /** The post it answers (`as:inReplyTo`). */
  inReplyTo?: string;
  /** Attached images. */
  attachments: Attachment[];
  /** Verified likes received (only known to the author). */
  likes?: number;
  /** Verified replies received (only known to the author). */
  replies?: number;
}

/** Longest post accepted, in characters. */
export const maxPostLength = 20_000;

/**
 * Longest `as:content` read from a post that has no plain-text source, in characters: what Hearth writes for the
 * longest
 * post, every character escaped (`&quot;`), and its paragraph marks. A post with more is left out, like a malformed
 * one.
 */
export const maxContentLength = 6 * maxPostLength + 7;

/** Most `as:source` values looked at in one post. */
const maxSources = 4;

/** Most images read of one post: more are left out. */
export const maxAttachments = 10;

/** How far ahead of this machine's clock a post may be dated and still be believed (clocks differ a little). */
export const maxClockSkewMs = 5 * 60_000;

/** The latest publication time believed now (ms since the epoch): posts dated later are left out of listings. */
export function believableUntil(now = Date.now()): number {
  return now + maxClockSkewMs;
}

/** The day document of a date: `<container>YYYY-MM-DD.ttl`. */
export function dayDocument(container: string, date: Date): string {
  return `${container}${date.toISOString().slice(0, 10)}.ttl`;
}

/** The day (`YYYY-MM-DD`) of a day document's URL, or undefined when it is not one. */
export function dayOf(url: string): string | undefined {
  return /\/(\d{4}-\d{2}-\d{2})\.ttl$/u.exec(documentOf(url))?.[1];
}

/** The triples of a post. */
export function postQuads(post: Post): Quad[] {
  const quads = [
    triple(post.url, rdfType, as('Note')),
    triple(post.url, as('attributedTo'), namedNode(post.author)),
    ...textQuads(post.url, post.content),
    triple(post.url, as('published'), dateLiteral(new Date(post.published))),
  ];
  if (post.updated) quads.push(triple(post.url, as('updated'), dateLiteral(new Date(post.updated))));
  if (post.inReplyTo) quads.push(triple(post.url, as('inReplyTo'), namedNode(post.inReplyTo)));
  post.attachments.forEach((attachment, index) => {
    const node = `${post.url}-image${index}`;
    quads.push(
      triple(post.url, as('attachment'), namedNode(node)),
      triple(node, rdfType, as('Image')),
      triple(node, as('url'), namedNode(attachment.url)),
      triple(node, as('mediaType'), literal(attachment.mediaType)),
    );
  });
  return quads;
}

/**
 * The `as:source` node of a post: a fragment named after the post's own, so that edits and deletes can name its
 * triples.
 */
export function sourceNodeOf(postUrl: string): string {
  return `${postUrl}-source`;
}

/**
 * The triples of a post's text, as ActivityStreams readers expect them: `as:content` the text as escaped HTML
 * (`textToHtml`), and `as:source` a node holding the text as written, `as:mediaType "text/plain"`.
 */
export function textQuads(url: string, text: string): Quad[] {
  const source = sourceNodeOf(url);
  return [
    triple(url, as('content'), literal(textToHtml(text))),
    triple(url, as('source'), namedNode(source)),
    triple(source, as('content'), literal(text)),
    triple(source, as('mediaType'), literal('text/plain')),
  ];
}

/**
 * The triples of a document that hold a post's text: its `as:content` and `as:source` and every triple of its own
 * source nodes.
 */
export function textTriplesOf(quads: readonly Quad[], url: string): Quad[] {
  const sources = ownParts(new QuadIndex(quads), url, `${AS}source`);
  return quads.filter(
    (q) =>
      (q.subject.value === url && (q.predicate.value === `${AS}content` || q.predicate.value === `${AS}source`)) ||
      sources.has(q.subject.value),
  );
}

/** Every triple that describes `url` in a document: the post's, its attachments' and its source's. */
export function triplesAbout(quads: readonly Quad[], url: string): Quad[] {
  const index = new QuadIndex(quads);
  const parts = new Set([...ownParts(index, url, `${AS}attachment`), ...ownParts(index, url, `${AS}source`)]);
  return quads.filter((q) => q.subject.value === url || parts.has(q.subject.value));
}

/** The nodes a post links to with `predicate` that are its own fragments (`<post>-…`): what goes with the post. */
function ownParts(index: QuadIndex, url: string, predicate: string): Set<string> {
  return new Set(
    index
      .objectsOf(url, predicate)
      .filter((t) => t.termType === 'NamedNode' && t.value.startsWith(`${url}-`))
      .map((t) => t.value),
  );
}

/**
 * Reads one post from a document's triples (or their index); undefined when `url` is not a well-formed `as:Note`.
 * `typed: false` reads a feed's item, which does not repeat the `rdf:type` (its day document states it).
 */
export function parsePost(quads: readonly Quad[] | QuadIndex, url: string, typed = true): Post | undefined {
  const index = quads instanceof QuadIndex ? quads : new QuadIndex(quads);
  if (typed && !index.hasType(url, `${AS}Note`)) return undefined;
  const content = textOf(index, url);
  const author = index.objectOf(url, `${AS}attributedTo`);
  const published = isoDate(index.objectOf(url, `${AS}published`)?.value);
  if (content === undefined || author?.termType !== 'NamedNode' || !published) return undefined;
  const updated = isoDate(index.objectOf(url, `${AS}updated`)?.value);
  const inReplyTo = index.objectOf(url, `${AS}inReplyTo`);
  const attachments: Attachment[] = [];
  for (const node of index.objectsOf(url, `${AS}attachment`)) {
    if (attachments.length >= maxAttachments) break;
    const imageUrl = index.objectOf(node.value, `${AS}url`);
    const mediaType = index.objectOf(node.value, `${AS}mediaType`)?.value;
    if (imageUrl?.termType === 'NamedNode' && /^https?:/u.test(imageUrl.value)) {
      attachments.push({ url: imageUrl.value, mediaType: mediaType ?? 'application/octet-stream' });
    }
  }
  return {
    url,
    author: author.value,
    content,
    published,
    attachments,
    ...(updated ? { updated } : {}),
    ...(inReplyTo?.termType === 'NamedNode' ? { inReplyTo: inReplyTo.value } : {}),
  };
}

/**
 * A post's text as written: its `as:source` when that is a node with `as:mediaType` text/plain and at most
 * `maxPostLength`
 * characters, else its `as:content` as is (older Hearth posts keep plain text there) when at most `maxContentLength`.
 */
export function textOf(quads: readonly Quad[] | QuadIndex, url: string): string | undefined {
  const index = quads instanceof QuadIndex ? quads : new QuadIndex(quads);
  for (const source of index.objectsOf(url, `${AS}source`).slice(0, maxSources)) {
    if (source.termType !== 'NamedNode' && source.termType !== 'BlankNode') continue;
    const mediaType = index.objectOf(source.value, `${AS}mediaType`);
    const text = index.objectOf(source.value, `${AS}content`);
    if (
      mediaType?.termType === 'Literal' &&
      isPlainText(mediaType.value) &&
      text?.termType === 'Literal' &&
      fits(text.value, maxPostLength)
    ) {
      return text.value;
    }
  }
  const content = index.objectOf(url, `${AS}content`);
  return content?.termType === 'Literal' && content.value.length <= maxContentLength ? content.value : undefined;
}

/** Posts with their authors' display names from `names` added (a name a post already has is kept). */
export function withAuthorNames(posts: readonly Post[], names: ReadonlyMap<string, string>): Post[] {
  return posts.map((post) =>
    post.authorName || !names.has(post.author) ? post : { ...post, authorName: names.get(post.author)! },
  );
}

/** Every post of a document, optionally only those attributed to `author`: one pass to index, then linear. */
export function parsePosts(quads: readonly Quad[], author?: string): Post[] {
  const index = new QuadIndex(quads);
  const posts: Post[] = [];
  for (const subject of index.subjectsOfType(`${AS}Note`)) {
    const post = parsePost(index, subject);
    if (post && (!author || post.author === author)) posts.push(post);
  }
  return posts;
}

/** Newest first. */
export function byNewest(a: Post, b: Post): number {
  return a.published < b.published ? 1 : a.published > b.published ? -1 : a.url < b.url ? 1 : -1;
}

/** Two lists sorted newest first (`byNewest`) merged into one, at most `limit` long: linear, nothing sorted again. */
export function mergeNewest(a: readonly Post[], b: readonly Post[], limit: number): Post[] {
  const merged: Post[] = [];
  let i = 0;
  let j = 0;
  while (merged.length < limit && (i < a.length || j < b.length)) {
    merged.push(j >= b.length || (i < a.length && byNewest(a[i]!, b[j]!) <= 0) ? a[i++]! : b[j++]!);
  }
  return merged;
}

function isPlainText(mediaType: string): boolean {
  return mediaType.split(';')[0]!.trim().toLowerCase() === 'text/plain';
}

/** Whether `text` has at most `max` characters (code points), without spreading a huge string into an array. */
function fits(text: string, max: number): boolean {
  return text.length <= max || (text.length <= 2 * max && [...text].length <= max);
}

function isoDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
