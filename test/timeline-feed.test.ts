import { readdir, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  TimelineCache,
  createPost,
  deletePost,
  editPost,
  ensureFeed,
  feedSize,
  follow,
  getTimeline,
  rememberPostsContainers,
  unfollow,
  type Post,
} from '../src/index.js';
import { readOwnFollowing } from '../src/social/follows.js';
import { announceMovedTo } from '../src/portability/moved.js';
import { parseFeed } from '../src/social/feed.js';
import { dayDocument, parsePosts, postQuads } from '../src/social/model.js';
import { patchDocument } from '../src/social/patch.js';
import { readRdf } from '../src/social/remote.js';
import { collectPosts } from '../src/social/timeline.js';
import { as, triple, writeTurtle } from '../src/rdf.js';
import { DataFactory } from 'n3';
import { HEARTH } from '../src/vocab.js';
import { runCli } from './support/cli.js';
import { cliHome } from './support/social-fixtures.js';
import { createUser, type TestUser } from './support/users.js';

const { namedNode } = DataFactory;

/** Counts what the server is asked and how it answers, through one fetch. */
function counting(inner: typeof fetch) {
  const statuses: number[] = [];
  const wrapped = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const response = await inner(input, init);
    statuses.push(response.status);
    return response;
  }) as typeof fetch;
  return { fetch: wrapped, statuses, reset: () => statuses.splice(0) };
}

/** The reader as an actor whose own requests are counted, and a counted fetch for everyone else's pods. */
function countedReader(user: TestUser) {
  const own = counting(user.session.fetch);
  const others = counting(globalThis.fetch);
  return {
    actor: { webId: user.account.webId, fetch: own.fetch },
    fetch: others.fetch,
    statuses: () => [...own.statuses, ...others.statuses],
    reset: () => {
      own.reset();
      others.reset();
    },
  };
}

/** PUTs a whole Turtle document into `user`'s pod. */
async function put(user: TestUser, url: string, body: string, type = 'text/turtle'): Promise<void> {
  const response = await user.session.fetch(url, { method: 'PUT', headers: { 'content-type': type }, body });
  await response.arrayBuffer();
  expect(response.ok, `${url}: ${response.status}`).toBe(true);
}

/** Sets the follow of `webId` in `reader`'s list to remember `container` and `feed`, as a timeline would. */
async function remember(reader: TestUser, webId: string, container: string, feed: string): Promise<void> {
  await rememberPostsContainers(reader.session, [{ webId, container, feed }]);
}

const hourAgo = (n: number) => new Date(Date.now() - n * 3_600_000);

describe('a timeline reads one feed per person', () => {
  const server = inject('baseUrl');
  let reader: TestUser;
  let authors: TestUser[];
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    [reader, ...authors] = await Promise.all([
      createUser(server, 'reader'),
      createUser(server, 'ann'),
      createUser(server, 'ben'),
      createUser(server, 'cat'),
    ]);
    for (const author of authors) {
      for (let i = 0; i < 3; i += 1) await createPost(author.session, { content: `${author.account.webId} ${i}` });
      await follow(reader.session, author.account.webId);
    }
    // As a login would: the reader's own pod gets its feed.
    expect(await ensureFeed(reader.session)).toBe(true);
    expect(await ensureFeed(reader.session)).toBe(false);
    // The first timeline finds the feeds in the listings; remembering them is the explicit next step.
    const first = await getTimeline(reader.session, { limit: 20 });
    expect(first.errors).toEqual([]);
    expect(first.ownFeedMissing).toBeUndefined();
    expect(first.discovered?.map((d) => d.feed).sort()).toEqual(
      authors.map((a) => `${a.account.podUrl}social/posts/feed.ttl`).sort(),
    );
    expect(await rememberPostsContainers(reader.session, first.discovered ?? [])).toBe(3);
  });
  afterAll(async () => {
    await Promise.all([reader, ...authors].map((user) => user?.session.logout()));
    await Promise.all(cleanup.map((step) => step()));
  });

  it('a move is seen by followers who read only the feed', async () => {
    const [mover, target] = await Promise.all([createUser(server, 'mover'), createUser(server, 'target')]);
    cleanup.push(async () => Promise.all([mover.session.logout(), target.session.logout()]));
    await createPost(mover.session, { content: 'before the move' });
    await follow(reader.session, mover.account.webId);
    const container = `${mover.account.podUrl}social/posts/`;
    await remember(reader, mover.account.webId, container, `${container}feed.ttl`);
    const before = await getTimeline(reader.session, { limit: 50 });
    expect(before.movedHints ?? []).not.toContain(mover.account.webId);
    await announceMovedTo(mover.session.fetch, mover.account.webId, target.account.webId);
    const counted = countedReader(reader);
    const after = await getTimeline(counted.actor, { limit: 50, fetch: counted.fetch });
    expect(after.movedHints).toContain(mover.account.webId);
    // Still one document for that person: the feed.
    expect(after.discovered ?? []).toEqual([]);
    await unfollow(reader.session, mover.account.webId);
  });

  it('reads one document per person; a refresh with nothing new is one 304 per person', async () => {
    const plain = await getTimeline(reader.session, { limit: 20 });
    const counted = countedReader(reader);
    const cache = new TimelineCache();
    const cold = await getTimeline(counted.actor, { limit: 20, fetch: counted.fetch, cache });
    expect(cold.errors).toEqual([]);
    expect(cold.posts.map((p) => p.url)).toEqual(plain.posts.map((p) => p.url));
    expect(new Set(cold.posts.map((p) => p.author)).size).toBe(3);
    expect(cold.discovered).toBeUndefined();
    // The following list, one's own feed, and one feed per person followed: 5 requests for 3 people.
    expect(counted.statuses()).toEqual([200, 200, 200, 200, 200]);

    counted.reset();
    const again = await getTimeline(counted.actor, { limit: 20, fetch: counted.fetch, cache });
    expect(again.posts).toEqual(cold.posts);
    expect(counted.statuses()).toEqual([304, 304, 304, 304, 304]);

    // A new post: that person's feed answers 200, the others 304.
    const fresh = await createPost(authors[1]!.session, { content: 'something new' });
    counted.reset();
    const refreshed = await getTimeline(counted.actor, { limit: 20, fetch: counted.fetch, cache });
    expect(refreshed.posts[0]!.url).toBe(fresh.url);
    expect(refreshed.posts[0]!.content).toBe('something new');
    expect(counted.statuses().sort()).toEqual([200, 304, 304, 304, 304]);
  });

  it('edits and deletions reach the feed: the timeline shows the new text and no deleted post', async () => {
    const author = authors[0]!;
    const post = await createPost(author.session, { content: 'before' });
    const gone = await createPost(author.session, { content: 'to be deleted' });
    const cache = new TimelineCache();
    await getTimeline(reader.session, { limit: 30, cache });
    await editPost(author.session, post.url, 'after <b>edit</b>');
    await deletePost(author.session, gone.url);
    const timeline = await getTimeline(reader.session, { limit: 30, cache });
    const shown = timeline.posts.find((p) => p.url === post.url)!;
    expect(shown.content).toBe('after <b>edit</b>');
    expect(shown.updated).toBeDefined();
    expect(timeline.posts.some((p) => p.url === gone.url)).toBe(false);
  });

  it('concurrent posts lose nothing: every post since the feed says it is whole is in it', async () => {
    const author = await createUser(server, 'busy');
    cleanup.push(() => author.session.logout());
    const made = await Promise.all(
      Array.from({ length: 2 * feedSize }, (_, i) => createPost(author.session, { content: `at once ${i}` })),
    );
    const container = `${author.account.podUrl}social/posts/`;
    const feed = parseFeed(
      (await readRdf(fetch, `${container}feed.ttl`)).quads,
      `${container}feed.ttl`,
      container,
      author.account.webId,
    );
    const days = new Set(made.map((post) => post.url.split('#')[0]!));
    const all: Post[] = [];
    for (const day of days) all.push(...parsePosts((await readRdf(fetch, day)).quads, author.account.webId));
    const whole = all.filter((post) => post.published >= feed.completeSince).map((post) => post.url);
    // Posts made in the same millisecond may put `completeSince` after all of them: then the days answer for them.
    expect(feed.posts.length).toBeGreaterThanOrEqual(feedSize);
    expect(feed.posts.map((post) => post.url).sort()).toEqual(expect.arrayContaining(whole.sort()));
    // And a timeline shows every one of them, newest first, the feed's and the days' together.
    const { posts } = await collectPosts(fetch, [{ webId: author.account.webId }], { limit: 100 });
    expect(posts.map((post) => post.url).sort()).toEqual(made.map((post) => post.url).sort());
  });

  it('hearth timeline keeps its cache private on disk, and makes a missing feed of its owner', async () => {
    const me = await createUser(server, 'clicache');
    const home = await cliHome(me.account);
    try {
      await follow(me.session, authors[0]!.account.webId);
      const first = await runCli(['timeline', '--limit', '5'], { env: home.env });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain(authors[0]!.account.webId);
      const dir = join(home.home, 'cache');
      const [file] = await readdir(dir);
      expect(file).toMatch(/^timeline-[0-9a-f]{32}\.json$/u);
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      expect((await stat(join(dir, file!))).mode & 0o777).toBe(0o600);
      // Its own pod had no feed: the timeline made it (as a post would).
      expect(await ensureFeed(me.session)).toBe(false);
      const again = await runCli(['timeline', '--limit', '5'], { env: home.env });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toBe(first.stdout);
    } finally {
      await home.remove();
      await me.session.logout();
    }
  });

  it('a person no longer followed is never shown from the cache, and is dropped from it', async () => {
    const me = await createUser(server, 'leaver');
    try {
      const author = authors[0]!;
      await follow(me.session, author.account.webId);
      const cache = new TimelineCache();
      const container = `${author.account.podUrl}social/posts/`;
      const feedUrl = `${container}feed.ttl`;
      await remember(me, author.account.webId, container, feedUrl);
      const before = await getTimeline(me.session, { limit: 5, cache });
      expect(before.posts.some((p) => p.author === author.account.webId)).toBe(true);
      expect(cache.feed(author.account.webId, feedUrl)).toBeDefined();
      await unfollow(me.session, author.account.webId);
      const after = await getTimeline(me.session, { limit: 5, cache });
      expect(after.posts.some((p) => p.author === author.account.webId)).toBe(false);
      expect(cache.feed(author.account.webId, feedUrl)).toBeUndefined();
    } finally {
      await me.session.logout();
    }
  });
});

describe('feeds, older posts and pods without a feed', () => {
  const server = inject('baseUrl');
  let reader: TestUser;
  let old: TestUser;
  let seeded: Post[];

  beforeAll(async () => {
    [reader, old] = await Promise.all([createUser(server, 'pager'), createUser(server, 'oldpod')]);
    // A pod from before feeds: 40 posts over 4 days, written as day documents only.
    seeded = [];
    for (let day = 1; day <= 4; day += 1) {
      const date = new Date(Date.now() - day * 86_400_000);
      const doc = dayDocument(`${old.account.podUrl}social/posts/`, date);
      const posts = Array.from({ length: 10 }, (_, n) => ({
        url: `${doc}#p${day}-${n}`,
        author: old.account.webId,
        content: `day ${day} post ${n}`,
        published: new Date(date.getTime() - n * 60_000).toISOString(),
        attachments: [],
      }));
      await put(old, doc, writeTurtle(posts.flatMap(postQuads)));
      seeded.push(...posts);
    }
    seeded.sort((a, b) => (a.published < b.published ? 1 : -1));
    await follow(reader.session, old.account.webId);
  });
  afterAll(async () => {
    await reader?.session.logout();
    await old?.session.logout();
  });

  it('a pod without a feed is read by its days; once it has one, pages past it are read from the days', async () => {
    const timeline = await getTimeline(reader.session, { limit: 50 });
    expect(timeline.errors).toEqual([]);
    expect(timeline.posts.map((p) => p.url)).toEqual(seeded.map((p) => p.url));
    expect(timeline.discovered).toBeUndefined();
    expect(timeline.ownFeedMissing).toBe(true);

    // Once made, the feed holds the newest posts; pages past it are read from the days.
    expect(await ensureFeed(old.session)).toBe(true);
    const first = await getTimeline(reader.session, { limit: 50 });
    expect(first.discovered).toEqual([
      {
        webId: old.account.webId,
        container: `${old.account.podUrl}social/posts/`,
        feed: `${old.account.podUrl}social/posts/feed.ttl`,
      },
    ]);
    await rememberPostsContainers(reader.session, first.discovered!);
    expect((await readOwnFollowing(reader.session))[0]!.postsFeed).toBe(`${old.account.podUrl}social/posts/feed.ttl`);
    // 40 posts, the feed has 30: the rest come from the days, in order.
    const all = await getTimeline(reader.session, { limit: 50 });
    expect(all.posts.map((p) => p.url)).toEqual(seeded.map((p) => p.url));
    const page = await getTimeline(reader.session, { limit: 10, before: seeded[feedSize + 2]! });
    expect(page.posts.map((p) => p.url)).toEqual(seeded.slice(feedSize + 3, feedSize + 13).map((p) => p.url));
    // A new post goes into the feed too, and the timeline still has everything.
    const fresh = await createPost(old.session, { content: 'newest' });
    const after = await getTimeline(reader.session, { limit: 50 });
    expect(after.posts.map((p) => p.url)).toEqual([fresh.url, ...seeded.map((p) => p.url)].slice(0, 41));
  });

  it('a remembered feed that is gone: the days are read, and it is forgotten', async () => {
    const [gone, reader] = await Promise.all([createUser(server, 'gonefeed'), createUser(server, 'goneread')]);
    try {
      await createPost(gone.session, { content: 'still here' });
      await follow(reader.session, gone.account.webId);
      const container = `${gone.account.podUrl}social/posts/`;
      await remember(reader, gone.account.webId, container, `${container}feed.ttl`);
      const deleted = await gone.session.fetch(`${container}feed.ttl`, { method: 'DELETE' });
      expect(deleted.ok).toBe(true);
      const timeline = await getTimeline(reader.session, { limit: 50 });
      expect(timeline.posts.map((p) => p.content)).toContain('still here');
      expect(timeline.discovered).toEqual([{ webId: gone.account.webId, container }]);
    } finally {
      await gone.session.logout();
      await reader.session.logout();
    }
  });
});

describe('hostile feeds', () => {
  const server = inject('baseUrl');
  let reader: TestUser;
  let victim: TestUser;
  let mallory: TestUser;
  let victimPost: Post;
  let container: string;
  let feedUrl: string;
  let etagServer: Server;
  let etagBase: string;
  let etagRequests = 0;

  const turtleFeed = (items: { url: string; author: string; content: string }[], extra = '') =>
    `@prefix as: <https://www.w3.org/ns/activitystreams#>. @prefix h: <${HEARTH}>.
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#>.
    <> h:completeSince "1970-01-01T00:00:00Z"^^xsd:dateTime; ${extra}
      as:items ${items.map((i) => `<${i.url}>`).join(', ') || '<#none>'}.
    ${items
      .map(
        (i, n) =>
          `<${i.url}> as:attributedTo <${i.author}>; as:content "${i.content}";
           as:published "${hourAgo(n + 1).toISOString()}"^^xsd:dateTime.`,
      )
      .join('\n')}`;

  beforeAll(async () => {
    [reader, victim, mallory] = await Promise.all([
      createUser(server, 'target'),
      createUser(server, 'victim'),
      createUser(server, 'mallory'),
    ]);
    victimPost = await createPost(victim.session, { content: 'the real one' });
    await follow(reader.session, mallory.account.webId);
    container = `${mallory.account.podUrl}social/posts/`;
    feedUrl = `${container}feed.ttl`;
    await remember(reader, mallory.account.webId, container, feedUrl);
    // A pod whose feed changes its ETag on every request.
    etagServer = createServer((request, response) => {
      etagRequests += 1;
      const path = new URL(request.url ?? '/', etagBase).pathname;
      if (path !== '/eve/posts/feed.ttl') {
        response.writeHead(404).end();
        return;
      }
      const body = turtleFeed([
        { url: `${etagBase}eve/posts/2026-01-01.ttl#a`, author: `${etagBase}eve/card#me`, content: 'eve' },
      ]);
      response.writeHead(200, { 'content-type': 'text/turtle', etag: `"${Math.random()}"` }).end(body);
    });
    await new Promise<void>((resolve) => etagServer.listen(0, '127.0.0.1', resolve));
    etagBase = `http://127.0.0.1:${(etagServer.address() as { port: number }).port}/`;
  });
  afterAll(async () => {
    await Promise.all([reader, victim, mallory].map((user) => user?.session.logout()));
    await new Promise((resolve) => etagServer?.close(resolve));
  });

  it("a feed cannot forge another's posts, another pod's URLs, nor URLs that lead out of its container", async () => {
    const own = `${container}${new Date().toISOString().slice(0, 10)}.ttl#mine`;
    await put(
      mallory,
      feedUrl,
      turtleFeed([
        // The victim's real post, and a post claimed to be the victim's at mallory's URL.
        { url: victimPost.url, author: victim.account.webId, content: 'forged' },
        { url: `${container}2026-01-01.ttl#fake`, author: victim.account.webId, content: 'forged author' },
        // Mallory's name on a URL in the victim's pod, and on URLs that resolve out of her container.
        { url: `${victim.account.podUrl}social/posts/2026-01-01.ttl#x`, author: mallory.account.webId, content: 'x' },
        { url: `${container}../../other/2026-01-01.ttl#y`, author: mallory.account.webId, content: 'y' },
        { url: `${container}sub/2026-01-01.ttl#z`, author: mallory.account.webId, content: 'z' },
        { url: own, author: mallory.account.webId, content: 'her own' },
      ]),
    );
    const timeline = await getTimeline(reader.session, { limit: 20 });
    expect(timeline.errors).toEqual([]);
    expect(timeline.posts.map((p) => [p.url, p.author, p.content])).toEqual([[own, mallory.account.webId, 'her own']]);
  });

  it('a huge feed is cut to its newest items; one past the byte bound falls back to the days', async () => {
    const items = Array.from({ length: 3_000 }, (_, n) => ({
      url: `${container}2026-01-01.ttl#n${n}`,
      author: mallory.account.webId,
      content: `note ${n}`,
    }));
    await put(mallory, feedUrl, turtleFeed(items));
    const timeline = await getTimeline(reader.session, { limit: 500 });
    expect(timeline.errors).toEqual([]);
    expect(timeline.posts.length).toBeLessThanOrEqual(100);
    expect(timeline.posts[0]!.content).toBe('note 0');
    const small = await getTimeline(reader.session, { limit: 20, limits: { maxBytes: 64 * 1024 } });
    expect(small.posts.some((p) => p.author === mallory.account.webId)).toBe(false);
  });

  it('a malformed feed (not Turtle, no completeSince, not RDF) falls back to the days', async () => {
    const post = await createPost(mallory.session, { content: 'from the days' });
    const read = async () => (await getTimeline(reader.session, { limit: 50 })).posts.map((p) => p.content);
    await put(mallory, feedUrl, '<> <a> "unterminated');
    expect(await read()).toContain('from the days');
    await put(mallory, feedUrl, turtleFeed([]).replace(/h:completeSince[^;]*;/u, ''));
    expect(await read()).toContain('from the days');
    await put(mallory, feedUrl, '{"not": "rdf"}', 'application/json');
    expect(await read()).toContain('from the days');
    await deletePost(mallory.session, post.url);
  });

  it('a feed whose ETag changes on every request costs one request per refresh, and one cache entry', async () => {
    const eve = `${etagBase}eve/card#me`;
    const me = await createUser(server, 'etag');
    try {
      // Followed as a timeline would remember it (eve's pod serves nothing else).
      const url = `${me.account.podUrl}social/following/index.ttl#eve`;
      await patchDocument(
        me.session.fetch,
        url.split('#')[0]!,
        {
          inserts: [
            triple(url, namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#type'), as('Follow')),
            triple(url, as('actor'), namedNode(me.account.webId)),
            triple(url, as('object'), namedNode(eve)),
            triple(url, namedNode(`${HEARTH}postsContainer`), namedNode(`${etagBase}eve/posts/`)),
            triple(url, namedNode(`${HEARTH}postsFeed`), namedNode(`${etagBase}eve/posts/feed.ttl`)),
          ],
        },
        'following eve',
      );
      const cache = new TimelineCache();
      for (let round = 0; round < 4; round += 1) {
        const before = etagRequests;
        const timeline = await getTimeline(me.session, { limit: 5, cache });
        expect(timeline.posts.map((p) => p.content)).toContain('eve');
        expect(etagRequests - before).toBe(1);
      }
      // The following list, one's own posts (no feed: not kept) and eve's feed: one entry each at most.
      expect(cache.size).toBeLessThanOrEqual(3);
    } finally {
      await me.session.logout();
    }
  });

  it('the cache is bounded in bytes and entries, and a damaged copy of it loads as an emptier one', () => {
    const post = (n: number): Post => ({
      url: `https://pod.example/p/2026-01-01.ttl#${n}`,
      author: 'https://pod.example/me',
      content: 'x'.repeat(1_000),
      published: new Date(0).toISOString(),
      attachments: [],
    });
    const cache = new TimelineCache({ maxEntries: 3, maxBytes: 5_000 });
    for (let n = 0; n < 10; n += 1)
      cache.set({
        kind: 'feed',
        webId: `https://pod.example/${n}`,
        url: `https://pod.example/${n}/feed.ttl`,
        etag: `"${n}"`,
        posts: [post(n), post(n + 1)],
        completeSince: new Date(0).toISOString(),
      });
    expect(cache.size).toBe(2);
    expect(JSON.stringify(cache).length).toBeLessThan(5_000);
    const copy = JSON.parse(JSON.stringify(cache)) as { entries: unknown[] };
    copy.entries.push({ kind: 'feed', webId: 1 }, null, 'junk');
    const loaded = TimelineCache.fromJSON(copy);
    expect(loaded.size).toBe(2);
    expect(TimelineCache.fromJSON('not a cache').size).toBe(0);
  });
});
