import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** An identity provider of an attacker's: it signs any claim it is asked to, for any WebID and client id. */
export interface RogueIssuer {
  /** Its issuer URL, `http://localhost:PORT/` (CSS accepts http issuers only on localhost). */
  url: string;
  /** A fetch carrying a DPoP-bound access token of this issuer claiming `webId` and `clientId`. */
  fetchAs(webId: string, clientId: string): typeof fetch;
  /**
   * Makes a pod server forget which issuers the WebIDs it verified name: CSS's token verifier keeps them for two
   * minutes, a hundred WebIDs at most, so a hundred and ten tokens for other WebIDs (profiles this issuer serves), sent
   * to `resource` (any URL of the server that reads credentials: not its static root), push the others out. An attacker
   * only has to wait; a test should not.
   */
  flushIssuerCache(resource: string): Promise<void>;
  /** Stops it. */
  close(): Promise<void>;
}

/**
 * Starts a loopback OIDC issuer that serves its configuration and keys, and mints access tokens as the Solid-OIDC
 * verifier of CSS expects them. CSS accepts its tokens for any WebID whose profile names it in `solid:oidcIssuer`:
 * exactly what someone who can write that profile gets.
 */
export async function startRogueIssuer(): Promise<RogueIssuer> {
  const signing = await generateKeyPair('ES256', { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(signing.publicKey)), kid: 'rogue', alg: 'ES256', use: 'sig' };
  let url = '';
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', url).pathname;
    response.setHeader('content-type', 'application/json');
    if (path === '/.well-known/openid-configuration') {
      return void response.end(
        JSON.stringify({
          issuer: url,
          jwks_uri: `${url}jwks`,
          token_endpoint: `${url}token`,
          authorization_endpoint: `${url}auth`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['ES256'],
        }),
      );
    }
    if (path === '/jwks') return void response.end(JSON.stringify({ keys: [publicJwk] }));
    if (path.startsWith('/people/')) {
      response.setHeader('content-type', 'text/turtle');
      return void response.end(`<#me> <http://www.w3.org/ns/solid/terms#oidcIssuer> <${url}>.`);
    }
    response.statusCode = 404;
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://localhost:${(server.address() as { port: number }).port}/`;

  const issuer: RogueIssuer = {
    url,
    fetchAs(webId: string, clientId: string): typeof fetch {
      const dpop = generateKeyPair('ES256', { extractable: true });
      const token = dpop.then(async ({ publicKey }) => {
        const jkt = await calculateJwkThumbprint(await exportJWK(publicKey));
        return new SignJWT({ webid: webId, client_id: clientId, cnf: { jkt } })
          .setProtectedHeader({ alg: 'ES256', kid: 'rogue', typ: 'at+jwt' })
          .setIssuer(url)
          .setAudience('solid')
          .setIssuedAt()
          .setExpirationTime('5m')
          .setJti(randomUUID())
          .sign(signing.privateKey);
      });
      return async (input, init = {}) => {
        const target = new URL(input instanceof Request ? input.url : input.toString());
        const { publicKey, privateKey } = await dpop;
        target.hash = '';
        target.search = '';
        const proof = await new SignJWT({
          htu: target.href,
          htm: (init.method ?? 'GET').toUpperCase(),
          jti: randomUUID(),
        })
          .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) })
          .setIssuedAt()
          .sign(privateKey);
        const headers = new Headers(init.headers);
        headers.set('authorization', `DPoP ${await token}`);
        headers.set('dpop', proof);
        return fetch(input, { ...init, headers, redirect: 'manual' });
      };
    },
    async flushIssuerCache(resource: string): Promise<void> {
      for (let start = 0; start < 110; start += 10) {
        await Promise.all(
          Array.from({ length: 10 }, async (_, i) => {
            const response = await issuer.fetchAs(`${url}people/${start + i}#me`, 'flush')(resource, {
              method: 'HEAD',
            });
            await response.body?.cancel();
          }),
        );
      }
    },
    close: async () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return issuer;
}
