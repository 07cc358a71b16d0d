// Import, platform-neutral: verifies an archive read from an `ArchiveSource` (a file in Node, a Blob in a browser),
// then recreates its resources in the new pod with the owner's fetch. node/import-file.ts is the Node face.
import type { Quad } from 'n3';
import { recordFromQuads, recordToQuads, webPageOffIn, withWebPageOff, type GrantEntry } from '../access/record.js';
import { podIssuerOf } from '../access/acr.js';
import { writeAcrRules } from '../access/acr-rules.js';
import { appsRecordUrl, privateRecordUrls, profileDocumentOf } from '../access/private.js';
import { HearthError, NetworkError, httpErrorFor } from '../errors.js';
import { BadDataError, canonicalLines, parseTurtleBounded, sameGraph, serializeWithin } from '../rdf.js';
import { TaskPool } from '../social/deadline.js';
import { n3PatchBody } from '../social/patch.js';
import { DCT, HEARTH, LDP } from '../vocab.js';
import {
  ArchiveError,
  checkManifest,
  hashStream,
  manifestName,
  notAnArchive,
  outboxName,
  podPathOf,
  readAll,
  utf8,
  resourcesPrefix,
  urlInPod,
  type ArchiveEntry,
  type ArchiveLimits,
  type ArchiveSource,
  type EntryKind,
  type Manifest,
  type ManifestEntry,
} from './archive-format.js';
import { bytes, comparable, readRdfEntry, type RdfLimit, type RdfLimits } from './bounded-rdf.js';
import { throttled, type ProgressListener } from './progress.js';
import { containerMetadata, discard, serverManaged } from './export-core.js';
import {
  mergeProfile,
  portAcr,
  rewriteQuads,
  type AcrDestination,
  type DroppedClient,
  type IriMapping,
} from './rewrite.js';

export type { ArchiveLimits } from './archive-format.js';

/** Most refused statements or rules listed one by one for one entry; the others are counted. */
const maxListedPerEntry = 10;
/** Largest manifest read unless told otherwise (64 MiB: some 300,000 entries). */
const defaultMaxManifestBytes = 64 * 1024 ** 2;
/**
 * Largest RDF document read (and written) unless told otherwise: 16 MiB, far more than Hearth's own documents (a day of
 * posts, the records of grants and of followers, a container's metadata: kilobytes), and more than the triple limit
 * lets ordinary Turtle reach (some 100 bytes a triple).
 */
const defaultMaxRdfBytes = 16 * 1024 ** 2;
/**
 * Most triples read from one document unless told otherwise: a day of 10,000 posts, or a record of 30,000 followers and
 * likes.
 */
const defaultMaxTriples = 100_000;

/**
 * Checks an archive without writing anything: safe entry names, a valid manifest as the last entry, every entry listed
 * with the right size and SHA-256, nothing missing, nothing extra, and the whole archive within `ArchiveLimits`
 * (entries,
 * total bytes, expansion of its gzip, names, manifest), as it streams. Throws ArchiveError with the reason; answers the
 * manifest.
 */
export async function verifySource(
  source: ArchiveSource,
  options: ArchiveLimits & { onProgress?: ProgressListener } = {},
): Promise<Manifest> {
  const seen = new Map<string, { size: number; sha256: string; type: string }>();
  const maxManifestBytes = options.maxManifestBytes ?? defaultMaxManifestBytes;
  const progress = throttled(options.onProgress);
  let manifest: Manifest | undefined;
  let total = 0;
  let names = 0;
  await source.read(async (entry) => {
    if (manifest)
      throw new ArchiveError(
        `The archive has an entry after its manifest ("${entry.name.slice(0, 200)}"): ` +
          'it was changed after export; refused.',
      );
    if (entry.name === manifestName) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(utf8(await readAll(entry.stream, maxManifestBytes, 'The manifest')));
      } catch (error: unknown) {
        if (error instanceof HearthError) throw error;
        throw new ArchiveError("The archive's manifest is not valid JSON: the archive is damaged.");
      }
      manifest = checkManifest(parsed);
      return;
    }
    // A Hearth archive starts with its pod's root, `resources/`: a tar of anything else is not one, whatever it
    // holds.
    if (seen.size === 0 && !entry.name.startsWith(resourcesPrefix)) throw notAnArchive(source.name);
    if (entry.name !== outboxName) podPathOf(entry.name);
    if (seen.has(entry.name)) throw new ArchiveError(`The archive holds "${entry.name.slice(0, 200)}" twice; refused.`);
    // The manifest lists every name: names longer in all than it may be are refused before they fill memory.
    names += entry.name.length;
    if (names > maxManifestBytes)
      throw new ArchiveError(
        `The archive's entry names take more than ${bytes(maxManifestBytes)}, ` +
          'more than its manifest may hold; refused.',
      );
    const { size, sha256 } = await hashStream(entry.stream);
    total += size;
    seen.set(entry.name, { size, sha256, type: entry.type });
    progress.report({ phase: 'verify', done: seen.size, bytes: total });
  }, options);
  if (!manifest) {
    throw seen.size === 0
      ? notAnArchive(source.name)
      : new ArchiveError('The archive has no manifest: it is incomplete (cut short?) or not a Hearth pod archive.');
  }
  const listed = new Set<string>();
  for (const entry of manifest.entries) {
    const found = seen.get(entry.name);
    if (!found)
      throw new ArchiveError(
        `The archive is damaged: "${entry.name.slice(0, 200)}" is listed in the manifest but missing.`,
      );
    if (found.size !== entry.size || found.sha256 !== entry.sha256) {
      throw new ArchiveError(
        `The archive is damaged: the checksum of "${entry.name.slice(0, 200)}" does not match its manifest. ` +
          'Nothing was imported.',
      );
    }
    if ((entry.kind === 'container') !== (found.type === 'directory'))
      throw new ArchiveError(`The archive is damaged: "${entry.name.slice(0, 200)}" has the wrong type.`);
    listed.add(entry.name);
  }
  for (const name of seen.keys()) {
    if (!listed.has(name))
      throw new ArchiveError(`The archive holds "${name.slice(0, 200)}", which its manifest does not list: refused.`);
  }
  progress.flush();
  return manifest;
}

/** What an import needs, whatever the archive is read from. */
export interface PodImportOptions extends ArchiveLimits {
  /** The new pod's manager fetch (Read, Write and Control over the whole pod), or its owner's web page's. */
  fetch: typeof fetch;
  /** Base URL of the pod to import into. */
  podUrl: string;
  /** Its owner's WebID. */
  webId: string;
  /** The new pod's manager client id: it takes the old manager's place in the ACRs that name it. */
  managerClientId: string;
  /** The issuer of the owner's tokens that imported grants accept (default: the new pod's server). */
  issuer?: string;
  /** Parallel requests (default 4). */
  concurrency?: number;
  /** Called as the import goes on. */
  onProgress?: ProgressListener;
}

/** An app whose grants could not be recreated: it logs in with a client credential of the old server. */
export interface AppNeedingCredential {
  /** The app's old client id. */
  clientId: string;
  /** Its name in the grants record, when it was recorded. */
  name?: string;
  /** Its grants, with containers of the new pod. */
  grants: { container: string; modes: string[] }[];
}

/** What an import did. */
export interface ImportResult {
  /** The archive's manifest. */
  manifest: Manifest;
  /** Resources (and ACRs) written. */
  written: number;
  /** Resources already there with the same content (a second import writes nothing). */
  unchanged: number;
  /** Entries not imported on purpose (the old root ACR, the outbox). */
  skipped: number;
  /** Bytes read from the archive. */
  bytes: number;
  /** Apps whose grants need a new client credential on this server (`hearth apps add`, then grant again). */
  appsNeedingCredential: AppNeedingCredential[];
  /** Access rules of the archive that were not imported: they would give more than Hearth ever gives. */
  refusedPolicies: { acr: string; policy: string; reason: string }[];
  /**
   * Entries (or statements of metadata) not imported, and why: not Turtle where Turtle must be, not a place Hearth
   * writes,
   * past a limit of one document (`limit` names it: importing again with it raised takes the entry).
   */
  refusedEntries: { entry: string; reason: string; limit?: 'maxTriples' | 'maxRdfBytes' }[];
}

/**
 * Imports an archive into a pod: verifies it entirely first (nothing is written from a damaged archive), then recreates
 * every resource with the old pod's IRIs rewritten to the new pod's (and the old WebID to the new one). Binaries are
 * written byte for byte, the profile is merged, the new pod's root ACR is kept. Idempotent: what is already there is
 * not written again. Memory stays bounded whatever the archive holds: an RDF document past `maxRdfBytes` or
 * `maxTriples`
 * (or larger than `maxRdfBytes` once rewritten) is not imported but listed in `refusedEntries`, and the documents
 * waiting to be written hold at most `maxTriples` triples together.
 */
export async function importFrom(
  source: ArchiveSource,
  options: PodImportOptions,
  platform: ImportPlatform,
): Promise<ImportResult> {
  const manifest = await verifySource(source, options);
  const run = new PodImport(options, manifest, platform);
  try {
    await source.read((entry) => run.importEntry(entry), options);
    await run.pool.drain();
  } finally {
    await run.pool.settle();
  }
  return run.finish();
}

/** Holds an entry past 1 MiB until it is written: a temporary file in Node, a Blob in a browser. */
export interface ImportPlatform {
  /** Keeps the entry's bytes; answers them as a request body, and how to free them. */
  spill(stream: AsyncIterable<Uint8Array>): Promise<SpilledEntry>;
}

/** A large entry held until it is written. */
export interface SpilledEntry {
  /** Its bytes as a request body of type `type`. */
  body(type: string): Promise<BodyInit>;
  /** Frees it. */
  release(): Promise<void>;
}

/** What an entry of the archive is, as `entryRole` tells from its URL in the new pod. */
type EntryRole = ReturnType<typeof entryRole>;

/** One import under way: what it knows of the archive and the new pod, what it did so far, and its writes in flight. */
class PodImport {
  readonly result: ImportResult;
  /**
   * Writes run `concurrency` wide; an ACR waits for its resource, a container for everything before it. The triples of
   * the documents in flight stay within `maxTriples` together (one larger document goes alone): memory does not grow.
   */
  readonly pool: TaskPool;
  private readonly podUrl: string;
  private readonly mapping: IriMapping;
  private readonly sameOwner: boolean;
  private readonly byName: Map<string, ManifestEntry>;
  private readonly limits: RdfLimits;
  private readonly progress: ReturnType<typeof throttled>;
  private readonly profileDoc: string;
  private readonly record: string;
  private readonly records: string[];
  /** The resources whose ACRs keep the rules the new pod's lock-down gave them (root, WebID profile, records). */
  private readonly protectedAcrs: Set<string>;
  private readonly destination: AcrDestination;
  private readonly droppedByAcr = new Map<
    string,
    { clientId: string; grants: { container: string; modes: string[] }[] }
  >();
  /** What each container held before the import: a resource its container did not list is written unread. */
  private readonly present = new Map<string, Set<string>>();
  private readonly tooLargeWritten: string;
  private done = 0;

  constructor(
    private readonly options: PodImportOptions,
    private readonly manifest: Manifest,
    private readonly platform: ImportPlatform,
  ) {
    const podUrl = options.podUrl.endsWith('/') ? options.podUrl : `${options.podUrl}/`;
    this.podUrl = podUrl;
    this.mapping = { oldPod: manifest.podUrl, newPod: podUrl, oldWebId: manifest.webId, newWebId: options.webId };
    this.sameOwner = manifest.podUrl === podUrl && manifest.webId === options.webId;
    this.byName = new Map(manifest.entries.map((entry) => [entry.name, entry]));
    this.limits = {
      maxRdfBytes: options.maxRdfBytes ?? defaultMaxRdfBytes,
      maxTriples: options.maxTriples ?? defaultMaxTriples,
    };
    this.pool = new TaskPool(Math.max(1, Math.min(options.concurrency ?? 4, 16)), this.limits.maxTriples);
    this.progress = throttled(options.onProgress);
    this.profileDoc = profileDocumentOf(options.webId);
    this.record = appsRecordUrl(podUrl);
    this.records = privateRecordUrls(podUrl);
    this.protectedAcrs = new Set([podUrl, this.profileDoc, ...this.records]);
    this.destination = {
      podUrl,
      webId: options.webId,
      managerClientId: options.managerClientId,
      issuer: options.issuer ?? podIssuerOf(podUrl),
      sameOwner: this.sameOwner,
      oldIssuer: podIssuerOf(manifest.podUrl),
      ...(manifest.managerClientId ? { oldManagerClientId: manifest.managerClientId } : {}),
    };
    this.result = {
      manifest,
      written: 0,
      unchanged: 0,
      skipped: 0,
      bytes: 0,
      appsNeedingCredential: [],
      refusedPolicies: [],
      refusedEntries: [],
    };
    this.tooLargeWritten =
      `rewritten for the new pod it would be larger than ${bytes(this.limits.maxRdfBytes)}, ` +
      'the most Hearth writes of one document';
  }

  /** Deals with one entry of the archive: written now (containers), handed to the pool, skipped or refused. */
  async importEntry(entry: ArchiveEntry): Promise<void> {
    this.pool.check();
    const listed = this.byName.get(entry.name);
    if (entry.name === manifestName) return;
    if (!listed)
      throw new ArchiveError(`The archive changed while it was being imported ("${entry.name.slice(0, 200)}").`);
    this.result.bytes += entry.size;
    if (listed.kind === 'outbox') return this.skip(); // The outbox is a copy of the posts.
    const url = urlInPod(this.podUrl, entry.name);
    // What an entry is comes from its URL, whatever the manifest labels it: an ACR, metadata, the profile or a record
    // of Hearth's labelled "binary" would otherwise be written as given.
    const role = entryRole(url, listed.kind, this.profileDoc, this.records);
    if (role === 'container') return this.importContainer(url);
    if (typeof role === 'object') {
      this.refuse(entry.name, role.refused);
      return this.step();
    }
    if (role === 'binary') return this.importBinary(entry, listed, url);
    // The root, the WebID profile and Hearth's records keep the rules the new pod's lock-down gave them.
    if (role === 'acr' && this.protectedAcrs.has(url.slice(0, -'.acr'.length))) return this.skip();
    const oldUrl = urlInPod(this.manifest.podUrl, entry.name);
    const read = await readRdfEntry(
      entry.stream,
      entry.size,
      role === 'meta' ? oldUrl.slice(0, -'.meta'.length) : oldUrl,
      this.limits,
    );
    if ('refused' in read) {
      this.refuse(entry.name, read.refused, read.limit);
      return this.step();
    }
    if (role === 'meta') return this.importMetadata(entry.name, url, read.quads);
    if (role === 'acr') return this.importAcr(entry.name, url, read.quads);
    return this.importDocument(entry.name, url, role, read.quads);
  }

  /** The import's result, once every entry is dealt with. */
  finish(): ImportResult {
    for (const [clientId, dropped] of this.droppedByAcr) {
      if (!this.result.appsNeedingCredential.some((app) => app.clientId === clientId)) {
        this.result.appsNeedingCredential.push({ clientId, grants: dropped.grants });
      }
    }
    this.progress.flush();
    return this.result;
  }

  /** A container: written once everything before it is, and what it already holds noted. */
  private async importContainer(url: string): Promise<void> {
    await this.pool.drain();
    const { created, children } = await ensureContainer(this.options.fetch, url, this.limits);
    if (url !== this.podUrl) this.count(created);
    if (children) this.present.set(url, children);
    this.step();
  }

  /** A file, byte for byte: kept in memory or spooled to a temporary file until written. */
  private async importBinary(entry: ArchiveEntry, listed: ManifestEntry, url: string): Promise<void> {
    const body =
      entry.size <= 1024 * 1024
        ? await readAll(entry.stream, Math.max(entry.size, 1), 'An archive entry')
        : await this.platform.spill(entry.stream);
    await this.pool.start(url, async () => {
      try {
        this.count(await putBinary(this.options.fetch, url, listed, body, this.absent(url)));
      } finally {
        if (!(body instanceof Uint8Array)) await body.release();
      }
      this.step();
    });
  }

  /** A container's metadata: only what its allow-list takes, added once the container is there. */
  private async importMetadata(name: string, url: string, quads: Quad[]): Promise<void> {
    const container = url.slice(0, -'.meta'.length);
    await this.pool.start(
      url,
      async () => {
        const { kept, refused } = portableMetadata(rewriteQuads(quads, this.mapping), container, this.podUrl);
        for (const statement of refused.slice(0, maxListedPerEntry))
          this.refuse(name, `a statement Hearth never writes in metadata (${statement})`);
        if (refused.length > maxListedPerEntry)
          this.refuse(name, `${refused.length - maxListedPerEntry} more statements Hearth never writes in metadata`);
        this.written(name, await addContainerMetadata(this.options.fetch, container, this.podUrl, kept, this.limits));
      },
      { after: container, weight: quads.length },
    );
  }

  /** An ACR: an archive is a file anyone could have edited, so only the rules Hearth itself writes are imported. */
  private async importAcr(name: string, url: string, quads: Quad[]): Promise<void> {
    const resourceUrl = url.slice(0, -'.acr'.length);
    await this.pool.start(
      url,
      async () => {
        const ported = portAcr(rewriteQuads(quads, this.mapping), resourceUrl, this.destination);
        noteDropped(this.droppedByAcr, ported.dropped, resourceUrl);
        for (const { policy, reason } of ported.refused.slice(0, maxListedPerEntry))
          this.result.refusedPolicies.push({ acr: url, policy, reason });
        if (ported.refused.length > maxListedPerEntry) {
          this.result.refusedPolicies.push({
            acr: url,
            policy: `${ported.refused.length - maxListedPerEntry} more rules`,
            reason: 'not listed one by one',
          });
        }
        this.written(
          name,
          await putRdf(
            this.options.fetch,
            url,
            writeAcrRules(resourceUrl, ported.rules, this.destination),
            this.limits,
          ),
        );
      },
      { after: resourceUrl, weight: quads.length },
    );
  }

  /**
   * An RDF document, rewritten for the new pod: the profile merged with the new one, the grants record made portable.
   */
  private async importDocument(name: string, url: string, role: EntryRole, quads: Quad[]): Promise<void> {
    await this.pool.start(
      url,
      async () => {
        let rewritten = rewriteQuads(quads, this.mapping);
        if (role === 'profile') {
          const current = await getRdf(this.options.fetch, url, this.limits);
          if (current === 'unreadable') {
            this.refuse(name, "the new pod's profile could not be read to merge it with");
            return this.step();
          }
          rewritten = mergeProfile(rewritten, current ?? [], this.options.webId);
        } else if (url === this.record) {
          // Whether Hearth's web page is on is the new pod's own choice, as its access rules are: never the archive's.
          const current = await getRdf(this.options.fetch, url, this.limits);
          if (current === 'unreadable') {
            this.refuse(name, "the new pod's record of apps could not be read to keep its choice of the web page");
            return this.step();
          }
          if (!this.sameOwner) rewritten = keepPortableApps(rewritten, this.record, this.result);
          // Where a credential lives is asked of the account API itself, never taken from an archive: anyone can write
          // a manifest naming this pod and this WebID, and a revoke would send the account's token there.
          rewritten = rewritten.filter((q) => q.predicate.value !== `${HEARTH}credentialResource`);
          rewritten = withWebPageOff(rewritten, url, webPageOffIn(current ?? [], url));
        }
        this.written(
          name,
          await putRdf(this.options.fetch, url, rewritten, this.limits, this.absent(url) && role !== 'profile'),
        );
      },
      { weight: quads.length },
    );
  }

  /** Whether `url` is known not to exist: its container was listed before the import and did not hold it. */
  private absent(url: string): boolean {
    return this.present.get(url.slice(0, url.lastIndexOf('/', url.length - 2) + 1))?.has(url) === false;
  }

  /**
   * Every entry counts once it is dealt with, whatever happened to it (written, already there, skipped, refused): the
   * progress ends at n of n.
   */
  private step(): void {
    this.done += 1;
    this.progress.report({
      phase: 'import',
      done: this.done,
      total: this.manifest.entries.length,
      bytes: this.result.bytes,
    });
  }

  private skip(): void {
    this.result.skipped += 1;
    this.step();
  }

  private count(changed: boolean): void {
    if (changed) this.result.written += 1;
    else this.result.unchanged += 1;
  }

  /** Counts what a write did, or refuses the entry when it would have been too large; the entry is dealt with. */
  private written(name: string, changed: boolean | 'too large'): void {
    if (changed === 'too large') this.refuse(name, this.tooLargeWritten, 'maxRdfBytes');
    else this.count(changed);
    this.step();
  }

  private refuse(entry: string, reason: string, limit?: RdfLimit): void {
    this.result.refusedEntries.push({ entry, reason, ...(limit ? { limit } : {}) });
  }
}

/**
 * The role of an archive entry, from its URL in the new pod (never from the manifest's label alone): `acr` and `meta`
 * for
 * auxiliary resources, `profile` for the WebID profile document, `rdf` for Hearth's records (they must be Turtle), the
 * label otherwise; `{ refused }` for what cannot be a resource (an auxiliary resource holding others).
 */
function entryRole(
  url: string,
  labelled: EntryKind,
  profileDoc: string,
  records: readonly string[],
): 'container' | 'acr' | 'meta' | 'profile' | 'rdf' | 'binary' | { refused: string } {
  // The server decodes each path segment before it decides what a URL is (`%2Eacr` is `.acr`).
  const segments = new URL(url).pathname.split('/').map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch (error: unknown) {
      if (!(error instanceof URIError)) throw error;
      return segment; // Not percent-encoding the server could decode either: it keeps the segment as it is.
    }
  });
  const container = url.endsWith('/');
  const last = container ? (segments.at(-2) ?? '') : (segments.at(-1) ?? '');
  const auxiliary = (segment: string) => segment.endsWith('.acr') || segment.endsWith('.meta');
  if (segments.slice(0, container ? -2 : -1).some(auxiliary) || (container && auxiliary(last))) {
    return { refused: 'an access control or metadata resource cannot contain others' };
  }
  if (container) return 'container';
  const raw = url.slice(url.lastIndexOf('/') + 1);
  if (auxiliary(last) && !auxiliary(raw))
    return { refused: 'an access control or metadata resource under an encoded name' };
  if (last.endsWith('.acr')) return 'acr';
  if (last.endsWith('.meta')) return 'meta';
  if (url === profileDoc) return 'profile';
  if (records.includes(url)) return 'rdf';
  return labelled === 'binary' ? 'binary' : 'rdf';
}

/**
 * What a container's metadata may bring along: descriptions of the container itself (Dublin Core terms, labels and
 * comments), nothing the server, access or discovery depends on (types, storage, ACP, LDP, Solid terms).
 */
const metadataAllowList = {
  namespaces: [DCT, 'http://purl.org/dc/elements/1.1/'],
  predicates: new Set(['http://www.w3.org/2000/01/rdf-schema#label', 'http://www.w3.org/2000/01/rdf-schema#comment']),
};

/**
 * Splits imported container metadata into what Hearth takes (its allow-list) and what it refuses (as N-Triples-like
 * text).
 * What the server states itself (`serverManaged`: an older Hearth exported the root's `pim:Storage` type) is neither:
 * the
 * new pod's server states it again, so it is dropped without a word.
 */
function portableMetadata(
  quads: readonly Quad[],
  container: string,
  podUrl: string,
): { kept: Quad[]; refused: string[] } {
  const kept: Quad[] = [];
  const refused: string[] = [];
  for (const q of quads) {
    if (!container.endsWith('/') || q.subject.value !== container) continue; // Not about the container: never imported.
    if (serverManaged(q, container === podUrl)) continue;
    const described =
      metadataAllowList.predicates.has(q.predicate.value) ||
      metadataAllowList.namespaces.some((ns) => q.predicate.value.startsWith(ns));
    if (described && q.object.termType !== 'BlankNode') kept.push(q);
    else
      refused.push(
        `<${q.predicate.value}> ` +
          (q.object.termType === 'Literal' ? JSON.stringify(q.object.value.slice(0, 80)) : `<${q.object.value}>`),
      );
  }
  return { kept, refused };
}

/** Removes client-credential apps from the grants record (their ids are worthless here) and reports them. */
function keepPortableApps(quads: Quad[], url: string, result: ImportResult): Quad[] {
  const apps = recordFromQuads(quads);
  const portable = apps.filter((app) => app.kind === 'client-id-document');
  for (const app of apps.filter((a) => a.kind !== 'client-id-document')) {
    result.appsNeedingCredential.push({
      clientId: app.id,
      name: app.name,
      grants: app.grants.map((grant: GrantEntry) => ({ container: grant.container, modes: grant.modes })),
    });
  }
  return portable.length === apps.length ? quads : recordToQuads(url, portable);
}

function noteDropped(
  into: Map<string, { clientId: string; grants: { container: string; modes: string[] }[] }>,
  dropped: DroppedClient[],
  container: string,
): void {
  for (const client of dropped) {
    const known = into.get(client.clientId) ?? { clientId: client.clientId, grants: [] };
    known.grants.push({ container, modes: client.modes.map((mode) => mode.toLowerCase()) });
    into.set(client.clientId, known);
  }
}

/**
 * Creates a container unless it is there; answers whether it was created, and what it already contained (undefined when
 * its listing is too large to read: then nothing is known absent).
 */
async function ensureContainer(
  fetchFn: typeof fetch,
  url: string,
  limits: RdfLimits,
): Promise<{ created: boolean; children?: Set<string> }> {
  const listing = await getRdf(fetchFn, url, limits);
  if (listing === 'unreadable') return { created: false };
  if (listing) {
    return {
      created: false,
      children: new Set(
        listing
          .filter((q) => q.subject.value === url && q.predicate.value === `${LDP}contains`)
          .map((q) => q.object.value),
      ),
    };
  }
  const put = await request(fetchFn, url, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: '' });
  if (!put.ok && put.status !== 409) throw await httpErrorFor(put, `Creating ${url}`);
  await discard(put);
  return { created: put.ok, children: new Set() };
}

/**
 * Adds a container's own metadata (an N3 Patch of its `.meta`) unless it is there; answers whether it wrote, or
 * `too large` when the patch would be larger than `maxRdfBytes`.
 */
async function addContainerMetadata(
  fetchFn: typeof fetch,
  container: string,
  podUrl: string,
  quads: Quad[],
  limits: RdfLimits,
): Promise<boolean | 'too large'> {
  const current = await getRdf(fetchFn, container, limits);
  // What is imported has no blank nodes: only the statements without any can be the same (and are compared in linear
  // time).
  const named = containerMetadata(current === 'unreadable' ? [] : (current ?? []), container, podUrl).filter(
    (q) => q.subject.termType !== 'BlankNode' && q.object.termType !== 'BlankNode',
  );
  const have = new Set(canonicalLines(named));
  const missing = quads.filter((q) => q.subject.value === container && !have.has(canonicalLines([q])[0]!));
  if (missing.length === 0) return false;
  const patch = n3PatchBody({ inserts: missing }, limits.maxRdfBytes);
  if (patch === undefined) return 'too large';
  const response = await request(fetchFn, `${container}.meta`, {
    method: 'PATCH',
    headers: { 'content-type': 'text/n3' },
    body: patch,
  });
  if (!response.ok) throw await httpErrorFor(response, `Writing the metadata of ${container}`);
  await discard(response);
  return true;
}

/**
 * The quads of an RDF resource of the new pod, undefined when it does not exist, `unreadable` when it is not Turtle or
 * larger than the limits (an app with a grant may have written it: it is read within the archive's limits).
 */
async function getRdf(
  fetchFn: typeof fetch,
  url: string,
  limits: RdfLimits,
): Promise<Quad[] | undefined | 'unreadable'> {
  const response = await request(fetchFn, url, { headers: { accept: 'text/turtle' } });
  if (response.status === 404) {
    await discard(response);
    return undefined;
  }
  if (!response.ok) throw await httpErrorFor(response, `Reading ${url}`);
  const text = await readText(response, limits.maxRdfBytes);
  if (text === undefined) return 'unreadable';
  try {
    return await parseTurtleBounded(text, url, { maxTriples: limits.maxTriples });
  } catch (error: unknown) {
    if (error instanceof BadDataError) return 'unreadable';
    throw error;
  }
}

/** A response's body as text, or undefined (the rest read and dropped) past `maxBytes`. */
async function readText(response: Response, maxBytes: number): Promise<string | undefined> {
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return '';
  try {
    return utf8(
      await readAll(response.body as unknown as AsyncIterable<Uint8Array>, maxBytes, 'A document of the pod'),
    );
  } catch (error: unknown) {
    if (error instanceof ArchiveError) return undefined; // Reading stopped there: the body was cancelled with the read.
    throw new NetworkError(response.url, error);
  }
}

/**
 * Writes an RDF document unless the same graph is already there (not read when known `absent`); answers whether it
 * wrote,
 * or `too large` (nothing written) when it would be larger than `maxRdfBytes` as Turtle.
 */
async function putRdf(
  fetchFn: typeof fetch,
  url: string,
  quads: Quad[],
  limits: RdfLimits,
  absent = false,
): Promise<boolean | 'too large'> {
  const body = serializeWithin(quads, limits.maxRdfBytes);
  if (body === undefined) return 'too large';
  const current = absent ? undefined : await getRdf(fetchFn, url, limits);
  if (current && current !== 'unreadable' && comparable(current, quads) && sameGraph(current, quads)) return false;
  const response = await request(fetchFn, url, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body });
  if (!response.ok) throw await httpErrorFor(response, `Writing ${url}`);
  await discard(response);
  return true;
}

/**
 * Writes a binary byte for byte unless the same bytes are there (not read when known `absent`); answers whether it
 * wrote.
 */
async function putBinary(
  fetchFn: typeof fetch,
  url: string,
  entry: ManifestEntry,
  body: Uint8Array | SpilledEntry,
  absent = false,
): Promise<boolean> {
  const current = absent ? undefined : await request(fetchFn, url, { headers: { accept: entry.contentType } });
  if (!current) {
    // Known not to be there.
  } else if (current.ok) {
    const { sha256 } = await hashStream(current.body as unknown as AsyncIterable<Uint8Array>);
    const type = (current.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (sha256 === entry.sha256 && type === entry.contentType) return false;
  } else {
    await discard(current);
  }
  const data: BodyInit =
    body instanceof Uint8Array ? (body as Uint8Array<ArrayBuffer>) : await body.body(entry.contentType);
  const response = await request(fetchFn, url, {
    method: 'PUT',
    headers: { 'content-type': entry.contentType },
    body: data,
  });
  if (!response.ok) throw await httpErrorFor(response, `Writing ${url}`);
  await discard(response);
  return true;
}

async function request(fetchFn: typeof fetch, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetchFn(url, init);
  } catch (error: unknown) {
    throw new NetworkError(url, error);
  }
}
