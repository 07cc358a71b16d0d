import { DataFactory, type Quad } from 'n3';
import { HearthError, InvalidInputError, describe, httpErrorFor } from '../errors.js';
import { documentOf, parseTurtle, writeTurtle } from '../rdf.js';
import { notify, type Delivery } from '../social/notify.js';
import { patchDocument } from '../social/patch.js';
import { listFollowers } from '../social/notifications.js';
import { readRdf, type ReadLimits } from '../social/remote.js';
import { canonicalUrl } from '../url.js';
import { followAsBefore, type Refollowed } from './refollow.js';
import { ownArea, type Actor } from '../social/self.js';
import { feedUrlOf } from '../social/feed.js';
import { AS, RDF, XSD } from '../vocab.js';
import { union } from './rewrite.js';

const { namedNode, literal, quad, blankNode } = DataFactory;

/** Adds statements to an RDF document of one's own pod (read, union, write back). */
export async function addToDocument(fetchFn: typeof fetch, url: string, quads: Quad[]): Promise<void> {
  const read = await fetchFn(url, { headers: { accept: 'text/turtle' } });
  if (!read.ok) throw await httpErrorFor(read, `Reading ${url}`);
  const current = parseTurtle(await read.text(), url);
  const write = await fetchFn(url, {
    method: 'PUT',
    headers: { 'content-type': 'text/turtle' },
    body: writeTurtle(union(current, quads)),
  });
  if (!write.ok) throw await httpErrorFor(write, `Writing ${url}`);
  await write.body?.cancel();
}

/**
 * States that the owner moved to `newWebId` (`as:movedTo`), with the old manager's fetch: in the old profile, in the
 * metadata of the old posts container and in the old feed, one of which every follower's timeline reads anyway, so
 * they notice the move without a single extra request.
 */
export async function announceMovedTo(fetchFn: typeof fetch, oldWebId: string, newWebId: string): Promise<void> {
  const movedTo = quad(namedNode(oldWebId), namedNode(`${AS}movedTo`), namedNode(newWebId));
  await addToDocument(fetchFn, documentOf(oldWebId), [movedTo]);
  const posts = await ownArea({ webId: oldWebId, fetch: fetchFn }, 'posts');
  await patchDocument(fetchFn, `${posts}.meta`, { inserts: [movedTo] }, 'Marking the old posts as moved');
  // Followers who remember the feed read it alone: it says so too (when there is one; none is made for this).
  const feed = feedUrlOf(posts);
  const head = await fetchFn(feed, { method: 'HEAD' });
  await head.body?.cancel();
  if (head.ok) await patchDocument(fetchFn, feed, { inserts: [movedTo] }, 'Marking the old feed as moved');
}

/**
 * States in the new profile that it is also the old WebID (`as:alsoKnownAs`): the confirmation `resolveMovedTo` checks.
 */
export async function confirmAlsoKnownAs(fetchFn: typeof fetch, newWebId: string, oldWebId: string): Promise<void> {
  await addToDocument(fetchFn, documentOf(newWebId), [
    quad(namedNode(newWebId), namedNode(`${AS}alsoKnownAs`), namedNode(oldWebId)),
  ]);
}

/** The quads of an `as:Move` of `oldWebId` to `newWebId`. */
export function moveActivity(oldWebId: string, newWebId: string, when = new Date()): Quad[] {
  const move = blankNode();
  return [
    quad(move, namedNode(`${RDF}type`), namedNode(`${AS}Move`)),
    quad(move, namedNode(`${AS}actor`), namedNode(oldWebId)),
    quad(move, namedNode(`${AS}object`), namedNode(oldWebId)),
    quad(move, namedNode(`${AS}target`), namedNode(newWebId)),
    quad(move, namedNode(`${AS}published`), literal(when.toISOString(), namedNode(`${XSD}dateTime`))),
  ];
}

/** Sends an `as:Move` to each follower's inbox, as the old account; answers each delivery. Never throws. */
export async function notifyFollowersOfMove(
  oldActor: Actor,
  followers: readonly string[],
  newWebId: string,
  limits: ReadLimits = {},
): Promise<{ follower: string; delivery: Delivery }[]> {
  const quads = moveActivity(oldActor.webId, newWebId);
  const out: { follower: string; delivery: Delivery }[] = [];
  for (const follower of followers) out.push({ follower, delivery: await notify(oldActor, follower, quads, limits) });
  return out;
}

/** What `announceMove` did: who was told of the move. */
export interface MoveAnnouncement {
  /** The new WebID, confirmed by its profile. */
  newWebId: string;
  /** Each follower, and whether the `as:Move` reached their inbox. */
  followers: { follower: string; delivery: Delivery }[];
  /** Why the followers could not be listed, when they could not (the move stands). */
  followersError?: string;
}

/**
 * The last step of a move made by hand (the web page's guided move: export here, import there): checks that the new
 * profile names the old WebID with `as:alsoKnownAs` (`confirmAlsoKnownAs`, done from the new account), then states
 * `as:movedTo` in the old profile and posts, and sends an `as:Move` to every follower, as `movePod` does.
 */
export async function announceMove(
  oldActor: Actor,
  newWebId: string,
  options: { publicFetch?: typeof fetch; limits?: ReadLimits } = {},
): Promise<MoveAnnouncement> {
  const limits = options.limits ?? {};
  if (!canonicalUrl(newWebId) || newWebId === oldActor.webId)
    throw new InvalidInputError(`"${newWebId.slice(0, 200)}" is not the WebID of another account (an http(s) URL).`);
  const { quads } = await readRdf(options.publicFetch ?? oldActor.fetch, documentOf(newWebId), limits);
  const confirmed = quads.some(
    (q) =>
      q.subject.value === newWebId && q.predicate.value === `${AS}alsoKnownAs` && q.object.value === oldActor.webId,
  );
  if (!confirmed) {
    throw new InvalidInputError(
      `The profile of ${newWebId} does not say it is also ${oldActor.webId}: confirm the move from the new account ` +
        'first (after the import there). Nothing was announced.',
    );
  }
  await announceMovedTo(oldActor.fetch, oldActor.webId, newWebId);
  let followers: string[] = [];
  let followersError: string | undefined;
  try {
    followers = await listFollowers(oldActor);
  } catch (error: unknown) {
    if (!(error instanceof HearthError)) throw error;
    followersError = describe(error);
  }
  return {
    newWebId,
    followers: await notifyFollowersOfMove(oldActor, followers, newWebId, limits),
    ...(followersError ? { followersError } : {}),
  };
}

/**
 * The new account's side of a move made by hand: its profile says it is also `oldWebId` (what `announceMove` checks),
 * and everyone the imported follows name is sent the new WebID's `as:Follow` (`followAsBefore`).
 */
export async function confirmMovedHere(newActor: Actor, oldWebId: string): Promise<Refollowed[]> {
  if (!canonicalUrl(oldWebId) || oldWebId === newActor.webId)
    throw new InvalidInputError(`"${oldWebId.slice(0, 200)}" is not the WebID of another account (an http(s) URL).`);
  await confirmAlsoKnownAs(newActor.fetch, newActor.webId, oldWebId);
  return followAsBefore(newActor, newActor);
}
