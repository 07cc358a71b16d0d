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
}

/** Reads the owner's record of apps and grants (empty when there is none yet). */
export async function readRecord(keeper: RecordKeeper): Promise<AppRecord[]> {
  return (await readRecordSnapshot(keeper)).apps;
}

/** The record as read, with the version it was read at, so that `updateRecord` need not read it again. */
export interface RecordSnapshot {
  /** The apps of the record. */
  apps: AppRecord[];
  /** The document as read (none when there is no record yet). */
  doc?: TurtleDoc;
}

/** Reads the record and keeps the version read. */
export async function readRecordSnapshot(keeper: RecordKeeper): Promise<RecordSnapshot> {
  const doc = await readTurtleDoc(keeper.fetch, recordUrl(keeper.podUrl));
  return doc ? { apps: recordFromQuads(doc.quads), doc } : { apps: [] };
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
  let first = snapshot?.doc;
  if (!first) {
    await ensurePrivateRecord(
      {
        fetch: keeper.fetch,
        managerClientId: keeper.managerClientId,
        issuer: keeper.issuer ?? podIssuerOf(keeper.podUrl),
      },
      url,
    );
    first = await readTurtleDoc(keeper.fetch, url);
  }
  await updateTurtleDoc(
    keeper.fetch,
    url,
    (current) => {
      const next = change(current ? recordFromQuads(current) : []);
      return next ? recordToQuads(url, next) : undefined;
    },
    first ? { first } : {},
  );
}

const modeIri: Record<GrantMode, string> = { read: `${ACL}Read`, append: `${ACL}Append`, write: `${ACL}Write` };

/** The record as RDF. */
export function recordToQuads(url: string, apps: AppRecord[]): Quad[] {
  const quads: Quad[] = [quad(namedNode(url), namedNode(`${RDF}type`), namedNode(`${HEARTH}AppRegistry`))];
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
