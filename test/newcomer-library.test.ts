import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsonld from 'jsonld';
import type { JsonLdDocument } from 'jsonld';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AccountApi,
  InvalidInputError,
  NoAnswerError,
  RefusedGrantError,
  UnknownAreaError,
  checkGrants,
  createAccount,
  createPost,
  exportPod,
  follow,
  grantAccessAll,
  listFollowers,
  listGrants,
  movePod,
  openSession,
  registerApp,
  saveAccount,
  setProfile,
  startPodServer,
  uploadImage,
  type PodOwner,
  type PodServer,
} from '../src/index.js';
import { outboxIdOf } from '../src/portability/activitystreams.js';
import { activityStreamsContextDocument } from '../src/portability/node/outbox-file.js';
import { postQuads, type Post } from '../src/social/model.js';
import { writeTurtle } from '../src/rdf.js';
import { readEntries } from './support/archive.js';
import { runCli } from './support/cli.js';
import { startHalfMuteServer, startMuteServer, type MuteServer } from './support/mute-server.js';
import { freePort } from './support/ports.js';
import { createUser, uniqueName, type TestUser } from './support/users.js';

/** A real 1x1 PNG. */
const realPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const ldpInbox = 'http://www.w3.org/ns/ldp#inbox';

describe("a newcomer's day, in the library and the CLI", () => {
  const server = inject('baseUrl');
  let work: string;
  let mute: MuteServer;
  /** The server `hearth move` moves to (started by that test: starting blocks this process for seconds). */
  let serverB: PodServer | undefined;
  const users: TestUser[] = [];
  const user = async (prefix: string): Promise<TestUser> => {
    const made = await createUser(server, prefix);
    users.push(made);
    return made;
  };
  const ownerOf = (u: TestUser): PodOwner => ({
    fetch: u.session.fetch,
    podUrl: u.account.podUrl,
    webId: u.account.webId,
    managerClientId: u.account.manager.id,
  });
  // One account for the tests that only look (headers, a second session); one for both image tests.
  const shared = new Map<string, Promise<TestUser>>();
  const sharedUser = async (prefix: string): Promise<TestUser> => {
    if (!shared.has(prefix)) shared.set(prefix, user(prefix));
    return shared.get(prefix)!;
  };
  const homes = new Map<string, Promise<string>>();
  const homeOf = async (u: TestUser): Promise<string> => {
    if (!homes.has(u.account.name)) homes.set(u.account.name, makeHome(u));
    return homes.get(u.account.name)!;
  };
  const makeHome = async (u: TestUser) => {
    const home = await mkdtemp(join(work, 'home-'));
    await saveAccount(home, u.account);
    return home;
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-newcomer-'));
    mute = await startMuteServer();
  });
  afterAll(async () => {
    await serverB?.stop();
    await Promise.all(users.map((u) => u.session.logout()));
    await mute?.close();
    await rm(work, { recursive: true, force: true });
  });

  describe('a server that takes the connection and never answers', () => {
    it('the account API gives up with a NoAnswerError naming the server and the time', async () => {
      const started = Date.now();
      const error = await new AccountApi(mute.url, fetch, { timeoutMs: 300 }).controls().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NoAnswerError);
      expect((error as Error).message).toContain(`${mute.url} did not answer`);
      expect((error as Error).message).toContain('within 0.3 s');
      expect(Date.now() - started).toBeLessThan(3_000);
      const created = await createAccount({
        server: mute.url,
        name: 'x',
        email: 'x@example.org',
        password: 'a long password',
        timeoutMs: 300,
      }).catch((e: unknown) => e);
      expect(created).toBeInstanceOf(NoAnswerError);
      expect(mute.connections()).toBeGreaterThan(0);
    });

    it("the Solid-OIDC login gives up too, as does a session's request; a caller's own signal still acts", async () => {
      const started = Date.now();
      const login = await openSession({
        server: mute.url,
        clientId: 'someone',
        clientSecret: 'secret',
        timeoutMs: 300,
      }).catch((e: unknown) => e);
      expect(login).toBeInstanceOf(NoAnswerError);
      expect((login as Error).message).toMatch(
        new RegExp(`^${mute.url} did not answer the login .* within 0\\.3 s`, 'u'),
      );
      expect(Date.now() - started).toBeLessThan(3_000);

      const owner = await sharedUser('plain');
      const quick = await openSession({
        server,
        clientId: owner.account.manager.id,
        clientSecret: owner.account.manager.secret,
        timeoutMs: 2_000,
      });
      try {
        const stuck = await quick.fetch(`${mute.url}anything`).catch((e: unknown) => e);
        expect(stuck).toBeInstanceOf(NoAnswerError);
        expect((stuck as Error).message).toContain(`${mute.url} did not answer GET /anything within 2 s`);
        const mine = await owner.session
          .fetch(`${mute.url}other`, { signal: AbortSignal.timeout(100) })
          .catch((e: unknown) => e);
        expect(mine).not.toBeInstanceOf(NoAnswerError);
        expect((mine as Error).name).toBe('TimeoutError');
      } finally {
        await quick.logout();
      }
    });

    /** `hearth --timeout 1 account create` against `server`, with its own HEARTH_HOME `home` under `work`. */
    const createWithin1s = async (server: string, home: string) =>
      runCli(
        [
          '--timeout',
          '1',
          'account',
          'create',
          '--name',
          'stuck',
          '--email',
          'stuck@example.org',
          '--server',
          server,
          '--password-stdin',
        ],
        { env: { HEARTH_HOME: join(work, home) }, input: 'a long password\n', timeoutMs: 30_000 },
      );

    it('`hearth account create --timeout 1` stops after about a second with one plain line', async () => {
      const started = Date.now();
      const result = await createWithin1s(mute.url, 'stuck-home');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^hearth: ${mute.url} did not answer .*within 1 s`, 'u'));
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(15_000);
    });

    it('`hearth account create --timeout 1` also stops when the server answers one look, then nothing', async () => {
      const half = await startHalfMuteServer();
      try {
        const result = await createWithin1s(half.url, 'half-home');
        expect(result.code).toBe(1);
        expect(result.stderr.trim()).toBe(
          `hearth: ${half.url} did not answer the account API (POST /.account/account/) within 1 s: ` +
            'is the server overloaded or stuck? Try again later, or allow more time with --timeout SECONDS.',
        );
      } finally {
        await half.close();
      }
    });
  });

  describe('a grant of several parts applies all or none', () => {
    const parts = [
      { target: 'posts', modes: ['read'] },
      { target: 'settings', modes: ['read'] },
      { target: 'notes/', modes: ['append'] },
    ];

    it('missing container, profile write, bad mode in any part: no change; --create makes the container', async () => {
      const carol = await user('grants');
      const owner = ownerOf(carol);
      await registerApp(owner, { id: uniqueName('backup-bot'), name: 'backup-bot', kind: 'client-credential' });
      const nothing = async () => {
        expect((await listGrants(owner)).find((a) => a.name === 'backup-bot')!.grants).toEqual([]);
        expect(await checkGrants(owner)).toEqual([]);
      };
      const missing = await grantAccessAll(owner, 'backup-bot', parts).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(UnknownAreaError);
      expect((missing as Error).message).toMatch(/no container notes\/ .*nothing was granted.*--create/u);
      await nothing();
      await expect(
        grantAccessAll(owner, 'backup-bot', [parts[0]!, { target: 'profile', modes: ['append'] }]),
      ).rejects.toBeInstanceOf(RefusedGrantError);
      await expect(
        grantAccessAll(owner, 'backup-bot', [parts[0]!, { target: 'settings', modes: ['control'] }]),
      ).rejects.toThrow(/"control" is not a mode/u);
      await expect(grantAccessAll(owner, 'ghost', parts, { create: true })).rejects.toThrow(/ghost/u);
      expect((await carol.session.fetch(`${carol.account.podUrl}notes/`, { method: 'HEAD' })).status).toBe(404);
      await nothing();

      const done = await grantAccessAll(owner, 'backup-bot', parts, { create: true });
      expect(done.created).toEqual([`${carol.account.podUrl}notes/`]);
      expect(done.grants.map((g) => [g.container.slice(carol.account.podUrl.length), g.modes])).toEqual([
        ['social/posts/', ['read']],
        ['settings/', ['read']],
        ['notes/', ['append']],
      ]);
      expect((await carol.session.fetch(`${carol.account.podUrl}notes/`, { method: 'HEAD' })).status).toBe(200);
      expect(await checkGrants(owner)).toEqual([]);
    });

    it("`hearth apps grant` with the README's example: refused whole with a way out, done with --create", async () => {
      const dora = await user('grant-cli');
      await registerApp(ownerOf(dora), { id: uniqueName('backup-bot'), name: 'backup-bot', kind: 'client-credential' });
      const env = { HEARTH_HOME: await homeOf(dora) };
      const example = ['apps', 'grant', 'backup-bot', '--read', 'posts', '--read', 'settings', '--append', 'notes/'];
      const refused = await runCli(example, { env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^hearth: There is no container notes\/ .*nothing was granted.*--create/u);
      expect((await listGrants(ownerOf(dora))).find((a) => a.name === 'backup-bot')!.grants).toEqual([]);
      const granted = await runCli([...example, '--create'], { env });
      expect(granted.code, granted.stderr).toBe(0);
      expect(granted.stdout.trim().split('\n')).toEqual([
        'Created notes/.',
        'backup-bot may now read posts (social/posts/).',
        'backup-bot may now read settings (settings/).',
        'backup-bot may now append notes/.',
      ]);
    });
  });

  describe('images are what their bytes are', () => {
    it('uploadImage and the avatar refuse text, empty files, SVG named .png; store a real image as it is', async () => {
      const erin = await sharedUser('images');
      const text = { data: Buffer.from('just some text, not a picture\n'), mediaType: 'image/png' };
      await expect(uploadImage(erin.session, text)).rejects.toThrow(/is text, not an image/u);
      await expect(uploadImage(erin.session, { data: new Uint8Array(), mediaType: 'image/png' })).rejects.toThrow(
        /empty/u,
      );
      await expect(
        uploadImage(erin.session, {
          data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
          mediaType: 'image/png',
        }),
      ).rejects.toThrow(/SVG images are refused/u);
      await expect(setProfile(erin.session, { avatar: text })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(
        setProfile(erin.session, { avatar: { data: new Uint8Array(), mediaType: 'image/png' } }),
      ).rejects.toThrow(/empty/u);

      const png = await uploadImage(erin.session, { data: realPng, mediaType: 'image/png' });
      expect(png.mediaType).toBe('image/png');
      expect(png.url).toMatch(/\.png$/u);
      const served = await fetch(png.url);
      expect(served.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await served.arrayBuffer())).toEqual(realPng);
      // A JPEG called a PNG is stored as the JPEG it is: the name is a hint at most.
      const jpeg = await uploadImage(erin.session, {
        data: Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70]),
        mediaType: 'image/png',
      });
      expect(jpeg).toMatchObject({ mediaType: 'image/jpeg', url: expect.stringMatching(/\.jpg$/u) as string });
      const profile = await setProfile(erin.session, { avatar: { data: realPng, mediaType: 'image/png' } });
      expect(profile.avatar).toMatch(/\.png$/u);
    });

    it('`hearth post --image` refuses a text or empty file named .png in one line, posts a real PNG', async () => {
      const fay = await sharedUser('images');
      const env = { HEARTH_HOME: await homeOf(fay) };
      const [note, empty, picture] = ['note.png', 'empty.png', 'picture.png'].map((name) =>
        join(work, `${fay.account.name}-${name}`),
      );
      await writeFile(note!, 'Dear diary, today I set up a pod.\n');
      await writeFile(empty!, '');
      await writeFile(picture!, realPng);
      const text = await runCli(['post', 'with a note', '--image', note!], { env });
      expect(text.code).toBe(1);
      expect(text.stderr).toMatch(
        /^hearth: This file \(named as image\/png\) is text, not an image: Hearth takes PNG, JPEG, GIF, WebP or AVIF images/u,
      );
      const nothing = await runCli(['post', 'with nothing', '--image', empty!], { env });
      expect(nothing.code).toBe(1);
      expect(nothing.stderr).toMatch(/^hearth: The image is empty \(0 bytes\)/u);
      const posted = await runCli(['--json', 'post', 'with a picture', '--image', picture!], { env });
      expect(posted.code, posted.stderr).toBe(0);
      expect(posted.stdout).toContain('image/png');
    });
  });

  describe('what other apps read', () => {
    it('exported outbox: an OrderedCollection with an id, newest first, expands with shipped AS2 context', async () => {
      const gus = await user('outbox');
      const posts = `${gus.account.podUrl}social/posts/`;
      // An older day document, written as a whole, and then two posts made today.
      const old: Post[] = [0, 1].map((i) => ({
        url: `${posts}2025-01-02.ttl#old${i}`,
        author: gus.account.webId,
        content: `old ${i}`,
        published: `2025-01-02T10:0${i}:00.000Z`,
        attachments: [],
      }));
      expect(
        (
          await gus.session.fetch(`${posts}2025-01-02.ttl`, {
            method: 'PUT',
            headers: { 'content-type': 'text/turtle' },
            body: writeTurtle(old.flatMap(postQuads)),
          })
        ).ok,
      ).toBe(true);
      const first = await createPost(gus.session, { content: 'first today' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await createPost(gus.session, { content: 'second today' });
      const out = join(work, `${gus.account.name}.tar`);
      await exportPod({
        fetch: gus.session.fetch,
        podUrl: gus.account.podUrl,
        webId: gus.account.webId,
        out,
        gzip: false,
        activityStreams: true,
        managerClientId: gus.account.manager.id,
      });
      const outbox = JSON.parse(
        (await readEntries(out)).find((e) => e.name === 'outbox.jsonld')!.data.toString('utf8'),
      ) as {
        id: string;
        type: string;
        totalItems: number;
        orderedItems: { id: string; type: string; object: { id: string } }[];
      };
      expect(outbox).toMatchObject({ id: outboxIdOf(gus.account.podUrl), type: 'OrderedCollection', totalItems: 4 });
      const order = [second.url, first.url, old[1]!.url, old[0]!.url];
      expect(outbox.orderedItems.map((a) => a.object.id)).toEqual(order);

      // Offline: the only context is the one shipped with Hearth.
      const context = await activityStreamsContextDocument();
      const documentLoader = async (url: string) => {
        if (url !== 'https://www.w3.org/ns/activitystreams') throw new Error(`no network here: ${url}`);
        return { contextUrl: undefined, documentUrl: url, document: context };
      };
      const expanded = await jsonld.expand(outbox as unknown as JsonLdDocument, {
        documentLoader: documentLoader as never,
      });
      const [collection] = expanded as unknown as Record<string, unknown>[];
      const AS = 'https://www.w3.org/ns/activitystreams#';
      expect(collection!['@id']).toBe(outboxIdOf(gus.account.podUrl));
      expect(collection!['@type']).toEqual([`${AS}OrderedCollection`]);
      const items = (collection![`${AS}items`] as { '@list': Record<string, unknown>[] }[])[0]!['@list'];
      expect(items.map((item) => item['@type'])).toEqual(order.map(() => [`${AS}Create`]));
      const objects = items.map((item) => (item[`${AS}object`] as Record<string, unknown>[])[0]!);
      expect(objects.map((o) => o['@id'])).toEqual(order);
      expect(objects.map((o) => o['@type'])).toEqual(order.map(() => [`${AS}Note`]));
      expect((objects[0]![`${AS}published`] as { '@type': string }[])[0]!['@type']).toBe(
        'http://www.w3.org/2001/XMLSchema#dateTime',
      );
      expect((items[0]![`${AS}actor`] as { '@id': string }[])[0]!['@id']).toBe(gus.account.webId);
    });

    it('the WebID profile and the inbox say where the inbox is in a Link header; other resources do not', async () => {
      const hal = await sharedUser('plain');
      const pod = hal.account.podUrl;
      const link = `<${pod}social/inbox/>; rel="${ldpInbox}"`;
      const linksOf = (response: Response) => response.headers.get('link') ?? '';
      expect(linksOf(await fetch(`${pod}profile/card`, { method: 'HEAD' }))).toContain(link);
      const card = await fetch(hal.account.webId, { headers: { accept: 'text/turtle' } });
      expect(linksOf(card)).toContain(link);
      // The header says what the profile's body says.
      expect(await card.text()).toContain(`ldp:inbox <${pod}social/inbox/>`);
      expect(linksOf(await hal.session.fetch(`${pod}social/inbox/`, { method: 'HEAD' }))).toContain(link);
      for (const other of [`${pod}social/posts/`, `${pod}settings/publicTypeIndex.ttl`]) {
        expect(linksOf(await fetch(other, { method: 'HEAD' }))).not.toContain(ldpInbox);
      }
      expect(linksOf(await hal.session.fetch(pod, { method: 'HEAD' }))).not.toContain(ldpInbox);
    });
  });

  describe('hearth move keeps the people one followed', () => {
    it('after movePod, bob has a verified follow from the new WebID among followers; the result says so', async () => {
      serverB = await startPodServer({ port: await freePort(), dataDir: join(work, 'data-b'), logLevel: 'error' });
      const [alice, bob] = await Promise.all([user('mover'), user('followed')]);
      await follow(alice.session, bob.account.webId);
      expect(await listFollowers(bob.session)).toEqual([alice.account.webId]);
      const name = uniqueName('moved');
      const result = await movePod({
        from: alice.session,
        fromPod: alice.account.podUrl,
        server: serverB.url,
        name,
        email: `${name}@example.org`,
        password: 'a long password',
        archive: join(work, 'move.tar.gz'),
      });
      expect(await listFollowers(bob.session)).toEqual([alice.account.webId, result.account.webId].sort());
      expect(result.following).toEqual([{ webId: bob.account.webId, following: true, delivery: { notified: true } }]);
    });
  });
});
