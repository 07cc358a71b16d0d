import { createHash } from 'node:crypto';
import { Parser, Writer, type Quad, type Term } from 'n3';
import { HearthError } from './errors.js';
import { ACL, ACP, AS, DCT, FOAF, LDP, PIM, RDF, SOLID, XSD } from './vocab.js';

/** Data read from somewhere could not be parsed as RDF. */
export class BadDataError extends HearthError {
  /** The URL the data came from. */
  readonly url: string;
  constructor(url: string, message: string) {
    super('BAD_DATA', message);
    this.url = url;
  }
}

/** The prefixes Hearth writes Turtle with. */
export const prefixes = { as: AS, acp: ACP, acl: ACL, dct: DCT, foaf: FOAF, ldp: LDP, pim: PIM, rdf: RDF, solid: SOLID, xsd: XSD };

/** Parses Turtle from `url`; throws BadDataError (never a parser crash) when it is not Turtle. */
export function parseTurtle(text: string, url: string): Quad[] {
  try {
    return new Parser({ baseIRI: url }).parse(text);
  } catch (error: unknown) {
    throw new BadDataError(url, `${url} is not valid Turtle: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Serializes quads as Turtle with Hearth's prefixes. */
export function writeTurtle(quads: Quad[]): string {
  return serialize(quads, { prefixes });
}

/** Serializes quads as N-Triples: one escaped triple a line, as N3 Patch bodies want them. */
export function writeNTriples(quads: Quad[]): string {
  return serialize(quads, { format: 'N-Triples' });
}

function serialize(quads: Quad[], options: { format?: string; prefixes?: Record<string, string> }): string {
  const writer = new Writer(options);
  writer.addQuads(quads);
  let out = '';
  writer.end((error, result) => {
    if (error) throw error;
    out = result;
  });
  return out;
}

/**
 * A canonical form of a graph: sorted N-Triples-like lines with blank nodes labelled by a hash of their surroundings
 * (iterated). Equal for isomorphic graphs of the shapes Hearth meets (trees of blank nodes, as in ACRs).
 */
export function canonicalLines(quads: readonly Quad[]): string[] {
  const blanks = new Set<string>();
  for (const q of quads) for (const t of [q.subject, q.object]) if (t.termType === 'BlankNode') blanks.add(t.value);
  let labels = new Map([...blanks].map((b) => [b, '']));
  for (let round = 0; round < 4 && blanks.size > 0; round++) {
    const next = new Map<string, string>();
    for (const b of blanks) {
      const lines = quads.filter((q) => q.subject.value === b && q.subject.termType === 'BlankNode' ||
        q.object.value === b && q.object.termType === 'BlankNode')
        .map((q) => line(q, (t) => (t.value === b ? '_:self' : `_:${labels.get(t.value)}`))).sort();
      next.set(b, createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16));
    }
    labels = next;
  }
  return [...new Set(quads.map((q) => line(q, (t) => `_:${labels.get(t.value)}`)))].sort();
}

/** Whether two graphs are the same (isomorphic for the shapes `canonicalLines` handles). */
export function sameGraph(a: readonly Quad[], b: readonly Quad[]): boolean {
  const left = canonicalLines(a);
  const right = canonicalLines(b);
  return left.length === right.length && left.every((value, index) => value === right[index]);
}

function line(q: Quad, blank: (t: Term) => string): string {
  const term = (t: Term) => (t.termType === 'BlankNode' ? blank(t) : termKey(t));
  return `${term(q.subject)} ${term(q.predicate)} ${term(q.object)}${q.graph.termType === 'DefaultGraph' ? '' : ` ${term(q.graph)}`} .`;
}

/** A term as N-Triples-like text (blank nodes by label). */
export function termKey(t: Term): string {
  if (t.termType === 'NamedNode') return `<${t.value}>`;
  if (t.termType === 'BlankNode') return `_:${t.value}`;
  if (t.termType === 'Literal') return `${JSON.stringify(t.value)}${t.language ? `@${t.language}` : `^^<${t.datatype.value}>`}`;
  if (t.termType === 'DefaultGraph') return '';
  return `?${t.value}`;
}
