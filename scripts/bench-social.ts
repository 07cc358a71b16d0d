// `npm run bench social`: the social layer against the plain HTTP it makes, on one Hearth server spawned as its own process.
// 1. post creation: Hearth's createPost against the same N3 Patch sent with the same session's fetch (interleaved, medians).
// 2. timeline of a reader following F = 10, 50, 100 people with P = 10, 200 posts each (limit 50): wall time and requests
//    (counted by a wrapping fetch), against the naive way: the following list, each followee's listing, then one GET
//    per post (the newest min(P, 50) posts of everyone), same concurrency (8). Seed data is written with PUTs of whole day
//    documents (10 posts a day). BENCH_SOCIAL_ROUNDS (default 3) sets the interleaved rounds; the naive way runs once
//    when it takes more than 1,200 requests (it is the slow side; its one sample is then set against Hearth's median).
import { DataFactory } from 'n3';
import { createAccount, openSession, type HearthSession } from '../src/index.js';
import { writeTurtle } from '../src/rdf.js';
import { AS, HEARTH, RDF } from '../src/vocab.js';
import { createPost, getTimeline, mapBounded } from '../src/social/index.js';
import { dayDocument, postQuads, type Post } from '../src/social/model.js';
import { n3PatchBody } from '../src/social/patch.js';
import { log, median, seconds, startBenchServer } from './support.js';

const { namedNode, literal, quad } = DataFactory;
const rounds = Number(process.env.BENCH_SOCIAL_ROUNDS ?? 3);
const limit = 50;
const postsPerDay = 10;

interface User { webId: string; pod: string; session: HearthSession }

export async function run(): Promise<void> {
  const bench = await startBenchServer('social');
  const server = bench.url;
  const users: User[] = [];
  try {
    const started = performance.now();
    users.push(...await mapBounded(Array.from({ length: 102 }, (_, i) => i), 4, (i) => makeUser(server, i)));
    const [reader, writer, ...followees] = users as [User, User, ...User[]];
    log(`created ${users.length} accounts in ${seconds(started)}`);
    await benchCreatePost(writer);
    await benchTimelines(reader, followees);
  } finally {
    await Promise.all(users.map((user) => user.session.logout().catch(() => undefined)));
    await bench.stop();
  }
}

async function makeUser(server: string, i: number): Promise<User> {
  const name = `bench${i}-${Math.random().toString(36).slice(2, 8)}`;
  const account = await createAccount({ server, name, email: `${name}@example.org`, password: `pw-${name}-${Math.random()}` });
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
    const body = n3PatchBody({ inserts: postQuads({ url, author: writer.webId, content: `plain post ${i}`, published: now.toISOString(), attachments: [] }) });
    t = performance.now();
    const response = await writer.session.fetch(url.split('#')[0]!, { method: 'PATCH', headers: { 'content-type': 'text/n3' }, body });
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

/** Seeds each followee's posts (days `fromDay`..`toDay` before today, 10 posts a day) with PUTs of whole day documents. */
async function seed(followees: User[], fromDay: number, toDay: number): Promise<Map<string, Post[]>> {
  const jobs = followees.flatMap((user) => Array.from({ length: toDay - fromDay }, (_, k) => ({ user, day: fromDay + k })));
  const written = new Map<string, Post[]>();
  await mapBounded(jobs, 6, async ({ user, day }) => {
    const date = new Date(Date.now() - (day + 1) * 86_400_000);
    const doc = dayDocument(`${user.pod}social/posts/`, date);
    const posts: Post[] = Array.from({ length: postsPerDay }, (_, n) => {
      const published = new Date(`${date.toISOString().slice(0, 10)}T${String(8 + n).padStart(2, '0')}:${String(Math.floor(Math.random() * 60)).padStart(2, '0')}:00.000Z`);
      return { url: `${doc}#s${day}-${n}`, author: user.webId, content: `seeded post ${n} of day ${day} by ${user.webId}`, published: published.toISOString(), attachments: [] };
    });
    const response = await user.session.fetch(doc, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: writeTurtle(posts.flatMap(postQuads)) });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`seeding ${doc}: ${response.status}`);
    written.set(user.webId, [...(written.get(user.webId) ?? []), ...posts]);
  });
  return written;
}

async function writeFollowing(reader: User, followees: User[]): Promise<void> {
  const doc = `${reader.pod}social/following/index.ttl`;
  const quads = followees.flatMap((user, i) => {
    const s = namedNode(`${doc}#f${i}`);
    return [quad(s, namedNode(`${RDF}type`), namedNode(`${AS}Follow`)), quad(s, namedNode(`${AS}actor`), namedNode(reader.webId)),
      quad(s, namedNode(`${AS}object`), namedNode(user.webId)), quad(s, namedNode(`${AS}published`), literal(new Date(Date.now() - 1e9 + i).toISOString())),
      quad(s, namedNode(`${HEARTH}postsContainer`), namedNode(`${user.pod}social/posts/`))];
  });
  const response = await reader.session.fetch(doc, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: writeTurtle(quads) });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`following: ${response.status}`);
}

/** A fetch that counts its requests. */
function counting(inner: typeof fetch): { fetch: typeof fetch; count: () => number; reset: () => void } {
  let n = 0;
  return { fetch: ((input: RequestInfo | URL, init?: RequestInit) => { n += 1; return inner(input, init); }) as typeof fetch, count: () => n, reset: () => { n = 0; } };
}

/** The naive timeline: the following list, each followee's listing, then one GET per post of the newest `limit` of each. */
async function naiveTimeline(fetchFn: typeof fetch, reader: User, followees: User[], seeded: Map<string, Post[]>): Promise<number> {
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
  log('| F | P | Hearth ms | Hearth requests | per followee | naive ms | naive requests | naive / Hearth |');
  log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  let seeded = new Map<string, Post[]>();
  for (const [P, fromDay, toDay] of [[10, 0, 1], [200, 1, 20]] as const) {
    const t = performance.now();
    const more = await seed(all, fromDay, toDay);
    for (const [webId, posts] of more) seeded.set(webId, [...(seeded.get(webId) ?? []), ...posts]);
    seeded = new Map(seeded);
    log(`(seeded ${P} posts for each of ${all.length} people in ${seconds(t)})`);
    for (const F of [10, 50, 100]) {
      const followees = all.slice(0, F);
      await writeFollowing(reader, followees);
      const ours = counting(globalThis.fetch);
      const own = counting(reader.session.fetch);
      const actor = { webId: reader.webId, fetch: own.fetch };
      const hearthMs: number[] = [];
      const naiveMs: number[] = [];
      let hearthRequests = 0;
      let naiveRequests = 0;
      await getTimeline(actor, { limit, fetch: ours.fetch }); // warm-up (also caches the reader's pod URL)
      for (let r = 0; r < rounds; r += 1) {
        ours.reset();
        own.reset();
        let start = performance.now();
        const result = await getTimeline(actor, { limit, fetch: ours.fetch });
        hearthMs.push(performance.now() - start);
        hearthRequests = ours.count() + own.count();
        if (result.errors.length > 0 || result.posts.length !== limit) throw new Error(`timeline: ${result.posts.length} posts, ${result.errors.map((e) => e.message).join('; ')}`);
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
      log(`| ${F} | ${P} | ${h.toFixed(0)} | ${hearthRequests} | ${(hearthRequests / F).toFixed(2)} | ${n.toFixed(0)} | ${naiveRequests} | ${(n / h).toFixed(1)} |`);
    }
  }
}
