import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import type { Manifest } from '../../src/index.js';

/** One entry of an archive with its bytes (test pods are small). */
export interface Entry {
  name: string;
  type: string;
  data: Buffer;
}

/** Every entry of an archive, in order. */
export async function readEntries(file: string): Promise<Entry[]> {
  const extract = tar.extract();
  const entries: Entry[] = [];
  const source = createReadStream(file);
  const head = (await readFile(file)).subarray(0, 2);
  const feeding =
    head[0] === 0x1f && head[1] === 0x8b
      ? pipeline(source, createGunzip(), extract as unknown as Writable)
      : pipeline(source, extract as unknown as Writable);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    entries.push({ name: entry.header.name, type: entry.header.type ?? 'file', data: Buffer.concat(chunks) });
  }
  await feeding;
  return entries;
}

/** Writes entries as an uncompressed tar. */
export async function writeEntries(file: string, entries: Entry[]): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createWriteStream(file));
  for (const entry of entries) {
    if (entry.type === 'directory') pack.entry({ name: entry.name, type: 'directory' });
    else pack.entry({ name: entry.name, size: entry.data.length }, entry.data);
  }
  pack.finalize();
  await done;
}

/**
 * Edits an archive as an attacker would: `edit` changes the entries and the manifest (labels included), then every
 * size and checksum of the manifest is recomputed, so the archive verifies. The manifest stays the last entry.
 */
export async function forgeArchive(
  from: string,
  to: string,
  edit: (entries: Entry[], manifest: Manifest) => void,
): Promise<void> {
  const all = await readEntries(from);
  const manifestEntry = all.find((e) => e.name === 'manifest.json')!;
  const manifest = JSON.parse(manifestEntry.data.toString('utf8')) as Manifest;
  const entries = all.filter((e) => e !== manifestEntry);
  edit(entries, manifest);
  for (const entry of entries) {
    let listed = manifest.entries.find((e) => e.name === entry.name);
    if (!listed) {
      listed = {
        name: entry.name,
        kind: entry.type === 'directory' ? 'container' : 'rdf',
        contentType: 'text/turtle',
        size: 0,
        sha256: '',
      };
      manifest.entries.push(listed);
    }
    listed.size = entry.type === 'directory' ? 0 : entry.data.length;
    listed.sha256 = createHash('sha256')
      .update(entry.type === 'directory' ? Buffer.alloc(0) : entry.data)
      .digest('hex');
  }
  manifest.bytes = manifest.entries.reduce((sum, e) => sum + e.size, 0);
  await writeEntries(to, [
    ...entries,
    { name: 'manifest.json', type: 'file', data: Buffer.from(JSON.stringify(manifest)) },
  ]);
}
