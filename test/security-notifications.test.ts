import { createVerify, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { lookup } from 'node:dns/promises';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AccountApi,
  createClientCredentialApp,
  grantAccess,
  openSession,
  registerApp,
  revokeAccess,
  startPodServer,
  type HearthSession,
  type PodOwner,
  type PodServer,
} from '../src/index.js';
import { areaUrl } from '../src/social/layout.js';
import {
  checkWebhookTarget,
  isPublicAddress,
  publicOnlyLookup,
  WebhookTargetError,
} from '../src/server/webhook-targets.js';
import { WebhookSender, webhookChannelType } from '../src/server/webhook-sender.js';
import { freePort } from './support/ports.js';
import {
  appendLike,
  eventually,
  listen,
  startReceiver,
  subscribe,
  subscribeInTurtle,
  type Receiver,
} from './support/notifications.js';
import { createUser, type TestUser } from './support/users.js';

/**
 * How long a notification that must arrive may take; and how long, after the control arrived, one that must not is
 * awaited.
 */
const arrives = 15_000;
const quiet = 3_000;

describe('webhook targets', () => {
  it('takes only public unicast addresses, IPv4-mapped IPv6 judged as the IPv4 address it holds', () => {
    const refused = [
      '127.0.0.1',
      '127.8.9.10',
      '0.0.0.0',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '192.0.0.1',
      '198.18.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.0.0.1',
      '::ffff:169.254.169.254',
      'fe80::1',
      'fe80::1%eth0',
      'fc00::1',
      'fd12:3456::1',
      'ff02::1',
      '64:ff9b::7f00:1',
      '2001:db8::1',
      '2002:7f00:1::1',
      '2001::1',
      '::127.0.0.1',
      'not an address',
    ];
    const allowed = [
      '8.8.8.8',
      '1.1.1.1',
      '172.32.0.1',
      '100.128.0.1',
      '::ffff:8.8.8.8',
      '2606:4700:4700::1111',
      '2a00:1450:4001::1',
    ];
    expect(refused.filter(isPublicAddress)).toEqual([]);
    expect(allowed.filter((a) => !isPublicAddress(a))).toEqual([]);
  });

  it('refuses localhost, IP literals in any spelling, other schemes, and names with non-public addresses', async () => {
    const targets = [
      'http://localhost:3000/',
      'http://LOCALHOST./',
      'http://app.localhost/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://017700000001/',
      'https://10.0.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'ftp://8.8.8.8/',
      'file:///etc/passwd',
      'not a url',
    ];
    // This machine's own name resolves to one of its own (loopback or private) addresses.
    const own = await lookup(hostname(), { all: true }).catch(() => []);
    if (own.length > 0 && own.every((a) => !isPublicAddress(a.address))) targets.push(`http://${hostname()}:8080/`);
    for (const target of targets) {
      await expect(checkWebhookTarget(target), target).rejects.toBeInstanceOf(WebhookTargetError);
    }
    await expect(checkWebhookTarget('https://8.8.8.8/hook')).resolves.toBeUndefined();
    await expect(checkWebhookTarget('http://127.0.0.1:9/', true)).resolves.toBeUndefined();
    await expect(checkWebhookTarget('file:///etc/passwd', true)).rejects.toBeInstanceOf(WebhookTargetError);
  });
});

describe('the webhook sender', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => receiver?.close());

  const sender = (allowPrivate: boolean) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = (key: KeyObject) => ({ ...key.export({ format: 'jwk' }), alg: 'ES256' });
    return new WebhookSender({
      baseUrl: 'http://localhost:1/',
      webId: 'http://localhost:1/webhook#me',
      allowPrivate,
      jwkGenerator: { getPrivateKey: async () => jwk(privateKey), getPublicKey: async () => jwk(publicKey) },
    });
  };
  const send = async (target: WebhookSender, sendTo: string) =>
    target.handleSafe({
      channel: { id: 'urn:test:channel', type: webhookChannelType, sendTo },
      representation: { metadata: { contentType: 'application/ld+json' }, data: Readable.from(['{"type":"Add"}']) },
    });

  it('checks the addresses of the connection it makes: a name resolving to the loopback gets nothing', async () => {
    const refusedLookup = await new Promise<unknown>((resolve) =>
      publicOnlyLookup('localhost', { all: true }, (error) => resolve(error)),
    );
    expect(refusedLookup).toBeInstanceOf(WebhookTargetError);
    await expect(send(sender(false), receiver.url('direct'))).rejects.toBeInstanceOf(WebhookTargetError);
    // This machine's own name passes the URL check and resolves, when connecting, to its own address.
    const own = await lookup(hostname(), { all: true }).catch(() => []);
    if (own.length > 0 && own.every((a) => a.address.startsWith('127.'))) {
      await expect(send(sender(false), `http://${hostname()}:${receiver.port}/by-name`)).rejects.toBeInstanceOf(
        WebhookTargetError,
      );
    }
    expect([...receiver.to('direct'), ...receiver.to('by-name')]).toEqual([]);
    await send(sender(true), receiver.url('direct'));
    expect(receiver.to('direct', '"Add"')).toHaveLength(1);
  });

  it('follows no redirect', async () => {
    await expect(send(sender(true), receiver.url('redirect-landing'))).rejects.toThrow(/answered 307/u);
    expect(receiver.to('redirect-landing')).toHaveLength(1);
    expect(receiver.to('landing')).toEqual([]);
  });
});

describe('WebhookChannel2023 on a server with the default rules', () => {
  const server = inject('baseUrl');
  let alice: TestUser;
  let receiver: Receiver;

  beforeAll(async () => {
    alice = await createUser(server, 'hooked');
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await alice?.session.logout();
    await receiver?.close();
  });

  it('refuses the public webhooks on a public resource to loopback or private targets; they hear nothing', async () => {
    const posts = areaUrl(alice.account.podUrl, 'posts');
    const targets = [
      receiver.url('ssrf'),
      `http://localhost:${receiver.port}/ssrf`,
      `http://[::ffff:127.0.0.1]:${receiver.port}/ssrf`,
      `http://2130706433:${receiver.port}/ssrf`,
      `http://[::1]:${receiver.port}/ssrf`,
      'http://169.254.169.254/latest/meta-data/',
    ];
    for (const target of targets) {
      const response = await subscribeInTurtle(fetch, server, 'WebhookChannel2023', posts, target);
      expect(response.status, target).toBe(422);
      expect(await response.text(), target).toContain('non-public address');
    }
    // Positive control: the public may watch the posts, and sees the change.
    const control = await subscribe(fetch, server, 'WebSocketChannel2023', posts);
    expect(control.status).toBe(200);
    const socket = await listen(((await control.json()) as { receiveFrom: string }).receiveFrom);
    try {
      const put = await alice.session.fetch(`${posts}ssrf-probe.ttl`, {
        method: 'PUT',
        headers: { 'content-type': 'text/turtle' },
        body: '<#a> <#b> "c".',
      });
      expect(put.status).toBe(201);
      expect(await eventually(() => socket.messages.some((m) => m.includes('ssrf-probe.ttl')), arrives)).toBe(true);
      await eventually(() => false, quiet);
      expect(receiver.to('ssrf')).toEqual([]);
    } finally {
      socket.close();
    }
  });
});

describe('a server started with allowPrivateWebhooks', () => {
  let server: PodServer;
  let dataDir: string;
  let port: number;
  let receiver: Receiver;
  let owner: TestUser;
  let pod: PodOwner;
  let app: HearthSession;
  let inbox: string;

  /**
   * Starts (or restarts) the extra server; the first start builds the config with Components.js, the others use the
   * compiled one.
   */
  const start = async (compiledConfig: boolean) =>
    startPodServer({
      port,
      dataDir,
      allowPrivateWebhooks: true,
      compiledConfig,
      logLevel: process.env.HEARTH_TEST_LOG ?? 'error',
    });
  const restart = async () => {
    await server.stop();
    server = await start(true);
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hearth-webhooks-'));
    port = await freePort();
    server = await start(false);
    receiver = await startReceiver();
    owner = await createUser(server.url, 'webhooks');
    pod = {
      fetch: owner.session.fetch,
      podUrl: owner.account.podUrl,
      webId: owner.account.webId,
      managerClientId: owner.session.clientId,
    };
    inbox = areaUrl(pod.podUrl, 'inbox');
    const api = new AccountApi(server.url);
    await api.login(owner.account.email, owner.password);
    const made = await createClientCredentialApp(api, 'hook-app', pod.webId);
    await registerApp(pod, made.app);
    app = await openSession({ server: server.url, clientId: made.app.id, clientSecret: made.secret });
  });
  afterAll(async () => {
    await app?.logout();
    await owner?.session.logout();
    await receiver?.close();
    await server?.stop().catch(() => undefined);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('accepts the same public webhook to the loopback, and the POST arrives, signed by the server', async () => {
    const posts = areaUrl(pod.podUrl, 'posts');
    const response = await subscribe(fetch, server.url, 'WebhookChannel2023', posts, receiver.url('public'));
    expect(response.status).toBe(200);
    const channel = (await response.json()) as Record<string, unknown>;
    expect(channel).not.toHaveProperty('hearthSubscriber');
    const put = await owner.session.fetch(`${posts}hook-probe.ttl`, {
      method: 'PUT',
      headers: { 'content-type': 'text/turtle' },
      body: '<#a> <#b> "c".',
    });
    expect(put.status).toBe(201);
    expect(await eventually(() => receiver.to('public', 'hook-probe.ttl').length > 0, arrives)).toBe(true);
    // Signed as CSS's own WebhookEmitter signs: a DPoP-bound token of the server, verifiable with its published keys.
    const delivery = receiver.to('public', 'hook-probe.ttl')[0]!;
    const token = /^DPoP (.+)$/u.exec(delivery.headers.authorization ?? '')?.[1] ?? '';
    expect(delivery.headers.dpop).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/u);
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
    expect(payload).toMatchObject({
      iss: server.url.replace(/\/$/u, ''),
      webid: `${server.url}.notifications/WebhookChannel2023/webId`,
    });
    const { keys } = (await (await fetch(`${server.url}.oidc/jwks`)).json()) as {
      keys: (Record<string, unknown> & { alg: string })[];
    };
    const jwk = keys.find((key) => header!.alg === key.alg)!;
    const [head, body, signature] = token.split('.');
    const verified = createVerify('SHA256')
      .update(`${head}.${body}`)
      .verify(
        { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
        Buffer.from(signature!, 'base64url'),
      );
    expect(verified).toBe(true);
  });

  it("an app's webhook delivers while it may read the inbox, survives a restart, and stops once revoked", async () => {
    expect((await subscribe(app.fetch, server.url, 'WebhookChannel2023', inbox, receiver.url('app'))).status).toBe(403);
    await grantAccess(pod, app.clientId, 'inbox', ['read']);
    expect((await subscribe(app.fetch, server.url, 'WebhookChannel2023', inbox, receiver.url('app'))).status).toBe(200);
    expect(
      (await subscribe(owner.session.fetch, server.url, 'WebhookChannel2023', inbox, receiver.url('owner'))).status,
    ).toBe(200);

    const first = await appendLike(owner.session.fetch, inbox);
    expect(await eventually(() => receiver.to('app', first).length > 0, arrives)).toBe(true);

    // Channels live in the server's storage: who subscribed must survive with them.
    await restart();
    const second = await appendLike(owner.session.fetch, inbox);
    expect(await eventually(() => receiver.to('app', second).length > 0, arrives)).toBe(true);

    await revokeAccess(pod, app.clientId, { target: 'inbox' });
    const third = await appendLike(owner.session.fetch, inbox);
    expect(
      await eventually(() => receiver.to('owner', third).length > 0, arrives),
      "the owner's channel still delivers",
    ).toBe(true);
    await eventually(() => false, quiet);
    expect(receiver.to('app', third)).toEqual([]);
    // The channel is gone: not even a later event reaches the app.
    const fourth = await appendLike(owner.session.fetch, inbox);
    expect(await eventually(() => receiver.to('owner', fourth).length > 0, arrives)).toBe(true);
    await eventually(() => false, quiet);
    expect(receiver.to('app')).toHaveLength(2);
  });

  it('a stored channel with no recorded subscriber (from an older Hearth) delivers only on public topics', async () => {
    const posts = areaUrl(pod.podUrl, 'posts');
    const made = await Promise.all([
      subscribe(owner.session.fetch, server.url, 'WebhookChannel2023', inbox, receiver.url('legacy-inbox')),
      subscribe(owner.session.fetch, server.url, 'WebhookChannel2023', posts, receiver.url('legacy-posts')),
      subscribe(owner.session.fetch, server.url, 'WebhookChannel2023', inbox, receiver.url('recorded-inbox')),
    ]);
    const [inboxChannel, postsChannel] = await Promise.all(
      made.map(async (r) => ((await r.json()) as { id: string }).id),
    );
    await server.stop();
    expect(await forgetSubscribers(dataDir, [inboxChannel!, postsChannel!])).toBe(2);
    server = await start(true);

    const item = await appendLike(owner.session.fetch, inbox);
    const put = await owner.session.fetch(`${posts}legacy-probe.ttl`, {
      method: 'PUT',
      headers: { 'content-type': 'text/turtle' },
      body: '<#a> <#b> "c".',
    });
    expect(put.status).toBe(201);
    expect(await eventually(() => receiver.to('recorded-inbox', item).length > 0, arrives)).toBe(true);
    expect(await eventually(() => receiver.to('legacy-posts', 'legacy-probe.ttl').length > 0, arrives)).toBe(true);
    await eventually(() => false, quiet);
    expect(receiver.to('legacy-inbox')).toEqual([]);
  });
});

/**
 * Removes the recorded subscriber from the stored channels `ids` in the server's `.internal/` storage; answers how
 * many.
 */
async function forgetSubscribers(dataDir: string, ids: string[]): Promise<number> {
  let changed = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(path);
      } else {
        // CSS keeps `{ key, payload }` per file: a channel, or the list of channel ids of a topic.
        const stored = JSON.parse(await readFile(path, 'utf8')) as {
          payload?: { id?: string; hearthSubscriber?: unknown };
        };
        if (stored.payload?.id && ids.includes(stored.payload.id)) {
          delete stored.payload.hearthSubscriber;
          await writeFile(path, JSON.stringify(stored));
          changed += 1;
        }
      }
    }
  };
  await walk(join(dataDir, '.internal', 'notifications'));
  return changed;
}
