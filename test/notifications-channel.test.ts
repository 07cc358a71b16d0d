import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { sendToInbox } from '../src/social/inbox.js';
import { areaUrl } from '../src/social/layout.js';
import { DataFactory } from 'n3';
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
