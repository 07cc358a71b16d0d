// A cache of parsed access control resources (ACRs) for CSS's AcpReader, which otherwise reads and parses the ACR of
// the target and of every ancestor, through the whole locked store, on every request. An entry is used only while
//   - no write that could change an ACR went through CSS's backend store since it was read, nor is under way (every
//     write of an ACR, every delete and every create outside `.internal/` bumps a generation, before and after), and
//   - the ACR's file on disk has the inode, size, mtime and ctime it had when it was read (one `stat`), so that a
//     file written behind CSS's back (`hearth admin unlock-pod` renames a new root ACR in place, account deletion
//     removes folders) is read again at once.
// An entry is kept only when neither changed while it was being read. The cache lives in the server's one process.
import { stat } from 'node:fs/promises';

/** A resource identifier as CSS gives it. */
export interface Identifier {
  path: string;
}

/** The parts of CSS's AcpReader this cache wraps. */
export interface CachableAcpReader {
  readAcrData: (identifier: Identifier) => Promise<unknown>;
  acrStrategy: { getAuxiliaryIdentifier: (identifier: Identifier) => Identifier };
}

/** Where the file of an ACR is (CSS's FileIdentifierMapper: `mapUrlToFilePath(identifier, false)`). */
export type AcrLocator = (acr: Identifier) => Promise<string>;

interface Entry {
  data: unknown;
  generation: number;
  file: string;
  signature: string;
}

/** The most ACRs kept; past that the cache starts again empty. */
const maxEntries = 5_000;

/** What identifies one version of a file: its inode, size and times, or `missing`; undefined when it is unknown. */
async function signature(file: string): Promise<string | undefined> {
  try {
    const s = await stat(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (error: unknown) {
    return (error as { code?: string }).code === 'ENOENT' ? 'missing' : undefined;
  }
}

/** The cache: {@link install} it on the AcpReader, and run every write of the backend store through {@link write}. */
export class AcrCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  private writes = 0;

  constructor(private readonly locate: AcrLocator) {}

  /** Makes `reader` read its ACR data through this cache. */
  install(reader: CachableAcpReader): void {
    const read = reader.readAcrData.bind(reader);
    reader.readAcrData = async (identifier) =>
      this.read(identifier, reader.acrStrategy.getAuxiliaryIdentifier(identifier), read);
  }

  /** Runs a write of the store; `mayChangeAcrs` says whether it could change, create or delete an ACR. */
  async write<T>(mayChangeAcrs: boolean, run: () => Promise<T>): Promise<T> {
    if (!mayChangeAcrs) return run();
    this.writes += 1;
    this.forget();
    try {
      return await run();
    } finally {
      this.writes -= 1;
      this.forget();
    }
  }

  /** Drops every entry (after a change the store did not see, such as an account deletion). */
  forget(): void {
    this.generation += 1;
    this.entries.clear();
  }

  /** How many ACRs are cached. */
  get size(): number {
    return this.entries.size;
  }

  private quiet(generation: number): boolean {
    return this.writes === 0 && this.generation === generation;
  }

  private async read(
    subject: Identifier,
    acr: Identifier,
    source: (identifier: Identifier) => Promise<unknown>,
  ): Promise<unknown> {
    const entry = this.entries.get(acr.path);
    if (entry && this.quiet(entry.generation)) {
      const now = await signature(entry.file);
      if (now !== undefined && now === entry.signature && this.quiet(entry.generation)) return entry.data;
    }
    const generation = this.generation;
    const file = await this.locate(acr).catch(() => undefined);
    const before = file === undefined ? undefined : await signature(file);
    const data = await source(subject);
    if (file === undefined || before === undefined || !this.quiet(generation)) return data;
    if ((await signature(file)) !== before || !this.quiet(generation)) return data;
    if (this.entries.size >= maxEntries) this.entries.clear();
    this.entries.set(acr.path, { data, generation, file, signature: before });
    return data;
  }
}
