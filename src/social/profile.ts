import { DataFactory, type Quad } from 'n3';
import { documentOf, newId, QuadIndex, triple } from '../rdf.js';
import { HearthError, InvalidInputError, httpErrorFor } from '../errors.js';
import { cleanText, textToHtml } from '../text.js';
import { canonicalUrl } from '../url.js';
import { AS, FOAF } from '../vocab.js';
import { patchDocument } from './patch.js';
import { VCARD, getProfile, type Profile } from './discovery.js';
import { isUploadIn } from './layout.js';
import { checkImage } from './images.js';
import { deleteUpload, maxImageBytes, type ImageInput } from './posts.js';
import { mapBounded, readRdf, type ReadLimits } from './remote.js';
import { Deadline } from './deadline.js';
import { ownArea, type Actor } from './self.js';

const { namedNode, literal } = DataFactory;

/** Longest display name and bio accepted, in characters. */
export const maxNameLength = 200;
/** Longest bio accepted, in characters. */
export const maxBioLength = 2_000;

/**
 * Changes the display name (`foaf:name` and `as:name`, plain text), bio (`as:summary` as escaped HTML, as
 * ActivityStreams
 * readers expect, and `vcard:note` as written) and avatar (`as:icon` and `vcard:hasPhoto`,
 * uploaded into profile/) with an N3 Patch of only those triples: the rest of the WebID profile (oidcIssuer...) stays.
 */
export async function setProfile(
  actor: Actor,
  change: { name?: string; bio?: string; avatar?: ImageInput },
): Promise<Profile> {
  if (change.name !== undefined && [...change.name].length > maxNameLength)
    throw new InvalidInputError(`A name may have at most ${maxNameLength} characters.`);
  if (change.bio !== undefined && [...change.bio].length > maxBioLength)
    throw new InvalidInputError(`A bio may have at most ${maxBioLength} characters.`);
  if (change.name === undefined && change.bio === undefined && !change.avatar)
    throw new InvalidInputError('Nothing to change: give a name, a bio or an avatar.');
  const card = documentOf(actor.webId);
  const index = new QuadIndex((await readRdf(actor.fetch, card)).quads);
  const deletes: Quad[] = [];
  const inserts: Quad[] = [];
  const replace = (
    predicates: string[],
    value: ReturnType<typeof literal> | ReturnType<typeof namedNode> | undefined,
  ) => {
    for (const predicate of predicates) {
      for (const old of index.objectsOf(actor.webId, predicate))
        deletes.push(triple(actor.webId, namedNode(predicate), old));
      if (value) inserts.push(triple(actor.webId, namedNode(predicate), value));
    }
  };
  if (change.name !== undefined)
    replace([`${FOAF}name`, `${AS}name`], change.name === '' ? undefined : literal(change.name));
  if (change.bio !== undefined) {
    replace([`${AS}summary`], change.bio === '' ? undefined : literal(textToHtml(change.bio)));
    replace([`${VCARD}note`], change.bio === '' ? undefined : literal(change.bio));
  }
  let oldAvatar: string | undefined;
  if (change.avatar) {
    oldAvatar = index.objectOf(actor.webId, `${AS}icon`)?.value;
    replace([`${AS}icon`, `${VCARD}hasPhoto`], namedNode(await uploadAvatar(actor, change.avatar)));
  }
  await patchDocument(actor.fetch, card, { deletes, inserts }, 'Updating the profile');
  // The old avatar goes only if it is a file directly in profile/ other than the profile itself: the profile's text,
  // which another version or app may have written, is not trusted to name what the owner deletes.
  const profileArea = await ownArea(actor, 'profile');
  if (oldAvatar && isUploadIn(oldAvatar, profileArea) && canonicalUrl(oldAvatar) !== canonicalUrl(card)) {
    await deleteUpload(actor, canonicalUrl(oldAvatar)!);
  }
  return getProfile(actor.fetch, actor.webId);
}

async function uploadAvatar(actor: Actor, image: ImageInput): Promise<string> {
  image = checkImage(image); // its content decides its media type (text, empty files and SVG are refused)
  if (image.data.byteLength > maxImageBytes)
    throw new InvalidInputError(`Images may have at most ${maxImageBytes / 1024 / 1024} MB.`);
  const extension = image.mediaType.slice(6).replace(/\+.*$/u, '').replace('jpeg', 'jpg');
  const url = `${await ownArea(actor, 'profile')}avatar-${newId()}.${extension}`;
  const response = await actor.fetch(url, {
    method: 'PUT',
    headers: { 'content-type': image.mediaType },
    body: new Blob([new Uint8Array(image.data)], { type: image.mediaType }),
  });
  if (!response.ok) throw await httpErrorFor(response, `Uploading the avatar to ${url}`);
  await response.body?.cancel();
  return url;
}

/** Time `readNames` takes at most unless told otherwise, in ms. */
export const defaultNamesDeadlineMs = 5_000;

/** Profiles `readNames` reads at a time. */
export const namesConcurrency = 4;

/** Longest display name `readNames` answers, in characters: longer ones are cut. */
export const maxShownNameLength = 100;

/**
 * Display names of people, read from their public WebID profiles without credentials: at most `namesConcurrency` at a
 * time, all within `deadlineMs` (default 5 s), each read bounded by `limits`. A name is someone else's text: it comes
 * back
 * cleaned (`cleanText`, one line). Whoever has no name, or whose profile cannot be read in time, is left out of the
 * map.
 */
export async function readNames(
  fetchFn: typeof fetch,
  webIds: readonly string[],
  options: ReadLimits & { deadlineMs?: number } = {},
): Promise<Map<string, string>> {
  const { deadlineMs = defaultNamesDeadlineMs, ...limits } = options;
  const deadline = new Deadline(deadlineMs, limits.signal);
  const names = new Map<string, string>();
  const people = [...new Set(webIds)].filter((webId) => canonicalUrl(webId) !== undefined);
  try {
    await mapBounded(people, namesConcurrency, async (webId) => {
      if (deadline.signal.aborted) return;
      try {
        const name = cleanText(
          (await getProfile(fetchFn, webId, { ...limits, signal: deadline.signal })).name ?? '',
          maxShownNameLength,
        );
        if (name) names.set(webId, name);
      } catch (error: unknown) {
        if (!(error instanceof HearthError)) throw error; // unreadable, slow or broken: shown by WebID
      }
    });
  } finally {
    deadline.clear();
  }
  return names;
}
