import type { Quad } from 'n3';
import { documentOf } from '../rdf.js';
import { HearthError, InvalidInputError } from '../errors.js';
import { canonicalUrl } from '../url.js';
import { AS } from '../vocab.js';
import { readRdf, type ReadLimits } from './remote.js';

/** Most `as:movedTo` hops followed (a moved account may move again). */
const maxHops = 5;

/**
 * Where a person now is: follows `as:movedTo` from their profile, hop by hop (at most 5, no loops), and accepts a hop
 * only
 * when the new profile names the old WebID with `as:alsoKnownAs` (so nobody can redirect followers to an account that
 * did
 * not agree). Answers `webId` itself when they have not moved or the move cannot be confirmed. Never throws a read
 * failure.
 */
export async function resolveMovedTo(fetchFn: typeof fetch, webId: string, limits: ReadLimits = {}): Promise<string> {
  let current = webId;
  const seen = new Set([webId]);
  for (let hop = 0; hop < maxHops; hop++) {
    let target: string | undefined;
    try {
      target = await confirmedMoveOf(fetchFn, current, limits);
    } catch (error: unknown) {
      // A profile that cannot be read confirms nothing: they are taken to be where they were.
      if (error instanceof HearthError) return current;
      throw error;
    }
    if (!target || seen.has(target)) return current;
    seen.add(target);
    current = target;
  }
  return current;
}

/**
 * One hop of a move, confirmed both ways: the WebID that `webId`'s profile names with `as:movedTo`, when that WebID's
 * profile names `webId` with `as:alsoKnownAs`; undefined when the profile states no move or the new one does not
 * confirm
 * it. A profile that cannot be read throws its typed error, so that "not confirmed" and "not checked" stay apart.
 */
export async function confirmedMoveOf(
  fetchFn: typeof fetch,
  webId: string,
  limits: ReadLimits = {},
): Promise<string | undefined> {
  if (!canonicalUrl(webId)) throw new InvalidInputError(`"${webId}" is not a WebID (an http(s) URL).`);
  const target = movedToIn((await readRdf(fetchFn, documentOf(webId), limits)).quads, webId);
  if (!target || !canonicalUrl(target)) return undefined;
  const confirmed = (await readRdf(fetchFn, documentOf(target), limits)).quads.some(
    (q) => q.subject.value === target && q.predicate.value === `${AS}alsoKnownAs` && q.object.value === webId,
  );
  return confirmed ? target : undefined;
}

/**
 * The `as:movedTo` a set of quads states for `webId` (a profile, or a posts container listing), if any other than
 * itself.
 */
export function movedToIn(quads: Quad[], webId: string): string | undefined {
  const target = quads.find(
    (q) => q.subject.value === webId && q.predicate.value === `${AS}movedTo` && q.object.termType === 'NamedNode',
  )?.object.value;
  return target && target !== webId ? target : undefined;
}
