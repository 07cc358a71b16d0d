// `npm run bench social`: the social layer against the plain HTTP it makes, on one Hearth server spawned as its own
// process.
// 1. post creation: Hearth's createPost against the same N3 Patch sent with the same session's fetch (interleaved,
// medians).
// 2. timeline of a reader following F = 10, 50, 100 people with P = 10, 200 posts each (limit 50): wall time and
//    requests per followed person (counted by a wrapping fetch, the reader's own following list and feed included),
//    against the naive way: the following list, each followee's listing, then one GET per post (the newest min(P, 50)
//    posts of everyone), same concurrency (8); and the refresh when nothing is new (the same timeline again with the
//    cache of the one before: requests per person and how many answered 304). Seed data is written with PUTs of whole
//    day documents (10 posts a day), then each pod's feed is made from them (`ensureFeed`, as a login does), and the
//    reader remembers the feeds its first timeline found (as `hearth timeline` and the page do). BENCH_SOCIAL_ROUNDS
//    (default 3) sets the interleaved rounds; the naive way runs once when it takes more than 1,200 requests (it is
//    the slow side; its one sample is then set against Hearth's median).
// 3. timeline against hostile pods: a reader following 10 of the people above (200 posts each, limit 50), against a
//    reader following the same 10 and the hostile pods of test/support/hostile-pod.ts, served by their own process:
//    dense (4.8 MB lists as a profile and as a listing), 50,000 notes in a day, a post dated 9999, 90,000 listed days,
//    and (second row) 4 listings that never end and a pod that never answers. Default limits (5 s a request, 20 s
//    overall). BENCH_SOCIAL_HOSTILE_ROUNDS (default 5) interleaved rounds; medians and their ratio.
//    BENCH_SOCIAL_ONLY=hostile runs this part alone.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DataFactory } from 'n3';
import { createAccount, openSession, type HearthSession } from '../src/index.js';
import { writeTurtle } from '../src/rdf.js';
import { AS, HEARTH, RDF } from '../src/vocab.js';
import { createPost } from '../src/social/posts.js';
import { getTimeline } from '../src/social/timeline.js';
import { ensureFeed } from '../src/social/feed-write.js';
import { TimelineCache } from '../src/social/feed-cache.js';
import { rememberPostsContainers } from '../src/social/follows.js';
import { mapBounded } from '../src/social/remote.js';
import { dayDocument, postQuads, type Post } from '../src/social/model.js';
import { n3PatchBody } from '../src/social/patch.js';
import { log, median, root, seconds, startBenchServer } from './support.js';

const { namedNode, literal, quad } = DataFactory;
const rounds = Number(process.env.BENCH_SOCIAL_ROUNDS ?? 3);
const hostileRounds = Number(process.env.BENCH_SOCIAL_HOSTILE_ROUNDS ?? 5);
const limit = 50;
const postsPerDay = 10;

interface User {
  webId: string;
  pod: string;
  session: HearthSession;
}

export async function run(): Promise<void> {
  const bench = await startBenchServer('social');
  const server = bench.url;
  const users: User[] = [];
  try {
    const started = performance.now();
    // BENCH_SOCIAL_ONLY=hostile: only part 3, with the 10 followees it needs (seeded as in part 2).
    const onlyHostile = process.env.BENCH_SOCIAL_ONLY === 'hostile';
    users.push(
      ...(await mapBounded(
        Array.from({ length: onlyHostile ? 13 : 103 }, (_, i) => i),
        4,
        (i) => makeUser(server, i),
      )),
    );
    const [reader, writer, hostileReader, ...followees] = users as [User, User, User, ...User[]];
    log(`created ${users.length} accounts in ${seconds(started)}`);
    if (onlyHostile) {
      const t = performance.now();
      await seed(followees, 1, 20);
      log(`(seeded 190 posts for each of ${followees.length} people in ${seconds(t)})`);
    } else {
      await benchCreatePost(writer);
      await benchTimelines(reader, followees);
    }
    await benchHostile(reader, hostileReader, followees.slice(0, 10));
  } finally {
    await Promise.all(users.map((user) => user.session.logout().catch(() => undefined)));
    await bench.stop();
  }
}

async function makeUser(server: string, i: number): Promise<User> {
  const name = `bench${i}-${Math.random().toString(36).slice(2, 8)}`;
  const account = await createAccount({
    server,
    name,
    email: `${name}@example.org`,
    password: `pw-${name}-${Math.random()}`,
  });
  const session = await openSession({ server, clientId: account.manager.id, clientSecret: account.manager.secret });
  return { webId: account.webId, pod: account.podUrl, session };
}

async function benchCreatePost(writer: User): Promise<void> {
  const hearth: number[] = [];
  const plain: number[] = [];
  const runs = 30;
  await createPost(writer.session, { content: 'warm-up' });
  for (let i = 0; i < runs; i += 1) {
    let t = performance.now();
    await createPost(writer.session, { content: `bench post ${i}` });
    hearth.push(performance.now() - t);
    // The same request by hand: one N3 Patch insert of the same triples into today's document.
    const now = new Date();
    const url = `${dayDocument(`${writer.pod}social/posts/`, now)}#plain${i}`;
    const body = n3PatchBody({
      inserts: postQuads({
        url,
        author: writer.webId,
        content: `plain post ${i}`,
        published: now.toISOString(),
        attachments: [],
      }),
    });
    t = performance.now();
    const response = await writer.session.fetch(url.split('#')[0]!, {
      method: 'PATCH',
      headers: { 'content-type': 'text/n3' },
      body,
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`plain patch: ${response.status}`);
    plain.push(performance.now() - t);
  }
  log(`\npost creation (${runs} interleaved, one N3 Patch each; the day document grows to ${2 * runs + 1} posts)`);
  log('| | median ms | min ms |\n| --- | --- | --- |');
  log(`| createPost | ${median(hearth).toFixed(1)} | ${Math.min(...hearth).toFixed(1)} |`);
  log(`| plain PATCH | ${median(plain).toFixed(1)} | ${Math.min(...plain).toFixed(1)} |`);
  log(`ratio createPost / plain: ${(median(hearth) / median(plain)).toFixed(2)}`);
}

/**
 * Seeds each followee's posts (days `fromDay`..`toDay` before today, 10 posts a day) with PUTs of whole day documents.
 */
async function seed(followees: User[], fromDay: number, toDay: number): Promise<Map<string, Post[]>> {
  const jobs = followees.flatMap((user) =>
    Array.from({ length: toDay - fromDay }, (_, k) => ({ user, day: fromDay + k })),
  );
  const written = new Map<string, Post[]>();
  await mapBounded(jobs, 6, async ({ user, day }) => {
    const date = new Date(Date.now() - (day + 1) * 86_400_000);
    const doc = dayDocument(`${user.pod}social/posts/`, date);
    const posts: Post[] = Array.from({ length: postsPerDay }, (_, n) => {
      const hour = String(8 + n).padStart(2, '0');
      const minute = String(Math.floor(Math.random() * 60)).padStart(2, '0');
      const published = new Date(`${date.toISOString().slice(0, 10)}T${hour}:${minute}:00.000Z`);
      return {
        url: `${doc}#s${day}-${n}`,
        author: user.webId,
        content: `seeded post ${n} of day ${day} by ${user.webId}`,
        published: published.toISOString(),
        attachments: [],
      };
    });
    const response = await user.session.fetch(doc, {
      method: 'PUT',
      headers: { 'content-type': 'text/turtle' },
      body: writeTurtle(posts.flatMap(postQuads)),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`seeding ${doc}: ${response.status}`);
    written.set(user.webId, [...(written.get(user.webId) ?? []), ...posts]);
  });
  return written;
}

/**
 * Writes the reader's following list; a followee's posts container is `container`, else in `pod`, else left to
 * discovery.
 */
async function writeFollowing(
  reader: User,
  followees: { webId: string; pod?: string; container?: string }[],
): Promise<void> {
  const doc = `${reader.pod}social/following/index.ttl`;
  const quads = followees.flatMap((user, i) => {
    const s = namedNode(`${doc}#f${i}`);
    const container = user.container ?? (user.pod ? `${user.pod}social/posts/` : undefined);
    return [
      quad(s, namedNode(`${RDF}type`), namedNode(`${AS}Follow`)),
      quad(s, namedNode(`${AS}actor`), namedNode(reader.webId)),
      quad(s, namedNode(`${AS}object`), namedNode(user.webId)),
      quad(s, namedNode(`${AS}published`), literal(new Date(Date.now() - 1e9 + i).toISOString())),
      ...(container ? [quad(s, namedNode(`${HEARTH}postsContainer`), namedNode(container))] : []),
    ];
  });
  const response = await reader.session.fetch(doc, {
    method: 'PUT',
    headers: { 'content-type': 'text/turtle' },
    body: writeTurtle(quads),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`following: ${response.status}`);
}

/** A fetch that counts its requests, and those answered 304 Not Modified. */
function counting(inner: typeof fetch): {
  fetch: typeof fetch;
  count: () => number;
  notModified: () => number;
  reset: () => void;
} {
  let n = 0;
  let unchanged = 0;
  return {
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      n += 1;
      const response = await inner(input, init);
      if (response.status === 304) unchanged += 1;
      return response;
    }) as typeof fetch,
    count: () => n,
    notModified: () => unchanged,
    reset: () => {
      n = 0;
      unchanged = 0;
    },
  };
}

/** Makes each pod's feed again from its day documents (as a login does for a pod whose days were written by hand). */
async function remakeFeeds(users: User[]): Promise<void> {
  await mapBounded(users, 4, async (user) => {
    const response = await user.session.fetch(`${user.pod}social/posts/feed.ttl`, { method: 'DELETE' });
    await response.arrayBuffer();
    await ensureFeed(user.session);
  });
}

/**
 * The naive timeline: the following list, each followee's listing, then one GET per post of the newest `limit` of each.
 */
async function naiveTimeline(
  fetchFn: typeof fetch,
  reader: User,
  followees: User[],
  seeded: Map<string, Post[]>,
): Promise<number> {
  await (await fetchFn(`${reader.pod}social/following/index.ttl`, { headers: { accept: 'text/turtle' } })).text();
  const perFollowee = await mapBounded(followees, 8, async (user) => {
    await (await fetchFn(`${user.pod}social/posts/`, { headers: { accept: 'text/turtle' } })).text();
    return [...seeded.get(user.webId)!].sort((a, b) => (a.published < b.published ? 1 : -1)).slice(0, limit);
  });
  const urls = perFollowee.flat().map((p) => p.url);
  let read = 0;
  await mapBounded(urls, 8, async (url) => {
    const response = await fetchFn(url, { headers: { accept: 'text/turtle' } });
    await response.text();
    if (response.ok) read += 1;
  });
  return read;
}

async function benchTimelines(reader: User, all: User[]): Promise<void> {
  log('\ntimeline of 50 posts (concurrency 8, anonymous reads of public posts; medians of interleaved rounds)');
  log('requests are per followed person, the reader\'s own following list and feed included');
  log(
    '| F | P | Hearth ms | Hearth requests | naive ms | naive requests | naive / Hearth (time) | ' +
      'refresh ms | refresh requests | answered 304 | naive / refresh (time) |',
  );
  log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  await ensureFeed(reader.session); // as a login does
  let seeded = new Map<string, Post[]>();
  for (const [P, fromDay, toDay] of [
    [10, 0, 1],
    [200, 1, 20],
  ] as const) {
    const t = performance.now();
    const more = await seed(all, fromDay, toDay);
    for (const [webId, posts] of more) seeded.set(webId, [...(seeded.get(webId) ?? []), ...posts]);
    seeded = new Map(seeded);
    await remakeFeeds(all);
    log(`(seeded ${P} posts for each of ${all.length} people, and their feeds, in ${seconds(t)})`);
    for (const F of [10, 50, 100]) {
      const followees = all.slice(0, F);
      await writeFollowing(reader, followees);
      const ours = counting(globalThis.fetch);
      const own = counting(reader.session.fetch);
      const actor = { webId: reader.webId, fetch: own.fetch };
      const hearthMs: number[] = [];
      const naiveMs: number[] = [];
      const refreshMs: number[] = [];
      let hearthRequests = 0;
      let naiveRequests = 0;
      let refreshRequests = 0;
      let refresh304 = 0;
      // Warm-up (also caches the reader's pod URL); the feeds it found are remembered, as the CLI and the page do.
      const warm = await getTimeline(actor, { limit, fetch: ours.fetch });
      await rememberPostsContainers(reader.session, warm.discovered ?? []);
      const check = (result: Awaited<ReturnType<typeof getTimeline>>) => {
        if (result.errors.length > 0 || result.posts.length !== limit)
          throw new Error(`timeline: ${result.posts.length} posts, ${result.errors.map((e) => e.message).join('; ')}`);
      };
      for (let r = 0; r < rounds; r += 1) {
        ours.reset();
        own.reset();
        let start = performance.now();
        const cache = new TimelineCache();
        const result = await getTimeline(actor, { limit, fetch: ours.fetch, cache });
        hearthMs.push(performance.now() - start);
        hearthRequests = ours.count() + own.count();
        check(result);
        // The refresh: the same timeline again, nothing new, with the cache of the one before.
        ours.reset();
        own.reset();
        start = performance.now();
        check(await getTimeline(actor, { limit, fetch: ours.fetch, cache }));
        refreshMs.push(performance.now() - start);
        refreshRequests = ours.count() + own.count();
        refresh304 = ours.notModified() + own.notModified();
        if (r > 0 && F * Math.min(P, limit) > 1_200) continue;
        const naive = counting(globalThis.fetch);
        start = performance.now();
        const read = await naiveTimeline(naive.fetch, reader, followees, seeded);
        naiveMs.push(performance.now() - start);
        naiveRequests = naive.count();
        if (read !== Math.min(P, limit) * F) throw new Error(`naive read ${read}`);
      }
      const h = median(hearthMs);
      const n = median(naiveMs);
      const f = median(refreshMs);
      log(
        `| ${F} | ${P} | ${h.toFixed(0)} | ${(hearthRequests / F).toFixed(2)} | ${n.toFixed(0)} | ` +
          `${(naiveRequests / F).toFixed(2)} | ${(n / h).toFixed(1)} | ${f.toFixed(0)} | ` +
          `${(refreshRequests / F).toFixed(2)} | ${refresh304} of ${refreshRequests} | ${(n / f).toFixed(1)} |`,
      );
    }
  }
}

/** Starts test/support/hostile-server.ts in its own process; answers its base URL and a stop function. */
async function startHostileServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/hostile-server.ts'], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the hostile server exited with ${code}`)));
  });
  return {
    url,
    stop: async () => {
      child.stdin!.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The timeline of 10 well-behaved people, alone and beside hostile pods (interleaved rounds, medians). */
async function benchHostile(plainReader: User, hostileReader: User, followees: User[]): Promise<void> {
  const hostile = await startHostileServer();
  try {
    const pod = (kind: string) => ({
      webId: `${hostile.url}${kind}/profile/card#me`,
      container: `${hostile.url}${kind}/posts/`,
    });
    // denseprofile with no posts container known: the timeline discovers it through the (dense) profile.
    const costly = [
      ...['denselisting', 'notes', 'future', 'manydays'].map(pod),
      { webId: `${hostile.url}denseprofile/profile/card#me` },
    ];
    const slow = [...costly, ...['endless-1', 'endless-2', 'endless-3', 'endless-4', 'silent'].map(pod)];
    const setups = [
      { name: '10 people', reader: plainReader, follows: followees },
      {
        name: '+ dense, 50,000-note, 9999-dated, 90,000-day pods',
        reader: hostileReader,
        follows: [...followees, ...costly],
      },
      { name: '+ those, 4 endless listings and 1 silent pod', reader: hostileReader, follows: [...followees, ...slow] },
    ];
    const times = setups.map(() => [] as number[]);
    const last = setups.map(() => ({ posts: 0, errors: 0, futureDated: 0 }));
    log(
      '\ntimeline of 50 posts beside hostile pods (default limits: 5 s a request, 20 s overall; ' +
        `medians of ${hostileRounds} interleaved rounds)`,
    );
    for (let r = 0; r < hostileRounds + 1; r += 1) {
      for (const [i, setup] of setups.entries()) {
        // One reader per kind of setup would need three: the hostile reader's following list is rewritten instead.
        if (setup.reader === hostileReader) await writeFollowing(hostileReader, setup.follows);
        else if (r === 0) await writeFollowing(plainReader, setup.follows);
        const start = performance.now();
        const result = await getTimeline(
          { webId: setup.reader.webId, fetch: setup.reader.session.fetch },
          { limit, followMoves: false },
        );
        if (r > 0) times[i]!.push(performance.now() - start); // round 0 warms up
        last[i] = { posts: result.posts.length, errors: result.errors.length, futureDated: result.futureDated ?? 0 };
      }
    }
    const base = median(times[0]!);
    log('| following | median ms | ratio | posts | sources in errors | future-dated left out |');
    log('| --- | --- | --- | --- | --- | --- |');
    setups.forEach((setup, i) => {
      const m = median(times[i]!);
      log(
        `| ${setup.name} | ${m.toFixed(0)} | ${(m / base).toFixed(2)} | ` +
          `${last[i]!.posts} | ${last[i]!.errors} | ${last[i]!.futureDated} |`,
      );
    });
  } finally {
    await hostile.stop();
  }
}
