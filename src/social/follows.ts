import { DataFactory, type Quad } from 'n3';
import { InvalidInputError, NotFoundError, describe } from '../errors.js';
import { QuadIndex } from '../rdf.js';
import { AS, HEARTH } from '../vocab.js';
import { findRegisteredContainer, postsContainerOf, readProfileLinks } from './discovery.js';
import { cleanText } from '../text.js';
import { resolveMovedTo } from './moves.js';
import { notify, undoQuads, type Delivery } from './notify.js';
import { as, dateLiteral, newId, patchDocument, rdfType, triple } from './patch.js';
import { DeadlineError, readRdf, type ReadLimits } from './remote.js';
import { startDeadline } from './schedule.js';
import { ownArea, type Actor } from './self.js';

const { literal, namedNode } = DataFactory;

/** One person followed: an `as:Follow` in the follower's `social/following/index.ttl`. */
export interface Follow {
  /** URL of the `as:Follow`. */
  url: string;
  /** The follower's WebID (`as:actor`). */
  actor: string;
  /** The followed WebID (`as:object`). */
  object: string;
  /** When (ISO date). */
  published?: string;
  /** The followed person's posts container, cached so timelines skip discovery. */
  postsContainer?: string;
  /** Their display name as it was when followed (someone else's text, cleaned). */
  name?: string;
}

/** The document of the following list inside a following container. */
export const followingDocumentName = 'index.ttl';

/** Time a follow may take unless told otherwise, in ms: finding where they are, their posts, and notifying them. */
export const defaultFollowDeadlineMs = 15_000;

/** How a follow is done: the bounds of each read, and of the whole. */
export interface FollowOptions extends ReadLimits {
  /**
   * Time allowed for the whole follow (default 15 s): move resolution, profile, type index and the notification. What
   * is not found by then is left out (a warning says so); the follow itself is still saved in one's own pod.
   */
  followDeadlineMs?: number;
}

/** Reads the follows of a following document (any pod: bounded, linear in its size). */
function parseFollows(quads: readonly Quad[], actor?: string): Follow[] {
  const index = new QuadIndex(quads);
  return index.subjectsOfType(`${AS}Follow`).flatMap((url) => {
    const who = index.objectOf(url, `${AS}actor`)?.value;
    const object = index.objectOf(url, `${AS}object`);
    if (!who || object?.termType !== 'NamedNode' || (actor && who !== actor)) return [];
    const published = index.objectOf(url, `${AS}published`)?.value;
    const container = index.objectOf(url, `${HEARTH}postsContainer`);
    const name = index.objectOf(object.value, `${AS}name`);
    return [{ url, actor: who, object: object.value, ...(published ? { published } : {}),
      ...(container?.termType === 'NamedNode' ? { postsContainer: container.value } : {}),
      ...(name?.termType === 'Literal' && cleanText(name.value, 100) ? { name: cleanText(name.value, 100) } : {}) }];
  }).sort((a, b) => ((a.published ?? '') < (b.published ?? '') ? -1 : 1));
}

/** The acting person's own following list (empty when they follow nobody yet); `limits` bound the read (e.g. a deadline). */
export async function readOwnFollowing(actor: Actor, limits: ReadLimits = {}): Promise<Follow[]> {
  const url = `${await ownArea(actor, 'following')}${followingDocumentName}`;
  try {
    return parseFollows((await readRdf(actor.fetch, url, limits)).quads, actor.webId);
  } catch (error: unknown) {
    if (error instanceof NotFoundError) return [];
    throw error;
  }
}

/** Whom `webId` follows, read from their pod (profile -> type index -> `as:Follow` container), bounded. */
export async function listFollowing(fetchFn: typeof fetch, webId: string, limits: ReadLimits = {}): Promise<Follow[]> {
  const links = await readProfileLinks(fetchFn, webId, limits);
  if (!links.publicTypeIndex) return [];
  const container = await findRegisteredContainer(fetchFn, links.publicTypeIndex, `${AS}Follow`, limits);
  try {
    return parseFollows((await readRdf(fetchFn, `${container}${followingDocumentName}`, limits)).quads, webId);
  } catch (error: unknown) {
    if (error instanceof NotFoundError) return [];
    throw error;
  }
}

/**
 * Follows `webId`: records an `as:Follow` (with their posts container, when found) and notifies them. Bounded by
 * `followDeadlineMs` as a whole: their pod cannot make it wait longer, only leave out what it did not answer in time.
 */
export async function follow(actor: Actor, target: string, options: FollowOptions = {}): Promise<{ follow: Follow; delivery: Delivery; warning?: string; movedFrom?: string }> {
  checkWebId(target);
  const { followDeadlineMs, ...readLimits } = options;
  const deadline = startDeadline(followDeadlineMs ?? defaultFollowDeadlineMs, options.signal);
  try {
    const limits: ReadLimits = { ...readLimits, signal: deadline.signal };
    // Someone who moved is followed where they are now (a move their new profile confirms).
    const webId = await resolveMovedTo(globalThis.fetch, target, limits);
    const movedFrom = webId === target ? {} : { movedFrom: target };
    if (webId === actor.webId) throw new InvalidInputError('You cannot follow yourself: your own posts are always in your timeline.');
    // One's own pod is trusted: its reads and the save keep the usual bounds (not those for their pod), and no deadline.
    const existing = (await readOwnFollowing(actor, options.signal ? { signal: options.signal } : {})).find((f) => f.object === webId);
    if (existing) return { follow: existing, delivery: { notified: false, reason: 'already following' }, ...movedFrom };
    let postsContainer: string | undefined;
    let name: string | undefined;
    let warning: string | undefined;
    try {
      const links = await readProfileLinks(globalThis.fetch, webId, limits);
      name = links.name;
      postsContainer = await postsContainerOf(globalThis.fetch, links, limits);
    } catch (error: unknown) {
      const reason = deadline.signal.aborted ? new DeadlineError(`the follow's deadline passed (${describe(error)})`) : error;
      warning = `Their posts could not be found yet: ${describe(reason)}`;
    }
    const now = new Date();
    const url = `${await ownArea(actor, 'following')}${followingDocumentName}#${newId(now.getTime())}`;
    const quads = [triple(url, rdfType, as('Follow')), triple(url, as('actor'), namedNode(actor.webId)),
      triple(url, as('object'), namedNode(webId)), triple(url, as('published'), dateLiteral(now))];
    const stored = [...quads,
      ...(postsContainer ? [triple(url, namedNode(`${HEARTH}postsContainer`), namedNode(postsContainer))] : []),
      ...(name ? [triple(webId, as('name'), literal(name))] : [])];
    await patchDocument(actor.fetch, url.split('#')[0]!, { inserts: stored }, 'Saving the follow');
    // The notification gets what is left of the deadline (its send included: notify bounds it by `timeoutMs`).
    const left = deadline.remainingMs();
    const delivery = left > 0 ? await notify(actor, webId, quads, { ...limits, timeoutMs: Math.min(readLimits.timeoutMs ?? 5_000, Math.ceil(left)) })
      : { notified: false, reason: 'the follow\'s deadline passed before they could be notified' };
    return { follow: { url, actor: actor.webId, object: webId, published: now.toISOString(), ...(postsContainer ? { postsContainer } : {}),
      ...(name ? { name } : {}) },
      delivery, ...(warning ? { warning } : {}), ...movedFrom };
  } finally {
    deadline.clear();
  }
}

/** Stores in the follows of `following` the posts containers found for them, replacing stale ones. */
export async function rememberPostsContainers(actor: Actor, following: readonly Follow[], found: readonly { webId: string; container: string }[]): Promise<void> {
  const deletes: Quad[] = [];
  const inserts: Quad[] = [];
  for (const { webId, container } of found) {
    for (const f of following.filter((entry) => entry.object === webId && entry.postsContainer !== container)) {
      if (f.postsContainer) deletes.push(triple(f.url, namedNode(`${HEARTH}postsContainer`), namedNode(f.postsContainer)));
      inserts.push(triple(f.url, namedNode(`${HEARTH}postsContainer`), namedNode(container)));
    }
  }
  if (inserts.length === 0) return;
  await patchDocument(actor.fetch, `${await ownArea(actor, 'following')}${followingDocumentName}`, { deletes, inserts }, 'Remembering posts containers');
}

/** Stops following `webId`: removes the `as:Follow` and sends them an `as:Undo` of it. */
export async function unfollow(actor: Actor, webId: string, limits: ReadLimits = {}): Promise<{ removed: Follow[]; delivery: Delivery }> {
  checkWebId(webId);
  const url = `${await ownArea(actor, 'following')}${followingDocumentName}`;
  const { quads } = await readRdf(actor.fetch, url).catch((error: unknown) => {
    if (error instanceof NotFoundError) return { quads: [] as Quad[] };
    throw error;
  });
  const removed = parseFollows(quads, actor.webId).filter((f) => f.object === webId);
  if (removed.length === 0) throw new NotFoundError(404, webId, `You do not follow ${webId}.`);
  const subjects = new Set(removed.map((f) => f.url));
  const gone = (q: Quad) => subjects.has(q.subject.value) || (q.subject.value === webId && q.predicate.value === `${AS}name`);
  await patchDocument(actor.fetch, url, { deletes: quads.filter(gone).map((q) => triple(q.subject.value, q.predicate, q.object)) },
    'Removing the follow');
  const delivery = await notify(actor, webId, undoQuads(actor.webId, removed.map((f) => f.url)), limits);
  return { removed, delivery };
}

function checkWebId(webId: string): void {
  if (!/^https?:\/\/[^\s]+$/u.test(webId)) throw new InvalidInputError(`"${webId}" is not a WebID (an http(s) URL).`);
  try {
    new URL(webId);
  } catch {
    throw new InvalidInputError(`"${webId}" is not a WebID (an http(s) URL).`);
  }
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
 * new WebID and unfollowed at the old one (all of them, or `only` those). Answers what changed.
 */
export async function followMoves(actor: Actor, limits: ReadLimits = {}, only?: readonly string[]): Promise<MovedFollow[]> {
  const moved: MovedFollow[] = [];
  for (const followed of await readOwnFollowing(actor, limits)) {
    if (only && !only.includes(followed.object)) continue;
    const now = await resolveMovedTo(globalThis.fetch, followed.object, limits);
    if (now === followed.object) continue;
    if (now !== actor.webId) await follow(actor, now, limits);
    await unfollow(actor, followed.object, limits);
    moved.push({ from: followed.object, to: now });
  }
  return moved;
}
