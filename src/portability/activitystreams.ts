// ActivityStreams 2.0 of a pod's posts, platform-neutral: notes as AS2 JSON-LD and their Create activities. The outbox
// file an export writes is made in node/outbox-file.ts.
import type { Quad, Term } from 'n3';
import { QuadIndex } from '../rdf.js';
import { areaUrl } from '../social/layout.js';
import { textOf } from '../social/model.js';
import { textToHtml } from '../text.js';
import { AS, RDF, XSD } from '../vocab.js';

/** The JSON-LD context of ActivityStreams 2.0. */
export const activityStreamsContext = 'https://www.w3.org/ns/activitystreams';

/**
 * The IRI of a pod's exported outbox: the collection of the posts in its posts container, `<pod>social/posts/#outbox`
 * (an identifier; Hearth serves no ActivityPub outbox there).
 */
export function outboxIdOf(podUrl: string): string {
  return `${areaUrl(podUrl, 'posts')}#outbox`;
}

/** A JSON-LD object of ActivityStreams 2.0. */
export type AsObject = Record<string, unknown>;

/**
 * The `as:Note`s of a Turtle document as ActivityStreams 2.0 JSON-LD objects (compacted by hand against the AS
 * context):
 * every `as:` property, nested objects for the note's own fragments (attachments), IRIs as `id` strings. A note's text,
 * read as Hearth reads it (`textOf`: a plain-text source, else the content of an older post), is given as AS2 readers
 * want it: `content` escaped HTML, `source` `{ content: the text as written, mediaType: "text/plain" }`.
 */
export function notesAsJson(quads: readonly Quad[]): AsObject[] {
  const index = new QuadIndex(quads);
  const notes = quads
    .filter((q) => q.predicate.value === `${RDF}type` && q.object.value === `${AS}Note`)
    .map((q) => q.subject.value);
  return [...new Set(notes)].map((note) => {
    const object = describeNode(note, index, new Set([note]));
    const text = textOf(index, note);
    return text === undefined
      ? object
      : { ...object, content: textToHtml(text), source: { content: text, mediaType: 'text/plain' } };
  });
}

function describeNode(subject: string, index: QuadIndex, seen: Set<string>): AsObject {
  const object: AsObject = { id: subject };
  for (const q of index.about(subject)) {
    if (q.predicate.value === `${RDF}type`) {
      if (q.object.value.startsWith(AS)) addValue(object, 'type', q.object.value.slice(AS.length));
      continue;
    }
    if (!q.predicate.value.startsWith(AS)) continue;
    const key = q.predicate.value.slice(AS.length);
    addValue(object, key, valueOf(q.object, index, seen, subject));
  }
  return object;
}

function valueOf(term: Term, index: QuadIndex, seen: Set<string>, parent: string): unknown {
  if (term.termType === 'Literal') {
    const datatype = term.datatype.value;
    if (datatype === `${XSD}integer` || datatype === `${XSD}nonNegativeInteger`) return Number(term.value);
    if (datatype === `${XSD}boolean`) return term.value === 'true';
    return term.value;
  }
  // The note's own parts (attachments as `<note>-image0`) become nested objects; anything else stays a link.
  const own = term.value.startsWith(parent.split('#')[0]!) && index.has(term.value) && !seen.has(term.value);
  if (own && term.value !== parent) {
    seen.add(term.value);
    return describeNode(term.value, index, seen);
  }
  return term.value;
}

function addValue(object: AsObject, key: string, value: unknown): void {
  const existing = object[key];
  if (existing === undefined) object[key] = value;
  else object[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
}

/** A `Create` activity for a note, by its author, public when the note says so or by default. */
export function createActivity(note: AsObject, actor: string): AsObject {
  return {
    id: `${String(note.id)}-create`,
    type: 'Create',
    actor,
    ...(note.published ? { published: note.published } : {}),
    to: note.to ?? ['https://www.w3.org/ns/activitystreams#Public'],
    object: note,
  };
}
