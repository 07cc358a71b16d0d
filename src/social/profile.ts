import { DataFactory, type Quad } from 'n3';
import { InvalidInputError, httpErrorFor } from '../errors.js';
import { canonicalUrl } from '../url.js';
import { AS, FOAF, LDP, PIM, SOLID } from '../vocab.js';
import { documentOf, newId, objectOf, objectsOf, patchDocument, triple } from './patch.js';
import { maxStorages } from './discovery.js';
import { isUploadIn } from './layout.js';
import { checkImage } from './images.js';
import { maxImageBytes, type ImageInput } from './posts.js';
import { readRdf, type ReadLimits } from './remote.js';
import { ownArea, type Actor } from './self.js';

const { namedNode, literal } = DataFactory;
const VCARD = 'http://www.w3.org/2006/vcard/ns#';

/** What Hearth shows of a person, read from their WebID profile. */
export interface Profile {
  /** The WebID. */
  webId: string;
  /** Display name (`as:name`, else `foaf:name`): any name, no real-name rule. */
  name?: string;
  /** Short bio (`as:summary`). */
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

/** Longest display name and bio accepted, in characters. */
export const maxNameLength = 200;
/** Longest bio accepted, in characters. */
export const maxBioLength = 2_000;

/** Reads a person's profile (bounded in bytes, time and triples: it may be anyone's). */
export async function getProfile(fetchFn: typeof fetch, webId: string, limits: ReadLimits = {}): Promise<Profile> {
  const { quads } = await readRdf(fetchFn, documentOf(webId), limits);
  const text = (...predicates: string[]) => predicates.map((p) => objectOf(quads, webId, p)).find((t) => t?.termType === 'Literal')?.value;
  const link = (...predicates: string[]) => predicates.map((p) => objectOf(quads, webId, p)).find((t) => t?.termType === 'NamedNode')?.value;
  const name = text(`${AS}name`, `${FOAF}name`, `${VCARD}fn`);
  const bio = text(`${AS}summary`, `${VCARD}note`);
  const avatar = link(`${AS}icon`, `${VCARD}hasPhoto`, `${FOAF}img`);
  const inbox = link(`${LDP}inbox`);
  const publicTypeIndex = link(`${SOLID}publicTypeIndex`);
  return {
    webId, storages: objectsOf(quads, webId, `${PIM}storage`).slice(0, maxStorages).map((t) => t.value),
    ...(name !== undefined ? { name } : {}), ...(bio !== undefined ? { bio } : {}), ...(avatar ? { avatar } : {}),
    ...(inbox ? { inbox } : {}), ...(publicTypeIndex ? { publicTypeIndex } : {}),
  };
}

/**
 * Changes the display name (`foaf:name` and `as:name`), bio (`as:summary`) and avatar (`as:icon` and `vcard:hasPhoto`,
 * uploaded into profile/) with an N3 Patch of only those triples: the rest of the WebID profile (oidcIssuer...) stays.
 */
export async function setProfile(actor: Actor, change: { name?: string; bio?: string; avatar?: ImageInput }): Promise<Profile> {
  if (change.name !== undefined && [...change.name].length > maxNameLength) throw new InvalidInputError(`A name may have at most ${maxNameLength} characters.`);
  if (change.bio !== undefined && [...change.bio].length > maxBioLength) throw new InvalidInputError(`A bio may have at most ${maxBioLength} characters.`);
  if (change.name === undefined && change.bio === undefined && !change.avatar) throw new InvalidInputError('Nothing to change: give a name, a bio or an avatar.');
  const card = documentOf(actor.webId);
  const { quads } = await readRdf(actor.fetch, card);
  const deletes: Quad[] = [];
  const inserts: Quad[] = [];
  const replace = (predicates: string[], value: ReturnType<typeof literal> | ReturnType<typeof namedNode> | undefined) => {
    for (const predicate of predicates) {
      for (const old of objectsOf(quads, actor.webId, predicate)) deletes.push(triple(actor.webId, namedNode(predicate), old));
      if (value) inserts.push(triple(actor.webId, namedNode(predicate), value));
    }
  };
  if (change.name !== undefined) replace([`${FOAF}name`, `${AS}name`], change.name === '' ? undefined : literal(change.name));
  if (change.bio !== undefined) replace([`${AS}summary`], change.bio === '' ? undefined : literal(change.bio));
  let oldAvatar: string | undefined;
  if (change.avatar) {
    oldAvatar = objectOf(quads, actor.webId, `${AS}icon`)?.value;
    replace([`${AS}icon`, `${VCARD}hasPhoto`], namedNode(await uploadAvatar(actor, change.avatar)));
  }
  await patchDocument(actor.fetch, card, { deletes, inserts }, 'Updating the profile');
  // The old avatar goes only if it is a file directly in profile/ other than the profile itself: the profile's text,
  // which another version or app may have written, is not trusted to name what the owner deletes.
  const profileArea = await ownArea(actor, 'profile');
  if (oldAvatar && isUploadIn(oldAvatar, profileArea) && canonicalUrl(oldAvatar) !== canonicalUrl(card)) {
    const response = await actor.fetch(canonicalUrl(oldAvatar)!, { method: 'DELETE' }).catch(() => undefined);
    await response?.body?.cancel();
  }
  return getProfile(actor.fetch, actor.webId);
}

async function uploadAvatar(actor: Actor, image: ImageInput): Promise<string> {
  image = checkImage(image); // its content decides its media type (text, empty files and SVG are refused)
  if (image.data.byteLength > maxImageBytes) throw new InvalidInputError(`Images may have at most ${maxImageBytes / 1024 / 1024} MB.`);
  const extension = image.mediaType.slice(6).replace(/\+.*$/u, '').replace('jpeg', 'jpg');
  const url = `${await ownArea(actor, 'profile')}avatar-${newId()}.${extension}`;
  const response = await actor.fetch(url, { method: 'PUT', headers: { 'content-type': image.mediaType }, body: new Blob([new Uint8Array(image.data)], { type: image.mediaType }) });
  if (!response.ok) throw await httpErrorFor(response, `Uploading the avatar to ${url}`);
  await response.body?.cancel();
  return url;
}
