// Attacks on the per-app promise: an app with a grant, an edited archive, a login provider named in the profile.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AccountApi,
  RefusedGrantError,
  checkGrants,
  createClientCredentialApp,
  exportPod,
  grantAccess,
  importPod,
  listAccessRequests,
  listGrants,
  openSession,
  registerApp,
  requestAccess,
  saveAccount,
  type HearthSession,
  type PodOwner,
} from '../src/index.js';
import { managerOnlyRootAcr } from '../src/access/acr.js';
import { readAcrRules } from '../src/access/acr-rules.js';
import { setAppModes } from '../src/access/grants.js';
import { parseTurtle, writeTurtle } from '../src/rdf.js';
import { forgeArchive } from './support/archive.js';
import { runCli } from './support/cli.js';
import { startRogueIssuer, type RogueIssuer } from './support/rogue-issuer.js';
import { createUser, type TestUser } from './support/users.js';

const ACP = 'http://www.w3.org/ns/solid/acp#';
const turtle = { 'content-type': 'text/turtle' };
const n3 = { 'content-type': 'text/n3' };
const doc = '<#it> <http://purl.org/dc/terms/title> "x" .';

/** An owner with one client-credential app of theirs, registered and logged in. */
interface OwnerWithApp {
  user: TestUser;
  pod: PodOwner;
  app: HearthSession;
}

async function ownerWithApp(server: string, prefix: string): Promise<OwnerWithApp> {
  const user = await createUser(server, prefix);
  const pod: PodOwner = {
    fetch: user.session.fetch,
    podUrl: user.account.podUrl,
    webId: user.account.webId,
    managerClientId: user.session.clientId,
  };
  const api = new AccountApi(server);
  await api.login(user.account.email, user.password);
  const made = await createClientCredentialApp(api, 'helper', pod.webId);
  await registerApp(pod, made.app);
  const app = await openSession({ server, clientId: made.app.id, clientSecret: made.secret });
  return { user, pod, app };
}

/** An N3 Patch adding one triple to the WebID profile: what an attacker with write there would send. */
function addIssuerPatch(webId: string, issuer: string): string {
  return `@prefix solid: <http://www.w3.org/ns/solid/terms#>. _:p a solid:InsertDeletePatch; solid:inserts { <${webId}> solid:oidcIssuer <${issuer}>. }.`;
}

describe('the WebID profile cannot give the pod away', () => {
  const server = inject('baseUrl');
  let rogue: RogueIssuer;
  const cleanup: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    rogue = await startRogueIssuer();
  });
  afterAll(async () => {
    for (const step of cleanup) await step();
    await rogue.close();
  });

  it('refuses any grant that would let an app append to or write the WebID profile, and says why', async () => {
    const { user, pod, app } = await ownerWithApp(server, 'profgrant');
    cleanup.push(
      () => app.logout(),
      () => user.session.logout(),
    );
    for (const [target, modes] of [
      ['profile', ['write']],
      ['profile', ['append']],
      ['profile/', ['read', 'write']],
    ] as const) {
      const attempt = grantAccess(pod, app.clientId, target, [...modes]);
      await expect(attempt).rejects.toBeInstanceOf(RefusedGrantError);
      await expect(attempt).rejects.toThrow(/WebID profile/u);
    }
    expect((await listGrants(pod)).find((a) => a.id === app.clientId)?.grants).toEqual([]);
    // Reading the profile area is fine, and that grant is made.
    await grantAccess(pod, app.clientId, 'profile', ['read']);
    expect((await listGrants(pod)).find((a) => a.id === app.clientId)?.grants.map((g) => g.modes)).toEqual([['read']]);
    // An app asking for it through the inbox sees its request listed as one that cannot be approved.
    await requestAccess(app, pod.webId, [{ target: 'profile', modes: ['write'] }], 'to edit your bio');
    const [request] = await listAccessRequests(pod);
    expect(request?.problem).toMatch(/WebID profile/u);
    // The CLI says the same, with exit 1 and nothing granted.
    const home = await mkdtemp(join(tmpdir(), 'hearth-home-profgrant-'));
    cleanup.push(() => rm(home, { recursive: true, force: true }));
    await saveAccount(home, user.account);
    const cli = await runCli(['apps', 'grant', app.clientId, '--write', 'profile'], { env: { HEARTH_HOME: home } });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('WebID profile');
    expect((await listGrants(pod)).find((a) => a.id === app.clientId)?.grants.map((g) => g.modes)).toEqual([['read']]);
  });

  it("keeps the WebID profile document the manager's alone, even under an old Hearth's rule for profile/", async () => {
    const { user, pod, app } = await ownerWithApp(server, 'profguard');
    cleanup.push(
      () => app.logout(),
      () => user.session.logout(),
    );
    // An older Hearth granted write on profile/: the rule is in force for the rest of the folder...
    await setAppModes(pod, `${pod.podUrl}profile/`, app.clientId, ['read', 'write']);
    expect(
      (await app.fetch(`${pod.podUrl}profile/extra.ttl`, { method: 'PUT', headers: turtle, body: doc })).status,
    ).toBe(201);
    // ... but the WebID profile document's own rule denies every client but the manager.
    const card = pod.webId.split('#')[0]!;
    expect(
      (await app.fetch(card, { method: 'PATCH', headers: n3, body: addIssuerPatch(pod.webId, rogue.url) })).status,
    ).toBe(403);
    expect(
      (
        await app.fetch(card, {
          method: 'PUT',
          headers: turtle,
          body: `<${pod.webId}> <http://www.w3.org/ns/solid/terms#oidcIssuer> <${rogue.url}>.`,
        })
      ).status,
    ).toBe(403);
    expect((await app.fetch(card, { method: 'DELETE' })).status).toBe(403);
    const issuers = async () =>
      parseTurtle(await (await fetch(card)).text(), card)
        .filter((q) => q.predicate.value === 'http://www.w3.org/ns/solid/terms#oidcIssuer')
        .map((q) => q.object.value);
    expect(await issuers()).toEqual([server]);
    // The manager still edits it.
    expect(
      (
        await user.session.fetch(card, {
          method: 'PATCH',
          headers: n3,
          body: '@prefix solid: <http://www.w3.org/ns/solid/terms#>. _:p a solid:InsertDeletePatch; solid:inserts { <#me> <http://xmlns.com/foaf/0.1/nick> "ok". }.',
        })
      ).status,
    ).toBe(205);
    expect(await (await fetch(card)).text()).toContain('"ok"');
    expect(await issuers()).toEqual([server]);
  });

  it("refuses tokens of other issuers in the profile, even with the manager's or a granted app's id", async () => {
    const { user, pod, app } = await ownerWithApp(server, 'issuer');
    cleanup.push(
      () => app.logout(),
      () => user.session.logout(),
    );
    await grantAccess(pod, app.clientId, 'inbox', ['read']);
    // Someone who once could write the profile named their own identity provider there.
    const card = pod.webId.split('#')[0]!;
    expect(
      (await user.session.fetch(card, { method: 'PATCH', headers: n3, body: addIssuerPatch(pod.webId, rogue.url) }))
        .status,
    ).toBe(205);
    await rogue.flushIssuerCache(pod.podUrl);
    const asManager = rogue.fetchAs(pod.webId, pod.managerClientId);
    const asApp = rogue.fetchAs(pod.webId, app.clientId);
    // The real ones work before, where the rogue ones will be refused.
    expect((await user.session.fetch(`${pod.podUrl}settings/hearth-apps.ttl`)).status).toBe(200);
    expect((await app.fetch(`${pod.podUrl}social/inbox/`)).status).toBe(200);
    // CSS accepts the rogue tokens: where anyone logged in may append, they append (and elsewhere get 403, not 401)...
    expect((await asApp(`${pod.podUrl}social/inbox/`, { method: 'POST', headers: turtle, body: doc })).status).toBe(
      201,
    );
    // ... but no rule of the owner's is satisfied by them.
    expect((await asManager(pod.podUrl)).status).toBe(403);
    expect((await asManager(`${pod.podUrl}.acr`)).status).toBe(403);
    expect((await asManager(`${pod.podUrl}settings/hearth-apps.ttl`)).status).toBe(403);
    expect((await asManager(`${pod.podUrl}social/inbox/`)).status).toBe(403);
    expect((await asApp(`${pod.podUrl}social/inbox/`)).status).toBe(403);
    const deletion = await asManager(new URL('.hearth/delete-account', server).href, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pod: pod.podUrl }),
    });
    expect(deletion.status).toBe(403);
    // The real ones still work.
    expect((await user.session.fetch(pod.podUrl)).status).toBe(200);
    expect((await app.fetch(`${pod.podUrl}social/inbox/`)).status).toBe(200);
  });
});

describe("Hearth's private records are the manager's alone, whatever is granted around them", () => {
  const server = inject('baseUrl');

  it('refuses an app with read and write on settings all access to the grant and follower records', async () => {
    const { user, pod, app } = await ownerWithApp(server, 'records');
    const [other, stranger] = await Promise.all([
      (async () => {
        const api = new AccountApi(server);
        await api.login(user.account.email, user.password);
        const made = await createClientCredentialApp(api, 'ungranted', pod.webId);
        await api.logout();
        return openSession({ server, clientId: made.app.id, clientSecret: made.secret });
      })(),
      createUser(server, 'stranger'),
    ]);
    try {
      // Before any grant the app is refused settings/ like every other place.
      expect((await app.fetch(`${pod.podUrl}settings/privateTypeIndex.ttl`)).status).toBe(403);
      await grantAccess(pod, app.clientId, 'settings', ['read', 'write']);
      // The grant is in force on the rest of settings/ ...
      expect(
        (await app.fetch(`${pod.podUrl}settings/mine.ttl`, { method: 'PUT', headers: turtle, body: doc })).status,
      ).toBe(201);
      expect((await app.fetch(`${pod.podUrl}settings/privateTypeIndex.ttl`)).status).toBe(200);
      // ... and refused on both of Hearth's own records, which exist from the start.
      for (const record of ['hearth-apps.ttl', 'social-record.ttl']) {
        const url = `${pod.podUrl}settings/${record}`;
        expect((await user.session.fetch(url)).status, record).toBe(200);
        expect((await app.fetch(url)).status, record).toBe(403);
        expect((await app.fetch(url, { method: 'PUT', headers: turtle, body: doc })).status, record).toBe(403);
        expect(
          (
            await app.fetch(url, {
              method: 'PATCH',
              headers: n3,
              body: '@prefix solid: <http://www.w3.org/ns/solid/terms#>. _:p a solid:InsertDeletePatch; solid:inserts { <#f> a <https://www.w3.org/ns/activitystreams#Follow>. }.',
            })
          ).status,
          record,
        ).toBe(403);
        expect((await app.fetch(url, { method: 'DELETE' })).status, record).toBe(403);
        expect((await app.fetch(`${url}.acr`)).status, record).toBe(403);
        // Nor another app of the owner's without the grant, nor another person.
        for (const [who, session] of [
          ['an app without the grant', other],
          ['another person', stranger.session],
        ] as const) {
          expect((await session.fetch(url)).status, `${who}: ${record}`).toBe(403);
          expect(
            (await session.fetch(url, { method: 'PUT', headers: turtle, body: doc })).status,
            `${who}: ${record}`,
          ).toBe(403);
        }
      }
      expect(await checkGrants(pod)).toEqual([]);
    } finally {
      await app.logout();
      await other.logout();
      await stranger.session.logout();
      await user.session.logout();
    }
  });
});

describe('apps check reports every rule in force that Hearth did not write', () => {
  const server = inject('baseUrl');

  it('finds an owner rule without a client, an anyOf that widens a grant and Control for another client', async () => {
    const { user, pod, app } = await ownerWithApp(server, 'drift');
    try {
      await grantAccess(pod, app.clientId, 'inbox', ['read']);
      expect(await checkGrants(pod)).toEqual([]);
      const settingsAcr = `${pod.podUrl}settings/.acr`;
      const inboxAcr = `${pod.podUrl}social/inbox/.acr`;
      const inbox = await (await user.session.fetch(inboxAcr)).text();
      // Written behind Hearth's back by someone with Control: each rule is in force (CSS applies it), none is Hearth's.
      expect(
        (
          await user.session.fetch(settingsAcr, {
            method: 'PUT',
            headers: turtle,
            body: `@prefix acp: <${ACP}>. @prefix acl: <http://www.w3.org/ns/auth/acl#>.
<#acr> acp:resource <./>; acp:accessControl <#c>; acp:memberAccessControl <#c>.
<#c> acp:apply <#ownerOnly>.
<#ownerOnly> acp:allow acl:Read; acp:allOf [ acp:agent <${pod.webId}> ].`,
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await user.session.fetch(inboxAcr, {
            method: 'PUT',
            headers: turtle,
            body: `${inbox}
@prefix acp: <${ACP}>. @prefix acl: <http://www.w3.org/ns/auth/acl#>.
<#acr> acp:accessControl <#w>; acp:memberAccessControl <#w>.
<#w> acp:apply <#widened>, <#control>.
<#widened> acp:allow acl:Write; acp:allOf [ acp:agent <${pod.webId}> ];
  acp:anyOf [ acp:client "${app.clientId}" ], [ acp:agent acp:AuthenticatedAgent ].
<#control> acp:allow acl:Control; acp:allOf [ acp:agent <${pod.webId}> ];
  acp:anyOf [ acp:client "${pod.managerClientId}" ], [ acp:client "${app.clientId}" ].`,
          })
        ).status,
      ).toBe(205);
      // They work: the app now reads settings/ and the inbox's ACR.
      expect((await app.fetch(`${pod.podUrl}settings/`)).status).toBe(200);
      expect((await app.fetch(inboxAcr)).status).toBe(200);
      const drift = await checkGrants(pod);
      const about = (place: string) =>
        drift
          .filter((d) => d.container === `${pod.podUrl}${place}`)
          .map((d) => d.problem)
          .join('\n');
      expect(about('settings/')).toMatch(/names the owner without a client/u);
      expect(about('social/inbox/')).toMatch(/acp:anyOf lets in more than the owner through one app/u);
      expect(drift.filter((d) => d.container === `${pod.podUrl}social/inbox/`)).toHaveLength(2);
      // The CLI exits 1 and names them.
      const home = await mkdtemp(join(tmpdir(), 'hearth-home-drift-'));
      try {
        await saveAccount(home, user.account);
        const cli = await runCli(['apps', 'check'], { env: { HEARTH_HOME: home } });
        expect(cli.code).toBe(1);
        expect(cli.stdout + cli.stderr).toContain('without a client');
      } finally {
        await rm(home, { recursive: true, force: true });
      }
    } finally {
      await app.logout();
      await user.session.logout();
    }
  });
});

describe('import takes only the access rules Hearth writes, whatever the archive calls them', () => {
  const server = inject('baseUrl');
  let work: string;
  let source: TestUser;
  let archive: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-forge-'));
    source = await createUser(server, 'forgesrc');
    archive = join(work, 'source.tar');
    await exportPod({
      fetch: source.session.fetch,
      podUrl: source.account.podUrl,
      webId: source.account.webId,
      out: archive,
      gzip: false,
      managerClientId: source.session.clientId,
    });
  });
  afterAll(async () => {
    await source?.session.logout();
    await rm(work, { recursive: true, force: true });
  });

  /**
   * Imports a forged copy of the source archive into a fresh account with an app; answers both and the import's report.
   */
  async function importForged(name: string, edit: Parameters<typeof forgeArchive>[2]) {
    const forged = join(work, `${name}.tar`);
    await forgeArchive(archive, forged, edit);
    const target = await ownerWithApp(server, name);
    const result = await importPod({
      fetch: target.user.session.fetch,
      file: forged,
      podUrl: target.pod.podUrl,
      webId: target.pod.webId,
      managerClientId: target.pod.managerClientId,
    });
    return { ...target, result };
  }

  const old = () => source.account.podUrl;
  const publicWrite = (
    acr: string,
  ) => `\n<${acr}#acr> <${ACP}accessControl> <${acr}#evil>; <${ACP}memberAccessControl> <${acr}#evil>.
<${acr}#evil> <${ACP}apply> <${acr}#evil-policy>.
<${acr}#evil-policy> <${ACP}allow> <http://www.w3.org/ns/auth/acl#Read>, <http://www.w3.org/ns/auth/acl#Write>; <${ACP}anyOf> <${acr}#anyone>.
<${acr}#anyone> <${ACP}agent> <${ACP}PublicAgent>.\n`;

  it('checks an ACR labelled as an RDF document or a binary as the ACR it is', async () => {
    const { user, app, result } = await importForged('labels', (entries, manifest) => {
      for (const [path, kind] of [
        ['social/posts/.acr', 'rdf'],
        ['social/inbox/.acr', 'binary'],
      ] as const) {
        const entry = entries.find((e) => e.name === `resources/${path}`)!;
        entry.data = Buffer.concat([entry.data, Buffer.from(publicWrite(`${old()}${path}`))]);
        manifest.entries.find((e) => e.name === entry.name)!.kind = kind;
      }
    });
    try {
      const pod = user.account.podUrl;
      expect((await fetch(`${pod}social/posts/forged.ttl`, { method: 'PUT', headers: turtle, body: doc })).status).toBe(
        401,
      );
      expect((await fetch(`${pod}social/inbox/`)).status).toBe(401);
      // What Hearth writes there came along: the posts are public, the inbox takes notifications.
      expect((await fetch(`${pod}social/posts/`)).status).toBe(200);
      expect(result.refusedPolicies.map((r) => r.acr).sort()).toEqual([
        `${pod}social/inbox/.acr`,
        `${pod}social/posts/.acr`,
      ]);
    } finally {
      await app.logout();
      await user.session.logout();
    }
  });

  it('refuses an owner rule without a client and Control beside the manager in acp:anyOf', async () => {
    const { user, app, pod, result } = await importForged('shapes', (entries) => {
      const acr = `${old()}settings/.acr`;
      entries.push({
        name: 'resources/settings/.acr',
        type: 'file',
        data: Buffer.from(`@prefix acp: <${ACP}>. @prefix acl: <http://www.w3.org/ns/auth/acl#>.
<${acr}#acr> acp:resource <${old()}settings/>; acp:accessControl <#c>; acp:memberAccessControl <#c>.
<#c> acp:apply <#ownerOnly>, <#control>.
<#ownerOnly> acp:allow acl:Read, acl:Write; acp:allOf [ acp:agent <${source.account.webId}> ].
<#control> acp:allow acl:Control; acp:allOf [ acp:agent <${source.account.webId}> ];
  acp:anyOf [ acp:client "${source.session.clientId}" ], [ acp:agent acp:AuthenticatedAgent ].`),
      });
    });
    try {
      expect((await app.fetch(`${pod.podUrl}settings/`)).status).toBe(403);
      expect((await app.fetch(`${pod.podUrl}settings/.acr`)).status).toBe(403);
      expect(
        result.refusedPolicies
          .filter((r) => r.acr === `${pod.podUrl}settings/.acr`)
          .map((r) => r.reason)
          .sort(),
      ).toEqual([
        'it names the owner without a client: every app of the owner would get in',
        'its acp:anyOf lets in more than the owner through one app',
      ]);
      expect(await checkGrants(pod)).toEqual([]);
    } finally {
      await app.logout();
      await user.session.logout();
    }
  });

  it('takes the profile, records and ACRs by URL: no login provider, no weaker rule, no encoded ACR', async () => {
    const evil = 'http://localhost:1/evil-issuer/';
    const { user, app, pod, result } = await importForged('urls', (entries, manifest) => {
      const card = entries.find((e) => e.name === 'resources/profile/card')!;
      card.data = Buffer.concat([
        card.data,
        Buffer.from(`\n<${source.account.webId}> <http://www.w3.org/ns/solid/terms#oidcIssuer> <${evil}>.\n`),
      ]);
      manifest.entries.find((e) => e.name === card.name)!.kind = 'binary';
      // The record's ACR without its deny, and an ACR of a post under an encoded name.
      const recordAcr = entries.find((e) => e.name === 'resources/settings/hearth-apps.ttl.acr')!;
      recordAcr.data = Buffer.from(
        `<${old()}settings/hearth-apps.ttl.acr#acr> <${ACP}resource> <${old()}settings/hearth-apps.ttl>.`,
      );
      entries.push({
        name: 'resources/social/posts/2020-01-01.ttl%2Eacr',
        type: 'file',
        data: Buffer.from(publicWrite(`${old()}social/posts/2020-01-01.ttl`)),
      });
      entries.push({
        name: 'resources/social/.meta',
        type: 'file',
        data: Buffer.from(`<${old()}social/> <http://purl.org/dc/terms/title> "Social";
  <http://www.w3.org/ns/solid/acp#accessControl> <${old()}social/.acr#evil>.`),
      });
    });
    try {
      const card = parseTurtle(await (await fetch(pod.webId)).text(), pod.webId);
      expect(
        card
          .filter((q) => q.predicate.value === 'http://www.w3.org/ns/solid/terms#oidcIssuer')
          .map((q) => q.object.value),
      ).toEqual([server]);
      // The import brought the old record of apps: the app is registered again to be granted settings.
      await grantAccess(pod, { id: app.clientId, name: 'helper', kind: 'client-credential' }, 'settings', ['read']);
      expect((await app.fetch(`${pod.podUrl}settings/privateTypeIndex.ttl`)).status).toBe(200);
      expect((await app.fetch(`${pod.podUrl}settings/hearth-apps.ttl`)).status).toBe(403);
      expect(
        (await fetch(`${pod.podUrl}social/posts/2020-01-01.ttl`, { method: 'PUT', headers: turtle, body: doc })).status,
      ).toBe(401);
      expect(result.refusedEntries.map((r) => r.entry)).toEqual(
        expect.arrayContaining(['resources/social/posts/2020-01-01.ttl%2Eacr', 'resources/social/.meta']),
      );
      expect(await checkGrants(pod)).toEqual([]);
    } finally {
      await app.logout();
      await user.session.logout();
    }
  });
});

describe("a pod made by an older Hearth is brought up to date on the owner's next login", () => {
  const server = inject('baseUrl');

  it('binds owner rules to this server, guards profile and records, narrows profile writes, keeps grants', async () => {
    const { user, pod, app } = await ownerWithApp(server, 'olderpod');
    const rogue = await startRogueIssuer();
    const home = await mkdtemp(join(tmpdir(), 'hearth-home-older-'));
    try {
      await grantAccess(pod, app.clientId, 'inbox', ['read']);
      // Make it as an older Hearth left it: rules without acp:issuer, no profile guard, a write grant on profile/.
      const withoutIssuer = (quads: ReturnType<typeof parseTurtle>) =>
        writeTurtle(
          quads
            .filter((q) => q.predicate.value !== `${ACP}issuer`)
            .filter((q) => !q.subject.value.endsWith('-issuer') && !q.object.value.endsWith('-issuer')),
        );
      const put = async (url: string, body: string) =>
        expect((await user.session.fetch(url, { method: 'PUT', headers: turtle, body })).status).toBeLessThan(300);
      await setAppModes(pod, `${pod.podUrl}profile/`, app.clientId, ['read', 'write']);
      const { updateRecord } = await import('../src/access/record.js');
      await updateRecord(pod, (apps) =>
        apps.map((a) =>
          a.id === app.clientId
            ? {
                ...a,
                grants: [
                  ...a.grants,
                  {
                    container: `${pod.podUrl}profile/`,
                    area: 'profile',
                    modes: ['read', 'write'],
                    since: new Date().toISOString(),
                  },
                ],
              }
            : a,
        ),
      );
      for (const container of ['social/inbox/', 'profile/']) {
        const url = `${pod.podUrl}${container}.acr`;
        await put(url, withoutIssuer(parseTurtle(await (await user.session.fetch(url)).text(), url)));
      }
      await put(
        `${pod.podUrl}profile/card.acr`,
        `<#a> <${ACP}resource> <./card>; <${ACP}accessControl> <#r>. <#r> <${ACP}apply> [ <${ACP}allow> <http://www.w3.org/ns/auth/acl#Read>; <${ACP}anyOf> [ <${ACP}agent> <${ACP}PublicAgent> ] ].`,
      );
      await put(`${pod.podUrl}settings/social-record.ttl.acr`, `<#a> <${ACP}resource> <./social-record.ttl>.`);
      await put(`${pod.podUrl}.acr`, withoutIssuer(managerOnlyRootAcr(pod.podUrl, pod.webId, pod.managerClientId)));
      // The hole is there: with the profile naming another issuer, its tokens pass as the manager.
      const card = pod.webId.split('#')[0]!;
      expect(
        (await app.fetch(card, { method: 'PATCH', headers: n3, body: addIssuerPatch(pod.webId, rogue.url) })).status,
      ).toBe(205);
      expect(await (await fetch(card)).text()).toContain(rogue.url);
      await rogue.flushIssuerCache(pod.podUrl);
      const before = await rogue.fetchAs(pod.webId, pod.managerClientId)(pod.podUrl);
      expect(before.status, await before.text()).toBe(200);
      // Still private from apps without settings.
      expect((await app.fetch(`${pod.podUrl}settings/social-record.ttl`)).status).toBe(403);

      await saveAccount(home, user.account);
      const login = await runCli(['login', '--email', user.account.email, '--server', server, '--json'], {
        env: { HEARTH_HOME: home, HEARTH_PASSWORD: user.password },
      });
      expect(login.code, login.stderr).toBe(0);

      await rogue.flushIssuerCache(pod.podUrl);
      expect((await rogue.fetchAs(pod.webId, pod.managerClientId)(pod.podUrl)).status).toBe(403);
      expect((await rogue.fetchAs(pod.webId, app.clientId)(`${pod.podUrl}social/inbox/`)).status).toBe(403);
      expect(
        (
          await app.fetch(card, {
            method: 'PATCH',
            headers: n3,
            body: addIssuerPatch(pod.webId, 'http://localhost:2/'),
          })
        ).status,
      ).toBe(403);
      expect(
        (await app.fetch(`${pod.podUrl}profile/extra.ttl`, { method: 'PUT', headers: turtle, body: doc })).status,
      ).toBe(403);
      expect((await app.fetch(`${pod.podUrl}social/inbox/`)).status).toBe(200);
      expect((await listGrants(pod)).find((a) => a.id === app.clientId)?.grants.map((g) => [g.area, g.modes])).toEqual([
        ['profile', ['read']],
        ['inbox', ['read']],
      ]);
      const inboxAcr = `${pod.podUrl}social/inbox/.acr`;
      const rules = readAcrRules(
        parseTurtle(await (await user.session.fetch(inboxAcr)).text(), inboxAcr),
        `${pod.podUrl}social/inbox/`,
        { webId: pod.webId, managerClientId: pod.managerClientId, issuer: server },
      );
      expect(rules.rules.filter((r) => r.kind === 'client')).toEqual([
        { kind: 'client', clientId: app.clientId, modes: ['Read'], issuerBound: true },
      ]);
      // The rogue issuer is still named in the profile (the owner removes it), but it opens nothing; the check is
      // clean.
      expect(await checkGrants(pod)).toEqual([]);
      // A second login changes nothing more.
      const again = await runCli(['login', '--email', user.account.email, '--server', server, '--json'], {
        env: { HEARTH_HOME: home, HEARTH_PASSWORD: user.password },
      });
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout).updated).toEqual({
        root: false,
        profile: false,
        records: [],
        rewritten: [],
        narrowed: [],
      });
    } finally {
      await rogue.close();
      await rm(home, { recursive: true, force: true });
      await app.logout();
      await user.session.logout();
    }
  });
});
