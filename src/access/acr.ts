import { DataFactory } from 'n3';
import type { Quad } from 'n3';
import { sha256Hex } from '../hash.js';
import { ACL, ACP, RDF } from '../vocab.js';

const { namedNode, literal, quad } = DataFactory;

/** An access mode an ACP policy can allow. */
export type AccessMode = 'Read' | 'Append' | 'Write' | 'Control';

/** The URL of the ACR of a resource, as CSS names it (`<resource>.acr`). */
export function acrUrlOf(resourceUrl: string): string {
  return `${resourceUrl}.acr`;
}

/**
 * The issuer of the tokens of a Hearth pod's owner: the pod server itself, whose base URL is the pod's parent
 * (pods are `<server><name>/`). CSS accepts tokens of any issuer a WebID profile names; Hearth's owner rules
 * accept only this one.
 */
export function podIssuerOf(podUrl: string): string {
  return new URL('../', podUrl).href;
}

/**
 * Quads of a policy that allows `modes` when the agent is `webId` AND the client is `clientId` AND the token comes
 * from `issuer` (so a login provider someone adds to the profile can never mint a token that satisfies it).
 */
export function ownerAndClientPolicy(
  acrUrl: string,
  key: string,
  webId: string,
  clientId: string,
  modes: AccessMode[],
  issuer: string,
): Quad[] {
  const policy = namedNode(`${acrUrl}#${key}-policy`);
  const agentMatcher = namedNode(`${acrUrl}#${key}-agent`);
  const clientMatcher = namedNode(`${acrUrl}#${key}-client`);
  const issuerMatcher = namedNode(`${acrUrl}#${key}-issuer`);
  return [
    quad(policy, namedNode(`${RDF}type`), namedNode(`${ACP}Policy`)),
    ...modes.map((mode) => quad(policy, namedNode(`${ACP}allow`), namedNode(`${ACL}${mode}`))),
    quad(policy, namedNode(`${ACP}allOf`), agentMatcher),
    quad(policy, namedNode(`${ACP}allOf`), clientMatcher),
    quad(policy, namedNode(`${ACP}allOf`), issuerMatcher),
    quad(agentMatcher, namedNode(`${RDF}type`), namedNode(`${ACP}Matcher`)),
    quad(agentMatcher, namedNode(`${ACP}agent`), namedNode(webId)),
    quad(clientMatcher, namedNode(`${RDF}type`), namedNode(`${ACP}Matcher`)),
    // Client-credential ids are not IRIs: CSS compares them as strings, so they must be literals.
    quad(clientMatcher, namedNode(`${ACP}client`), clientMatcherTerm(clientId)),
    quad(issuerMatcher, namedNode(`${RDF}type`), namedNode(`${ACP}Matcher`)),
    quad(issuerMatcher, namedNode(`${ACP}issuer`), namedNode(issuer)),
  ];
}

/**
 * The root ACR of a Hearth pod: the owner has Read, Write and Control over everything,
 * but only through Hearth's manager client and with tokens of the pod's own server; no other app of the owner gets
 * anything from it. With `webClientId` (Hearth's web page on this server, `webClientIdOf(issuer)`), a second
 * AccessControl `#web` gives the owner the same through the page, again only with tokens of this server: every user
 * of the server signs in to the page with that one client id, so the rule names the owner too.
 */
export function managerOnlyRootAcr(
  podUrl: string,
  webId: string,
  managerClientId: string,
  issuer = podIssuerOf(podUrl),
  webClientId?: string,
): Quad[] {
  const acrUrl = acrUrlOf(podUrl);
  const acr = namedNode(`${acrUrl}#root`);
  const owner = ['Read', 'Write', 'Control'] as AccessMode[];
  const controls: [key: string, clientId: string][] = [['manager', managerClientId]];
  if (webClientId !== undefined) controls.push(['web', webClientId]);
  return [
    quad(acr, namedNode(`${RDF}type`), namedNode(`${ACP}AccessControlResource`)),
    // CSS ignores an ACR that does not say which resource it controls.
    quad(acr, namedNode(`${ACP}resource`), namedNode(podUrl)),
    ...controls.flatMap(([key, clientId]) => {
      const control = namedNode(`${acrUrl}#${key}`);
      return [
        quad(acr, namedNode(`${ACP}accessControl`), control),
        quad(acr, namedNode(`${ACP}memberAccessControl`), control),
        quad(control, namedNode(`${RDF}type`), namedNode(`${ACP}AccessControl`)),
        quad(control, namedNode(`${ACP}apply`), namedNode(`${acrUrl}#${key}-policy`)),
        ...ownerAndClientPolicy(acrUrl, key, webId, clientId, owner, issuer),
      ];
    }),
  ];
}

/**
 * The root ACR of a pod whose manager credential was lost, put back by the server administrator (`unlockPod`): the
 * owner,
 * with any client of the pod's own server, may only rewrite this ACR, and every app of the owner is refused all data
 * (a deny on the root and everything in it, which wins over the apps' grants) until `hearth login` locks the pod to a
 * new manager, which lifts it.
 */
export function ownerControlOnlyRootAcr(podUrl: string, webId: string, issuer = podIssuerOf(podUrl)): Quad[] {
  const acrUrl = acrUrlOf(podUrl);
  const node = (name: string) => namedNode(`${acrUrl}#${name}`);
  const type = namedNode(`${RDF}type`);
  return [
    quad(node('root'), type, namedNode(`${ACP}AccessControlResource`)),
    quad(node('root'), namedNode(`${ACP}resource`), namedNode(podUrl)),
    quad(node('root'), namedNode(`${ACP}accessControl`), node('ownerControlOnly')),
    quad(node('ownerControlOnly'), type, namedNode(`${ACP}AccessControl`)),
    quad(node('ownerControlOnly'), namedNode(`${ACP}apply`), node('ownerControlOnly-policy')),
    quad(node('ownerControlOnly-policy'), type, namedNode(`${ACP}Policy`)),
    quad(node('ownerControlOnly-policy'), namedNode(`${ACP}allow`), namedNode(`${ACL}Control`)),
    quad(node('ownerControlOnly-policy'), namedNode(`${ACP}allOf`), node('ownerControlOnly-agent')),
    quad(node('ownerControlOnly-agent'), type, namedNode(`${ACP}Matcher`)),
    quad(node('ownerControlOnly-agent'), namedNode(`${ACP}agent`), namedNode(webId)),
    quad(node('ownerControlOnly-agent'), namedNode(`${ACP}issuer`), namedNode(issuer)),
    // Grants stay written, but nothing of the owner's reaches any data while the pod has no manager.
    quad(node('root'), namedNode(`${ACP}accessControl`), node('suspended')),
    quad(node('root'), namedNode(`${ACP}memberAccessControl`), node('suspended')),
    quad(node('suspended'), type, namedNode(`${ACP}AccessControl`)),
    quad(node('suspended'), namedNode(`${ACP}apply`), node('suspended-policy')),
    quad(node('suspended-policy'), type, namedNode(`${ACP}Policy`)),
    ...(['Read', 'Append', 'Write'] as const).map((mode) =>
      quad(node('suspended-policy'), namedNode(`${ACP}deny`), namedNode(`${ACL}${mode}`)),
    ),
    quad(node('suspended-policy'), namedNode(`${ACP}anyOf`), node('suspended-owner')),
    quad(node('suspended-owner'), type, namedNode(`${ACP}Matcher`)),
    quad(node('suspended-owner'), namedNode(`${ACP}agent`), namedNode(webId)),
  ];
}

/** Who Hearth's access rules are for: the pod's owner, the manager client, the issuer of their tokens. */
export interface AccessParties {
  /** The owner's WebID. */
  webId: string;
  /** The manager's client id: the only client with Control, and the only one that may touch Hearth's own records. */
  managerClientId: string;
  /** The pod server's issuer (`podIssuerOf`). */
  issuer: string;
  /**
   * Hearth's web page on this server (`webClientIdOf(issuer)`) when the owner has it on: rules written for these
   * parties then admit the owner through the page as through the manager. Undefined when the page is off.
   */
  webClientId?: string;
}

/** An `acp:client` value: an IRI for Client ID Documents, a string literal for client-credential ids. */
export function clientMatcherTerm(clientId: string) {
  return /^https?:\/\//u.test(clientId) ? namedNode(clientId) : literal(clientId);
}

/** A stable fragment key for an app's quads in any ACR: `app-` and 16 hex digits of the SHA-256 of its client id. */
export function appKey(clientId: string): string {
  return `app-${sha256Hex(clientId).slice(0, 16)}`;
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
 * with tokens of `issuer`: an acp:AccessControl used through both acp:accessControl and acp:memberAccessControl of the
 * ACR
 * `acrSubject`.
 */
export function appAccessControl(
  resourceUrl: string,
  acrSubject: Quad['subject'],
  webId: string,
  clientId: string,
  modes: Exclude<AccessMode, 'Control'>[],
  issuer: string,
): Quad[] {
  const acrUrl = acrUrlOf(resourceUrl);
  const key = appKey(clientId);
  const control = namedNode(`${acrUrl}#${key}-control`);
  return [
    quad(acrSubject, namedNode(`${ACP}accessControl`), control),
    quad(acrSubject, namedNode(`${ACP}memberAccessControl`), control),
    quad(control, namedNode(`${RDF}type`), namedNode(`${ACP}AccessControl`)),
    quad(control, namedNode(`${ACP}apply`), namedNode(`${acrUrl}#${key}-policy`)),
    ...ownerAndClientPolicy(
      acrUrl,
      key,
      webId,
      clientId,
      modes.filter((mode) => (mode as AccessMode) !== 'Control'),
      issuer,
    ),
  ];
}

/** The quads of an ACR without those of one app (every quad whose subject or object is one of the app's IRIs). */
export function withoutApp(quads: Quad[], resourceUrl: string, clientId: string): Quad[] {
  const prefix = `${acrUrlOf(resourceUrl)}#${appKey(clientId)}-`;
  const mine = (term: Quad['subject'] | Quad['object']) =>
    term.termType === 'NamedNode' && term.value.startsWith(prefix);
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
  for (const q of quads)
    if (q.predicate.value === `${ACP}client`) matchersWithClient.set(q.subject.value, q.object.value);
  for (const q of quads) {
    if (
      (q.predicate.value !== `${ACP}allOf` && q.predicate.value !== `${ACP}anyOf`) ||
      !matchersWithClient.has(q.object.value)
    )
      continue;
    const clientId = matchersWithClient.get(q.object.value)!;
    const policy = q.subject.value;
    const modes = quads
      .filter((p) => p.subject.value === policy && p.predicate.value === `${ACP}allow`)
      .map((p) => p.object.value.slice(ACL.length) as AccessMode);
    const agentBound = quads.some(
      (p) =>
        p.subject.value === policy &&
        p.predicate.value === `${ACP}allOf` &&
        quads.some((m) => m.subject.value === p.object.value && m.predicate.value === `${ACP}agent`),
    );
    const known = byClient.get(clientId);
    byClient.set(clientId, {
      clientId,
      modes: [...new Set([...(known?.modes ?? []), ...modes])],
      agentBound: (known?.agentBound ?? true) && agentBound,
    });
  }
  return [...byClient.values()];
}
