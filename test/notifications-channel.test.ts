import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { sendToInbox } from '../src/social/inbox.js';
import { areaUrl } from '../src/social/layout.js';
import { DataFactory } from 'n3';
import {
  AccountApi,
  createClientCredentialApp,
  grantAccess,
  openSession,
  registerApp,
  revokeAccess,
  revokeAllAccess,
  type HearthSession,
  type PodOwner,
} from '../src/index.js';
import { appendLike, eventually, listen, subscribe, type Listener } from './support/notifications.js';
import { createUser, type TestUser } from './support/users.js';

const { namedNode, quad } = DataFactory;
const AS = 'https://www.w3.org/ns/activitystreams#';

describe('Solid notifications on a Hearth pod (WebSocketChannel2023)', () => {
  const server = inject('baseUrl');
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob')]);
  });
  afterAll(async () => {
    await alice?.session.logout();
    await bob?.session.logout();
  });

  it('tells the owner at once when someone appends to the inbox', async () => {
    const inbox = areaUrl(alice.account.podUrl, 'inbox');
    const subscribe = async (fetchFn: typeof fetch) =>
      fetchFn(`${server}.notifications/WebSocketChannel2023/`, {
        method: 'POST',
        headers: { 'content-type': 'application/ld+json' },
        body: JSON.stringify({
          '@context': ['https://www.w3.org/ns/solid/notification/v1'],
          type: 'http://www.w3.org/ns/solid/notifications#WebSocketChannel2023',
          topic: inbox,
        }),
      });
    // bob may append to alice's inbox but not read it, so he may not watch it either.
    expect((await subscribe(bob.session.fetch)).status).toBe(403);
    const response = await subscribe(alice.session.fetch);
    expect(response.status).toBe(200);
    const channel = (await response.json()) as { receiveFrom: string };
    const socket = new WebSocket(channel.receiveFrom);
    try {
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      const message = new Promise<string>((resolve) =>
        socket.once('message', (data: Buffer) => resolve(data.toString())),
      );
      const like = namedNode(`urn:test:${Date.now()}`);
      const item = await sendToInbox(bob.session.fetch, inbox, [
        quad(like, namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#type'), namedNode(`${AS}Like`)),
      ]);
      const notification = JSON.parse(await message) as { type: string; object: string; target?: string };
      expect(notification).toMatchObject({ type: 'Add', object: item, target: inbox });
    } finally {
      socket.close();
    }
  });
});

// Every test starts with no grant (afterEach revokes them all).
describe('notifications to an app stop when its access is revoked', () => {
  const server = inject('baseUrl');
  let owner: TestUser;
  let pod: PodOwner;
  let app: HearthSession;
  let other: HearthSession;
  let inbox: string;
  const streamUrl = (topic: string) => `${server}.notifications/StreamingHTTPChannel2023/${encodeURIComponent(topic)}`;

  beforeAll(async () => {
    owner = await createUser(server, 'watched');
    pod = {
      fetch: owner.session.fetch,
      podUrl: owner.account.podUrl,
      webId: owner.account.webId,
      managerClientId: owner.session.clientId,
    };
    inbox = areaUrl(pod.podUrl, 'inbox');
    const api = new AccountApi(server);
    await api.login(owner.account.email, owner.password);
    const made = await Promise.all([
      createClientCredentialApp(api, 'watcher', pod.webId),
      createClientCredentialApp(api, 'other', pod.webId),
    ]);
    await api.logout();
    for (const { app: info } of made) await registerApp(pod, info);
    [app, other] = (await Promise.all(
      made.map(async ({ app: info, secret }) => openSession({ server, clientId: info.id, clientSecret: secret })),
    )) as [HearthSession, HearthSession];
  });
  afterEach(async () => {
    if (pod) await revokeAllAccess(pod);
  });
  afterAll(async () => {
    await app?.logout();
    await other?.logout();
    await owner?.session.logout();
  });

  it("an app's open WebSocket goes silent once its inbox read is revoked; the owner's and others' don't", async () => {
    const settings = areaUrl(pod.podUrl, 'settings');
    // No app may watch where it may not read: not before its grant, not on a place its grant does not cover.
    expect((await subscribe(app.fetch, server, 'WebSocketChannel2023', inbox)).status).toBe(403);
    await grantAccess(pod, app.clientId, 'inbox', ['read']);
    expect((await subscribe(other.fetch, server, 'WebSocketChannel2023', inbox)).status).toBe(403);
    expect((await subscribe(app.fetch, server, 'WebSocketChannel2023', settings)).status).toBe(403);
    expect((await subscribe(owner.session.fetch, server, 'WebSocketChannel2023', settings)).status).toBe(200);
    await grantAccess(pod, other.clientId, 'inbox', ['read']);
    // Each app's channel is its own (the one to be revoked made first, so that a check shared between channels would
    // show).
    const channels = [];
    for (const session of [app, other, owner.session]) {
      const response = await subscribe(session.fetch, server, 'WebSocketChannel2023', inbox);
      expect(response.status).toBe(200);
      channels.push((await response.json()) as Record<string, unknown> & { receiveFrom: string });
    }
    expect(channels[0]).toMatchObject({ topic: inbox, receiveFrom: expect.stringMatching(/^ws:\/\//u) });
    expect(channels[0]).not.toHaveProperty('hearthSubscriber');
    expect(new Set(channels.map((c) => c.receiveFrom)).size).toBe(3);
    const [appSocket, otherSocket, ownerSocket] = (await Promise.all(
      channels.map(async (c) => listen(c.receiveFrom)),
    )) as [Listener, Listener, Listener];
    try {
      const first = await appendLike(owner.session.fetch, inbox);
      for (const socket of [appSocket, otherSocket, ownerSocket])
        expect(await eventually(() => socket.messages.some((m) => m.includes(first)), arrives)).toBe(true);

      await revokeAccess(pod, app.clientId, { target: 'inbox' });
      const seen = appSocket.messages.length;
      const second = await appendLike(owner.session.fetch, inbox);
      expect(
        await eventually(
          () => [ownerSocket, otherSocket].every((socket) => socket.messages.some((m) => m.includes(second))),
          arrives,
        ),
        "the owner's and the other app's sockets got it",
      ).toBe(true);
      await eventually(() => false, quiet);
      expect(appSocket.messages.slice(seen)).toEqual([]);
      // The server closed the app's socket, saying why, and removed its channel; the others stay open.
      expect(await eventually(() => appSocket.closed !== undefined, arrives)).toBe(true);
      expect([appSocket.closed, otherSocket.closed, ownerSocket.closed]).toEqual([1008, undefined, undefined]);
      expect((await subscribe(app.fetch, server, 'WebSocketChannel2023', inbox)).status).toBe(403);
    } finally {
      for (const socket of [appSocket, otherSocket, ownerSocket]) socket.close();
    }
  });

  it("a revoked app's StreamingHTTPChannel2023 stream gets nothing and ends; others' streams go on", async () => {
    expect(await streamStatus(app.fetch, streamUrl(inbox))).toBe(403);
    await grantAccess(pod, app.clientId, 'inbox', ['read']);
    expect(await streamStatus(other.fetch, streamUrl(inbox))).toBe(403);
    expect(await streamStatus(app.fetch, streamUrl(areaUrl(pod.podUrl, 'settings')))).toBe(403);
    await grantAccess(pod, other.clientId, 'inbox', ['read']);
    // The stream to be revoked opened first, so that a check shared between streams would show.
    const appStream = await readStream(app.fetch, streamUrl(inbox));
    const otherStream = await readStream(other.fetch, streamUrl(inbox));
    const ownerStream = await readStream(owner.session.fetch, streamUrl(inbox));
    try {
      const first = await appendLike(owner.session.fetch, inbox);
      for (const stream of [appStream, otherStream, ownerStream])
        expect(await eventually(() => stream.text.includes(first), arrives)).toBe(true);

      await revokeAccess(pod, app.clientId, { target: 'inbox' });
      const seen = appStream.text.length;
      const second = await appendLike(owner.session.fetch, inbox);
      expect(
        await eventually(() => ownerStream.text.includes(second) && otherStream.text.includes(second), arrives),
        "the owner's and the other app's streams got it",
      ).toBe(true);
      await eventually(() => false, quiet);
      expect(appStream.text.slice(seen)).toBe('');
      expect(await eventually(() => appStream.ended, arrives)).toBe(true);
      expect([otherStream.ended, ownerStream.ended]).toEqual([false, false]);
      expect(await streamStatus(app.fetch, streamUrl(inbox))).toBe(403);
    } finally {
      for (const stream of [appStream, otherStream, ownerStream]) stream.cancel();
    }
  });
});

/** The status of a GET opening a StreamingHTTPChannel2023 stream (its body cancelled at once). */
async function streamStatus(fetchFn: typeof fetch, url: string): Promise<number> {
  const response = await fetchFn(url);
  await response.body?.cancel();
  return response.status;
}

/**
 * How long a notification that must arrive may take; and how long, after the control arrived, one that must not is
 * awaited.
 */
const arrives = 15_000;
const quiet = 3_000;

/** Opens a StreamingHTTPChannel2023 stream and keeps what it receives. */
async function readStream(
  fetchFn: typeof fetch,
  url: string,
): Promise<{ text: string; ended: boolean; cancel(): void }> {
  const response = await fetchFn(url);
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const state = { text: '', ended: false, cancel: () => void reader.cancel().catch(() => undefined) };
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (done || !value) break;
      state.text += Buffer.from(value).toString();
    }
    state.ended = true;
  })();
  return state;
}
