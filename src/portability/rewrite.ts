import { createHash } from 'node:crypto';
import { DataFactory, type Quad, type Term } from 'n3';
import { ACP, AS, LDP, PIM, SOLID } from '../vocab.js';
import { clientAllowancesIn, type AccessMode } from '../access/acr.js';

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

/** The IRI in the new pod for an IRI of the old one (the old WebID becomes the new one); other IRIs stay as they are. */
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

/** Rewrites every IRI of the old pod in subjects, predicates, objects, graphs and datatypes. Literal values are never touched. */
export function rewriteQuads(quads: readonly Quad[], mapping: IriMapping): Quad[] {
  return quads.map((q) => quad(rewriteTerm(q.subject, mapping), rewriteTerm(q.predicate, mapping), rewriteTerm(q.object, mapping), rewriteTerm(q.graph, mapping)));
}

/** Profile statements that belong to the server hosting the pod: the new server's stay, the old ones are dropped. */
export const serverOwnedProfilePredicates = [`${SOLID}oidcIssuer`, `${LDP}inbox`, `${SOLID}publicTypeIndex`, `${SOLID}privateTypeIndex`,
  `${PIM}storage`, `${AS}movedTo`];

/**
 * Merges the (rewritten) old profile into the new server's profile: the new one keeps its oidcIssuer, inbox, storage and
 * type index links; everything else of the old profile is added.
 */
export function mergeProfile(rewrittenOld: readonly Quad[], currentNew: readonly Quad[], newWebId: string): Quad[] {
  const serverOwned = new Set(serverOwnedProfilePredicates);
  const kept = rewrittenOld.filter((q) => !(q.subject.value === newWebId && serverOwned.has(q.predicate.value)));
  return union(currentNew, kept);
}

/** A client grant of an ACR that could not travel (a client-credential id is only valid on the server that issued it). */
export interface DroppedClient {
  /** The client id (a client credential id, not an IRI). */
  clientId: string;
  /** The modes its policies allowed. */
  modes: AccessMode[];
}

/**
 * Rewrites an ACR for the new pod. The old manager's client id becomes the new manager's. Policies naming another client
 * by a string literal (client credentials, valid only for the old WebID on the old server) are removed unless
 * `keepLiteralClients`, and reported; policies naming a Client ID Document (an IRI) travel as they are.
 */
export function rewriteAcr(quads: readonly Quad[], mapping: IriMapping,
  options: { keepLiteralClients: boolean; oldManagerClientId?: string; newManagerClientId?: string }): { quads: Quad[]; dropped: DroppedClient[] } {
  // The old manager's place (in allow and in deny policies alike) goes to the new manager.
  if (options.oldManagerClientId && options.newManagerClientId) {
    const { oldManagerClientId: from, newManagerClientId: to } = options;
    quads = quads.map((q) => (q.predicate.value === `${ACP}client` && q.object.termType === 'Literal' && q.object.value === from
      ? quad(q.subject, q.predicate, literal(to), q.graph) : q));
  }
  const deadClient = (q: Quad) => q.predicate.value === `${ACP}client` && q.object.termType === 'Literal' &&
    (!options.keepLiteralClients || q.object.value === options.oldManagerClientId) && q.object.value !== options.newManagerClientId;
  const deadMatchers = new Set(quads.filter(deadClient).map((q) => q.subject.value));
  const droppedIds = new Set(quads.filter(deadClient).map((q) => q.object.value));
  const dropped = clientAllowancesIn([...quads]).filter((a) => droppedIds.has(a.clientId) && a.clientId !== options.oldManagerClientId)
    .map((a) => ({ clientId: a.clientId, modes: a.modes }));
  if (deadMatchers.size === 0) return { quads: rewriteQuads(quads, mapping), dropped };
  // A policy with a dead matcher in acp:allOf can never match: remove it, and what only it used.
  const dead = new Set(deadMatchers);
  for (const q of quads) if (q.predicate.value === `${ACP}allOf` && deadMatchers.has(q.object.value)) dead.add(q.subject.value);
  let remaining = quads.filter((q) => !dead.has(q.subject.value) && !dead.has(q.object.value));
  // Nodes only the removed quads pointed to (the agent matcher of a removed policy) go too.
  const orphanCandidates = new Set(quads.filter((q) => dead.has(q.subject.value)).map((q) => q.object.value));
  let changed = true;
  while (changed) {
    changed = false;
    const referenced = new Set(remaining.map((q) => q.object.value));
    const orphans = [...orphanCandidates].filter((node) => !referenced.has(node) && remaining.some((q) => q.subject.value === node));
    if (orphans.length) {
      for (const node of orphans) for (const q of remaining) if (q.subject.value === node) orphanCandidates.add(q.object.value);
      remaining = remaining.filter((q) => !orphans.includes(q.subject.value));
      changed = true;
    }
  }
  return { quads: rewriteQuads(remaining, mapping), dropped };
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

/**
 * A canonical form of a graph: sorted N-Triples-like lines with blank nodes labelled by a hash of their surroundings
 * (iterated). Equal for isomorphic graphs of the shapes Hearth meets (trees of blank nodes, as in ACRs).
 */
export function canonicalLines(quads: readonly Quad[]): string[] {
  const blanks = new Set<string>();
  for (const q of quads) for (const t of [q.subject, q.object]) if (t.termType === 'BlankNode') blanks.add(t.value);
  let labels = new Map([...blanks].map((b) => [b, '']));
  for (let round = 0; round < 4 && blanks.size > 0; round++) {
    const next = new Map<string, string>();
    for (const b of blanks) {
      const lines = quads.filter((q) => q.subject.value === b && q.subject.termType === 'BlankNode' ||
        q.object.value === b && q.object.termType === 'BlankNode')
        .map((q) => line(q, (t) => (t.value === b ? '_:self' : `_:${labels.get(t.value)}`))).sort();
      next.set(b, createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16));
    }
    labels = next;
  }
  return [...new Set(quads.map((q) => line(q, (t) => `_:${labels.get(t.value)}`)))].sort();
}

/** Whether two graphs are the same (isomorphic for the shapes `canonicalLines` handles). */
export function sameGraph(a: readonly Quad[], b: readonly Quad[]): boolean {
  const left = canonicalLines(a);
  const right = canonicalLines(b);
  return left.length === right.length && left.every((value, index) => value === right[index]);
}

function line(q: Quad, blank: (t: Term) => string): string {
  const term = (t: Term) => (t.termType === 'BlankNode' ? blank(t) : termKey(t));
  return `${term(q.subject)} ${term(q.predicate)} ${term(q.object)}${q.graph.termType === 'DefaultGraph' ? '' : ` ${term(q.graph)}`} .`;
}

function termKey(t: Term): string {
  if (t.termType === 'NamedNode') return `<${t.value}>`;
  if (t.termType === 'BlankNode') return `_:${t.value}`;
  if (t.termType === 'Literal') return `${JSON.stringify(t.value)}${t.language ? `@${t.language}` : `^^<${t.datatype.value}>`}`;
  if (t.termType === 'DefaultGraph') return '';
  return `?${t.value}`;
}
