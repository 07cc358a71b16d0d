import { DataFactory, type Quad } from 'n3';
import { describe } from '../errors.js';
import { readProfileLinks } from './discovery.js';
import { sendToInbox } from './inbox.js';
import type { ReadLimits } from './remote.js';
import { as, dateLiteral, rdfType, triple } from './patch.js';
import type { Actor } from './self.js';

const { blankNode, namedNode } = DataFactory;

/** Whether a notification reached its recipient's inbox. */
export interface Delivery {
  /** True when the recipient's inbox accepted it. */
  notified: boolean;
  /** Why not, when it was not delivered. */
  reason?: string;
}

/**
 * Sends a notification to `recipient`'s LDN inbox (from their profile) with the actor's own session.
 * Never throws: the action it reports on is already done, so a failure is answered as a Delivery.
 */
export async function notify(actor: Actor, recipient: string, quads: Quad[], limits: ReadLimits = {}): Promise<Delivery> {
  if (recipient === actor.webId) return { notified: false, reason: 'no notification to oneself' };
  try {
    const links = await readProfileLinks(globalThis.fetch, recipient, limits);
    if (!links.inbox) return { notified: false, reason: `${recipient} has no inbox` };
    await sendToInbox(actor.fetch, links.inbox, quads, AbortSignal.timeout(limits.timeoutMs ?? 5_000));
    return { notified: true };
  } catch (error: unknown) {
    return { notified: false, reason: describe(error) };
  }
}

/** An `as:Undo` of activities by `actor`. */
export function undoQuads(actor: string, activities: string[]): Quad[] {
  return activities.flatMap((activity) => {
    const undo = blankNode();
    return [triple(undo, rdfType, as('Undo')), triple(undo, as('actor'), namedNode(actor)),
      triple(undo, as('object'), namedNode(activity)), triple(undo, as('published'), dateLiteral(new Date()))];
  });
}
