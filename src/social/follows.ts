import { DataFactory, type Quad } from 'n3';
import {
  ForbiddenError,
  HearthError,
  HttpError,
  InvalidInputError,
  NetworkError,
  NotFoundError,
  describe,
} from '../errors.js';
import {
  as,
  BadDataError,
  dateLiteral,
  documentOf,
  newId,
  QuadIndex,
  rdfType,
  TooManyTriplesError,
  triple,
} from '../rdf.js';
import { canonicalUrl } from '../url.js';
import { AS, HEARTH } from '../vocab.js';
import { findRegisteredContainer, postsContainerOf, readProfileLinks } from './discovery.js';
import { cleanText } from '../text.js';
import { movedToIn, resolveMovedTo } from './moves.js';
import type { Notification } from './notifications.js';
import { notify, undoQuads, type Delivery } from './notify.js';
import { patchDocument } from './patch.js';
import { DeadlineError, readRdf, type ReadLimits } from './remote.js';
import { Deadline } from './deadline.js';
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
  /** Their feed (`<postsContainer>feed.ttl`), when their pod keeps one: a timeline reads it alone. */
  postsFeed?: string;
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
export function parseFollows(quads: readonly Quad[], actor?: string): Follow[] {
  const index = new QuadIndex(quads);
  return index
    .subjectsOfType(`${AS}Follow`)
    .flatMap((url) => {
      const who = index.objectOf(url, `${AS}actor`)?.value;
      const object = index.objectOf(url, `${AS}object`);
      if (!who || object?.termType !== 'NamedNode' || (actor && who !== actor)) return [];
      const published = index.objectOf(url, `${AS}published`)?.value;
      const container = index.objectOf(url, `${HEARTH}postsContainer`);
      const feed = index.objectOf(url, `${HEARTH}postsFeed`);
      const name = index.objectOf(object.value, `${AS}name`);
      return [
        {
          url,
          actor: who,
          object: object.value,
          ...(published ? { published } : {}),
          ...(container?.termType === 'NamedNode' ? { postsContainer: container.value } : {}),
          ...(container?.termType === 'NamedNode' && feed?.termType === 'NamedNode' ? { postsFeed: feed.value } : {}),
          ...(name?.termType === 'Literal' && cleanText(name.value, 100) ? { name: cleanText(name.value, 100) } : {}),
        },
      ];
    })
    .sort((a, b) => ((a.published ?? '') < (b.published ?? '') ? -1 : 1));
}

/**
 * The acting person's own following list (empty when they follow nobody yet); `limits` bound the read (e.g. a
 * deadline).
 */
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
 * Follows `webId`: checks that it is a WebID profile (else throws a typed error saying why: nothing saved, nobody
 * told),
 * records an `as:Follow` (with their posts container, when found) and notifies them. Bounded by `followDeadlineMs` as a
 * whole: their pod cannot make it wait longer; past the profile, what it did not answer in time is left out with a
 * warning.
 */
export async function follow(
  actor: Actor,
  target: string,
  options: FollowOptions = {},
): Promise<{ follow: Follow; delivery: Delivery; warning?: string; movedFrom?: string }> {
  checkWebId(target);
  if (target === actor.webId)
    throw new InvalidInputError('You cannot follow yourself: your own posts are always in your timeline.');
  const { followDeadlineMs, ...readLimits } = options;
  const deadlineMs = followDeadlineMs ?? defaultFollowDeadlineMs;
  const deadline = new Deadline(deadlineMs, options.signal);
  try {
    const limits: ReadLimits = { ...readLimits, signal: deadline.signal };
    // Only a real profile is followed: for one that is missing, unreachable or no profile, nothing is saved, nobody
    // told.
    const profile = await readWebIdProfile(globalThis.fetch, target, limits, deadlineMs);
    // Someone who moved is followed where they are now (a move their new profile confirms).
    const webId = movedToIn(profile, target) ? await resolveMovedTo(globalThis.fetch, target, limits) : target;
    const movedFrom = webId === target ? {} : { movedFrom: target };
    if (webId === actor.webId)
      throw new InvalidInputError('You cannot follow yourself: your own posts are always in your timeline.');
    // One's own pod is trusted: its reads and the save keep the usual bounds (not those for their pod), and no
    // deadline.
    const existing = (await readOwnFollowing(actor, options.signal ? { signal: options.signal } : {})).find(
      (f) => f.object === webId,
    );
    if (existing) return { follow: existing, delivery: { notified: false, reason: 'already following' }, ...movedFrom };
    let postsContainer: string | undefined;
    let name: string | undefined;
    let warning: string | undefined;
    try {
      const links = await readProfileLinks(globalThis.fetch, webId, limits);
      name = links.name;
      postsContainer = await postsContainerOf(globalThis.fetch, links, limits);
    } catch (error: unknown) {
      if (!(error instanceof HearthError)) throw error;
      const reason = deadline.signal.aborted
        ? new DeadlineError(`the follow's deadline passed (${describe(error)})`)
        : error;
      warning = `Their posts could not be found yet: ${describe(reason)}`;
    }
    const now = new Date();
    const url = `${await ownArea(actor, 'following')}${followingDocumentName}#${newId(now.getTime())}`;
    const quads = [
      triple(url, rdfType, as('Follow')),
      triple(url, as('actor'), namedNode(actor.webId)),
      triple(url, as('object'), namedNode(webId)),
      triple(url, as('published'), dateLiteral(now)),
    ];
    const stored = [
      ...quads,
      ...(postsContainer ? [triple(url, namedNode(`${HEARTH}postsContainer`), namedNode(postsContainer))] : []),
      ...(name ? [triple(webId, as('name'), literal(name))] : []),
    ];
    await patchDocument(actor.fetch, url.split('#')[0]!, { inserts: stored }, 'Saving the follow');
    // The notification gets what is left of the deadline (its send included: notify bounds it by `timeoutMs`).
    const left = deadline.remainingMs();
    const delivery =
      left > 0
        ? await notify(actor, webId, quads, {
            ...limits,
            timeoutMs: Math.min(readLimits.timeoutMs ?? 5_000, Math.ceil(left)),
          })
        : { notified: false, reason: "the follow's deadline passed before they could be notified" };
    return {
      follow: {
        url,
        actor: actor.webId,
        object: webId,
        published: now.toISOString(),
        ...(postsContainer ? { postsContainer } : {}),
        ...(name ? { name } : {}),
      },
      delivery,
      ...(warning ? { warning } : {}),
      ...movedFrom,
    };
  } finally {
    deadline.clear();
  }
}

/**
 * Stores the posts containers and feeds a timeline had to discover (`PostsResult.discovered`) in the follows they
 * belong to, replacing stale ones (an entry without `feed`: they have none, a feed remembered is forgotten), so that
 * the next timeline reads them at once. The explicit write after a read: `getTimeline` writes nothing. Answers how many
 * follows changed (0: nothing written).
 */
export async function rememberPostsContainers(
  actor: Actor,
  found: readonly { webId: string; container: string; feed?: string }[],
  limits: ReadLimits = {},
): Promise<number> {
  if (found.length === 0) return 0;
  const following = await readOwnFollowing(actor, limits);
  const deletes: Quad[] = [];
  const inserts: Quad[] = [];
  const link = (url: string, name: string, object: string) =>
    triple(url, namedNode(`${HEARTH}${name}`), namedNode(object));
  let changed = 0;
  for (const { webId, container, feed } of found) {
    for (const f of following.filter((entry) => entry.object === webId)) {
      if (f.postsContainer === container && f.postsFeed === feed) continue;
      changed += 1;
      if (f.postsContainer !== container) {
        if (f.postsContainer) deletes.push(link(f.url, 'postsContainer', f.postsContainer));
        inserts.push(link(f.url, 'postsContainer', container));
      }
      if (f.postsFeed !== feed) {
        if (f.postsFeed) deletes.push(link(f.url, 'postsFeed', f.postsFeed));
        if (feed) inserts.push(link(f.url, 'postsFeed', feed));
      }
    }
  }
  if (changed === 0) return 0;
  await patchDocument(
    actor.fetch,
    await followingDocument(actor),
    { deletes, inserts },
    'Remembering posts containers',
  );
  return changed;
}

/** Stops following `webId`: removes the `as:Follow` and sends them an `as:Undo` of it. */
export async function unfollow(
  actor: Actor,
  webId: string,
  limits: ReadLimits = {},
): Promise<{ removed: Follow[]; delivery: Delivery }> {
  checkWebId(webId);
  const removed = await removeFollows(actor, webId);
  if (removed.length === 0) throw new NotFoundError(404, webId, `You do not follow ${webId}.`);
  const delivery = await notify(
    actor,
    webId,
    undoQuads(
      actor.webId,
      removed.map((f) => f.url),
    ),
    limits,
  );
  return { removed, delivery };
}

/**
 * Removes the follows of `webId` (and the name kept for them) from one's own list, telling nobody; answers them (none:
 * not followed).
 */
async function removeFollows(actor: Actor, webId: string): Promise<Follow[]> {
  const url = await followingDocument(actor);
  let quads: Quad[] = [];
  try {
    quads = (await readRdf(actor.fetch, url)).quads;
  } catch (error: unknown) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  const removed = parseFollows(quads, actor.webId).filter((f) => f.object === webId);
  if (removed.length === 0) return [];
  const subjects = new Set(removed.map((f) => f.url));
  const gone = (q: Quad) =>
    subjects.has(q.subject.value) || (q.subject.value === webId && q.predicate.value === `${AS}name`);
  await patchDocument(
    actor.fetch,
    url,
    { deletes: quads.filter(gone).map((q) => triple(q.subject.value, q.predicate, q.object)) },
    'Removing the follow',
  );
  return removed;
}

async function followingDocument(actor: Actor): Promise<string> {
  return `${await ownArea(actor, 'following')}${followingDocumentName}`;
}

function checkWebId(webId: string): void {
  if (!/^https?:\/\/[^\s]+$/u.test(webId) || !canonicalUrl(webId))
    throw new InvalidInputError(`"${webId}" is not a WebID (an http(s) URL).`);
}

/** A WebID whose document is no WebID profile: not RDF (or not readable as RDF), or RDF that says nothing about it. */
export class NotAProfileError extends HearthError {
  /** The WebID. */
  readonly webId: string;
  constructor(webId: string, reason: string, options?: { cause?: unknown }) {
    super('NOT_A_PROFILE', `${webId} is not a WebID profile: ${reason}.`, options);
    this.webId = webId;
  }
}

/**
 * Reads the profile of `webId` to be followed, within `limits`, and checks that it is one: it answers, is RDF, and has
 * a
 * triple about the WebID. Answers its triples, or throws a typed error saying plainly why not: NotFoundError (404/410:
 * no
 * profile there), NetworkError (could not reach it; `deadlineMs`: the follow's time), ForbiddenError, HttpError,
 * NotAProfileError.
 */
async function readWebIdProfile(
  fetchFn: typeof fetch,
  webId: string,
  limits: ReadLimits = {},
  deadlineMs?: number,
): Promise<Quad[]> {
  let quads: Quad[];
  try {
    quads = (await readRdf(fetchFn, documentOf(webId), limits)).quads;
  } catch (error: unknown) {
    throw profileError(
      webId,
      error,
      limits.signal?.aborted && deadlineMs ? `no answer within the follow's ${deadlineMs / 1000} s` : undefined,
    );
  }
  if (!quads.some((q) => q.subject.value === webId))
    throw new NotAProfileError(webId, 'its document says nothing about it');
  return quads;
}

/** The plain, typed reason a profile could not be read (`late`: why, when a shared deadline ended the read). */
function profileError(webId: string, error: unknown, late?: string): unknown {
  const cause = { cause: error };
  if (error instanceof NotFoundError)
    return new NotFoundError(error.status, webId, `${webId} answers ${error.status}: there is no profile there.`);
  if (error instanceof ForbiddenError)
    return new ForbiddenError(error.status, webId, `${webId} answers ${error.status}: its profile is not public.`);
  if (error instanceof HttpError)
    return new HttpError(error.status, webId, `${webId} answers ${error.status}: its server failed; try again later.`);
  if (error instanceof NetworkError)
    return new NetworkError(webId, late ? new Error(late) : (error.cause ?? error), 'Nothing was saved.');
  if (error instanceof TooManyTriplesError)
    return new NotAProfileError(webId, 'its document is too large to read', cause);
  if (error instanceof BadDataError) return new NotAProfileError(webId, plainBadData(error), cause);
  return error;
}

/** What a BadDataError of a profile read means, without the parser's words. */
function plainBadData(error: BadDataError): string {
  const type = /is not RDF \(([^)]*)\)/u.exec(error.message)?.[1];
  if (type) return `its document is ${type.startsWith('no ') ? 'of no content type' : type}, not RDF`;
  if (/not valid Turtle/u.test(error.message)) return 'its document is not valid Turtle';
  if (/too large/u.test(error.message)) return 'its document is too large to read';
  if (/redirect/u.test(error.message)) return 'it redirects too many times';
  return 'its document cannot be read as RDF';
}

/** One follow that was moved along: the old WebID, the new one. */
export interface MovedFollow {
  /** The WebID followed before. */
  from: string;
  /** The WebID followed now. */
  to: string;
}

/**
 * Follows moves for the acting person: every account they follow that states a confirmed `as:movedTo` is followed at
 * its
 * new WebID and unfollowed at the old one (all of them, or `only` those, e.g. a timeline's `movedHints`). Answers what
 * changed; a move whose new account cannot be followed now is left for another time.
 */
export async function followMoves(
  actor: Actor,
  limits: ReadLimits = {},
  only?: readonly string[],
): Promise<MovedFollow[]> {
  const moved: MovedFollow[] = [];
  for (const followed of await readOwnFollowing(actor, limits)) {
    if (only && !only.includes(followed.object)) continue;
    const now = await resolveMovedTo(globalThis.fetch, followed.object, limits);
    if (now === followed.object) continue;
    try {
      moved.push(await moveFollow(actor, followed.object, now, limits));
    } catch (error: unknown) {
      if (!(error instanceof HearthError)) throw error;
    }
  }
  return moved;
}

/**
 * Follows `to` instead of `from` (unless `to` is oneself): follow first, then unfollow, so a failure leaves the old
 * follow.
 */
async function moveFollow(actor: Actor, from: string, to: string, limits: ReadLimits): Promise<MovedFollow> {
  const now = canonicalUrl(to) === canonicalUrl(actor.webId) ? to : (await follow(actor, to, limits)).follow.object;
  await unfollow(actor, from, limits);
  return { from, to: now };
}

/** What acting on one verified notice did. */
export interface NoticeAction {
  /** The notice acted on: an account deleted, or moved. */
  notice: 'delete' | 'move';
  /** The WebID of the account (the old one, for a move). */
  webId: string;
  /** Their display name as kept in the following list. */
  name?: string;
  /** For a move: the WebID now followed instead. */
  to?: string;
  /**
   * True when done; false when it could not be (see `reason`): nothing changed then, and it is tried again next time.
   */
  done: boolean;
  /** Why it could not be done. */
  reason?: string;
}

/**
 * Acts on the verified `delete` and `move` notices of a look at the inbox, for accounts one follows: a deleted account
 * is
 * unfollowed (its inbox is gone: nobody is told); a moved one is followed at its new WebID and unfollowed at the old
 * one.
 * Unverified notices are never acted on. Idempotent: what is already done (no longer followed) is skipped.
 */
export async function actOnNotices(
  actor: Actor,
  notices: readonly Notification[] | { notifications: readonly Notification[] },
  limits: ReadLimits = {},
): Promise<NoticeAction[]> {
  const list = 'notifications' in notices ? notices.notifications : notices;
  const verified = list.filter((n) => n.verified && (n.kind === 'delete' || (n.kind === 'move' && n.target)));
  if (verified.length === 0) return [];
  const following = await readOwnFollowing(actor, limits);
  const actions: NoticeAction[] = [];
  const handled = new Set<string>();
  for (const notice of verified) {
    const followed = following.find((f) => canonicalUrl(f.object) === canonicalUrl(notice.actor));
    if (!followed || handled.has(followed.object)) continue;
    handled.add(followed.object);
    const action = await actOn(actor, notice, followed, limits);
    if (action) actions.push(action);
  }
  return actions;
}

/** Acts on one verified notice about someone followed; undefined when there was nothing left to do. */
async function actOn(
  actor: Actor,
  notice: Notification,
  followed: Follow,
  limits: ReadLimits,
): Promise<NoticeAction | undefined> {
  const who = { webId: followed.object, ...(followed.name ? { name: followed.name } : {}) };
  if (notice.kind === 'delete')
    return (await removeFollows(actor, followed.object)).length ? { notice: 'delete', ...who, done: true } : undefined;
  try {
    const moved = await moveFollow(actor, followed.object, notice.target!, limits);
    return { notice: 'move', ...who, to: moved.to, done: true };
  } catch (error: unknown) {
    if (!(error instanceof HearthError)) throw error;
    return { notice: 'move', ...who, to: notice.target!, done: false, reason: describe(error) };
  }
}
