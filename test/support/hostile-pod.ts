import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** The ways a hostile pod misbehaves, each under its own path with its own WebID. */
export const hostileKinds = ['malformed', 'huge', 'silent', 'loop', 'html', 'hugeday', 'silentprofile'] as const;
/** One kind of misbehaviour. */
export type HostileKind = (typeof hostileKinds)[number];

/**
 * Pods that stay within the byte and time limits of one read yet would cost the reader dearly without the other bounds
 * (triples, CPU, deadlines, counts). Several pods of one kind: `endless-1`, `endless-2`, ...
 * - `notes`: today's document holds 50,000 `as:Note`s without content, and one real post.
 * - `denseprofile`: the profile is 4.8 MB of dense Turtle (a list of 2.4 million numbers: 4.8 million triples).
 * - `denselisting`: the posts container listing is that dense list.
 * - `future`: a post dated in the year 9999 (in today's document and in `9999-12-31.ttl`), and one real post.
 * - `manydays`: the listing names 90,000 day documents, each empty.
 * - `manyregistrations`: the type index holds 45,000 `as:Note` registrations whose container is not a URL, then the
 * real one.
 * - `manystorages`: the profile names 90,000 storages.
 * - `endless`: the posts container answers, then sends a comment line every 200 ms, never ending.
 * - `plainday`, `otherregistrations`: baselines of the same sizes as `notes` and `manyregistrations` that cost little
 *   however they are read (50,000 triples that are not notes; 45,000 registrations of another class).
 */
export const boundedKinds = [
  'notes',
  'denseprofile',
  'denselisting',
  'future',
  'manydays',
  'manyregistrations',
  'manystorages',
  'endless',
  'plainday',
  'otherregistrations',
] as const;
/** One of the bounded kinds, optionally numbered (`endless-3`). */
export type BoundedKind = (typeof boundedKinds)[number] | `${(typeof boundedKinds)[number]}-${number}`;

/** A loopback HTTP server pretending to be pods that break the rules. */
export interface HostilePod {
  /** Its base URL, `http://127.0.0.1:PORT/`. */
  url: string;
  /** The WebID of the pod misbehaving in `kind` (or of `good`, `good-1`..., well-behaved pods on the same server). */
  webId(kind: HostileKind | BoundedKind | 'good' | `good-${number}`): string;
  /** Bytes it has sent of 50 MB bodies so far (to see that readers stopped early). */
  hugeBytesSent(): number;
  /**
   * Requests it has received for the pod `kind` (e.g. `manydays`), or for one path (`/future/posts/9999-12-31.ttl`).
   */
  requests(kindOrPath: string): number;
  /** Stops it, cutting every open connection. */
  close(): Promise<void>;
}

const fiftyMegabytes = 50 * 1024 * 1024;
const AS = 'https://www.w3.org/ns/activitystreams#';
const XSD = 'http://www.w3.org/2001/XMLSchema#';
let dense: Buffer | undefined;
/** A list of 2.4 million numbers: 4.8 MB of Turtle, 4.8 million triples (made on first use). */
const denseList = () => (dense ??= Buffer.from(`(${'7 '.repeat(2_400_000)}).\n`));

/**
 * Starts the hostile pod. Each kind has a valid profile and type index (except `silentprofile`, whose profile never
 * answers); its posts container is then: malformed Turtle, 50 MB of Turtle, no answer, a redirect loop, HTML; or
 * (`hugeday`) a fine listing whose day document is 50 MB. The bounded kinds (`boundedKinds`) are described there.
 */
export async function startHostilePod(): Promise<HostilePod> {
  const sockets = new Set<Socket>();
  const counts = new Map<string, number>();
  const trickles = new Set<NodeJS.Timeout>();
  const cache = new Map<string, string>();
  const once = (key: string, make: () => string) => cache.get(key) ?? (cache.set(key, make()), cache.get(key)!);
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
    const [, kind = '', ...rest] = path.split('/');
    const tail = rest.join('/');
    for (const key of [kind, path]) counts.set(key, (counts.get(key) ?? 0) + 1);
    const behaviour = kind.replace(/-\d+$/u, '');
    const turtle = (body: string) => {
      response.writeHead(200, { 'content-type': 'text/turtle' });
      response.end(body);
    };
    const today = new Date().toISOString().slice(0, 10);
    const post = (
      id: string,
      content: string,
      published: string,
    ) => `<#${id}> a <${AS}Note>; <${AS}attributedTo> <${base}${kind}/profile/card#me>;
  <${AS}content> "${content}"; <${AS}published> "${published}"^^<${XSD}dateTime>.\n`;
    const profile = `@prefix solid: <http://www.w3.org/ns/solid/terms#>. @prefix pim: <http://www.w3.org/ns/pim/space#>.
<#me> a <http://xmlns.com/foaf/0.1/Person>; pim:storage </${kind}/>; solid:publicTypeIndex </${kind}/settings/publicTypeIndex.ttl>.\n`;
    if (tail === 'profile/card') {
      if (kind === 'silentprofile') return; // never answers
      if (behaviour === 'denseprofile') {
        response.writeHead(200, { 'content-type': 'text/turtle' });
        response.write(`${profile}<#me> <#numbers> `);
        return void response.end(denseList());
      }
      if (behaviour === 'manystorages') {
        return turtle(
          once(
            kind,
            () =>
              `${profile}<#me> pim:storage ` +
              `${Array.from({ length: 90_000 }, (_, i) => `</${kind}/s${i}/>`).join(', ')}.`,
          ),
        );
      }
      return turtle(profile);
    }
    if (tail === 'settings/publicTypeIndex.ttl') {
      const registered = { manyregistrations: `${AS}Note`, otherregistrations: `${AS}Like` }[behaviour];
      const many = !registered
        ? ''
        : once(kind, () =>
            Array.from(
              { length: 45_000 },
              (_, i) => `<#r${i}> solid:forClass <${registered}>; solid:instanceContainer <urn:x:${i}>.`,
            ).join('\n'),
          );
      return turtle(`@prefix solid: <http://www.w3.org/ns/solid/terms#>.\n${many}
<#posts> a solid:TypeRegistration; solid:forClass <https://www.w3.org/ns/activitystreams#Note>; solid:instanceContainer </${kind}/posts/>.`);
    }
    if (
      [
        'notes',
        'plainday',
        'future',
        'manyregistrations',
        'otherregistrations',
        'manystorages',
        'denseprofile',
      ].includes(behaviour) &&
      tail.startsWith('posts/')
    ) {
      if (tail === 'posts/')
        return turtle(
          `<> <http://www.w3.org/ns/ldp#contains> <${today}.ttl>${behaviour === 'future' ? ', <9999-12-31.ttl>' : ''}.`,
        );
      const now = new Date(Date.now() - 60_000).toISOString();
      if (behaviour === 'notes' && tail === `posts/${today}.ttl`) {
        return turtle(
          once(
            `${kind}${today}`,
            () =>
              Array.from({ length: 50_000 }, (_, i) => `<#n${i}> a <${AS}Note>.`).join('\n') +
              `\n${post('real', 'from a pod of many notes', now)}`,
          ),
        );
      }
      if (behaviour === 'plainday' && tail === `posts/${today}.ttl`) {
        return turtle(
          once(
            `${kind}${today}`,
            () =>
              Array.from({ length: 50_000 }, (_, i) => `<#t${i}> <#says> "${i}".`).join('\n') +
              `\n${post('real', 'from a pod of many triples', now)}`,
          ),
        );
      }
      if (behaviour === 'future') {
        return turtle(
          `${post('future', 'from the future', '9999-12-31T00:00:00.000Z')}` +
            `${tail === `posts/${today}.ttl` ? post('real', 'from a pod with a post dated 9999', now) : ''}`,
        );
      }
      return turtle(post('real', `from ${behaviour}`, now));
    }
    if (behaviour === 'denselisting' && tail === 'posts/') {
      response.writeHead(200, { 'content-type': 'text/turtle' });
      response.write(`<> <http://www.w3.org/ns/ldp#contains> <${today}.ttl>. <> <#numbers> `);
      return void response.end(denseList());
    }
    if (behaviour === 'manydays' && tail.startsWith('posts/')) {
      if (tail !== 'posts/') return turtle('# nothing posted that day\n');
      return turtle(
        once(
          kind,
          () =>
            `<> <http://www.w3.org/ns/ldp#contains> ${Array.from(
              { length: 90_000 },
              (_, i) => `<${new Date(Date.now() - (i + 1) * 86_400_000).toISOString().slice(0, 10)}.ttl>`,
            ).join(', ')}.`,
        ),
      );
    }
    if (behaviour === 'endless' && tail === 'posts/') {
      response.writeHead(200, { 'content-type': 'text/turtle' });
      response.write(`<> <http://www.w3.org/ns/ldp#contains> <${today}.ttl>.\n`);
      const timer = setInterval(() => response.write('# still listing\n'), 200);
      trickles.add(timer);
      response.on('close', () => {
        clearInterval(timer);
        trickles.delete(timer);
      });
      return;
    }
    if (behaviour === 'good' && tail.startsWith('posts/')) {
      const day = new Date().toISOString().slice(0, 10);
      if (tail === 'posts/') return turtle(`<> <http://www.w3.org/ns/ldp#contains> <${day}.ttl>.`);
      return turtle(`@prefix as: <https://www.w3.org/ns/activitystreams#>.
<#p1> a as:Note; as:attributedTo <${base}${kind}/profile/card#me>;
  as:content "${kind === 'good' ? 'from a good pod' : `from ${kind}`}";
  as:published "${new Date().toISOString()}"^^<http://www.w3.org/2001/XMLSchema#dateTime>.`);
    }
    if (tail.startsWith('posts/')) {
      if (kind === 'malformed')
        return turtle('@prefix ldp: <http://www.w3.org/ns/ldp#>. <> ldp:contains <2026-01-01.ttl> ; ;; "unterminated');
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
    response.on('close', () => {
      sent = fiftyMegabytes;
    });
    pump();
  }

  return {
    url: base,
    webId: (kind) => `${base}${kind}/profile/card#me`,
    hugeBytesSent: () => hugeSent,
    requests: (kindOrPath) => counts.get(kindOrPath) ?? 0,
    close: async () => {
      for (const timer of trickles) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
