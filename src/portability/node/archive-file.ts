// The Node face of the archive format: archive files written with tar-stream and zlib, read back within limits.
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import type { FileError } from '../../errors.js';
import { fileError } from '../../files.js';
import {
  EntryGuard,
  ExpansionGuard,
  notAnArchive,
  unreadable,
  type ArchiveEntry,
  type ArchiveSink,
  type ArchiveSource,
  type ReadLimits,
  type SpooledBody,
} from '../archive-format.js';
import './sha256.js';

/** Writes an archive, entry after entry, with backpressure: memory stays flat whatever is written. */
export class ArchiveWriter implements ArchiveSink {
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

  /** Adds a file entry from a spooled body (bytes, a temporary file or a Blob). */
  async addFile(name: string, body: SpooledBody): Promise<void> {
    const sink = this.entry({ name, size: body.size, mode: 0o644, mtime: this.mtime });
    const source =
      body.kind === 'buffer'
        ? Readable.from([Buffer.from(body.data.buffer, body.data.byteOffset, body.data.length)])
        : body.kind === 'file'
          ? createReadStream(body.path)
          : Readable.fromWeb(body.blob.stream() as Parameters<typeof Readable.fromWeb>[0]);
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
 * or `maxTotalBytes` in all, and a gzip archive that expands more than `maxRatio` times (a compression bomb), as it
 * reads.
 */
export async function readArchive(
  file: string,
  onEntry: (entry: ArchiveEntry) => Promise<void>,
  limits: ReadLimits = {},
): Promise<void> {
  const guard = new EntryGuard(limits);
  const extract = tar.extract();
  // Looked at (and so known to exist, and to be a tar or a gzip) before the stream opens it: a stream that fails to
  // open would crash the process.
  const gzip = (await archiveKindOf(file)) === 'gzip';
  const input = createReadStream(file);
  const expansion = new ExpansionGuard(limits.maxRatio);
  const feeding = (
    gzip
      ? pipeline(input, counting(expansion), createGunzip(), expansionGuard(expansion), extract as unknown as Writable)
      : pipeline(input, extract as unknown as Writable)
  )
    // Settles with the failure instead of rejecting: it is looked at once the entries are read (never left unhandled).
    .then(
      () => undefined,
      (error: unknown) => unreadable(file, guard.entries, error),
    );
  try {
    for await (const entry of extract) {
      const { header } = entry;
      guard.check(header.name, header.type ?? 'file', header.size ?? 0);
      let consumed = false;
      const stream: AsyncIterable<Uint8Array> = {
        [Symbol.asyncIterator]: () => {
          consumed = true;
          return (entry as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
        },
      };
      await onEntry({ name: header.name, type: header.type as 'file' | 'directory', size: header.size ?? 0, stream });
      if (!consumed) entry.resume();
    }
  } catch (error: unknown) {
    extract.destroy();
    input.destroy();
    if (expansion.refused) throw expansion.refused; // Reached the entry being read as a stream error.
    throw unreadable(file, guard.entries, error);
  }
  const failed = await feeding;
  if (failed) throw failed;
}

/** An archive file as a source of entries. */
export function fileSource(file: string): ArchiveSource {
  return { name: file, read: (onEntry, limits) => readArchive(file, onEntry, limits) };
}

/** Counts the bytes going through as compressed bytes read. */
function counting(expansion: ExpansionGuard): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      expansion.compressed += chunk.length;
      done(null, chunk);
    },
  });
}

/** Passes decompressed bytes on while `expansion` accepts them. */
function expansionGuard(expansion: ExpansionGuard): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        expansion.expand(chunk.length);
      } catch (error: unknown) {
        done(error as Error);
        return;
      }
      done(null, chunk);
    },
  });
}
