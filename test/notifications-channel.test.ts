import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { sendToInbox } from '../src/social/inbox.js';
import { areaUrl } from '../src/social/layout.js';
import { DataFactory } from 'n3';
import { AccountApi, createClientCredentialApp, grantAccess, openSession, registerApp, revokeAccess, type HearthSession, type PodOwner } from '../src/index.js';
import { appendLike, eventually, listen, subscribe } from './support/notifications.js';
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
    const subscribe = async (fetchFn: typeof fetch) => fetchFn(`${server}.notifications/WebSocketChannel2023/`, {
      method: 'POST',
      headers: { 'content-type': 'application/ld+json' },
      body: JSON.stringify({ '@context': ['https://www.w3.org/ns/solid/notification/v1'], type: 'http://www.w3.org/ns/solid/notifications#WebSocketChannel2023', topic: inbox }),
    });
    // bob may append to alice's inbox but not read it, so he may not watch it either.
    expect((await subscribe(bob.session.fetch)).status).toBe(403);
    const response = await subscribe(alice.session.fetch);
    expect(response.status).toBe(200);
    const channel = await response.json() as { receiveFrom: string };
    const socket = new WebSocket(channel.receiveFrom);
    try {
      await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
      const message = new Promise<string>((resolve) => socket.once('message', (data: Buffer) => resolve(data.toString())));
      const like = namedNode(`urn:test:${Date.now()}`);
      const item = await sendToInbox(bob.session.fetch, inbox, [quad(like, namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#type'), namedNode(`${AS}Like`))]);
      const notification = JSON.parse(await message) as { type: string; object: string; target?: string };
      expect(notification).toMatchObject({ type: 'Add', object: item, target: inbox });
    } finally {
      socket.close();
    }
  });
});

describe('notifications to an app stop when its access is revoked', () => {
  const server = inject('baseUrl');
  let owner: TestUser;
  let pod: PodOwner;
  let app: HearthSession;
  let inbox: string;

  beforeAll(async () => {
    owner = await createUser(server, 'watched');
    pod = { fetch: owner.session.fetch, podUrl: owner.account.podUrl, webId: owner.account.webId, managerClientId: owner.session.clientId };
    inbox = areaUrl(pod.podUrl, 'inbox');
    const api = new AccountApi(server);
    await api.login(owner.account.email, owner.password);
    const made = await createClientCredentialApp(api, 'watcher', pod.webId);
    await registerApp(pod, made.app);
    app = await openSession({ server, clientId: made.app.id, clientSecret: made.secret });
  });
  afterAll(async () => {
    await app?.logout();
    await owner?.session.logout();
  });

  it('an app\'s open WebSocket gets nothing once the owner revokes its read on the inbox; the owner\'s still does', async () => {
    expect((await subscribe(app.fetch, server, 'WebSocketChannel2023', inbox)).status).toBe(403);
    await grantAccess(pod, app.clientId, 'inbox', ['read']);
    const granted = await subscribe(app.fetch, server, 'WebSocketChannel2023', inbox);
    expect(granted.status).toBe(200);
    const channel = await granted.json() as Record<string, unknown> & { receiveFrom: string };
    expect(channel).not.toHaveProperty('hearthSubscriber');
    const appSocket = await listen(channel.receiveFrom);
    const ownerChannel = await subscribe(owner.session.fetch, server, 'WebSocketChannel2023', inbox);
    const ownerSocket = await listen((await ownerChannel.json() as { receiveFrom: string }).receiveFrom);
    try {
      const first = await appendLike(owner.session.fetch, inbox);
      expect(await eventually(() => appSocket.messages.some((m) => m.includes(first)), arrives)).toBe(true);

      await revokeAccess(pod, app.clientId, { target: 'inbox' });
      const seen = appSocket.messages.length;
      const second = await appendLike(owner.session.fetch, inbox);
      expect(await eventually(() => ownerSocket.messages.some((m) => m.includes(second)), arrives), 'the owner\'s socket got it').toBe(true);
      await eventually(() => false, quiet);
      expect(appSocket.messages.slice(seen)).toEqual([]);
      // The server closed the app's socket and removed its channel.
      expect(await eventually(() => appSocket.closed !== undefined, arrives)).toBe(true);
      expect((await subscribe(app.fetch, server, 'WebSocketChannel2023', inbox)).status).toBe(403);
    } finally {
      appSocket.close();
      ownerSocket.close();
    }
  });

  it('an app\'s open StreamingHTTPChannel2023 stream gets nothing once revoked, and ends; the owner\'s still gets it', async () => {
    await grantAccess(pod, app.clientId, 'inbox', ['read']);
    const streamUrl = `${server}.notifications/StreamingHTTPChannel2023/${encodeURIComponent(inbox)}`;
    const appStream = await readStream(app.fetch, streamUrl);
    const ownerStream = await readStream(owner.session.fetch, streamUrl);
    try {
      const first = await appendLike(owner.session.fetch, inbox);
      expect(await eventually(() => appStream.text.includes(first), arrives)).toBe(true);

      await revokeAccess(pod, app.clientId, { target: 'inbox' });
      const seen = appStream.text.length;
      const second = await appendLike(owner.session.fetch, inbox);
      expect(await eventually(() => ownerStream.text.includes(second), arrives), 'the owner\'s stream got it').toBe(true);
      await eventually(() => false, quiet);
      expect(appStream.text.slice(seen)).toBe('');
      expect(await eventually(() => appStream.ended, arrives)).toBe(true);
    } finally {
      appStream.cancel();
      ownerStream.cancel();
    }
  });
});

/** How long a notification that must arrive may take; and how long, after the control arrived, one that must not is awaited. */
const arrives = 15_000;
const quiet = 3_000;

/** Opens a StreamingHTTPChannel2023 stream and keeps what it receives. */
async function readStream(fetchFn: typeof fetch, url: string): Promise<{ text: string; ended: boolean; cancel(): void }> {
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
