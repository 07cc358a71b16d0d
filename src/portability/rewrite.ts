import { DataFactory, type Quad, type Term } from 'n3';
import { ACP, AS, LDP, PIM, SOLID } from '../vocab.js';
import { termKey } from '../rdf.js';
import type { AccessMode, AccessParties } from '../access/acr.js';
import { readAcrRules, webPageIdOf, type HearthRule } from '../access/acr-rules.js';
import { webClientIdOf } from '../access/web.js';
import { areaUrl, publicAreas, publicTypeIndexUrl } from '../social/layout.js';
import { isInsideAny } from '../url.js';

const { namedNode, literal, quad } = DataFactory;

/** Where a pod moves: its base URL and its owner's WebID, before and after. */
export interface IriMapping {
  /** Base URL of the old pod (ends in `/`). */
  oldPod: string;
  /** Base URL of the new pod (ends in `/`). */
  newPod: string;
  /** The old WebID. */
  oldWebId: string;
  /** The new WebID. */
  newWebId: string;
}

/**
 * The IRI in the new pod for an IRI of the old one (the old WebID becomes the new one); other IRIs stay as they are.
 */
export function rewriteIri(iri: string, mapping: IriMapping): string {
  if (iri === mapping.oldWebId) return mapping.newWebId;
  if (iri.startsWith(mapping.oldPod)) return mapping.newPod + iri.slice(mapping.oldPod.length);
  return iri;
}

function rewriteTerm<T extends Term>(term: T, mapping: IriMapping): T {
  if (term.termType === 'NamedNode') return namedNode(rewriteIri(term.value, mapping)) as unknown as T;
  if (term.termType === 'Literal') {
    const datatype = term.datatype.value;
    const rewritten = rewriteIri(datatype, mapping);
    if (term.language || rewritten === datatype) return term;
    return literal(term.value, namedNode(rewritten)) as unknown as T;
  }
  return term;
}

/**
 * Rewrites every IRI of the old pod in subjects, predicates, objects, graphs and datatypes. Literal values are never
 * touched.
 */
export function rewriteQuads(quads: readonly Quad[], mapping: IriMapping): Quad[] {
  return quads.map((q) =>
    quad(
      rewriteTerm(q.subject, mapping),
      rewriteTerm(q.predicate, mapping),
      rewriteTerm(q.object, mapping),
      rewriteTerm(q.graph, mapping),
    ),
  );
}

/** Profile statements that belong to the server hosting the pod: the new server's stay, the old ones are dropped. */
export const serverOwnedProfilePredicates = [
  `${SOLID}oidcIssuer`,
  `${LDP}inbox`,
  `${SOLID}publicTypeIndex`,
  `${SOLID}privateTypeIndex`,
  `${PIM}storage`,
  `${AS}movedTo`,
];

/**
 * Merges the (rewritten) old profile into the new server's profile: the new one keeps its oidcIssuer, inbox, storage
 * and
 * type index links; everything else of the old profile is added.
 */
export function mergeProfile(rewrittenOld: readonly Quad[], currentNew: readonly Quad[], newWebId: string): Quad[] {
  const serverOwned = new Set(serverOwnedProfilePredicates);
  const kept = rewrittenOld.filter((q) => !(q.subject.value === newWebId && serverOwned.has(q.predicate.value)));
  return union(currentNew, kept);
}

/**
 * A client grant of an ACR that could not travel (a client-credential id is only valid on the server that issued it).
 */
export interface DroppedClient {
  /** The client id (a client credential id, not an IRI). */
  clientId: string;
  /** The modes its policies allowed. */
  modes: AccessMode[];
}

/** Where an ACR is imported to: the new pod, its owner and manager, and what the old pod's manager was. */
export interface AcrDestination extends AccessParties {
  /** The new pod's base URL. */
  podUrl: string;
  /** The archive is the same pod's (a restore): client-credential grants stay valid. */
  sameOwner: boolean;
  /** The old pod's manager client id (from the manifest). */
  oldManagerClientId?: string;
  /** The old pod's server, the issuer its rules named: it becomes the new one's. */
  oldIssuer?: string;
}

/**
 * Takes an ACR of an archive (its IRIs already rewritten to the new pod) through the one allow-list of access rules
 * (`readAcrRules`), keeping only what Hearth itself writes there: public read in the public areas and the public type
 * index, authenticated append on the inbox, the owner's grants to Client ID Document apps (and client-credential apps
 * on a restore), the manager-only rule of a private record (for the new manager). Everything else is refused, with the
 * reason; grants to client-credential apps of another server are dropped, to be granted again. Answers the rules to
 * write (with `writeAcrRules`).
 */
export function portAcr(
  quads: readonly Quad[],
  resourceUrl: string,
  to: AcrDestination,
): { rules: HearthRule[]; refused: { policy: string; reason: string }[]; dropped: DroppedClient[] } {
  const issuer = namedNode(to.issuer);
  const moved = quads.map((q) =>
    q.predicate.value === `${ACP}issuer` && q.object.value === to.oldIssuer
      ? quad(q.subject, q.predicate, issuer, q.graph)
      : q,
  );
  const reading = readAcrRules(moved, resourceUrl, to);
  const refused = reading.foreign.map(({ policy, reason }) => ({ policy, reason }));
  const dropped: DroppedClient[] = [];
  const rules: HearthRule[] = [];
  const publicPlaces = publicAreas.map((area) => areaUrl(to.podUrl, area));
  // Hearth's web page, of the new server and of the old one.
  const pages = [webPageIdOf(to), ...(to.oldIssuer ? [webClientIdOf(to.oldIssuer)] : [])];
  for (const rule of reading.rules) {
    const refuse = (reason: string) =>
      refused.push({ policy: `${rule.kind}${rule.kind === 'client' ? ` ${rule.clientId}` : ''}`, reason });
    if (rule.kind === 'client') {
      const literalId = !/^https?:\/\//u.test(rule.clientId);
      if (rule.modes.includes('Control')) refuse("it gives Control, which only the new pod's manager has");
      else if (pages.includes(rule.clientId)) refuse("Hearth's web page is no app: it needs no rule outside the root");
      else if (literalId && (rule.clientId === to.oldManagerClientId || rule.clientId === to.managerClientId))
        refuse("Hearth's manager needs no rule outside the root");
      else if (literalId && !to.sameOwner) dropped.push({ clientId: rule.clientId, modes: rule.modes });
      else rules.push({ ...rule, issuerBound: true });
    } else if (rule.kind === 'manager-only') {
      if (rule.clientId === to.oldManagerClientId || rule.clientId === to.managerClientId) {
        // The owner through Hearth's web page stays excepted only where the new pod has the page on.
        const { web, ...kept } = rule;
        rules.push({
          ...kept,
          clientId: to.managerClientId,
          issuerBound: true,
          ...(web && to.webClientId ? { web } : {}),
        });
      } else refuse("it keeps the resource private to a client that is not Hearth's manager");
    } else if (rule.kind === 'authenticated-append') {
      if (resourceUrl === areaUrl(to.podUrl, 'inbox')) rules.push(rule);
      else refuse('it lets others append outside the inbox');
    } else if (rule.kind === 'authenticated-read') {
      refuse('it lets anyone logged in read, which Hearth never grants');
    } else if (isInsideAny(resourceUrl, publicPlaces) || resourceUrl === publicTypeIndexUrl(to.podUrl)) {
      rules.push(rule);
    } else {
      refuse('it makes private data readable by anyone');
    }
  }
  return { rules, refused, dropped };
}

/** The quads of both lists, each once. */
export function union(a: readonly Quad[], b: readonly Quad[]): Quad[] {
  const seen = new Set<string>();
  const out: Quad[] = [];
  for (const q of [...a, ...b]) {
    const key = termKey(q.subject) + termKey(q.predicate) + termKey(q.object) + termKey(q.graph);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(q);
    }
  }
  return out;
}
