import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AccountApi,
  createClientCredentialApp,
  createPost,
  deletePost,
  follow,
  followMoves,
  getTimeline,
  grantAccess,
  like,
  listNotifications,
  openSession,
  registerApp,
  reply,
  saveAccount,
  setProfile,
  withCounts,
  type HearthSession,
  type PodOwner,
} from '../src/index.js';
import { readOwnFollowing } from '../src/social/follows.js';
import { readRdf } from '../src/social/remote.js';
import { runCli } from './support/cli.js';
import { startRecordingPod, type RecordingPod } from './support/recording-pod.js';
import { createUser, type TestUser } from './support/users.js';

const turtle = { 'content-type': 'text/turtle' };
const AS = 'https://www.w3.org/ns/activitystreams#';
const png = { data: new Uint8Array(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')), mediaType: 'image/png' };

/** What a container lists, read by its owner (sorted). */
async function listing(session: HearthSession, container: string): Promise<string[]> {
  const response = await session.fetch(container, { headers: { accept: 'text/turtle' } });
  expect(response.status, container).toBe(200);
  const text = await response.text();
  const urls = [...text.matchAll(/<([^>]+)>/gu)].map((m) => new URL(m[1]!, container).href);
  return [...new Set(urls)].filter((url) => url.startsWith(container) && url !== container).sort();
}

/** A document as its owner reads it: status and text. */
async function readBack(session: HearthSession, url: string): Promise<{ status: number; text: string }> {
  const response = await session.fetch(url, { headers: { accept: 'text/turtle' } });
  return { status: response.status, text: await response.text() };
}

describe('a notification is checked against the pod the server really serves it from', () => {
  const server = inject('baseUrl');
  let alice: TestUser;
  let bob: TestUser;
  let eve: TestUser;

  beforeAll(async () => {
    [alice, bob, eve] = await Promise.all([
      createUser(server, 'alice'),
      createUser(server, 'bob'),
      createUser(server, 'eve'),
    ]);
  });
  afterAll(async () => {
    await Promise.all([alice, bob, eve].map((user) => user?.session.logout()));
  });

  it("a like in eve's pod spelled as a URL in bob's (../, %2e%2e) is not bob's; eve's own like counts", async () => {
    const post = await createPost(alice.session, { content: 'like me' });
    const eveName = new URL(eve.account.podUrl).pathname.split('/')[1]!;
    const forged = `${eve.account.podUrl}social/likes/forged.ttl`;
    const spellings = [
      `${bob.account.podUrl}../${eveName}/social/likes/forged.ttl#l1`,
      `${bob.account.podUrl}%2e%2e/${eveName}/social/likes/forged.ttl#l2`,
    ];
    // Eve writes, in her own pod, likes "by bob" whose URLs start with bob's pod, and tells alice about them.
    const claims = spellings
      .map((url) => `<${url}> a <${AS}Like>; <${AS}actor> <${bob.account.webId}>; <${AS}object> <${post.url}>.`)
      .join('\n');
    expect((await eve.session.fetch(forged, { method: 'PUT', headers: turtle, body: claims })).status).toBeLessThan(
      300,
    );
    for (const claim of claims.split('\n')) {
      const sent = await eve.session.fetch(`${alice.account.podUrl}social/inbox/`, {
        method: 'POST',
        headers: turtle,
        body: claim,
      });
      expect(sent.status).toBe(201);
    }
    // A genuine like of eve's, so that the check is seen to accept what is real.
    expect((await like(eve.session, post.url)).delivery.notified).toBe(true);

    const notifications = (await listNotifications(alice.session)).filter((n) => n.kind === 'like');
    expect(notifications).toHaveLength(3);
    expect(notifications.filter((n) => n.verified).map((n) => n.actor)).toEqual([eve.account.webId]);
    const [counted] = await withCounts(alice.session, [post]);
    expect(counted!.likes).toBe(1);
  });
});

describe("the owner's credentials go only where the owner's own action chose", () => {
  const server = inject('baseUrl');
  let alice: TestUser;
  let carol: TestUser;
  let pod: RecordingPod;

  beforeAll(async () => {
    [alice, carol] = await Promise.all([createUser(server, 'alice'), createUser(server, 'carol')]);
    pod = await startRecordingPod();
  });
  afterAll(async () => {
    await Promise.all([alice, carol].map((user) => user?.session.logout()));
    await pod?.close();
  });

  it("an inbox in the owner's pod or a third local pod, or answering 307 into the owner's, gets nothing", async () => {
    const settings = `${alice.account.podUrl}settings/`;
    const posts = `${alice.account.podUrl}social/posts/`;
    const carolsInbox = `${carol.account.podUrl}social/inbox/`;
    pod.person('inpod-settings', { inbox: settings });
    pod.person('inpod-posts', { inbox: posts });
    pod.person('third-pod', { inbox: carolsInbox });
    pod.person('redirect-posts', { inboxRedirect: posts });
    pod.person('redirect-settings', { inboxRedirect: settings });
    pod.person('fine');
    const settingsBefore = await listing(alice.session, settings);
    const carolsBefore = await listing(carol.session, carolsInbox);

    const names = ['inpod-settings', 'inpod-posts', 'third-pod', 'redirect-posts', 'redirect-settings', 'fine'];
    const delivered: Record<string, boolean[]> = {};
    for (const name of names) {
      delivered[name] = [
        (await follow(alice.session, pod.webId(name))).delivery.notified,
        (await like(alice.session, pod.postUrl(name))).delivery.notified,
        (await reply(alice.session, pod.postUrl(name), { content: `hello ${name}` })).delivery.notified,
      ];
    }

    // Read back as the owner: settings/ holds what it held, posts/ only day documents and the feed, carol's inbox
    // nothing new.
    expect(await listing(alice.session, settings)).toEqual(settingsBefore);
    const postsNow = await listing(alice.session, posts);
    expect(postsNow.length).toBeGreaterThan(0);
    for (const url of postsNow) expect(url).toMatch(/\/social\/posts\/(\d{4}-\d{2}-\d{2}|feed)\.ttl$/u);
    expect(await listing(carol.session, carolsInbox)).toEqual(carolsBefore);
    // What the owner is told: only the fine person was notified.
    expect(delivered).toEqual(Object.fromEntries(names.map((name) => [name, Array(3).fill(name === 'fine')])));
    // The fine person's inbox got the three notifications; the redirecting ones were asked once each and not again.
    const inboxPosts = (name: string) =>
      pod.requests.filter((r) => r.method === 'POST' && r.path === `/${name}/inbox/`).length;
    expect(inboxPosts('fine')).toBe(3);
    expect(inboxPosts('redirect-posts')).toBe(3);
  });

  it("a read with the owner's session never follows a redirect; a read without credentials does", async () => {
    pod.person('mover');
    const redirecting = `${pod.url}mover/redirect`;
    expect((await readRdf(fetch, redirecting)).url).toBe(`${pod.url}mover/profile/card`);
    await expect(readRdf(alice.session.fetch, redirecting)).rejects.toThrow(/never follows a redirect/u);
    // The owner's credentials reached the redirecting URL only: the place it pointed to got none.
    const credentialed = pod.requests
      .filter((r) => r.path.startsWith('/mover/') && r.authorization !== undefined)
      .map((r) => r.path);
    expect(credentialed).toEqual(['/mover/redirect']);
  });

  it('an attachment or old avatar URL with dot segments does not make the owner delete a private file', async () => {
    const owner: PodOwner = {
      fetch: alice.session.fetch,
      podUrl: alice.account.podUrl,
      webId: alice.account.webId,
      managerClientId: alice.session.clientId,
    };
    const api = new AccountApi(server);
    await api.login(alice.account.email, alice.password);
    const created = await createClientCredentialApp(api, 'planter', alice.account.webId);
    await registerApp(owner, created.app);
    await grantAccess(owner, created.app.id, 'posts', ['write']);
    const app = await openSession({ server, clientId: created.app.id, clientSecret: created.secret });
    try {
      const pod = alice.account.podUrl;
      const targets = [
        `${pod}settings/hearth-apps.ttl`,
        `${pod}settings/privateTypeIndex.ttl`,
        `${pod}social/media/.acr`,
      ];
      const before = await Promise.all(targets.map((url) => readBack(alice.session, url)));
      for (const [index, read] of before.entries()) expect(read.status, targets[index]).toBe(200);

      // The app, which may write posts, plants a post of alice's whose attachments point out of social/media/.
      const planted = `${pod}social/posts/2020-01-01.ttl`;
      const attachments = [
        `${pod}social/media/../../settings/hearth-apps.ttl`,
        `${pod}social/media/%2e%2e/%2e%2e/settings/privateTypeIndex.ttl`,
        `${pod}social/media/.acr`,
      ];
      const body = `@prefix as: <${AS}>.
<#p> a as:Note; as:attributedTo <${alice.account.webId}>; as:content "planted";
  as:published "2020-01-01T00:00:00.000Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>;
  as:attachment ${attachments.map((_, i) => `<#p-image${i}>`).join(', ')}.
${attachments.map((url, i) => `<#p-image${i}> a as:Image; as:url <${url}>; as:mediaType "image/png".`).join('\n')}`;
      const put = await app.fetch(planted, { method: 'PUT', headers: turtle, body });
      expect(put.status).toBeLessThan(300);
      expect((await readBack(alice.session, planted)).text).toContain('social/media/../../settings/hearth-apps.ttl');
      await deletePost(alice.session, `${planted}#p`);
      expect((await readBack(alice.session, planted)).text).toContain('Tombstone');

      // An old avatar of the same kind in the profile. Apps are not granted the profile (it names the identity
      // provider),
      // so the manager plants it, as an older Hearth could have written it.
      const card = alice.account.webId.split('#')[0]!;
      const icon = `${pod}profile/../settings/privateTypeIndex.ttl`;
      const patch = `@prefix solid: <http://www.w3.org/ns/solid/terms#>. _:p a solid:InsertDeletePatch;
        solid:inserts { <${alice.account.webId}> <${AS}icon> <${icon}> }.`;
      expect(
        (await alice.session.fetch(card, { method: 'PATCH', headers: { 'content-type': 'text/n3' }, body: patch }))
          .status,
      ).toBeLessThan(300);
      expect((await readBack(alice.session, card)).text).toContain('profile/../settings');
      const changed = await setProfile(alice.session, { avatar: png });
      expect(changed.avatar).toMatch(new RegExp(`^${pod}profile/avatar-`, 'u'));

      const after = await Promise.all(targets.map((url) => readBack(alice.session, url)));
      expect(after).toEqual(before);
    } finally {
      await app.logout();
    }
  });
});

describe("reads of other people's data carry no credentials; notifications do", () => {
  const server = inject('baseUrl');
  let alice: TestUser;
  let bob: TestUser;
  let pod: RecordingPod;
  let home: string;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob')]);
    pod = await startRecordingPod();
    home = await mkdtemp(join(tmpdir(), 'hearth-home-'));
    await saveAccount(home, alice.account);
  });
  afterAll(async () => {
    await Promise.all([alice, bob].map((user) => user?.session.logout()));
    await pod?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('timeline, follow, like, reply, profile show, posts, notifications: credentials only on inbox POSTs', async () => {
    const mine = await createPost(alice.session, { content: 'carol may like this' });
    pod.person('carol', { likes: mine.url });
    const carol = pod.webId('carol');
    expect((await follow(alice.session, carol)).delivery.notified).toBe(true);
    expect((await like(alice.session, pod.postUrl('carol'))).delivery.notified).toBe(true);
    expect((await reply(alice.session, pod.postUrl('carol'), { content: 'hi carol' })).delivery.notified).toBe(true);
    const timeline = await getTimeline(alice.session, { limit: 10 });
    expect(timeline.errors).toEqual([]);
    expect(timeline.posts.map((p) => p.content)).toContain('a post by carol');
    const env = { HEARTH_HOME: home };
    const shown = await runCli(['--json', 'profile', 'show', carol], { env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ webId: carol, name: 'carol' });
    const posts = await runCli(['--json', 'posts', carol], { env });
    expect(posts.code, posts.stderr).toBe(0);
    expect((JSON.parse(posts.stdout) as { content: string }[]).map((p) => p.content)).toEqual(['a post by carol']);
    // Carol's like reaches alice's inbox (sent by anyone logged in); alice's check reads carol's pod.
    const claim = `<${pod.likeUrl('carol')}> a <${AS}Like>; <${AS}actor> <${carol}>; <${AS}object> <${mine.url}>.`;
    expect(
      (
        await bob.session.fetch(`${alice.account.podUrl}social/inbox/`, {
          method: 'POST',
          headers: turtle,
          body: claim,
        })
      ).status,
    ).toBe(201);
    const received = (await listNotifications(alice.session)).find((n) => n.actor === carol);
    expect(received?.verified).toBe(true);

    const isInboxPost = (r: { method: string; path: string }) => r.method === 'POST' && r.path === '/carol/inbox/';
    expect(pod.requests.filter(isInboxPost)).toHaveLength(3);
    for (const request of pod.requests.filter(isInboxPost)) {
      expect(request.authorization, 'an inbox POST is authenticated').toMatch(/^DPoP /u);
      expect(request.dpop).toBeTruthy();
    }
    const reads = pod.requests.filter((r) => !isInboxPost(r));
    expect(reads.length).toBeGreaterThan(5);
    expect(reads.filter((r) => r.authorization !== undefined || r.dpop !== undefined)).toEqual([]);
  });
});

describe('a move is followed only when the new profile confirms it', () => {
  const server = inject('baseUrl');
  let alice: TestUser;
  let pod: RecordingPod;

  beforeAll(async () => {
    alice = await createUser(server, 'alice');
    pod = await startRecordingPod();
  });
  afterAll(async () => {
    await alice?.session.logout();
    await pod?.close();
  });

  it('follow follows the old WebID when the move is not confirmed, the new one when it is', async () => {
    pod.person('olduc', { movedTo: pod.webId('newuc') });
    pod.person('newuc');
    pod.person('oldc', { movedTo: pod.webId('newc') });
    pod.person('newc', { alsoKnownAs: pod.webId('oldc') });
    const unconfirmed = await follow(alice.session, pod.webId('olduc'));
    expect(unconfirmed.follow.object).toBe(pod.webId('olduc'));
    expect(unconfirmed.movedFrom).toBeUndefined();
    const confirmed = await follow(alice.session, pod.webId('oldc'));
    expect(confirmed.follow.object).toBe(pod.webId('newc'));
    expect(confirmed.movedFrom).toBe(pod.webId('oldc'));
  });

  it('a move the timeline notices is followed (followMoves) only when the new profile confirms it', async () => {
    pod.person('lateuc');
    pod.person('latec');
    await follow(alice.session, pod.webId('lateuc'));
    await follow(alice.session, pod.webId('latec'));
    // Both announce a move where a timeline sees it; only latec's new profile says it is also latec.
    pod.person('lateuc', { movedTo: pod.webId('lateuc-new'), postsMovedTo: pod.webId('lateuc-new') });
    pod.person('lateuc-new');
    pod.person('latec', { movedTo: pod.webId('latec-new'), postsMovedTo: pod.webId('latec-new') });
    pod.person('latec-new', { alsoKnownAs: pod.webId('latec') });
    const timeline = await getTimeline(alice.session, { limit: 10 });
    expect(await followMoves(alice.session, {}, timeline.movedHints)).toEqual([
      { from: pod.webId('latec'), to: pod.webId('latec-new') },
    ]);
    const following = (await readOwnFollowing(alice.session)).map((f) => f.object);
    expect(following).toContain(pod.webId('lateuc'));
    expect(following).toContain(pod.webId('latec-new'));
    expect(following).not.toContain(pod.webId('latec'));
    expect(following).not.toContain(pod.webId('lateuc-new'));
  });
});
