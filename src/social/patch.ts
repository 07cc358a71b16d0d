import { DataFactory, type Quad, type Term } from 'n3';
import { httpErrorFor } from '../errors.js';
import { writeNTriples } from '../rdf.js';
import { AS, RDF, SOLID, XSD } from '../vocab.js';

const { namedNode, literal, quad } = DataFactory;

/** A named node of ActivityStreams. */
export const as = (name: string) => namedNode(`${AS}${name}`);
/** `rdf:type`. */
export const rdfType = namedNode(`${RDF}type`);
/** A triple (default graph). */
export const triple = (s: string | Term, p: Term, o: Term): Quad =>
  quad(typeof s === 'string' ? namedNode(s) : s as never, p as never, o as never);
/** An `xsd:dateTime` literal. */
export const dateLiteral = (date: Date) => literal(date.toISOString(), namedNode(`${XSD}dateTime`));


/** The body of a Solid N3 Patch (`solid:InsertDeletePatch`) deleting then inserting exact triples. */
export function n3PatchBody(change: { inserts?: Quad[]; deletes?: Quad[] }): string {
  const parts = [`@prefix solid: <${SOLID}>.`, '_:patch a solid:InsertDeletePatch'];
  if (change.deletes?.length) parts.push(`;\n  solid:deletes {\n${writeNTriples(change.deletes)}}`);
  if (change.inserts?.length) parts.push(`;\n  solid:inserts {\n${writeNTriples(change.inserts)}}`);
  return `${parts.join('')}.\n`;
}

/** Applies an N3 Patch to `url` (created when missing); the server applies it atomically. */
export async function patchDocument(fetchFn: typeof fetch, url: string, change: { inserts?: Quad[]; deletes?: Quad[] }, action: string): Promise<void> {
  const response = await fetchFn(url, { method: 'PATCH', headers: { 'content-type': 'text/n3' }, body: n3PatchBody(change) });
  if (!response.ok) throw await httpErrorFor(response, action);
  await response.body?.cancel();
}

/** The first object of `subject predicate ?` in `quads`. */
export function objectOf(quads: readonly Quad[], subject: string, predicate: string): Term | undefined {
  return quads.find((q) => q.subject.value === subject && q.predicate.value === predicate)?.object;
}

/** Every object of `subject predicate ?` in `quads`. */
export function objectsOf(quads: readonly Quad[], subject: string, predicate: string): Term[] {
  return quads.filter((q) => q.subject.value === subject && q.predicate.value === predicate).map((q) => q.object);
}

/** Whether `subject` has `rdf:type type` in `quads`. */
export function hasType(quads: readonly Quad[], subject: string, type: string): boolean {
  return quads.some((q) => q.subject.value === subject && q.predicate.value === `${RDF}type` && q.object.value === type);
}

/** Subjects (named nodes) with `rdf:type type`. */
export function subjectsOfType(quads: readonly Quad[], type: string): string[] {
  return [...new Set(quads.filter((q) => q.predicate.value === `${RDF}type` && q.object.value === type && q.subject.termType === 'NamedNode')
    .map((q) => q.subject.value))];
}

/** A short random id that sorts by creation time: `<base36 ms><random>`. */
export function newId(now = Date.now()): string {
  const random = crypto.getRandomValues(new Uint8Array(5));
  return `${now.toString(36)}${Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** URL without its fragment. */
export function documentOf(url: string): string {
  const parsed = new URL(url);
  parsed.hash = '';
  return parsed.href;
}
