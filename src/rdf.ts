import { DataFactory, Parser, Writer, type Quad, type Term } from 'n3';
import { HearthError } from './errors.js';
import { sha256Hex } from './hash.js';
import { utf8Length } from './text.js';
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

const { namedNode, literal, quad } = DataFactory;

/** A named node of ActivityStreams. */
export const as = (name: string) => namedNode(`${AS}${name}`);
/** `rdf:type`. */
export const rdfType = namedNode(`${RDF}type`);
/** A triple (default graph). */
export const triple = (s: string | Term, p: Term, o: Term): Quad =>
  quad(typeof s === 'string' ? namedNode(s) : (s as never), p as never, o as never);
/** An `xsd:dateTime` literal. */
export const dateLiteral = (date: Date) => literal(date.toISOString(), namedNode(`${XSD}dateTime`));

/** A short random id that sorts by creation time: `<base36 ms><random>`. */
export function newId(now = Date.now()): string {
  const random = crypto.getRandomValues(new Uint8Array(5));
  return `${now.toString(36)}${Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** URL without its fragment: the document a fragment IRI (`…/card#me`) is in. */
export function documentOf(url: string): string {
  const parsed = new URL(url);
  parsed.hash = '';
  return parsed.href;
}

/** The prefixes Hearth writes Turtle with. */
export const prefixes = {
  as: AS,
  acp: ACP,
  acl: ACL,
  dct: DCT,
  foaf: FOAF,
  ldp: LDP,
  pim: PIM,
  rdf: RDF,
  solid: SOLID,
  xsd: XSD,
};

/** Parses Turtle from `url`; throws BadDataError (never a parser crash) when it is not Turtle. */
export function parseTurtle(text: string, url: string): Quad[] {
  try {
    return new Parser({ baseIRI: url }).parse(text);
  } catch (error: unknown) {
    throw new BadDataError(
      url,
      `${url} is not valid Turtle: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Serializes quads as Turtle with Hearth's prefixes. */
export function writeTurtle(quads: readonly Quad[]): string {
  return serializeWithin(quads, Infinity)!;
}

/** Serializes quads as N-Triples: one escaped triple a line, as N3 Patch bodies want them. */
export function writeNTriples(quads: readonly Quad[]): string {
  return serializeWithin(quads, Infinity, 'N-Triples')!;
}

/**
 * Turtle (or N-Triples) of `quads` with Hearth's prefixes, or undefined past `maxBytes`: never made larger than that.
 */
export function serializeWithin(quads: readonly Quad[], maxBytes: number, format?: 'N-Triples'): string | undefined {
  const chunks: string[] = [];
  let size = 0;
  const sink = {
    write: (chunk: string) => {
      chunks.push(chunk);
      size += utf8Length(chunk);
      return true;
    },
    end: () => undefined,
  };
  const writer = new Writer(
    sink as unknown as NodeJS.WritableStream,
    format ? { format, end: false } : { prefixes, end: false },
  );
  for (const q of quads) {
    writer.addQuad(q);
    if (size > maxBytes) return undefined;
  }
  writer.end();
  return size > maxBytes ? undefined : chunks.join('');
}

/**
 * A canonical form of a graph: sorted N-Triples-like lines with blank nodes labelled by a hash of their surroundings
 * (iterated). Equal for isomorphic graphs of the shapes Hearth meets (trees of blank nodes, as in ACRs).
 */
export function canonicalLines(quads: readonly Quad[]): string[] {
  // Each blank node's quads, gathered once: a round costs time linear in the graph, not in blanks × quads.
  const around = new Map<string, Quad[]>();
  for (const q of quads) {
    for (const t of new Set(
      [q.subject, q.object].filter((term) => term.termType === 'BlankNode').map((term) => term.value),
    )) {
      const list = around.get(t);
      if (list) list.push(q);
      else around.set(t, [q]);
    }
  }
  let labels = new Map([...around.keys()].map((b) => [b, '']));
  for (let round = 0; round < 4 && around.size > 0; round++) {
    const next = new Map<string, string>();
    for (const [b, near] of around) {
      const lines = near.map((q) => line(q, (t) => (t.value === b ? '_:self' : `_:${labels.get(t.value)}`))).sort();
      next.set(b, sha256Hex(lines.join('\n')).slice(0, 16));
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
  return (
    `${term(q.subject)} ${term(q.predicate)} ${term(q.object)}` +
    `${q.graph.termType === 'DefaultGraph' ? '' : ` ${term(q.graph)}`} .`
  );
}

/** A term as N-Triples-like text (blank nodes by label). */
export function termKey(t: Term): string {
  if (t.termType === 'NamedNode') return `<${t.value}>`;
  if (t.termType === 'BlankNode') return `_:${t.value}`;
  if (t.termType === 'Literal')
    return `${JSON.stringify(t.value)}${t.language ? `@${t.language}` : `^^<${t.datatype.value}>`}`;
  if (t.termType === 'DefaultGraph') return '';
  return `?${t.value}`;
}

/** Data read from somewhere holds more triples than Hearth reads from one document. */
export class TooManyTriplesError extends BadDataError {
  constructor(url: string, maxTriples: number) {
    super(url, `${url} holds more than ${maxTriples} triples: more than Hearth reads from one document`);
  }
}

/** Most triples read from one document of someone else's unless told otherwise. */
export const defaultMaxTriples = 100_000;

/**
 * An incremental parse of Turtle from an untrusted source, fed piece by piece (`write`, then `end`): it stops at once
 * at
 * `maxTriples` triples, so memory stays bounded by the limit, not by what dense Turtle such as long lists expands to.
 * Throws BadDataError (TooManyTriplesError past the limit), never a parser crash.
 */
export class BoundedTurtleParser {
  private readonly quads: Quad[] = [];
  private count = 0;
  private readonly input = new TextSource();
  private failure: unknown;

  /**
   * With `onQuad`, each triple is handed to it as it is parsed and none is kept (`end` then answers none): memory stays
   * bounded by what `onQuad` keeps.
   */
  constructor(
    private readonly url: string,
    private readonly maxTriples = defaultMaxTriples,
    onQuad?: (quad: Quad) => void,
  ) {
    // The parser reads from a source fed by hand: pieces stay strings (a surrogate pair cut in two is joined again),
    // and a throw from the quad callback stops the parse in the middle of a piece.
    new Parser({ baseIRI: url }).parse(this.input as unknown as NodeJS.ReadableStream, {
      onQuad: (error, quad) => {
        if (error) this.failure ??= error;
        else if (quad) {
          if (this.count >= this.maxTriples) throw new TooManyTriplesError(this.url, this.maxTriples);
          this.count += 1;
          if (onQuad) onQuad(quad);
          else this.quads.push(quad);
        }
      },
    });
  }

  /** Triples parsed so far. */
  get size(): number {
    return this.count;
  }

  /** Parses one more piece of the text. */
  write(text: string): void {
    this.step(() => this.input.emit('data', text));
  }

  /** Ends the text: answers every triple, or throws when the text ends in the middle of a statement. */
  end(): Quad[] {
    this.step(() => this.input.emit('end'));
    return this.quads;
  }

  private step(action: () => void): void {
    if (this.failure === undefined) {
      try {
        action();
      } catch (error: unknown) {
        this.failure = error;
      }
    }
    if (this.failure === undefined) return;
    if (this.failure instanceof BadDataError) throw this.failure;
    const message = this.failure instanceof Error ? this.failure.message : String(this.failure);
    throw new BadDataError(this.url, `${this.url} is not valid Turtle: ${message}`);
  }
}

/**
 * What n3's parser reads from: it only listens to `data`, `end` and `error` (one listener each), and `emit` calls them
 * at once, as an EventEmitter would, so the browser needs no Node events module.
 */
class TextSource {
  private readonly listeners = new Map<string, (value?: string) => void>();

  on(event: string, listener: (value?: string) => void): this {
    this.listeners.set(event, listener);
    return this;
  }

  emit(event: 'data' | 'end', value?: string): void {
    this.listeners.get(event)?.(value);
  }
}

/**
 * Parses Turtle from an untrusted source without letting it take the process: at most `maxTriples` triples (see
 * BoundedTurtleParser), in slices of `sliceChars` characters (default 64 K) with a turn of the event loop between them,
 * so
 * other work goes on. Throws BadDataError (TooManyTriplesError past the limit); the signal's reason when it aborts.
 */
export async function parseTurtleBounded(
  text: string,
  url: string,
  options: { maxTriples?: number; sliceChars?: number; signal?: AbortSignal } = {},
): Promise<Quad[]> {
  const slice = Math.max(2, options.sliceChars ?? 64 * 1024);
  const parser = new BoundedTurtleParser(url, options.maxTriples ?? defaultMaxTriples);
  for (let start = 0; start < text.length; start += slice) {
    options.signal?.throwIfAborted();
    parser.write(text.slice(start, start + slice));
    if (start + slice < text.length) await nextTurn();
  }
  options.signal?.throwIfAborted();
  return parser.end();
}

/**
 * Waits for the next turn of the event loop, after the I/O that is waiting (`setImmediate` in Node; a zero-delay
 * timer where there is none, as in a browser).
 */
export function nextTurn(): Promise<void> {
  const { setImmediate: immediate } = globalThis as { setImmediate?: (callback: () => void) => unknown };
  return new Promise((resolve) => {
    if (immediate) immediate(resolve);
    else setTimeout(resolve, 0);
  });
}

const rdfTypeIri = `${RDF}type`;

/**
 * Triples grouped by subject (and, for subjects with many, by predicate), in one pass: a lookup costs what it finds,
 * not
 * a scan of every triple, so reading many subjects of a document is linear in its size.
 */
export class QuadIndex {
  private readonly subjects = new Map<string, Quad[]>();
  private readonly byPredicate = new Map<string, Map<string, Term[]>>();
  private readonly types = new Map<string, string[]>();

  constructor(quads: Iterable<Quad>) {
    for (const q of quads) {
      const about = this.subjects.get(q.subject.value);
      if (about) about.push(q);
      else this.subjects.set(q.subject.value, [q]);
      if (q.predicate.value === rdfTypeIri && q.subject.termType === 'NamedNode') {
        const typed = this.types.get(q.object.value);
        if (typed) typed.push(q.subject.value);
        else this.types.set(q.object.value, [q.subject.value]);
      }
    }
  }

  /** Every triple whose subject is `subject`, in document order (empty when there is none). */
  about(subject: string): readonly Quad[] {
    return this.subjects.get(subject) ?? [];
  }

  /** Whether `subject` is the subject of any triple. */
  has(subject: string): boolean {
    return this.subjects.has(subject);
  }

  /** The first object of `subject predicate ?`. */
  objectOf(subject: string, predicate: string): Term | undefined {
    const about = this.subjects.get(subject);
    if (!about) return undefined;
    if (about.length <= smallSubject) return about.find((q) => q.predicate.value === predicate)?.object;
    return this.predicatesOf(subject, about).get(predicate)?.[0];
  }

  /** Every object of `subject predicate ?`. */
  objectsOf(subject: string, predicate: string): Term[] {
    const about = this.subjects.get(subject);
    if (!about) return [];
    if (about.length <= smallSubject) return about.filter((q) => q.predicate.value === predicate).map((q) => q.object);
    return [...(this.predicatesOf(subject, about).get(predicate) ?? [])];
  }

  /** Whether `subject` has `rdf:type type`. */
  hasType(subject: string, type: string): boolean {
    return this.objectsOf(subject, rdfTypeIri).some((t) => t.value === type);
  }

  /** Subjects (named nodes) with `rdf:type type`, each once, in document order. */
  subjectsOfType(type: string): string[] {
    return [...new Set(this.types.get(type) ?? [])];
  }

  /** The objects of a subject with many triples, by predicate (made once, on first use). */
  private predicatesOf(subject: string, about: Quad[]): Map<string, Term[]> {
    let predicates = this.byPredicate.get(subject);
    if (!predicates) {
      predicates = new Map();
      for (const q of about) {
        const objects = predicates.get(q.predicate.value);
        if (objects) objects.push(q.object);
        else predicates.set(q.predicate.value, [q.object]);
      }
      this.byPredicate.set(subject, predicates);
    }
    return predicates;
  }
}

/** Subjects with at most this many triples are scanned; larger ones get a map by predicate. */
const smallSubject = 32;
