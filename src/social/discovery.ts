import { BadDataError } from '../rdf.js';
import { AS, LDP, PIM, SOLID } from '../vocab.js';
import { objectOf, objectsOf, documentOf } from './patch.js';
import { readRdf, type ReadLimits } from './remote.js';

/** What Hearth needs from a WebID profile. */
export interface ProfileLinks {
  /** The WebID. */
  webId: string;
  /** `ldp:inbox`. */
  inbox?: string;
  /** `solid:publicTypeIndex`. */
  publicTypeIndex?: string;
  /** `pim:storage` values. */
  storages: string[];
}

/** Reads the links of a WebID profile (bounded). */
export async function readProfileLinks(fetchFn: typeof fetch, webId: string, limits: ReadLimits = {}): Promise<ProfileLinks> {
  const { quads } = await readRdf(fetchFn, documentOf(webId), limits);
  const inbox = objectOf(quads, webId, `${LDP}inbox`)?.value;
  const publicTypeIndex = objectOf(quads, webId, `${SOLID}publicTypeIndex`)?.value;
  const storages = objectsOf(quads, webId, `${PIM}storage`).map((t) => t.value);
  return { webId, storages, ...(inbox ? { inbox } : {}), ...(publicTypeIndex ? { publicTypeIndex } : {}) };
}

/** Finds the container registered for `forClass` in a public type index (bounded). */
export async function findRegisteredContainer(fetchFn: typeof fetch, typeIndex: string, forClass: string, limits: ReadLimits = {}): Promise<string> {
  const { quads } = await readRdf(fetchFn, typeIndex, limits);
  for (const registration of quads.filter((q) => q.predicate.value === `${SOLID}forClass` && q.object.value === forClass)) {
    const container = objectOf(quads, registration.subject.value, `${SOLID}instanceContainer`)?.value;
    if (container && /^https?:/u.test(container)) return container;
  }
  throw new BadDataError(typeIndex, `${typeIndex} registers no container for ${forClass}`);
}

/** Discovers where a person keeps posts: WebID profile -> public type index -> `as:Note` container. */
export async function discoverPostsContainer(fetchFn: typeof fetch, webId: string, limits: ReadLimits = {}): Promise<string> {
  const links = await readProfileLinks(fetchFn, webId, limits);
  if (!links.publicTypeIndex) throw new BadDataError(webId, `${webId} has no public type index`);
  return findRegisteredContainer(fetchFn, links.publicTypeIndex, `${AS}Note`, limits);
}

/** Whether `url` lies inside one of the `storages` (used to check who really wrote an activity). */
export function isInside(url: string, storages: readonly string[]): boolean {
  return storages.some((storage) => storage.endsWith('/') && url.startsWith(storage));
}
