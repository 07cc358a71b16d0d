import type { Quad } from 'n3';
import { httpErrorFor } from '../errors.js';
import { parseTurtle, writeTurtle } from '../rdf.js';
import { canonicalUrl, isInside } from '../url.js';
import { LDP } from '../vocab.js';

/** One notification in an inbox: its URL and its RDF. */
export interface InboxItem {
  /** URL of the notification resource. */
  url: string;
  /** Its triples, parsed with the item's URL as base. */
  quads: Quad[];
}

/**
 * Appends a notification (Turtle) to an LDN inbox; answers the new item's URL. `signal` may bound the time. A redirect is
 * never followed (the request carries the sender's credentials): it fails like any other non-2xx answer.
 */
export async function sendToInbox(fetchFn: typeof fetch, inboxUrl: string, quads: Quad[], signal?: AbortSignal): Promise<string> {
  const response = await fetchFn(inboxUrl, { method: 'POST', headers: { 'content-type': 'text/turtle' }, body: writeTurtle(quads), redirect: 'manual',
    ...(signal ? { signal } : {}) });
  if (!response.ok) throw await httpErrorFor(response, `Sending a notification to ${inboxUrl}`);
  await response.body?.cancel();
  return response.headers.get('location') ?? inboxUrl;
}

/** The URLs of the items in an inbox container (the owner's fetch): only those really inside it, compared canonically. */
export async function listInboxUrls(fetchFn: typeof fetch, inboxUrl: string): Promise<string[]> {
  const response = await fetchFn(inboxUrl, { headers: { accept: 'text/turtle' } });
  if (!response.ok) throw await httpErrorFor(response, `Reading the inbox ${inboxUrl}`);
  return parseTurtle(await response.text(), inboxUrl)
    .filter((q) => q.subject.value === inboxUrl && q.predicate.value === `${LDP}contains`)
    .map((q) => q.object.value)
    .filter((url) => isInside(url, inboxUrl) && canonicalUrl(url) !== canonicalUrl(inboxUrl))
    .sort();
}

/** Reads the items of an inbox; items that are not RDF are skipped (anyone may append, so anything may be there). */
export async function readInbox(fetchFn: typeof fetch, inboxUrl: string): Promise<InboxItem[]> {
  const items = await Promise.all((await listInboxUrls(fetchFn, inboxUrl)).map(async (url) => {
    const response = await fetchFn(url, { headers: { accept: 'text/turtle' } });
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    try {
      return { url, quads: parseTurtle(await response.text(), url) };
    } catch {
      return undefined;
    }
  }));
  return items.filter((item): item is InboxItem => item !== undefined);
}

/** Deletes one item from an inbox (the owner's fetch). */
export async function deleteInboxItem(fetchFn: typeof fetch, itemUrl: string): Promise<void> {
  const response = await fetchFn(itemUrl, { method: 'DELETE' });
  if (!response.ok && response.status !== 404) throw await httpErrorFor(response, `Deleting ${itemUrl}`);
  await response.body?.cancel();
}
