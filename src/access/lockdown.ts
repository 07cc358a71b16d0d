import { managerOnlyRootAcr, podIssuerOf } from './acr.js';
import { ensureAcr, ensurePrivateRecord, ensureProfileGuard, privateRecordUrls, type Guardian } from './private.js';

/** What a lock-down changed (each false when it was already so). */
export interface LockReport {
  /** The root ACR: the owner only through the manager, with tokens of the pod's server. */
  root: boolean;
  /** The WebID profile document's ACR: nobody but the manager appends or writes it. */
  profile: boolean;
  /** Hearth's private records (created when missing) and their manager-only ACRs, by URL. */
  records: string[];
}

/**
 * Locks the pod to the manager: the root ACR gives the owner Read/Write/Control only through `managerClientId` and only
 * with tokens of the pod's own server; the WebID profile document can be written by nobody else; Hearth's private
 * records exist and are the manager's alone. Writes only what differs, so it also brings an older pod up to date.
 * `fetch` must be authenticated as the owner with Control over the root (a new pod's template grants that).
 */
export async function lockPodToManager(fetchFn: typeof fetch, podUrl: string, webId: string, managerClientId: string,
  issuer = podIssuerOf(podUrl)): Promise<LockReport> {
  const guardian: Guardian = { fetch: fetchFn, webId, managerClientId, issuer };
  const root = await ensureAcr(guardian, podUrl, managerOnlyRootAcr(podUrl, webId, managerClientId, issuer));
  const profile = await ensureProfileGuard(guardian);
  const records: string[] = [];
  for (const url of privateRecordUrls(podUrl)) if (await ensurePrivateRecord(guardian, url)) records.push(url);
  return { root, profile, records };
}
