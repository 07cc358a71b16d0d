import { createServer } from 'node:http';

/** The claims of an access token, as the pod server reads them. */
export interface TokenClaims {
  webid?: string;
  client_id?: string;
  iss?: string;
  [claim: string]: unknown;
}

/**
 * What the access token an authenticated fetch sends really says: the fetch is made to call a loopback server that
 * keeps the `Authorization` header, and the token's payload is decoded. Use it to compare a client id with what the
 * token carries, not with the constant a helper returned.
 */
export async function tokenClaims(fetchFn: typeof fetch): Promise<TokenClaims> {
  let authorization: string | undefined;
  const server = createServer((request, response) => {
    authorization = request.headers.authorization;
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as { port: number };
    const response = await fetchFn(`http://127.0.0.1:${port}/whoami`);
    await response.body?.cancel();
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  const token = /^DPoP (\S+)$/u.exec(authorization ?? '')?.[1];
  if (!token) throw new Error(`The fetch sent no DPoP token (authorization: ${authorization ?? 'none'})`);
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as TokenClaims;
}
