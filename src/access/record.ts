import { DataFactory, type Quad } from 'n3';
import { appKey, clientMatcherTerm, podIssuerOf } from './acr.js';
import { appsRecordUrl, ensurePrivateRecord } from './private.js';
import type { AppInfo, AppKind } from './apps.js';
import { QuadIndex } from '../rdf.js';
import { readTurtleDoc, updateTurtleDoc, type TurtleDoc } from '../turtle-doc.js';
import { ACL, DCT, FOAF, HEARTH, RDF, XSD } from '../vocab.js';

const { namedNode, literal, quad } = DataFactory;

/** A mode an owner can grant an app. `Control` is never granted: only Hearth's manager has it. */
export type GrantMode = 'read' | 'append' | 'write';

/** The modes an owner can grant, in order. */
export const grantModes: readonly GrantMode[] = ['read', 'append', 'write'];

/** One grant as the owner's record keeps it. */
export interface GrantEntry {
  /** URL of the granted container (the grant covers everything inside it). */
  container: string;
  /** Its short area name (`posts`...), when it is one of the pod's areas. */
  area?: string;
  /** Granted modes. */
  modes: GrantMode[];
  /** When it was first granted (ISO date). */
  since: string;
}

/** An app in the owner's record, with its grants. */
export interface AppRecord extends AppInfo {
  /** When the app was added (ISO date). */
  since: string;
  /** Its grants, one per container. */
  grants: GrantEntry[];
}

/** The owner's record of apps and grants: `settings/hearth-apps.ttl`, the manager's alone (see private.ts). */
export const recordUrl = appsRecordUrl;

/** Who keeps the record: the manager's fetch, the pod, and the manager's client id. */
export interface RecordKeeper {
  /** The manager session's fetch. */
  fetch: typeof fetch;
  /** URL of the pod. */
  podUrl: string;
  /** The manager's client id: the only client the record's own ACR does not deny. */
  managerClientId: string;
  /** The issuer of the manager's tokens (default: the pod's server, `podIssuerOf`). */
  issuer?: string;
  /**
   * The owner's WebID: with it, a record's ACR that also admits the owner through Hearth's web page is kept as it is
   * (without it, such an ACR is written again without the page).
   */
  webId?: string;
}

/** Reads the owner's record of apps and grants (empty when there is none yet). */
export async function readRecord(keeper: RecordKeeper): Promise<AppRecord[]> {
  return (await readRecordSnapshot(keeper)).apps;
}

/** The record as read, with the version it was read at, so that `updateRecord` need not read it again. */
export interface RecordSnapshot {
  /** The apps of the record. */
  apps: AppRecord[];
  /** Whether the owner turned Hearth's web page off (the record says so only then). */
  webPageOff: boolean;
  /** The document as read (none when there is no record yet). */
  doc?: TurtleDoc;
}

/** Reads the record and keeps the version read. */
export async function readRecordSnapshot(keeper: RecordKeeper): Promise<RecordSnapshot> {
  const url = recordUrl(keeper.podUrl);
  const doc = await readTurtleDoc(keeper.fetch, url);
  return doc
    ? { apps: recordFromQuads(doc.quads), webPageOff: webPageOffIn(doc.quads, url), doc }
    : { apps: [], webPageOff: false };
}

/** Whether a record's quads say the owner turned Hearth's web page off (`<record> hearth:webPage hearth:Off`). */
export function webPageOffIn(quads: readonly Quad[], url: string): boolean {
  return quads.some(
    (q) => q.subject.value === url && q.predicate.value === `${HEARTH}webPage` && q.object.value === `${HEARTH}Off`,
  );
}

/**
 * Changes the record (read, change, write back; again if it changed meanwhile). A missing record is first made, empty,
 * with its own ACR denying every client but the manager: an app granted `settings` must not read or change it.
 */
export async function updateRecord(
  keeper: RecordKeeper,
  change: (apps: AppRecord[]) => AppRecord[] | undefined,
  snapshot?: RecordSnapshot,
): Promise<void> {
  const url = recordUrl(keeper.podUrl);
  await changeRecord(
    keeper,
    (current) => {
      const next = change(current ? recordFromQuads(current) : []);
      // The owner's choice of the web page stays as it was.
      return next ? recordToQuads(url, next, { webPageOff: webPageOffIn(current ?? [], url) }) : undefined;
    },
    snapshot,
  );
}

/**
 * Records whether the owner turned Hearth's web page off (the record says so only when it is off); answers whether
 * the record changed. Only the record: `setWebPage` then writes the access rules.
 */
export async function recordWebPageOff(keeper: RecordKeeper, off: boolean): Promise<boolean> {
  const url = recordUrl(keeper.podUrl);
  let changed = false;
  await changeRecord(keeper, (current) => {
    const quads = current ?? recordToQuads(url, []);
    changed = webPageOffIn(quads, url) !== off;
    return changed ? withWebPageOff(quads, url, off) : undefined;
  });
  return changed;
}

/** Read, change, write back the record's quads, the record made first when missing (see `updateRecord`). */
async function changeRecord(
  keeper: RecordKeeper,
  change: (current: Quad[] | undefined) => Quad[] | undefined,
  snapshot?: RecordSnapshot,
): Promise<void> {
  const url = recordUrl(keeper.podUrl);
  let first = snapshot?.doc;
  if (!first) {
    await ensurePrivateRecord(
      {
        fetch: keeper.fetch,
        managerClientId: keeper.managerClientId,
        issuer: keeper.issuer ?? podIssuerOf(keeper.podUrl),
        ...(keeper.webId ? { webId: keeper.webId } : {}),
      },
      url,
      // Whoever changes the record need not know whether the owner turned the web page off.
      { keepWeb: true },
    );
    first = await readTurtleDoc(keeper.fetch, url);
  }
  await updateTurtleDoc(keeper.fetch, url, change, first ? { first } : {});
}

/** A record's quads saying exactly `off` about Hearth's web page (nothing when on), the rest unchanged. */
export function withWebPageOff(quads: readonly Quad[], url: string, off: boolean): Quad[] {
  const others = quads.filter((q) => !isWebPageQuad(q, url));
  return off ? [...others, webPageOffQuad(url)] : others;
}

function webPageOffQuad(url: string): Quad {
  return quad(namedNode(url), namedNode(`${HEARTH}webPage`), namedNode(`${HEARTH}Off`));
}

function isWebPageQuad(q: Quad, url: string): boolean {
  return q.subject.value === url && q.predicate.value === `${HEARTH}webPage`;
}

const modeIri: Record<GrantMode, string> = { read: `${ACL}Read`, append: `${ACL}Append`, write: `${ACL}Write` };

/** The record as RDF; `webPageOff`: it also says the owner turned Hearth's web page off. */
export function recordToQuads(url: string, apps: AppRecord[], options: { webPageOff?: boolean } = {}): Quad[] {
  const quads: Quad[] = [quad(namedNode(url), namedNode(`${RDF}type`), namedNode(`${HEARTH}AppRegistry`))];
  if (options.webPageOff) quads.push(webPageOffQuad(url));
  const date = (iso: string) => literal(iso, namedNode(`${XSD}dateTime`));
  for (const app of apps) {
    const key = appKey(app.id);
    const subject = namedNode(`${url}#${key}`);
    quads.push(
      quad(namedNode(url), namedNode(`${HEARTH}app`), subject),
      quad(subject, namedNode(`${RDF}type`), namedNode(`${HEARTH}App`)),
      quad(subject, namedNode(`${HEARTH}clientId`), clientMatcherTerm(app.id)),
      quad(subject, namedNode(`${FOAF}name`), literal(app.name)),
      quad(subject, namedNode(`${HEARTH}kind`), literal(app.kind)),
      quad(subject, namedNode(`${DCT}created`), date(app.since)),
    );
    if (app.homepage) quads.push(quad(subject, namedNode(`${FOAF}homepage`), namedNode(app.homepage)));
    if (app.credentialResource)
      quads.push(quad(subject, namedNode(`${HEARTH}credentialResource`), namedNode(app.credentialResource)));
    app.grants.forEach((grant, index) => {
      const node = namedNode(`${url}#${key}-grant-${index}`);
      quads.push(
        quad(subject, namedNode(`${HEARTH}grant`), node),
        quad(node, namedNode(`${RDF}type`), namedNode(`${HEARTH}Grant`)),
        quad(node, namedNode(`${HEARTH}container`), namedNode(grant.container)),
        ...grant.modes.map((mode) => quad(node, namedNode(`${HEARTH}mode`), namedNode(modeIri[mode]))),
        quad(node, namedNode(`${DCT}created`), date(grant.since)),
      );
      if (grant.area) quads.push(quad(node, namedNode(`${HEARTH}area`), literal(grant.area)));
    });
  }
  return quads;
}

/** Reads the record back from RDF. */
export function recordFromQuads(quads: Quad[]): AppRecord[] {
  const index = new QuadIndex(quads); // one pass: every app's and grant's lookups then cost what they find
  const value = (subject: string, predicate: string) => index.objectOf(subject, predicate)?.value;
  const values = (subject: string, predicate: string) => index.objectsOf(subject, predicate).map((t) => t.value);
  const apps = quads
    .filter((q) => q.predicate.value === `${RDF}type` && q.object.value === `${HEARTH}App`)
    .map((q) => q.subject.value);
  return apps
    .flatMap((subject): AppRecord[] => {
      const id = value(subject, `${HEARTH}clientId`);
      if (!id) return [];
      const homepage = value(subject, `${FOAF}homepage`);
      const credentialResource = value(subject, `${HEARTH}credentialResource`);
      const grants = values(subject, `${HEARTH}grant`)
        .flatMap((node): GrantEntry[] => {
          const container = value(node, `${HEARTH}container`);
          if (!container) return [];
          const modes = grantModes.filter((mode) => values(node, `${HEARTH}mode`).includes(modeIri[mode]));
          const area = value(node, `${HEARTH}area`);
          return [{ container, ...(area ? { area } : {}), modes, since: value(node, `${DCT}created`) ?? '' }];
        })
        .sort((a, b) => a.container.localeCompare(b.container));
      return [
        {
          id,
          name: value(subject, `${FOAF}name`) ?? id,
          kind: (value(subject, `${HEARTH}kind`) ?? 'client-credential') as AppKind,
          ...(homepage ? { homepage } : {}),
          ...(credentialResource ? { credentialResource } : {}),
          since: value(subject, `${DCT}created`) ?? '',
          grants,
        },
      ];
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
