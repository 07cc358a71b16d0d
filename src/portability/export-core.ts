// Export, platform-neutral: walks the pod breadth-first with the owner's fetch and writes every resource, its ACR and a
// manifest with checksums into an `ArchiveSink`. node/export-file.ts writes it to a file, web.ts to a Blob.
import { acrUrlOf } from '../access/acr.js';
import { httpErrorFor, NetworkError } from '../errors.js';
import { parseTurtle, writeTurtle } from '../rdf.js';
import { areaUrl } from '../social/layout.js';
import type { Quad } from 'n3';
import { DCT, LDP, PIM, RDF } from '../vocab.js';
import {
  archiveFormat,
  entryNameOf,
  manifestName,
  outboxName,
  concatBytes,
  utf8,
  type ArchiveSink,
  type EntryKind,
  type Manifest,
  type ManifestEntry,
  type SpooledBody,
} from './archive-format.js';
import { throttled, type ProgressListener } from './progress.js';
import { emptySha256, newSha256 } from './sha256.js';

/** What the export of a pod needs, whatever it writes to. */
export interface PodExportOptions {
  /** The owner's authenticated fetch (Read and Control over the whole pod): the manager's, or the web page's. */
  fetch: typeof fetch;
  /** The pod's base URL (ends in `/`). */
  podUrl: string;
  /** The owner's WebID. */
  webId: string;
  /**
   * The manager's client id (`session.clientId`), recorded in the manifest so that import can give its place to the new
   * manager (the web page, which does not hold it, leaves it out).
   */
  managerClientId?: string;
  /** Parallel requests (default 4). */
  concurrency?: number;
  /** Called as the export goes on. */
  onProgress?: ProgressListener;
}

/** Collects the posts as an ActivityStreams outbox while the export goes on. */
export interface OutboxSink {
  /** Adds the notes of one Turtle document. */
  addDocument(turtle: string, url: string): Promise<void>;
  /** The outbox, ready for the archive. */
  finish(): Promise<SpooledBody>;
}

/** Where the bytes of an export go: the archive, and what holds a large body on its way there. */
export interface ExportPlatform {
  /** The archive being written. */
  sink: ArchiveSink;
  /** Where a body past `inMemoryLimit` goes until it is written (a temporary file, Blob parts). */
  spill: () => Spill;
  /** Frees a body once written (removes its temporary file). */
  release?: (body: SpooledBody) => Promise<void>;
  /** The outbox, when asked for. */
  outbox?: OutboxSink;
}

/** Holds a large body on its way into the archive. */
export interface Spill {
  /** Adds bytes. */
  write(chunk: Uint8Array): Promise<void>;
  /** The body, once complete. */
  end(size: number, sha256: string): Promise<SpooledBody>;
  /** Drops it after an error. */
  abort(): void;
}

/** Bodies up to this size stay in memory on their way into the archive; larger ones are spilled. */
export const inMemoryLimit = 1024 * 1024;

/**
 * Exports the whole pod into `platform.sink`: every container, RDF document (as Turtle), binary (byte for byte) and
 * access control resource, walked breadth-first from the root, then a manifest with a SHA-256 per entry, last. Streams:
 * memory stays flat however large the pod is. Ends the sink; on an error the caller aborts it.
 */
export async function writePodArchive(options: PodExportOptions, platform: ExportPlatform): Promise<Manifest> {
  const podUrl = options.podUrl.endsWith('/') ? options.podUrl : `${options.podUrl}/`;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, 16));
  const { sink, outbox } = platform;
  const entries: ManifestEntry[] = [];
  const progress = throttled(options.onProgress);
  let bytes = 0;
  const postsContainer = areaUrl(podUrl, 'posts');

  // Archive entries go in one at a time; fetching runs `concurrency` wide. Each entry's failure reaches the caller of
  // its `addEntry`; the chain only keeps the order, and settles with the last failure, looked at once everything was
  // added.
  let writing: Promise<unknown> = Promise.resolve();
  const addEntry = (entry: Omit<ManifestEntry, 'size' | 'sha256'>, body: SpooledBody | undefined): Promise<void> => {
    const step = writing.then(async () => {
      if (body) await sink.addFile(entry.name, body);
      else await sink.addDirectory(entry.name);
      entries.push({ ...entry, size: body?.size ?? 0, sha256: body?.sha256 ?? emptySha256 });
      bytes += body?.size ?? 0;
      progress.report({ phase: 'export', done: entries.length, bytes });
      if (body) await platform.release?.(body);
    });
    writing = step.then(
      () => undefined,
      (error: unknown) => error,
    );
    return step;
  };

  const exportOne = async (url: string, queue: string[]): Promise<void> => {
    const isContainer = url.endsWith('/');
    const response = await get(options.fetch, url, isContainer ? 'text/turtle' : 'text/turtle;q=1.0, */*;q=0.5');
    if (response === undefined) return; // Gone while walking.
    const contentType = (response.headers.get('content-type') ?? 'application/octet-stream').split(';')[0]!.trim();
    if (isContainer) {
      const quads = parseTurtle(await response.text(), url);
      const children = quads
        .filter(
          (q) => q.subject.value === url && q.predicate.value === `${LDP}contains` && q.object.termType === 'NamedNode',
        )
        .map((q) => q.object.value)
        .filter((child) => child.startsWith(url) && child !== url)
        .sort();
      queue.push(...children);
      await addEntry({ name: entryNameOf(podUrl, url), kind: 'container', contentType: 'text/turtle' }, undefined);
      const own = containerMetadata(quads, url, podUrl);
      if (own.length > 0)
        await addEntry(
          { name: `${entryNameOf(podUrl, url)}.meta`, kind: 'meta', contentType: 'text/turtle' },
          bufferBody(writeTurtle(own)),
        );
    } else {
      const kind: EntryKind = contentType === 'text/turtle' ? 'rdf' : 'binary';
      const body = await spoolBody(response, platform.spill);
      if (outbox && kind === 'rdf' && url.startsWith(postsContainer) && body.kind === 'buffer') {
        await outbox.addDocument(utf8(body.data), url);
      }
      await addEntry({ name: entryNameOf(podUrl, url), kind, contentType }, body);
    }
    // The resource's ACR, if it has one (CSS makes them lazily: 404 means none).
    const acrUrl = acrUrlOf(url);
    const acr = await get(options.fetch, acrUrl, 'text/turtle');
    if (acr)
      await addEntry(
        { name: entryNameOf(podUrl, acrUrl), kind: 'acr', contentType: 'text/turtle' },
        await spoolBody(acr, platform.spill),
      );
  };

  // Breadth-first, level by level; within a level, `concurrency` requests at a time.
  let level = [podUrl];
  while (level.length > 0) {
    const next: string[] = [];
    let index = 0;
    const worker = async () => {
      while (index < level.length) {
        const url = level[index++]!;
        await exportOne(url, next);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, level.length) }, worker));
    level = next;
  }
  const failed = await writing;
  if (failed) throw failed;
  if (outbox) {
    const body = await outbox.finish();
    await addEntry({ name: outboxName, kind: 'outbox', contentType: 'application/ld+json' }, body);
  }
  const manifest = buildManifest(podUrl, options, entries, bytes);
  const manifestBytes = new TextEncoder().encode(`${JSON.stringify(manifest, null, 1)}\n`);
  await sink.addFile(manifestName, { kind: 'buffer', data: manifestBytes, size: manifestBytes.length, sha256: '' });
  await sink.close();
  progress.flush();
  return manifest;
}

function buildManifest(podUrl: string, options: PodExportOptions, entries: ManifestEntry[], bytes: number): Manifest {
  const counts: Manifest['counts'] = {
    container: 0,
    meta: 0,
    rdf: 0,
    binary: 0,
    acr: 0,
    outbox: 0,
    total: entries.length,
  };
  for (const entry of entries) counts[entry.kind] += 1;
  return {
    format: archiveFormat.name,
    version: archiveFormat.version,
    createdAt: new Date().toISOString(),
    podUrl,
    webId: options.webId,
    ...(options.managerClientId ? { managerClientId: options.managerClientId } : {}),
    counts,
    bytes,
    entries,
  };
}

/** GETs a resource; undefined on 404 (missing ACR, or deleted meanwhile); typed errors otherwise. */
async function get(fetchFn: typeof fetch, url: string, accept: string): Promise<Response | undefined> {
  let response: Response;
  try {
    response = await fetchFn(url, { headers: { accept } });
  } catch (error: unknown) {
    throw new NetworkError(url, error);
  }
  if (response.status === 404) {
    await discard(response);
    return undefined;
  }
  if (!response.ok) throw await httpErrorFor(response, `Exporting ${url}`);
  return response;
}

/** Reads a response body, hashing it on the way; past `inMemoryLimit` it goes to a `Spill`. */
export async function spoolBody(response: Response, spill: () => Spill): Promise<SpooledBody> {
  const hash = newSha256();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let spilled: Spill | undefined;
  try {
    if (response.body) {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        size += chunk.length;
        if (!spilled && size > inMemoryLimit) {
          spilled = spill();
          for (const held of chunks) await spilled.write(held);
          chunks.length = 0;
        }
        if (spilled) await spilled.write(chunk);
        else chunks.push(chunk);
      }
    }
  } catch (error: unknown) {
    spilled?.abort();
    throw new NetworkError(response.url, error);
  }
  const sha256 = hash.digest();
  if (spilled) return spilled.end(size, sha256);
  return { kind: 'buffer', data: concatBytes(chunks, size), size, sha256 };
}

function bufferBody(text: string): SpooledBody {
  const data = new TextEncoder().encode(text);
  const hash = newSha256();
  hash.update(data);
  return { kind: 'buffer', data, size: data.length, sha256: hash.digest() };
}

/**
 * Whether a statement about a container is one the server makes itself: its listing, LDP types, dates and sizes, and,
 * on
 * a pod's root (`root`), its `pim:Storage` type. Nobody writes these; an import has nothing to take from them.
 */
export function serverManaged(q: Quad, root: boolean): boolean {
  const predicate = q.predicate.value;
  if (
    predicate === `${LDP}contains` ||
    predicate === `${DCT}modified` ||
    predicate.startsWith('http://www.w3.org/ns/posix/stat#')
  )
    return true;
  return predicate === `${RDF}type` && (q.object.value.startsWith(LDP) || (root && q.object.value === `${PIM}Storage`));
}

/**
 * What container `url` of the pod at `podUrl` says about itself beyond what the server manages (`serverManaged`): its
 * own metadata.
 */
export function containerMetadata(quads: readonly Quad[], url: string, podUrl: string): Quad[] {
  return quads.filter((q) => q.subject.value === url && !serverManaged(q, url === podUrl));
}

/**
 * Reads a small body to its end (not cancelled: CSS logs an error for every response whose body is cancelled). A
 * connection
 * that breaks meanwhile (fetch's TypeError) is left for the next request to meet: nothing was wanted from this body.
 */
export async function discard(response: Response): Promise<void> {
  try {
    await response.arrayBuffer();
  } catch (error: unknown) {
    if (!(error instanceof TypeError)) throw error;
  }
}
