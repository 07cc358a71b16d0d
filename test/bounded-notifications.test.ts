import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFactory } from 'n3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPost, like, requestAccess, saveAccount, withCounts, type PodOwner } from '../src/index.js';
import { listAccessRequests, readAccessRequests } from '../src/access/requests.js';
import { listInboxUrls, sendToInbox } from '../src/social/inbox.js';
import { mapFair } from '../src/social/deadline.js';
import { clearNotifications, readNotifications } from '../src/social/notifications.js';
import { mapBounded } from '../src/social/remote.js';
import { runCli } from './support/cli.js';
import { startBigLikes } from './support/big-likes.js';
import { startSilentServer, type SilentServer } from './support/silent-server.js';
import { createUser, type TestUser } from './support/users.js';

const { namedNode, quad } = DataFactory;
const AS = 'https://www.w3.org/ns/activitystreams#';
const RDF_TYPE = namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#type');

/** Appends raw bytes to an inbox as `sender`, optionally naming the item (Slug); answers the item's URL. */
async function append(
  sender: TestUser,
  inbox: string,
  body: string,
  options: { type?: string; slug?: string; container?: boolean } = {},
): Promise<string> {
  const response = await sender.session.fetch(inbox, {
    method: 'POST',
    body,
    headers: {
      'content-type': options.type ?? 'text/turtle',
      ...(options.slug ? { slug: options.slug } : {}),
      ...(options.container ? { link: '<http://www.w3.org/ns/ldp#BasicContainer>; rel="type"' } : {}),
    },
  });
  await response.text();
  expect(response.status).toBe(201);
  return response.headers.get('location')!;
}

/**
 * `count` junk items of every kind (a forged like, broken Turtle, plain text, RDF of no type, a container), named
 * `prefix-NNNN`.
 */
async function flood(
  sender: TestUser,
  inbox: string,
  count: number,
  prefix: string,
  forgedObject: string,
): Promise<string[]> {
  return mapBounded(
    Array.from({ length: count }, (_, i) => i),
    8,
    async (i) => {
      const slug = `${prefix}-${String(i).padStart(4, '0')}`;
      const forged = `${sender.account.podUrl}social/likes/1999-01.ttl#forged-${i}`;
      switch (i % 5) {
        case 0:
          return append(
            sender,
            inbox,
            `<${forged}> a <${AS}Like>; <${AS}actor> <${sender.account.webId}>; <${AS}object> <${forgedObject}>.`,
            { slug },
          );
        case 1:
          return append(sender, inbox, '<#x> <#y> "unterminated', { slug });
        case 2:
          return append(sender, inbox, 'just some text', { type: 'text/plain', slug });
        case 3:
          return append(sender, inbox, '<#x> <urn:junk:p> "no type".', { slug });
        default:
          return append(sender, inbox, '', { slug, container: true });
      }
    },
  );
}

async function timed<T>(task: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await task();
  return { value, ms: performance.now() - start };
}

// These tests fill inboxes and run the CLI several times each: on a busy 2-core machine they need more than the default
// minute.
describe('notifications and access requests stay bounded whatever the inbox holds', { timeout: 180_000 }, () => {
  const server = inject('baseUrl');
  let silent: SilentServer;
  let sender: TestUser;
  const owners: TestUser[] = [];
  const homes: string[] = [];
  const inboxOf = (user: TestUser) => `${user.account.podUrl}social/inbox/`;
  const podOwner = (user: TestUser): PodOwner => ({
    fetch: user.session.fetch,
    podUrl: user.account.podUrl,
    webId: user.account.webId,
    managerClientId: user.session.clientId,
  });
  const owner = async (prefix: string) => {
    const user = await createUser(server, prefix);
    owners.push(user);
    return user;
  };
  const homeOf = async (user: TestUser) => {
    const home = await mkdtemp(join(tmpdir(), 'hearth-bounded-'));
    homes.push(home);
    await saveAccount(home, user.account);
    return { HEARTH_HOME: home };
  };
  /**
   * How long a cheap CLI command takes here (start, login, one read, logout): what every run costs besides its work.
   */
  const cliOverhead = async (env: Record<string, string>) => (await timed(() => runCli(['following'], { env }))).ms;

  beforeAll(async () => {
    silent = await startSilentServer();
    sender = await createUser(server, 'sender');
  });
  afterAll(async () => {
    await silent?.close();
    for (const user of [sender, ...owners]) await user?.session.logout();
    for (const home of homes) await rm(home, { recursive: true, force: true });
  });

  it('junk named to sort first hides no real like; clearing removes the junk and the like keeps counting', async () => {
    const alice = await owner('flooded');
    const post = await createPost(alice.session, { content: 'a post that gets one real like' });
    const junk = await flood(sender, inboxOf(alice), 100, '0000-junk', post.url);
    await append(sender, inboxOf(alice), `<#y> <#z> "${'x'.repeat(70 * 1024)}".`, { slug: '0000-huge' });
    expect((await like(sender.session, post.url)).delivery.notified).toBe(true);
    // The like's item sorts after every junk item by name: a listing cut by name would never reach it.
    const likeItem = (await listInboxUrls(alice.session.fetch, inboxOf(alice))).find((url) => !url.includes('/0000-'))!;
    expect(junk.every((url) => url < likeItem)).toBe(true);

    const report = await readNotifications(alice.session, { maxItems: 30 });
    expect(report.notifications.filter((n) => n.verified).map((n) => [n.kind, n.actor, n.object])).toEqual([
      ['like', sender.account.webId, post.url],
    ]);
    expect(report.unread).toBe(100 + 2 - 30);
    expect(
      report.notifications
        .filter((n) => !n.verified)
        .every((n) => !n.unchecked && /does not exist/u.test(n.reason ?? '')),
    ).toBe(true);
    expect(new Set(report.others.map((o) => o.reason.replace(/[:(].*$/u, '').trim()))).toEqual(
      new Set(['too large', 'not valid Turtle', 'not RDF', 'RDF of no type', 'a container, not a notification']),
    );

    // Clearing what was looked at removes exactly that: an item arriving meanwhile stays (and goes in a later round).
    const late = await append(sender, inboxOf(alice), '<#x> <urn:junk:p> "late".', { slug: '0000-late' });
    const first = await clearNotifications(alice.session, {}, report);
    expect([first.cleared, first.removed, first.kept]).toEqual([report.notifications.length, report.others.length, 0]);
    expect(await listInboxUrls(alice.session.fetch, inboxOf(alice))).toContain(late);
    // Each round removes what it looked at; a few rounds empty the inbox of junk, and the like is in the record.
    const rounds: number[] = [];
    for (let round = 0; round < 6; round += 1) {
      const cleared = await clearNotifications(alice.session, { maxItems: 30 });
      rounds.push(cleared.cleared + cleared.removed);
      if (cleared.cleared + cleared.removed === 0) break;
    }
    expect(rounds).toEqual([30, 30, 13, 0]);
    expect(await listInboxUrls(alice.session.fetch, inboxOf(alice))).toEqual([]);
    expect((await withCounts(alice.session, [post]))[0]).toMatchObject({ likes: 1 });
  });

  it('hearth notifications shows the like past the junk; --clear removes junk but never access requests', async () => {
    const bob = await owner('cliflood');
    const env = await homeOf(bob);
    const post = await createPost(bob.session, { content: 'liked from the CLI test' });
    await flood(sender, inboxOf(bob), 40, '0000-junk', post.url);
    await requestAccess(
      { fetch: sender.session.fetch, clientId: 'helper_00000000-0000-0000-0000-000000000000' },
      bob.account.webId,
      [{ target: 'posts', modes: ['read'] }],
      'a real request stays',
    );
    // An item of another kind (another app's): kept by --clear, removed by --clear-all.
    const foreign = await sendToInbox(sender.session.fetch, inboxOf(bob), [
      quad(namedNode('urn:x:1'), RDF_TYPE, namedNode('https://other.example/ns#Ping')),
    ]);
    expect((await like(sender.session, post.url)).delivery.notified).toBe(true);

    const shown = await runCli(['notifications'], { env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      new RegExp(
        `like +${sender.account.webId.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')} -> ${post.url.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}\\n`,
        'u',
      ),
    );
    expect(shown.stdout).toContain('32 junk item(s)');
    expect(shown.stdout).toContain('1 access request(s)');

    const cleared = await runCli(['notifications', '--clear'], { env });
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stdout).toContain('Cleared 9 notification(s) and removed 32 other item(s).');
    const left = await listInboxUrls(bob.session.fetch, inboxOf(bob));
    expect(left).toHaveLength(2);
    expect(left).toContain(foreign);
    expect((await withCounts(bob.session, [post]))[0]).toMatchObject({ likes: 1 });

    const all = await runCli(['notifications', '--clear-all'], { env });
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('removed 1 other item(s)');
    expect(await listInboxUrls(bob.session.fetch, inboxOf(bob))).toHaveLength(1);
    expect(await listAccessRequests(podOwner(bob))).toHaveLength(1);
  });

  it('claims naming silent profiles end with the deadline, unverified, while a real like is verified', async () => {
    const carol = await owner('slowclaims');
    const env = await homeOf(carol);
    const post = await createPost(carol.session, { content: 'liked, and claimed liked by silent pods' });
    // Forty people on a server that never answers claim to like the post; then a real like arrives.
    await mapBounded(
      Array.from({ length: 40 }, (_, i) => i),
      8,
      (i) => {
        const actor = `${silent.url}p${i}/profile/card#me`;
        const activity = `${silent.url}p${i}/likes/1.ttl#l`;
        return sendToInbox(sender.session.fetch, inboxOf(carol), [
          quad(namedNode(activity), RDF_TYPE, namedNode(`${AS}Like`)),
          quad(namedNode(activity), namedNode(`${AS}actor`), namedNode(actor)),
          quad(namedNode(activity), namedNode(`${AS}object`), namedNode(post.url)),
        ]);
      },
    );
    expect((await like(sender.session, post.url)).delivery.notified).toBe(true);

    // Each read may take 30 s: the overall deadline is what ends the look.
    const { value: report, ms } = await timed(() =>
      readNotifications(carol.session, { deadlineMs: 8000, timeoutMs: 30_000 }),
    );
    expect(ms).toBeLessThan(8000 + 3000);
    expect(report.notifications.filter((n) => n.verified).map((n) => n.actor)).toEqual([sender.account.webId]);
    const slow = report.notifications.filter((n) => n.actor.startsWith(silent.url));
    // Every claim read is shown, unverified; on a busy machine some items may not even be read in time.
    expect(slow.length).toBeGreaterThan(0);
    expect(slow.length + report.unread).toBe(40);
    expect(slow.every((n) => !n.verified && n.unchecked && /deadline/u.test(n.reason ?? ''))).toBe(true);

    // The CLI: a few seconds over what any command costs, not a timeout per claim; the silent claims are kept by
    // --clear.
    const overhead = await cliOverhead(env);
    const run = await timed(() => runCli(['notifications', '--deadline', '8', '--clear'], { env }));
    expect(run.value.code, run.value.stderr).toBe(0);
    expect(run.ms).toBeLessThan(overhead + 8000 + 5000);
    expect(run.value.stdout).toMatch(/\n\d+ claim\(s\) could not be checked/u);
    expect(run.value.stdout).toMatch(/like +\S+sender\S+ -> \S+\n/u);
    expect(run.value.stdout).toContain('Cleared 1 notification(s)');
    expect(await listInboxUrls(carol.session.fetch, inboxOf(carol))).toHaveLength(40);
    expect((await withCounts(carol.session, [post]))[0]).toMatchObject({ likes: 1 });
  });

  it('one silent server holds at most 3 of the 8 reads at a time; claims on other servers go on', async () => {
    const started: string[] = [];
    const release: (() => void)[] = [];
    const items = [...Array.from({ length: 10 }, () => 'silent'), 'a', 'b'];
    const done = mapFair(
      items,
      (item) => item,
      8,
      3,
      async (item) => {
        started.push(item);
        if (item === 'silent') await new Promise<void>((resolve) => release.push(resolve));
      },
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['silent', 'silent', 'silent', 'a', 'b']);
    while (started.length < items.length || release.length) {
      release.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;
  });

  it('40 access requests naming silent Client ID Documents end at the deadline; deny --all removes them', async () => {
    const dave = await owner('slowapps');
    const env = await homeOf(dave);
    await mapBounded(
      Array.from({ length: 40 }, (_, i) => i),
      8,
      (i) =>
        requestAccess(
          { fetch: sender.session.fetch, clientId: `${silent.url}app${i}/id` },
          dave.account.webId,
          [{ target: 'posts', modes: ['read'] }],
          `app ${i}`,
        ),
    );

    // Each Client ID Document may take 30 s: the overall deadline is what ends the listing.
    const { value: listed, ms } = await timed(() =>
      readAccessRequests(podOwner(dave), { deadlineMs: 8000, timeoutMs: 30_000 }),
    );
    expect(ms).toBeLessThan(8000 + 3000);
    expect(listed.requests.length).toBeGreaterThan(0);
    expect(listed.requests.length + listed.unread).toBe(40);
    expect(listed.requests.every((r) => /cannot be read/u.test(r.app.name) && !r.app.known)).toBe(true);

    const overhead = await cliOverhead(env);
    const run = await timed(() => runCli(['apps', 'requests', '--deadline', '8'], { env }));
    expect(run.value.code, run.value.stderr).toBe(0);
    expect(run.ms).toBeLessThan(overhead + 8000 + 5000);
    expect(run.value.stdout).toMatch(/^\S+ {2}127\.0\.0\.1:\d+ \(its Client ID Document cannot be read\)/mu);

    const denied = await runCli(['apps', 'deny', '--all'], { env });
    expect(denied.code, denied.stderr).toBe(0);
    expect(denied.stdout).toContain('Denied 40 request(s).');
    expect((await runCli(['apps', 'requests'], { env })).stdout).toContain('No pending access requests.');
  });

  it('junk named to sort first or last hides no access request', async () => {
    const erin = await owner('floodapps');
    await flood(sender, inboxOf(erin), 30, '0000-junk', 'https://example.org/post');
    await flood(sender, inboxOf(erin), 30, 'zzzz-junk', 'https://example.org/post');
    const asked = await requestAccess(
      { fetch: sender.session.fetch, clientId: 'helper_00000000-0000-0000-0000-000000000000' },
      erin.account.webId,
      [{ target: 'posts', modes: ['read'] }],
      'the one real request',
    );
    const requests = await listAccessRequests(podOwner(erin), { maxItems: 20 });
    expect(requests.map((r) => r.url)).toEqual([asked]);
  });

  it('huge items are never downloaded; claims naming big documents keep only what they claim: low memory', async () => {
    const frank = await owner('bigitems');
    const post = await createPost(frank.session, { content: 'liked by people with big likes documents' });
    const big = await startBigLikes(post.url, 3 * 1024 * 1024);
    try {
      await mapBounded([0, 1], 2, (i) =>
        append(sender, inboxOf(frank), `<#s> <#p> "${'h'.repeat(8 * 1024 * 1024)}".`, { slug: `huge-${i}` }),
      );
      // Twenty real likes from twenty people, each in a 3 MB document of their own.
      await mapBounded(
        Array.from({ length: 20 }, (_, i) => i),
        8,
        (i) =>
          sendToInbox(sender.session.fetch, inboxOf(frank), [
            quad(namedNode(big.like(i)), RDF_TYPE, namedNode(`${AS}Like`)),
            quad(namedNode(big.like(i)), namedNode(`${AS}actor`), namedNode(big.webId(i))),
            quad(namedNode(big.like(i)), namedNode(`${AS}object`), namedNode(post.url)),
          ]),
      );
      // A heap of 192 MB: a look that kept every document it read (20 x 3 MB of Turtle, parsed) would not fit.
      const child = spawn(
        process.execPath,
        ['--expose-gc', '--max-old-space-size=192', '--import', 'tsx', 'test/support/inbox-memory.ts'],
        {
          env: {
            ...process.env,
            HEARTH_TEST_SERVER: server,
            HEARTH_TEST_CLIENT_ID: frank.account.manager.id,
            HEARTH_TEST_CLIENT_SECRET: frank.account.manager.secret,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
      });
      expect(await new Promise((resolve) => child.on('close', resolve)), err).toBe(0);
      const result = JSON.parse(out) as { verified: number; others: string[] };
      expect(result.verified).toBe(20);
      expect(result.others.filter((reason) => reason.startsWith('too large'))).toHaveLength(2);
    } finally {
      await big.close();
    }
  });
});
