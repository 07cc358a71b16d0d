import { DataFactory } from 'n3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  clearNotifications,
  createPost,
  deletePost,
  editPost,
  follow,
  getPost,
  getProfile,
  getTimeline,
  like,
  listFollowers,
  listFollowing,
  listNotifications,
  listPosts,
  rememberPostsContainers,
  reply,
  setProfile,
  unfollow,
  unlike,
  withCounts,
} from '../src/index.js';
import { listInboxUrls, sendToInbox } from '../src/social/inbox.js';
import { forgeLike, ownPair, ownUser } from './support/social-fixtures.js';
import { createUser, type TestUser } from './support/users.js';

const { namedNode, blankNode, quad } = DataFactory;
const RDF_TYPE = namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#type');

describe('the social story across two pods', () => {
  const server = inject('baseUrl');
  // Shared by the tests that read only what they made themselves (their own posts, replies, likes; the timeline's
  // entries for those): bob follows alice from the start, and no test changes that. A test that reads account-wide
  // state (alice's notifications, inbox, followers or day document, bob's follows) or changes the follow has its own
  // users (ownUser, ownPair), which shadow these.
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob')]);
    await follow(bob.session, alice.account.webId);
  });
  afterAll(async () => {
    await alice?.session.logout();
    await bob?.session.logout();
  });

  it('alice posts; the post is public RDF at a stable URL in her day document', async () => {
    // Her own alice: the day document read below holds this post alone.
    const alice = await ownUser(server, 'alice');
    const post = await createPost(alice.session, { content: 'Hello from alice' });
    expect(post.url).toMatch(new RegExp(`^${alice.account.podUrl}social/posts/\\d{4}-\\d{2}-\\d{2}\\.ttl#.+`, 'u'));
    const anonymous = await fetch(post.url.split('#')[0]!, { headers: { accept: 'text/turtle' } });
    expect(anonymous.status).toBe(200);
    const text = await anonymous.text();
    expect(text).toContain('Hello from alice');
    expect(text).toContain('activitystreams#Note');
    expect((await getPost(fetch, post.url)).content).toBe('Hello from alice');
  });

  it('bob follows alice and his timeline shows her post', async () => {
    const { alice, bob } = await ownPair(server);
    const post = await createPost(alice.session, { content: 'Hello from alice' });
    const result = await follow(bob.session, alice.account.webId);
    expect(result.delivery.notified).toBe(true);
    expect(result.follow.postsContainer).toBe(`${alice.account.podUrl}social/posts/`);
    expect((await listFollowing(fetch, bob.account.webId)).map((f) => f.object)).toEqual([alice.account.webId]);
    const timeline = await getTimeline(bob.session, { limit: 10 });
    expect(timeline.errors).toEqual([]);
    expect(timeline.posts.map((p) => p.url)).toContain(post.url);
    expect(timeline.posts.find((p) => p.url === post.url)?.author).toBe(alice.account.webId);
  });

  it('a stale cached posts container is found again through the type index, and remembered', async () => {
    const { alice, bob } = await ownPair(server);
    const post = await createPost(alice.session, { content: 'Hello from alice' });
    await follow(bob.session, alice.account.webId);
    const following = `${bob.account.podUrl}social/following/index.ttl`;
    const cached = (await listFollowing(fetch, bob.account.webId))[0]!;
    const wrong = `${alice.account.podUrl}gone/`;
    const pred = '<https://hearth.example/ns#postsContainer>';
    const patch =
      `@prefix solid: <http://www.w3.org/ns/solid/terms#>. _:p a solid:InsertDeletePatch;
      solid:deletes { <${cached.url}> ${pred} <${cached.postsContainer}> }; ` +
      `solid:inserts { <${cached.url}> ${pred} <${wrong}> }.`;
    expect(
      (await bob.session.fetch(following, { method: 'PATCH', headers: { 'content-type': 'text/n3' }, body: patch })).ok,
    ).toBe(true);
    const timeline = await getTimeline(bob.session, { limit: 10 });
    expect(timeline.posts.map((p) => p.url)).toContain(post.url);
    // The timeline only reads; remembering what it discovered is the explicit next step.
    expect((await listFollowing(fetch, bob.account.webId))[0]!.postsContainer).toBe(wrong);
    expect(await rememberPostsContainers(bob.session, timeline.discovered ?? [])).toBe(1);
    expect((await listFollowing(fetch, bob.account.webId))[0]!.postsContainer).toBe(
      `${alice.account.podUrl}social/posts/`,
    );
  });

  it('bob replies and likes; alice sees both in her notifications and counts', async () => {
    const { alice, bob } = await ownPair(server);
    const post = await createPost(alice.session, { content: 'Hello from alice' });
    await follow(bob.session, alice.account.webId);
    const replied = await reply(bob.session, post.url, { content: 'Hi alice!' });
    const bobsReply = replied.post;
    expect(replied.delivery.notified).toBe(true);
    expect(bobsReply.inReplyTo).toBe(post.url);
    expect(bobsReply.url.startsWith(bob.account.podUrl)).toBe(true);
    const liked = await like(bob.session, post.url);
    expect(liked.delivery.notified).toBe(true);
    expect((await like(bob.session, post.url)).like.url).toBe(liked.like.url);

    const notifications = await listNotifications(alice.session);
    expect(notifications.map((n) => [n.kind, n.actor, n.verified]).sort()).toEqual([
      ['follow', bob.account.webId, true],
      ['like', bob.account.webId, true],
      ['reply', bob.account.webId, true],
    ]);
    const [counted] = await withCounts(alice.session, [post]);
    expect(counted).toMatchObject({ likes: 1, replies: 1 });
    expect(await listFollowers(alice.session)).toEqual([bob.account.webId]);
  });

  it('a forged like (anyone may append) is not counted', async () => {
    const post = await createPost(alice.session, { content: 'Hello from alice' });
    await like(bob.session, post.url);
    // Alice herself appends a like claiming bob liked her post from a URL that holds no such like.
    const fake = await forgeLike(bob, alice, post.url);
    const forged = (await listNotifications(alice.session)).find((n) => n.activity === fake);
    expect(forged?.verified).toBe(false);
    expect((await withCounts(alice.session, [post]))[0]).toMatchObject({ likes: 1 });
  });

  it('clearing notifications keeps counts and followers, and leaves other items alone', async () => {
    const { alice, bob } = await ownPair(server);
    // Four notifications: a follow, a reply, a like and a forged like.
    const post = await createPost(alice.session, { content: 'Hello from alice' });
    await follow(bob.session, alice.account.webId);
    await reply(bob.session, post.url, { content: 'Hi alice!' });
    await like(bob.session, post.url);
    await forgeLike(bob, alice, post.url);
    const inbox = `${alice.account.podUrl}social/inbox/`;
    const request = blankNode();
    const other = await sendToInbox(bob.session.fetch, inbox, [
      quad(request, RDF_TYPE, namedNode('https://hearth.example/ns#AccessRequest')),
    ]);
    const cleared = await clearNotifications(alice.session);
    expect(cleared.cleared).toBe(4);
    expect(await listNotifications(alice.session)).toEqual([]);
    expect(await listInboxUrls(alice.session.fetch, inbox)).toEqual([other]);
    expect((await withCounts(alice.session, [post]))[0]).toMatchObject({ likes: 1, replies: 1 });
    expect(await listFollowers(alice.session)).toEqual([bob.account.webId]);
    // The record is private.
    expect((await fetch(`${alice.account.podUrl}settings/social-record.ttl`)).status).toBe(401);
  });

  it("alice edits: bob's timeline shows the new text", async () => {
    const post = await createPost(alice.session, { content: 'Hello from alice' });
    const edited = await editPost(alice.session, post.url, 'Hello again, edited');
    expect(edited.updated).toBeDefined();
    const seen = (await getTimeline(bob.session)).posts.find((p) => p.url === post.url);
    expect(seen).toMatchObject({ content: 'Hello again, edited', published: post.published });
    await expect(editPost(bob.session, post.url, 'hijack')).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('bob unlikes: the count drops after alice reads the undo', async () => {
    const { alice, bob } = await ownPair(server);
    // Bob follows, replies and likes; alice has read and cleared all that.
    const post = await createPost(alice.session, { content: 'Hello from alice' });
    await follow(bob.session, alice.account.webId);
    await reply(bob.session, post.url, { content: 'Hi alice!' });
    await like(bob.session, post.url);
    await clearNotifications(alice.session);
    const result = await unlike(bob.session, post.url);
    expect(result.removed).toHaveLength(1);
    expect(result.delivery.notified).toBe(true);
    expect((await listNotifications(alice.session)).map((n) => [n.kind, n.verified])).toEqual([['undo', true]]);
    expect((await withCounts(alice.session, [post]))[0]).toMatchObject({ likes: 0, replies: 1 });
    await clearNotifications(alice.session);
    expect((await withCounts(alice.session, [post]))[0]).toMatchObject({ likes: 0, replies: 1 });
    await expect(unlike(bob.session, post.url)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("bob deletes a reply: alice's reply count drops, also after clearing", async () => {
    const post = await createPost(alice.session, { content: 'Hello from alice' });
    await reply(bob.session, post.url, { content: 'Hi alice!' });
    const { post: extra } = await reply(bob.session, post.url, { content: 'a second thought' });
    expect((await withCounts(alice.session, [post]))[0]).toMatchObject({ replies: 2 });
    await clearNotifications(alice.session);
    const deleted = await deletePost(bob.session, extra.url);
    expect(deleted.delivery?.notified).toBe(true);
    expect((await withCounts(alice.session, [post]))[0]).toMatchObject({ replies: 1 });
    await clearNotifications(alice.session);
    expect((await withCounts(alice.session, [post]))[0]).toMatchObject({ replies: 1 });
  });

  it("alice deletes: the post vanishes from bob's timeline and its URL answers a tombstone", async () => {
    // Their own pair: the day document read below holds this (edited) post alone.
    const { alice, bob } = await ownPair(server);
    await follow(bob.session, alice.account.webId);
    const post = await createPost(alice.session, { content: 'Hello from alice' });
    const { post: bobsReply } = await reply(bob.session, post.url, { content: 'Hi alice!' });
    await editPost(alice.session, post.url, 'Hello again, edited');
    await deletePost(alice.session, post.url);
    const timeline = await getTimeline(bob.session);
    expect(timeline.posts.map((p) => p.url)).not.toContain(post.url);
    expect(timeline.posts.map((p) => p.url)).toContain(bobsReply.url);
    await expect(getPost(fetch, post.url)).rejects.toMatchObject({ status: 410 });
    await expect(deletePost(alice.session, post.url)).rejects.toBeInstanceOf(NotFoundError);
    const text = await (await fetch(post.url.split('#')[0]!)).text();
    expect(text).toContain('Tombstone');
    expect(text).not.toContain('Hello again');
  });

  it("bob unfollows: alice loses a follower and bob's timeline loses her", async () => {
    const { alice, bob } = await ownPair(server);
    await follow(bob.session, alice.account.webId);
    const later = await createPost(alice.session, { content: 'after the unfollow' });
    await unfollow(bob.session, alice.account.webId);
    expect(await listFollowers(alice.session)).toEqual([]);
    expect((await getTimeline(bob.session)).posts.map((p) => p.url)).not.toContain(later.url);
    await expect(unfollow(bob.session, alice.account.webId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('20 concurrent posts by one person are all there afterwards', async () => {
    const posts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => createPost(bob.session, { content: `concurrent ${i}` })),
    );
    const listed = await listPosts(fetch, bob.account.webId, { limit: 100 });
    for (const created of posts) expect(listed.map((p) => p.url)).toContain(created.url);
    expect(new Set(listed.filter((p) => p.content.startsWith('concurrent ')).map((p) => p.content)).size).toBe(20);
  });

  it('text with quotes, newlines, emoji, Turtle syntax and 5,000 characters round-trips', async () => {
    const texts = [
      'She said "hi" and \'bye\'\nsecond line\r\n\ttabbed',
      '🔥🏳️‍🌈 emoji, accents: é ñ ü, RTL: שלום',
      '""" triple quotes """ and > < } { . ; , @prefix x: <http://evil/> . \\ backslash \\u0041',
      'x'.repeat(4_990) + ' 12345',
    ];
    for (const content of texts) {
      const created = await createPost(bob.session, { content });
      expect((await getPost(fetch, created.url)).content).toBe(content);
    }
    await expect(createPost(bob.session, { content: 'y'.repeat(20_001) })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(createPost(bob.session, { content: '   ' })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('pagination: --before gives older posts only', async () => {
    for (let i = 0; i < 11; i++) await createPost(bob.session, { content: `page ${i}` });
    const page = await listPosts(fetch, bob.account.webId, { limit: 5 });
    expect(page).toHaveLength(5);
    const next = await listPosts(fetch, bob.account.webId, { limit: 5, before: page[4]! });
    expect(next).toHaveLength(5);
    for (const older of next)
      expect(older.published <= page[4]!.published && !page.some((p) => p.url === older.url)).toBe(true);
    const byDate = await listPosts(fetch, bob.account.webId, { limit: 100, before: new Date(page[0]!.published) });
    for (const older of byDate) expect(older.published < page[0]!.published).toBe(true);
  });

  it('a post with an image: the image is public and described as as:Image', async () => {
    const png = Uint8Array.from(Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'));
    const created = await createPost(bob.session, { content: 'look', image: { data: png, mediaType: 'image/png' } });
    expect(created.attachments).toHaveLength(1);
    const read = await getPost(fetch, created.url);
    expect(read.attachments).toEqual(created.attachments);
    const image = await fetch(read.attachments[0]!.url);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(png);
  });

  it('profile: name, bio and avatar change, and the rest of the WebID profile survives', async () => {
    const before = await (await fetch(alice.account.webId)).text();
    expect(before).toContain('oidcIssuer');
    const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const profile = await setProfile(alice.session, {
      name: 'Alice "the Great" 🦊',
      bio: 'Line one\nline two',
      avatar: { data: jpeg, mediaType: 'image/jpeg' },
    });
    expect(profile).toMatchObject({ name: 'Alice "the Great" 🦊', bio: 'Line one\nline two' });
    expect(profile.avatar?.startsWith(`${alice.account.podUrl}profile/`)).toBe(true);
    const read = await getProfile(fetch, alice.account.webId);
    expect(read).toMatchObject({ name: 'Alice "the Great" 🦊', bio: 'Line one\nline two', avatar: profile.avatar });
    const after = await (await fetch(alice.account.webId)).text();
    expect(after).toContain('oidcIssuer');
    expect(after).toContain('publicTypeIndex');
    expect((await fetch(profile.avatar!)).status).toBe(200);
    const renamed = await setProfile(alice.session, { name: 'Al' });
    expect(renamed).toMatchObject({ name: 'Al', bio: 'Line one\nline two', avatar: profile.avatar });
  });
});
