import { createHash } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { access, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { acrUrlOf } from '../access/acr.js';
import { FileError, httpErrorFor, NetworkError, InvalidInputError } from '../errors.js';
import { fileError } from '../files.js';
import { parseTurtle, writeTurtle } from '../rdf.js';
import { areaUrl } from '../social/layout.js';
import type { Quad } from 'n3';
import { DCT, LDP, PIM, RDF } from '../vocab.js';
import {
  ArchiveWriter,
  archiveFormat,
  entryNameOf,
  manifestName,
  outboxName,
  type EntryKind,
  type Manifest,
  type ManifestEntry,
  type SpooledBody,
} from './archive.js';
import { OutboxWriter, outboxIdOf } from './outbox.js';
import { throttled, type ProgressListener } from './progress.js';

/** What `exportPod` needs. */
export interface ExportOptions {
  /** The manager's authenticated fetch (Read and Control over the whole pod). */
  fetch: typeof fetch;
  /** The pod's base URL (ends in `/`). */
  podUrl: string;
  /** The owner's WebID. */
  webId: string;
  /** The archive file to write. */
  out: string;
  /** Gzip the archive (default true). */
  gzip?: boolean;
  /** Also write the posts as an ActivityStreams 2.0 outbox (`outbox.jsonld`). */
  activityStreams?: boolean;
  /**
   * The manager's client id (`session.clientId`), recorded in the manifest so that import can give its place to the new
   * manager.
   */
  managerClientId: string;
  /** Parallel requests (default 4). */
  concurrency?: number;
  /** Called as the export goes on. */
  onProgress?: ProgressListener;
  /** Replace `out` if it exists (default true); false refuses with FileError `FILE_EXISTS` before anything is read. */
  overwrite?: boolean;
}

/** What an export wrote. */
export interface ExportResult {
  /** The archive file. */
  file: string;
  /** Its size in bytes. */
  archiveBytes: number;
  /** The manifest written last into the archive. */
  manifest: Manifest;
}

/** Bodies up to this size stay in memory on their way into the archive; larger ones go through a temporary file. */
const inMemoryLimit = 1024 * 1024;

/**
 * Exports the whole pod into one archive file: every container, RDF document (as Turtle), binary (byte for byte)
 * and access control resource, walked breadth-first from the root, then a manifest with a SHA-256 per entry.
 * Streams: memory stays flat however large the pod is.
 */
export async function exportPod(options: ExportOptions): Promise<ExportResult> {
  const podUrl = options.podUrl.endsWith('/') ? options.podUrl : `${options.podUrl}/`;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, 16));
  if (!options.out) throw new InvalidInputError('No archive file to write to.');
  await checkOutput(options.out, options.overwrite ?? true);
  const temp = await mkdtemp(join(tmpdir(), 'hearth-export-'));
  const partial = `${options.out}.partial`;
  const writer = ArchiveWriter.create(partial, options.gzip ?? true, options.out);
  const entries: ManifestEntry[] = [];
  const progress = throttled(options.onProgress);
  let bytes = 0;
  let spoolCount = 0;
  const postsContainer = areaUrl(podUrl, 'posts');
  const outbox = options.activityStreams
    ? await OutboxWriter.create(join(temp, 'outbox.jsonld'), options.webId, outboxIdOf(podUrl))
    : undefined;

  // Archive entries go in one at a time; fetching runs `concurrency` wide. Each entry's failure reaches the caller of
  // its
  // `addEntry`; the chain only keeps the order, and settles with the last failure, looked at once everything was added.
  let writing: Promise<unknown> = Promise.resolve();
  const addEntry = (entry: Omit<ManifestEntry, 'size' | 'sha256'>, body: SpooledBody | undefined): Promise<void> => {
    const step = writing.then(async () => {
      if (body) await writer.addFile(entry.name, body);
      else await writer.addDirectory(entry.name);
      entries.push({ ...entry, size: body?.size ?? 0, sha256: body?.sha256 ?? emptySha256 });
      bytes += body?.size ?? 0;
      progress.report({ phase: 'export', done: entries.length, bytes });
      if (body?.kind === 'file') await rm(body.path, { force: true });
    });
    writing = step.then(
      () => undefined,
      (error: unknown) => error,
    );
    return step;
  };

  const spool = async (response: Response): Promise<SpooledBody> =>
    spoolBody(response, () => join(temp, `body-${spoolCount++}`));

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
      const body = await spool(response);
      if (outbox && kind === 'rdf' && url.startsWith(postsContainer) && body.kind === 'buffer') {
        await outbox.addDocument(body.data.toString('utf8'), url);
      }
      await addEntry({ name: entryNameOf(podUrl, url), kind, contentType }, body);
    }
    // The resource's ACR, if it has one (CSS makes them lazily: 404 means none).
    const acrUrl = acrUrlOf(url);
    const acr = await get(options.fetch, acrUrl, 'text/turtle');
    if (acr)
      await addEntry({ name: entryNameOf(podUrl, acrUrl), kind: 'acr', contentType: 'text/turtle' }, await spool(acr));
  };

  try {
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
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`);
    await writer.addFile(manifestName, { kind: 'buffer', data: manifestBytes, size: manifestBytes.length, sha256: '' });
    await writer.close();
    await rename(partial, options.out);
    progress.flush();
    return { file: options.out, archiveBytes: (await stat(options.out)).size, manifest };
  } catch (error: unknown) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    await rm(partial, { force: true });
    throw error;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

const emptySha256 = createHash('sha256').digest('hex');

/**
 * Checks, before any work, that the archive can go to `out`: its folder exists, and it is not there yet unless it may
 * be replaced.
 */
export async function checkOutput(out: string, overwrite: boolean): Promise<void> {
  const folder = dirname(out);
  try {
    if (!(await stat(folder)).isDirectory())
      throw new FileError('FILE_NOT_FOUND', out, `Cannot write ${out}: ${folder} is not a folder.`);
  } catch (error: unknown) {
    if (error instanceof FileError) throw error;
    throw fileError(out, error, 'write');
  }
  // A folder that takes no new files (another user's, read-only) is said now, not after the whole pod was read.
  await access(folder, constants.W_OK).catch((error: unknown) => {
    throw fileError(out, error, 'write');
  });
  const existing = await stat(out).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined; // Not there yet: the usual case.
    throw fileError(out, error, 'write');
  });
  if (existing?.isDirectory())
    throw new FileError('FILE_ACCESS', out, `${out} is a folder: name the archive file to write.`);
  if (existing && !overwrite) throw new FileError('FILE_EXISTS', out, `${out} already exists: nothing was written.`);
}

function buildManifest(podUrl: string, options: ExportOptions, entries: ManifestEntry[], bytes: number): Manifest {
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
    managerClientId: options.managerClientId,
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

/** Reads a response body, hashing it on the way; past `inMemoryLimit` it goes to a temporary file. */
export async function spoolBody(response: Response, tempFile: () => string): Promise<SpooledBody> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  let file: { path: string; stream: ReturnType<typeof createWriteStream> } | undefined;
  try {
    if (response.body) {
      for await (const raw of response.body as unknown as AsyncIterable<Uint8Array>) {
        const chunk = Buffer.from(raw);
        hash.update(chunk);
        size += chunk.length;
        if (!file && size > inMemoryLimit) {
          const path = tempFile();
          file = { path, stream: createWriteStream(path) };
          for (const held of chunks) if (!file.stream.write(held)) await once(file.stream, 'drain');
          chunks.length = 0;
        }
        if (file) {
          if (!file.stream.write(chunk)) await once(file.stream, 'drain');
        } else {
          chunks.push(chunk);
        }
      }
    }
  } catch (error: unknown) {
    file?.stream.destroy();
    throw new NetworkError(response.url, error);
  }
  const sha256 = hash.digest('hex');
  if (file) {
    const stream = file.stream;
    await new Promise<void>((resolve, reject) =>
      stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    return { kind: 'file', path: file.path, size, sha256 };
  }
  return { kind: 'buffer', data: Buffer.concat(chunks), size, sha256 };
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

function bufferBody(text: string): SpooledBody {
  const data = Buffer.from(text);
  return { kind: 'buffer', data, size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}
