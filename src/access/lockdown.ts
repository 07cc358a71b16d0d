import { managerOnlyRootAcr, podIssuerOf } from './acr.js';
import { ensureAcr, ensurePrivateRecord, ensureProfileGuard, privateRecordUrls, type Guardian } from './private.js';
import { webClientIdOf } from './web.js';

/** What a lock-down changed (each false when it was already so). */
export interface LockReport {
  /** The root ACR: the owner only through the manager (and the web page, when on), with tokens of the pod's server. */
  root: boolean;
  /** The WebID profile document's ACR: nobody but the manager (and the page, when on) appends or writes it. */
  profile: boolean;
  /** Hearth's private records (created when missing) and their manager-only ACRs, by URL. */
  records: string[];
}

/** How a lock-down treats Hearth's web page. */
export interface LockOptions {
  /**
   * Admit the owner through Hearth's web page on the pod's server (`webClientIdOf(issuer)`) as through the manager:
   * a second rule on the root, the second exception of the WebID profile's and the private records' ACRs. Default
   * false: the pod is the manager's alone, as before the page, and rules for the page are taken away.
   */
  web?: boolean;
}

/**
 * Locks the pod to the manager: the root ACR gives the owner Read/Write/Control only through `managerClientId` and only
 * with tokens of the pod's own server; the WebID profile document can be written by nobody else; Hearth's private
 * records exist and are the manager's alone. With `web`, the owner through Hearth's web page on that server is let in
 * likewise. Writes only what differs, so it also brings an older pod up to date.
 * `fetch` must be authenticated as the owner with Control over the root (a new pod's template grants that).
 */
export async function lockPodToManager(
  fetchFn: typeof fetch,
  podUrl: string,
  webId: string,
  managerClientId: string,
  issuer = podIssuerOf(podUrl),
  options: LockOptions = {},
): Promise<LockReport> {
  const webClientId = options.web ? webClientIdOf(issuer) : undefined;
  const guardian: Guardian = {
    fetch: fetchFn,
    webId,
    managerClientId,
    issuer,
    ...(webClientId ? { webClientId } : {}),
  };
  const root = await ensureAcr(
    guardian,
    podUrl,
    managerOnlyRootAcr(podUrl, webId, managerClientId, issuer, webClientId),
  );
  const profile = await ensureProfileGuard(guardian);
  const records: string[] = [];
  for (const url of privateRecordUrls(podUrl)) if (await ensurePrivateRecord(guardian, url)) records.push(url);
  return { root, profile, records };
}
