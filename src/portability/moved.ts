import { DataFactory, type Quad } from 'n3';
import { httpErrorFor } from '../errors.js';
import { parseTurtle, writeTurtle } from '../rdf.js';
import { follow, readOwnFollowing, unfollow } from '../social/follows.js';
import { notify, type Delivery } from '../social/notify.js';
import { readRdf, type ReadLimits } from '../social/remote.js';
import type { Actor } from '../social/self.js';
import { AS, RDF, XSD } from '../vocab.js';
import { union } from './rewrite.js';

const { namedNode, literal, quad, blankNode } = DataFactory;

/** Most `as:movedTo` hops followed (a moved account may move again). */
const maxHops = 5;

/** The WebID's profile document URL. */
function profileDocument(webId: string): string {
  return webId.split('#')[0]!;
}

/**
 * Where a person now is: follows `as:movedTo` from their profile, hop by hop (at most 5, no loops), and accepts a hop only
 * when the new profile names the old WebID with `as:alsoKnownAs` (so nobody can redirect followers to an account that did
 * not agree). Answers `webId` itself when they have not moved or the move cannot be confirmed. Never throws.
 */
export async function resolveMovedTo(fetchFn: typeof fetch, webId: string, limits: ReadLimits = {}): Promise<string> {
  let current = webId;
  const seen = new Set([webId]);
  for (let hop = 0; hop < maxHops; hop++) {
    let target: string | undefined;
    try {
      const { quads } = await readRdf(fetchFn, profileDocument(current), limits);
      target = quads.find((q) => q.subject.value === current && q.predicate.value === `${AS}movedTo` && q.object.termType === 'NamedNode')?.object.value;
      if (!target || seen.has(target) || !/^https?:\/\//u.test(target)) return current;
      const confirmed = (await readRdf(fetchFn, profileDocument(target), limits)).quads
        .some((q) => q.subject.value === target && q.predicate.value === `${AS}alsoKnownAs` && q.object.value === current);
      if (!confirmed) return current;
    } catch {
      return current;
    }
    seen.add(target);
    current = target;
  }
  return current;
}

/** Adds statements to an RDF document of one's own pod (read, union, write back). */
export async function addToDocument(fetchFn: typeof fetch, url: string, quads: Quad[]): Promise<void> {
  const read = await fetchFn(url, { headers: { accept: 'text/turtle' } });
  if (!read.ok) throw await httpErrorFor(read, `Reading ${url}`);
  const current = parseTurtle(await read.text(), url);
  const write = await fetchFn(url, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: writeTurtle(union(current, quads)) });
  if (!write.ok) throw await httpErrorFor(write, `Writing ${url}`);
  await write.body?.cancel();
}

/** States in the old profile that its owner moved to `newWebId` (`as:movedTo`), with the old manager's fetch. */
export async function announceMovedTo(fetchFn: typeof fetch, oldWebId: string, newWebId: string): Promise<void> {
  await addToDocument(fetchFn, profileDocument(oldWebId), [quad(namedNode(oldWebId), namedNode(`${AS}movedTo`), namedNode(newWebId))]);
}

/** States in the new profile that it is also the old WebID (`as:alsoKnownAs`): the confirmation `resolveMovedTo` checks. */
export async function confirmAlsoKnownAs(fetchFn: typeof fetch, newWebId: string, oldWebId: string): Promise<void> {
  await addToDocument(fetchFn, profileDocument(newWebId), [quad(namedNode(newWebId), namedNode(`${AS}alsoKnownAs`), namedNode(oldWebId))]);
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
export async function notifyFollowersOfMove(oldActor: Actor, followers: readonly string[], newWebId: string,
  limits: ReadLimits = {}): Promise<{ follower: string; delivery: Delivery }[]> {
  const quads = moveActivity(oldActor.webId, newWebId);
  const out: { follower: string; delivery: Delivery }[] = [];
  for (const follower of followers) out.push({ follower, delivery: await notify(oldActor, follower, quads, limits) });
  return out;
}

/** One follow that was moved along: the old WebID, the new one. */
export interface MovedFollow {
  /** The WebID followed before. */
  from: string;
  /** The WebID followed now. */
  to: string;
}

/**
 * Follows moves for the acting person: every account they follow that states a confirmed `as:movedTo` is followed at its
 * new WebID and unfollowed at the old one. Answers what changed. The timeline then reads the new pods.
 */
export async function followMoves(actor: Actor, limits: ReadLimits = {}): Promise<MovedFollow[]> {
  const moved: MovedFollow[] = [];
  for (const followed of await readOwnFollowing(actor)) {
    const now = await resolveMovedTo(globalThis.fetch, followed.object, limits);
    if (now === followed.object) continue;
    if (now !== actor.webId) await follow(actor, now, limits);
    await unfollow(actor, followed.object, limits);
    moved.push({ from: followed.object, to: now });
  }
  return moved;
}
