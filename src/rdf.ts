import { Parser, Writer, type Quad } from 'n3';
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
