import type { Quad } from 'n3';
import { httpErrorFor } from '../errors.js';
import { serializeWithin } from '../rdf.js';
import { SOLID } from '../vocab.js';

/** The change an N3 Patch makes: exact triples deleted, then exact triples inserted. */
export interface TripleChange {
  /** Triples added (after the deletes). */
  inserts?: Quad[];
  /** Triples removed; the server refuses the patch when one is not there. */
  deletes?: Quad[];
}

/**
 * The body of a Solid N3 Patch (`solid:InsertDeletePatch`) deleting then inserting exact triples; with `maxBytes`,
 * undefined when its deletes or its inserts would take more than that as N-Triples (never made larger).
 */
export function n3PatchBody(change: TripleChange): string;
export function n3PatchBody(change: TripleChange, maxBytes: number): string | undefined;
export function n3PatchBody(change: TripleChange, maxBytes = Infinity): string | undefined {
  const deletes = change.deletes?.length ? serializeWithin(change.deletes, maxBytes, 'N-Triples') : '';
  const inserts = change.inserts?.length ? serializeWithin(change.inserts, maxBytes, 'N-Triples') : '';
  if (deletes === undefined || inserts === undefined) return undefined;
  const parts = [`@prefix solid: <${SOLID}>.`, '_:patch a solid:InsertDeletePatch'];
  if (deletes) parts.push(`;\n  solid:deletes {\n${deletes}}`);
  if (inserts) parts.push(`;\n  solid:inserts {\n${inserts}}`);
  return `${parts.join('')}.\n`;
}

/** Applies an N3 Patch to `url` (created when missing); the server applies it atomically. */
export async function patchDocument(
  fetchFn: typeof fetch,
  url: string,
  change: TripleChange,
  action: string,
): Promise<void> {
  const response = await fetchFn(url, {
    method: 'PATCH',
    headers: { 'content-type': 'text/n3' },
    body: n3PatchBody(change),
  });
  if (!response.ok) throw await httpErrorFor(response, action);
  await response.body?.cancel();
}
