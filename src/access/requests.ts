import { DataFactory, type Quad } from 'n3';
import { HearthError, HttpError, NotFoundError } from '../errors.js';
import { readProfileLinks } from '../social/discovery.js';
import { areaUrl } from '../social/layout.js';
import { Deadline, SilentOrigins, mapFair, originOf } from '../social/deadline.js';
import { mapBounded, readRdf } from '../social/remote.js';
import { deleteInboxItem, listInbox, maxInboxItemBytes, scanInbox, sendToInbox } from '../social/inbox.js';
import { ACL, AS, HEARTH, RDF, XSD } from '../vocab.js';
import { clientMatcherTerm } from './acr.js';
import { BadDataError, QuadIndex } from '../rdf.js';
import { cleanText } from '../text.js';
import { fetchClientIdDocument, isClientIdUrl, type AppInfo } from './apps.js';
import { checkModes, grantAccess, refuseProfileWrites, resolveTarget, type PodOwner } from './grants.js';
import { grantModes, readRecord, type GrantEntry, type GrantMode } from './record.js';

const { namedNode, literal, quad } = DataFactory;

/** Solid Application Interoperability. */
export const INTEROP = 'http://www.w3.org/ns/solid/interop#';

/** What an app asks for on one part of the pod. */
export interface AccessNeed {
  /** An area name (`posts`) or a container path in the pod (`notes/`). */
  target: string;
  /** The modes it needs there. */
  modes: GrantMode[];
}

/** An app acting for someone: its fetch and the client id its tokens carry. */
export interface AppSession {
  /** The app's authenticated fetch. */
  fetch: typeof fetch;
  /** The client id of its tokens (what a grant will name). */
  clientId: string;
  /** The WebID it acts for, if known. */
  webId?: string;
}

/** An access request found in the owner's inbox. */
export interface AccessRequest {
  /** Short id for `hearth apps approve ID`: the last segment of the inbox item's URL. */
  id: string;
  /** URL of the inbox item. */
  url: string;
  /** The client id the request asks a grant for (a grant to it helps only whoever holds that client's credentials). */
  clientId: string;
  /**
   * The app as Hearth knows it: from the owner's record, or from its Client ID Document (never from the request
   * itself).
   */
  app: AppInfo & { known: boolean };
  /** What it asks for. */
  needs: AccessNeed[];
  /** Why, in the app's words (untrusted text, cleaned and shortened). */
  reason: string;
  /** The agent the request says it comes from (untrusted). */
  from?: string;
  /** When it says it was sent (untrusted). */
  published?: string;
  /** Why it cannot be approved, when it cannot (unknown area, a mode that cannot be granted...). */
  problem?: string;
}

/** No pending access request with that id. */
export class UnknownRequestError extends HearthError {
  constructor(id: string, options?: { cause?: unknown }) {
    super('UNKNOWN_REQUEST', `No pending access request "${id}": see \`hearth apps requests\`.`, options);
  }
}

/**
 * As an app: asks the owner of `ownerWebId` for access, by appending an interop:AccessRequest to their inbox
 * (found from their profile's ldp:inbox). Answers the URL of the request.
 */
export async function requestAccess(
  app: AppSession,
  ownerWebId: string,
  needs: AccessNeed[],
  reason: string,
): Promise<string> {
  if (needs.length === 0) throw new HearthError('INVALID_INPUT', 'An access request needs at least one area and mode.');
  for (const need of needs) checkModes(need.modes);
  const inbox = await discoverInbox(app.fetch, ownerWebId);
  const request = namedNode('#request');
  const group = namedNode('#needs');
  const quads: Quad[] = [
    quad(request, namedNode(`${RDF}type`), namedNode(`${INTEROP}AccessRequest`)),
    quad(request, namedNode(`${INTEROP}toSocialAgent`), namedNode(ownerWebId)),
    quad(request, namedNode(`${HEARTH}clientId`), clientMatcherTerm(app.clientId)),
    quad(request, namedNode(`${AS}summary`), literal(reason.slice(0, 2000))),
    quad(request, namedNode(`${AS}published`), literal(new Date().toISOString(), namedNode(`${XSD}dateTime`))),
    quad(request, namedNode(`${INTEROP}hasAccessNeedGroup`), group),
    quad(group, namedNode(`${RDF}type`), namedNode(`${INTEROP}AccessNeedGroup`)),
  ];
  if (app.webId) quads.push(quad(request, namedNode(`${INTEROP}fromSocialAgent`), namedNode(app.webId)));
  needs.forEach((need, index) => {
    const node = namedNode(`#need-${index}`);
    quads.push(
      quad(group, namedNode(`${INTEROP}hasAccessNeed`), node),
      quad(node, namedNode(`${RDF}type`), namedNode(`${INTEROP}AccessNeed`)),
      quad(node, namedNode(`${HEARTH}area`), literal(need.target)),
      ...checkModes(need.modes).map((mode) =>
        quad(node, namedNode(`${INTEROP}accessMode`), namedNode(aclModeIri(mode))),
      ),
    );
  });
  return sendToInbox(app.fetch, inbox, quads);
}

/** Most inbox items `listAccessRequests` reads, newest first, unless told otherwise. */
export const maxRequestItems = 500;

/** Bounds of listing access requests. */
export interface RequestListOptions {
  /** Most inbox items read, newest first by the server's times (default `maxRequestItems`). */
  maxItems?: number;
  /**
   * Time for the whole listing, Client ID Documents included (default 20 s): an app whose document is not read by then
   * is named by its host.
   */
  deadlineMs?: number;
  /** Time for one Client ID Document (default 5 s). */
  timeoutMs?: number;
  /** Aborts the listing (it then ends as at its deadline). */
  signal?: AbortSignal;
  /**
   * Read Client ID Documents to name the apps (default true); false names them by host, as when a document cannot be
   * read.
   */
  fetchApps?: boolean;
}

/** What one bounded look at the inbox found for access requests. */
export interface AccessRequestList {
  /** The pending requests, newest first (by when the inbox received them). */
  requests: AccessRequest[];
  /** Inbox items not looked at: beyond `maxItems`, not reached within the deadline, or unreadable just now. */
  unread: number;
  /** True when the inbox held more items than can be listed at once. */
  truncated: boolean;
  /** Client ID Documents not read within the deadline (those apps are named by their host). */
  late: number;
}

type ParsedRequest = Omit<AccessRequest, 'app'>;

/**
 * The pending access requests in the owner's inbox (other items are left alone), within bounds: the newest `maxItems`
 * items, read 8 at a time; Client ID Documents fetched once per client id, 8 at a time and at most 3 per server, a
 * server that gave no answer not asked again; everything within `deadlineMs`.
 */
export async function readAccessRequests(
  owner: PodOwner,
  options: RequestListOptions = {},
): Promise<AccessRequestList> {
  const deadline = new Deadline(options.deadlineMs ?? 20_000, options.signal);
  const reading = deadline.within(deadline.ms * 0.6);
  try {
    const scan = await scanInbox(
      owner.fetch,
      areaUrl(owner.podUrl, 'inbox'),
      (url, quads) => parseRequest(owner, url, quads),
      { deadline: reading, maxItems: options.maxItems ?? maxRequestItems },
    );
    const parsed = scan.items.flatMap((item) => (item.value ? [item.value] : []));
    const { requests, late } = await withApps(
      owner,
      parsed,
      options.fetchApps === false ? undefined : deadline,
      options.timeoutMs,
    );
    return { requests, unread: scan.unread, truncated: scan.truncated, late };
  } finally {
    reading.clear();
    deadline.clear();
  }
}

/** The pending access requests in the owner's inbox, newest first: `readAccessRequests`' list. */
export async function listAccessRequests(owner: PodOwner, options: RequestListOptions = {}): Promise<AccessRequest[]> {
  return (await readAccessRequests(owner, options)).requests;
}

/**
 * Names the app of each request: from the owner's record, else from its Client ID Document (fetched once per client id,
 * bounded as described at `readAccessRequests`; none without `deadline`), else by its host or credential name.
 */
async function withApps(
  owner: PodOwner,
  parsed: readonly ParsedRequest[],
  deadline: Deadline | undefined,
  timeoutMs?: number,
): Promise<{ requests: AccessRequest[]; late: number }> {
  const apps = await readRecord(owner);
  const wanted = deadline
    ? [...new Set(parsed.map((p) => p.clientId))].filter((id) => !apps.some((a) => a.id === id) && isClientIdUrl(id))
    : [];
  const silent = new SilentOrigins((timeoutMs ?? 5000) * 0.9);
  const documents = new Map<string, AppInfo>();
  let late = 0;
  await mapFair(
    wanted,
    (id) => originOf(id) ?? '',
    8,
    3,
    async (id) => {
      if (!deadline || deadline.passed) {
        late += 1;
        return;
      }
      try {
        documents.set(
          id,
          await silent.guard(id, deadline, () =>
            fetchClientIdDocument(id, fetch, { signal: deadline.signal, ...(timeoutMs ? { timeoutMs } : {}) }),
          ),
        );
      } catch (error: unknown) {
        // An app whose document cannot be read (unreachable, not one, too slow) is named by its host instead.
        if (!(error instanceof HearthError)) throw error;
        if (deadline.passed) late += 1;
      }
    },
  );
  const requests = parsed.map((request): AccessRequest => {
    const known = apps.find((a) => a.id === request.clientId);
    const app: AppInfo | undefined = known ?? documents.get(request.clientId);
    const fallback: AppInfo = isClientIdUrl(request.clientId)
      ? {
          id: request.clientId,
          name: `${new URL(request.clientId).host} (its Client ID Document cannot be read)`,
          kind: 'client-id-document',
        }
      : {
          id: request.clientId,
          name: `${request.clientId.replace(/_[0-9a-f-]{36}$/u, '')} (a client credential Hearth did not make)`,
          kind: 'client-credential',
        };
    return { ...request, app: { ...(app ?? fallback), known: Boolean(known) } };
  });
  return { requests, late };
}

/** Grants exactly what a request asked for, to the client it names, then removes it from the inbox. */
export async function approveAccessRequest(
  owner: PodOwner,
  id: string,
): Promise<{ request: AccessRequest; grants: GrantEntry[] }> {
  const request = await findRequest(owner, id);
  if (request.problem)
    throw new HearthError('INVALID_REQUEST', `The request ${request.id} cannot be approved: ${request.problem}.`);
  const { known: _known, ...app } = request.app;
  const grants: GrantEntry[] = [];
  for (const need of request.needs) grants.push((await grantAccess(owner, app, need.target, need.modes)).grant);
  await deleteInboxItem(owner.fetch, request.url);
  return { request, grants };
}

/** Refuses a request: removes it from the inbox, granting nothing. */
export async function denyAccessRequest(owner: PodOwner, id: string): Promise<AccessRequest> {
  const request = await findRequest(owner, id);
  await deleteInboxItem(owner.fetch, request.url);
  return request;
}

/** Refuses requests already listed (`hearth apps deny --all`): removes exactly those items, granting nothing. */
export async function denyAccessRequests(
  owner: PodOwner,
  requests: readonly AccessRequest[],
): Promise<AccessRequest[]> {
  const done = await mapBounded(requests, 8, async (request) => deleteInboxItem(owner.fetch, request.url));
  return requests.filter((_, index) => done[index]);
}

/** One request by id, read on its own: however full the inbox, a listed request can be answered. */
async function findRequest(owner: PodOwner, id: string): Promise<AccessRequest> {
  const { entries } = await listInbox(owner.fetch, areaUrl(owner.podUrl, 'inbox'));
  const entry = entries.find((e) => !e.container && (idOf(e.url) === id || e.url === id));
  if (!entry) throw new UnknownRequestError(id);
  let quads: Quad[];
  try {
    ({ quads } = await readRdf(owner.fetch, entry.url, { maxBytes: maxInboxItemBytes, timeoutMs: 10_000 }));
  } catch (error: unknown) {
    // Gone meanwhile, or not RDF at all (which `listAccessRequests` never lists as a request): no such request. A
    // server that cannot be reached, or fails, is said as such.
    const notRdf =
      error instanceof BadDataError || (error instanceof HttpError && [406, 415, 501].includes(error.status));
    if (error instanceof NotFoundError || notRdf) throw new UnknownRequestError(id, { cause: error });
    throw error;
  }
  const parsed = parseRequest(owner, entry.url, quads);
  if (!parsed) throw new UnknownRequestError(id);
  const deadline = new Deadline(20_000);
  try {
    return (await withApps(owner, [parsed], deadline)).requests[0]!;
  } finally {
    deadline.clear();
  }
}

/** The short id of an inbox item: the last segment of its URL. */
function idOf(url: string): string {
  const segment = new URL(url).pathname.split('/').pop() ?? url;
  try {
    return decodeURIComponent(segment);
  } catch (error: unknown) {
    if (!(error instanceof URIError)) throw error;
    return segment; // Not valid percent-encoding: the segment is its own id, as written.
  }
}

/** Reads one inbox item's triples as an access request; undefined when it is not one. */
function parseRequest(owner: PodOwner, url: string, quads: readonly Quad[]): ParsedRequest | undefined {
  const index = new QuadIndex(quads);
  const value = (s: string, p: string) => index.objectOf(s, p);
  const values = (s: string, p: string) => index.objectsOf(s, p).map((t) => t.value);
  const subject = quads.find((q) => q.predicate.value === `${RDF}type` && q.object.value === `${INTEROP}AccessRequest`)
    ?.subject.value;
  if (!subject) return undefined;
  const clientId = value(subject, `${HEARTH}clientId`)?.value;
  if (!clientId || clientId.length > 500) return undefined;
  const problems: string[] = [];
  // At most 20 groups and 20 needs are read: an item naming thousands costs no more than that.
  const needs = values(subject, `${INTEROP}hasAccessNeedGroup`)
    .slice(0, 20)
    .flatMap((group) => values(group, `${INTEROP}hasAccessNeed`))
    .slice(0, 20)
    .map((need) => {
      const target = cleanText(value(need, `${HEARTH}area`)?.value ?? '', 200);
      const modes = values(need, `${INTEROP}accessMode`).map((iri) =>
        iri.startsWith(ACL) ? iri.slice(ACL.length).toLowerCase() : iri,
      );
      const bad = modes.filter((mode) => !(grantModes as readonly string[]).includes(mode));
      if (bad.length)
        problems.push(`it asks for ${bad.map((m) => cleanText(m, 60)).join(', ')}, which no app can be granted`);
      if (!target) problems.push('a need names no area');
      return { target, modes: grantModes.filter((m) => modes.includes(m)) };
    });
  if (needs.length === 0) problems.push('it asks for nothing');
  for (const need of needs) {
    try {
      if (need.target) refuseProfileWrites(owner, resolveTarget(owner.podUrl, need.target).container, need.modes);
    } catch (error: unknown) {
      problems.push(error instanceof Error ? error.message.replace(/\.$/u, '') : String(error));
    }
    if (need.modes.length === 0 && need.target) problems.push(`it asks for no mode on ${need.target}`);
  }
  const from = value(subject, `${INTEROP}fromSocialAgent`)?.value;
  const published = value(subject, `${AS}published`)?.value;
  return {
    id: idOf(url),
    url,
    clientId,
    needs,
    reason: cleanText(value(subject, `${AS}summary`)?.value ?? '', 500),
    ...(from ? { from: cleanText(from, 300) } : {}),
    ...(published ? { published: cleanText(published, 40) } : {}),
    ...(problems.length ? { problem: problems.join('; ') } : {}),
  };
}

/** Finds a person's inbox (ldp:inbox in their WebID profile), reading at most 256 KiB for at most 10 s. */
export async function discoverInbox(fetchFn: typeof fetch, webId: string): Promise<string> {
  const { inbox } = await readProfileLinks(fetchFn, webId, { maxBytes: 262_144, timeoutMs: 10_000 });
  if (!inbox)
    throw new NotFoundError(404, webId, `${webId} names no inbox (ldp:inbox): its owner cannot receive requests.`);
  return inbox;
}

function aclModeIri(mode: GrantMode): string {
  return `${ACL}${mode[0]!.toUpperCase()}${mode.slice(1)}`;
}
