// The browser's face of export and import: the same walk, checks and writes as the CLI's (export-core.ts,
// import-core.ts), with archives as Blobs (Hearth's own ustar, tar.ts, and the browser's gzip streams) and large bodies
// held in Blobs, which the browser may keep on disk.
import {
  ArchiveError,
  EntryGuard,
  ExpansionGuard,
  notAnArchive,
  unreadable,
  type ArchiveSink,
  type ArchiveSource,
  type ArchiveLimits,
  type Manifest,
  type SpooledBody,
} from './archive-format.js';
import { writePodArchive, type PodExportOptions, type Spill } from './export-core.js';
import { importFrom, verifySource, type ImportResult, type PodImportOptions } from './import-core.js';
import type { ProgressListener } from './progress.js';
import { padding, readTar, tarEnd, tarHeader } from './tar.js';

/** Bytes gathered into one Blob part at a time, so that the browser can move them out of the page's memory. */
const partBytes = 4 * 1024 * 1024;

/** Collects chunks into Blob parts. */
class BlobParts {
  private readonly parts: Blob[] = [];
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Bytes added so far. */
  size = 0;

  add(chunk: Uint8Array): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.size += chunk.length;
    if (this.pendingBytes >= partBytes) this.flush();
  }

  blob(type = ''): Blob {
    this.flush();
    return new Blob(this.parts, { type });
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.parts.push(new Blob(this.pending as Uint8Array<ArrayBuffer>[]));
    this.pending = [];
    this.pendingBytes = 0;
  }
}

/** An archive written into a Blob (gzip-compressed by the browser when `gzip`), entry after entry. */
export class BlobArchiveWriter implements ArchiveSink {
  private readonly out = new BlobParts();
  private readonly writer?: WritableStreamDefaultWriter<BufferSource>;
  private readonly reading?: Promise<void>;
  private readonly mtime = new Date();

  constructor(gzip = true) {
    if (!gzip) return;
    const compression = new CompressionStream('gzip');
    this.writer = compression.writable.getWriter();
    this.reading = (async () => {
      for await (const chunk of compression.readable as unknown as AsyncIterable<Uint8Array>) this.out.add(chunk);
    })();
    this.reading.catch(() => undefined); // Looked at in `close`.
  }

  /** Adds a directory entry (a container). */
  async addDirectory(name: string): Promise<void> {
    await this.write(tarHeader(name, 'directory', 0, this.mtime));
  }

  /** Adds a file entry. */
  async addFile(name: string, body: SpooledBody): Promise<void> {
    await this.write(tarHeader(name, 'file', body.size, this.mtime));
    if (body.kind === 'buffer') await this.write(body.data);
    else if (body.kind === 'blob') {
      for await (const chunk of body.blob.stream() as unknown as AsyncIterable<Uint8Array>) await this.write(chunk);
    } else throw new ArchiveError('A browser cannot read files by path.');
    await this.write(padding(body.size));
  }

  /** Ends the archive. */
  async close(): Promise<void> {
    await this.write(tarEnd);
    if (this.writer) {
      await this.writer.close();
      await this.reading;
    }
  }

  /** Stops writing after an error. */
  abort(error: Error): void {
    void this.writer?.abort(error).catch(() => undefined);
  }

  /** The archive, once closed. */
  blob(): Blob {
    return this.out.blob(this.writer ? 'application/gzip' : 'application/x-tar');
  }

  private async write(chunk: Uint8Array): Promise<void> {
    if (chunk.length === 0) return;
    if (!this.writer) {
      this.out.add(chunk.slice());
      return;
    }
    await this.writer.ready;
    await this.writer.write(chunk.slice());
  }
}

/** A large body held in a Blob on its way into the archive. */
function blobSpill(): Spill {
  const parts = new BlobParts();
  return {
    write: async (chunk) => parts.add(chunk),
    end: async (size, sha256) => ({ kind: 'blob', blob: parts.blob(), size, sha256 }),
    abort: () => undefined,
  };
}

/** What `exportPodToBlob` made. */
export interface BlobExport {
  /** The archive (`.tar.gz`). */
  blob: Blob;
  /** Its size in bytes. */
  archiveBytes: number;
  /** Its manifest. */
  manifest: Manifest;
}

/** Exports the whole pod, as the CLI's `hearth export` does, into a gzip-compressed archive in a Blob. */
export async function exportPodToBlob(options: PodExportOptions): Promise<BlobExport> {
  const writer = new BlobArchiveWriter(true);
  try {
    const manifest = await writePodArchive(options, { sink: writer, spill: blobSpill });
    const blob = writer.blob();
    return { blob, archiveBytes: blob.size, manifest };
  } catch (error: unknown) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

/**
 * An archive in a Blob (a file the owner chose) as a source of entries: gzip or plain tar, read within the same limits
 * as the CLI's (entries, sizes, the expansion of its gzip).
 */
export function blobSource(blob: Blob, name: string): ArchiveSource {
  return {
    name,
    read: async (onEntry, limits = {}) => {
      const head = new Uint8Array(await blob.slice(0, 512).arrayBuffer());
      const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
      const ustar = head.length === 512 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar';
      if (!gzip && !ustar) throw notAnArchive(name);
      const guard = new EntryGuard(limits);
      const expansion = new ExpansionGuard(limits.maxRatio);
      try {
        const bytes = gzip ? gunzip(blob, expansion) : chunksOf(blob.stream());
        await readTar(bytes, (entry, type, size) => guard.check(entry, type, size), onEntry);
      } catch (error: unknown) {
        if (expansion.refused) throw expansion.refused;
        throw unreadable(name, guard.entries, error);
      }
    },
  };
}

async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
}

/** The decompressed bytes of a gzip Blob, refused past the expansion `guard` allows. */
async function* gunzip(blob: Blob, guard: ExpansionGuard): AsyncGenerator<Uint8Array> {
  const counted = blob.stream().pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        guard.compressed += chunk.length;
        controller.enqueue(chunk);
      },
    }),
  );
  const decompression = new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
  for await (const chunk of chunksOf(counted.pipeThrough(decompression))) {
    guard.expand(chunk.length);
    yield chunk;
  }
}

/** Checks an archive in a Blob without writing anything, as `hearth import` does first; answers its manifest. */
export async function verifyBlob(
  blob: Blob,
  name: string,
  options: ArchiveLimits & { onProgress?: ProgressListener } = {},
): Promise<Manifest> {
  return verifySource(blobSource(blob, name), options);
}

/** Imports an archive in a Blob into the owner's pod, as `hearth import` does: verified entirely first. */
export async function importPodFromBlob(blob: Blob, name: string, options: PodImportOptions): Promise<ImportResult> {
  return importFrom(blobSource(blob, name), options, {
    spill: async (stream) => {
      const parts = new BlobParts();
      for await (const chunk of stream) parts.add(chunk.slice());
      const held = parts.blob();
      return { body: async (type) => held.slice(0, held.size, type), release: async () => undefined };
    },
  });
}
