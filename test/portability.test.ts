import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AccountApi,
  clearNotifications,
  createClientCredentialApp,
  createPost,
  follow,
  followMoves,
  getTimeline,
  grantAccess,
  like,
  openSession,
  registerApp,
  fetchClientIdDocument,
  listAccounts,
  reply,
  saveAccount,
  setProfile,
  startPodServer,
  uploadImage,
  exportPod,
  listFollowing,
  type PodServer,
  type StoredAccount,
  type Manifest,
} from '../src/index.js';
import { rewriteQuads, portAcr, mergeProfile } from '../src/portability/rewrite.js';
import { writeAcrRules, managerOnlyAcr } from '../src/access/acr-rules.js';
import { sameGraph, canonicalLines } from '../src/rdf.js';
import { parseTurtle, writeTurtle } from '../src/rdf.js';
import { readInbox } from '../src/social/inbox.js';
import { webClientIdOf } from '../src/access/web.js';
import { postQuads, type Post } from '../src/social/model.js';
import { podPathOf, urlInPod } from '../src/portability/archive-format.js';
import { AS, RDF } from '../src/vocab.js';
import { readEntries, writeEntries } from './support/archive.js';
import { runCli, type CliResult } from './support/cli.js';
import { startClientIdApp, type ClientIdApp } from './support/client-id-app.js';
import { freePort } from './support/ports.js';
import { createUser, uniqueName, type TestUser } from './support/users.js';

// Bytes that start as a PNG does (Hearth checks an image's content, not its name), then differ by seed.
const png = (seed: number, size: number) =>
  Buffer.from(Array.from({ length: size }, (_, i) => (i < 8 ? pngSignature[i]! : (i * 31 + seed * 7) % 256)));
const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('hearth export, import and move', () => {
  const serverA = inject('baseUrl');
  let serverB: PodServer;
  let dataB: string;
  let home: string;
  let work: string;
  let alice: TestUser;
  let bob: TestUser;
  let reader: ClientIdApp;
  let stranger: ClientIdApp;
  // The one archive of alice's pod, made by `hearth export` before any move; the tests read it, none writes it.
  let archive: string;
  let exported: CliResult;
  const images: Buffer[] = [png(1, 3000), png(2, 5000), png(3, 1_300_000)];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-port-'));
    home = join(work, 'home');
    dataB = join(work, 'data-b');
    serverB = await startPodServer({ port: await freePort(), dataDir: dataB, logLevel: 'error' });
    [alice, bob] = await Promise.all([createUser(serverA, 'alice'), createUser(serverA, 'bob')]);
    const aliceActor = alice.session;
    await setProfile(aliceActor, {
      name: 'Alice',
      bio: 'Moving soon',
      avatar: { data: png(9, 2000), mediaType: 'image/png' },
    });
    // 300 posts over 6 days, written as whole day documents; 3 of them with images.
    const posts = `${alice.account.podUrl}social/posts/`;
    const uploaded = await Promise.all(images.map((data) => uploadImage(aliceActor, { data, mediaType: 'image/png' })));
    for (let day = 0; day < 6; day++) {
      const date = `2025-03-0${day + 1}`;
      const quads = Array.from({ length: 50 }, (_, i): Post => ({
        url: `${posts}${date}.ttl#p${i}`,
        author: alice.account.webId,
        content: `Day ${day} post ${i} <b>&"quotes"</b>`,
        published: `${date}T10:${String(i).padStart(2, '0')}:00.000Z`,
        attachments: day === 0 && i < 3 ? [uploaded[i]!] : [],
      })).flatMap(postQuads);
      const put = await alice.session.fetch(`${posts}${date}.ttl`, {
        method: 'PUT',
        headers: { 'content-type': 'text/turtle' },
        body: writeTurtle(quads),
      });
      expect(put.ok).toBe(true);
    }
    // A container of the owner's own, with metadata of its own (kept by CSS in its .meta).
    const notes = `${alice.account.podUrl}notes/`;
    expect(
      (
        await alice.session.fetch(`${notes}todo.ttl`, {
          method: 'PUT',
          headers: { 'content-type': 'text/turtle' },
          body: '<#t> <http://purl.org/dc/terms/title> "Pack" .',
        })
      ).ok,
    ).toBe(true);
    const meta = await alice.session.fetch(`${notes}.meta`, {
      method: 'PATCH',
      headers: { 'content-type': 'text/n3' },
      body: `@prefix solid: <http://www.w3.org/ns/solid/terms#>. _:p a solid:InsertDeletePatch; solid:inserts { <${notes}> <http://purl.org/dc/terms/title> "My notes"; <http://purl.org/dc/terms/creator> <${alice.account.webId}> }.`,
    });
    expect(meta.ok).toBe(true);
    const first = `${posts}2025-03-01.ttl#p0`;
    // Replies and likes both ways, follows both ways.
    await follow(bob.session, alice.account.webId);
    await follow(alice.session, bob.account.webId);
    const bobPost = await createPost(bob.session, { content: 'Hello from bob' });
    await reply(bob.session, first, { content: 'Nice one, alice' });
    await like(bob.session, first);
    await reply(alice.session, bobPost.url, { content: 'Thanks bob' });
    await like(alice.session, bobPost.url);
    await clearNotifications(alice.session);
    // Two app grants: an app with a Client ID Document (valid anywhere) and a client credential of server A.
    [reader, stranger] = await Promise.all([startClientIdApp('Reader'), startClientIdApp('Stranger')]);
    const owner = {
      fetch: alice.session.fetch,
      podUrl: alice.account.podUrl,
      webId: alice.account.webId,
      managerClientId: alice.account.manager.id,
    };
    await registerApp(owner, await fetchClientIdDocument(reader.clientId));
    await grantAccess(owner, reader.clientId, 'inbox', ['read']);
    const api = new AccountApi(serverA);
    await api.login(alice.account.email, alice.password);
    const bot = await createClientCredentialApp(api, 'bot', alice.account.webId);
    await registerApp(owner, bot.app);
    await grantAccess(owner, bot.app.id, 'settings', ['read']);
    await saveAccount(home, alice.account);
    archive = join(work, 'alice.tar.gz');
    exported = await runCli(['export', '--out', archive, '--format', 'activitystreams', '--json'], {
      env: { HEARTH_HOME: home },
    });
    if (exported.code !== 0) throw new Error(`The archive the tests share was not made: ${exported.stderr}`);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([alice?.session.logout(), bob?.session.logout(), reader?.stop(), stranger?.stop()]);
    await serverB?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('exports the whole pod to one archive: resources, ACRs, an outbox, the manifest last with checksums', async () => {
    // The export is the one of beforeAll (`hearth export` as a user runs it), whose archive the other tests read.
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    const entries = await readEntries(archive);
    expect(entries.at(-1)!.name).toBe('manifest.json');
    const manifest = JSON.parse(entries.at(-1)!.data.toString('utf8')) as Manifest;
    expect(manifest.podUrl).toBe(alice.account.podUrl);
    expect(manifest.webId).toBe(alice.account.webId);
    expect(manifest.entries.map((e) => e.name)).toEqual(entries.slice(0, -1).map((e) => e.name));
    const names = entries.map((e) => e.name);
    for (const day of ['2025-03-01', '2025-03-06']) expect(names).toContain(`resources/social/posts/${day}.ttl`);
    expect(names).toContain('resources/profile/card');
    expect(names).toContain('resources/social/inbox/.acr');
    expect(names).toContain('resources/settings/hearth-apps.ttl');
    expect(names).toContain('resources/notes/.meta');
    expect(manifest.counts.binary).toBeGreaterThanOrEqual(4); // 3 images and the avatar
    const outbox = JSON.parse(entries.find((e) => e.name === 'outbox.jsonld')!.data.toString('utf8')) as {
      type: string;
      totalItems: number;
      orderedItems: {
        type: string;
        actor: string;
        object: { type: string; content: string; source?: { content: string; mediaType: string } };
      }[];
    };
    expect(outbox.type).toBe('OrderedCollection');
    expect(outbox.totalItems).toBe(301); // 300 posts and the reply to bob
    expect(outbox.orderedItems[0]!.type).toBe('Create');
    expect(outbox.orderedItems[0]!.actor).toBe(alice.account.webId);
    // AS2 readers take content as HTML: escaped, with the text as written in source.
    const first = outbox.orderedItems.find((a) => a.object.source?.content === 'Day 0 post 0 <b>&"quotes"</b>');
    expect(first?.object.content).toBe('<p>Day 0 post 0 &lt;b&gt;&amp;&quot;quotes&quot;&lt;/b&gt;</p>');
    expect(first?.object.source?.mediaType).toBe('text/plain');
  });

  it('refuses a damaged archive with a clear message and writes nothing', async () => {
    const carol = await createUser(serverB.url, 'carol');
    const carolHome = join(work, 'carol-home');
    await saveAccount(carolHome, carol.account);
    const entries = await readEntries(archive);
    const target = entries.find((e) => e.name === 'resources/social/posts/2025-03-02.ttl')!;
    target.data = Buffer.from(target.data.toString('utf8').replace('Day 1 post 0', 'Day 1 post X'));
    const damaged = join(work, 'damaged.tar');
    await writeEntries(damaged, entries);
    const before = await (
      await carol.session.fetch(carol.account.podUrl, { headers: { accept: 'text/turtle' } })
    ).text();
    const result = await runCli(['import', damaged], { env: { HEARTH_HOME: carolHome } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/checksum of "resources\/social\/posts\/2025-03-02\.ttl" does not match/u);
    expect((await carol.session.fetch(`${carol.account.podUrl}social/posts/2025-03-01.ttl`)).status).toBe(404);
    expect(await (await carol.session.fetch(carol.account.podUrl, { headers: { accept: 'text/turtle' } })).text()).toBe(
      before,
    );
    // An entry that points outside the pod is refused too.
    const escaping = join(work, 'escaping.tar');
    await writeEntries(escaping, [
      { name: 'resources/../../other/card', type: 'file', data: Buffer.from('x') },
      ...entries,
    ]);
    const refused = await runCli(['import', escaping], { env: { HEARTH_HOME: carolHome } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/outside the pod/u);
    expect(() => podPathOf('resources/a/%2e%2e/b')).toThrow(/outside the pod/u);
    expect(urlInPod('http://x/p/', 'resources/social/a%20b.png')).toBe('http://x/p/social/a%20b.png');
    await carol.session.logout();
  });

  it('imports no access rule Hearth would never write, even from an archive with valid checksums', async () => {
    const dave = await createUser(serverB.url, 'dave');
    const daveHome = join(work, 'dave-home');
    await saveAccount(daveHome, dave.account);
    const entries = await readEntries(archive);
    // Someone edits the archive: public Write on the posts, Control for a stranger, and recomputes every checksum.
    const acrName = 'resources/social/posts/.acr';
    const acr = entries.find((e) => e.name === acrName)!;
    const posts = `${alice.account.podUrl}social/posts/`;
    acr.data = Buffer.from(`${acr.data.toString('utf8')}
<${posts}.acr#acr> <http://www.w3.org/ns/solid/acp#accessControl> <#evil>; <http://www.w3.org/ns/solid/acp#memberAccessControl> <#evil>.
<#evil> <http://www.w3.org/ns/solid/acp#apply> <#publicWrite>, <#strangerControl>.
<#publicWrite> <http://www.w3.org/ns/solid/acp#allow> <http://www.w3.org/ns/auth/acl#Write>;
  <http://www.w3.org/ns/solid/acp#anyOf> <#anyone>.
<#anyone> <http://www.w3.org/ns/solid/acp#agent> <http://www.w3.org/ns/solid/acp#PublicAgent>.
<#strangerControl> <http://www.w3.org/ns/solid/acp#allow> <http://www.w3.org/ns/auth/acl#Control>;
  <http://www.w3.org/ns/solid/acp#allOf> <#stranger>.
<#stranger> <http://www.w3.org/ns/solid/acp#agent> <http://localhost:1/mallory/profile/card#me>.
`);
    const manifestEntry = entries.find((e) => e.name === 'manifest.json')!;
    const manifest = JSON.parse(manifestEntry.data.toString('utf8')) as Manifest;
    const listed = manifest.entries.find((e) => e.name === acrName)!;
    listed.size = acr.data.length;
    listed.sha256 = createHash('sha256').update(acr.data).digest('hex');
    manifest.bytes = manifest.entries.reduce((sum, e) => sum + e.size, 0);
    manifestEntry.data = Buffer.from(JSON.stringify(manifest));
    const edited = join(work, 'edited.tar');
    await writeEntries(edited, entries);

    const result = await runCli(['import', edited, '--json'], { env: { HEARTH_HOME: daveHome } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { refusedPolicies: { acr: string; reason: string }[] };
    expect(report.refusedPolicies.map((r) => r.acr)).toEqual([
      `${dave.account.podUrl}social/posts/.acr`,
      `${dave.account.podUrl}social/posts/.acr`,
    ]);
    const davePosts = `${dave.account.podUrl}social/posts/`;
    expect((await fetch(davePosts)).status).toBe(200);
    const write = await fetch(`${davePosts}2030-01-01.ttl`, {
      method: 'PUT',
      headers: { 'content-type': 'text/turtle' },
      body: '<#a> <#b> <#c>.',
    });
    expect(write.status).toBe(401);
    await dave.session.logout();
  });

  describe('after a move to a second server', () => {
    // One move, made once: the tests below read its outcome (the new pod, the old profile, bob's inbox); none changes
    // what another reads. It has a HEARTH_HOME of its own, which it leaves with the new account current.
    let moveHome: string;
    let moved: CliResult;
    let moveOutput: {
      to: string;
      podUrl: string;
      written: number;
      appsNeedingCredential: { clientId: string; name?: string }[];
      followers: { follower: string; delivery: { notified: boolean } }[];
    };
    let newAccount: StoredAccount;

    beforeAll(async () => {
      moveHome = join(work, 'move-home');
      await saveAccount(moveHome, alice.account);
      const name = uniqueName('alice-new');
      moved = await runCli(['move', '--to', serverB.url, '--name', name, '--email', `${name}@example.org`, '--json'], {
        env: { HEARTH_HOME: moveHome, HEARTH_PASSWORD: 'new password 123' },
        timeoutMs: 120_000,
      });
      if (moved.code !== 0) throw new Error(`The move the tests share failed: ${moved.stderr}`);
      moveOutput = JSON.parse(moved.stdout) as typeof moveOutput;
      const saved = (await listAccounts(moveHome)).find((a) => a.name === name);
      if (!saved) throw new Error(`The move saved no account named ${name}`);
      newAccount = saved;
    }, 150_000);

    it('moves to a second server: all recreated with IRIs rewritten, binaries identical, followers told', async () => {
      expect(moved.stderr).toBe('');
      expect(moved.code).toBe(0);
      expect(moveOutput.to).toBe(newAccount.webId);
      expect(moveOutput.followers.map((f) => f.follower)).toEqual([bob.account.webId]);
      expect(moveOutput.followers[0]!.delivery.notified).toBe(true);
      // The client-credential app cannot travel: it is reported; the Client ID Document app's grant travels.
      expect(moveOutput.appsNeedingCredential.map((a) => a.name)).toEqual(['bot']);

      // Compare the new pod with the old one through a second export.
      const session = await openSession({
        server: newAccount.server,
        clientId: newAccount.manager.id,
        clientSecret: newAccount.manager.secret,
      });
      try {
        const copy = join(work, 'copy.tar');
        await exportPod({
          fetch: session.fetch,
          podUrl: newAccount.podUrl,
          webId: newAccount.webId,
          out: copy,
          gzip: false,
          managerClientId: session.clientId,
        });
        const manifest = await manifestOf(archive);
        const oldEntries = (await readEntries(archive)).filter((e) => e.name.startsWith('resources/'));
        const newEntries = new Map((await readEntries(copy)).map((e) => [e.name, e]));
        const mapping = {
          oldPod: alice.account.podUrl,
          newPod: newAccount.podUrl,
          oldWebId: alice.account.webId,
          newWebId: newAccount.webId,
        };
        let compared = 0;
        for (const entry of oldEntries) {
          const kind = manifest.entries.find((e) => e.name === entry.name)!.kind;
          const copied = newEntries.get(entry.name);
          expect(copied, entry.name).toBeDefined();
          // The new pod keeps its own root, WebID profile and private record ACRs (its own manager's): checked below.
          if (
            [
              'resources/.acr',
              'resources/profile/card.acr',
              'resources/settings/hearth-apps.ttl.acr',
              'resources/settings/social-record.ttl.acr',
            ].includes(entry.name)
          )
            continue;
          const oldUrl = urlInPod(alice.account.podUrl, entry.name);
          const newUrl = urlInPod(newAccount.podUrl, entry.name);
          if (kind === 'binary') {
            expect(copied!.data.equals(entry.data), entry.name).toBe(true);
          } else if (kind === 'rdf' || kind === 'acr' || kind === 'meta') {
            const oldQuads = parseTurtle(entry.data.toString('utf8'), oldUrl);
            const newQuads = parseTurtle(copied!.data.toString('utf8'), newUrl);
            const destination = {
              podUrl: newAccount.podUrl,
              webId: newAccount.webId,
              managerClientId: newAccount.manager.id,
              issuer: serverB.url,
              sameOwner: false,
              oldManagerClientId: alice.account.manager.id,
              oldIssuer: serverA,
            };
            const expected =
              kind === 'acr'
                ? writeAcrRules(
                    newUrl.slice(0, -'.acr'.length),
                    portAcr(rewriteQuads(oldQuads, mapping), newUrl.slice(0, -'.acr'.length), destination).rules,
                    destination,
                  )
                : rewriteQuads(oldQuads, mapping);
            if (entry.name === 'resources/profile/card') {
              // Merged: all of the old profile but the server's own links is there, with the new server's links.
              const have = new Set(canonicalLines(newQuads));
              expect(
                canonicalLines(mergeProfile(expected, [], newAccount.webId)).filter((line) => !have.has(line)),
              ).toEqual([]);
              compared += 1;
              continue;
            }
            if (entry.name === 'resources/settings/hearth-apps.ttl') {
              // The bot's record is gone (reported instead); everything else is the same.
              expect(copied!.data.toString('utf8')).not.toContain('"client-credential"');
              expect(newQuads.some((q) => q.object.value === reader.clientId)).toBe(true);
              continue;
            }
            if (kind === 'acr' && entry.name === 'resources/settings/.acr') {
              expect(newQuads.some((q) => q.object.termType === 'Literal' && q.object.value.startsWith('bot_'))).toBe(
                false,
              );
            }
            expect(sameGraph(newQuads, expected), entry.name).toBe(true);
            expect(copied!.data.toString('utf8')).not.toContain(alice.account.podUrl);
          }
          compared += 1;
        }
        expect(compared).toBeGreaterThan(20);
        // The new pod's own protections: nobody but its manager writes the WebID profile or reads Hearth's records.
        // New accounts let the owner in through the server's web page too (src/access/web.ts).
        const parties = {
          managerClientId: newAccount.manager.id,
          issuer: serverB.url,
          webId: newAccount.webId,
          webClientId: webClientIdOf(serverB.url),
        };
        const cardAcr = parseTurtle(
          newEntries.get('resources/profile/card.acr')!.data.toString('utf8'),
          `${newAccount.podUrl}profile/card.acr`,
        );
        expect(
          sameGraph(
            cardAcr,
            managerOnlyAcr(`${newAccount.podUrl}profile/card`, parties, ['Append', 'Write'], { publicRead: true }),
          ),
        ).toBe(true);
        const recordAcr = `${newAccount.podUrl}settings/hearth-apps.ttl`;
        expect(
          sameGraph(
            parseTurtle(
              newEntries.get('resources/settings/hearth-apps.ttl.acr')!.data.toString('utf8'),
              `${recordAcr}.acr`,
            ),
            managerOnlyAcr(recordAcr, parties),
          ),
        ).toBe(true);
        // The profile kept the new server's links, and says it is also the old WebID.
        const card = parseTurtle(newEntries.get('resources/profile/card')!.data.toString('utf8'), newAccount.webId);
        expect(
          card.some(
            (q) =>
              q.predicate.value === 'http://www.w3.org/ns/solid/terms#oidcIssuer' && q.object.value === serverB.url,
          ),
        ).toBe(true);
        expect(
          card.some((q) => q.predicate.value === `${AS}alsoKnownAs` && q.object.value === alice.account.webId),
        ).toBe(true);
      } finally {
        await session.logout();
      }
    }, 150_000);

    it('enforces the travelled grant on the new server: the granted app reads the inbox, others refused', async () => {
      const user = { email: newAccount.email, password: 'new password 123', webId: newAccount.webId };
      const granted = await reader.login(serverB.url, user);
      const other = await stranger.login(serverB.url, user);
      try {
        expect((await granted.fetch(`${newAccount.podUrl}social/inbox/`)).status).toBe(200);
        expect((await other.fetch(`${newAccount.podUrl}social/inbox/`)).status).toBe(403);
        expect((await granted.fetch(`${newAccount.podUrl}settings/`)).status).toBe(403);
      } finally {
        await granted.logout();
        await other.logout();
      }
    });

    it("tells the old world: movedTo in the old profile, a Move in bob's inbox; his timeline follows it", async () => {
      const oldCard = await (await fetch(alice.account.webId)).text();
      expect(
        parseTurtle(oldCard, alice.account.webId).some(
          (q) => q.predicate.value === `${AS}movedTo` && q.object.value === newAccount.webId,
        ),
      ).toBe(true);
      const inbox = await readInbox(bob.session.fetch, `${bob.account.podUrl}social/inbox/`);
      const moves = inbox
        .flatMap((item) => item.quads)
        .filter((q) => q.predicate.value === `${RDF}type` && q.object.value === `${AS}Move`);
      expect(moves.length).toBe(1);
      expect(
        inbox
          .flatMap((item) => item.quads)
          .some((q) => q.predicate.value === `${AS}target` && q.object.value === newAccount.webId),
      ).toBe(true);
      // Nothing but bob's own timeline: it notices the move in alice's old posts listing; following it is the explicit
      // next step.
      const hinted = await getTimeline(bob.session, { limit: 100 });
      expect(await followMoves(bob.session, {}, hinted.movedHints)).toEqual([
        { from: alice.account.webId, to: newAccount.webId },
      ]);
      expect((await listFollowing(fetch, bob.account.webId)).map((f) => f.object)).toContain(newAccount.webId);
      const timeline = await getTimeline(bob.session, { limit: 100 });
      const alices = timeline.posts.filter((p) => p.author === newAccount.webId);
      expect(alices.length).toBeGreaterThanOrEqual(20);
      expect(alices.every((p) => p.url.startsWith(newAccount.podUrl))).toBe(true);
      expect(timeline.posts.some((p) => p.author === alice.account.webId)).toBe(false);
      // Following the old WebID now follows her where she is.
      const carol = await createUser(serverA, 'carol');
      const followed = await follow(carol.session, alice.account.webId);
      expect(followed.follow.object).toBe(newAccount.webId);
      expect(followed.movedFrom).toBe(alice.account.webId);
      await carol.session.logout();
    });

    it('imports the same archive a second time without adding or changing anything', async () => {
      // Into the new pod, the current account of the move's home: the move imported the same pod once already.
      const result = await runCli(['import', archive, '--json'], { env: { HEARTH_HOME: moveHome } });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as { written: number; unchanged: number };
      expect(report.written).toBe(0);
      expect(report.unchanged).toBeGreaterThan(20);
    });
  });
});

/** The manifest of an archive: its last entry. */
async function manifestOf(file: string): Promise<Manifest> {
  return JSON.parse((await readEntries(file)).at(-1)!.data.toString('utf8')) as Manifest;
}
