// The Node face of export: the pod into an archive file (written as `<out>.partial`, renamed once complete), large
// bodies and the outbox spooled through a temporary folder.
import { createWriteStream } from 'node:fs';
import { access, constants, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { FileError, InvalidInputError } from '../../errors.js';
import { fileError } from '../../files.js';
import type { Manifest, SpooledBody } from '../archive-format.js';
import { spoolBody as spoolInto, writePodArchive, type PodExportOptions, type Spill } from '../export-core.js';
import { outboxIdOf } from '../activitystreams.js';
import { ArchiveWriter } from './archive-file.js';
import { OutboxWriter } from './outbox-file.js';

/** What `exportPod` needs. */
export interface ExportOptions extends PodExportOptions {
  /** The manager's client id (`session.clientId`), recorded in the manifest. */
  managerClientId: string;
  /** The archive file to write. */
  out: string;
  /** Gzip the archive (default true). */
  gzip?: boolean;
  /** Also write the posts as an ActivityStreams 2.0 outbox (`outbox.jsonld`). */
  activityStreams?: boolean;
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

/**
 * Exports the whole pod into one archive file: every container, RDF document (as Turtle), binary (byte for byte)
 * and access control resource, walked breadth-first from the root, then a manifest with a SHA-256 per entry.
 * Streams: memory stays flat however large the pod is.
 */
export async function exportPod(options: ExportOptions): Promise<ExportResult> {
  const podUrl = options.podUrl.endsWith('/') ? options.podUrl : `${options.podUrl}/`;
  if (!options.out) throw new InvalidInputError('No archive file to write to.');
  await checkOutput(options.out, options.overwrite ?? true);
  const temp = await mkdtemp(join(tmpdir(), 'hearth-export-'));
  const partial = `${options.out}.partial`;
  const writer = ArchiveWriter.create(partial, options.gzip ?? true, options.out);
  let spoolCount = 0;
  try {
    const outbox = options.activityStreams
      ? await OutboxWriter.create(join(temp, 'outbox.jsonld'), options.webId, outboxIdOf(podUrl))
      : undefined;
    const manifest = await writePodArchive(options, {
      sink: writer,
      spill: () => fileSpill(join(temp, `body-${spoolCount++}`)),
      release: async (body) => {
        if (body.kind === 'file') await rm(body.path, { force: true });
      },
      ...(outbox ? { outbox } : {}),
    });
    await rename(partial, options.out);
    return { file: options.out, archiveBytes: (await stat(options.out)).size, manifest };
  } catch (error: unknown) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    await rm(partial, { force: true });
    throw error;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

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

/** A temporary file holding a large body. */
function fileSpill(path: string): Spill {
  const stream = createWriteStream(path);
  return {
    write: async (chunk) => {
      if (!stream.write(chunk)) await once(stream, 'drain');
    },
    end: async (size, sha256) => {
      await new Promise<void>((resolve, reject) =>
        stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
      return { kind: 'file', path, size, sha256 };
    },
    abort: () => stream.destroy(),
  };
}

/** Reads a response body, hashing it on the way; past 1 MiB it goes to a temporary file (`tempFile()`). */
export async function spoolBody(response: Response, tempFile: () => string): Promise<SpooledBody> {
  return spoolInto(response, () => fileSpill(tempFile()));
}
