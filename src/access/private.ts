import type { Quad } from 'n3';
import { httpErrorFor } from '../errors.js';
import { sameGraph, writeTurtle } from '../rdf.js';
import { areaUrl } from '../social/layout.js';
import { readTurtleDoc } from '../turtle-doc.js';
import { acrUrlOf, type AccessParties } from './acr.js';
import { managerOnlyAcr } from './acr-rules.js';
import { webClientIdOf } from './web.js';

/** Hearth's record of apps and grants, `settings/hearth-apps.ttl`. */
export function appsRecordUrl(podUrl: string): string {
  return `${areaUrl(podUrl, 'settings')}hearth-apps.ttl`;
}

/** Hearth's record of verified likes, replies and followers received, `settings/social-record.ttl`. */
export function socialRecordUrl(podUrl: string): string {
  return `${areaUrl(podUrl, 'settings')}social-record.ttl`;
}

/** Every record Hearth keeps for itself in a pod: each is the manager's alone, whatever is granted around it. */
export function privateRecordUrls(podUrl: string): string[] {
  return [appsRecordUrl(podUrl), socialRecordUrl(podUrl)];
}

/**
 * The WebID profile document: public to read, and written by nobody but the manager (it names who may log in as the
 * owner).
 */
export function profileDocumentOf(webId: string): string {
  const url = new URL(webId);
  url.hash = '';
  return url.href;
}

/** What `ensureManagerOnly` needs: the manager's fetch and the parties the rules are written for. */
export interface Guardian extends AccessParties {
  /** The manager session's fetch. */
  fetch: typeof fetch;
}

/** How `ensurePrivateRecord` treats Hearth's web page. */
export interface PrivateRecordOptions {
  /**
   * The caller does not know whether the owner turned the page off (a change of the apps record, the social record made
   * late): an ACR that admits the owner through the page (exactly as `lockPodToManager` writes it; `webId` needed) is
   * as good as one that does not, so neither is changed. An ACR to write is written as `guardian` says (without the
   * page when it names no `webClientId`; the next `hearth login` puts it back unless the owner turned it off).
   */
  keepWeb?: boolean;
}

/**
 * Makes sure a private record exists (empty, if it did not) and that its ACR denies every client but the manager (and
 * the owner through Hearth's web page when `guardian.webClientId` is set, see `managerOnlyAcr`); writes only what
 * differs. Answers whether it changed anything.
 */
export async function ensurePrivateRecord(
  guardian: Omit<Guardian, 'webId'> & { webId?: string },
  url: string,
  options: PrivateRecordOptions = {},
): Promise<boolean> {
  const wanted = managerOnlyAcr(url, guardian);
  const accepted: Quad[][] = [];
  if (options.keepWeb && guardian.webId) {
    const { webClientId: _, ...without } = guardian;
    accepted.push(
      managerOnlyAcr(url, without),
      managerOnlyAcr(url, { ...without, webClientId: webClientIdOf(guardian.issuer) }),
    );
  }
  let changed = false;
  let head = await guardian.fetch(url, { method: 'HEAD' });
  await head.body?.cancel();
  if (head.status === 401 || head.status === 403) {
    // Private to another manager (a pod locked to a new one): its ACR is ours to rewrite first.
    changed = await ensureAcr(guardian, url, wanted, accepted);
    head = await guardian.fetch(url, { method: 'HEAD' });
    await head.body?.cancel();
  }
  if (head.status === 404) {
    const put = await guardian.fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'text/turtle', 'if-none-match': '*' },
      body: '',
    });
    if (!put.ok && put.status !== 412) throw await httpErrorFor(put, `Creating ${url}`);
    await put.body?.cancel();
    changed ||= put.ok;
  } else if (!head.ok) {
    throw await httpErrorFor(head, `Checking ${url}`);
  }
  return (await ensureAcr(guardian, url, wanted, accepted)) || changed;
}

/**
 * Makes sure the WebID profile document's ACR lets anyone read it and nobody but the manager (and the owner through
 * Hearth's web page when `guardian.webClientId` is set) append or write.
 */
export async function ensureProfileGuard(guardian: Guardian): Promise<boolean> {
  const card = profileDocumentOf(guardian.webId);
  return ensureAcr(guardian, card, managerOnlyAcr(card, guardian, ['Append', 'Write'], { publicRead: true }));
}

/**
 * Writes the ACR of `resourceUrl` unless it already holds exactly `quads` (or exactly one of `accepted`); answers
 * whether it wrote.
 */
export async function ensureAcr(
  guardian: Pick<Guardian, 'fetch'>,
  resourceUrl: string,
  quads: Quad[],
  accepted: readonly Quad[][] = [],
): Promise<boolean> {
  const url = acrUrlOf(resourceUrl);
  const current = await readTurtleDoc(guardian.fetch, url);
  if (current && [quads, ...accepted].some((graph) => sameGraph(current.quads, graph))) return false;
  // Written unconditionally: whatever was there, this resource must be the manager's alone.
  const response = await guardian.fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'text/turtle' },
    body: writeTurtle(quads),
  });
  if (!response.ok) throw await httpErrorFor(response, `Writing ${url}`);
  await response.body?.cancel();
  return true;
}
