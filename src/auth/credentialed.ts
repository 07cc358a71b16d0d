// Which fetches carry someone's credentials. Kept apart from session.ts (Node only) so that a browser bundle can ask
// too: the Node session and the web page's session both register their fetch here, through `withoutRedirects`.

const credentialed = new WeakSet<typeof fetch>();

/**
 * Whether `fetchFn` is a session's fetch (it carries someone's credentials): bounded reads never follow a redirect with
 * it. A fetch that wraps a session's fetch is not recognised: pass the session's own.
 */
export function carriesCredentials(fetchFn: typeof fetch): boolean {
  return credentialed.has(fetchFn);
}

/**
 * The authenticated fetch with `redirect: 'manual'` on every request, whatever the caller asks (an authenticated fetch
 * would otherwise follow a redirect and sign the request again for wherever the answering server points), registered
 * as one that carries credentials.
 */
export function withoutRedirects(authenticated: typeof fetch): typeof fetch {
  const manual = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    authenticated(input, { ...init, redirect: 'manual' })) as typeof fetch;
  credentialed.add(manual);
  return manual;
}
