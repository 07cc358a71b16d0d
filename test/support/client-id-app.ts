import { createServer, type Server } from 'node:http';
import { Session } from '@inrupt/solid-client-authn-node';
import type { HearthSession } from '../../src/index.js';
import { freePort } from './ports.js';

/** A Solid-OIDC app identified by a Client ID Document served from a loopback HTTP server. */
export interface ClientIdApp {
  /** The document's URL: the app's client id. */
  clientId: string;
  /** Where the identity provider sends the authorization code. */
  redirectUrl: string;
  /** Logs a user in through the authorization-code flow, headless, with their email and password. */
  login(server: string, user: { email: string; password: string; webId: string }): Promise<HearthSession>;
  /** Stops the document server. */
  stop(): Promise<void>;
}

/** How the document is served. */
export interface ClientIdAppOptions {
  /**
   * Lets any web page read the document (`access-control-allow-origin: *`), as static hosts serve apps: the owner's
   * page reads it in the browser to name the app.
   */
  cors?: boolean;
}

/**
 * Serves a Client ID Document named `name` on `http://localhost:PORT/id` (CSS accepts http client ids only on
 * localhost), with the fields of `extra` (a `logo_uri`, say) added.
 */
export async function startClientIdApp(
  name: string,
  extra: Record<string, unknown> = {},
  options: ClientIdAppOptions = {},
): Promise<ClientIdApp> {
  const port = await freePort();
  const base = `http://localhost:${port}/`;
  const clientId = `${base}id`;
  const redirectUrl = `${base}callback`;
  const document = {
    '@context': ['https://www.w3.org/ns/solid/oidc-context.jsonld'],
    client_id: clientId,
    client_name: name,
    client_uri: base,
    redirect_uris: [redirectUrl],
    post_logout_redirect_uris: [base],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: 'openid profile offline_access webid',
    token_endpoint_auth_method: 'none',
    ...extra,
  };
  const server: Server = createServer((request, response) => {
    if (request.url === '/id') {
      response.writeHead(200, {
        'content-type': 'application/ld+json',
        ...(options.cors ? { 'access-control-allow-origin': '*' } : {}),
      });
      response.end(JSON.stringify(document));
    } else if (request.url?.startsWith('/callback?')) {
      // Where a browser lands after the sign-in (the headless login below stops before it).
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<!DOCTYPE html><title>Signed in</title>');
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(port, 'localhost', resolve));
  return {
    clientId,
    redirectUrl,
    login: async (issuer, user) => loginWithCode(issuer, clientId, redirectUrl, user),
    stop: async () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The authorization-code flow without a browser: authn-node builds the authorization URL, a cookie-keeping fetch
 * walks CSS's account API (password login, pick the WebID, consent) to the redirect carrying `?code=`,
 * and authn-node's handleIncomingRedirect makes the DPoP-bound token request.
 */
export async function loginWithCode(
  issuer: string,
  clientId: string,
  redirectUrl: string,
  user: { email: string; password: string; webId: string },
): Promise<HearthSession> {
  const session = new Session();
  let authorizationUrl = '';
  await session.login({
    oidcIssuer: issuer,
    clientId,
    redirectUrl,
    tokenType: 'DPoP',
    handleRedirect: (url) => {
      authorizationUrl = url;
    },
  });
  if (!authorizationUrl) throw new Error('authn-node gave no authorization URL');
  const browser = new CookieFetch();
  let location = await browser.follow(authorizationUrl, redirectUrl);
  const controls = async () =>
    (await browser.json<{ controls: Record<string, Record<string, string>> }>(new URL('.account/', issuer).href))
      .controls;
  const loginControls = await controls();
  await browser.json(loginControls.password!.login!, { email: user.email, password: user.password });
  const oidc = (await controls()).oidc!;
  const picked = await browser.json<{ location?: string }>(oidc.webId!, { webId: user.webId });
  if (picked.location) await browser.follow(picked.location, redirectUrl);
  const consent = await browser.json<{ location: string }>((await controls()).oidc!.consent!, { remember: false });
  location = await browser.follow(consent.location, redirectUrl);
  if (!location.startsWith(redirectUrl) || !new URL(location).searchParams.get('code'))
    throw new Error(`The flow ended at ${location}, without a code`);
  const info = await session.handleIncomingRedirect(location);
  if (!info?.isLoggedIn || !info.webId) throw new Error('The token request failed');
  return {
    webId: info.webId,
    clientId,
    fetch: session.fetch.bind(session) as typeof fetch,
    logout: async () => session.logout(),
  };
}

/** A fetch that keeps cookies and follows redirects by hand, stopping at `stopAt`. */
class CookieFetch {
  private readonly cookies = new Map<string, string>();

  async follow(url: string, stopAt: string): Promise<string> {
    let current = url;
    for (let hop = 0; hop < 20 && !current.startsWith(stopAt); hop += 1) {
      const response = await this.request(current, { redirect: 'manual' });
      await response.body?.cancel();
      const next = response.headers.get('location');
      if (!next) return current;
      current = new URL(next, current).href;
    }
    return current;
  }

  async json<T = unknown>(url: string, body?: unknown): Promise<T> {
    const init: RequestInit =
      body === undefined
        ? { headers: { accept: 'application/json' } }
        : {
            method: 'POST',
            headers: { accept: 'application/json', 'content-type': 'application/json' },
            body: JSON.stringify(body),
          };
    const response = await this.request(url, init);
    const text = await response.text();
    if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  private async request(url: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      if (at > 0) this.cookies.set(pair!.slice(0, at).trim(), pair!.slice(at + 1).trim());
    }
    return response;
  }
}
