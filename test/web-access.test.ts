// Hearth's web page is trusted like the manager (issue 12): the owner's root rule admits the manager or the page's
// client id, for the owner only and from this server's issuer only; the manager-only records except the page too. The
// page's tokens here are real: the authorization-code flow for its Client ID Document, walked without a browser.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFactory, type Quad } from 'n3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  RefusedGrantError,
  bringPodUpToDate,
  checkGrants,
  grantAccess,
  listGrants,
  registerApp,
  revokeAccess,
  saveAccount,
  setWebPage,
  webClientIdOf,
  webPageOn,
  webPageUrlOf,
  type HearthSession,
  type PodOwner,
} from '../src/index.js';
import { managerOnlyAcr, readAcrRules } from '../src/access/acr-rules.js';
import { managerOnlyRootAcr } from '../src/access/acr.js';
import { lockPodToManager } from '../src/access/lockdown.js';
import { appsRecordUrl, profileDocumentOf, socialRecordUrl } from '../src/access/private.js';
import { readRecordSnapshot, recordWebPageOff } from '../src/access/record.js';
import { ACP } from '../src/vocab.js';
import { accountDeletionPath } from '../src/account/endpoints.js';
import { runCli } from './support/cli.js';
import { loginWithCode, startClientIdApp, type ClientIdApp } from './support/client-id-app.js';
import { startRogueIssuer, type RogueIssuer } from './support/rogue-issuer.js';
import { tokenClaims } from './support/token-claims.js';
import { createUser, type TestUser } from './support/users.js';

const turtle = { 'content-type': 'text/turtle' };
const n3 = { 'content-type': 'text/n3' };

describe("Hearth's web page: trusted like the manager, for its owner, from this server only", () => {
  const server = inject('baseUrl');
  const page = webClientIdOf(server);
  const pageUrl = webPageUrlOf(server);
  let alice: TestUser;
  let bob: TestUser;
  let owner: PodOwner;
  let home: string;
  /** Alice, signed in to the page: a real authorization-code token for `<base>hearth/id`. */
  let aliceThroughPage: HearthSession;
  let other: ClientIdApp;
  const sessions: { logout(): Promise<void> }[] = [];

  const ownerOf = (user: TestUser): PodOwner => ({
    fetch: user.session.fetch,
    podUrl: user.account.podUrl,
    webId: user.account.webId,
    managerClientId: user.account.manager.id,
  });
  const throughPage = async (user: TestUser): Promise<HearthSession> => {
    const session = await loginWithCode(server, page, pageUrl, {
      email: user.account.email,
      password: user.password,
      webId: user.account.webId,
    });
    sessions.push(session);
    return session;
  };
  const status = async (session: Pick<HearthSession, 'fetch'>, url: string, init?: RequestInit) => {
    const response = await session.fetch(url, init);
    await response.arrayBuffer();
    return response.status;
  };
  /** What the page can do in alice's pod: the root, its ACR, the apps record, the social record, the profile. */
  const reach = async (session: Pick<HearthSession, 'fetch'>, user: TestUser = alice) => ({
    root: await status(session, user.account.podUrl),
    rootAcr: await status(session, `${user.account.podUrl}.acr`),
    appsRecord: await status(session, appsRecordUrl(user.account.podUrl)),
    socialRecord: await status(session, socialRecordUrl(user.account.podUrl)),
  });
  const allowed = { root: 200, rootAcr: 200, appsRecord: 200, socialRecord: 200 };
  const refused = { root: 403, rootAcr: 403, appsRecord: 403, socialRecord: 403 };
  const hearth = async (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { env: { HEARTH_HOME: home, HEARTH_PASSWORD: '', ...env } });

  beforeAll(async () => {
    [alice, bob] = await Promise.all([createUser(server, 'web-alice'), createUser(server, 'web-bob')]);
    sessions.push(alice.session, bob.session);
    owner = ownerOf(alice);
    home = await mkdtemp(join(tmpdir(), 'hearth-web-'));
    await saveAccount(home, alice.account);
    aliceThroughPage = await throughPage(alice);
    other = await startClientIdApp('Not the page');
  });

  afterAll(async () => {
    for (const session of sessions) await session.logout().catch(() => undefined);
    await other?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("lets the owner in through the page's own client id, not through another Client ID Document", async () => {
    const claims = await tokenClaims(aliceThroughPage.fetch);
    expect(claims).toMatchObject({ client_id: page, webid: alice.account.webId, iss: server });
    expect(await reach(aliceThroughPage)).toEqual(allowed);
    // Read, Write and Control, like the manager: it writes in the pod, in the apps record and the WebID profile.
    expect(
      await status(aliceThroughPage, `${alice.account.podUrl}notes/from-page.ttl`, {
        method: 'PUT',
        headers: turtle,
        body: '<#it> <http://purl.org/dc/terms/title> "from the page" .',
      }),
    ).toBe(201);
    const card = profileDocumentOf(alice.account.webId);
    const named = `@prefix foaf: <http://xmlns.com/foaf/0.1/>. _:p a <http://www.w3.org/ns/solid/terms#InsertDeletePatch>; <http://www.w3.org/ns/solid/terms#inserts> { <${alice.account.webId}> foaf:nick "alice-web". }.`;
    expect(await status(aliceThroughPage, card, { method: 'PATCH', headers: n3, body: named })).toBe(205);

    // The same flow, the same owner, with any other Client ID Document: nothing.
    const otherSession = await other.login(server, {
      email: alice.account.email,
      password: alice.password,
      webId: alice.account.webId,
    });
    sessions.push(otherSession);
    expect((await tokenClaims(otherSession.fetch)).client_id).toBe(other.clientId);
    expect(await reach(otherSession)).toEqual(refused);
    expect(await status(otherSession, card, { method: 'PATCH', headers: n3, body: named })).toBe(403);
  });

  it("gives another user signed in to the page nothing of the owner's pod (all share its client id)", async () => {
    const bobThroughPage = await throughPage(bob);
    expect(await tokenClaims(bobThroughPage.fetch)).toMatchObject({ client_id: page, webid: bob.account.webId });
    // Bob's page works on his own pod...
    expect(await reach(bobThroughPage, bob)).toEqual(allowed);
    // ... and gets nothing of alice's.
    expect(await reach(bobThroughPage, alice)).toEqual(refused);
    expect(
      await status(bobThroughPage, `${alice.account.podUrl}notes/bob.ttl`, {
        method: 'PUT',
        headers: turtle,
        body: '<#a> <#b> "c" .',
      }),
    ).toBe(403);
  });

  describe('tokens of another login provider the profile names', () => {
    let rogue: RogueIssuer;
    let carol: TestUser;
    beforeAll(async () => {
      rogue = await startRogueIssuer();
      carol = await createUser(server, 'web-carol');
      sessions.push(carol.session);
    });
    afterAll(async () => rogue?.close());

    it("never pass as the page, for the root or the manager's records", async () => {
      // Someone who once could write the profile named their own provider: it signs tokens for the page's client id.
      const card = profileDocumentOf(carol.account.webId);
      const patch = `_:p a <http://www.w3.org/ns/solid/terms#InsertDeletePatch>; <http://www.w3.org/ns/solid/terms#inserts> { <${carol.account.webId}> <http://www.w3.org/ns/solid/terms#oidcIssuer> <${rogue.url}>. }.`;
      expect(await status(carol.session, card, { method: 'PATCH', headers: n3, body: patch })).toBe(205);
      await rogue.flushIssuerCache(carol.account.podUrl);
      const forged = { fetch: rogue.fetchAs(carol.account.webId, page) };
      expect(await reach(forged, carol)).toEqual(refused);
      expect(await status(forged, card, { method: 'PATCH', headers: n3, body: patch })).toBe(403);
      // The real page still gets in.
      expect(await reach(await throughPage(carol), carol)).toEqual(allowed);
    });
  });

  it('`hearth web disable` shuts the page out at its very next request, same token; `enable` lets it in', async () => {
    expect(await reach(aliceThroughPage)).toEqual(allowed);
    const off = await hearth(['web', 'disable', '--json']);
    expect(off.code, off.stderr).toBe(0);
    expect(JSON.parse(off.stdout)).toEqual({ webPage: 'off', page: pageUrl, clientId: page, changed: true });
    expect(await reach(aliceThroughPage)).toEqual(refused);
    // The choice is in the apps record (only when off), and changing the record keeps it.
    expect((await readRecordSnapshot(owner)).webPageOff).toBe(true);
    const again = await hearth(['web', 'disable']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already off');
    // Off, no rule for the page is left anywhere: the check is clean, and says it is off.
    const check = await hearth(['apps', 'check', '--json']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, drifts: [], webPage: 'off' });

    const on = await hearth(['web', 'enable', '--json']);
    expect(on.code, on.stderr).toBe(0);
    expect(JSON.parse(on.stdout)).toMatchObject({ webPage: 'on', changed: true });
    expect(await reach(aliceThroughPage)).toEqual(allowed);
    expect((await readRecordSnapshot(owner)).webPageOff).toBe(false);
    expect(await webPageOn(owner)).toBe(true);
  });

  it("keeps the owner's choice and the page's exceptions through every change of the apps record", async () => {
    const app = await startClientIdApp('Web Grant App');
    try {
      // On: registering and granting an app rewrite the record; the page still reads it.
      await registerApp(owner, { id: app.clientId, name: 'Web Grant App', kind: 'client-id-document' });
      expect(await reach(aliceThroughPage)).toEqual(allowed);
      await grantAccess(owner, app.clientId, 'posts', ['read']);
      expect(await reach(aliceThroughPage)).toEqual(allowed);
      // Off: the record's changes keep it off.
      await setWebPage(owner, false);
      await revokeAccess(owner, app.clientId);
      expect((await readRecordSnapshot(owner)).webPageOff).toBe(true);
      expect(await reach(aliceThroughPage)).toEqual(refused);
      expect(await checkGrants(owner)).toEqual([]);
    } finally {
      await setWebPage(owner, true);
      await app.stop();
    }
    expect(await reach(aliceThroughPage)).toEqual(allowed);
  });

  it('reports a page turned off but still let in as drift; apps check shows none with the page on', async () => {
    expect(await checkGrants(owner)).toEqual([]);
    const check = await hearth(['apps', 'check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('The access rules in force match your record.');
    expect(check.stdout).toContain(`Hearth's web page (${pageUrl}): on`);
    // The root's rule for the page is the page's, not an app the record does not know.
    expect(JSON.stringify(await checkGrants(owner))).not.toContain('has no record of');
    // Record says off, the rules were not written (an interruption between the two): that is drift, on each of them.
    await recordWebPageOff(owner, true);
    try {
      const drifts = await checkGrants(owner);
      expect(drifts.map((d) => [d.container, d.clientId])).toEqual(
        expect.arrayContaining([
          [alice.account.podUrl, page],
          [profileDocumentOf(alice.account.webId), page],
          [appsRecordUrl(alice.account.podUrl), page],
          [socialRecordUrl(alice.account.podUrl), page],
        ]),
      );
      expect(drifts.every((d) => d.problem.includes("Hearth's web page is turned off"))).toBe(true);
    } finally {
      await setWebPage(owner, true);
    }
    expect(await checkGrants(owner)).toEqual([]);
  });

  it('gets an older pod the rule on `hearth login`, unless the owner turned the page off', async () => {
    const dave = await createUser(server, 'web-dave');
    sessions.push(dave.session);
    const davesHome = await mkdtemp(join(tmpdir(), 'hearth-web-old-'));
    try {
      await saveAccount(davesHome, dave.account);
      const login = async () => {
        const result = await runCli(['login', '--email', dave.account.email, '--server', server, '--json'], {
          env: { HEARTH_HOME: davesHome, HEARTH_PASSWORD: dave.password },
        });
        expect(result.code, result.stderr).toBe(0);
        return (JSON.parse(result.stdout) as { updated: { root: boolean; profile: boolean; records: string[] } })
          .updated;
      };
      const davesPage = await throughPage(dave);
      expect(await reach(davesPage, dave)).toEqual(allowed);
      // Locked the way Hearth did before the page: the manager alone.
      const old = await lockPodToManager(
        dave.session.fetch,
        dave.account.podUrl,
        dave.account.webId,
        dave.account.manager.id,
        server,
      );
      expect(old).toMatchObject({ root: true, profile: true });
      expect(await reach(davesPage, dave)).toEqual(refused);
      // The owner's next login brings it up to date: the page is in.
      expect(await login()).toMatchObject({ root: true, profile: true });
      expect(await reach(davesPage, dave)).toEqual(allowed);
      expect(await login()).toEqual({ root: false, profile: false, records: [], rewritten: [], narrowed: [] });

      // Turned off, then locked the old way again: the login keeps it off.
      await setWebPage(ownerOf(dave), false);
      await lockPodToManager(dave.session.fetch, dave.account.podUrl, dave.account.webId, dave.account.manager.id);
      expect(await login()).toMatchObject({ root: false, profile: false, records: [] });
      expect(await reach(davesPage, dave)).toEqual(refused);
      // And the library's own migration likewise.
      expect((await bringPodUpToDate(ownerOf(dave))).lock).toEqual({ root: false, profile: false, records: [] });
      expect(await reach(davesPage, dave)).toEqual(refused);
    } finally {
      await rm(davesHome, { recursive: true, force: true });
    }
  });

  it("refuses to record or grant the page's client id as an app", async () => {
    const info = { id: page, name: 'Hearth', kind: 'client-id-document' as const };
    await expect(registerApp(owner, info)).rejects.toBeInstanceOf(RefusedGrantError);
    await expect(grantAccess(owner, page, 'posts', ['read'])).rejects.toBeInstanceOf(RefusedGrantError);
    await expect(grantAccess(owner, info, 'settings', ['read', 'write'])).rejects.toBeInstanceOf(RefusedGrantError);
    // Another spelling of it, or another path under the page, too.
    await expect(grantAccess(owner, `${pageUrl}other`, 'posts', ['read'])).rejects.toBeInstanceOf(RefusedGrantError);
    for (const args of [
      ['apps', 'grant', page, '--read', 'posts', '--json'],
      ['apps', 'add', page, '--json'],
    ]) {
      const cli = await hearth(args);
      expect(cli.code, args.join(' ')).toBe(1);
      expect(JSON.parse(cli.stderr)).toMatchObject({ error: { code: 'GRANT_REFUSED' } });
    }
    expect((await listGrants(owner)).map((app) => app.id)).not.toContain(page);
    expect(await checkGrants(owner)).toEqual([]);
  });

  describe('the allow-list takes the page exactly as Hearth writes it, nothing looser', () => {
    const pod = 'http://localhost:9/alice/';
    const webId = `${pod}profile/card#me`;
    const issuer = 'http://localhost:9/';
    const pageId = webClientIdOf(issuer);
    const parties = { webId, managerClientId: 'hearth-manager_1', issuer };
    const record = appsRecordUrl(pod);
    const written = managerOnlyAcr(record, { ...parties, webClientId: pageId });
    /** The record's ACR with the page's exception matcher changed by `edit`. */
    const loosened = (edit: (quads: Quad[], matcher: string) => Quad[]) => edit(written, `${record}.acr#web`);
    const { namedNode, quad } = DataFactory;
    const without = (predicate: string) => (quads: Quad[], matcher: string) =>
      quads.filter((q) => !(q.subject.value === matcher && q.predicate.value === `${ACP}${predicate}`));
    const replaced = (predicate: string, value: string) => (quads: Quad[], matcher: string) => [
      ...without(predicate)(quads, matcher),
      quad(namedNode(matcher), namedNode(`${ACP}${predicate}`), namedNode(value)),
    ];
    const added = (predicate: string, value: string) => (quads: Quad[], matcher: string) => [
      ...quads,
      quad(namedNode(matcher), namedNode(`${ACP}${predicate}`), namedNode(value)),
    ];

    it('reads the exact exception as the page, and every looser one as foreign', () => {
      expect(readAcrRules(written, record, parties)).toEqual({
        rules: [
          {
            kind: 'manager-only',
            clientId: parties.managerClientId,
            modes: ['Read', 'Append', 'Write'],
            issuerBound: true,
            web: true,
          },
        ],
        foreign: [],
      });
      for (const [why, edit] of [
        ['no agent: every user of the page', without('agent')],
        ['another agent', replaced('agent', 'http://localhost:9/bob/profile/card#me')],
        ['a second agent', added('agent', 'http://localhost:9/bob/profile/card#me')],
        ['no issuer: any provider the profile names', without('issuer')],
        ['another issuer', replaced('issuer', 'http://localhost:8/')],
        ['another client', replaced('client', 'http://localhost:9/other/id')],
        ['a second client', added('client', 'http://localhost:9/other/id')],
      ] as const) {
        const reading = readAcrRules(loosened(edit), record, parties);
        expect(reading.rules, why).toEqual([]);
        expect(reading.foreign, why).toHaveLength(1);
      }
    });

    it("reads the root's rule for the page as the owner through one client, and no other shape", () => {
      const root = managerOnlyRootAcr(pod, webId, parties.managerClientId, issuer, pageId);
      expect(readAcrRules(root, pod, parties)).toEqual({
        rules: expect.arrayContaining([
          { kind: 'client', clientId: pageId, modes: ['Read', 'Write', 'Control'], issuerBound: true },
        ]),
        foreign: [],
      });
      const agentless = root.filter(
        (q) => !(q.subject.value === `${pod}.acr#web-policy` && q.object.value === `${pod}.acr#web-agent`),
      );
      expect(readAcrRules(agentless, pod, parties).foreign.map((f) => f.policy)).toEqual([`${pod}.acr#web-policy`]);
    });
  });
});

describe("deleting the account through the web page's token", () => {
  const server = inject('baseUrl');
  const deleteUrl = new URL(accountDeletionPath, server).href;

  /** A `css-account` cookie of a fresh password login of `user` on the server's own account API. */
  async function accountCookie(user: TestUser): Promise<string> {
    const login = await fetch(new URL('.account/login/password/', server), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ email: user.account.email, password: user.password }),
    });
    expect(login.status).toBe(200);
    return ((await login.json()) as { authorization: string }).authorization;
  }

  it('needs a live sign-in to that very account on the server, not the token alone', async () => {
    const [owner, other] = await Promise.all([
      createUser(server, 'pagedel-owner'),
      createUser(server, 'pagedel-other'),
    ]);
    const user = { email: owner.account.email, password: owner.password, webId: owner.account.webId };
    const page = await loginWithCode(server, webClientIdOf(server), webPageUrlOf(server), user);
    const remove = async (cookie?: string) => {
      const answer = await page.fetch(deleteUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(cookie ? { cookie: `css-account=${cookie}` } : {}) },
        body: JSON.stringify({ pod: owner.account.podUrl }),
      });
      await answer.arrayBuffer();
      return answer.status;
    };
    const podAnswers = async () => {
      const answer = await fetch(owner.account.webId);
      await answer.arrayBuffer();
      return answer.status;
    };
    try {
      expect(await remove()).toBe(403);
      expect(await remove('not-a-login')).toBe(403);
      expect(await remove(await accountCookie(other))).toBe(403);
      expect(await podAnswers()).toBe(200);
      expect(await remove(await accountCookie(owner))).toBe(200);
      expect(await podAnswers()).toBe(404);
    } finally {
      await Promise.all([page, owner.session, other.session].map((s) => s.logout().catch(() => undefined)));
    }
  });
});
