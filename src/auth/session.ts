import { Session } from '@inrupt/solid-client-authn-node';
import { NetworkError, NotLoggedInError, describe } from '../errors.js';
import { NoAnswerError, requestTimeoutMs, withRequestTimeout, withinTimeLimit } from '../request-timeout.js';
import { withoutRedirects } from './credentialed.js';

/** What is needed to log in as an app with a client credential. */
export interface ClientLogin {
  /** Base URL of the pod server, which is also the OIDC issuer. */
  server: string;
  /** The client credential's id. */
  clientId: string;
  /** The client credential's secret. */
  clientSecret: string;
  /**
   * Time the login may take, and each request of the session until its answer arrives, in ms (default: 30 s, or what
   * `setDefaultRequestTimeout` set). A request's own `signal` still works beside it.
   */
  timeoutMs?: number;
}

/** An authenticated session: a `fetch` that carries DPoP-bound tokens for `webId`. */
export interface HearthSession {
  /** The WebID the tokens speak for. */
  readonly webId: string;
  /** The client id the tokens carry. */
  readonly clientId: string;
  /**
   * A fetch that authenticates every request, never follows a redirect (a 3xx comes back as it is, not ok), and gives
   * up with a {@link NoAnswerError} when the answer does not begin within the session's time limit.
   */
  readonly fetch: typeof fetch;
  /** Ends the session. */
  logout(): Promise<void>;
}

/** Logs in with a client credential (Solid-OIDC client credentials grant with DPoP), within the time limit. */
export async function openSession(login: ClientLogin): Promise<HearthSession> {
  const session = new Session();
  const timeoutMs = requestTimeoutMs(login.timeoutMs);
  const what = 'the login (Solid-OIDC client credentials)';
  try {
    // authn's login takes no signal: the time limit answers for it (its own requests give up after a few seconds).
    await withinTimeLimit(
      login.server,
      timeoutMs,
      undefined,
      async () =>
        session.login({
          clientId: login.clientId,
          clientSecret: login.clientSecret,
          oidcIssuer: login.server,
          tokenType: 'DPoP',
        }),
      what,
    );
  } catch (error: unknown) {
    if (error instanceof NoAnswerError) throw error;
    const waited = timedOutAfter(error);
    if (waited !== undefined) throw new NoAnswerError(login.server, waited, what);
    if (unreachable(error)) throw new NetworkError(login.server, error, 'Is the pod server running?');
    const refused = /invalid_client|client authentication failed/iu.test(describe(error));
    throw new NotLoggedInError(
      refused
        ? `The pod server ${login.server} no longer accepts the stored credential of client ${login.clientId} ` +
            '(it was deleted or replaced). Log in again with `hearth login` (your password is asked for).'
        : `Login to ${login.server} as client ${login.clientId} failed: ${scrub(describe(error), login.clientSecret)}`,
      { cause: error },
    );
  }
  const { isLoggedIn, webId } = session.info;
  if (!isLoggedIn || !webId) {
    throw new NotLoggedInError(
      `Login to ${login.server} as client ${login.clientId} was refused: the credential may have been deleted.`,
    );
  }
  return {
    webId,
    clientId: login.clientId,
    fetch: withoutRedirects(withRequestTimeout(session.fetch.bind(session) as typeof fetch, timeoutMs)),
    logout: async () => session.logout(),
  };
}

/**
 * The ms after which openid-client gave up on its own ("outgoing request timed out after 3500ms"), if that is the
 * error.
 */
function timedOutAfter(error: unknown): number | undefined {
  for (
    let current = error as { cause?: unknown; message?: string } | undefined;
    current;
    current = current.cause as typeof current
  ) {
    const found =
      typeof current.message === 'string' ? /outgoing request timed out after (\d+)\s*ms/u.exec(current.message) : null;
    if (found) return Number(found[1]);
  }
  return undefined;
}

/** Whether an error says the server could not be reached at all (refused, unknown host, reset). */
function unreachable(error: unknown): boolean {
  const codes = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT'];
  for (
    let current = error as { code?: string; cause?: unknown; message?: string } | undefined;
    current;
    current = current.cause as typeof current
  ) {
    if ((current.code && codes.includes(current.code)) || codes.some((code) => current?.message?.includes(code)))
      return true;
  }
  return false;
}

/** Removes a secret from a text, in case a library echoed it. */
function scrub(text: string, secret: string): string {
  return secret ? text.split(secret).join('***') : text;
}
