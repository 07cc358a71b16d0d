// The one allow-list of access rules: the shapes Hearth itself writes into ACRs, read back from any ACR (a live one for
// `apps check`, one from an archive for `import`) and written again from scratch. Whatever is not one of these shapes
// is "foreign": `import` drops it, `apps check` reports it.
import { DataFactory, Store, type Quad, type Term } from 'n3';
import { ACL, ACP, RDF } from '../vocab.js';
import {
  acrUrlOf,
  appKey,
  clientMatcherTerm,
  ownerAndClientPolicy,
  type AccessMode,
  type AccessParties,
} from './acr.js';
import { webClientIdOf } from './web.js';

const { namedNode, quad } = DataFactory;

/** Through which links of its ACR a rule applies: to the resource itself, to what is inside it, or both. */
export interface AcrLinks {
  /** Applied through `acp:accessControl` (the resource itself). */
  self: boolean;
  /** Applied through `acp:memberAccessControl` (everything inside a container). */
  members: boolean;
}

/** A rule in one of the shapes Hearth writes. */
export type HearthRule =
  /** Read for anyone, or Read or Append for any logged-in agent (the inbox). */
  | { kind: 'public-read' | 'authenticated-read' | 'authenticated-append'; links: AcrLinks }
  /** The owner, through one client, with tokens of the pod's issuer (issuerBound false: an older rule without it). */
  | { kind: 'client'; clientId: string; modes: AccessMode[]; issuerBound: boolean }
  /**
   * `modes` denied to every request but those of one client (the manager): Hearth's private records, the WebID profile.
   * `web`: also not to the owner through Hearth's web page with tokens of the pod's server (agent, client and issuer in
   * one second `acp:noneOf` matcher).
   */
  | { kind: 'manager-only'; clientId: string; modes: AccessMode[]; issuerBound: boolean; web?: boolean };

/** A policy in force that is none of Hearth's shapes, and why it matters. */
export interface ForeignPolicy {
  /** The policy's IRI or blank node label. */
  policy: string;
  /** Why it is not one of Hearth's rules, for people. */
  reason: string;
  /** The modes it allows (or denies, for a deny). */
  modes: string[];
  /** The clients its matchers name, if any. */
  clientIds: string[];
}

/** An ACR read against the allow-list. */
export interface AcrReading {
  /** The rules in Hearth's shapes. */
  rules: HearthRule[];
  /** Every other policy the ACR applies. */
  foreign: ForeignPolicy[];
}

const p = (name: string) => namedNode(`${ACP}${name}`);
const grantable = new Set([`${ACL}Read`, `${ACL}Append`, `${ACL}Write`]);

/** Reads the policies an ACR of `resourceUrl` applies and sorts them into Hearth's shapes and foreign ones. */
export function readAcrRules(quads: readonly Quad[], resourceUrl: string, parties: AccessParties): AcrReading {
  const store = new Store([...quads]);
  const objects = (subject: Term, predicate: string) => store.getObjects(subject, p(predicate), null);
  const rules: HearthRule[] = [];
  const foreign: ForeignPolicy[] = [];
  // Policies by the links that apply them; CSS reads every subject stating acp:resource.
  const links = new Map<string, { term: Term; self: boolean; members: boolean; elsewhere?: string }>();
  for (const subject of store.getSubjects(p('resource'), null, null)) {
    const resources = objects(subject, 'resource').map((term) => term.value);
    const other = resources.find((value) => value !== resourceUrl);
    for (const [predicate, field] of [
      ['accessControl', 'self'],
      ['memberAccessControl', 'members'],
    ] as const) {
      for (const control of objects(subject, predicate)) {
        for (const policy of objects(control, 'apply')) {
          const entry = links.get(policy.value) ?? { term: policy, self: false, members: false };
          entry[field] = true;
          if (other) entry.elsewhere = other;
          links.set(policy.value, entry);
        }
      }
    }
  }
  for (const { term, self, members, elsewhere } of links.values()) {
    const shape = policyShape(store, term);
    const refuse = (reason: string) =>
      foreign.push({
        policy: term.value,
        reason,
        modes: [...shape.allow, ...shape.deny].map(modeName),
        clientIds: [...new Set(shape.all.flatMap((m) => m.client))],
      });
    if (elsewhere) {
      refuse(`it is written for another resource (${elsewhere})`);
      continue;
    }
    const rule = classify(shape, { self, members }, parties);
    if (typeof rule === 'string') refuse(rule);
    else rules.push(rule);
  }
  return { rules, foreign };
}

/**
 * Writes an ACR of `resourceUrl` holding exactly `rules`, in Hearth's shapes (owner rules bound to `parties.issuer`).
 */
export function writeAcrRules(resourceUrl: string, rules: readonly HearthRule[], parties: AccessParties): Quad[] {
  const acrUrl = acrUrlOf(resourceUrl);
  const node = (name: string) => namedNode(`${acrUrl}#${name}`);
  const type = namedNode(`${RDF}type`);
  const acr = node('acr');
  const out: Quad[] = [quad(acr, type, p('AccessControlResource')), quad(acr, p('resource'), namedNode(resourceUrl))];
  const control = (name: string, on: AcrLinks, policy = `${name}-policy`) => {
    if (on.self) out.push(quad(acr, p('accessControl'), node(name)));
    if (on.members) out.push(quad(acr, p('memberAccessControl'), node(name)));
    out.push(
      quad(node(name), type, p('AccessControl')),
      quad(node(name), p('apply'), node(policy)),
      quad(node(policy), type, p('Policy')),
    );
  };
  const matcher = (name: string, attribute: string, value: Quad['object']) =>
    out.push(quad(node(name), type, p('Matcher')), quad(node(name), p(attribute), value));
  for (const rule of rules) {
    if (rule.kind === 'client') {
      const key = appKey(rule.clientId);
      control(`${key}-control`, { self: true, members: true }, `${key}-policy`);
      out.push(...ownerAndClientPolicy(acrUrl, key, parties.webId, rule.clientId, rule.modes, parties.issuer));
    } else if (rule.kind === 'manager-only') {
      control('managerOnly', { self: true, members: false });
      for (const mode of rule.modes) out.push(quad(node('managerOnly-policy'), p('deny'), namedNode(`${ACL}${mode}`)));
      out.push(
        quad(node('managerOnly-policy'), p('anyOf'), node('anyone')),
        quad(node('managerOnly-policy'), p('noneOf'), node('manager')),
      );
      matcher('anyone', 'agent', p('PublicAgent'));
      matcher('manager', 'client', clientMatcherTerm(rule.clientId));
      out.push(quad(node('manager'), p('issuer'), namedNode(parties.issuer)));
      if (rule.web) {
        // The owner through the page: never the page alone, which every user of the server signs in to.
        if (!parties.webId) throw new Error("The web page's exception names the owner: a WebID is needed");
        out.push(quad(node('managerOnly-policy'), p('noneOf'), node('web')));
        matcher('web', 'agent', namedNode(parties.webId));
        out.push(
          quad(node('web'), p('client'), clientMatcherTerm(webPageIdOf(parties))),
          quad(node('web'), p('issuer'), namedNode(parties.issuer)),
        );
      }
    } else {
      const mode = rule.kind === 'authenticated-append' ? 'Append' : 'Read';
      const agent = rule.kind === 'public-read' ? 'PublicAgent' : 'AuthenticatedAgent';
      control(rule.kind, rule.links);
      out.push(
        quad(node(`${rule.kind}-policy`), p('allow'), namedNode(`${ACL}${mode}`)),
        quad(node(`${rule.kind}-policy`), p('anyOf'), node(`${rule.kind}-agent`)),
      );
      matcher(`${rule.kind}-agent`, 'agent', p(agent));
    }
  }
  return dedupe(out);
}

/**
 * An ACR denying `modes` (default Read, Append and Write) to every request but the manager's; deny wins over any allow
 * inherited from above, whatever is granted around it. Hearth's private records get it with every mode; the WebID
 * profile document gets Append and Write, beside its public read. With `webClientId` (the page on), the owner through
 * Hearth's web page with tokens of the pod's server is not denied either (the allow still comes from the root rule).
 */
export function managerOnlyAcr(
  resourceUrl: string,
  manager: Pick<AccessParties, 'managerClientId' | 'issuer'> & Partial<Pick<AccessParties, 'webId' | 'webClientId'>>,
  modes: readonly Exclude<AccessMode, 'Control'>[] = ['Read', 'Append', 'Write'],
  options: { publicRead?: boolean } = {},
): Quad[] {
  const web = manager.webClientId !== undefined;
  const rules: HearthRule[] = [
    { kind: 'manager-only', clientId: manager.managerClientId, modes: [...modes], issuerBound: true, web },
  ];
  if (options.publicRead) rules.push({ kind: 'public-read', links: { self: true, members: false } });
  // Manager-only and public rules name no owner (the WebID is not needed to write them), the page's exception does.
  return writeAcrRules(resourceUrl, rules, { ...manager, webId: manager.webId ?? '' });
}

/**
 * The client id of Hearth's web page for these parties: the one they name, else that of the page their issuer (the pod
 * server) serves, so that rules admitting the page are recognised even when it is off.
 */
export function webPageIdOf(parties: Pick<AccessParties, 'issuer' | 'webClientId'>): string {
  return parties.webClientId ?? webClientIdOf(parties.issuer);
}

interface MatcherShape {
  agent: string[];
  client: string[];
  issuer: string[];
  vc: string[];
}

interface PolicyShape {
  allow: string[];
  deny: string[];
  allOf: MatcherShape[];
  anyOf: MatcherShape[];
  noneOf: MatcherShape[];
  all: MatcherShape[];
}

function policyShape(store: Store, policy: Term): PolicyShape {
  const values = (subject: Term, predicate: string) =>
    store.getObjects(subject, p(predicate), null).map((term) => term.value);
  const matchers = (predicate: string) =>
    store.getObjects(policy, p(predicate), null).map((matcher) => ({
      agent: values(matcher, 'agent'),
      client: values(matcher, 'client'),
      issuer: values(matcher, 'issuer'),
      vc: values(matcher, 'vc'),
    }));
  const allOf = matchers('allOf');
  const anyOf = matchers('anyOf');
  const noneOf = matchers('noneOf');
  return {
    allow: values(policy, 'allow'),
    deny: values(policy, 'deny'),
    allOf,
    anyOf,
    noneOf,
    all: [...allOf, ...anyOf, ...noneOf],
  };
}

/** The rule a policy is, or why it is none. */
function classify(shape: PolicyShape, links: AcrLinks, parties: AccessParties): HearthRule | string {
  const { allow, deny, allOf, anyOf, noneOf } = shape;
  const only = (m: MatcherShape, attribute: keyof MatcherShape) =>
    (['agent', 'client', 'issuer', 'vc'] as const).every((key) => key === attribute || m[key].length === 0);
  const issuerOk = (m: MatcherShape[]) => m.flatMap((x) => x.issuer).every((issuer) => issuer === parties.issuer);
  const issuerBound = (m: MatcherShape[]) => m.some((x) => x.issuer.includes(parties.issuer));

  if (deny.length > 0) {
    if (allow.length > 0) return 'it both allows and denies, which Hearth never writes';
    // The exceptions: the manager (a client, from this issuer), and maybe the owner through Hearth's web page (exactly
    // the owner, the page's client id and this issuer). Nothing looser passes for the page's.
    const [manager, ...others] = noneOf.filter((m) => m.agent.length === 0);
    const pages = noneOf.filter((m) => m.agent.length > 0);
    const page = webPageIdOf(parties);
    const isPage = (m: MatcherShape) =>
      parties.webId !== '' &&
      m.agent.length === 1 &&
      m.agent[0] === parties.webId &&
      m.client.length === 1 &&
      m.client[0] === page &&
      m.issuer.length === 1 &&
      m.issuer[0] === parties.issuer &&
      m.vc.length === 0;
    const shaped =
      allOf.length === 0 &&
      anyOf.length === 1 &&
      others.length === 0 &&
      pages.length <= 1 &&
      pages.every(isPage) &&
      only(anyOf[0]!, 'agent') &&
      anyOf[0]!.agent.length === 1 &&
      anyOf[0]!.agent[0] === `${ACP}PublicAgent` &&
      manager !== undefined &&
      manager.agent.length === 0 &&
      manager.vc.length === 0 &&
      manager.client.length === 1 &&
      issuerOk(noneOf) &&
      deny.every((mode) => grantable.has(mode)) &&
      links.self &&
      !links.members;
    if (!shaped) return 'it is a deny rule Hearth never writes';
    return {
      kind: 'manager-only',
      clientId: manager.client[0]!,
      modes: deny.map(modeName),
      issuerBound: issuerBound([manager]),
      ...(pages.length === 1 ? { web: true } : {}),
    };
  }
  if (allow.length === 0) return 'it allows nothing';
  const matchers = [...allOf, ...anyOf];
  const agents = matchers.flatMap((m) => m.agent);
  const clients = matchers.flatMap((m) => m.client);
  if (matchers.some((m) => m.agent.length + m.client.length + m.issuer.length + m.vc.length === 0)) {
    return 'it has a matcher that names nobody';
  }
  // Read for everyone, or Read/Append for anyone logged in: one matcher, one agent class, nothing else.
  if (
    noneOf.length === 0 &&
    matchers.length === 1 &&
    only(matchers[0]!, 'agent') &&
    agents.length === 1 &&
    allow.length === 1 &&
    (agents[0] === `${ACP}PublicAgent` || agents[0] === `${ACP}AuthenticatedAgent`)
  ) {
    const everyone = agents[0] === `${ACP}PublicAgent`;
    if (allow[0] === `${ACL}Read`) return { kind: everyone ? 'public-read' : 'authenticated-read', links };
    if (allow[0] === `${ACL}Append` && !everyone) return { kind: 'authenticated-append', links };
    return everyone
      ? `it lets anyone ${modeName(allow[0]!).toLowerCase()}, even without logging in`
      : 'it lets anyone logged in write or control';
  }
  // The owner through one client: every condition in acp:allOf, naming the owner once and one client once.
  if (anyOf.length > 0) return 'its acp:anyOf lets in more than the owner through one app';
  if (noneOf.length > 0) return 'it has exceptions (acp:noneOf) Hearth never writes';
  if (agents.length !== 1 || agents[0] !== parties.webId) {
    const others = agents.filter((a) => a !== parties.webId).join(', ') || 'the owner more than once';
    return agents.length === 0
      ? 'it names a client without the owner: anyone using that client would get in'
      : `it gives access to ${others}, not only to the owner`;
  }
  if (clients.length === 0) return 'it names the owner without a client: every app of the owner would get in';
  if (clients.length > 1) return 'it names several clients';
  if (matchers.some((m) => m.vc.length > 0)) return 'it asks for verifiable credentials, which Hearth never does';
  if (!issuerOk(allOf)) return "it accepts tokens of another issuer than the pod's server";
  if (!allow.every((mode) => grantable.has(mode) || mode === `${ACL}Control`))
    return 'it allows a mode Hearth does not know';
  if (!links.self || !links.members) return 'it applies to only part of the container, which Hearth never writes';
  return { kind: 'client', clientId: clients[0]!, modes: allow.map(modeName), issuerBound: issuerBound(allOf) };
}

function modeName(iri: string): AccessMode {
  return (iri.startsWith(ACL) ? iri.slice(ACL.length) : iri) as AccessMode;
}

function dedupe(quads: Quad[]): Quad[] {
  const seen = new Set<string>();
  return quads.filter((q) => {
    const key = `${q.subject.value} ${q.predicate.value} ${q.object.termType}:${q.object.value}`;
    return !seen.has(key) && seen.add(key);
  });
}
