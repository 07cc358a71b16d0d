import { createServer, type IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import { DataFactory } from 'n3';
import { sendToInbox } from '../../src/social/inbox.js';

const { namedNode, quad } = DataFactory;

/** The channel types of CSS 7.2 a client subscribes to by POST. */
export type ChannelTypeName = 'WebSocketChannel2023' | 'WebhookChannel2023';

/** Asks `server` for a notification channel on `topic` (with `sendTo` for webhooks), with `fetchFn`'s credentials. */
export async function subscribe(
  fetchFn: typeof fetch,
  server: string,
  type: ChannelTypeName,
  topic: string,
  sendTo?: string,
): Promise<Response> {
  return fetchFn(`${server}.notifications/${type}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/ld+json' },
    body: JSON.stringify({
      '@context': ['https://www.w3.org/ns/solid/notification/v1'],
      type: `http://www.w3.org/ns/solid/notifications#${type}`,
      topic,
      ...(sendTo ? { sendTo } : {}),
    }),
  });
}

/**
 * As {@link subscribe}, with a Turtle body (CSS's JSON-LD parser drops IRIs with IPv6 literals; its Turtle parser keeps
 * them).
 */
export async function subscribeInTurtle(
  fetchFn: typeof fetch,
  server: string,
  type: ChannelTypeName,
  topic: string,
  sendTo?: string,
): Promise<Response> {
  const notify = 'http://www.w3.org/ns/solid/notifications#';
  return fetchFn(`${server}.notifications/${type}/`, {
    method: 'POST',
    headers: { 'content-type': 'text/turtle' },
    body: `_:c a <${notify}${type}>; <${notify}topic> <${topic}>${sendTo ? `; <${notify}sendTo> <${sendTo}>` : ''}.`,
  });
}

/** Appends a small Like to an inbox; answers the new item's URL. */
export async function appendLike(fetchFn: typeof fetch, inbox: string): Promise<string> {
  const like = namedNode(`urn:test:${Date.now()}-${Math.random()}`);
  return sendToInbox(fetchFn, inbox, [
    quad(
      like,
      namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#type'),
      namedNode('https://www.w3.org/ns/activitystreams#Like'),
    ),
  ]);
}

/** Resolves when `test` holds (checked every 50 ms), or with false after `ms`. */
export async function eventually(test: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** A WebSocket on a channel's `receiveFrom`, keeping every message it gets. */
export interface Listener {
  messages: string[];
  /** Close code once the server closed it. */
  closed?: number;
  close(): void;
}

/** Opens the WebSocket of a WebSocketChannel2023 channel. */
export async function listen(receiveFrom: string): Promise<Listener> {
  const socket = new WebSocket(receiveFrom);
  const listener: Listener = { messages: [], close: () => socket.close() };
  socket.on('message', (data: Buffer) => listener.messages.push(data.toString()));
  socket.on('close', (code: number) => {
    listener.closed = code;
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return listener;
}

/** One POST a webhook receiver got. */
export interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback HTTP server standing for webhook targets: it records every request it gets. */
export interface Receiver {
  /** `http://127.0.0.1:PORT/<path>` */
  url(path: string): string;
  port: number;
  deliveries: Delivery[];
  /** The deliveries to `path` whose body mentions `text`. */
  to(path: string, text?: string): Delivery[];
  close(): Promise<void>;
}

/** Starts a webhook receiver on the loopback interface. */
export async function startReceiver(): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      deliveries.push({ path: request.url ?? '', headers: request.headers, body });
      // `/redirect-<x>` sends the request on to `/<x>`: a sender that follows redirects is seen at `/<x>`.
      if (request.url?.startsWith('/redirect-'))
        response.writeHead(307, { location: `/${request.url.slice('/redirect-'.length)}` }).end();
      else response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}/${path}`,
    deliveries,
    to: (path, text) =>
      deliveries.filter((d) => d.path === `/${path}` && (text === undefined || d.body.includes(text))),
    close: async () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
