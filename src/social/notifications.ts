import { DataFactory, type Quad, type Term } from 'n3';
import { HearthError, NotFoundError, describe } from '../errors.js';
import { readTurtleDoc, updateTurtleDoc } from '../turtle-doc.js';
import { podIssuerOf } from '../access/acr.js';
import { ensurePrivateRecord, socialRecordUrl } from '../access/private.js';
import { AS, RDF } from '../vocab.js';
import { canonicalUrl, isInside, isInsideAny } from '../url.js';
import { readProfileLinks } from './discovery.js';
import { deleteInboxItem, listInboxUrls } from './inbox.js';
import { parsePost, type Post } from './model.js';
import { as, documentOf, hasType, objectOf, rdfType, triple } from './patch.js';
import { mapBounded, readRdf, type ReadLimits } from './remote.js';
import { ownArea, ownPod, type Actor } from './self.js';

const { namedNode } = DataFactory;

/** What a notification says happened. */
export type NotificationKind = 'like' | 'reply' | 'follow' | 'undo';

/** One social notification of the owner's inbox, checked against the sender's pod. */
export interface Notification {
  /** URL of the inbox item. */
  url: string;
  /** What happened. */
  kind: NotificationKind;
  /** Who did it (WebID). */
  actor: string;
  /** The activity in the actor's pod: the like, the follow, the reply, or (for undo) the activity taken back. */
  activity: string;
  /** The post liked or replied to; the followed WebID. */
  object?: string;
  /** When, as the sender says (ISO date). */
  published?: string;
  /** True when the actor's pod confirms it (anyone may append to an inbox, so claims are checked). */
  verified: boolean;
  /** Why it could not be verified. */
  reason?: string;
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

/** Most inbox items read in one go (anyone may append, so an inbox may be flooded). */
export const maxInboxItems = 1000;
const itemLimits: ReadLimits = { maxBytes: 256 * 1024 };

/** The owner's social notifications (likes, replies, follows, undos), newest first, each verified. Other items are left alone. */
export async function listNotifications(actor: Actor, limits: ReadLimits = {}): Promise<Notification[]> {
  const inbox = await ownArea(actor, 'inbox');
  const urls = (await listInboxUrls(actor.fetch, inbox)).slice(0, maxInboxItems);
  const claims = (await mapBounded(urls, 8, async (url) => {
    try {
      return parseNotification(url, (await readRdf(actor.fetch, url, itemLimits)).quads);
    } catch {
      return undefined;
    }
  })).filter((n): n is Notification => n !== undefined);
  const verifier = new Verifier(actor, await ownArea(actor, 'posts'), limits);
  const checked = await mapBounded(claims, 8, (claim) => verifier.check(claim));
  return checked.sort((a, b) => ((a.published ?? '') < (b.published ?? '') ? 1 : -1));
}

/**
 * Folds the verified notifications into the private record (counts and followers survive), then deletes the social items.
 * `listed`: the notifications already read (and shown), so that exactly those are cleared and the inbox is not read twice.
 */
export async function clearNotifications(actor: Actor, limits: ReadLimits = {}, listed?: readonly Notification[]): Promise<{ cleared: number; record: SocialRecord }> {
  const notifications = listed ?? await listNotifications(actor, limits);
  let record: SocialRecord = emptyRecord();
  const url = await recordUrl(actor);
  // A missing record is made first, private to the manager (as the lock-down makes it): never an open document.
  const first = await readTurtleDoc(actor.fetch, url);
  if (!first) await ensureSocialRecord(actor, url);
  // Read, fold, write back only if nobody changed the record meanwhile (If-Match), else again: two clears lose nothing.
  await updateTurtleDoc(actor.fetch, url, (current) => {
    record = fold(parseRecord(current ?? []), notifications);
    return recordQuads(record, actor.webId);
  }, first ? { first } : {});
  await mapBounded(notifications, 8, (n) => deleteInboxItem(actor.fetch, n.url));
  return { cleared: notifications.length, record };
}

/** The record with the still-pending verified notifications folded in: what the owner has received. */
export async function socialState(actor: Actor, limits: ReadLimits = {}): Promise<SocialRecord> {
  return fold(await readRecord(actor), await listNotifications(actor, limits));
}

/** WebIDs of the owner's followers (verified follows not undone). */
export async function listFollowers(actor: Actor, limits: ReadLimits = {}): Promise<string[]> {
  return [...new Set((await socialState(actor, limits)).follows.map((f) => f.actor))].sort();
}

/** Adds like and reply counts to the owner's own posts. */
export async function withCounts(actor: Actor, posts: Post[], state?: SocialRecord): Promise<Post[]> {
  const current = state ?? await socialState(actor);
  return posts.map((post) => ({
    ...post,
    likes: new Set(current.likes.filter((l) => l.object === post.url).map((l) => l.actor)).size,
    replies: current.replies.filter((r) => r.object === post.url).length,
  }));
}

/** Applies notifications to a record: verified likes, replies and follows are added, verified undos remove. */
export function fold(record: SocialRecord, notifications: readonly Notification[]): SocialRecord {
  const next: SocialRecord = { likes: [...record.likes], replies: [...record.replies], follows: [...record.follows] };
  const verified = notifications.filter((n) => n.verified);
  for (const n of verified) {
    if (n.kind === 'like' && n.object && !next.likes.some((l) => l.url === n.activity)) next.likes.push({ url: n.activity, actor: n.actor, object: n.object });
    if (n.kind === 'reply' && n.object && !next.replies.some((r) => r.url === n.activity)) next.replies.push({ url: n.activity, actor: n.actor, object: n.object });
    if (n.kind === 'follow' && !next.follows.some((f) => f.url === n.activity)) next.follows.push({ url: n.activity, actor: n.actor });
  }
  for (const n of verified.filter((v) => v.kind === 'undo')) {
    const mine = (entry: { url: string; actor: string }) => !(entry.url === n.activity && entry.actor === n.actor);
    next.likes = next.likes.filter(mine);
    next.replies = next.replies.filter(mine);
    next.follows = next.follows.filter(mine);
  }
  return next;
}

/** Reads what an inbox item claims; undefined for items that are not Hearth's social notifications. */
export function parseNotification(url: string, quads: readonly Quad[]): Notification | undefined {
  const typed = (type: string) => quads.filter((q) => q.predicate.value === `${RDF}type` && q.object.value === `${AS}${type}`).map((q) => q.subject);
  const read = (subject: Term, name: string) => objectOf(quads, subject.value, `${AS}${name}`);
  const make = (kind: NotificationKind, subject: Term, activity: Term | undefined, object?: string): Notification | undefined => {
    const who = read(subject, 'actor');
    if (who?.termType !== 'NamedNode' || activity?.termType !== 'NamedNode') return undefined;
    const published = read(subject, 'published')?.value;
    return { url, kind, actor: who.value, activity: activity.value, verified: false,
      ...(object ? { object } : {}), ...(published ? { published } : {}) };
  };
  for (const subject of typed('Like')) return make('like', subject, subject, read(subject, 'object')?.value);
  for (const subject of typed('Follow')) return make('follow', subject, subject, read(subject, 'object')?.value);
  for (const subject of typed('Create')) {
    const note = read(subject, 'object');
    return make('reply', subject, note, note ? read(note, 'inReplyTo')?.value : undefined);
  }
  for (const subject of typed('Undo')) return make('undo', subject, read(subject, 'object'));
  return undefined;
}

/**
 * Checks notifications against the senders' pods, caching profiles and documents within one run. Every URL is compared
 * as the pod server resolves it (`canonicalUrl`): `…/bob/../eve/…` is in eve's pod, whatever its text starts with.
 */
class Verifier {
  private readonly storages = new Map<string, Promise<string[]>>();
  private readonly documents = new Map<string, Promise<{ url: string; quads: Quad[] } | 'missing'>>();
  constructor(private readonly owner: Actor, private readonly ownPosts: string, private readonly limits: ReadLimits) {}

  async check(said: Notification): Promise<Notification> {
    const actor = canonicalUrl(said.actor);
    const activity = canonicalUrl(said.activity);
    if (!actor || !activity) return this.reject(said, `${said.activity} by ${said.actor} is not an http(s) URL`);
    const claim = { ...said, actor, activity };
    try {
      const storages = await this.storagesOf(actor);
      if (!isInsideAny(activity, storages)) return this.reject(claim, `${activity} is not in ${actor}'s pod`);
      const found = await this.document(activity);
      // The document must be in their pod where it answered too (a redirect elsewhere proves nothing).
      if (found !== 'missing' && !isInsideAny(found.url, storages)) return this.reject(claim, `${activity} is answered from outside ${actor}'s pod`);
      const quads = found === 'missing' ? 'missing' : found.quads;
      if (claim.kind === 'undo') {
        // Gone: no document, or no like, follow or note (a deleted reply leaves only a tombstone).
        const gone = quads === 'missing' || !['Like', 'Follow', 'Note'].some((type) => hasType(quads, activity, `${AS}${type}`));
        return gone ? { ...claim, verified: true } : this.reject(claim, `${activity} still exists`);
      }
      if (quads === 'missing') return this.reject(claim, `${activity} does not exist`);
      if (claim.kind === 'reply') {
        const post = parsePost(quads, activity);
        if (!post || post.author !== actor || !post.inReplyTo || !isInside(post.inReplyTo, this.ownPosts)) {
          return this.reject(claim, `${activity} is not a reply by ${actor} to one of your posts`);
        }
        return { ...claim, object: post.inReplyTo, verified: true };
      }
      const type = claim.kind === 'like' ? 'Like' : 'Follow';
      const object = objectOf(quads, activity, `${AS}object`)?.value;
      const matches = hasType(quads, activity, `${AS}${type}`) && objectOf(quads, activity, `${AS}actor`)?.value === actor;
      const aboutMe = object !== undefined && (claim.kind === 'like' ? isInside(object, this.ownPosts) : object === canonicalUrl(this.owner.webId));
      if (!matches || !aboutMe) return this.reject(claim, `${activity} is not a ${type.toLowerCase()} of yours by ${actor}`);
      return { ...claim, object, verified: true };
    } catch (error: unknown) {
      return this.reject(claim, describe(error));
    }
  }

  private reject(claim: Notification, reason: string): Notification {
    return { ...claim, verified: false, reason };
  }

  private storagesOf(webId: string): Promise<string[]> {
    let found = this.storages.get(webId);
    if (!found) {
      found = readProfileLinks(globalThis.fetch, webId, this.limits).then((links) => links.storages);
      this.storages.set(webId, found);
    }
    return found;
  }

  /** A document read without credentials, its IRIs made canonical so that `..` or `//` in them cannot fool a comparison. */
  private document(url: string): Promise<{ url: string; quads: Quad[] } | 'missing'> {
    const doc = documentOf(url);
    let found = this.documents.get(doc);
    if (!found) {
      found = readRdf(globalThis.fetch, doc, this.limits).then((r) => ({ url: r.url, quads: r.quads.map(canonicalQuad) }), (error: unknown) => {
        if (error instanceof NotFoundError) return 'missing' as const;
        throw error;
      });
      this.documents.set(doc, found);
    }
    return found;
  }
}

/** A quad whose http(s) IRIs are canonical (see `canonicalUrl`). */
function canonicalQuad(q: Quad): Quad {
  const iri = (term: Term): Term => (term.termType === 'NamedNode' ? namedNode(canonicalUrl(term.value) ?? term.value) : term);
  return triple(iri(q.subject), q.predicate, iri(q.object));
}

/** The URL of the owner's private record of received likes, replies and follows. */
export async function recordUrl(actor: Actor): Promise<string> {
  return socialRecordUrl(await ownPod(actor));
}

/** Makes the social record, empty and the manager's alone; only the manager's own session can. */
async function ensureSocialRecord(actor: Actor, url: string): Promise<void> {
  if (!actor.clientId) {
    throw new HearthError('NEEDS_MANAGER', `${url} does not exist yet, and only Hearth's manager session (with its client id) may make it.`);
  }
  await ensurePrivateRecord({ fetch: actor.fetch, managerClientId: actor.clientId, issuer: podIssuerOf(await ownPod(actor)) }, url);
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
  const of = (type: string) => [...new Set(quads.filter((q) => q.predicate.value === `${RDF}type` && q.object.value === `${AS}${type}`).map((q) => q.subject.value))];
  const value = (s: string, p: string) => objectOf(quads, s, `${AS}${p}`)?.value;
  return {
    likes: of('Like').flatMap((url) => { const a = value(url, 'actor'); const o = value(url, 'object'); return a && o ? [{ url, actor: a, object: o }] : []; }),
    replies: of('Note').flatMap((url) => { const a = value(url, 'attributedTo'); const o = value(url, 'inReplyTo'); return a && o ? [{ url, actor: a, object: o }] : []; }),
    follows: of('Follow').flatMap((url) => { const a = value(url, 'actor'); return a ? [{ url, actor: a }] : []; }),
  };
}

/** The quads of a record (kept in settings/, private: only the owner's manager reads it). */
function recordQuads(record: SocialRecord, ownerWebId: string): Quad[] {
  const quads: Quad[] = [];
  for (const l of record.likes) quads.push(triple(l.url, rdfType, as('Like')), triple(l.url, as('actor'), namedNode(l.actor)), triple(l.url, as('object'), namedNode(l.object)));
  for (const r of record.replies) quads.push(triple(r.url, rdfType, as('Note')), triple(r.url, as('attributedTo'), namedNode(r.actor)), triple(r.url, as('inReplyTo'), namedNode(r.object)));
  for (const f of record.follows) quads.push(triple(f.url, rdfType, as('Follow')), triple(f.url, as('actor'), namedNode(f.actor)), triple(f.url, as('object'), namedNode(ownerWebId)));
  return quads;
}
