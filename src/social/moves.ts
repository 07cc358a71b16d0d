import type { Quad } from 'n3';
import { AS } from '../vocab.js';
import { documentOf } from './patch.js';
import { readRdf, type ReadLimits } from './remote.js';

/** Most `as:movedTo` hops followed (a moved account may move again). */
const maxHops = 5;

/**
 * Where a person now is: follows `as:movedTo` from their profile, hop by hop (at most 5, no loops), and accepts a hop only
 * when the new profile names the old WebID with `as:alsoKnownAs` (so nobody can redirect followers to an account that did
 * not agree). Answers `webId` itself when they have not moved or the move cannot be confirmed. Never throws.
 */
export async function resolveMovedTo(fetchFn: typeof fetch, webId: string, limits: ReadLimits = {}): Promise<string> {
  let current = webId;
  const seen = new Set([webId]);
  for (let hop = 0; hop < maxHops; hop++) {
    let target: string | undefined;
    try {
      const { quads } = await readRdf(fetchFn, documentOf(current), limits);
      target = quads.find((q) => q.subject.value === current && q.predicate.value === `${AS}movedTo` && q.object.termType === 'NamedNode')?.object.value;
      if (!target || seen.has(target) || !/^https?:\/\//u.test(target)) return current;
      const confirmed = (await readRdf(fetchFn, documentOf(target), limits)).quads
        .some((q) => q.subject.value === target && q.predicate.value === `${AS}alsoKnownAs` && q.object.value === current);
      if (!confirmed) return current;
    } catch {
      return current;
    }
    seen.add(target);
    current = target;
  }
  return current;
}

/** The `as:movedTo` a set of quads states for `webId` (a profile, or a posts container listing), if any other than itself. */
export function movedToIn(quads: Quad[], webId: string): string | undefined {
  const target = quads.find((q) => q.subject.value === webId && q.predicate.value === `${AS}movedTo` && q.object.termType === 'NamedNode')?.object.value;
  return target && target !== webId ? target : undefined;
}
