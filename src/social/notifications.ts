import { DataFactory, type Quad, type Term } from 'n3';
import { as, documentOf, QuadIndex, rdfType, triple } from '../rdf.js';
import { HearthError, HttpError, NetworkError, NotFoundError, describe } from '../errors.js';
import { readTurtleDoc, updateTurtleDoc } from '../turtle-doc.js';
import { podIssuerOf } from '../access/acr.js';
import { ensurePrivateRecord, socialRecordUrl } from '../access/private.js';
import { AS, HEARTH, RDF } from '../vocab.js';
import { canonicalUrl, isInside, isInsideAny } from '../url.js';
import { Deadline, SilentOrigins, mapFair, originOf } from './deadline.js';
import { readProfileLinks } from './discovery.js';
import { readOwnFollowing } from './follows.js';
import { deleteInboxItem, scanInbox, type InboxScan } from './inbox.js';
import { parsePost, type Post } from './model.js';
import { confirmedMoveOf } from './moves.js';
import { defaultReadLimits, mapBounded, readRdf, type ReadLimits } from './remote.js';
import { ownArea, ownPod, type Actor } from './self.js';

const { namedNode } = DataFactory;

/** What a notification says happened: `delete` and `move` are about the sender's whole account (deleted, moved). */
export type NotificationKind = 'like' | 'reply' | 'follow' | 'undo' | 'delete' | 'move';

/** One social notification of the owner's inbox, checked against the sender's pod. */
export interface Notification {
  /** URL of the inbox item. */
  url: string;
  /** What happened. */
  kind: NotificationKind;
  /** Who did it (WebID). */
  actor: string;
  /** Their display name, when one follows them (as kept in the following list; with the `names` option). */
  actorName?: string;
  /**
   * The activity in the actor's pod: the like, the follow, the reply, (for undo) the activity taken back, (delete,
   * move) the account.
   */
  activity: string;
  /** The post liked or replied to; the followed WebID; the account deleted or moved. */
  object?: string;
  /** For a move: the new WebID the account says it moved to. */
  target?: string;
  /** When, as the sender says (ISO date). */
  published?: string;
  /** When the inbox received it, as the pod server says (ISO date): what "newest first" goes by. */
  received?: string;
  /** True when the actor's pod confirms it (anyone may append to an inbox, so claims are checked). */
  verified: boolean;
  /** Why it could not be verified. */
  reason?: string;
  /** True when it could not be checked at all (no answer in time, the sender's server failing): it may be real. */
  unchecked?: boolean;
}

/** An inbox item that is not a social notification (nor an access request). */
export interface OtherItem {
  /** URL of the inbox item. */
  url: string;
  /** What it is: not RDF, too large, not Turtle, a container, an incomplete notification, or another kind of item. */
  reason: string;
  /**
   * True for junk, which `clearNotifications` removes; false for RDF of another kind (another app's), removed only with
   * `all`.
   */
  junk: boolean;
}

/** What one bounded look at the inbox found. */
export interface InboxReport {
  /** The social notifications, newest first (by when the inbox received them), each verified or not. */
  notifications: Notification[];
  /** Items that are neither social notifications nor access requests. */
  others: OtherItem[];
  /** Access requests seen (`hearth apps requests` shows them; clearing never removes them). */
  requests: number;
  /** Items not looked at: beyond `maxItems`, not reached within the deadline, or unreadable just now. */
  unread: number;
  /** True when the inbox held more items than can be listed at once (see `maxListedItems`). */
  truncated: boolean;
  /** The ETag of each item read, so that clearing deletes an item only if it is still what was looked at. */
  etags: Record<string, string>;
}

/** Likes, replies and followers received, kept in the owner's private `settings/social-record.ttl`. */
export interface SocialRecord {
  /** Verified likes of the owner's posts. */
  likes: { url: string; actor: string; object: string }[];
  /** Verified replies to the owner's posts. */
  replies: { url: string; actor: string; object: string }[];
  /** Verified follows of the owner. */
  follows: { url: string; actor: string }[];
}

/** Bounds of a look at the inbox: `ReadLimits` bound each read of a sender's pod; these bound the whole. */
export interface NotificationOptions extends ReadLimits {
  /**
   * Time for the whole look, listing, reading items and checking claims (default 20 s): claims not checked by then are
   * unverified.
   */
  deadlineMs?: number;
  /** Most inbox items read, newest first (default `maxInboxItems`); older ones wait for junk to be cleared. */
  maxItems?: number;
  /**
   * Adds `actorName` to the notifications of people one follows, from one's following list (one more read of one's own
   * pod).
   */
  names?: boolean;
}

/** Options of `clearNotifications`. */
export interface ClearOptions extends NotificationOptions {
  /**
   * Also remove what may be real: claims that could not be checked (their pod silent or too slow) and RDF items of
   * other
   * kinds (another app's). Access requests are never removed.
   */
  all?: boolean;
}

/** What `clearNotifications` did. */
export interface ClearResult {
  /** Notifications removed (the verified ones recorded first). */
  cleared: number;
  /** Other items removed (junk; with `all`, items of other kinds too). */
  removed: number;
  /**
   * Items looked at and left: unchecked claims and other kinds (without `all`), items changed meanwhile or not reached
   * in time.
   */
  kept: number;
  /** The record after folding the verified notifications in. */
  record: SocialRecord;
}

/** Most inbox items read in one go (anyone may append, so an inbox may be flooded). */
export const maxInboxItems = 1000;
/** Time for one look at the inbox, checks included, unless told otherwise. */
export const defaultInboxDeadlineMs = 20_000;
/** Share of the deadline the owner's own items may take, so that checking claims keeps the rest. */
const readingShare = 0.6;
/** Reads of one sender's server at a time, of 8 in all: a slow server holds at most that many. */
const perServer = 3;
/** Triples kept of one claimed activity (a real like, follow or reply has a handful). */
const keptPerActivity = 100;
/** The Solid Application Interoperability access request type (see src/access/requests.ts). */
const accessRequestType = 'http://www.w3.org/ns/solid/interop#AccessRequest';
const socialTypes = ['Like', 'Follow', 'Create', 'Undo', 'Delete', 'Move'].map((t) => `${AS}${t}`);

/**
 * Kinds of notification about the sender's whole account, checked against their profile rather than an activity in
 * their pod.
 */
const accountKinds = new Set<NotificationKind>(['delete', 'move']);

/** What an inbox item is, as far as notifications go. */
type ItemKind =
  | { kind: 'notification'; notification: Notification }
  | { kind: 'request' }
  | { kind: 'other'; reason: string; junk: boolean };

/**
 * Looks at the inbox within bounds: the newest `maxItems` items (by the server's times, which no sender chooses), read
 * 8 at a time, each claim checked against the sender's pod, everything within `deadlineMs`. Claims not checked in time
 * come back unverified with the reason, never verified; other items are reported, not touched.
 */
export async function readNotifications(actor: Actor, options: NotificationOptions = {}): Promise<InboxReport> {
  const deadline = new Deadline(options.deadlineMs ?? defaultInboxDeadlineMs, options.signal);
  try {
    return await readWithin(actor, options, deadline);
  } finally {
    deadline.clear();
  }
}

/** `readNotifications` within its deadline: the owner's items in the first part of it, the checks in the rest. */
async function readWithin(actor: Actor, options: NotificationOptions, deadline: Deadline): Promise<InboxReport> {
  const inbox = await ownArea(actor, 'inbox');
  const posts = await ownArea(actor, 'posts');
  const reading = deadline.within(deadline.ms * readingShare);
  let scan: InboxScan<ItemKind>;
  try {
    scan = await scanInbox(actor.fetch, inbox, classify, {
      deadline: reading,
      maxItems: options.maxItems ?? maxInboxItems,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
  } finally {
    reading.clear();
  }
  const claims: Notification[] = [];
  const others: OtherItem[] = [];
  const etags: Record<string, string> = {};
  let requests = 0;
  for (const item of scan.items) {
    const { url } = item.entry;
    if (item.etag) etags[url] = item.etag;
    if (item.value === undefined) others.push({ url, reason: item.problem, junk: true });
    else if (item.value.kind === 'notification') {
      claims.push({
        ...item.value.notification,
        ...(item.entry.modified ? { received: new Date(item.entry.modified).toISOString() } : {}),
      });
    } else if (item.value.kind === 'request') requests += 1;
    else others.push({ url, reason: item.value.reason, junk: item.value.junk });
  }
  const verifier = new Verifier(actor, posts, { ...options, signal: deadline.signal }, deadline, claims);
  const checked = await mapFair(
    claims,
    (claim) => originOf(canonicalUrl(claim.actor) ?? '') ?? '',
    8,
    perServer,
    (claim) => verifier.check(claim),
  );
  const notifications = options.names ? withNames(checked, await followedNames(actor, deadline)) : checked;
  return { notifications, others, requests, unread: scan.unread, truncated: scan.truncated, etags };
}

/**
 * The names one's following list keeps, by canonical WebID; none when it cannot be read in time (names are a nicety).
 */
async function followedNames(actor: Actor, deadline: Deadline): Promise<Map<string, string>> {
  try {
    const following = await readOwnFollowing(actor, { signal: deadline.signal });
    return new Map(following.flatMap((f) => (f.name ? [[canonicalUrl(f.object) ?? f.object, f.name] as const] : [])));
  } catch (error: unknown) {
    if (error instanceof HearthError) return new Map();
    throw error;
  }
}

function withNames(notifications: Notification[], names: Map<string, string>): Notification[] {
  return notifications.map((n) => {
    const name = names.get(canonicalUrl(n.actor) ?? n.actor);
    return name ? { ...n, actorName: name } : n;
  });
}

/**
 * The owner's social notifications (likes, replies, follows, undos), newest first, each verified: `readNotifications`'
 * list.
 */
export async function listNotifications(actor: Actor, options: NotificationOptions = {}): Promise<Notification[]> {
  return (await readNotifications(actor, options)).notifications;
}

/**
 * Folds the verified notifications into the private record (counts and followers survive), then deletes what was looked
 * at and is done with: notifications verified or refuted by the sender's pod, and junk (not RDF, too large, not Turtle,
 * incomplete). Claims that could not be checked and items of other kinds stay unless `all`; access requests always
 * stay.
 * `listed`: what was already read (and shown), so that exactly that is cleared (each item only if unchanged since) and
 * the inbox is not read twice; nothing that arrives meanwhile is touched.
 */
export async function clearNotifications(
  actor: Actor,
  options: ClearOptions = {},
  listed?: readonly Notification[] | InboxReport,
): Promise<ClearResult> {
  const report: InboxReport =
    listed === undefined
      ? await readNotifications(actor, options)
      : 'notifications' in listed
        ? listed
        : { notifications: [...listed], others: [], requests: 0, unread: 0, truncated: false, etags: {} };
  const { notifications } = report;
  let record: SocialRecord = emptyRecord();
  const url = await recordUrl(actor);
  // A missing record is made first, private to the manager (as the lock-down makes it): never an open document.
  const first = await readTurtleDoc(actor.fetch, url);
  if (!first) await ensureSocialRecord(actor, url);
  // Read, fold, write back only if nobody changed the record meanwhile (If-Match), else again: two clears lose nothing.
  await updateTurtleDoc(
    actor.fetch,
    url,
    (current) => {
      record = fold(parseRecord(current ?? []), notifications);
      return recordQuads(record, actor.webId);
    },
    first ? { first } : {},
  );
  const all = options.all === true;
  const doomed = [
    ...notifications.filter((n) => all || !n.unchecked).map((n) => ({ url: n.url, notification: true })),
    ...report.others.filter((o) => all || o.junk).map((o) => ({ url: o.url, notification: false })),
  ];
  const deadline = new Deadline(options.deadlineMs ?? defaultInboxDeadlineMs, options.signal);
  let done: boolean[];
  try {
    done = await mapBounded(doomed, 8, async (item) => {
      if (deadline.passed) return false;
      try {
        return await deleteInboxItem(actor.fetch, item.url, {
          signal: deadline.signal,
          ...(report.etags[item.url] ? { etag: report.etags[item.url] } : {}),
        });
      } catch (error: unknown) {
        if (error instanceof NetworkError || deadline.passed) return false;
        throw error;
      }
    });
  } finally {
    deadline.clear();
  }
  const cleared = doomed.filter((item, index) => item.notification && done[index]).length;
  const removed = doomed.filter((item, index) => !item.notification && done[index]).length;
  return { cleared, removed, kept: notifications.length + report.others.length - cleared - removed, record };
}

/** The record with the still-pending verified notifications folded in: what the owner has received. */
export async function socialState(actor: Actor, limits: NotificationOptions = {}): Promise<SocialRecord> {
  return fold(await readRecord(actor), await listNotifications(actor, limits));
}

/** WebIDs of the owner's followers (verified follows not undone). */
export async function listFollowers(actor: Actor, limits: NotificationOptions = {}): Promise<string[]> {
  return followersOf(await socialState(actor, limits));
}

/** The followers a record says the owner has (from `socialState`, or `fold` of a report already read), sorted. */
export function followersOf(state: SocialRecord): string[] {
  return [...new Set(state.follows.map((f) => f.actor))].sort();
}

/** Adds like and reply counts to the owner's own posts. */
export async function withCounts(actor: Actor, posts: Post[], state?: SocialRecord): Promise<Post[]> {
  const current = state ?? (await socialState(actor));
  return posts.map((post) => ({
    ...post,
    likes: new Set(current.likes.filter((l) => l.object === post.url).map((l) => l.actor)).size,
    replies: current.replies.filter((r) => r.object === post.url).length,
  }));
}

/**
 * Applies notifications to a record: verified likes, replies and follows are added, verified undos remove, and a
 * verified deletion of an account removes its follows.
 */
export function fold(record: SocialRecord, notifications: readonly Notification[]): SocialRecord {
  const next: SocialRecord = { likes: [...record.likes], replies: [...record.replies], follows: [...record.follows] };
  const verified = notifications.filter((n) => n.verified);
  for (const n of verified) {
    if (n.kind === 'like' && n.object && !next.likes.some((l) => l.url === n.activity))
      next.likes.push({ url: n.activity, actor: n.actor, object: n.object });
    if (n.kind === 'reply' && n.object && !next.replies.some((r) => r.url === n.activity))
      next.replies.push({ url: n.activity, actor: n.actor, object: n.object });
    if (n.kind === 'follow' && !next.follows.some((f) => f.url === n.activity))
      next.follows.push({ url: n.activity, actor: n.actor });
  }
  for (const n of verified.filter((v) => v.kind === 'undo')) {
    const mine = (entry: { url: string; actor: string }) => !(entry.url === n.activity && entry.actor === n.actor);
    next.likes = next.likes.filter(mine);
    next.replies = next.replies.filter(mine);
    next.follows = next.follows.filter(mine);
  }
  for (const n of verified.filter((v) => v.kind === 'delete'))
    next.follows = next.follows.filter((f) => f.actor !== n.actor);
  return next;
}

/** Reads what an inbox item claims; undefined for items that are not Hearth's social notifications. */
export function parseNotification(url: string, quads: readonly Quad[]): Notification | undefined {
  const typed = (type: string) =>
    quads.filter((q) => q.predicate.value === `${RDF}type` && q.object.value === `${AS}${type}`).map((q) => q.subject);
  const index = new QuadIndex(quads);
  const read = (subject: Term, name: string) => index.objectOf(subject.value, `${AS}${name}`);
  const make = (
    kind: NotificationKind,
    subject: Term,
    activity: Term | undefined,
    object?: string,
  ): Notification | undefined => {
    const who = read(subject, 'actor');
    if (who?.termType !== 'NamedNode' || activity?.termType !== 'NamedNode') return undefined;
    const published = read(subject, 'published')?.value;
    return {
      url,
      kind,
      actor: who.value,
      activity: activity.value,
      verified: false,
      ...(object ? { object } : {}),
      ...(published ? { published } : {}),
    };
  };
  for (const subject of typed('Like')) return make('like', subject, subject, read(subject, 'object')?.value);
  for (const subject of typed('Follow')) return make('follow', subject, subject, read(subject, 'object')?.value);
  for (const subject of typed('Create')) {
    const note = read(subject, 'object');
    return make('reply', subject, note, note ? read(note, 'inReplyTo')?.value : undefined);
  }
  for (const subject of typed('Undo')) return make('undo', subject, read(subject, 'object'));
  for (const subject of typed('Delete')) return account('delete', subject);
  for (const subject of typed('Move')) return account('move', subject);
  return undefined;

  /**
   * An `as:Delete` or `as:Move` of an account: `activity` and `object` are the account (a move's `as:target`, the new
   * one).
   */
  function account(kind: 'delete' | 'move', subject: Term): Notification | undefined {
    const who = read(subject, 'actor');
    const object = read(subject, 'object');
    const target = kind === 'move' ? read(subject, 'target') : undefined;
    if (
      who?.termType !== 'NamedNode' ||
      object?.termType !== 'NamedNode' ||
      (kind === 'move' && target?.termType !== 'NamedNode')
    )
      return undefined;
    const published = read(subject, 'published')?.value;
    return {
      url,
      kind,
      actor: who.value,
      activity: object.value,
      object: object.value,
      verified: false,
      ...(target ? { target: target.value } : {}),
      ...(published ? { published } : {}),
    };
  }
}

/**
 * What an inbox item is: a social notification, an access request (the same test as `listAccessRequests`: typed, naming
 * a client), junk (no type, or a social activity missing what it needs), or RDF of another kind.
 */
function classify(url: string, quads: Quad[]): ItemKind {
  const types = new Set(quads.filter((q) => q.predicate.value === `${RDF}type`).map((q) => q.object.value));
  if (types.has(accessRequestType)) {
    const request = quads.find((q) => q.predicate.value === `${RDF}type` && q.object.value === accessRequestType)!
      .subject.value;
    const client = new QuadIndex(quads).objectOf(request, `${HEARTH}clientId`)?.value;
    if (client && client.length <= 500) return { kind: 'request' };
    return { kind: 'other', reason: 'an access request naming no client', junk: true };
  }
  const notification = parseNotification(url, quads);
  if (notification) return { kind: 'notification', notification };
  if (socialTypes.some((t) => types.has(t)))
    return {
      kind: 'other',
      reason: 'a like, follow, reply, undo, delete or move without its actor or activity',
      junk: true,
    };
  if (types.size === 0) return { kind: 'other', reason: quads.length ? 'RDF of no type' : 'empty', junk: true };
  return { kind: 'other', reason: `of another kind (${[...types].slice(0, 2).join(', ')})`, junk: false };
}

/**
 * Checks notifications against the senders' pods. Every URL is compared as the pod server resolves it (`canonicalUrl`):
 * `…/bob/../eve/…` is in eve's pod, whatever its text starts with. Within one run, profiles are read once and documents
 * once, keeping only the triples about the activities claimed; a server that gave no answer is not asked again; nothing
 * starts after the deadline, and reads in flight stop at it.
 */
class Verifier {
  private readonly storages = new Map<string, Promise<string[]>>();
  private readonly documents = new Map<string, Promise<{ url: string; index: QuadIndex } | 'missing'>>();
  private readonly silent: SilentOrigins;
  /** For each document, the claimed activities in it (canonical): only their triples are kept. */
  private readonly claimed = new Map<string, Set<string>>();

  constructor(
    private readonly owner: Actor,
    private readonly ownPosts: string,
    private readonly limits: ReadLimits,
    private readonly deadline: Deadline,
    claims: readonly Notification[],
  ) {
    this.silent = new SilentOrigins((limits.timeoutMs ?? defaultReadLimits.timeoutMs) * 0.9);
    for (const claim of claims.filter((c) => !accountKinds.has(c.kind))) {
      const activity = canonicalUrl(claim.activity);
      if (!activity) continue;
      const doc = documentOf(activity);
      this.claimed.set(doc, (this.claimed.get(doc) ?? new Set()).add(activity));
    }
  }

  async check(said: Notification): Promise<Notification> {
    const actor = canonicalUrl(said.actor);
    const activity = canonicalUrl(said.activity);
    if (!actor || !activity) return this.reject(said, `${said.activity} by ${said.actor} is not an http(s) URL`);
    const claim = { ...said, actor, activity };
    if (this.deadline.passed) return this.unchecked(claim, this.late());
    try {
      if (accountKinds.has(claim.kind)) return await this.checkAccount(claim);
      const storages = await this.storagesOf(actor);
      if (!isInsideAny(activity, storages)) return this.reject(claim, `${activity} is not in ${actor}'s pod`);
      const found = await this.document(activity);
      // The document must be in their pod where it answered too (a redirect elsewhere proves nothing).
      if (found !== 'missing' && !isInsideAny(found.url, storages))
        return this.reject(claim, `${activity} is answered from outside ${actor}'s pod`);
      const index = found === 'missing' ? 'missing' : found.index;
      if (claim.kind === 'undo') {
        // Gone: no document, or no like, follow or note (a deleted reply leaves only a tombstone).
        const gone =
          index === 'missing' || !['Like', 'Follow', 'Note'].some((type) => index.hasType(activity, `${AS}${type}`));
        return gone ? { ...claim, verified: true } : this.reject(claim, `${activity} still exists`);
      }
      if (index === 'missing') return this.reject(claim, `${activity} does not exist`);
      if (claim.kind === 'reply') {
        const post = parsePost(index, activity);
        if (!post || post.author !== actor || !post.inReplyTo || !isInside(post.inReplyTo, this.ownPosts)) {
          return this.reject(claim, `${activity} is not a reply by ${actor} to one of your posts`);
        }
        return { ...claim, object: post.inReplyTo, verified: true };
      }
      const type = claim.kind === 'like' ? 'Like' : 'Follow';
      const object = index.objectOf(activity, `${AS}object`)?.value;
      const matches =
        index.hasType(activity, `${AS}${type}`) && index.objectOf(activity, `${AS}actor`)?.value === actor;
      const aboutMe =
        object !== undefined &&
        (claim.kind === 'like' ? isInside(object, this.ownPosts) : object === canonicalUrl(this.owner.webId));
      if (!matches || !aboutMe)
        return this.reject(claim, `${activity} is not a ${type.toLowerCase()} of yours by ${actor}`);
      return { ...claim, object, verified: true };
    } catch (error: unknown) {
      if (this.deadline.passed) return this.unchecked(claim, this.late());
      // No answer, or the server failing: the claim may be real, so it is kept for another look. Any other answer
      // refutes it.
      if (
        error instanceof NetworkError ||
        (error instanceof HttpError && (error.status >= 500 || error.status === 429))
      ) {
        return this.unchecked(claim, describe(error));
      }
      return this.reject(claim, describe(error));
    }
  }

  /**
   * A deletion or move of the sender's own account. A deletion is believed only when their profile answers 404 or 410
   * now;
   * a move only when confirmed both ways (the old profile's `as:movedTo` is the new WebID, whose profile says
   * `as:alsoKnownAs`
   * the old). Read failures are thrown, to be judged as for every claim (no answer: unchecked; anything else: refuted).
   */
  private async checkAccount(claim: Notification): Promise<Notification> {
    if (claim.activity !== claim.actor) {
      return this.reject(
        claim,
        `${claim.actor} cannot ${claim.kind} ${claim.activity}: only one's own account is deleted or moved`,
      );
    }
    if (claim.kind === 'delete') {
      try {
        await this.storagesOf(claim.actor);
      } catch (error: unknown) {
        if (error instanceof NotFoundError && error.url === documentOf(claim.actor))
          return { ...claim, verified: true };
        throw error;
      }
      return this.reject(claim, `${claim.actor} still has a profile: the account was not deleted`);
    }
    const target = canonicalUrl(claim.target ?? '');
    if (!target) return this.reject(claim, `${claim.target ?? 'nothing'} is not a WebID to move to`);
    const confirmed = await this.silent.guard(claim.actor, this.deadline, () =>
      confirmedMoveOf(globalThis.fetch, claim.actor, this.limits),
    );
    if (!confirmed || canonicalUrl(confirmed) !== target) {
      return this.reject(
        { ...claim, target },
        `the move to ${target} is not confirmed: ${claim.actor}'s profile must name it (as:movedTo) ` +
          `and its profile must name ${claim.actor} (as:alsoKnownAs)`,
      );
    }
    return { ...claim, target, verified: true };
  }

  private reject(claim: Notification, reason: string): Notification {
    return { ...claim, verified: false, reason };
  }

  private unchecked(claim: Notification, reason: string): Notification {
    return { ...claim, verified: false, unchecked: true, reason };
  }

  private late(): string {
    return `not checked within the deadline (${this.deadline.ms / 1000} s)`;
  }

  private storagesOf(webId: string): Promise<string[]> {
    let found = this.storages.get(webId);
    if (!found) {
      found = this.silent
        .guard(webId, this.deadline, () => readProfileLinks(globalThis.fetch, webId, this.limits))
        .then((links) => links.storages);
      this.storages.set(webId, found);
    }
    return found;
  }

  /**
   * A document read without credentials, its IRIs made canonical so that `..` or `//` in them cannot fool a comparison;
   * of its triples only those about activities claimed in this run are kept (at most `keptPerActivity` each).
   */
  private document(url: string): Promise<{ url: string; index: QuadIndex } | 'missing'> {
    const doc = documentOf(url);
    let found = this.documents.get(doc);
    if (!found) {
      const wanted = this.claimed.get(doc) ?? new Set([url]);
      found = this.silent
        .guard(doc, this.deadline, () => readRdf(globalThis.fetch, doc, this.limits))
        .then(
          (r) => {
            const kept = new Map<string, number>();
            const canonical = new Map<string, string | undefined>();
            const quads: Quad[] = [];
            for (const q of r.quads) {
              if (q.subject.termType !== 'NamedNode') continue;
              if (!canonical.has(q.subject.value)) canonical.set(q.subject.value, canonicalUrl(q.subject.value));
              const subject = canonical.get(q.subject.value);
              if (!subject || !wanted.has(subject) || (kept.get(subject) ?? 0) >= keptPerActivity) continue;
              kept.set(subject, (kept.get(subject) ?? 0) + 1);
              quads.push(canonicalQuad(q));
            }
            return { url: r.url, index: new QuadIndex(quads) };
          },
          (error: unknown) => {
            if (error instanceof NotFoundError) return 'missing' as const;
            throw error;
          },
        );
      this.documents.set(doc, found);
    }
    return found;
  }
}

/** A quad whose http(s) IRIs are canonical (see `canonicalUrl`). */
function canonicalQuad(q: Quad): Quad {
  const iri = (term: Term): Term =>
    term.termType === 'NamedNode' ? namedNode(canonicalUrl(term.value) ?? term.value) : term;
  return triple(iri(q.subject), q.predicate, iri(q.object));
}

/** The URL of the owner's private record of received likes, replies and follows. */
export async function recordUrl(actor: Actor): Promise<string> {
  return socialRecordUrl(await ownPod(actor));
}

/** Makes the social record, empty and the manager's alone; only the manager's own session can. */
async function ensureSocialRecord(actor: Actor, url: string): Promise<void> {
  if (!actor.clientId) {
    throw new HearthError(
      'NEEDS_MANAGER',
      `${url} does not exist yet, and only Hearth's manager session (with its client id) may make it.`,
    );
  }
  await ensurePrivateRecord(
    {
      fetch: actor.fetch,
      managerClientId: actor.clientId,
      issuer: podIssuerOf(await ownPod(actor)),
      webId: actor.webId,
    },
    url,
    // An ACR admitting the owner through Hearth's web page stays as it is.
    { keepWeb: true },
  );
}

/** Reads the private record (empty when there is none yet). */
export async function readRecord(actor: Actor): Promise<SocialRecord> {
  try {
    return parseRecord((await readRdf(actor.fetch, await recordUrl(actor), { maxBytes: 50 * 1024 * 1024 })).quads);
  } catch (error: unknown) {
    if (error instanceof NotFoundError) return emptyRecord();
    throw error;
  }
}

function emptyRecord(): SocialRecord {
  return { likes: [], replies: [], follows: [] };
}

/** The record a set of quads states. */
function parseRecord(quads: readonly Quad[]): SocialRecord {
  // One pass to index: each entry's lookups cost what they find, not a scan of the whole record (it holds thousands).
  const index = new QuadIndex(quads);
  const of = (type: string) => index.subjectsOfType(`${AS}${type}`);
  const value = (s: string, p: string) => index.objectOf(s, `${AS}${p}`)?.value;
  return {
    likes: of('Like').flatMap((url) => {
      const a = value(url, 'actor');
      const o = value(url, 'object');
      return a && o ? [{ url, actor: a, object: o }] : [];
    }),
    replies: of('Note').flatMap((url) => {
      const a = value(url, 'attributedTo');
      const o = value(url, 'inReplyTo');
      return a && o ? [{ url, actor: a, object: o }] : [];
    }),
    follows: of('Follow').flatMap((url) => {
      const a = value(url, 'actor');
      return a ? [{ url, actor: a }] : [];
    }),
  };
}

/** The quads of a record (kept in settings/, private: only the owner's manager reads it). */
function recordQuads(record: SocialRecord, ownerWebId: string): Quad[] {
  const quads: Quad[] = [];
  for (const l of record.likes)
    quads.push(
      triple(l.url, rdfType, as('Like')),
      triple(l.url, as('actor'), namedNode(l.actor)),
      triple(l.url, as('object'), namedNode(l.object)),
    );
  for (const r of record.replies)
    quads.push(
      triple(r.url, rdfType, as('Note')),
      triple(r.url, as('attributedTo'), namedNode(r.actor)),
      triple(r.url, as('inReplyTo'), namedNode(r.object)),
    );
  for (const f of record.follows)
    quads.push(
      triple(f.url, rdfType, as('Follow')),
      triple(f.url, as('actor'), namedNode(f.actor)),
      triple(f.url, as('object'), namedNode(ownerWebId)),
    );
  return quads;
}
