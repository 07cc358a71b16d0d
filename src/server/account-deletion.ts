import { rm } from 'node:fs/promises';
import { accountDeletionPath } from '../account/endpoints.js';
import { webClientIdOf } from '../access/web.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The few CSS components the deletion handler uses, as instantiated by Components.js. */
export interface DeletionComponents {
  credentialsExtractor: {
    handleSafe: (request: IncomingMessage) => Promise<{ agent?: { webId: string }; client?: { clientId: string } }>;
  };
  permissionReader: {
    handleSafe: (input: {
      credentials: unknown;
      requestedModes: unknown;
    }) => Promise<{ get: (id: { path: string }) => Record<string, boolean> | undefined }>;
  };
  accountStorage: {
    find: (type: string, query: Record<string, string>) => Promise<Record<string, unknown>[]>;
    delete: (type: string, id: string) => Promise<void>;
  };
  podStore: { findPods: (accountId: string) => Promise<{ id: string; baseUrl: string }[]> };
  fileMapper: {
    mapUrlToFilePath: (identifier: { path: string }, isMetadata: boolean) => Promise<{ filePath: string }>;
  };
  /** CSS's storage of `.internal/` (`KeyValueStorage`): every record with its key, parsed. */
  internalStorage: { entries: () => AsyncIterable<[string, unknown]>; delete: (key: string) => Promise<boolean> };
  /** CSS's notification channel storage (`SubscriptionStorage`), which keeps its index by topic in step. */
  channelStorage: { delete: (id: string) => Promise<boolean> };
  /** `new IdentifierSetMultiMap(entries)` from CSS. */
  accessMap: (entries: [{ path: string }, string][]) => unknown;
  /** CSS's store of account logins (`css-account` cookies): the web page's deletions need a live one. */
  cookieStore?: { get: (cookie: string) => Promise<string | undefined> };
}

/** The value of CSS's account login cookie in a request's `Cookie` header, if any. */
function accountCookieOf(request: IncomingMessage): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === 'css-account') return decodeURIComponent(value.join('='));
  }
  return undefined;
}

interface HandlerInput {
  request: IncomingMessage;
  response: ServerResponse;
}

/**
 * Deletes an account and everything of it: CSS 7.2 has no account deletion. Answers
 * `POST <base>.hearth/delete-account` with JSON `{ "pod": "<pod URL>" }`, only for a caller with Control over
 * that pod's root, which on a Hearth server is the owner through Hearth's manager client and nobody else.
 * It removes the pod's files, the account (logins, client credentials, pod and WebID records, through CSS's
 * AccountStorage) and the records CSS keeps elsewhere for it (see {@link sweepRecords}): never another account's.
 */
export class AccountDeletionHandler {
  private readonly url: string;
  private readonly webClientId: string;

  /** `onPodDeleted` is told of every pod removed. */
  constructor(
    baseUrl: string,
    private readonly components: DeletionComponents,
    private readonly onPodDeleted: (baseUrl: string) => void = () => undefined,
  ) {
    this.url = new URL(accountDeletionPath, baseUrl).pathname;
    this.webClientId = webClientIdOf(baseUrl);
  }

  /** Takes only its own path; CSS's WaterfallHandler moves on to the next handler when this throws. */
  async canHandle({ request }: HandlerInput): Promise<void> {
    if ((request.url ?? '').split('?')[0] !== this.url) throw new Error('Not the account deletion path');
  }

  /** Same as canHandle followed by handle. */
  async handleSafe(input: HandlerInput): Promise<void> {
    await this.canHandle(input);
    await this.handle(input);
  }

  /** Authorizes the caller, deletes the account, answers JSON. */
  async handle({ request, response }: HandlerInput): Promise<void> {
    try {
      if (request.method !== 'POST') return answer(response, 405, { message: 'Use POST.' });
      const credentials = await this.components.credentialsExtractor
        .handleSafe(request)
        .catch((error: unknown): { agent?: { webId: string }; client?: { clientId: string } } => {
          // CSS refused the request's token (expired, forged, a DPoP proof that does not match): nobody is
          // authenticated. Anything else is a failure of the server's own, answered as one below.
          if (isClientHttpError(error)) return {};
          throw error;
        });
      const webId = credentials.agent?.webId;
      if (!webId) return answer(response, 401, { message: "Authenticate as the pod owner through Hearth's manager." });
      const pod = await readPodField(request);
      if (!pod) return answer(response, 400, { message: 'Send JSON { "pod": "<pod URL>" }.' });

      const linked = (await this.components.accountStorage.find('webIdLink', { webId }))[0]?.accountId;
      const accountId = typeof linked === 'string' ? linked : undefined;
      const pods = accountId ? await this.components.podStore.findPods(accountId) : [];
      const owned = pods.find((candidate) => candidate.baseUrl === pod);
      if (!accountId || !owned) return answer(response, 403, { message: `${webId} does not own ${pod}.` });

      const permissions = await this.components.permissionReader.handleSafe({
        credentials,
        requestedModes: this.components.accessMap([[{ path: pod }, 'control']]),
      });
      if (!permissions.get({ path: pod })?.control) {
        return answer(response, 403, {
          message: "Only the owner, through Hearth's manager client, may delete this account.",
        });
      }

      // Through the web page, its token is not enough: the browser must also be signed in to this very account on the
      // server's own pages (its password typed there recently), as the page asks before it deletes.
      if (credentials.client?.clientId === this.webClientId) {
        const cookie = accountCookieOf(request);
        const signedIn =
          cookie && this.components.cookieStore ? await this.components.cookieStore.get(cookie) : undefined;
        if (signedIn !== accountId) {
          return answer(response, 403, {
            message: "Sign in again on the server's own account page, then delete the account from the web page.",
          });
        }
      }

      const identity = await this.identityOf(accountId, webId);
      for (const { baseUrl } of pods) {
        const { filePath } = await this.components.fileMapper.mapUrlToFilePath({ path: baseUrl }, false);
        await rm(filePath, { recursive: true, force: true });
      }
      await this.components.accountStorage.delete('account', accountId);
      for (const { baseUrl } of pods) this.onPodDeleted(baseUrl);
      const swept = await sweepRecords(
        this.components,
        identity,
        pods.map((p) => p.baseUrl),
      );
      answer(response, 200, { deleted: pods.map((p) => p.baseUrl), webId, internalRecordsRemoved: swept });
    } catch (error: unknown) {
      answer(response, 500, {
        message: `Account deletion failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }

  /** What names the account in CSS's records: its id, every WebID linked to it, its logins' emails, its client ids. */
  private async identityOf(accountId: string, webId: string): Promise<Set<string>> {
    const field = async (type: string, name: string) =>
      (await this.components.accountStorage.find(type, { accountId }))
        .map((record) => record[name])
        .filter((value): value is string => typeof value === 'string' && value !== '');
    return new Set([
      accountId,
      webId,
      ...(await field('webIdLink', 'webId')),
      ...(await field('password', 'email')),
      ...(await field('clientCredentials', 'label')),
    ]);
  }
}

/**
 * Removes the records of CSS's `.internal/` storage that belong to the deleted account, besides its account record
 * (CSS's AccountStorage already removed that and its indexes): account tokens, password reset links, identity
 * provider state, ownership tokens, and the notification channels it subscribed, on its pods or sending into them.
 * A record belongs to it when one of its values, or its own name, *equals* one of `identity` (account id, WebIDs,
 * emails, client ids): never by a part of a text, so that deleting `a@x.org` leaves `ba@x.org` alone.
 */
async function sweepRecords(components: DeletionComponents, identity: Set<string>, pods: string[]): Promise<number> {
  const records: [string, unknown][] = [];
  for await (const entry of components.internalStorage.entries()) records.push(entry);
  let removed = 0;
  for (const [key, value] of records) {
    if (typeof key !== 'string' || keptAreas.some((area) => key.startsWith(area))) continue;
    if (key.startsWith('notifications/')) {
      // A channel record (a topic's list of channels is kept in step by the channel storage itself).
      if (!isChannel(value)) continue;
      if (names(value, identity) || [value.topic, value.sendTo].some((url) => pods.some((pod) => within(url, pod)))) {
        if (await components.channelStorage.delete(value.id)) removed += 1;
      }
    } else if (names(value, identity) || identity.has(decodeSafely(key.slice(key.lastIndexOf('/') + 1)))) {
      if (await components.internalStorage.delete(key)) removed += 1;
    }
  }
  return removed;
}

/** Areas of `.internal/` never swept: CSS's account records and indexes, the server's setup and keys. */
const keptAreas = ['accounts/data/', 'accounts/index/', 'setup/', 'idp/keys/'];

/** Whether `value`, or any value or field name inside it, equals one of `identity`. */
function names(value: unknown, identity: Set<string>): boolean {
  if (typeof value === 'string') return identity.has(value);
  if (Array.isArray(value)) return value.some((item) => names(item, identity));
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([field, inner]) => identity.has(field) || names(inner, identity));
  }
  return false;
}

function isChannel(value: unknown): value is { id: string; topic?: unknown; sendTo?: unknown } {
  return Boolean(value) && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string';
}

/** Whether `url` is the pod `pod` (ending in `/`) or a resource in it, once parsed and normalised. */
function within(url: unknown, pod: string): boolean {
  if (typeof url !== 'string') return false;
  try {
    const href = new URL(url).href;
    return href === pod || href.startsWith(pod);
  } catch (error: unknown) {
    if (!(error instanceof TypeError)) throw error;
    return false; // Not a URL: in no pod.
  }
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch (error: unknown) {
    if (!(error instanceof URIError)) throw error;
    return text; // Not percent-encoded after all: the name as it is.
  }
}

async function readPodField(request: IncomingMessage): Promise<string | undefined> {
  let body = '';
  for await (const chunk of request) {
    body += (chunk as Buffer).toString('utf8');
    if (body.length > 10_000) return undefined;
  }
  let json: { pod?: unknown } | null;
  try {
    json = JSON.parse(body) as { pod?: unknown } | null;
  } catch (error: unknown) {
    if (!(error instanceof SyntaxError)) throw error;
    return undefined; // Not JSON: answered as a request without a pod.
  }
  const pod = json?.pod;
  return typeof pod === 'string' ? pod : undefined;
}

/** Whether `error` is CSS's HttpError (as its `HttpError.isInstance` tells) for a 4xx status: a refused request. */
function isClientHttpError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { statusCode, metadata } = error as { statusCode?: unknown; metadata?: unknown };
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 && Boolean(metadata);
}

function answer(response: ServerResponse, status: number, json: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(json));
}
