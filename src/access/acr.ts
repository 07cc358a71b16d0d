import { DataFactory, Writer } from 'n3';
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

/** An `acp:client` value: an IRI for Client ID Documents, a string literal for client-credential ids. */
export function clientMatcherTerm(clientId: string) {
  return /^https?:\/\//u.test(clientId) ? namedNode(clientId) : literal(clientId);
}

/** Serializes quads as Turtle with the ACP prefixes. */
export function toTurtle(quads: Quad[]): string {
  const writer = new Writer({ prefixes: { acp: ACP, acl: ACL } });
  writer.addQuads(quads);
  let out = '';
  writer.end((error, result) => {
    if (error) throw error;
    out = result;
  });
  return out;
}
