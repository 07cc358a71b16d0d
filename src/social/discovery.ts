import type { Quad, Term } from 'n3';
import { BadDataError, documentOf, QuadIndex } from '../rdf.js';
import { cleanText } from '../text.js';
import { AS, FOAF, LDP, PIM, SOLID } from '../vocab.js';
import { readRdf, type ReadLimits } from './remote.js';

/** The vCard vocabulary (names, notes and photos in profiles). */
export const VCARD = 'http://www.w3.org/2006/vcard/ns#';

/** Most `pim:storage` values read of one profile: more are left out. */
export const maxStorages = 20;

/** What Hearth shows of a person, read from their WebID profile. */
export interface Profile {
  /** The WebID. */
  webId: string;
  /** Display name (`as:name`, else `foaf:name`, else `vcard:fn`): any name, no real-name rule. */
  name?: string;
  /**
   * Short bio as written (`vcard:note`, else `as:summary` as is: Hearth writes HTML there, older versions plain text).
   */
  bio?: string;
  /** Avatar image URL (`as:icon`, else `vcard:hasPhoto`, else `foaf:img`). */
  avatar?: string;
  /** LDN inbox. */
  inbox?: string;
  /** Public type index. */
  publicTypeIndex?: string;
  /** Storages (pods), at most `maxStorages` (20). */
  storages: string[];
}

/** What Hearth needs from a WebID profile to reach a person: the links of their `Profile`, and their name cleaned. */
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

/** Reads a person's profile (bounded in bytes, time and triples: it may be anyone's). */
export async function getProfile(fetchFn: typeof fetch, webId: string, limits: ReadLimits = {}): Promise<Profile> {
  return parseProfile((await readRdf(fetchFn, documentOf(webId), limits)).quads, webId);
}

/** The one reading of a WebID profile's triples: what `getProfile` answers, and `readProfileLinks` takes links from. */
export function parseProfile(quads: readonly Quad[], webId: string): Profile {
  const index = new QuadIndex(quads);
  const first = (termType: Term['termType'], predicates: string[]) =>
    predicates.map((p) => index.objectOf(webId, p)).find((t) => t?.termType === termType)?.value;
  const name = first('Literal', [`${AS}name`, `${FOAF}name`, `${VCARD}fn`]);
  const bio = first('Literal', [`${VCARD}note`, `${AS}summary`]);
  const avatar = first('NamedNode', [`${AS}icon`, `${VCARD}hasPhoto`, `${FOAF}img`]);
  const inbox = first('NamedNode', [`${LDP}inbox`]);
  const publicTypeIndex = first('NamedNode', [`${SOLID}publicTypeIndex`]);
  return {
    webId,
    storages: index
      .objectsOf(webId, `${PIM}storage`)
      .slice(0, maxStorages)
      .map((t) => t.value),
    ...(name !== undefined ? { name } : {}),
    ...(bio !== undefined ? { bio } : {}),
    ...(avatar ? { avatar } : {}),
    ...(inbox ? { inbox } : {}),
    ...(publicTypeIndex ? { publicTypeIndex } : {}),
  };
}

/** Reads the links of a WebID profile (bounded): `getProfile`, its name cleaned, without what only people look at. */
export async function readProfileLinks(
  fetchFn: typeof fetch,
  webId: string,
  limits: ReadLimits = {},
): Promise<ProfileLinks> {
  const { storages, inbox, publicTypeIndex, name: rawName } = await getProfile(fetchFn, webId, limits);
  const name = rawName === undefined ? '' : cleanText(rawName, 100);
  return {
    webId,
    storages,
    ...(inbox ? { inbox } : {}),
    ...(publicTypeIndex ? { publicTypeIndex } : {}),
    ...(name ? { name } : {}),
  };
}

/**
 * Finds the container registered for `forClass` in a public type index (bounded; linear however many registrations).
 */
export async function findRegisteredContainer(
  fetchFn: typeof fetch,
  typeIndex: string,
  forClass: string,
  limits: ReadLimits = {},
): Promise<string> {
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
export async function discoverPostsContainer(
  fetchFn: typeof fetch,
  webId: string,
  limits: ReadLimits = {},
): Promise<string> {
  return postsContainerOf(fetchFn, await readProfileLinks(fetchFn, webId, limits), limits);
}

/** The `as:Note` container registered in the public type index a profile links to. */
export async function postsContainerOf(
  fetchFn: typeof fetch,
  links: ProfileLinks,
  limits: ReadLimits = {},
): Promise<string> {
  if (!links.publicTypeIndex) throw new BadDataError(links.webId, `${links.webId} has no public type index`);
  return findRegisteredContainer(fetchFn, links.publicTypeIndex, `${AS}Note`, limits);
}
