import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** One request a recording pod received, with the headers that would carry credentials. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** Path on the pod, e.g. `/carol/inbox/`. */
  path: string;
  /** The `Authorization` header, if any. */
  authorization?: string;
  /** The `DPoP` header, if any. */
  dpop?: string;
}

/** How one person of a recording pod looks (every field may change while the pod runs). */
export interface PersonSetup {
  /** The `ldp:inbox` the profile names (default: `/<name>/inbox/` on the pod, which accepts every POST with 201). */
  inbox?: string;
  /** Their own inbox answers every POST with a 307 to this URL. */
  inboxRedirect?: string;
  /** `as:movedTo` in the profile. */
  movedTo?: string;
  /** `as:alsoKnownAs` in the profile. */
  alsoKnownAs?: string;
  /** `as:movedTo` stated in the posts container listing (what a timeline sees of a move). */
  postsMovedTo?: string;
  /** A post URL their `likes/1.ttl#l` likes. */
  likes?: string;
}

/** A loopback HTTP server pretending to be the pods of people, recording every request it gets. */
export interface RecordingPod {
  /** Its base URL, `http://127.0.0.1:PORT/`. */
  url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Adds a person, or changes how they look. */
  person(name: string, setup?: PersonSetup): void;
  /** The WebID of a person. */
  webId(name: string): string;
  /** The URL of their one post (in today's day document). */
  postUrl(name: string): string;
  /** The URL of their `as:Like` (see `PersonSetup.likes`). */
  likeUrl(name: string): string;
  /** Stops it, cutting every open connection. */
  close(): Promise<void>;
}

const prefixes = `@prefix as: <https://www.w3.org/ns/activitystreams#>. @prefix ldp: <http://www.w3.org/ns/ldp#>.
@prefix solid: <http://www.w3.org/ns/solid/terms#>. @prefix pim: <http://www.w3.org/ns/pim/space#>. @prefix foaf: <http://xmlns.com/foaf/0.1/>.
@prefix xsd: <http://www.w3.org/2001/XMLSchema#>.
`;

/**
 * Starts a recording pod on 127.0.0.1. Each person has a profile (`/<name>/profile/card#me`), a public type index, a
 * posts container with one post today, an LDN inbox and a likes document, as `PersonSetup` says; `/<name>/redirect`
 * answers 302 to the profile.
 */
export async function startRecordingPod(): Promise<RecordingPod> {
  const sockets = new Set<Socket>();
  const people = new Map<string, PersonSetup>();
  const requests: RecordedRequest[] = [];
  const day = new Date().toISOString().slice(0, 10);
  const published = new Date().toISOString();
  let received = 0;
  const server = createServer((request, response) => {
    void handle(request, response).catch(() => response.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const webId = (name: string) => `${base}${name}/profile/card#me`;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', base).pathname;
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    const authorization = header('authorization');
    const dpop = header('dpop');
    requests.push({
      method: request.method ?? 'GET',
      path,
      ...(authorization ? { authorization } : {}),
      ...(dpop ? { dpop } : {}),
    });
    for await (const chunk of request) void chunk; // drain the body
    const [, name = '', ...rest] = path.split('/');
    const tail = rest.join('/');
    const setup = people.get(name);
    const turtle = (body: string) => {
      response.writeHead(200, { 'content-type': 'text/turtle' });
      response.end(prefixes + body);
    };
    if (!setup) return notFound(response);
    const me = `<${webId(name)}>`;
    if (request.method === 'POST' && tail === 'inbox/') {
      if (setup.inboxRedirect) {
        response.writeHead(307, { location: setup.inboxRedirect });
        return void response.end();
      }
      received += 1;
      response.writeHead(201, { location: `/${name}/inbox/${received}` });
      return void response.end();
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405);
      return void response.end();
    }
    if (tail === 'redirect') {
      response.writeHead(302, { location: `/${name}/profile/card` });
      return void response.end();
    }
    if (tail === 'profile/card') {
      return turtle(`${me} a foaf:Person; foaf:name "${name}"; pim:storage </${name}/>;
  solid:publicTypeIndex </${name}/settings/publicTypeIndex.ttl>; ldp:inbox <${setup.inbox ?? `${base}${name}/inbox/`}>
  ${setup.movedTo ? `; as:movedTo <${setup.movedTo}>` : ''}
  ${setup.alsoKnownAs ? `; as:alsoKnownAs <${setup.alsoKnownAs}>` : ''}.`);
    }
    if (tail === 'settings/publicTypeIndex.ttl') {
      return turtle(
        `<#posts> a solid:TypeRegistration; solid:forClass as:Note; solid:instanceContainer </${name}/posts/>.`,
      );
    }
    if (tail === 'posts/') {
      return turtle(
        `<> ldp:contains <${day}.ttl>.${setup.postsMovedTo ? ` ${me} as:movedTo <${setup.postsMovedTo}>.` : ''}`,
      );
    }
    if (tail === `posts/${day}.ttl`) {
      return turtle(
        `<#p1> a as:Note; as:attributedTo ${me}; as:content "a post by ${name}"; ` +
          `as:published "${published}"^^xsd:dateTime.`,
      );
    }
    if (tail === 'likes/1.ttl' && setup.likes) {
      return turtle(
        `<#l> a as:Like; as:actor ${me}; as:object <${setup.likes}>; as:published "${published}"^^xsd:dateTime.`,
      );
    }
    return notFound(response);
  }

  return {
    url: base,
    requests,
    person: (name, setup = {}) => {
      people.set(name, setup);
    },
    webId,
    postUrl: (name) => `${base}${name}/posts/${day}.ttl#p1`,
    likeUrl: (name) => `${base}${name}/likes/1.ttl#l`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function notFound(response: ServerResponse): void {
  response.writeHead(404, { 'content-type': 'text/plain' });
  response.end('not found');
}
