// The Node face of the ActivityStreams outbox: written to a file through a spool, and the AS2 context read from the
// copy shipped with Hearth.
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Quad } from 'n3';
import { BadDataError, parseTurtle } from '../../rdf.js';
import type { SpooledBody } from '../archive-format.js';
import type { OutboxSink } from '../export-core.js';
import { activityStreamsContext, createActivity, notesAsJson } from '../activitystreams.js';

/**
 * The file of that context shipped with Hearth (the W3C's document, as served at that IRI), to read outboxes offline.
 */
export const activityStreamsContextFile = fileURLToPath(
  new URL('../../../contexts/activitystreams.jsonld', import.meta.url),
);

/**
 * The ActivityStreams 2.0 context document shipped with Hearth, for a JSON-LD document loader that must not go online.
 */
export async function activityStreamsContextDocument(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(activityStreamsContextFile, 'utf8')) as Record<string, unknown>;
}

/** Where one activity lies in the spool, and what orders it. */
interface SpooledActivity {
  /** Its note's `published` time in ms (-Infinity when it has none: those come last). */
  time: number;
  /** Its id, to order activities of the same time. */
  id: string;
  offset: number;
  length: number;
}

/**
 * Writes an `as:OrderedCollection` outbox of Create activities to a file, newest first as ActivityPub wants, with its
 * own `id`. Activities are spooled to a side file as they come (documents arrive in any order) and only their times and
 * places are kept in memory; `finish` writes them in order.
 */
export class OutboxWriter implements OutboxSink {
  private readonly index: SpooledActivity[] = [];
  private spooled = 0;
  private constructor(
    private readonly path: string,
    private readonly spoolPath: string,
    private readonly spool: WriteStream,
    private readonly actor: string,
    private readonly id: string,
  ) {}

  /** Starts an outbox file for the actor `webId`; `id` is the collection's IRI. */
  static async create(path: string, webId: string, id: string): Promise<OutboxWriter> {
    const spoolPath = `${path}.activities`;
    return new OutboxWriter(path, spoolPath, createWriteStream(spoolPath), webId, id);
  }

  /**
   * Adds the notes of one Turtle document (those attributed to the actor, or with no author). Unparseable documents are
   * skipped.
   */
  async addDocument(turtle: string, url: string): Promise<void> {
    let quads: Quad[];
    try {
      quads = parseTurtle(turtle, url);
    } catch (error: unknown) {
      if (error instanceof BadDataError) return;
      throw error;
    }
    for (const note of notesAsJson(quads)) {
      if (note.attributedTo !== undefined && note.attributedTo !== this.actor) continue;
      const activity = createActivity(note, this.actor);
      const bytes = Buffer.from(JSON.stringify(activity));
      const time = typeof note.published === 'string' ? Date.parse(note.published) : Number.NaN;
      this.index.push({
        time: Number.isNaN(time) ? -Infinity : time,
        id: String(activity.id),
        offset: this.spooled,
        length: bytes.length,
      });
      this.spooled += bytes.length;
      if (!this.spool.write(bytes)) await once(this.spool, 'drain');
    }
  }

  /** Ends the collection (newest first) and answers it as a spooled body for the archive. */
  async finish(): Promise<SpooledBody> {
    await endStream(this.spool);
    const ordered = [...this.index].sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const out = createWriteStream(this.path);
    const hash = createHash('sha256');
    const write = async (data: string | Buffer): Promise<void> => {
      hash.update(data);
      if (!out.write(data)) await once(out, 'drain');
    };
    const spool = await open(this.spoolPath, 'r');
    try {
      await write(
        `{\n "@context": ${JSON.stringify(activityStreamsContext)},\n "id": ${JSON.stringify(this.id)},\n` +
          ' "type": "OrderedCollection",\n' +
          ` "attributedTo": ${JSON.stringify(this.actor)},\n "totalItems": ${ordered.length},\n "orderedItems": [`,
      );
      for (const [position, item] of ordered.entries()) {
        const buffer = Buffer.alloc(item.length);
        await spool.read(buffer, 0, item.length, item.offset);
        await write(`${position ? ',' : ''}\n  `);
        await write(buffer);
      }
      await write('\n ]\n}\n');
      await endStream(out);
    } finally {
      await spool.close();
      await rm(this.spoolPath, { force: true });
    }
    return { kind: 'file', path: this.path, size: (await stat(this.path)).size, sha256: hash.digest('hex') };
  }
}

async function endStream(stream: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}
