import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** The ways a hostile pod misbehaves, each under its own path with its own WebID. */
export const hostileKinds = ['malformed', 'huge', 'silent', 'loop', 'html', 'hugeday', 'silentprofile'] as const;
/** One kind of misbehaviour. */
export type HostileKind = typeof hostileKinds[number];

/** A loopback HTTP server pretending to be pods that break the rules. */
export interface HostilePod {
  /** Its base URL, `http://127.0.0.1:PORT/`. */
  url: string;
  /** The WebID of the pod misbehaving in `kind` (or of `good`, a well-behaved pod on the same server). */
  webId(kind: HostileKind | 'good'): string;
  /** Bytes it has sent of 50 MB bodies so far (to see that readers stopped early). */
  hugeBytesSent(): number;
  /** Stops it, cutting every open connection. */
  close(): Promise<void>;
}

const fiftyMegabytes = 50 * 1024 * 1024;

/**
 * Starts the hostile pod. Each kind has a valid profile and type index (except `silentprofile`, whose profile never
 * answers); its posts container is then: malformed Turtle, 50 MB of Turtle, no answer, a redirect loop, HTML; or
 * (`hugeday`) a fine listing whose day document is 50 MB.
 */
export async function startHostilePod(): Promise<HostilePod> {
  const sockets = new Set<Socket>();
  let hugeSent = 0;
  const server = createServer((request, response) => {
    void handle(request, response).catch(() => response.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', base).pathname;
    const [, kind, ...rest] = path.split('/');
    const tail = rest.join('/');
    const turtle = (body: string) => {
      response.writeHead(200, { 'content-type': 'text/turtle' });
      response.end(body);
    };
    if (tail === 'profile/card') {
      if (kind === 'silentprofile') return; // never answers
      return turtle(`@prefix solid: <http://www.w3.org/ns/solid/terms#>. @prefix pim: <http://www.w3.org/ns/pim/space#>.
<#me> a <http://xmlns.com/foaf/0.1/Person>; pim:storage </${kind}/>; solid:publicTypeIndex </${kind}/settings/publicTypeIndex.ttl>.`);
    }
    if (tail === 'settings/publicTypeIndex.ttl') {
      return turtle(`@prefix solid: <http://www.w3.org/ns/solid/terms#>.
<#posts> a solid:TypeRegistration; solid:forClass <https://www.w3.org/ns/activitystreams#Note>; solid:instanceContainer </${kind}/posts/>.`);
    }
    if (kind === 'good' && tail.startsWith('posts/')) {
      const day = new Date().toISOString().slice(0, 10);
      if (tail === 'posts/') return turtle(`<> <http://www.w3.org/ns/ldp#contains> <${day}.ttl>.`);
      return turtle(`@prefix as: <https://www.w3.org/ns/activitystreams#>.
<#p1> a as:Note; as:attributedTo <${base}good/profile/card#me>; as:content "from a good pod";
  as:published "${new Date().toISOString()}"^^<http://www.w3.org/2001/XMLSchema#dateTime>.`);
    }
    if (tail.startsWith('posts/')) {
      if (kind === 'malformed') return turtle('@prefix ldp: <http://www.w3.org/ns/ldp#>. <> ldp:contains <2026-01-01.ttl> ; ;; "unterminated');
      if (kind === 'html') {
        response.writeHead(200, { 'content-type': 'text/html' });
        return void response.end('<!doctype html><html><body>Welcome to my homepage</body></html>');
      }
      if (kind === 'loop') {
        response.writeHead(302, { location: tail === 'posts/' ? `/${kind}/posts/a` : `/${kind}/posts/` });
        return void response.end();
      }
      if (kind === 'silent') return; // never answers
      if (kind === 'hugeday' && tail === 'posts/') {
        return turtle(`<> <http://www.w3.org/ns/ldp#contains> <${new Date().toISOString().slice(0, 10)}.ttl>.`);
      }
      if (kind === 'huge' || kind === 'hugeday') return streamHuge(response);
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not found');
  }

  function streamHuge(response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/turtle' });
    const chunk = Buffer.from(`<#x> <#y> "${'z'.repeat(64 * 1024 - 20)}".\n`);
    let sent = 0;
    const pump = () => {
      while (sent < fiftyMegabytes) {
        sent += chunk.length;
        hugeSent += chunk.length;
        if (!response.write(chunk)) return void response.once('drain', pump);
      }
      response.end();
    };
    response.on('close', () => { sent = fiftyMegabytes; });
    pump();
  }

  return {
    url: base,
    webId: (kind) => `${base}${kind}/profile/card#me`,
    hugeBytesSent: () => hugeSent,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
