// When each of the owner's apps last used the pod, as the pod server records it (src/server/app-use.ts): for every
// request the server authorizes with the owner's token through some client, the time, per client id. The server answers
// it at `GET <base>.hearth/app-use?pod=<pod>` to a caller with Control over the pod's root only (the owner through
// Hearth's manager or web page). Browser-clean: the web page reads it with its own fetch.
import { HearthError, httpErrorFor } from '../errors.js';
import { podIssuerOf } from './acr.js';

/** Path (from the server's base URL) where the server answers the record of an owner's app use. */
export const appUsePath = '.hearth/app-use';

/** Most client ids the server keeps per pod (the least recently used go first). */
export const maxAppUsesPerPod = 200;

/** How often, at most, the server writes the last use of one client on one pod, in ms (reads see it at once). */
export const appUseWriteIntervalMs = 60_000;

/** The last use of one client on one pod. */
export interface AppUse {
  /** The client id of the tokens used (an app's, Hearth's manager's, the web page's). */
  clientId: string;
  /** When (ISO date), to the second. */
  lastUsed: string;
}

/** What the server answers: the pod and its clients' last uses, the latest first. */
export interface AppUseRecord {
  /** The pod's URL. */
  pod: string;
  /** One entry per client id seen, the latest first. */
  uses: AppUse[];
}

/** The pod server does not record app use (a server without Hearth's hook answers 404 there). */
export class AppUseUnavailableError extends HearthError {
  constructor(server: string, options?: { cause?: unknown }) {
    super('APP_USE_UNAVAILABLE', `The pod server ${server} does not record when apps were last used.`, options);
  }
}

/** The URL of a pod's record of app use on its server. */
export function appUseUrlOf(podUrl: string): string {
  const url = new URL(appUsePath, podIssuerOf(podUrl));
  url.searchParams.set('pod', podUrl);
  return url.href;
}

/** Most bytes of the server's answer read: 200 entries of long client ids fit well within. */
const maxAnswerBytes = 1_048_576;

/**
 * Reads when each client last used the owner's pod, with the owner's fetch (the manager's or the web page's: nobody
 * else may read it). Answers client id → ISO date. A server that does not record it gives `AppUseUnavailableError`.
 */
export async function readAppUse(owner: { fetch: typeof fetch; podUrl: string }): Promise<Map<string, string>> {
  const url = appUseUrlOf(owner.podUrl);
  const response = await owner.fetch(url, { headers: { accept: 'application/json' } });
  if (response.status === 404 || response.status === 405) {
    await response.body?.cancel();
    throw new AppUseUnavailableError(podIssuerOf(owner.podUrl));
  }
  if (!response.ok) throw await httpErrorFor(response, 'Reading when your apps were last used');
  const text = await response.text();
  if (text.length > maxAnswerBytes) throw new HearthError('BAD_DATA', `${url} answered more than expected.`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error: unknown) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new AppUseUnavailableError(podIssuerOf(owner.podUrl), { cause: error });
  }
  const uses = new Map<string, string>();
  const listed = (json as { uses?: unknown } | null)?.uses;
  for (const use of Array.isArray(listed) ? listed.slice(0, maxAppUsesPerPod) : []) {
    const { clientId, lastUsed } = (use ?? {}) as Partial<Record<keyof AppUse, unknown>>;
    if (typeof clientId === 'string' && typeof lastUsed === 'string' && !Number.isNaN(Date.parse(lastUsed)))
      uses.set(clientId, lastUsed);
  }
  return uses;
}
