import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import type { Quad, Term } from 'n3';
import { parseTurtle } from '../rdf.js';
import { AS, RDF, XSD } from '../vocab.js';
import type { SpooledBody } from './archive.js';

/** The JSON-LD context of ActivityStreams 2.0. */
export const activityStreamsContext = 'https://www.w3.org/ns/activitystreams';

/** A JSON-LD object of ActivityStreams 2.0. */
export type AsObject = Record<string, unknown>;

/**
 * The `as:Note`s of a Turtle document as ActivityStreams 2.0 JSON-LD objects (compacted by hand against the AS context):
 * every `as:` property, nested objects for the note's own fragments (attachments), IRIs as `id` strings.
 */
export function notesAsJson(quads: readonly Quad[]): AsObject[] {
  const bySubject = new Map<string, Quad[]>();
  for (const q of quads) {
    const list = bySubject.get(q.subject.value) ?? [];
    list.push(q);
    bySubject.set(q.subject.value, list);
  }
  const notes = quads.filter((q) => q.predicate.value === `${RDF}type` && q.object.value === `${AS}Note`).map((q) => q.subject.value);
  return [...new Set(notes)].map((note) => describeNode(note, bySubject, new Set([note])));
}

function describeNode(subject: string, bySubject: Map<string, Quad[]>, seen: Set<string>): AsObject {
  const object: AsObject = { id: subject };
  for (const q of bySubject.get(subject) ?? []) {
    if (q.predicate.value === `${RDF}type`) {
      if (q.object.value.startsWith(AS)) addValue(object, 'type', q.object.value.slice(AS.length));
      continue;
    }
    if (!q.predicate.value.startsWith(AS)) continue;
    const key = q.predicate.value.slice(AS.length);
    addValue(object, key, valueOf(q.object, bySubject, seen, subject));
  }
  return object;
}

function valueOf(term: Term, bySubject: Map<string, Quad[]>, seen: Set<string>, parent: string): unknown {
  if (term.termType === 'Literal') {
    const datatype = term.datatype.value;
    if (datatype === `${XSD}integer` || datatype === `${XSD}nonNegativeInteger`) return Number(term.value);
    if (datatype === `${XSD}boolean`) return term.value === 'true';
    return term.value;
  }
  // The note's own parts (attachments as `<note>-image0`) become nested objects; anything else stays a link.
  const own = term.value.startsWith(parent.split('#')[0]!) && bySubject.has(term.value) && !seen.has(term.value);
  if (own && term.value !== parent) {
    seen.add(term.value);
    return describeNode(term.value, bySubject, seen);
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

/**
 * Writes an `as:OrderedCollection` outbox of Create activities to a file, note after note:
 * the activities are never all in memory.
 */
export class OutboxWriter {
  private count = 0;
  private constructor(private readonly path: string, private readonly stream: WriteStream, private readonly actor: string) {}

  /** Starts an outbox file for the actor `webId`. */
  static async create(path: string, webId: string): Promise<OutboxWriter> {
    const stream = createWriteStream(path);
    const writer = new OutboxWriter(path, stream, webId);
    await writer.write(`{\n "@context": ${JSON.stringify(activityStreamsContext)},\n "type": "OrderedCollection",\n` +
      ` "attributedTo": ${JSON.stringify(webId)},\n "orderedItems": [`);
    return writer;
  }

  /** Adds the notes of one Turtle document (those attributed to the actor, or with no author). Unparseable documents are skipped. */
  async addDocument(turtle: string, url: string): Promise<void> {
    let quads: Quad[];
    try {
      quads = parseTurtle(turtle, url);
    } catch {
      return;
    }
    for (const note of notesAsJson(quads)) {
      if (note.attributedTo !== undefined && note.attributedTo !== this.actor) continue;
      await this.write(`${this.count ? ',' : ''}\n  ${JSON.stringify(createActivity(note, this.actor))}`);
      this.count += 1;
    }
  }

  /** Ends the collection and answers it as a spooled body for the archive. */
  async finish(): Promise<SpooledBody> {
    await this.write(`\n ],\n "totalItems": ${this.count}\n}\n`);
    await new Promise<void>((resolve, reject) => this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
    const hash = createHash('sha256');
    const { createReadStream } = await import('node:fs');
    for await (const chunk of createReadStream(this.path)) hash.update(chunk as Buffer);
    return { kind: 'file', path: this.path, size: (await stat(this.path)).size, sha256: hash.digest('hex') };
  }

  private async write(text: string): Promise<void> {
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }
}
