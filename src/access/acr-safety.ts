import type { Quad } from 'n3';
import { ACL, ACP } from '../vocab.js';

/** A policy of an ACR that would give away more than Hearth ever does, and why. */
export interface UnsafePolicy {
  /** The policy's IRI (or blank node label). */
  policy: string;
  /** Why it is refused, for people. */
  reason: string;
}

/** Where a policy stands: who it is for. */
interface PolicyShape {
  modes: string[];
  agents: string[];
  clients: string[];
  ownerBound: boolean;
}

/**
 * The policies of an ACR (of `resourceUrl`) that Hearth would never write for this owner, so must not accept from
 * elsewhere (an archive being imported): only these are allowed:
 * - the owner through one client (`acp:allOf` agent = owner), with Control only through the manager client;
 * - Read for the public or for any authenticated agent;
 * - Append for any authenticated agent on the inbox, and nowhere else (elsewhere it would let anyone add posts in the
 *   owner's name).
 * Deny-only policies restrict and are always fine.
 */
export function unsafePolicies(quads: readonly Quad[], owner: { webId: string; managerClientId: string; inboxUrl: string },
  resourceUrl: string): UnsafePolicy[] {
  const unsafe: UnsafePolicy[] = [];
  for (const policy of new Set(quads.filter((q) => q.predicate.value === `${ACP}allow`).map((q) => q.subject.value))) {
    const shape = shapeOf(quads, policy, owner.webId);
    const everyone = shape.agents.every((agent) => agent === `${ACP}PublicAgent` || agent === `${ACP}AuthenticatedAgent`);
    const onlyAuthenticated = shape.agents.every((agent) => agent === `${ACP}AuthenticatedAgent`);
    let reason: string | undefined;
    if (shape.ownerBound) {
      if (shape.modes.includes(`${ACL}Control`) && !shape.clients.includes(owner.managerClientId)) {
        reason = 'it gives Control to a client that is not Hearth\'s manager';
      }
    } else if (shape.agents.length === 0 || !everyone) {
      reason = `it gives access to ${shape.agents.length ? shape.agents.join(', ') : 'anyone matching its clients'}, not only to the owner`;
    } else if (shape.modes.some((mode) => mode !== `${ACL}Read` && mode !== `${ACL}Append`)) {
      reason = 'it lets others write or control';
    } else if (shape.modes.includes(`${ACL}Append`) && !(onlyAuthenticated && resourceUrl === owner.inboxUrl)) {
      reason = 'it lets others append outside the inbox';
    }
    if (reason) unsafe.push({ policy, reason });
  }
  return unsafe;
}

/** The quads of an ACR without the given policies (and without the links that applied them). */
export function withoutPolicies(quads: readonly Quad[], policies: readonly string[]): Quad[] {
  const gone = new Set(policies);
  return quads.filter((q) => !gone.has(q.subject.value) && !(q.predicate.value === `${ACP}apply` && gone.has(q.object.value)));
}

function shapeOf(quads: readonly Quad[], policy: string, ownerWebId: string): PolicyShape {
  const objects = (subject: string, predicate: string) =>
    quads.filter((q) => q.subject.value === subject && q.predicate.value === `${ACP}${predicate}`).map((q) => q.object.value);
  const modes = quads.filter((q) => q.subject.value === policy && q.predicate.value === `${ACP}allow`).map((q) => q.object.value);
  const allOf = objects(policy, 'allOf');
  const matchers = [...allOf, ...objects(policy, 'anyOf')];
  const agents = matchers.flatMap((matcher) => objects(matcher, 'agent'));
  const clients = matchers.flatMap((matcher) => objects(matcher, 'client'));
  // Bound to the owner: some matcher every request must satisfy (allOf) names the owner and no one else.
  const ownerBound = allOf.some((matcher) => {
    const named = objects(matcher, 'agent');
    return named.length > 0 && named.every((agent) => agent === ownerWebId);
  });
  return { modes, agents, clients, ownerBound };
}
