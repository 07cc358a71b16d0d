import { BadDataError, QuadIndex } from '../rdf.js';
import { cleanText } from '../text.js';
import { AS, FOAF, LDP, PIM, SOLID } from '../vocab.js';
import { objectOf, objectsOf, documentOf } from './patch.js';
import { readRdf, type ReadLimits } from './remote.js';

const VCARD = 'http://www.w3.org/2006/vcard/ns#';

/** Most `pim:storage` values read of one profile: more are left out. */
export const maxStorages = 20;

/** What Hearth needs from a WebID profile. */
export interface ProfileLinks {
  /** The WebID. */
  webId: string;
  /** `ldp:inbox`. */
  inbox?: string;
  /** `solid:publicTypeIndex`. */
  publicTypeIndex?: string;
  /** `pim:storage` values (at most `maxStorages`). */
  storages: string[];
  /** The display name (`as:name`, `foaf:name` or `vcard:fn`), cleaned: it is someone else's text. */
  name?: string;
}

/** Reads the links of a WebID profile (bounded). */
export async function readProfileLinks(fetchFn: typeof fetch, webId: string, limits: ReadLimits = {}): Promise<ProfileLinks> {
  const { quads } = await readRdf(fetchFn, documentOf(webId), limits);
  const inbox = objectOf(quads, webId, `${LDP}inbox`)?.value;
  const publicTypeIndex = objectOf(quads, webId, `${SOLID}publicTypeIndex`)?.value;
  const storages = objectsOf(quads, webId, `${PIM}storage`).slice(0, maxStorages).map((t) => t.value);
  const rawName = [`${AS}name`, `${FOAF}name`, `${VCARD}fn`].map((p) => objectOf(quads, webId, p)).find((t) => t?.termType === 'Literal')?.value;
  const name = rawName === undefined ? '' : cleanText(rawName, 100);
  return { webId, storages, ...(inbox ? { inbox } : {}), ...(publicTypeIndex ? { publicTypeIndex } : {}), ...(name ? { name } : {}) };
}

/** Finds the container registered for `forClass` in a public type index (bounded; linear however many registrations). */
export async function findRegisteredContainer(fetchFn: typeof fetch, typeIndex: string, forClass: string, limits: ReadLimits = {}): Promise<string> {
  const { quads } = await readRdf(fetchFn, typeIndex, limits);
  const index = new QuadIndex(quads);
  for (const registration of quads) {
    if (registration.predicate.value !== `${SOLID}forClass` || registration.object.value !== forClass) continue;
    const container = index.objectOf(registration.subject.value, `${SOLID}instanceContainer`)?.value;
    if (container && /^https?:/u.test(container)) return container;
  }
  throw new BadDataError(typeIndex, `${typeIndex} registers no container for ${forClass}`);
}

/** Discovers where a person keeps posts: WebID profile -> public type index -> `as:Note` container. */
export async function discoverPostsContainer(fetchFn: typeof fetch, webId: string, limits: ReadLimits = {}): Promise<string> {
  return postsContainerOf(fetchFn, await readProfileLinks(fetchFn, webId, limits), limits);
}

/** The `as:Note` container registered in the public type index a profile links to. */
export async function postsContainerOf(fetchFn: typeof fetch, links: ProfileLinks, limits: ReadLimits = {}): Promise<string> {
  if (!links.publicTypeIndex) throw new BadDataError(links.webId, `${links.webId} has no public type index`);
  return findRegisteredContainer(fetchFn, links.publicTypeIndex, `${AS}Note`, limits);
}
