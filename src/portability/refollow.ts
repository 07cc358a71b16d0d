import { DataFactory } from 'n3';
import { as, dateLiteral, rdfType, triple } from '../rdf.js';
import { describe } from '../errors.js';
import { follow, readOwnFollowing, type Follow } from '../social/follows.js';
import { notify, type Delivery } from '../social/notify.js';
import { mapBounded } from '../social/remote.js';
import type { Actor } from '../social/self.js';

const { namedNode } = DataFactory;

/** One person the old account followed, now followed by the new one. */
export interface Refollowed {
  /** Their WebID (as the old account followed it). */
  webId: string;
  /** Whether the new account's follow is recorded in its pod. */
  following: boolean;
  /** Whether they got the new account's `as:Follow` in their inbox (it is what makes them count it). */
  delivery: Delivery;
}

/**
 * Makes the new account follow everyone the old one followed: each gets an `as:Follow` from the new WebID, so they keep
 * a
 * follower once the old account is gone. Follows the import already brought over (rewritten to the new WebID) are sent
 * as they are; any other is made with `follow` (recorded, then sent). One person's failure does not stop the others.
 */
export async function followAsBefore(
  oldActor: Actor,
  newActor: Actor,
  options: { concurrency?: number } = {},
): Promise<Refollowed[]> {
  const before = await readOwnFollowing(oldActor);
  const imported = await readOwnFollowing(newActor);
  const wanted = [...new Set(before.map((f) => f.object))].filter(
    (webId) => webId !== oldActor.webId && webId !== newActor.webId,
  );
  return mapBounded(wanted, options.concurrency ?? 4, async (webId): Promise<Refollowed> => {
    try {
      const copied = imported.find((f) => f.object === webId);
      if (copied) return { webId, following: true, delivery: await notify(newActor, webId, followQuads(copied)) };
      const made = await follow(newActor, webId);
      return { webId, following: true, delivery: made.delivery };
    } catch (error: unknown) {
      return { webId, following: false, delivery: { notified: false, reason: describe(error) } };
    }
  });
}

/** The `as:Follow` a followed person is sent (as `follow` sends it). */
function followQuads(f: Follow) {
  return [
    triple(f.url, rdfType, as('Follow')),
    triple(f.url, as('actor'), namedNode(f.actor)),
    triple(f.url, as('object'), namedNode(f.object)),
    triple(f.url, as('published'), dateLiteral(f.published ? new Date(f.published) : new Date())),
  ];
}
