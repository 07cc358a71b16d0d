import { createHash } from 'node:crypto';
import { DataFactory } from 'n3';
import type { Quad } from 'n3';
import { ACL, ACP, RDF } from '../vocab.js';

const { namedNode, literal, quad } = DataFactory;

/** An access mode an ACP policy can allow. */
export type AccessMode = 'Read' | 'Append' | 'Write' | 'Control';

/** The URL of the ACR of a resource, as CSS names it (`<resource>.acr`). */
export function acrUrlOf(resourceUrl: string): string {
  return `${resourceUrl}.acr`;
}

/** Quads of a policy that allows `modes` when the agent is `webId` AND the client is `clientId`. */
export function ownerAndClientPolicy(acrUrl: string, key: string, webId: string, clientId: string, modes: AccessMode[]): Quad[] {
  const policy = namedNode(`${acrUrl}#${key}-policy`);
  const agentMatcher = namedNode(`${acrUrl}#${key}-agent`);
  const clientMatcher = namedNode(`${acrUrl}#${key}-client`);
  return [
    quad(policy, namedNode(`${RDF}type`), namedNode(`${ACP}Policy`)),
    ...modes.map((mode) => quad(policy, namedNode(`${ACP}allow`), namedNode(`${ACL}${mode}`))),
    quad(policy, namedNode(`${ACP}allOf`), agentMatcher),
    quad(policy, namedNode(`${ACP}allOf`), clientMatcher),
    quad(agentMatcher, namedNode(`${RDF}type`), namedNode(`${ACP}Matcher`)),
    quad(agentMatcher, namedNode(`${ACP}agent`), namedNode(webId)),
    quad(clientMatcher, namedNode(`${RDF}type`), namedNode(`${ACP}Matcher`)),
    // Client-credential ids are not IRIs: CSS compares them as strings, so they must be literals.
    quad(clientMatcher, namedNode(`${ACP}client`), clientMatcherTerm(clientId)),
  ];
}

/**
 * The root ACR of a Hearth pod: the owner has Read, Write and Control over everything,
 * but only through Hearth's manager client; no other app of the owner gets anything from it.
 */
export function managerOnlyRootAcr(podUrl: string, webId: string, managerClientId: string): Quad[] {
  const acrUrl = acrUrlOf(podUrl);
  const acr = namedNode(`${acrUrl}#root`);
  const control = namedNode(`${acrUrl}#manager`);
  return [
    quad(acr, namedNode(`${RDF}type`), namedNode(`${ACP}AccessControlResource`)),
    // CSS ignores an ACR that does not say which resource it controls.
    quad(acr, namedNode(`${ACP}resource`), namedNode(podUrl)),
    quad(acr, namedNode(`${ACP}accessControl`), control),
    quad(acr, namedNode(`${ACP}memberAccessControl`), control),
    quad(control, namedNode(`${RDF}type`), namedNode(`${ACP}AccessControl`)),
    quad(control, namedNode(`${ACP}apply`), namedNode(`${acrUrl}#manager-policy`)),
    ...ownerAndClientPolicy(acrUrl, 'manager', webId, managerClientId, ['Read', 'Write', 'Control']),
  ];
}

/**
 * The root ACR a new pod is born with (pod-config/templates/pod/acp/.acr.hbs): the owner, with any client, may only
 * rewrite this ACR. Hearth puts it back when a server administrator unlocks a pod whose manager credential was lost.
 */
export function ownerControlOnlyRootAcr(podUrl: string, webId: string): Quad[] {
  const acrUrl = acrUrlOf(podUrl);
  const acr = namedNode(`${acrUrl}#root`);
  const control = namedNode(`${acrUrl}#ownerControlOnly`);
  const policy = namedNode(`${acrUrl}#ownerControlOnly-policy`);
  const matcher = namedNode(`${acrUrl}#ownerControlOnly-agent`);
  return [
    quad(acr, namedNode(`${RDF}type`), namedNode(`${ACP}AccessControlResource`)),
    quad(acr, namedNode(`${ACP}resource`), namedNode(podUrl)),
    quad(acr, namedNode(`${ACP}accessControl`), control),
    quad(control, namedNode(`${RDF}type`), namedNode(`${ACP}AccessControl`)),
    quad(control, namedNode(`${ACP}apply`), policy),
    quad(policy, namedNode(`${RDF}type`), namedNode(`${ACP}Policy`)),
    quad(policy, namedNode(`${ACP}allow`), namedNode(`${ACL}Control`)),
    quad(policy, namedNode(`${ACP}anyOf`), matcher),
    quad(matcher, namedNode(`${RDF}type`), namedNode(`${ACP}Matcher`)),
    quad(matcher, namedNode(`${ACP}agent`), namedNode(webId)),
  ];
}

/** An `acp:client` value: an IRI for Client ID Documents, a string literal for client-credential ids. */
export function clientMatcherTerm(clientId: string) {
  return /^https?:\/\//u.test(clientId) ? namedNode(clientId) : literal(clientId);
}

/** A stable fragment key for an app's quads in any ACR: `app-` and 16 hex digits of the SHA-256 of its client id. */
export function appKey(clientId: string): string {
  return `app-${createHash('sha256').update(clientId).digest('hex').slice(0, 16)}`;
}

/** The subject of an ACR that states `acp:resource <resourceUrl>`, if the quads have one. */
export function acrSubjectOf(quads: Quad[], resourceUrl: string): Quad['subject'] | undefined {
  return quads.find((q) => q.predicate.value === `${ACP}resource` && q.object.value === resourceUrl)?.subject;
}

/** A new ACR for a resource: just the statement that it controls that resource (CSS ignores ACRs without it). */
export function emptyAcr(resourceUrl: string): Quad[] {
  const acr = namedNode(`${acrUrlOf(resourceUrl)}#acr`);
  return [
    quad(acr, namedNode(`${RDF}type`), namedNode(`${ACP}AccessControlResource`)),
    quad(acr, namedNode(`${ACP}resource`), namedNode(resourceUrl)),
  ];
}

/**
 * The quads that give the owner `modes` over a container and everything in it, only through the app `clientId`:
 * an acp:AccessControl used through both acp:accessControl and acp:memberAccessControl of the ACR `acrSubject`.
 */
export function appAccessControl(resourceUrl: string, acrSubject: Quad['subject'], webId: string, clientId: string,
  modes: Exclude<AccessMode, 'Control'>[]): Quad[] {
  const acrUrl = acrUrlOf(resourceUrl);
  const key = appKey(clientId);
  const control = namedNode(`${acrUrl}#${key}-control`);
  return [
    quad(acrSubject, namedNode(`${ACP}accessControl`), control),
    quad(acrSubject, namedNode(`${ACP}memberAccessControl`), control),
    quad(control, namedNode(`${RDF}type`), namedNode(`${ACP}AccessControl`)),
    quad(control, namedNode(`${ACP}apply`), namedNode(`${acrUrl}#${key}-policy`)),
    ...ownerAndClientPolicy(acrUrl, key, webId, clientId, modes.filter((mode) => (mode as AccessMode) !== 'Control')),
  ];
}

/** The quads of an ACR without those of one app (every quad whose subject or object is one of the app's IRIs). */
export function withoutApp(quads: Quad[], resourceUrl: string, clientId: string): Quad[] {
  const prefix = `${acrUrlOf(resourceUrl)}#${appKey(clientId)}-`;
  const mine = (term: Quad['subject'] | Quad['object']) => term.termType === 'NamedNode' && term.value.startsWith(prefix);
  return quads.filter((q) => !mine(q.subject) && !mine(q.object));
}

/** A client an ACR gives something to, through a policy with an `acp:client` matcher. */
export interface ClientAllowance {
  /** The client id the matcher names (IRI or literal value). */
  clientId: string;
  /** The modes the policy allows. */
  modes: AccessMode[];
  /** Whether the policy also requires an agent matcher (`acp:allOf`); false means any agent with that client. */
  agentBound: boolean;
}

/** Every policy in an ACR that names a client (any key, Hearth's or not): which client, which modes. */
export function clientAllowancesIn(quads: Quad[]): ClientAllowance[] {
  const byClient = new Map<string, ClientAllowance>();
  const matchersWithClient = new Map<string, string>();
  for (const q of quads) if (q.predicate.value === `${ACP}client`) matchersWithClient.set(q.subject.value, q.object.value);
  for (const q of quads) {
    if ((q.predicate.value !== `${ACP}allOf` && q.predicate.value !== `${ACP}anyOf`) || !matchersWithClient.has(q.object.value)) continue;
    const clientId = matchersWithClient.get(q.object.value)!;
    const policy = q.subject.value;
    const modes = quads.filter((p) => p.subject.value === policy && p.predicate.value === `${ACP}allow`)
      .map((p) => p.object.value.slice(ACL.length) as AccessMode);
    const agentBound = quads.some((p) => p.subject.value === policy && p.predicate.value === `${ACP}allOf` &&
      quads.some((m) => m.subject.value === p.object.value && m.predicate.value === `${ACP}agent`));
    const known = byClient.get(clientId);
    byClient.set(clientId, { clientId, modes: [...new Set([...(known?.modes ?? []), ...modes])], agentBound: (known?.agentBound ?? true) && agentBound });
  }
  return [...byClient.values()];
}
