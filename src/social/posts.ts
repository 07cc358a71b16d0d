import type { Quad } from 'n3';
import { as, dateLiteral, documentOf, newId, QuadIndex, rdfType, triple } from '../rdf.js';
import { ForbiddenError, HearthError, HttpError, InvalidInputError, NotFoundError, httpErrorFor } from '../errors.js';
import { canonicalUrl, isInside } from '../url.js';
import { AS } from '../vocab.js';
import {
  byNewest,
  dayDocument,
  maxPostLength,
  parsePost,
  postQuads,
  textQuads,
  textTriplesOf,
  triplesAbout,
  type Attachment,
  type Post,
} from './model.js';
import { patchDocument } from './patch.js';
import { readRdf, type ReadLimits } from './remote.js';
import { notify, undoQuads, type Delivery } from './notify.js';
import { acceptedImageTypes, checkImage } from './images.js';
import { isUploadIn } from './layout.js';
import { ownArea, type Actor } from './self.js';
import { collectPosts, type TimelineOptions } from './timeline.js';
import { addToFeed, changeFeedItem, readOwnFeed, removalOf } from './feed-write.js';

/** An image to attach: its bytes and media type. */
export interface ImageInput {
  /** The image bytes: PNG, JPEG, GIF, WebP or AVIF, recognised by their content (`checkImage`). */
  data: Uint8Array;
  /** Its media type as the caller believes it (from a file name, say): a hint at most; the bytes decide. */
  mediaType: string;
}

/** Largest image accepted, in bytes. */
export const maxImageBytes = 10 * 1024 * 1024;

/** Checks a post's text: not empty, at most `maxPostLength` characters. */
export function checkContent(content: string): string {
  if (typeof content !== 'string' || content.trim() === '') throw new InvalidInputError('A post needs some text.');
  if ([...content].length > maxPostLength) {
    throw new InvalidInputError(
      `A post may have at most ${maxPostLength} characters; this one has ${[...content].length}.`,
    );
  }
  return content;
}

/**
 * Uploads an image into the actor's `social/media/` and answers it as an attachment. Its content decides its type
 * (`checkImage`): text, empty files and SVG are refused whatever they are called.
 */
export async function uploadImage(actor: Actor, image: ImageInput): Promise<Attachment> {
  if (image.data.byteLength > maxImageBytes)
    throw new InvalidInputError(`Images may have at most ${maxImageBytes / 1024 / 1024} MB.`);
  const { data, mediaType } = checkImage(image);
  const url = `${await ownArea(actor, 'media')}${newId()}.${acceptedImageTypes[mediaType]}`;
  const response = await actor.fetch(url, {
    method: 'PUT',
    headers: { 'content-type': mediaType, 'if-none-match': '*' },
    body: new Blob([new Uint8Array(data)], { type: mediaType }),
  });
  if (!response.ok) throw await httpErrorFor(response, `Uploading the image to ${url}`);
  await response.body?.cancel();
  return { url, mediaType };
}

/**
 * Deletes a file Hearth uploaded and no longer links to (a deleted post's image, a replaced avatar), best effort: what
 * is left behind is only a file nothing names, so a refusal or a broken connection (fetch's TypeError) does not undo
 * what was done. Only the caller's own uploads reach here (`isUploadIn`).
 */
export async function deleteUpload(actor: Actor, url: string): Promise<void> {
  let response: Response;
  try {
    response = await actor.fetch(url, { method: 'DELETE' });
  } catch (error: unknown) {
    if (error instanceof TypeError || error instanceof HearthError) return;
    throw error;
  }
  await response.body?.cancel();
}

/** Creates a post (an N3 Patch insert into today's document: concurrent posts never overwrite each other). */
export async function createPost(
  actor: Actor,
  input: { content: string; image?: ImageInput; inReplyTo?: string },
): Promise<Post> {
  const content = checkContent(input.content);
  const now = new Date();
  const attachments = input.image ? [await uploadImage(actor, input.image)] : [];
  const url = `${dayDocument(await ownArea(actor, 'posts'), now)}#${newId(now.getTime())}`;
  const post: Post = {
    url,
    author: actor.webId,
    content,
    published: now.toISOString(),
    attachments,
    ...(input.inReplyTo ? { inReplyTo: input.inReplyTo } : {}),
  };
  // The feed is read beside the day document's write, then the post is added to it.
  const feed = readOwnFeed(actor);
  feed.catch(() => undefined); // read again by addToFeed when this failed
  await patchDocument(actor.fetch, documentOf(url), { inserts: postQuads(post) }, 'Creating the post');
  await addToFeed(actor, post, feed.catch(() => readOwnFeed(actor)));
  return post;
}

/** Reads one post by URL, as the server resolves it (bounded); a deleted post throws NotFoundError (410). */
export async function getPost(fetchFn: typeof fetch, postUrl: string, limits: ReadLimits = {}): Promise<Post> {
  const url = canonicalUrl(postUrl);
  if (!url)
    throw new InvalidInputError(`"${postUrl}" is not the URL of a post (https://.../social/posts/<day>.ttl#<id>).`);
  const { quads } = await readRdf(fetchFn, documentOf(url), limits).catch((error: unknown) => {
    throw error instanceof NotFoundError
      ? new NotFoundError(error.status, url, `There is no post ${url} (${documentOf(url)} answers ${error.status}).`)
      : error;
  });
  const index = new QuadIndex(quads);
  const post = parsePost(index, url);
  if (post) return post;
  throw missing(index, url);
}

/** The latest posts of one person, newest first (`before`: only posts published before that date). */
export async function listPosts(
  fetchFn: typeof fetch,
  webId: string,
  options: Pick<TimelineOptions, 'limit' | 'before' | 'limits'> = {},
): Promise<Post[]> {
  const result = await collectPosts(fetchFn, [{ webId }], options);
  if (result.errors.length > 0) throw result.errors[0]!.error;
  return result.posts.sort(byNewest);
}

/**
 * Replaces the text of one's own post, its `as:content` and `as:source` both (see `textQuads`), and sets `as:updated`.
 */
export async function editPost(actor: Actor, postUrl: string, content: string): Promise<Post> {
  checkContent(content);
  const url = await ownPostUrl(actor, postUrl);
  const edited = await retryOnConflict(async () => {
    const { quads } = await readRdf(actor.fetch, documentOf(url));
    const post = parsePost(quads, url);
    if (!post) throw missing(quads, url);
    const old = [
      ...textTriplesOf(quads, url),
      ...quads.filter((q) => q.subject.value === url && q.predicate.value === `${AS}updated`),
    ];
    const updated = new Date();
    await patchDocument(
      actor.fetch,
      documentOf(url),
      {
        deletes: old.map((q) => triple(q.subject.value, q.predicate, q.object)),
        inserts: [...textQuads(url, content), triple(url, as('updated'), dateLiteral(updated))],
      },
      'Editing the post',
    );
    return { ...post, content, updated: updated.toISOString() };
  });
  await changeFeedItem(actor, url, (quads) => ({
    deletes: [
      ...textTriplesOf(quads, url),
      ...quads.filter((q) => q.subject.value === url && q.predicate.value === `${AS}updated`),
    ].map((q) => triple(q.subject.value, q.predicate, q.object)),
    inserts: [...textQuads(url, content), triple(url, as('updated'), dateLiteral(new Date(edited.updated!)))],
  }));
  return edited;
}

/**
 * Deletes one's own post: its triples go, an `as:Tombstone` stays at its URL; its images are removed (only files
 * directly
 * in the media area: a post's text is not trusted to name what the owner deletes). A reply also sends the replied-to
 * author an `as:Undo` of it, so their reply count drops.
 */
export async function deletePost(
  actor: Actor,
  postUrl: string,
  limits: ReadLimits = {},
): Promise<{ delivery?: Delivery }> {
  const url = await ownPostUrl(actor, postUrl);
  const post = await retryOnConflict(async () => {
    const { quads } = await readRdf(actor.fetch, documentOf(url));
    const found = parsePost(quads, url);
    if (!found) throw missing(quads, url);
    await patchDocument(
      actor.fetch,
      documentOf(url),
      {
        deletes: triplesAbout(quads, url).map((q) => triple(q.subject.value, q.predicate, q.object)),
        inserts: [
          triple(url, rdfType, as('Tombstone')),
          triple(url, as('formerType'), as('Note')),
          triple(url, as('deleted'), dateLiteral(new Date())),
        ],
      },
      'Deleting the post',
    );
    return found;
  });
  await changeFeedItem(actor, url, (quads, feedUrl) => removalOf(quads, feedUrl, url));
  const media = await ownArea(actor, 'media');
  await Promise.all(
    post.attachments.filter((a) => isUploadIn(a.url, media)).map((a) => deleteUpload(actor, canonicalUrl(a.url)!)),
  );
  if (!post.inReplyTo) return {};
  const author = await getPost(globalThis.fetch, post.inReplyTo, limits).then(
    (original) => original.author,
    unreadable,
  );
  return {
    delivery: author
      ? await notify(actor, author, undoQuads(actor.webId, [url]), limits)
      : { notified: false, reason: 'the post replied to is gone' },
  };
}

/** The URL of one of the actor's own posts as the server resolves it; a URL outside their posts is refused. */
async function ownPostUrl(actor: Actor, url: string): Promise<string> {
  const posts = await ownArea(actor, 'posts');
  const canonical = canonicalUrl(url);
  if (!canonical || !isInside(canonical, posts))
    throw new ForbiddenError(403, url, `${url} is not one of your posts (they are under ${posts}).`);
  return canonical;
}

function missing(quads: readonly Quad[] | QuadIndex, url: string): NotFoundError {
  const index = quads instanceof QuadIndex ? quads : new QuadIndex(quads);
  if (index.hasType(url, `${AS}Tombstone`)) return new NotFoundError(410, url, `The post ${url} was deleted.`);
  return new NotFoundError(404, url, `There is no post ${url}.`);
}

/**
 * Undefined for a post that cannot be read (gone, its pod down, not a post): a typed error; anything else is thrown.
 */
function unreadable(error: unknown): undefined {
  if (error instanceof HearthError) return undefined;
  throw error;
}

/** Runs a read-then-patch again when a concurrent change made the patch conflict (409). */
async function retryOnConflict<T>(step: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await step();
    } catch (error: unknown) {
      if (!(error instanceof HttpError && error.status === 409) || attempt >= attempts) throw error;
    }
  }
}
