// The archive format, platform-neutral: names, manifest, limits, entry names checked against the pod, and the reading
// and hashing of byte streams (Uint8Array). The Node face (files, tar-stream, zlib) is in node/, the browser's in
// web.ts.
import { HearthError } from '../errors.js';
import { newSha256 } from './sha256.js';
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

/**
 * A body ready to go into an archive: in memory, in a temporary file (Node, large bodies), or in a Blob (a browser).
 */
export type SpooledBody =
  | { kind: 'buffer'; data: Uint8Array; size: number; sha256: string }
  | { kind: 'file'; path: string; size: number; sha256: string }
  | { kind: 'blob'; blob: Blob; size: number; sha256: string };

/** Where an export writes its archive, entry after entry (a file in Node, Blob parts in a browser). */
export interface ArchiveSink {
  /** Adds a directory entry (a container). */
  addDirectory(name: string): Promise<void>;
  /** Adds a file entry. */
  addFile(name: string, body: SpooledBody): Promise<void>;
  /** Ends the archive. */
  close(): Promise<void>;
  /** Stops writing after an error. */
  abort(error: Error): void;
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
  stream: AsyncIterable<Uint8Array>;
}

/** The archive file is not a Hearth export archive at all (not a tar, not a gzip): nothing was imported. */
export function notAnArchive(file: string, cause?: unknown): ArchiveError {
  return new ArchiveError(
    `${file} is not a Hearth export archive (a .tar or .tar.gz file made by Hearth's export): nothing was imported.`,
    cause === undefined ? undefined : { cause },
  );
}
/** Reads an archive entry by entry, within limits: a file in Node, a Blob in a browser. */
export interface ArchiveSource {
  /** How messages name the archive (its file name). */
  name: string;
  /** Calls `onEntry` for each entry in order; each entry's stream is read (or left) before the next. */
  read(onEntry: (entry: ArchiveEntry) => Promise<void>, limits?: ReadLimits): Promise<void>;
}

/** The limits `ArchiveSource.read` enforces as it reads. */
export type ReadLimits = Pick<ArchiveLimits, 'maxEntryBytes' | 'maxEntries' | 'maxTotalBytes' | 'maxRatio'>;

/** Counts entries and bytes of an archive as they come, refusing what goes past `limits` (and links, devices). */
export class EntryGuard {
  private count = 0;
  private total = 0;
  private readonly maxEntryBytes: number;
  private readonly maxEntries: number;
  private readonly maxTotalBytes: number;

  constructor(limits: ReadLimits = {}) {
    this.maxEntryBytes = limits.maxEntryBytes ?? defaultMaxEntryBytes;
    this.maxEntries = limits.maxEntries ?? defaultMaxEntries;
    this.maxTotalBytes = limits.maxTotalBytes ?? defaultMaxTotalBytes;
  }

  /** Entries seen so far. */
  get entries(): number {
    return this.count;
  }

  /** Checks the next entry's header; throws ArchiveError past a limit or for a type other than file or folder. */
  check(name: string, type: string, size: number): void {
    this.count += 1;
    if (this.count > this.maxEntries)
      throw new ArchiveError(`The archive holds more than ${this.maxEntries} entries; refused.`);
    if (type !== 'file' && type !== 'directory') {
      throw new ArchiveError(
        `The archive entry "${printable(name)}" is a ${type}; only files and folders are allowed.`,
      );
    }
    if (size > this.maxEntryBytes)
      throw new ArchiveError(
        `The archive entry "${printable(name)}" is larger than ${this.maxEntryBytes} bytes; refused.`,
      );
    this.total += size;
    if (this.total > this.maxTotalBytes)
      throw new ArchiveError(`The archive holds more than ${this.maxTotalBytes} bytes in all; refused.`);
  }
}

/**
 * Why an archive could not be read, in plain words (never the tar or gzip parser's text): before its first entry it is
 * not an archive at all; later it is damaged. Hearth's own refusals pass as they are.
 */
export function unreadable(file: string, entriesRead: number, error: unknown): HearthError {
  if (error instanceof HearthError) return error;
  if (entriesRead === 0) return notAnArchive(file, error);
  return new ArchiveError(
    `The archive ${file} is damaged: it ends early or is corrupted after ${entriesRead} entries.`,
    { cause: error },
  );
}

/**
 * Watches a gzip archive's expansion: past `ratioAllowance`, more than `maxRatio` bytes out per byte in is refused as a
 * compression bomb.
 */
export class ExpansionGuard {
  /** Compressed bytes read so far. */
  compressed = 0;
  private expanded = 0;
  /** Why the expansion was refused, once it was. */
  refused?: ArchiveError;

  constructor(private readonly maxRatio = defaultMaxRatio) {}

  /** Counts `size` decompressed bytes; throws (and remembers) the refusal past the ratio. */
  expand(size: number): void {
    this.expanded += size;
    if (this.expanded > ratioAllowance && this.expanded > this.maxRatio * this.compressed) {
      this.refused = new ArchiveError(
        `The archive expands to more than ${this.maxRatio} times its size, far more than any pod archive: ` +
          'it looks like a compression bomb; refused.',
      );
      throw this.refused;
    }
  }
}

/** Bytes as text (UTF-8, a byte order mark kept as the character it is, as Node's Buffer reads it). */
export function utf8(data: Uint8Array): string {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(data);
}

/** Reads a whole (small) stream into memory, refusing more than `maxBytes`. */
export async function readAll(stream: AsyncIterable<Uint8Array>, maxBytes: number, what: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > maxBytes) throw new ArchiveError(`${what} is larger than ${maxBytes} bytes; refused.`);
    chunks.push(chunk);
  }
  return concatBytes(chunks, size);
}

/** The chunks in one array. */
export function concatBytes(
  chunks: readonly Uint8Array[],
  size = chunks.reduce((sum, c) => sum + c.length, 0),
): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** SHA-256 and size of a stream, consuming it. */
export async function hashStream(stream: AsyncIterable<Uint8Array>): Promise<{ sha256: string; size: number }> {
  const hash = newSha256();
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest(), size };
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
