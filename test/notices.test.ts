import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFactory } from 'n3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  announceMovedTo,
  deleteAccount,
  follow,
  getTimeline,
  saveAccount,
  setProfile,
  type Notification,
  type NoticeAction,
} from '../src/index.js';
import { readOwnFollowing } from '../src/social/follows.js';
import { confirmAlsoKnownAs, moveActivity, notifyFollowersOfMove } from '../src/portability/moved.js';
import { listInboxUrls, sendToInbox } from '../src/social/inbox.js';
import { areaUrl } from '../src/social/layout.js';
import { AS, RDF, XSD } from '../src/vocab.js';
import { runCli, type CliResult } from './support/cli.js';
import { freePort } from './support/ports.js';
import { startRecordingPod, type RecordingPod } from './support/recording-pod.js';
import { createUser, uniqueName, type TestUser } from './support/users.js';

const { literal, namedNode, quad } = DataFactory;

/** What `hearth --json notifications` prints. */
interface NotificationsJson {
  notifications: Notification[];
  acted: NoticeAction[];
  cleared?: { cleared: number; removed: number; kept: number };
}

describe('follow checks profiles; deletions and moves are believed only once checked; a timeline only reads', () => {
  const server = inject('baseUrl');
  const users: TestUser[] = [];
  const homes: string[] = [];
  /** An account that exists and posts forged notices into inboxes (anyone logged in may append); no test changes it. */
  let stranger: TestUser;
  /**
   * People on a loopback pod, whose profiles a test sets as it needs (moved, confirming a move or not): no accounts to
   * make.
   */
  let pod: RecordingPod;
  /** A loopback server: `/page#me` is HTML, `/plain#me` a plain Solid profile (no type index, no inbox). */
  let web: Server;
  let webUrl: string;

  beforeAll(async () => {
    [stranger, pod] = await Promise.all([user('stranger'), startRecordingPod()]);
    web = createServer((request, response) => {
      if (request.url === '/plain') {
        response.writeHead(200, { 'content-type': 'text/turtle' });
        return void response.end(
          '<#me> a <http://xmlns.com/foaf/0.1/Person>; <http://xmlns.com/foaf/0.1/name> "Plain Person".',
        );
      }
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<!doctype html><p>Welcome to my homepage</p>');
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    webUrl = `http://127.0.0.1:${(web.address() as { port: number }).port}/`;
  });
  afterAll(async () => {
    await Promise.allSettled(users.map((u) => u.session.logout()));
    await new Promise((resolve) => web?.close(resolve));
    await pod?.close();
    await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true })));
  });

  async function user(prefix: string): Promise<TestUser> {
    const made = await createUser(server, prefix);
    users.push(made);
    return made;
  }

  /** Runs `hearth` as `who`, from a home of its own. */
  async function cli(who: TestUser): Promise<(args: string[]) => Promise<CliResult>> {
    const home = await mkdtemp(join(tmpdir(), 'hearth-notices-'));
    homes.push(home);
    await saveAccount(home, who.account);
    return (args) => runCli(args, { env: { HEARTH_HOME: home } });
  }

  const following = async (who: TestUser) => (await readOwnFollowing(who.session)).map((f) => f.object);
  const inboxOf = (who: TestUser) => areaUrl(who.account.podUrl, 'inbox');
  /** An `as:Delete` of `webId`'s account, shaped as src/portability/delete.ts sends it. */
  const deletion = (webId: string) => {
    const activity = namedNode(`urn:uuid:${randomUUID()}`);
    return [
      quad(activity, namedNode(`${RDF}type`), namedNode(`${AS}Delete`)),
      quad(activity, namedNode(`${AS}actor`), namedNode(webId)),
      quad(activity, namedNode(`${AS}object`), namedNode(webId)),
      quad(activity, namedNode(`${AS}published`), literal(new Date().toISOString(), namedNode(`${XSD}dateTime`))),
    ];
  };

  it('follow refuses a WebID answering 404, a server that is down, a non-profile: exit 1, nothing saved', async () => {
    // The stranger follows nobody else, in any test: its following list is this test's to change.
    const me = stranger;
    const hearth = await cli(me);
    const missing = `${server}${uniqueName('nobody')}/profile/card#me`;
    const down = `http://127.0.0.1:${await freePort()}/alice/profile/card#me`;
    const notAbout = `${me.account.podUrl}social/posts/#me`;
    const before = await following(me);

    const gone = await hearth(['follow', missing]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(`hearth: ${missing} answers 404: there is no profile there.\n`);
    const unreachable = await hearth(['--json', 'follow', down]);
    expect(unreachable.code).toBe(1);
    expect(JSON.parse(unreachable.stderr)).toEqual({
      error: { code: 'NETWORK', message: expect.stringMatching(/^Cannot reach .*\(connection refused\)/u) },
    });
    const noProfile = await hearth(['follow', notAbout]);
    expect(noProfile.code).toBe(1);
    expect(noProfile.stderr).toBe(`hearth: ${notAbout} is not a WebID profile: its document says nothing about it.\n`);
    await expect(follow(me.session, `${webUrl}page#me`)).rejects.toThrow(
      `${webUrl}page#me is not a WebID profile: its document is text/html, not RDF.`,
    );
    expect(await following(me)).toEqual(before);

    // A plain Solid profile (no type index, no inbox) is a profile: followed, with a warning that its posts are not
    // found.
    const plain = await follow(me.session, `${webUrl}plain#me`);
    expect(plain.warning).toMatch(/^Their posts could not be found yet: .* has no public type index$/u);
    expect(await following(me)).toEqual([...before, `${webUrl}plain#me`]);
  });

  it('a real account deletion: shown by name, unfollowed, removed by --clear; acting again does nothing', async () => {
    const [me, leaver] = await Promise.all([user('fan'), user('leaver')]);
    await setProfile(leaver.session, { name: 'Lee Leaver' });
    await follow(me.session, leaver.account.webId);
    const deleted = await deleteAccount(leaver.session, { server, podUrl: leaver.account.podUrl });
    expect(deleted.notified).toEqual([me.account.webId]);
    const hearth = await cli(me);

    const shown = await hearth(['notifications']);
    expect(shown.code, shown.stderr).toBe(0);
    const who = `Lee Leaver <${leaver.account.webId}>`;
    expect(shown.stdout).toContain(`delete ${who} deleted their account\n`);
    expect(shown.stdout).toContain(`${who} deleted their account: you no longer follow them.`);
    expect(await following(me)).toEqual([]);

    const cleared = await hearth(['--json', 'notifications', '--clear']);
    expect(cleared.code, cleared.stderr).toBe(0);
    const json = JSON.parse(cleared.stdout) as NotificationsJson;
    expect(json.notifications).toMatchObject([{ kind: 'delete', actor: leaver.account.webId, verified: true }]);
    expect(json.acted).toEqual([]);
    expect(json.cleared).toEqual({ cleared: 1, removed: 0, kept: 0 });
    expect(await listInboxUrls(me.session.fetch, inboxOf(me))).toEqual([]);
  });

  it('a forged deletion of an account that still exists is shown unverified and not acted on', async () => {
    const me = await user('fan');
    const alive = stranger;
    await follow(me.session, alive.account.webId);
    await sendToInbox(stranger.session.fetch, inboxOf(me), deletion(alive.account.webId));

    const run = await (await cli(me))(['--json', 'notifications']);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout) as NotificationsJson;
    expect(json.notifications).toMatchObject([
      {
        kind: 'delete',
        actor: alive.account.webId,
        verified: false,
        reason: `${alive.account.webId} still has a profile: the account was not deleted`,
      },
    ]);
    expect(json.acted).toEqual([]);
    expect(await following(me)).toEqual([alive.account.webId]);
  });

  it('a move confirmed both ways makes the follower follow the new WebID instead of the old', async () => {
    const [me, old, moved] = await Promise.all([user('fan'), user('mover'), user('moved')]);
    await follow(me.session, old.account.webId);
    await Promise.all([
      announceMovedTo(old.session.fetch, old.account.webId, moved.account.webId),
      confirmAlsoKnownAs(moved.session.fetch, moved.account.webId, old.account.webId),
    ]);
    await notifyFollowersOfMove(old.session, [me.account.webId], moved.account.webId);

    const run = await (await cli(me))(['--json', 'notifications']);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout) as NotificationsJson;
    expect(json.notifications).toMatchObject([
      { kind: 'move', actor: old.account.webId, target: moved.account.webId, verified: true },
    ]);
    expect(json.acted).toEqual([{ notice: 'move', webId: old.account.webId, to: moved.account.webId, done: true }]);
    expect(await following(me)).toEqual([moved.account.webId]);
  });

  it('a move not confirmed both ways is not acted on: the old account named none, or the new one said no', async () => {
    const me = await user('fan');
    const stays = pod.webId('stays');
    const impostor = pod.webId('impostor');
    const elsewhere = pod.webId('elsewhere');
    // `stays` names a move that `elsewhere` never agreed to; the impostor's profile claims to be `stays`, who never
    // moved there.
    pod.person('stays', { movedTo: elsewhere });
    pod.person('elsewhere');
    pod.person('impostor', { alsoKnownAs: stays });
    await follow(me.session, stays);
    for (const to of [impostor, elsewhere])
      await sendToInbox(stranger.session.fetch, inboxOf(me), moveActivity(stays, to));

    const run = await (await cli(me))(['--json', 'notifications']);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout) as NotificationsJson;
    expect(json.notifications.map((n) => [n.kind, n.target, n.verified]).sort()).toEqual([
      ['move', elsewhere, false],
      ['move', impostor, false],
    ]);
    for (const notice of json.notifications) expect(notice.reason).toMatch(/is not confirmed/u);
    expect(json.acted).toEqual([]);
    expect(await following(me)).toEqual([stays]);
  });

  it('a timeline read writes nothing, even when a followee moved and their posts had to be found again', async () => {
    const me = await user('reader');
    const old = pod.webId('old');
    const moved = pod.webId('new');
    pod.person('old');
    const followed = (await follow(me.session, old)).follow;
    // A stale cached posts container: the timeline must discover the real one (a write it used to do on its own).
    const document = `${me.account.podUrl}social/following/index.ttl`;
    const stale = `@prefix solid: <http://www.w3.org/ns/solid/terms#>. _:p a solid:InsertDeletePatch;
      solid:deletes { <${followed.url}> <https://hearth.example/ns#postsContainer> <${followed.postsContainer}> };
      solid:inserts { <${followed.url}> <https://hearth.example/ns#postsContainer> <${pod.url}gone/> }.`;
    expect(
      (await me.session.fetch(document, { method: 'PATCH', headers: { 'content-type': 'text/n3' }, body: stale })).ok,
    ).toBe(true);
    // They move, confirmed both ways, and their posts listing says so.
    pod.person('old', { movedTo: moved, postsMovedTo: moved });
    pod.person('new', { alsoKnownAs: old });
    const read = async () => {
      const response = await me.session.fetch(document, { headers: { accept: 'text/turtle' } });
      return { etag: response.headers.get('etag'), text: await response.text() };
    };

    const before = await read();
    const timeline = await getTimeline(me.session, { limit: 5 });
    expect(timeline.posts.map((p) => p.url)).toContain(pod.postUrl('old'));
    expect(timeline.movedHints).toEqual([old]);
    expect(timeline.discovered).toEqual([{ webId: old, container: followed.postsContainer }]);
    expect(await read()).toEqual(before);
    // Following the move is an explicit step after the read (`followMoves`), which `hearth timeline` takes.
    const shown = await (await cli(me))(['timeline']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`> ${old} moved to ${moved}: you now follow them there`);
    expect(shown.stdout).toContain(pod.postUrl('new'));
    expect(await following(me)).toEqual([moved]);
  });
});
