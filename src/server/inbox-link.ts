import type { ServerResponse } from 'node:http';
import { podAreas } from '../social/layout.js';

/** The link relation of a Linked Data Notifications inbox. */
export const ldpInbox = 'http://www.w3.org/ns/ldp#inbox';

/** Where a pod made by Hearth keeps its WebID profile document (pod-config/templates/pod/base/profile/card$.ttl). */
const profileDocument = 'profile/card';

/**
 * The inbox a resource of a pod advertises in a `Link` header, or undefined: a pod's WebID profile document and its
 * inbox container both name the pod's inbox (`<pod>social/inbox/`, the one the profile's `ldp:inbox` names).
 */
export function advertisedInbox(baseUrl: string, url: string): string | undefined {
  if (!url.startsWith(baseUrl)) return undefined;
  const rest = url.slice(baseUrl.length);
  const slash = rest.indexOf('/');
  if (slash < 1) return undefined;
  const [pod, path] = [rest.slice(0, slash + 1), rest.slice(slash + 1)];
  // CSS makes pod names of letters, digits, `_` and `-` only.
  if (!/^[\w-]+\/$/u.test(pod) || (path !== profileDocument && path !== podAreas.inbox)) return undefined;
  return `${baseUrl}${pod}${podAreas.inbox}`;
}

/** What CSS gives its metadata writers: the response, and the metadata of what it answers with. */
export interface MetadataWriterInput {
  response: Pick<ServerResponse, 'getHeader' | 'setHeader' | 'hasHeader'>;
  metadata: { identifier: { termType: string; value: string } };
}

/**
 * A CSS metadata writer (put into `urn:solid-server:default:MetadataWriter`) that adds
 * `Link: <inbox>; rel="http://www.w3.org/ns/ldp#inbox"` to the answers for a WebID profile document and an inbox
 * container, where Linked Data Notifications senders look first (the profile's body says it too). Error answers carry
 * no resource identifier and get nothing.
 */
export class InboxLinkWriter {
  constructor(private readonly baseUrl: string) {}

  /** Takes every answer. */
  async canHandle(): Promise<void> {
    // Every response: `handle` decides.
  }

  /** Adds the Link header when the answer is about a profile document or an inbox. */
  async handle({ response, metadata }: MetadataWriterInput): Promise<void> {
    if (metadata.identifier.termType !== 'NamedNode') return;
    const inbox = advertisedInbox(this.baseUrl, metadata.identifier.value);
    if (!inbox) return;
    const old = response.hasHeader('link') ? response.getHeader('link') : undefined;
    const values = old === undefined ? [] : Array.isArray(old) ? old : [String(old)];
    response.setHeader('link', [...values, `<${inbox}>; rel="${ldpInbox}"`]);
  }

  /** As `handle` (CSS calls `handleSafe` on handlers it uses alone). */
  async handleSafe(input: MetadataWriterInput): Promise<void> {
    await this.handle(input);
  }
}
