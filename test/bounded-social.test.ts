import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  NetworkError,
  NotAProfileError,
  createPost,
  follow,
  getProfile,
  getTimeline,
  listPosts,
  type Post,
} from '../src/index.js';
import { collectPosts } from '../src/social/timeline.js';
import { discoverPostsContainer } from '../src/social/discovery.js';
import { mapBounded } from '../src/social/remote.js';
import { readOwnFollowing } from '../src/social/follows.js';
import { startHostilePod, type BoundedKind, type HostilePod } from './support/hostile-pod.js';
import { ownUser } from './support/social-fixtures.js';
import { followedBefore } from './support/users.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Runs test/support/bounded-child.ts in its own Node process (its own memory, its own collector); answers its JSON
 * line.
 */
async function child<T>(mode: string, args: object, nodeFlags: string[] = []): Promise<T> {
  const proc = spawn(
    process.execPath,
    [...nodeFlags, '--import', 'tsx', 'test/support/bounded-child.ts', mode, JSON.stringify(args)],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'development' } },
  );
  let out = '';
  let err = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  proc.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  if (code !== 0) throw new Error(`the child exited with ${code}: ${err.slice(-2000)}`);
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

/** Runs `task`, answering its result, its time in ms and the longest the event loop was held meanwhile. */
async function timed<T>(task: () => Promise<T>): Promise<{ result: T; ms: number; lagMs: number }> {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const started = performance.now();
  try {
    const result = await task();
    return { result, ms: performance.now() - started, lagMs: lag.max / 1e6 };
  } finally {
    lag.disable();
  }
}

const contents = (posts: Post[]) => posts.map((p) => p.content);

describe("reading other people's pods is bounded in bytes, time, triples and CPU", () => {
  const server = inject('baseUrl');
  let hostile: HostilePod;
  const webId = (kind: BoundedKind | 'good' | `good-${number}`) => hostile.webId(kind);

  beforeAll(async () => {
    hostile = await startHostilePod();
  });
  afterAll(async () => {
    await hostile?.close();
  });

  it('a day document of 50,000 notes without content is read in linear time, not holding the event loop', async () => {
    // The baseline, here and now: a day document as large, of 50,000 triples that are not notes.
    const plain = await timed(() => listPosts(fetch, webId('plainday')));
    expect(contents(plain.result)).toEqual(['from a pod of many triples']);
    const notes = await timed(() => listPosts(fetch, webId('notes')));
    expect(contents(notes.result)).toEqual(['from a pod of many notes']);
    expect(notes.ms).toBeLessThan(3 * plain.ms + 500);
    expect(notes.lagMs).toBeLessThan(1_000);
  });

  it('posts dated minutes ahead are not believed: left out (and counted), their future day never read', async () => {
    const futureDay = '/future/posts/9999-12-31.ttl';
    const before = hostile.requests(futureDay);
    expect(contents(await listPosts(fetch, webId('future')))).toEqual(['from a pod with a post dated 9999']);
    const result = await collectPosts(fetch, [{ webId: webId('future') }]);
    expect(contents(result.posts)).toEqual(['from a pod with a post dated 9999']);
    expect(result.futureDated).toBe(1);
    expect(hostile.requests(futureDay) - before).toBe(0);
  });

  it('a listing of 90,000 day documents costs at most limit + 10 reads of them', async () => {
    const before = hostile.requests('manydays');
    const result = await collectPosts(fetch, [{ webId: webId('manydays') }], { limit: 5 });
    expect(result).toMatchObject({ posts: [], errors: [] });
    // Profile, type index, listing, then 15 day documents (all empty).
    expect(hostile.requests('manydays') - before).toBeLessThanOrEqual(3 + 15);
  });

  it('a profile naming 90,000 storages, a type index of 45,000 registrations: bounded, linear time', async () => {
    expect((await getProfile(fetch, webId('manystorages'))).storages).toHaveLength(20);
    // The baseline, here and now: a type index as large, whose registrations are of another class.
    const other = await timed(() => discoverPostsContainer(fetch, webId('otherregistrations')));
    const many = await timed(() => discoverPostsContainer(fetch, webId('manyregistrations')));
    expect([other.result, many.result]).toEqual([
      `${hostile.url}otherregistrations/posts/`,
      `${hostile.url}manyregistrations/posts/`,
    ]);
    expect(many.ms).toBeLessThan(3 * other.ms + 500);
  });

  it('24 endless listings, dense, crowded, future-dated pods: own and good posts come by the deadline', async () => {
    const deadlineMs = 4_000;
    // A carol of its own: she follows many pods here, and her timeline must hold her three posts alone.
    const carol = await ownUser(server, 'carol');
    for (const content of ['carol one', 'carol two', 'carol three']) await createPost(carol.session, { content });
    // The baseline: carol's timeline of her own posts alone, here and now.
    const alone = await timed(() => getTimeline(carol.session, { limit: 20, deadlineMs }));
    expect(contents(alone.result.posts)).toEqual(['carol three', 'carol two', 'carol one']);
    const endless = Array.from({ length: 24 }, (_, i) => webId(`endless-${i}`));
    const others = (['denselisting', 'manydays', 'notes', 'future'] as const).map(webId);
    await mapBounded([...endless, ...others], 4, (target) => follow(carol.session, target));
    // A profile too dense to read is not followed; one that became so after it was followed is in the timeline's
    // errors.
    await expect(follow(carol.session, webId('denseprofile'))).rejects.toBeInstanceOf(NotAProfileError);
    await followedBefore(carol, webId('denseprofile'));
    // Followed last, so that the pods that never answer come first: they must not hold back the good pod.
    await follow(carol.session, webId('good'));
    const { result, ms, lagMs } = await timed(() => getTimeline(carol.session, { limit: 20, deadlineMs }));
    expect(ms).toBeLessThan(deadlineMs + 2_000 + alone.ms);
    expect(lagMs).toBeLessThan(1_000);
    const shown = contents(result.posts);
    expect(shown).toEqual(expect.arrayContaining(['carol three', 'carol two', 'carol one', 'from a good pod']));
    expect(shown.filter((c) => c.startsWith('carol'))).toEqual(['carol three', 'carol two', 'carol one']);
    expect(shown).not.toContain('from the future');
    const failed = result.errors.map((e) => e.source);
    expect(failed).toEqual(expect.arrayContaining([...endless, webId('denselisting'), webId('denseprofile')]));
    expect(failed).not.toContain(carol.account.webId);
    expect(failed).not.toContain(webId('good'));
    expect(result.errors.find((e) => e.source === webId('denselisting'))!.message).toMatch(
      /more than 100000 triples|deadline/u,
    );
  });

  it('peak memory stays small reading a 4.8 MB dense profile and six 4.8 MB dense listings at once', async () => {
    const answer = await child<{
      maxRssMb: number;
      profile: { error?: string };
      errors: { source: string; message: string }[];
    }>('memory', {
      profile: webId('denseprofile'),
      sources: Array.from({ length: 6 }, (_, i) => webId(`denselisting-${i}`)),
      deadlineMs: 20_000,
    });
    expect(answer.profile.error).toMatch(/more than 100000 triples/u);
    expect(answer.errors).toHaveLength(6);
    for (const error of answer.errors) expect(error.message).toMatch(/more than 100000 triples/u);
    // A child that only loads the modules takes ~100 MB; without the triple bound this took 2 GB.
    expect(answer.maxRssMb).toBeLessThan(300);
  });

  it('deadlines fire even when the garbage collector runs: silent pods cannot hold back a good one', async () => {
    const deadlineMs = 3_000;
    const sources = [webId('good'), ...Array.from({ length: 8 }, (_, i) => webId(`endless-${100 + i}`))];
    const answer = await child<{ ms: number; posts: string[]; errors: string[] }>(
      'gc',
      { sources, deadlineMs, timeoutMs: 60_000 },
      ['--expose-gc'],
    );
    expect(answer.posts).toEqual(['from a good pod']);
    expect(answer.errors.sort()).toEqual(sources.slice(1).sort());
    expect(answer.ms).toBeLessThan(deadlineMs + 2_000);
  });

  it('follow has an overall deadline: a profile that never answers is refused by then, not waited for', async () => {
    // A carol of its own: her follows reach no other test's timeline.
    const carol = await ownUser(server, 'carol');
    const good = await timed(() => follow(carol.session, webId('good-1')));
    expect(good.result.follow.postsContainer).toBe(`${hostile.url}good-1/posts/`);
    const silent = hostile.webId('silentprofile');
    const { result, ms } = await timed(() =>
      follow(carol.session, silent, { timeoutMs: 60_000, followDeadlineMs: 2_000 }).catch((e: unknown) => e),
    );
    expect(ms).toBeLessThan(2_000 + 2_000 + good.ms);
    expect(result).toBeInstanceOf(NetworkError);
    expect((result as NetworkError).message).toMatch(/no answer within the follow's 2 s/u);
    expect((await readOwnFollowing(carol.session)).map((f) => f.object)).not.toContain(silent);
  });
});
