import { createServer } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A loopback server of many people whose likes documents are big: each holds one real like among many other triples.
 */
export interface BigLikes {
  /** The WebID of person `i`. */
  webId(i: number): string;
  /** The like of person `i` (in `/p<i>/likes/1.ttl`, a document of about `bytes` bytes). */
  like(i: number): string;
  /** Stops it, cutting every open connection. */
  close(): Promise<void>;
}

/** Starts it on 127.0.0.1, port 0: person `i` likes `object`, in a likes document padded to about `bytes` of Turtle. */
export async function startBigLikes(object: string, bytes: number): Promise<BigLikes> {
  const filler = '<#other> <#says> "a filler triple, one of many" .\n';
  // Relative IRIs, so that one body serves every person: `<../profile/card#me>` is the person whose document it is.
  const likes = `@prefix as: <https://www.w3.org/ns/activitystreams#>.
<#l> a as:Like; as:actor <../profile/card#me>; as:object <${object}>.
${filler.repeat(Math.ceil(bytes / filler.length))}`;
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x/').pathname;
    const turtle = (body: string) => {
      response.writeHead(200, { 'content-type': 'text/turtle' });
      response.end(body);
    };
    if (/^\/p\d+\/profile\/card$/u.test(path)) return turtle('<#me> <http://www.w3.org/ns/pim/space#storage> <../>.');
    if (/^\/p\d+\/likes\/1\.ttl$/u.test(path)) return turtle(likes);
    response.writeHead(404);
    response.end();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 60_000; // no idle connection closed under a client that is busy parsing
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  return {
    webId: (i) => `${base}p${i}/profile/card#me`,
    like: (i) => `${base}p${i}/likes/1.ttl#l`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
