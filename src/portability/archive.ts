import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { FileError, HearthError } from '../errors.js';
import { fileError } from '../files.js';

/** Name and version of the archive format Hearth writes. */
export const archiveFormat = { name: 'hearth-pod-archive', version: 1 } as const;

/** Name of the manifest entry: always the last entry of an archive. */
export const manifestName = 'manifest.json';

/** Prefix of the entries that hold the pod's resources: `resources/<path-in-pod>`. */
export const resourcesPrefix = 'resources/';

/** Name of the ActivityStreams outbox entry (`--format activitystreams`). */
export const outboxName = 'outbox.jsonld';

/**
 * What a resource of the archive is: a container (a folder entry), a container's own metadata (`<container>.meta`,
 * what CSS keeps beside the listing), an RDF document, a binary, an ACR, or the ActivityStreams outbox.
 */
export type EntryKind = 'container' | 'meta' | 'rdf' | 'binary' | 'acr' | 'outbox';

/** One entry of the manifest. */
export interface ManifestEntry {
  /** The entry's name in the archive (`resources/<path>`; containers end in `/`). */
  name: string;
  /** What it is. */
  kind: EntryKind;
  /** Content type the pod served it with (`text/turtle` for RDF and ACRs). */
  contentType: string;
  /** Size in bytes. */
  size: number;
  /** SHA-256 of the bytes, hex. */
  sha256: string;
}

/** The manifest of an archive: where it comes from, what it holds, and a checksum per entry. */
export interface Manifest {
  /** Always `hearth-pod-archive`. */
  format: string;
  /** Format version. */
  version: number;
  /** When the export was made (ISO date). */
  createdAt: string;
  /** Base URL of the exported pod. */
  podUrl: string;
  /** The owner's WebID. */
  webId: string;
  /** The client id of the manager that made the export (not a secret; lets import drop its old policies). */
  managerClientId?: string;
  /** Counts per kind, and the total. */
  counts: Record<EntryKind | 'total', number>;
  /** Total bytes of all entries but the manifest. */
  bytes: number;
  /** Every entry, in archive order. */
  entries: ManifestEntry[];
}

/** The archive is damaged, not a Hearth archive, or unsafe: nothing was written. */
export class ArchiveError extends HearthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_ARCHIVE', message, options);
  }
}

/** Largest entry Hearth reads from an archive unless told otherwise (1 GiB). */
export const defaultMaxEntryBytes = 1024 ** 3;
/** Most entries Hearth reads from an archive unless told otherwise: about as many as a manifest of 64 MiB can list. */
export const defaultMaxEntries = 300_000;
/** Most bytes all entries together may hold unless told otherwise (64 GiB). */
export const defaultMaxTotalBytes = 64 * 1024 ** 3;
/**
 * Most a gzip archive may expand, past its first 64 MiB, unless told otherwise: Hearth's own archives stay under 100.
 */
export const defaultMaxRatio = 200;
/** What a gzip archive may expand to whatever its ratio: small archives of small files compress well. */
const ratioAllowance = 64 * 1024 ** 2;

/** Limits for reading an untrusted archive: each entry, the whole archive, and what is read into memory. */
export interface ArchiveLimits {
  /** Largest entry accepted (default 1 GiB). */
  maxEntryBytes?: number;
  /** Most entries accepted (default 300,000: a manifest of at most 64 MiB lists no more). */
  maxEntries?: number;
  /** Most bytes of all entries together (default 64 GiB). */
  maxTotalBytes?: number;
  /**
   * Most a gzip archive may expand past its first 64 MiB, as bytes read per byte of the file (default 200: a gzip bomb
   * is ~1000).
   */
  maxRatio?: number;
  /**
   * Largest manifest accepted, read into memory (default 64 MiB); the entries' names together may not exceed it either.
   */
  maxManifestBytes?: number;
  /** Largest RDF document read into memory to parse, and written into the pod after the rewrite (default 16 MiB). */
  maxRdfBytes?: number;
  /** Most triples read from one RDF document of the archive (default 100,000). */
  maxTriples?: number;
}

/**
 * Checks that an archive entry name is a safe path inside the pod: `resources/` + segments that are not empty,
 * `.` or `..` (even percent-encoded), no backslashes, control characters or query/fragment. Answers the path in the
 * pod.
 */
export function podPathOf(entryName: string): string {
  if (!entryName.startsWith(resourcesPrefix))
    throw new ArchiveError(`The archive entry "${printable(entryName)}" is not under ${resourcesPrefix}.`);
  const path = entryName.slice(resourcesPrefix.length);
  if (path.length > 2000)
    throw new ArchiveError(`The archive entry name "${printable(entryName.slice(0, 80))}..." is too long.`);
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f?#]/u.test(path))
    throw new ArchiveError(`The archive entry "${printable(entryName)}" has characters a pod path cannot have.`);
  if (path === '') return '';
  const segments = (path.endsWith('/') ? path.slice(0, -1) : path).split('/');
  for (const segment of segments) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch (error: unknown) {
      if (!(error instanceof URIError)) throw error;
      throw new ArchiveError(`The archive entry "${printable(entryName)}" is not a valid URL path.`, { cause: error });
    }
    if (segment === '' || decoded === '.' || decoded === '..' || decoded.includes('/') || decoded.includes('\\')) {
      throw new ArchiveError(
        `The archive entry "${printable(entryName)}" would point outside the pod; the archive is refused.`,
      );
    }
  }
  return path;
}

/** The URL of an archive entry's resource in the pod at `podUrl`; refuses anything that would land outside it. */
export function urlInPod(podUrl: string, entryName: string): string {
  const url = new URL(podPathOf(entryName), podUrl).href;
  if (!url.startsWith(podUrl))
    throw new ArchiveError(`The archive entry "${printable(entryName)}" would point outside the pod.`);
  return url;
}

/** The archive entry name of a resource of the pod at `podUrl`. */
export function entryNameOf(podUrl: string, url: string): string {
  if (!url.startsWith(podUrl)) throw new ArchiveError(`${url} is not inside ${podUrl}.`);
  return resourcesPrefix + url.slice(podUrl.length);
}

/** A body ready to go into an archive: in memory, or in a temporary file (large bodies). */
export type SpooledBody =
  | { kind: 'buffer'; data: Buffer; size: number; sha256: string }
  | { kind: 'file'; path: string; size: number; sha256: string };

/** Writes an archive, entry after entry, with backpressure: memory stays flat whatever is written. */
export class ArchiveWriter {
  private readonly pack = tar.pack();
  /**
   * Settles when the file is written: with the error that stopped it, if any (so it is never an unhandled rejection).
   */
  private readonly done: Promise<unknown>;
  private readonly mtime = new Date();

  /** Why the file could not be written (no such folder, no permission, disk full), once it happened. */
  private failure?: FileError;

  private constructor(output: Writable, gzip: boolean, file = 'the archive') {
    // Listened to before anything else can fail: the entries then fail with this reason, not "already finalized or
    // destroyed".
    output.once('error', (error: unknown) => {
      this.failure ??= fileError(file, error, 'write');
    });
    const writing = gzip ? pipeline(this.pack, createGzip({ level: 6 }), output) : pipeline(this.pack, output);
    this.done = writing.then(
      () => undefined,
      (error: unknown) => error ?? new Error('The archive could not be written.'),
    );
  }

  /**
   * Opens a new archive file (gzip-compressed when `gzip`), readable by its owner only (0600): it holds private data.
   * Messages name `shownAs` (e.g. the file the archive becomes once complete), by default `file`.
   */
  static create(file: string, gzip = true, shownAs = file): ArchiveWriter {
    return new ArchiveWriter(createWriteStream(file, { mode: 0o600 }), gzip, shownAs);
  }

  /** Adds a directory entry (a container). */
  async addDirectory(name: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.entry({ name, type: 'directory', mode: 0o755, mtime: this.mtime }, (error) =>
        error ? reject(this.failure ?? error) : resolve(),
      );
    });
  }

  /** Adds a file entry from a spooled body (buffer or temporary file). */
  async addFile(name: string, body: SpooledBody): Promise<void> {
    const sink = this.entry({ name, size: body.size, mode: 0o644, mtime: this.mtime });
    const source = body.kind === 'buffer' ? Readable.from([body.data]) : createReadStream(body.path);
    await pipeline(source, sink as unknown as Writable).catch((error: unknown) => {
      throw this.failure ?? error;
    });
  }

  /** Ends the archive and waits until it is on disk. */
  async close(): Promise<void> {
    this.pack.finalize();
    const error = await this.done;
    if (error) throw this.failure ?? error;
  }

  /** Stops writing after an error. */
  abort(error: Error): void {
    this.pack.destroy(error);
  }

  /**
   * Starts an entry; once the file failed, throws why (tar-stream itself would only say "already finalized or
   * destroyed").
   */
  private entry(
    header: Parameters<tar.Pack['entry']>[0],
    callback?: (error?: Error | null) => void,
  ): ReturnType<tar.Pack['entry']> {
    if (this.failure) throw this.failure;
    try {
      return callback ? this.pack.entry(header, callback) : this.pack.entry(header);
    } catch (error: unknown) {
      throw this.failure ?? error;
    }
  }
}

/** One entry as read from an archive: its name, type, size, and its bytes as a stream. */
export interface ArchiveEntry {
  /** The entry's name. */
  name: string;
  /** A file, or a folder (a container). */
  type: 'file' | 'directory';
  /** Size in bytes, from the header. */
  size: number;
  /** The bytes; read them before the next entry (or leave them: they are skipped). */
  stream: AsyncIterable<Buffer>;
}

/** The archive file is not a Hearth export archive at all (not a tar, not a gzip): nothing was imported. */
export function notAnArchive(file: string, cause?: unknown): ArchiveError {
  return new ArchiveError(
    `${file} is not a Hearth export archive (a .tar or .tar.gz file made by Hearth's export): nothing was imported.`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * What an archive file is, from its first bytes: `gzip`, or `tar` (a ustar header); anything else (text, an image, an
 * empty file) is refused with `notAnArchive`, a missing or unreadable file with a plain FileError.
 */
export async function archiveKindOf(file: string): Promise<'gzip' | 'tar'> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error: unknown) {
    throw fileError(file, error, 'read'); // "There is no file x.tar.gz", not ENOENT.
  }
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, head.length, 0).catch((error: unknown) => {
      throw fileError(file, error, 'read');
    });
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (bytesRead === 512 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
    throw notAnArchive(file);
  } finally {
    await handle.close();
  }
}

/**
 * Reads an archive file entry by entry (gzip or not); `onEntry` must consume or ignore each entry's stream
 * before the next is read. Refuses links, devices, entries larger than `maxEntryBytes`, more than `maxEntries` entries
 * or
 * `maxTotalBytes` in all, and a gzip archive that expands more than `maxRatio` times (a compression bomb), as it reads.
 */
export async function readArchive(
  file: string,
  onEntry: (entry: ArchiveEntry) => Promise<void>,
  limits: Pick<ArchiveLimits, 'maxEntryBytes' | 'maxEntries' | 'maxTotalBytes' | 'maxRatio'> = {},
): Promise<void> {
  const maxEntryBytes = limits.maxEntryBytes ?? defaultMaxEntryBytes;
  const maxEntries = limits.maxEntries ?? defaultMaxEntries;
  const maxTotalBytes = limits.maxTotalBytes ?? defaultMaxTotalBytes;
  const extract = tar.extract();
  // Looked at (and so known to exist, and to be a tar or a gzip) before the stream opens it: a stream that fails to
  // open
  // would crash the process.
  const gzip = (await archiveKindOf(file)) === 'gzip';
  const input = createReadStream(file);
  const read: GzipRead = { compressed: 0 };
  let count = 0;
  const feeding = (
    gzip
      ? pipeline(
          input,
          counting(read),
          createGunzip(),
          expansionGuard(read, limits.maxRatio ?? defaultMaxRatio),
          extract as unknown as Writable,
        )
      : pipeline(input, extract as unknown as Writable)
  )
    // Settles with the failure instead of rejecting: it is looked at once the entries are read (never left unhandled).
    .then(
      () => undefined,
      (error: unknown) => unreadable(file, count, error),
    );
  let total = 0;
  try {
    for await (const entry of extract) {
      const { header } = entry;
      count += 1;
      if (count > maxEntries) throw new ArchiveError(`The archive holds more than ${maxEntries} entries; refused.`);
      if (header.type !== 'file' && header.type !== 'directory') {
        throw new ArchiveError(
          `The archive entry "${printable(header.name)}" is a ${header.type}; only files and folders are allowed.`,
        );
      }
      if (header.size > maxEntryBytes)
        throw new ArchiveError(
          `The archive entry "${printable(header.name)}" is larger than ${maxEntryBytes} bytes; refused.`,
        );
      total += header.size;
      if (total > maxTotalBytes)
        throw new ArchiveError(`The archive holds more than ${maxTotalBytes} bytes in all; refused.`);
      let consumed = false;
      const stream: AsyncIterable<Buffer> = {
        [Symbol.asyncIterator]: () => {
          consumed = true;
          return (entry as unknown as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
        },
      };
      await onEntry({ name: header.name, type: header.type, size: header.size, stream });
      if (!consumed) entry.resume();
    }
  } catch (error: unknown) {
    extract.destroy();
    input.destroy();
    if (read.refused) throw read.refused; // Reached the entry being read as a stream error.
    throw unreadable(file, count, error);
  }
  const failed = await feeding;
  if (failed) throw failed;
}

/**
 * Why an archive could not be read, in plain words (never the tar or gzip parser's text): before its first entry it is
 * not an archive at all; later it is damaged. Hearth's own refusals pass as they are.
 */
function unreadable(file: string, entriesRead: number, error: unknown): HearthError {
  if (error instanceof HearthError) return error;
  if (entriesRead === 0) return notAnArchive(file, error);
  return new ArchiveError(
    `The archive ${file} is damaged: it ends early or is corrupted after ${entriesRead} entries.`,
    { cause: error },
  );
}

/** Bytes of a gzip archive read so far, and why its expansion was refused. */
interface GzipRead {
  compressed: number;
  refused?: ArchiveError;
}

/** Counts the bytes going through into `read.compressed`. */
function counting(read: GzipRead): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      read.compressed += chunk.length;
      done(null, chunk);
    },
  });
}

/**
 * Passes decompressed bytes on while they stay within `ratioAllowance`, or `maxRatio` times the compressed bytes read.
 */
function expansionGuard(read: GzipRead, maxRatio: number): Transform {
  let expanded = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      expanded += chunk.length;
      if (expanded > ratioAllowance && expanded > maxRatio * read.compressed) {
        read.refused = new ArchiveError(
          `The archive expands to more than ${maxRatio} times its size, far more than any pod archive: ` +
            'it looks like a compression bomb; refused.',
        );
        done(read.refused);
      } else {
        done(null, chunk);
      }
    },
  });
}

/** Reads a whole (small) stream into a buffer, refusing more than `maxBytes`. */
export async function readAll(
  stream: AsyncIterable<Buffer | Uint8Array>,
  maxBytes: number,
  what: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > maxBytes) throw new ArchiveError(`${what} is larger than ${maxBytes} bytes; refused.`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** SHA-256 and size of a stream, consuming it. */
export async function hashStream(
  stream: AsyncIterable<Buffer | Uint8Array>,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Checks that a parsed manifest has the shape Hearth writes; throws ArchiveError otherwise. */
export function checkManifest(value: unknown): Manifest {
  const manifest = value as Partial<Manifest>;
  if (!manifest || typeof manifest !== 'object' || manifest.format !== archiveFormat.name) {
    throw new ArchiveError('This is not a Hearth pod archive: its manifest is missing or of another format.');
  }
  if (manifest.version !== archiveFormat.version) {
    throw new ArchiveError(
      `The archive has format version ${String(manifest.version)}; this Hearth reads version ${archiveFormat.version}.`,
    );
  }
  for (const key of ['podUrl', 'webId', 'createdAt'] as const) {
    if (typeof manifest[key] !== 'string') throw new ArchiveError(`The archive's manifest has no ${key}.`);
  }
  if (!URL.canParse(manifest.podUrl!) || !URL.canParse(manifest.webId!)) {
    throw new ArchiveError("The archive's manifest names a pod or WebID that is not a URL.");
  }
  if (!Array.isArray(manifest.entries)) throw new ArchiveError("The archive's manifest lists no entries.");
  for (const entry of manifest.entries) {
    if (
      !entry ||
      typeof entry.name !== 'string' ||
      typeof entry.sha256 !== 'string' ||
      typeof entry.size !== 'number' ||
      typeof entry.contentType !== 'string' ||
      !['container', 'meta', 'rdf', 'binary', 'acr', 'outbox'].includes(entry.kind)
    ) {
      throw new ArchiveError("The archive's manifest has a malformed entry.");
    }
    if (entry.kind !== 'outbox') podPathOf(entry.name);
  }
  return manifest as Manifest;
}

/** A name safe to show in a message. */
function printable(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f]/gu, '?').slice(0, 200);
}
