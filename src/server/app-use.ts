// When each app of a pod's owner last used the pod, recorded by the server and shown to the owner alone. Every request
// CSS authorizes with a token of a pod's owner (the agent is one of the pod's owners in CSS's pod store) through some
// client is noted in memory, (pod, client id) → time, off the request's path; each pair is written at most once a
// minute into CSS's own internal storage (`.internal/` of the data folder: the server's files, never a pod's), at most
// `maxAppUsesPerPod` clients per pod, the least recently used dropped. The record is answered at
// `GET <base>.hearth/app-use?pod=<pod>` only to a caller CSS gives Control over the pod's root: on a Hearth server,
// the owner through Hearth's manager or web page. Nobody can write it but the server; deleting the account removes it
// (its value names the owner's WebID, see account-deletion.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { appUsePath, appUseWriteIntervalMs, maxAppUsesPerPod, type AppUse } from '../access/app-use.js';
import type { ComponentGetter } from './notification-hooks.js';

/** Most (pod, agent, client) triples kept in memory; beyond it the least recently seen is forgotten. */
export const maxTrackedUses = 10_000;

/** Credentials as CSS's credentials extractor gives them. */
interface Credentials {
  agent?: { webId: string };
  client?: { clientId: string };
}

/** CSS's KeyValueStorage, as used here (JSON values by key, in `.internal/`). */
export interface UseStorage {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<unknown>;
  delete(key: string): Promise<unknown>;
}

/** CSS's PodStore, as used here. */
export interface PodOwners {
  findByBaseUrl(baseUrl: string): Promise<{ id: string } | undefined>;
  getOwners(id: string): Promise<{ webId: string }[] | undefined>;
}

/** One (pod, agent, client) seen: when last, and when last written. */
interface Seen {
  pod: string;
  webId: string;
  clientId: string;
  at: number;
  written: number;
}

/** What the record of one pod holds in storage. */
interface StoredUses {
  pod: string;
  /** The pod's owners when written: it names them, so that deleting the account removes it. */
  webIds: string[];
  uses: AppUse[];
}

/** CSS pod names: letters, digits, `_` and `-` (as missing-pod.ts). */
const podName = /^[\w-]{1,255}$/u;

/** Notes the owners' requests and keeps their record; see the top of this file. */
export class AppUseRecorder {
  private readonly seen = new Map<string, Seen>();
  private readonly dirty = new Set<string>();
  /** The owners of each pod written for, as CSS's pod store gave them (forgotten with the pod). */
  private readonly owners = new Map<string, string[]>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerDue = 0;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly storage: UseStorage,
    private readonly pods: PodOwners,
    private readonly options: { intervalMs?: number; batchMs?: number; onError?: (error: unknown) => void } = {},
  ) {}

  /** How many (pod, agent, client) triples are kept in memory now (at most `maxTrackedUses`). */
  get tracked(): number {
    return this.seen.size;
  }

  /** The pod a URL is in (`<base><name>/`), if it could be one. */
  podOf(url: string): string | undefined {
    if (!url.startsWith(this.baseUrl)) return undefined;
    const rest = url.slice(this.baseUrl.length);
    const slash = rest.indexOf('/');
    const name = rest.slice(0, slash);
    return slash > 0 && podName.test(name) ? `${this.baseUrl}${name}/` : undefined;
  }

  /** Notes a request CSS authorized for `credentials` on `targets` (URLs). Synchronous, cheap, never throws. */
  note(credentials: Credentials, targets: Iterable<string>): void {
    const webId = credentials.agent?.webId;
    const clientId = credentials.client?.clientId;
    if (!webId || !clientId || webId.length > 2000 || clientId.length > 2000) return;
    let pod: string | undefined;
    for (const target of targets) {
      pod = this.podOf(target);
      break;
    }
    if (!pod) return;
    // Once a pod's owners are known, nobody else's use takes a place in memory (a flood of them would push out the
    // owner's uses before they are written).
    if (this.owners.get(pod)?.includes(webId) === false) return;
    const key = `${pod}\n${webId}\n${clientId}`;
    const now = Date.now();
    const known = this.seen.get(key);
    if (known)
      this.seen.delete(key); // Map order is the order of use: the first entry is the least recent.
    else if (this.seen.size >= maxTrackedUses) {
      const oldest = this.seen.keys().next().value!;
      this.seen.delete(oldest);
      this.dirty.delete(oldest);
    }
    const entry: Seen = { pod, webId, clientId, at: now, written: known?.written ?? 0 };
    this.seen.set(key, entry);
    this.dirty.add(key);
    if (!this.flushing) this.arm(this.dueOf(entry, now), now);
  }

  /** The record of `pod` for its owner `webId`: what was written, with what was seen since. */
  async read(pod: string, webId: string): Promise<AppUse[]> {
    const stored = parseStored(await this.storage.get(storageKey(pod)));
    const uses = new Map((stored?.uses ?? []).map((use) => [use.clientId, use.lastUsed]));
    for (const entry of this.seen.values()) {
      if (entry.pod !== pod || entry.webId !== webId) continue;
      const at = new Date(entry.at).toISOString();
      if ((uses.get(entry.clientId) ?? '') < at) uses.set(entry.clientId, at);
    }
    return latestFirst(uses).slice(0, maxAppUsesPerPod);
  }

  /**
   * Forgets a deleted pod: what was seen of it in memory, and its record once any write under way has ended, so that
   * an account made later with the same pod name (and so the same WebID) never sees the old owner's apps.
   */
  async forget(pod: string): Promise<void> {
    this.owners.delete(pod);
    for (const [key, entry] of this.seen) {
      if (entry.pod !== pod) continue;
      this.seen.delete(key);
      this.dirty.delete(key);
    }
    while (this.flushing) await this.flushing;
    await this.storage.delete(storageKey(pod));
  }

  /**
   * Writes what is due now (the timer calls it; tests too), then sets the timer for what is due later. With `all`
   * (when the server stops), writes every use not written yet, however recent its last write.
   */
  async flush(options: { all?: boolean } = {}): Promise<void> {
    while (this.flushing) await this.flushing;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.write(options.all === true).finally(() => {
      this.flushing = undefined;
      this.rearm();
    });
    await this.flushing;
  }

  private get intervalMs(): number {
    return this.options.intervalMs ?? appUseWriteIntervalMs;
  }

  /** When a pair may be written: in `batchMs`, and not before a minute after its last write. */
  private dueOf(entry: Seen, now: number): number {
    return Math.max(entry.written + this.intervalMs, now + (this.options.batchMs ?? 1000));
  }

  /** Sets the timer for `due`, unless it is set for earlier. */
  private arm(due: number, now: number): void {
    if (this.timer && this.timerDue <= due) return;
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((error: unknown) => this.options.onError?.(error));
    }, due - now);
    this.timer.unref();
  }

  /** Sets the timer for the first pair due, if any is waiting. */
  private rearm(): void {
    const now = Date.now();
    let due = Infinity;
    for (const key of this.dirty) {
      const entry = this.seen.get(key);
      if (entry) due = Math.min(due, this.dueOf(entry, now));
    }
    if (due !== Infinity) this.arm(due, now);
  }

  /** Writes every pair due (with `all`, every pair not written), pod by pod, for the pods' owners only. */
  private async write(all: boolean): Promise<void> {
    const now = Date.now();
    const byPod = new Map<string, Seen[]>();
    for (const key of [...this.dirty]) {
      const entry = this.seen.get(key);
      if (!entry) this.dirty.delete(key);
      else if (all || now - entry.written >= this.intervalMs) {
        this.dirty.delete(key);
        entry.written = now; // Written, or found not to be the owner's: either way not asked again for a minute.
        byPod.set(entry.pod, [...(byPod.get(entry.pod) ?? []), entry]);
      }
    }
    for (const [pod, entries] of byPod) {
      try {
        await this.writePod(pod, entries);
      } catch (error: unknown) {
        // A storage failure loses these uses' times (until the next use); it must never reach a request.
        this.options.onError?.(error);
      }
    }
  }

  private async writePod(pod: string, entries: Seen[]): Promise<void> {
    const found = await this.pods.findByBaseUrl(pod);
    const owners = found ? ((await this.pods.getOwners(found.id)) ?? []).map((owner) => owner.webId) : [];
    if (found) this.owners.set(pod, owners);
    else this.owners.delete(pod);
    const mine = entries.filter((entry) => owners.includes(entry.webId));
    if (mine.length === 0) return;
    const key = storageKey(pod);
    const stored = parseStored(await this.storage.get(key));
    const uses = new Map((stored?.uses ?? []).map((use) => [use.clientId, use.lastUsed]));
    for (const entry of mine) {
      const at = new Date(entry.at).toISOString();
      if ((uses.get(entry.clientId) ?? '') < at) uses.set(entry.clientId, at);
    }
    const value: StoredUses = { pod, webIds: owners, uses: latestFirst(uses).slice(0, maxAppUsesPerPod) };
    await this.storage.set(key, value);
  }
}

/** The key of a pod's record in CSS's internal storage. */
function storageKey(pod: string): string {
  return `hearth/app-use/${pod.slice(0, -1).split('/').pop()!}`;
}

function latestFirst(uses: Map<string, string>): AppUse[] {
  return [...uses]
    .map(([clientId, lastUsed]) => ({ clientId, lastUsed }))
    .sort((a, b) => b.lastUsed.localeCompare(a.lastUsed) || a.clientId.localeCompare(b.clientId));
}

/** A stored record, if it is one (anything else in its place is ignored, then written over). */
function parseStored(value: unknown): StoredUses | undefined {
  const record = value as Partial<StoredUses> | undefined;
  if (!record || typeof record.pod !== 'string' || !Array.isArray(record.uses)) return undefined;
  const uses = record.uses.filter(
    (use): use is AppUse => typeof use?.clientId === 'string' && typeof use?.lastUsed === 'string',
  );
  return { pod: record.pod, webIds: Array.isArray(record.webIds) ? record.webIds : [], uses };
}

/** The parts of CSS the record's reader uses. */
export interface AppUseReaderComponents {
  credentialsExtractor: { handleSafe(request: IncomingMessage): Promise<Credentials> };
  permissionReader: {
    handleSafe(input: {
      credentials: unknown;
      requestedModes: unknown;
    }): Promise<{ get(id: { path: string }): Record<string, boolean> | undefined }>;
  };
  /** `new IdentifierSetMultiMap(entries)` from CSS. */
  accessMap: (entries: [{ path: string }, string][]) => unknown;
}

/** Answers `GET <base>.hearth/app-use?pod=<pod>` to whoever has Control over the pod's root, and nobody else. */
export class AppUseHandler {
  private readonly path: string;

  constructor(
    baseUrl: string,
    private readonly recorder: AppUseRecorder,
    private readonly components: AppUseReaderComponents,
  ) {
    this.path = new URL(appUsePath, baseUrl).pathname;
  }

  /** Takes only its own path; CSS's WaterfallHandler moves on to the next handler when this throws. */
  async canHandle({ request }: { request: IncomingMessage }): Promise<void> {
    if ((request.url ?? '').split('?')[0] !== this.path) throw new Error('Not the app use path');
  }

  /** Same as canHandle followed by handle. */
  async handleSafe(input: { request: IncomingMessage; response: ServerResponse }): Promise<void> {
    await this.canHandle(input);
    await this.handle(input);
  }

  /** Authorizes the caller and answers the record as JSON. */
  async handle({ request, response }: { request: IncomingMessage; response: ServerResponse }): Promise<void> {
    try {
      if (request.method !== 'GET') return answer(response, 405, { message: 'Use GET.' }, { allow: 'GET' });
      const credentials = await this.components.credentialsExtractor
        .handleSafe(request)
        .catch((error: unknown): Credentials => {
          // CSS refused the token (expired, forged, a DPoP proof that does not match): nobody is authenticated.
          if (isClientHttpError(error)) return {};
          throw error;
        });
      const webId = credentials.agent?.webId;
      if (!webId) return answer(response, 401, { message: 'Authenticate as the pod owner.' });
      const pod = new URL(request.url ?? '', 'http://x').searchParams.get('pod') ?? '';
      if (this.recorder.podOf(pod) !== pod) return answer(response, 400, { message: 'Name a pod: ?pod=<pod URL>.' });
      const permissions = await this.components.permissionReader.handleSafe({
        credentials,
        requestedModes: this.components.accessMap([[{ path: pod }, 'control']]),
      });
      if (!permissions.get({ path: pod })?.control)
        return answer(response, 403, { message: "Only the pod's owner, through Hearth, may read this." });
      answer(response, 200, { pod, uses: await this.recorder.read(pod, webId) });
    } catch (error: unknown) {
      answer(response, 500, {
        message: `Reading app use failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
}

/** CSS's Authorizer, as wrapped here. */
interface Authorizer {
  handle(input: { credentials: Credentials; requestedModes: { keys(): Iterable<{ path: string }> } }): Promise<void>;
}

/**
 * Installs the recorder: CSS's Authorizer notes every request it lets through (after it did), and the record's reader
 * goes first in CSS's `BaseHttpHandler`. Answers the recorder.
 */
export async function installAppUse(
  get: ComponentGetter,
  options: { baseUrl: string; accessMap: AppUseReaderComponents['accessMap']; onError?: (error: unknown) => void },
): Promise<AppUseRecorder> {
  const logger = (
    await get<{ createLogger(label: string): { warn(message: string): void } }>('LoggerFactory')
  ).createLogger('HearthAppUse');
  const onError =
    options.onError ??
    ((error: unknown) =>
      logger.warn(`Recording app use failed: ${error instanceof Error ? error.message : String(error)}`));
  const recorder = new AppUseRecorder(
    options.baseUrl,
    await get<UseStorage>('KeyValueStorage'),
    await get<PodOwners>('PodStore'),
    { onError },
  );
  const authorizer = await get<Authorizer>('Authorizer');
  const authorize = authorizer.handle.bind(authorizer);
  authorizer.handle = async (input) => {
    await authorize(input);
    const { credentials, requestedModes } = input;
    if (credentials.client) recorder.note(credentials, paths(requestedModes.keys()));
  };
  const handler = new AppUseHandler(options.baseUrl, recorder, {
    credentialsExtractor: await get('CredentialsExtractor'),
    permissionReader: await get('PermissionReader'),
    accessMap: options.accessMap,
  });
  (await get<{ handlers: unknown[] }>('BaseHttpHandler')).handlers.unshift(handler);
  return recorder;
}

function* paths(identifiers: Iterable<{ path: string }>): Iterable<string> {
  for (const identifier of identifiers) yield identifier.path;
}

/** Whether `error` is CSS's HttpError for a 4xx status: a refused request. */
function isClientHttpError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { statusCode, metadata } = error as { statusCode?: unknown; metadata?: unknown };
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 && Boolean(metadata);
}

function answer(response: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  response.end(JSON.stringify(json));
}
