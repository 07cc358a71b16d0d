import { DataFactory, type Quad } from 'n3';
import { as, dateLiteral, documentOf, rdfType, triple } from '../rdf.js';
import { describe } from '../errors.js';
import { canonicalUrl, isInside } from '../url.js';
import { readProfileLinks } from './discovery.js';
import { sendToInbox } from './inbox.js';
import type { ReadLimits } from './remote.js';
import { ownPod, type Actor } from './self.js';

const { blankNode, namedNode } = DataFactory;

/** Whether a notification reached its recipient's inbox. */
export interface Delivery {
  /** True when the recipient's inbox accepted it. */
  notified: boolean;
  /** Why not, when it was not delivered. */
  reason?: string;
}

/**
 * Sends a notification to `recipient`'s LDN inbox (from their profile) with the actor's own session, only where
 * `inboxRefusal` allows, and never following a redirect. Never throws: the action it reports on is already done, so a
 * failure is answered as a Delivery.
 */
export async function notify(
  actor: Actor,
  recipient: string,
  quads: Quad[],
  limits: ReadLimits = {},
): Promise<Delivery> {
  if (canonicalUrl(recipient) === canonicalUrl(actor.webId))
    return { notified: false, reason: 'no notification to oneself' };
  try {
    const links = await readProfileLinks(globalThis.fetch, recipient, limits);
    if (!links.inbox) return { notified: false, reason: `${recipient} has no inbox` };
    const refusal = inboxRefusal(links.inbox, recipient, await ownPod(actor));
    if (refusal) return { notified: false, reason: refusal };
    await sendToInbox(actor.fetch, canonicalUrl(links.inbox)!, quads, AbortSignal.timeout(limits.timeoutMs ?? 5_000));
    return { notified: true };
  } catch (error: unknown) {
    return { notified: false, reason: describe(error) };
  }
}

/**
 * Why an inbox named by `recipient`'s profile must not get a request with the sender's credentials, or undefined when
 * it may (URLs compared as the pod server resolves them). Refused: anything inside the sender's own pod; and on the
 * sender's own pod server, anything outside the pod that holds the recipient's profile, pods there being taken to be
 * siblings of the sender's (`…/alice/`, `…/bob/`), so nobody's profile can point the sender's session at a third pod.
 */
function inboxRefusal(inbox: string, recipient: string, senderPod: string): string | undefined {
  const target = canonicalUrl(inbox);
  const pod = canonicalUrl(senderPod);
  if (!target || !pod) return `the inbox ${inbox} of ${recipient} is not an http(s) URL`;
  if (isInside(target, pod)) return `the inbox ${inbox} of ${recipient} is in your own pod`;
  if (new URL(target).origin !== new URL(pod).origin) return undefined;
  const theirs = podOnServerOf(documentOf(recipient), pod);
  if (!theirs || !isInside(target, theirs))
    return `the inbox ${inbox} of ${recipient} is on your pod server but not in their pod`;
  return undefined;
}

/** The pod of `senderPod`'s server holding `url`: the container at the depth of `senderPod`, on the same origin. */
function podOnServerOf(url: string, senderPod: string): string | undefined {
  const target = canonicalUrl(url);
  if (!target || new URL(target).origin !== new URL(senderPod).origin) return undefined;
  const depth = new URL(senderPod).pathname.split('/').length - 2;
  const folders = new URL(target).pathname.split('/').slice(1, -1);
  if (depth < 1 || folders.length < depth) return undefined;
  return `${new URL(senderPod).origin}/${folders.slice(0, depth).join('/')}/`;
}

/** An `as:Undo` of activities by `actor`. */
export function undoQuads(actor: string, activities: string[]): Quad[] {
  return activities.flatMap((activity) => {
    const undo = blankNode();
    return [
      triple(undo, rdfType, as('Undo')),
      triple(undo, as('actor'), namedNode(actor)),
      triple(undo, as('object'), namedNode(activity)),
      triple(undo, as('published'), dateLiteral(new Date())),
    ];
  });
}
