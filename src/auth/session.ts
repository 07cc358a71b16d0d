import { Session } from '@inrupt/solid-client-authn-node';
import { NotLoggedInError, describe } from '../errors.js';

/** What is needed to log in as an app with a client credential. */
export interface ClientLogin {
  /** Base URL of the pod server, which is also the OIDC issuer. */
  server: string;
  /** The client credential's id. */
  clientId: string;
  /** The client credential's secret. */
  clientSecret: string;
}

/** An authenticated session: a `fetch` that carries DPoP-bound tokens for `webId`. */
export interface HearthSession {
  /** The WebID the tokens speak for. */
  readonly webId: string;
  /** The client id the tokens carry. */
  readonly clientId: string;
  /** A fetch that authenticates every request. */
  readonly fetch: typeof fetch;
  /** Ends the session. */
  logout(): Promise<void>;
}

/** Logs in with a client credential (Solid-OIDC client credentials grant with DPoP). */
export async function openSession(login: ClientLogin): Promise<HearthSession> {
  const session = new Session();
  try {
    await session.login({
      clientId: login.clientId,
      clientSecret: login.clientSecret,
      oidcIssuer: login.server,
      tokenType: 'DPoP',
    });
  } catch (error: unknown) {
    throw new NotLoggedInError(`Login to ${login.server} as client ${login.clientId} failed: ${scrub(describe(error), login.clientSecret)}`);
  }
  const { isLoggedIn, webId } = session.info;
  if (!isLoggedIn || !webId) {
    throw new NotLoggedInError(`Login to ${login.server} as client ${login.clientId} was refused: the credential may have been deleted.`);
  }
  return {
    webId,
    clientId: login.clientId,
    fetch: session.fetch.bind(session) as typeof fetch,
    logout: async () => session.logout(),
  };
}

/** Removes a secret from a text, in case a library echoed it. */
function scrub(text: string, secret: string): string {
  return secret ? text.split(secret).join('***') : text;
}
