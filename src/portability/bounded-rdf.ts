// RDF of an untrusted archive, read and written within limits: what one document may cost `import` whatever it holds.
import type { Quad, Term } from 'n3';
import { BadDataError, TooManyTriplesError, parseTurtleBounded } from '../rdf.js';
import { readAll, utf8 } from './archive-format.js';

/** How much of one RDF document import reads, parses and writes. */
export interface RdfLimits {
  /** Largest document read, and largest written after the rewrite (bytes). */
  maxRdfBytes: number;
  /** Most triples parsed. */
  maxTriples: number;
}

/**
 * Characters of IRIs and literals a document may expand to (prefixes and relative IRIs written out), per byte of the
 * limit.
 */
const expansionPerByte = 4;

/** Which limit of `RdfLimits` an entry went past. */
export type RdfLimit = keyof RdfLimits;

/** A document as read from the archive, or why it is not imported (and the limit it went past, if that is why). */
export type RdfEntry = { quads: Quad[] } | { refused: string; limit?: RdfLimit };

/**
 * Reads an RDF entry within `limits`: not read at all past `maxRdfBytes`, parsed up to `maxTriples` triples (the parse
 * stops
 * there, however dense the Turtle), refused when its IRIs and literals would take more than four times `maxRdfBytes`
 * once
 * prefixes and relative IRIs are written out. Answers its triples, or the reason it is refused.
 */
export async function readRdfEntry(
  stream: AsyncIterable<Uint8Array>,
  size: number,
  base: string,
  limits: RdfLimits,
): Promise<RdfEntry> {
  if (size > limits.maxRdfBytes)
    return {
      refused: `it is larger than ${bytes(limits.maxRdfBytes)}, the most Hearth reads of one RDF document`,
      limit: 'maxRdfBytes',
    };
  const text = utf8(await readAll(stream, limits.maxRdfBytes, 'An RDF document'));
  const budget = expansionPerByte * limits.maxRdfBytes;
  const tooLarge = `its IRIs and literals, written out, take more than ${bytes(budget)}`;
  // A long base repeated by many relative IRIs is refused before the parser makes every one of them.
  if (resolvedIriChars(text, base.length) > budget) return { refused: tooLarge, limit: 'maxRdfBytes' };
  let quads: Quad[];
  try {
    quads = await parseTurtleBounded(text, base, { maxTriples: limits.maxTriples });
  } catch (error: unknown) {
    if (error instanceof TooManyTriplesError)
      return {
        refused: `it holds more than ${limits.maxTriples} triples, the most Hearth reads of one document`,
        limit: 'maxTriples',
      };
    if (error instanceof BadDataError) return { refused: 'it is not valid Turtle' };
    throw error;
  }
  // Prefixed names are cheap until the rewrite makes strings of them: counted first (lengths, without making them).
  if (termChars(quads) > budget) return { refused: tooLarge, limit: 'maxRdfBytes' };
  return { quads };
}

/**
 * Whether two graphs can be compared by `sameGraph` in bounded time: its canonical labelling of blank nodes costs about
 * (blank nodes × triples) per graph, which a list of many thousand items would make hours.
 */
export function comparable(a: readonly Quad[], b: readonly Quad[]): boolean {
  const work = (quads: readonly Quad[]) => {
    const blanks = new Set<string>();
    for (const q of quads) for (const t of [q.subject, q.object]) if (t.termType === 'BlankNode') blanks.add(t.value);
    return blanks.size * quads.length;
  };
  return work(a) + work(b) <= 5_000_000;
}

/** A size for messages: `16 MiB`, `512 KiB`, `100 bytes`. */
export function bytes(count: number): string {
  if (count >= 1024 ** 2 && count % 1024 ** 2 === 0) return `${count / 1024 ** 2} MiB`;
  if (count >= 1024 && count % 1024 === 0) return `${count / 1024} KiB`;
  return `${count} bytes`;
}

/**
 * The characters of every term of `quads` (by their lengths: prefixed names the parser joined are not made into
 * strings).
 */
function termChars(quads: readonly Quad[]): number {
  let total = 0;
  for (const q of quads) total += tripleChars(q);
  return total;
}

/** The characters of a triple's terms; a quoted triple (RDF-star, which the parser accepts) counts its own. */
function tripleChars(q: { subject: Term; predicate: Term; object: Term; graph: Term }): number {
  const chars = (t: Term): number => {
    const quoted = t as unknown as { termType: string; subject: Term; predicate: Term; object: Term; graph: Term };
    return quoted.termType === 'Quad' ? tripleChars(quoted) : ((t as { id?: string }).id ?? t.value).length;
  };
  return chars(q.subject) + chars(q.predicate) + chars(q.object) + chars(q.graph);
}

/**
 * At most the characters the parser makes resolving the relative IRIs of `text`: each is resolved against a base (the
 * document's URL, or an `@base` of the text, counted in full even when relative) into a new string of about both
 * lengths.
 * A linear scan of `<...>` tokens: it may count a `<...>` inside a literal, never miss an IRI.
 */
export function resolvedIriChars(text: string, baseLength: number): number {
  let total = 0;
  let base = baseLength;
  for (let at = text.indexOf('<'); at !== -1; at = text.indexOf('<', at + 1)) {
    let end = at + 1;
    while (end < text.length && iriChar(text.charCodeAt(end))) end += 1;
    if (text.charCodeAt(end) === 0x3e) {
      const length = end - at - 1;
      if (/(?:^|[^\w:@-])@?base\s*$/iu.test(text.slice(Math.max(0, at - 16), at))) base += length;
      else if (!/^[a-z][a-z0-9+.-]*:/iu.test(text.slice(at + 1, Math.min(end, at + 64)))) total += base + length;
    }
    at = end - 1;
  }
  return total;
}

/** Whether a character may be in an IRI written `<...>` in Turtle (escapes included). */
function iriChar(code: number): boolean {
  return (
    code > 0x20 &&
    code !== 0x3c &&
    code !== 0x3e &&
    code !== 0x22 &&
    code !== 0x7b &&
    code !== 0x7d &&
    code !== 0x7c &&
    code !== 0x5e &&
    code !== 0x60
  );
}
