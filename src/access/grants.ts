import type { Quad } from 'n3';
import { HearthError, InvalidInputError, httpErrorFor } from '../errors.js';
import { areaUrl, areaUrls, podAreas, publicAreas, type PodArea } from '../social/layout.js';
import { canonicalUrl, isInside } from '../url.js';
import { sameGraph } from '../rdf.js';
import { ACP } from '../vocab.js';
import {
  acrSubjectOf,
  acrUrlOf,
  appAccessControl,
  clientAllowancesIn,
  emptyAcr,
  podIssuerOf,
  withoutApp,
  type AccessMode,
  type AccessParties,
} from './acr.js';
import { readAcrRules, webPageIdOf, type AcrReading } from './acr-rules.js';
import { privateRecordUrls, profileDocumentOf } from './private.js';
import { UnknownAppError, fetchClientIdDocument, isClientIdUrl, type AppInfo } from './apps.js';
import {
  grantModes,
  readRecord,
  readRecordSnapshot,
  updateRecord,
  type AppRecord,
  type GrantEntry,
  type GrantMode,
  type RecordSnapshot,
} from './record.js';
import { readTurtleDoc, updateTurtleDoc } from '../turtle-doc.js';
import { webClientIdOf, webPageUrlOf } from './web.js';

/** The owner acting through Hearth's manager: the manager's fetch, the pod and the owner's WebID. */
export interface PodOwner {
  /** The manager session's fetch (the only client with Control). */
  fetch: typeof fetch;
  /** URL of the pod, ending in `/`. */
  podUrl: string;
  /** The owner's WebID: grants are for this agent through one app. */
  webId: string;
  /** The manager's client id: the only client that may read or change the owner's record of grants. */
  managerClientId: string;
  /** The issuer of the owner's tokens that grants accept (default: the pod's own server, `podIssuerOf`). */
  issuer?: string;
}

/** The parties Hearth writes an owner's rules for. */
export function partiesOf(owner: PodOwner): AccessParties {
  return {
    webId: owner.webId,
    managerClientId: owner.managerClientId,
    issuer: owner.issuer ?? podIssuerOf(owner.podUrl),
  };
}

/** A grant Hearth refuses to make, whoever asks: it would give away more than the modes say. */
export class RefusedGrantError extends HearthError {
  constructor(message: string) {
    super('GRANT_REFUSED', message);
  }
}

/**
 * Refuses Hearth's web page on the pod's server (its client id, or any other id under its path) as an app: the page is
 * trusted like the manager through a rule of its own on the pod's root (`hearth web disable|enable`), never granted.
 */
export function refuseWebPage(owner: PodOwner, clientId: string): void {
  const { issuer } = partiesOf(owner);
  if (clientId !== webClientIdOf(issuer) && !isInside(clientId, webPageUrlOf(issuer))) return;
  throw new RefusedGrantError(
    `${clientId} is Hearth's own web page, not an app: it is not recorded or granted like one. It has your access ` +
      "through a rule of its own, like Hearth's manager, unless you turn it off with `hearth web disable`.",
  );
}

/** An area name or path that cannot be granted (unknown, outside the pod, not a container, missing). */
export class UnknownAreaError extends HearthError {
  constructor(message: string) {
    super('UNKNOWN_AREA', message);
  }
}

/** A mode that does not exist or cannot be granted (only read, append and write can). */
export class InvalidModeError extends HearthError {
  constructor(mode: string) {
    super('INVALID_MODE', `"${mode}" is not a mode an app can be granted: use ${grantModes.join(', ')}.`);
  }
}

/** Checks grant modes (read, append, write); answers them deduplicated, in order. */
export function checkModes(modes: readonly string[]): GrantMode[] {
  if (modes.length === 0) throw new InvalidModeError('(none)');
  for (const mode of modes) if (!(grantModes as readonly string[]).includes(mode)) throw new InvalidModeError(mode);
  return grantModes.filter((mode) => modes.includes(mode));
}

/** The container a target names: an area (`posts`), a container path in the pod (`notes/`), or its full URL. */
export function resolveTarget(podUrl: string, target: string): { container: string; area?: PodArea } {
  if (Object.hasOwn(podAreas, target))
    return { container: areaUrl(podUrl, target as PodArea), area: target as PodArea };
  const areas = Object.keys(podAreas).join(', ');
  if (!target.includes('/'))
    throw new UnknownAreaError(`"${target}" is neither an area (${areas}) nor a container path like notes/.`);
  const path = target.replace(/^\/+/u, '');
  if (!URL.canParse(path, podUrl)) throw new UnknownAreaError(`"${target}" is not a path in the pod.`);
  const url = new URL(path, podUrl);
  url.search = '';
  url.hash = '';
  // The container as the server will resolve it (dot segments, doubled slashes): the one that gets the rule.
  const container = canonicalUrl(url.href) ?? url.href;
  if (!isInside(container, podUrl) || /\/\.\.?\//u.test(target))
    throw new UnknownAreaError(`"${target}" is outside the pod ${podUrl}.`);
  if (container === podUrl)
    throw new UnknownAreaError('The whole pod cannot be granted to an app: grant areas or containers inside it.');
  if (!container.endsWith('/'))
    throw new UnknownAreaError(`"${target}" is not a container: container paths end with "/".`);
  if (/\.(acr|meta)(\/|$)/u.test(container)) throw new UnknownAreaError(`"${target}" is not a container of data.`);
  const area = (Object.keys(podAreas) as PodArea[]).find((name) => areaUrl(podUrl, name) === container);
  return { container, ...(area ? { area } : {}) };
}

/** The apps in the owner's record, with their grants. */
export async function listGrants(owner: PodOwner): Promise<AppRecord[]> {
  return readRecord(owner);
}

/** Finds an app of the record by client id or name. */
export function findApp(apps: AppRecord[], app: string): AppRecord | undefined {
  const byId = apps.find((known) => known.id === app);
  if (byId) return byId;
  const byName = apps.filter((known) => known.name === app);
  if (byName.length > 1)
    throw new HearthError(
      'AMBIGUOUS_APP',
      `Several apps are called "${app}": use its id (${byName.map((a) => a.id).join(', ')}).`,
    );
  return byName[0];
}

/** Adds an app to the owner's record (no access yet); an app already there keeps its grants. */
export async function registerApp(owner: PodOwner, app: AppInfo): Promise<AppRecord> {
  refuseWebPage(owner, app.id);
  let result: AppRecord | undefined;
  await updateRecord(owner, (apps) => {
    const known = apps.find((a) => a.id === app.id);
    result = { ...known, ...app, since: known?.since ?? new Date().toISOString(), grants: known?.grants ?? [] };
    return [...apps.filter((a) => a.id !== app.id), result];
  });
  return result!;
}

/** Removes an app from the record (its grants must have been revoked first). */
export async function forgetApp(owner: PodOwner, appId: string): Promise<void> {
  await updateRecord(owner, (apps) =>
    apps.some((a) => a.id === appId) ? apps.filter((a) => a.id !== appId) : undefined,
  );
}

/** An app reference made concrete: a record entry, or a Client ID Document fetched now. */
async function resolveApp(app: string | AppInfo, apps: AppRecord[]): Promise<AppInfo> {
  if (typeof app !== 'string') return app;
  const known = findApp(apps, app);
  if (known) return known;
  if (isClientIdUrl(app)) return fetchClientIdDocument(app);
  throw new UnknownAppError(
    app,
    apps.map((a) => a.name),
  );
}

/**
 * Grants an app `modes` over a container and everything in it, now and later (added to what it had there).
 * The record is written first, then the ACR: a failure between the two shows as drift in `checkGrants`,
 * never as access the record does not show. `app` is an app of the record (id or name), a Client ID Document URL, or an
 * AppInfo.
 */
export async function grantAccess(
  owner: PodOwner,
  app: string | AppInfo,
  target: string,
  modes: readonly string[],
  options: GrantOptions = {},
): Promise<{ app: AppInfo; grant: GrantEntry }> {
  const { app: info, grants } = await grantAccessAll(owner, app, [{ target, modes }], options);
  return { app: info, grant: grants[0]! };
}

/** One part of a grant: an area (`posts`) or container path (`notes/`), and the modes on it. */
export interface GrantPart {
  /** An area name, a container path in the pod, or its full URL. */
  target: string;
  /** read, append, write. */
  modes: readonly string[];
}

/** How a grant treats containers that do not exist yet. */
export interface GrantOptions {
  /**
   * Create missing containers named by path (not areas) before granting; default false: a missing container is refused.
   */
  create?: boolean;
}

/** A grant checked in full and not written yet (see `planGrant`). */
export interface GrantPlan {
  /** The app, from the record or its Client ID Document. */
  app: AppInfo;
  /** Each container with the modes asked for there (parts naming one container are merged). */
  parts: { target: string; container: string; area?: PodArea; modes: GrantMode[] }[];
  /** Containers named by path that do not exist (created by `grantAccessAll` with `create`, else refused). */
  missing: string[];
}

/**
 * Checks every part of a grant without writing anything: modes, targets inside the pod, no write to the WebID profile's
 * container, the app known, and (unless `create`) every container named by path present. Throws the first problem
 * found;
 * missing containers are all named in one error.
 */
export async function planGrant(
  owner: PodOwner,
  app: string | AppInfo,
  parts: readonly GrantPart[],
  options: GrantOptions = {},
): Promise<GrantPlan> {
  return (await checkGrant(owner, app, parts, options)).plan;
}

/** `planGrant`, and the record as it was read for it (the grant writes over that version, or again if it changed). */
async function checkGrant(
  owner: PodOwner,
  app: string | AppInfo,
  parts: readonly GrantPart[],
  options: GrantOptions,
): Promise<{ plan: GrantPlan; snapshot: RecordSnapshot }> {
  if (parts.length === 0)
    throw new InvalidInputError('Nothing to grant: name an area or container and its modes, e.g. read on posts.');
  refuseWebPage(owner, typeof app === 'string' ? app : app.id);
  const byContainer = new Map<string, GrantPlan['parts'][number]>();
  for (const part of parts) {
    const wanted = checkModes(part.modes);
    const { container, area } = resolveTarget(owner.podUrl, part.target);
    const known = byContainer.get(container);
    const modes = grantModes.filter((m) => wanted.includes(m) || known?.modes.includes(m));
    refuseProfileWrites(owner, container, modes);
    byContainer.set(container, { target: known?.target ?? part.target, container, ...(area ? { area } : {}), modes });
  }
  const snapshot = await readRecordSnapshot(owner);
  const info = await resolveApp(app, snapshot.apps);
  refuseWebPage(owner, info.id);
  const planned = [...byContainer.values()];
  const present = await Promise.all(
    planned.map(async (part) => part.area !== undefined || containerExists(owner.fetch, part.container)),
  );
  const missing = planned.filter((_, index) => !present[index]);
  if (missing.length > 0 && !options.create) {
    throw new UnknownAreaError(
      `There is no container ${missing.map((p) => `${p.target} (${p.container})`).join(', ')} in the pod: ` +
        'nothing was granted. Create it first, or let the grant create it (--create).',
    );
  }
  return { plan: { app: info, parts: planned, missing: missing.map((p) => p.container) }, snapshot };
}

/**
 * Grants an app several parts at once, all or none: every part is checked first (`planGrant`), so a bad or missing
 * part leaves everything as it was; with `create`, missing containers are made then. The record is written once, then
 * each ACR; if an ACR cannot be written, the ACRs already changed and then the record are put back as they were.
 */
export async function grantAccessAll(
  owner: PodOwner,
  app: string | AppInfo,
  parts: readonly GrantPart[],
  options: GrantOptions = {},
): Promise<{ app: AppInfo; grants: GrantEntry[]; created: string[] }> {
  const { plan, snapshot } = await checkGrant(owner, app, parts, options);
  for (const container of plan.missing) await createContainer(owner.fetch, container);
  const info = plan.app;
  const before = snapshot.apps.find((a) => a.id === info.id);
  const grants: GrantEntry[] = [];
  await updateRecord(
    owner,
    (apps) => {
      grants.length = 0;
      const known = apps.find((a) => a.id === info.id);
      const now = new Date().toISOString();
      for (const part of plan.parts) {
        const old = known?.grants.find((g) => g.container === part.container);
        grants.push({
          container: part.container,
          ...(part.area ? { area: part.area } : {}),
          modes: grantModes.filter((m) => part.modes.includes(m) || old?.modes.includes(m)),
          since: old?.since ?? now,
        });
      }
      const changed = new Set(grants.map((g) => g.container));
      const entry: AppRecord = {
        ...known,
        ...info,
        since: known?.since ?? now,
        grants: [...(known?.grants ?? []).filter((g) => !changed.has(g.container)), ...grants],
      };
      return [...apps.filter((a) => a.id !== info.id), entry];
    },
    snapshot,
  );
  const written: GrantEntry[] = [];
  try {
    for (const grant of grants) {
      await setAppModes(owner, grant.container, info.id, grant.modes);
      written.push(grant);
    }
  } catch (error: unknown) {
    try {
      await undoGrants(owner, info.id, before, written);
    } catch (undoError: unknown) {
      // The grant's own failure is what the caller must hear of; an undo the server refuses too leaves a difference
      // that `checkGrants` shows. Anything else is a bug, and is not hidden.
      if (!(undoError instanceof HearthError)) throw undoError;
    }
    throw error;
  }
  return { app: info, grants, created: plan.missing };
}

/** Puts back the ACRs a failed grant changed, then the app's record entry (ACRs first: the record never shows less). */
async function undoGrants(
  owner: PodOwner,
  appId: string,
  before: AppRecord | undefined,
  written: readonly GrantEntry[],
): Promise<void> {
  for (const grant of written) {
    await setAppModes(
      owner,
      grant.container,
      appId,
      before?.grants.find((g) => g.container === grant.container)?.modes ?? [],
    );
  }
  await updateRecord(owner, (apps) => [...apps.filter((a) => a.id !== appId), ...(before ? [before] : [])]);
}

/**
 * Refuses append or write on a container holding the WebID profile document: whoever can write it can name their own
 * login provider there and get tokens as the owner for any client, Hearth's manager included.
 */
export function refuseProfileWrites(
  owner: Pick<PodOwner, 'webId'>,
  container: string,
  modes: readonly GrantMode[],
): void {
  const card = profileDocumentOf(owner.webId);
  if (!isInside(card, container) || !modes.some((mode) => mode !== 'read')) return;
  throw new RefusedGrantError(
    `No app may append to or write ${container}: it holds your WebID profile (${card}), and whoever ` +
      "can write that can log in as you with any app, Hearth's manager included. " +
      'Grant read there, and keep what an app should edit in another container (e.g. profile-extra/).',
  );
}

/** What `revokeAccess` removed and what the app still has. */
export interface Revocation {
  /** The app. */
  app: AppRecord;
  /** The grants as they were before, for the containers that changed. */
  removed: GrantEntry[];
  /** What the app still has. */
  remaining: GrantEntry[];
}

/**
 * Revokes an app's grants: all of them, or those on `target`, or only `modes`. Takes effect when it returns:
 * the app's next request is refused whatever tokens it holds. ACRs are changed first, then the record.
 */
export async function revokeAccess(
  owner: PodOwner,
  app: string,
  options: { target?: string; modes?: readonly string[] } = {},
): Promise<Revocation> {
  const snapshot = await readRecordSnapshot(owner);
  const apps = snapshot.apps;
  const known = findApp(apps, app);
  if (!known)
    throw new UnknownAppError(
      app,
      apps.map((a) => a.name),
    );
  const modes = options.modes ? checkModes(options.modes) : [...grantModes];
  const only = options.target ? resolveTarget(owner.podUrl, options.target).container : undefined;
  const touched = known.grants.filter((g) => !only || g.container === only);
  // The containers of the record, and when revoking everything the pod's areas too, in case a grant was made elsewhere.
  const containers = new Set(touched.map((g) => g.container));
  if (!only) for (const area of areaUrls(owner.podUrl)) containers.add(area);
  if (only) containers.add(only);
  await Promise.all(
    [...containers].map(async (container) => {
      const left = grantModes.filter(
        (m) => !modes.includes(m) && known.grants.find((g) => g.container === container)?.modes.includes(m),
      );
      await setAppModes(owner, container, known.id, left);
    }),
  );
  const remaining = known.grants.flatMap((g) => {
    if (!containers.has(g.container)) return [g];
    const left = g.modes.filter((m) => !modes.includes(m));
    return left.length ? [{ ...g, modes: left }] : [];
  });
  await updateRecord(
    owner,
    (current) => current.map((a) => (a.id === known.id ? { ...a, grants: remaining } : a)),
    snapshot,
  );
  return { app: known, removed: touched, remaining };
}

/** Cuts every app off: removes every app's policies from the ACRs of the record's containers and the pod's areas. */
export async function revokeAllAccess(owner: PodOwner): Promise<Revocation[]> {
  const apps = await readRecord(owner);
  const containers = new Set([...apps.flatMap((a) => a.grants.map((g) => g.container)), ...areaUrls(owner.podUrl)]);
  await Promise.all(
    [...containers].map((container) =>
      updateTurtleDoc(owner.fetch, acrUrlOf(container), (quads) => {
        if (!quads) return undefined;
        const ids = clientAllowancesIn(quads).map((a) => a.clientId);
        const kept = ids.reduce((acc, id) => withoutApp(acc, container, id), quads);
        const stray = clientAllowancesIn(kept);
        // Policies that name a client but were not written by Hearth: drop them too (their matchers go with them).
        const next = stray.length ? withoutClientPolicies(kept) : kept;
        return next.length === quads.length ? undefined : next;
      }),
    ),
  );
  await updateRecord(owner, (current) => current.map((a) => ({ ...a, grants: [] })));
  return apps.filter((a) => a.grants.length > 0).map((app) => ({ app, removed: app.grants, remaining: [] }));
}

/** One difference between the record and the ACRs in force. */
export interface GrantDrift {
  /** The container (or document) whose ACR differs. */
  container: string;
  /** The client id concerned. */
  clientId: string;
  /** Modes the record says the app has there. */
  recorded: GrantMode[];
  /** Modes the ACR actually allows (Control included, if someone wrote it). */
  inForce: string[];
  /** What is wrong, for people. */
  problem: string;
}

/**
 * Compares the record with the access rules in force and answers every difference: in the ACRs of the pod root, the
 * areas, the record's containers, the WebID profile and Hearth's private records, any rule that is not one Hearth
 * writes
 * (an owner rule without a client, an `anyOf` that widens a grant, Control for anyone but the manager, ...), any grant
 * the record does not show, and any protection that is missing.
 */
export async function checkGrants(owner: PodOwner): Promise<GrantDrift[]> {
  const parties = partiesOf(owner);
  const { apps, webPageOff } = await readRecordSnapshot(owner);
  const areas = areaUrls(owner.podUrl);
  const containers = [...new Set([...apps.flatMap((a) => a.grants.map((g) => g.container)), ...areas])];
  const resources = [
    ...new Set([owner.podUrl, ...containers, profileDocumentOf(owner.webId), ...privateRecordUrls(owner.podUrl)]),
  ].sort();
  const drifts: GrantDrift[] = [];
  await Promise.all(
    resources.map(async (resource) => {
      const acr = await readTurtleDoc(owner.fetch, acrUrlOf(resource));
      const reading = readAcrRules(acr?.quads ?? [], resource, parties);
      drifts.push(...acrDrift(owner, parties, apps, webPageOff, resource, reading));
    }),
  );
  return drifts.sort(
    (a, b) =>
      a.container.localeCompare(b.container) ||
      a.clientId.localeCompare(b.clientId) ||
      a.problem.localeCompare(b.problem),
  );
}

/** The differences between one ACR (read against the allow-list) and what Hearth wrote and recorded there. */
function acrDrift(
  owner: PodOwner,
  parties: AccessParties,
  apps: AppRecord[],
  webPageOff: boolean,
  resource: string,
  reading: AcrReading,
): GrantDrift[] {
  const drifts: GrantDrift[] = [];
  const drift = (clientId: string, recorded: GrantMode[], inForce: string[], problem: string) =>
    drifts.push({ container: resource, clientId, recorded, inForce: inForce.map((m) => m.toLowerCase()), problem });
  const isRoot = resource === owner.podUrl;
  const isPrivate = privateRecordUrls(owner.podUrl).includes(resource);
  const isProfile = resource === profileDocumentOf(owner.webId);
  const page = webPageIdOf(parties);
  const turnedOff = "Hearth's web page is turned off";
  const disableAgain = ' (run `hearth web disable` again)';
  for (const f of reading.foreign) drift(f.clientIds[0] ?? '', [], f.modes, `a rule Hearth never writes: ${f.reason}`);
  const clients = new Map<string, { modes: AccessMode[]; issuerBound: boolean }>();
  for (const rule of reading.rules) {
    if (rule.kind === 'client') {
      const known = clients.get(rule.clientId);
      clients.set(rule.clientId, {
        modes: [...new Set([...(known?.modes ?? []), ...rule.modes])],
        issuerBound: (known?.issuerBound ?? true) && rule.issuerBound,
      });
    } else if (rule.kind === 'manager-only') {
      if (rule.clientId !== parties.managerClientId)
        drift(rule.clientId, [], rule.modes, "private to a client that is not Hearth's manager");
      if (rule.web && webPageOff)
        drift(page, [], rule.modes, `${turnedOff}, yet the owner through it is not denied here${disableAgain}`);
    } else if (rule.kind === 'authenticated-read') {
      drift('', [], ['Read'], 'readable by anyone logged in, which Hearth never grants');
    } else if (rule.kind === 'authenticated-append' && resource !== areaUrl(owner.podUrl, 'inbox')) {
      drift('', [], ['Append'], 'anyone logged in may append here; Hearth allows that only on the inbox');
    } else if (
      rule.kind === 'public-read' &&
      !publicAreas.some((area) => isInside(resource, areaUrl(owner.podUrl, area)))
    ) {
      drift('', [], ['Read'], 'readable by anyone, outside the public areas');
    }
  }
  const manager = clients.get(parties.managerClientId);
  clients.delete(parties.managerClientId);
  // Hearth's web page: on the root only, as the manager is, and only while the owner has it on. Never an app.
  const web = clients.get(page);
  clients.delete(page);
  if (web && !isRoot) drift(page, [], web.modes, "Hearth's web page has a rule outside the pod's root");
  else if (web && webPageOff) drift(page, [], web.modes, `${turnedOff}, yet the root rule lets it in${disableAgain}`);
  else if (web && (!web.issuerBound || web.modes.slice().sort().join() !== 'Control,Read,Write'))
    drift(
      page,
      [],
      web.modes,
      "the root rule of Hearth's web page is not the owner through it with tokens of this server",
    );
  if (isRoot && (!manager || !manager.issuerBound || manager.modes.slice().sort().join() !== 'Control,Read,Write')) {
    drift(
      parties.managerClientId,
      [],
      manager?.modes ?? [],
      "the root rule is not the owner through Hearth's manager with tokens of this server",
    );
  }
  const guard = reading.rules.find((r) => r.kind === 'manager-only' && r.clientId === parties.managerClientId);
  const guarded = (modes: AccessMode[]) =>
    guard?.kind === 'manager-only' && guard.issuerBound && modes.every((m) => guard.modes.includes(m));
  if (isPrivate && !guarded(['Read', 'Append', 'Write']))
    drift(parties.managerClientId, [], [], "Hearth's private record is not the manager's alone");
  if (isProfile && !guarded(['Append', 'Write']))
    drift(parties.managerClientId, [], [], 'the WebID profile document is not protected from apps writing it');
  for (const app of apps) {
    const recorded = app.grants.find((g) => g.container === resource)?.modes ?? [];
    const allowance = clients.get(app.id);
    clients.delete(app.id);
    const actual = (allowance?.modes ?? []).map((m) => m.toLowerCase());
    if (allowance && !allowance.issuerBound) {
      drift(
        app.id,
        recorded,
        actual,
        `${app.name}'s rule accepts tokens of any login provider the profile names (run \`hearth login\` to update it)`,
      );
    }
    if (actual.includes('control'))
      drift(app.id, recorded, actual, `${app.name} has Control, which only Hearth's manager may have`);
    if (recorded.join() !== grantModes.filter((m) => actual.includes(m)).join()) {
      drift(
        app.id,
        recorded,
        actual,
        `the record says ${app.name} has ${recorded.join('+') || 'nothing'}, ` +
          `the ACR gives ${actual.join('+') || 'nothing'}`,
      );
    }
  }
  for (const [clientId, stray] of clients) {
    drift(
      clientId,
      [],
      stray.modes,
      `an app Hearth has no record of (${clientId}) is allowed ${stray.modes.join('+')}`,
    );
  }
  return drifts;
}

/**
 * Sets exactly `modes` for an app on a container's ACR (none: removes the app's policy), in Hearth's current shape
 * (bound
 * to the pod server's issuer); writes only when that changes something, and answers whether it wrote.
 */
export async function setAppModes(
  owner: PodOwner,
  container: string,
  clientId: string,
  modes: GrantMode[],
): Promise<boolean> {
  return updateTurtleDoc(owner.fetch, acrUrlOf(container), (current) => {
    if (!current && modes.length === 0) return undefined;
    const quads = current ?? emptyAcr(container);
    let subject = acrSubjectOf(quads, container);
    const base = subject ? quads : [...quads, ...emptyAcr(container)];
    subject ??= acrSubjectOf(base, container)!;
    // Hearth's own policy for the app, and any other policy naming that client (written by hand or by another tool).
    const without = withoutClientPolicies(withoutApp(base, container, clientId), clientId);
    const next = modes.length
      ? [
          ...without,
          ...appAccessControl(container, subject, owner.webId, clientId, modes.map(aclMode), partiesOf(owner).issuer),
        ]
      : without;
    return current && sameGraph(current, next) ? undefined : next;
  });
}

function aclMode(mode: GrantMode): Exclude<AccessMode, 'Control'> {
  return mode === 'read' ? 'Read' : mode === 'append' ? 'Append' : 'Write';
}

/**
 * Removes every policy that has a client matcher (naming `clientId`, if given), with its matchers and the links to it.
 */
function withoutClientPolicies(quads: Quad[], clientId?: string): Quad[] {
  const matchers = new Set(
    quads
      .filter((q) => q.predicate.value === `${ACP}client` && (clientId === undefined || q.object.value === clientId))
      .map((q) => q.subject.value),
  );
  const policies = new Set(
    quads
      .filter(
        (q) =>
          (q.predicate.value === `${ACP}allOf` || q.predicate.value === `${ACP}anyOf`) && matchers.has(q.object.value),
      )
      .map((q) => q.subject.value),
  );
  const gone = new Set([...matchers, ...policies]);
  return quads.filter((q) => !gone.has(q.subject.value) && !gone.has(q.object.value));
}

/** Whether a container exists (HEAD with the owner's fetch); other refusals are errors. */
async function containerExists(fetchFn: typeof fetch, container: string): Promise<boolean> {
  const response = await fetchFn(container, { method: 'HEAD' });
  await response.body?.cancel();
  if (response.status === 404) return false;
  if (!response.ok) throw await httpErrorFor(response, `Checking ${container}`);
  return true;
}

/**
 * Creates an empty container (and any missing containers above it, as the server does) for a grant; one made meanwhile
 * by someone else is fine. Only paths inside the pod reach here (`resolveTarget` checked them).
 */
export async function createContainer(fetchFn: typeof fetch, container: string): Promise<void> {
  if (!container.endsWith('/'))
    throw new UnknownAreaError(`"${container}" is not a container: container paths end with "/".`);
  const response = await fetchFn(container, {
    method: 'PUT',
    headers: { 'content-type': 'text/turtle', 'if-none-match': '*' },
    body: '',
  });
  if (response.ok || response.status === 412) {
    await response.body?.cancel();
    return;
  }
  throw await httpErrorFor(response, `Creating the container ${container}`);
}
