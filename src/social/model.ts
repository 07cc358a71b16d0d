import { DataFactory, type Quad } from 'n3';
import { QuadIndex } from '../rdf.js';
import { AS } from '../vocab.js';
import { as, dateLiteral, documentOf, objectsOf, rdfType, triple } from './patch.js';

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
  /** The author's display name, when the reader knows it (from their follow list): someone else's text, cleaned. */
  authorName?: string;
  /** The text (`as:content`). */
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
    triple(post.url, as('content'), literal(post.content)),
    triple(post.url, as('published'), dateLiteral(new Date(post.published))),
  ];
  if (post.updated) quads.push(triple(post.url, as('updated'), dateLiteral(new Date(post.updated))));
  if (post.inReplyTo) quads.push(triple(post.url, as('inReplyTo'), namedNode(post.inReplyTo)));
  post.attachments.forEach((attachment, index) => {
    const node = `${post.url}-image${index}`;
    quads.push(triple(post.url, as('attachment'), namedNode(node)),
      triple(node, rdfType, as('Image')),
      triple(node, as('url'), namedNode(attachment.url)),
      triple(node, as('mediaType'), literal(attachment.mediaType)));
  });
  return quads;
}

/** Every triple that describes `url` in a document: the post's and its attachments'. */
export function triplesAbout(quads: readonly Quad[], url: string): Quad[] {
  const attachments = new Set(objectsOf(quads, url, `${AS}attachment`).filter((t) => t.termType === 'NamedNode').map((t) => t.value));
  return quads.filter((q) => q.subject.value === url || (attachments.has(q.subject.value) && q.subject.value.startsWith(`${url}-`)));
}

/** Reads one post from a document's triples (or their index); undefined when `url` is not a well-formed `as:Note`. */
export function parsePost(quads: readonly Quad[] | QuadIndex, url: string): Post | undefined {
  const index = quads instanceof QuadIndex ? quads : new QuadIndex(quads);
  if (!index.hasType(url, `${AS}Note`)) return undefined;
  const content = index.objectOf(url, `${AS}content`);
  const author = index.objectOf(url, `${AS}attributedTo`);
  const published = isoDate(index.objectOf(url, `${AS}published`)?.value);
  if (content?.termType !== 'Literal' || author?.termType !== 'NamedNode' || !published) return undefined;
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
    url, author: author.value, content: content.value, published, attachments,
    ...(updated ? { updated } : {}),
    ...(inReplyTo?.termType === 'NamedNode' ? { inReplyTo: inReplyTo.value } : {}),
  };
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

function isoDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
