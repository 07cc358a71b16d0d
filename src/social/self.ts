import type { HearthSession } from '../auth/session.js';
import { BadDataError } from '../rdf.js';
import { readProfileLinks } from './discovery.js';
import { areaUrl, type PodArea } from './layout.js';

/**
 * What a function acting for someone needs: their WebID and an authenticated fetch; and the session's client id when
 * known (making one of Hearth's private records needs the manager's).
 */
export type Actor = Pick<HearthSession, 'webId' | 'fetch'> & Partial<Pick<HearthSession, 'clientId'>>;

const pods = new Map<string, Promise<string>>();

/** The pod of the acting person (the first `pim:storage` of their profile; remembered per WebID). */
export async function ownPod(actor: Actor): Promise<string> {
  let pod = pods.get(actor.webId);
  if (!pod) {
    pod = readProfileLinks(actor.fetch, actor.webId).then((links) => {
      const storage = links.storages.find((s) => s.endsWith('/'));
      if (!storage) throw new BadDataError(actor.webId, `${actor.webId} names no pim:storage`);
      return storage;
    }).catch((error: unknown) => {
      pods.delete(actor.webId); // A failure is not remembered: the next call asks again. Every caller gets the error.
      throw error;
    });
    pods.set(actor.webId, pod);
  }
  return pod;
}

/** The URL of an area of the acting person's pod. */
export async function ownArea(actor: Actor, area: PodArea): Promise<string> {
  return areaUrl(await ownPod(actor), area);
}
