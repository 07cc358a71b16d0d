import { DataFactory, type Quad } from 'n3';
import { as, dateLiteral, documentOf, newId, QuadIndex, rdfType, triple } from '../rdf.js';
import { HearthError, NotFoundError } from '../errors.js';
import { canonicalUrl, isInside } from '../url.js';
import { AS, LDP } from '../vocab.js';
import type { Post } from './model.js';
import { notify, undoQuads, type Delivery } from './notify.js';
import { patchDocument } from './patch.js';
import { createPost, getPost, type ImageInput } from './posts.js';
import { mapBounded, readRdf, type ReadLimits } from './remote.js';
import { ownArea, type Actor } from './self.js';

const { namedNode, blankNode } = DataFactory;

/** A like: an `as:Like` in the liker's `social/likes/YYYY-MM.ttl`. */
export interface Like {
  /** URL of the `as:Like`. */
  url: string;
  /** The liker's WebID. */
  actor: string;
  /** The liked post. */
  object: string;
  /** When (ISO date). */
  published?: string;
}

/**
 * Replies to a post: a post with `as:inReplyTo` in the replier's pod, and an `as:Create` of it in the author's inbox.
 */
export async function reply(
  actor: Actor,
  postUrl: string,
  input: { content: string; image?: ImageInput },
  limits: ReadLimits = {},
): Promise<{ post: Post; delivery: Delivery }> {
  const original = await getPost(globalThis.fetch, postUrl, limits);
  const post = await createPost(actor, { ...input, inReplyTo: original.url });
  const create = blankNode();
  const delivery = await notify(
    actor,
    original.author,
    [
      triple(create, rdfType, as('Create')),
      triple(create, as('actor'), namedNode(actor.webId)),
      triple(create, as('object'), namedNode(post.url)),
      triple(create, as('published'), dateLiteral(new Date(post.published))),
      triple(post.url, rdfType, as('Note')),
      triple(post.url, as('inReplyTo'), namedNode(original.url)),
    ],
    limits,
  );
  return { post, delivery };
}

/**
 * Likes a post: an `as:Like` in the actor's pod and the same `as:Like` in the author's inbox. Liking twice keeps one.
 */
export async function like(
  actor: Actor,
  postUrl: string,
  limits: ReadLimits = {},
): Promise<{ like: Like; delivery: Delivery }> {
  const post = await getPost(globalThis.fetch, postUrl, limits);
  const existing = (await readOwnLikes(actor)).find((l) => l.object === post.url);
  if (existing) return { like: existing, delivery: { notified: false, reason: 'already liked' } };
  const now = new Date();
  const url = `${await ownArea(actor, 'likes')}${now.toISOString().slice(0, 7)}.ttl#${newId(now.getTime())}`;
  const quads = [
    triple(url, rdfType, as('Like')),
    triple(url, as('actor'), namedNode(actor.webId)),
    triple(url, as('object'), namedNode(post.url)),
    triple(url, as('published'), dateLiteral(now)),
  ];
  await patchDocument(actor.fetch, documentOf(url), { inserts: quads }, 'Saving the like');
  const delivery = await notify(actor, post.author, quads, limits);
  return { like: { url, actor: actor.webId, object: post.url, published: now.toISOString() }, delivery };
}

/** Takes a like back: removes the actor's `as:Like` of the post and sends the author an `as:Undo` of it. */
export async function unlike(
  actor: Actor,
  postUrl: string,
  limits: ReadLimits = {},
): Promise<{ removed: Like[]; delivery: Delivery }> {
  const removed = (await readOwnLikes(actor)).filter((l) => l.object === postUrl);
  if (removed.length === 0) throw new NotFoundError(404, postUrl, `You have not liked ${postUrl}.`);
  for (const document of new Set(removed.map((l) => documentOf(l.url)))) {
    const { quads } = await readRdf(actor.fetch, document);
    const subjects = new Set(removed.map((l) => l.url));
    await patchDocument(
      actor.fetch,
      document,
      {
        deletes: quads
          .filter((q) => subjects.has(q.subject.value))
          .map((q) => triple(q.subject.value, q.predicate, q.object)),
      },
      'Removing the like',
    );
  }
  let author: string | undefined;
  try {
    author = (await getPost(globalThis.fetch, postUrl, limits)).author;
  } catch (error: unknown) {
    if (!(error instanceof HearthError)) throw error; // the post is gone or unreadable: nobody to tell
  }
  const delivery = author
    ? await notify(
        actor,
        author,
        undoQuads(
          actor.webId,
          removed.map((l) => l.url),
        ),
        limits,
      )
    : { notified: false, reason: 'the post is gone' };
  return { removed, delivery };
}

/**
 * The acting person's likes (every month document of their likes container). Only likes whose URL is in the document
 * they were read from: `unlike` changes that document, so no text in the pod can point it anywhere else.
 */
export async function readOwnLikes(actor: Actor): Promise<Like[]> {
  const container = await ownArea(actor, 'likes');
  const listing = await readRdf(actor.fetch, container);
  const documents = listing.quads
    .filter((q) => q.predicate.value === `${LDP}contains` && /\/\d{4}-\d{2}\.ttl$/u.test(q.object.value))
    .map((q) => canonicalUrl(q.object.value))
    .filter((url): url is string => url !== undefined && isInside(url, container));
  const perDocument = await mapBounded(documents, 4, async (url) =>
    parseLikes((await readRdf(actor.fetch, url)).quads, actor.webId).filter((l) => {
      const canonical = canonicalUrl(l.url);
      return canonical !== undefined && documentOf(canonical) === url;
    }),
  );
  return perDocument.flat();
}

/** The `as:Like`s of a document made by `actor`. */
export function parseLikes(quads: readonly Quad[], actor?: string): Like[] {
  const index = new QuadIndex(quads); // one pass: each like's lookups cost what they find, not a scan of the document
  return index.subjectsOfType(`${AS}Like`).flatMap((url) => {
    const who = index.objectOf(url, `${AS}actor`)?.value;
    const object = index.objectOf(url, `${AS}object`)?.value;
    if (!who || !object || (actor && who !== actor)) return [];
    const published = index.objectOf(url, `${AS}published`)?.value;
    return [{ url, actor: who, object, ...(published ? { published } : {}) }];
  });
}
