// The owner as Hearth's web page acts for them: the page's own fetch (its rule on the pod's root lets the owner in
// through it), but the real manager's client id, read from that same root rule, so that every rule and record the page
// writes names Hearth's manager and never the page. Browser-clean.
import { AccountApi } from '../account/account-api.js';
import { HearthError } from '../errors.js';
import type { Actor } from '../social/self.js';
import { ownPod } from '../social/self.js';
import { readTurtleDoc } from '../turtle-doc.js';
import { acrUrlOf, podIssuerOf } from './acr.js';
import { readAcrRules, webPageIdOf } from './acr-rules.js';
import type { PodOwner } from './grants.js';

/** The pod's root rule does not name exactly one manager beside the web page: the page will not guess. */
export class ManagerUnknownError extends HearthError {
  /** The client ids that have Control over the root, the page's excepted. */
  readonly candidates: string[];
  constructor(podUrl: string, candidates: string[]) {
    super(
      'MANAGER_UNKNOWN',
      candidates.length === 0
        ? `The access rule of ${podUrl} names no Hearth manager beside this page, so the page cannot act for it: ` +
            'run `hearth login` to bring the pod up to date.'
        : `The access rule of ${podUrl} gives Control to ${candidates.length} clients beside this page ` +
            `(${candidates.join(', ')}): the page cannot tell which is Hearth's manager. ` +
            'Run `hearth apps check` to see what is wrong.',
    );
    this.candidates = candidates;
  }
}

/**
 * The owner as the web page acts for them: `actor`'s fetch and WebID, the pod (its profile's storage, unless given),
 * and the manager's client id from the pod's root ACR: the one client besides the page whose rule gives the owner
 * Control. Refuses (`ManagerUnknownError`) when there is none or more than one.
 */
export async function pageOwner(actor: Actor, options: { podUrl?: string } = {}): Promise<PodOwner> {
  const podUrl = options.podUrl ?? (await ownPod(actor));
  const issuer = podIssuerOf(podUrl);
  const acr = await readTurtleDoc(actor.fetch, acrUrlOf(podUrl));
  const parties = { webId: actor.webId, managerClientId: '', issuer };
  const page = webPageIdOf(parties);
  const { rules } = readAcrRules(acr?.quads ?? [], podUrl, parties);
  const candidates = [
    ...new Set(
      rules.flatMap((rule) =>
        rule.kind === 'client' && rule.clientId !== page && rule.modes.includes('Control') ? [rule.clientId] : [],
      ),
    ),
  ];
  if (candidates.length !== 1) throw new ManagerUnknownError(podUrl, candidates);
  return { fetch: actor.fetch, podUrl, webId: actor.webId, managerClientId: candidates[0]!, issuer };
}

/**
 * The server's account API as this browser is signed in to it (CSS's `css-account` cookie, sent same-origin), or
 * undefined when it is not (no cookie, or it expired): then nothing can be done there without the password.
 */
export async function browserAccountApi(server: string): Promise<AccountApi | undefined> {
  const withCookie = ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    globalThis.fetch(input, {
      ...init,
      credentials: 'include',
      cache: 'no-store',
      redirect: 'manual',
    })) as typeof fetch;
  const api = new AccountApi(server, withCookie);
  try {
    return (await api.controls()).account?.clientCredentials ? api : undefined;
  } catch (error: unknown) {
    if (!(error instanceof HearthError)) throw error;
    return undefined;
  }
}
