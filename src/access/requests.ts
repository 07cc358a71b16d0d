import { DataFactory, type Quad } from 'n3';
import { HearthError, NotFoundError } from '../errors.js';
import { readProfileLinks } from '../social/discovery.js';
import { areaUrl } from '../social/layout.js';
import { readRdf } from '../social/remote.js';
import { deleteInboxItem, listInboxUrls, sendToInbox } from '../social/inbox.js';
import { ACL, AS, HEARTH, RDF, XSD } from '../vocab.js';
import { clientMatcherTerm } from './acr.js';
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
  /** The app as Hearth knows it: from the owner's record, or from its Client ID Document (never from the request itself). */
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
  constructor(id: string) {
    super('UNKNOWN_REQUEST', `No pending access request "${id}": see \`hearth apps requests\`.`);
  }
}

/**
 * As an app: asks the owner of `ownerWebId` for access, by appending an interop:AccessRequest to their inbox
 * (found from their profile's ldp:inbox). Answers the URL of the request.
 */
export async function requestAccess(app: AppSession, ownerWebId: string, needs: AccessNeed[], reason: string): Promise<string> {
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
      ...checkModes(need.modes).map((mode) => quad(node, namedNode(`${INTEROP}accessMode`), namedNode(aclModeIri(mode)))),
    );
  });
  return sendToInbox(app.fetch, inbox, quads);
}

/** The pending access requests in the owner's inbox (other items are left alone). */
export async function listAccessRequests(owner: PodOwner, options: { maxItems?: number } = {}): Promise<AccessRequest[]> {
  const inbox = areaUrl(owner.podUrl, 'inbox');
  const urls = (await listInboxUrls(owner.fetch, inbox)).slice(-(options.maxItems ?? 500));
  const apps = await readRecord(owner);
  const documents = new Map<string, Promise<AppInfo | undefined>>();
  const found: AccessRequest[] = [];
  for (let start = 0; start < urls.length; start += 10) {
    const batch = await Promise.all(urls.slice(start, start + 10).map(async (url) => {
      const parsed = await readRequest(owner, url);
      if (!parsed) return undefined;
      let app: AppInfo | undefined = apps.find((a) => a.id === parsed.clientId);
      if (!app && isClientIdUrl(parsed.clientId)) {
        if (!documents.has(parsed.clientId)) documents.set(parsed.clientId, fetchClientIdDocument(parsed.clientId).catch(() => undefined));
        app = await documents.get(parsed.clientId);
      }
      const known = Boolean(app && apps.some((a) => a.id === parsed.clientId));
      const fallback: AppInfo = isClientIdUrl(parsed.clientId)
        ? { id: parsed.clientId, name: `${new URL(parsed.clientId).host} (its Client ID Document cannot be read)`, kind: 'client-id-document' }
        : { id: parsed.clientId, name: `${parsed.clientId.replace(/_[0-9a-f-]{36}$/u, '')} (a client credential Hearth did not make)`, kind: 'client-credential' };
      return { ...parsed, app: { ...(app ?? fallback), known } };
    }));
    for (const request of batch) if (request) found.push(request);
  }
  return found;
}

/** Grants exactly what a request asked for, to the client it names, then removes it from the inbox. */
export async function approveAccessRequest(owner: PodOwner, id: string): Promise<{ request: AccessRequest; grants: GrantEntry[] }> {
  const request = await findRequest(owner, id);
  if (request.problem) throw new HearthError('INVALID_REQUEST', `The request ${request.id} cannot be approved: ${request.problem}.`);
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

async function findRequest(owner: PodOwner, id: string): Promise<AccessRequest> {
  const requests = await listAccessRequests(owner);
  const request = requests.find((r) => r.id === id || r.url === id);
  if (!request) throw new UnknownRequestError(id);
  return request;
}

/** Reads one inbox item as an access request; undefined when it is not one (or not readable, too large, not Turtle). */
async function readRequest(owner: PodOwner, url: string): Promise<Omit<AccessRequest, 'app'> | undefined> {
  let quads: Quad[];
  try {
    ({ quads } = await readRdf(owner.fetch, url, { maxBytes: 65_536, timeoutMs: 10_000 }));
  } catch {
    return undefined;
  }
  const value = (s: string, p: string) => quads.find((q) => q.subject.value === s && q.predicate.value === p)?.object;
  const values = (s: string, p: string) => quads.filter((q) => q.subject.value === s && q.predicate.value === p).map((q) => q.object.value);
  const subject = quads.find((q) => q.predicate.value === `${RDF}type` && q.object.value === `${INTEROP}AccessRequest`)?.subject.value;
  if (!subject) return undefined;
  const clientId = value(subject, `${HEARTH}clientId`)?.value;
  if (!clientId || clientId.length > 500) return undefined;
  const problems: string[] = [];
  const needs = values(subject, `${INTEROP}hasAccessNeedGroup`).flatMap((group) => values(group, `${INTEROP}hasAccessNeed`)).slice(0, 20).map((need) => {
    const target = cleanText(value(need, `${HEARTH}area`)?.value ?? '', 200);
    const modes = values(need, `${INTEROP}accessMode`).map((iri) => iri.startsWith(ACL) ? iri.slice(ACL.length).toLowerCase() : iri);
    const bad = modes.filter((mode) => !(grantModes as readonly string[]).includes(mode));
    if (bad.length) problems.push(`it asks for ${bad.map((m) => cleanText(m, 60)).join(', ')}, which no app can be granted`);
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
    id: decodeURIComponent(new URL(url).pathname.split('/').pop() ?? url), url, clientId, needs,
    reason: cleanText(value(subject, `${AS}summary`)?.value ?? '', 500),
    ...(from ? { from: cleanText(from, 300) } : {}), ...(published ? { published: cleanText(published, 40) } : {}),
    ...(problems.length ? { problem: problems.join('; ') } : {}),
  };
}

/** Finds a person's inbox (ldp:inbox in their WebID profile), reading at most 256 KiB for at most 10 s. */
export async function discoverInbox(fetchFn: typeof fetch, webId: string): Promise<string> {
  const { inbox } = await readProfileLinks(fetchFn, webId, { maxBytes: 262_144, timeoutMs: 10_000 });
  if (!inbox) throw new NotFoundError(404, webId, `${webId} names no inbox (ldp:inbox): its owner cannot receive requests.`);
  return inbox;
}

function aclModeIri(mode: GrantMode): string {
  return `${ACL}${mode[0]!.toUpperCase()}${mode.slice(1)}`;
}
