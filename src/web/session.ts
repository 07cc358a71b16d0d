// The browser session of Hearth's web page: sign-in with Solid-OIDC (authorization code, PKCE and DPoP, through the
// pod server's own login and consent pages) as the client of `<base>hearth/id`, and the `Actor` the library's functions
// take, as the CLI builds one from its manager session (src/cli/session.ts).
import { Session } from '@inrupt/solid-client-authn-browser';
import { withoutRedirects } from '../auth/credentialed.js';
import { withRequestTimeout } from '../request-timeout.js';
import type { Actor } from '../social/self.js';

/** The page's own URL (`<base>hearth/`, without the query the sign-in returns with), its client id and its issuer. */
export const pageUrl = new URL('./', location.href).href;
export const clientId = new URL('id', pageUrl).href;
export const issuer = new URL('../', pageUrl).href;

/** Time one request to a pod may take before the page gives up on it, in ms. */
export const requestTimeoutMs = 30_000;

const session = new Session();

/** Whether sign-in can work here: the server accepts web pages' sign-in only at https or http://localhost addresses. */
export function signInPossible(): boolean {
  return location.protocol === 'https:' || location.hostname === 'localhost';
}

/**
 * Completes a sign-in the browser came back from (the URL's `code`), if any, or restores the session of an earlier
 * visit (a reload): the browser goes to the server's sign-in without a prompt and back, to the page it was on. The
 * WebID signed in, or undefined. A silent attempt the server refused (`?error=`) is not tried again on that load.
 */
export async function completeSignIn(): Promise<string | undefined> {
  const url = new URL(location.href);
  session.events.on('sessionRestore', (restored: string) => {
    // Back where the owner was (`#/apps`, say), never anywhere but this page.
    if (restored.startsWith(pageUrl)) history.replaceState(null, '', restored);
  });
  const refused = url.searchParams.has('error');
  const info = await session.handleIncomingRedirect({ url: location.href, restorePreviousSession: !refused });
  if (refused) history.replaceState(null, '', pageUrl + url.hash);
  return info?.isLoggedIn && info.webId ? info.webId : undefined;
}

/** Sends the browser to the pod server's sign-in page; it comes back to this page. */
export async function signIn(): Promise<void> {
  await session.login({ oidcIssuer: issuer, clientId, redirectUrl: pageUrl });
}

/** Ends the session (its tokens are only in this page's memory). */
export async function signOut(): Promise<void> {
  await session.logout();
}

/**
 * The signed-in owner as the library's functions take them: the WebID and the session's fetch, which never uses the
 * browser's cache (a cached 200 would hide a revoked rule), gives up after `requestTimeoutMs`, never follows a
 * redirect, and is registered as carrying credentials. No client id: the page must never make a record only the
 * manager may.
 */
export function ownerActor(webId: string): Actor {
  const authenticated = session.fetch.bind(session) as typeof fetch;
  const noStore = ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    authenticated(input, { ...init, cache: 'no-store' })) as typeof fetch;
  return { webId, fetch: withoutRedirects(withRequestTimeout(noStore, requestTimeoutMs)) };
}

/**
 * The fetch of public reads (other people's posts, names and images): no credentials, not the browser's cache (so a
 * post just written shows at once).
 */
export const publicFetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
  globalThis.fetch(input, { ...init, cache: 'no-store', credentials: 'omit' })) as typeof fetch;

/** An error for people: its message. */
export function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
