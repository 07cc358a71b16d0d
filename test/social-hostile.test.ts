import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BadDataError, NetworkError, createPost, follow, getTimeline, type Post } from '../src/index.js';
import { collectPosts } from '../src/social/timeline.js';
import { readRdf } from '../src/social/remote.js';
import { hostileKinds, startHostilePod, type HostilePod } from './support/hostile-pod.js';
import { createUser, followedBefore, type TestUser } from './support/users.js';

describe('a hostile pod does not break the timeline', () => {
  const server = inject('baseUrl');
  let alice: TestUser;
  let bob: TestUser;
  let hostile: HostilePod;
  let posts: Post[];
  const quick = { timeoutMs: 1_000 };

  beforeAll(async () => {
    hostile = await startHostilePod();
    [alice, bob] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob')]);
    posts = [];
    for (const content of ['one', 'two', 'three']) posts.push(await createPost(alice.session, { content }));
  });
  afterAll(async () => {
    await alice?.session.logout();
    await bob?.session.logout();
    await hostile?.close();
  });

  it('each misbehaviour is a typed error of the bounded reader', async () => {
    const container = (kind: string) => `${hostile.url}${kind}/posts/`;
    await expect(readRdf(fetch, container('malformed'), quick)).rejects.toBeInstanceOf(BadDataError);
    await expect(readRdf(fetch, container('huge'), quick)).rejects.toThrow(/too large/u);
    await expect(readRdf(fetch, container('silent'), quick)).rejects.toBeInstanceOf(NetworkError);
    await expect(readRdf(fetch, container('loop'), quick)).rejects.toThrow(/redirects more than 3 times/u);
    await expect(readRdf(fetch, container('html'), quick)).rejects.toThrow(/not RDF \(text\/html\)/u);
    expect(hostile.hugeBytesSent()).toBeLessThan(20 * 1024 * 1024);
  });

  it("bob follows alice and all hostile pods; his timeline has alice's posts, hostile sources in errors", async () => {
    await follow(bob.session, alice.account.webId);
    for (const kind of hostileKinds.filter((k) => k !== 'silentprofile')) {
      const result = await follow(bob.session, hostile.webId(kind), quick);
      expect(result.follow.object).toBe(hostile.webId(kind));
      expect(result.delivery.notified).toBe(false);
    }
    // A profile that never answers is not followed; one that went silent after it was followed is in the timeline's
    // errors.
    await expect(follow(bob.session, hostile.webId('silentprofile'), quick)).rejects.toBeInstanceOf(NetworkError);
    await followedBefore(bob, hostile.webId('silentprofile'));
    const mine = await createPost(bob.session, { content: 'bob was here' });
    // 3 s a request: the silent pods wait that long, while alice's pod on the shared test server has time to answer.
    const timeline = await getTimeline(bob.session, { limit: 10, limits: { timeoutMs: 3_000 } });
    expect(timeline.posts.map((p) => p.content)).toEqual(['bob was here', 'three', 'two', 'one']);
    expect(timeline.posts[0]!.url).toBe(mine.url);
    expect(timeline.errors.map((e) => e.source).sort()).toEqual(hostileKinds.map((kind) => hostile.webId(kind)).sort());
    const message = (kind: string) => timeline.errors.find((e) => e.source === hostile.webId(kind as never))!.message;
    expect(message('malformed')).toMatch(/not valid Turtle/u);
    expect(message('huge')).toMatch(/too large/u);
    expect(message('hugeday')).toMatch(/too large/u);
    expect(message('silent')).toMatch(/no answer within 3 s/u);
    expect(message('silentprofile')).toMatch(/no answer within 3 s/u);
    expect(message('loop')).toMatch(/redirects/u);
    expect(message('html')).toMatch(/not RDF/u);
    expect(hostile.hugeBytesSent()).toBeLessThan(60 * 1024 * 1024);
  });

  it('an overall deadline cuts a timeline short but still answers', async () => {
    // Only loopback pods of the test's own (no shared server whose load could slow the good source):
    // requests may wait 60 s, the whole gathering only 3 s; the silent pods are cut off, the good one comes back.
    const sources = (['good', 'silent', 'silentprofile'] as const).map((kind) => ({ webId: hostile.webId(kind) }));
    const started = Date.now();
    const result = await collectPosts(fetch, sources, { limit: 10, limits: { timeoutMs: 60_000 }, deadlineMs: 3_000 });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.posts.map((p) => p.content)).toEqual(['from a good pod']);
    expect(result.errors.map((e) => e.source).sort()).toEqual(
      [hostile.webId('silent'), hostile.webId('silentprofile')].sort(),
    );
    expect(result.errors.find((e) => e.source === hostile.webId('silent'))?.message).toMatch(/deadline/u);
  });
});
