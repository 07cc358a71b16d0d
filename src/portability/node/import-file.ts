// The Node face of import: an archive file verified and imported, its large entries held in a temporary folder.
import { createWriteStream, openAsBlob } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArchiveLimits, Manifest } from '../archive-format.js';
import {
  importFrom,
  verifySource,
  type ImportResult,
  type PodImportOptions,
  type SpilledEntry,
} from '../import-core.js';
import type { ProgressListener } from '../progress.js';
import { fileSource } from './archive-file.js';

/** What `importPod` needs. */
export interface ImportOptions extends PodImportOptions {
  /** The archive file. */
  file: string;
}

/**
 * Checks an archive file without writing anything: safe entry names, a valid manifest as the last entry, every entry
 * listed with the right size and SHA-256, nothing missing, nothing extra, and the whole archive within `ArchiveLimits`,
 * as it streams. Throws ArchiveError with the reason; answers the manifest.
 */
export async function verifyArchive(
  file: string,
  options: ArchiveLimits & { onProgress?: ProgressListener } = {},
): Promise<Manifest> {
  return verifySource(fileSource(file), options);
}

/**
 * Imports an archive file into a pod (see `importFrom`): verified entirely first, then every resource recreated with
 * the old pod's IRIs rewritten; entries past 1 MiB wait in a temporary folder until written.
 */
export async function importPod(options: ImportOptions): Promise<ImportResult> {
  const source = fileSource(options.file);
  let temp: string | undefined;
  let count = 0;
  try {
    return await importFrom(source, options, {
      spill: async (stream) => {
        temp ??= await mkdtemp(join(tmpdir(), 'hearth-import-'));
        return fileSpill(join(temp, `entry-${count++}`), stream);
      },
    });
  } finally {
    if (temp) await rm(temp, { recursive: true, force: true });
  }
}

async function fileSpill(path: string, stream: AsyncIterable<Uint8Array>): Promise<SpilledEntry> {
  const out = createWriteStream(path);
  try {
    for await (const chunk of stream) if (!out.write(chunk)) await once(out, 'drain');
  } finally {
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
  return {
    body: async (type) => (await openAsBlob(path, { type })) as unknown as BodyInit,
    release: () => rm(path, { force: true }),
  };
}
