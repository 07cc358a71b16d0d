import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import {
  AccountApi,
  ClientIdDocumentError,
  checkGrants,
  createClientCredentialApp,
  fetchClientIdDocument,
  grantAccess,
  listGrants,
  registerApp,
  openSession,
  revokeAccess,
  revokeAllAccess,
  InvalidModeError,
  UnknownAppError,
  UnknownAreaError,
  UnknownRequestError,
  requestAccess,
  listAccessRequests,
  approveAccessRequest,
  denyAccessRequest,
  type HearthSession,
  type PodOwner,
} from '../src/index.js';
import { startClientIdApp, type ClientIdApp } from './support/client-id-app.js';
import { tokenClaims } from './support/token-claims.js';
import { createUser, uniqueName, type TestUser } from './support/users.js';

type Mode = 'read' | 'append' | 'write';
type AppKey = 'a' | 'b' | 'c';
const turtle = { 'content-type': 'text/turtle' };
const body = '<#it> <http://purl.org/dc/terms/title> "x" .';

// Every test exercises grants on places where, without the grant, the same request is refused: private containers made
// for the test, `settings/`, the inbox for reading, posts or likes for writing. A test that grants something on one of
// the shared areas revokes everything when it ends (`cleanSlate`), so no test depends on another's grants.
describe('per-app access', () => {
  const server = inject('baseUrl');
  let owner: TestUser;
  let pod: PodOwner;
  let api: AccountApi;
  let docApp: ClientIdApp;
  const apps: Record<AppKey, HearthSession> = {} as never;

  const areas = {
    posts: 'social/posts/',
    likes: 'social/likes/',
    inbox: 'social/inbox/',
    settings: 'settings/',
  } as const;
  const area = (name: keyof typeof areas) => `${owner.account.podUrl}${areas[name]}`;
  /** A new container of the owner's, private (the pod's root rule: the manager only), holding a document `seed.ttl`. */
  const privateContainer = async (prefix: string) => {
    const container = `${owner.account.podUrl}${uniqueName(prefix)}/`;
    const put = await owner.session.fetch(`${container}seed.ttl`, { method: 'PUT', headers: turtle, body });
    expect(put.status, `seed ${container}`).toBe(201);
    return container;
  };
  const status = async (app: HearthSession, url: string, init?: RequestInit) => {
    const response = await app.fetch(url, init);
    await response.body?.cancel();
    return response.status;
  };
  const put = (app: HearthSession, url: string) => status(app, url, { method: 'PUT', headers: turtle, body });
  const post = (app: HearthSession, url: string) =>
    status(app, url, { method: 'POST', headers: turtle, body: '<#n> <#says> "hello" .' });

  beforeAll(async () => {
    owner = await createUser(server, 'apps');
    pod = {
      fetch: owner.session.fetch,
      podUrl: owner.account.podUrl,
      webId: owner.account.webId,
      managerClientId: owner.session.clientId,
    };
    api = new AccountApi(server);
    await api.login(owner.account.email, owner.password);
    docApp = await startClientIdApp('Test Reader');
    const [a, b] = await Promise.all([
      createClientCredentialApp(api, 'app-a', pod.webId),
      createClientCredentialApp(api, 'app-b', pod.webId),
    ]);
    // All three are the owner's known apps: the Client ID Document app as `hearth apps add URL` registers it.
    for (const app of [a.app, b.app, await fetchClientIdDocument(docApp.clientId)]) await registerApp(pod, app);
    [apps.a, apps.b, apps.c] = await Promise.all([
      openSession({ server, clientId: a.app.id, clientSecret: a.secret }),
      openSession({ server, clientId: b.app.id, clientSecret: b.secret }),
      docApp.login(server, { email: owner.account.email, password: owner.password, webId: pod.webId }),
    ]);
    // A document in each area the tests use.
    for (const name of Object.keys(areas) as (keyof typeof areas)[]) {
      const seeded = await owner.session.fetch(`${area(name)}seed.ttl`, { method: 'PUT', headers: turtle, body });
      expect(seeded.status, `seed ${name}`).toBe(201);
    }
  });
  /** Revokes every grant when the test ends, pass or fail. */
  const cleanSlate = () =>
    onTestFinished(async () => {
      await revokeAllAccess(pod);
    });
  afterAll(async () => {
    await Promise.all(Object.values(apps).map((s) => s?.logout()));
    await api?.logout();
    await docApp?.stop();
    await owner?.session.logout();
  });

  it('gives each app tokens with its own client id (a Client ID Document app: its URL); grants match', async () => {
    const claims = await Promise.all([apps.a, apps.b, apps.c].map(async (app) => tokenClaims(app.fetch)));
    // What the tokens carry, against what the server recorded: the account's client credentials, the document's URL.
    const credentials = Object.keys(await api.listClientCredentials());
    expect(claims.map((c) => c.webid)).toEqual([pod.webId, pod.webId, pod.webId]);
    expect(credentials).toContain(claims[0]!.client_id);
    expect(credentials).toContain(claims[1]!.client_id);
    expect(claims[0]!.client_id).not.toBe(claims[1]!.client_id);
    expect(claims[2]!.client_id).toBe(docApp.clientId);
    expect(credentials).not.toContain(claims[2]!.client_id);
    // A grant to the document URL (what the owner types) is in force for that app's real login, and for it alone.
    const place = await privateContainer('docapp');
    expect(await status(apps.c, `${place}seed.ttl`)).toBe(403);
    await grantAccess(pod, docApp.clientId, place, ['read']);
    expect(await status(apps.c, `${place}seed.ttl`)).toBe(200);
    expect(await status(apps.a, `${place}seed.ttl`)).toBe(403);
    const recorded = (await listGrants(pod)).find((app) => app.id === claims[2]!.client_id)!;
    expect(recorded).toMatchObject({ name: 'Test Reader', kind: 'client-id-document' });
    expect(recorded.grants.find((g) => g.container === place)?.modes).toEqual(['read']);
  });

  it('enforces exactly what each app was granted, app by app, container by container, mode by mode', async () => {
    cleanSlate();
    const notes = await privateContainer('notes');
    const targets = {
      posts: area('posts'),
      likes: area('likes'),
      inbox: area('inbox'),
      settings: area('settings'),
      notes,
    };
    type Target = keyof typeof targets;
    const granted: Record<AppKey, Partial<Record<Target, Mode[]>>> = {
      a: { notes: ['read'], inbox: ['read'], posts: ['write'] },
      b: { notes: ['append'], settings: ['read', 'write'], likes: ['append'] },
      c: { notes: ['read', 'write'], posts: ['append'] },
    };
    for (const [key, grants] of Object.entries(granted)) {
      for (const [target, modes] of Object.entries(grants)) {
        await grantAccess(pod, apps[key as AppKey].clientId, targets[target as Target], modes);
      }
    }
    const failures: string[] = [];
    let cells = 0;
    for (const key of ['a', 'b', 'c'] as const) {
      for (const target of Object.keys(targets) as Target[]) {
        for (const mode of ['read', 'append', 'write'] as const) {
          const publicRead = mode === 'read' && (target === 'posts' || target === 'likes');
          const anyoneAppends = mode === 'append' && target === 'inbox';
          // Write includes append (acl:Write); read never includes anything else.
          const modes = granted[key][target] ?? [];
          const expected =
            publicRead || anyoneAppends || modes.includes(mode) || (mode === 'append' && modes.includes('write'));
          const statuses = await attempt(apps[key], owner.session, targets[target], mode);
          const ok = statuses.every((s) => s < 300);
          const refused = statuses.every((s) => s === 403);
          if (expected ? !ok : !refused)
            failures.push(`${key} ${mode} ${target}: ${statuses.join(',')} (expected ${expected ? 'success' : '403'})`);
          cells += 1;
        }
      }
    }
    expect(cells).toBe(45);
    expect(failures).toEqual([]);
  });

  it("lets no app read or write any ACR, the pod root's included, even an app granted write", async () => {
    const notes = await privateContainer('acrs');
    await grantAccess(pod, apps.a.clientId, notes, ['read', 'append', 'write']);
    // The grant is in force: app a writes in the container...
    expect(await put(apps.a, `${notes}seed.ttl`)).toBe(205);
    const acrs = [
      `${owner.account.podUrl}.acr`,
      ...Object.keys(areas).map((name) => `${area(name as keyof typeof areas)}.acr`),
      `${notes}.acr`,
      `${notes}seed.ttl.acr`,
      `${owner.account.podUrl}profile/card.acr`,
    ];
    // ... and the owner's manager reads those that exist (CSS makes an ACR when it is first written; settings/ may have
    // none yet).
    for (const acr of acrs.filter((url) => !url.endsWith('seed.ttl.acr') && !url.endsWith('settings/.acr')))
      expect(await status(owner.session, acr), acr).toBe(200);
    for (const app of Object.values(apps)) {
      for (const acr of acrs) {
        const read = await status(app, acr);
        const write = await status(app, acr, {
          method: 'PUT',
          headers: turtle,
          body: '<#x> <http://www.w3.org/ns/solid/acp#resource> <./> .',
        });
        expect([read, write], `${app.clientId} on ${acr}`).toEqual([403, 403]);
      }
    }
    const mine = await owner.session.fetch(`${notes}.acr`);
    expect(mine.status).toBe(200);
    expect(await mine.text()).toContain(apps.a.clientId);
  });

  it('covers documents and containers created after the grant, at any depth', async () => {
    const notes = await privateContainer('later');
    const later = `${notes}2031/01/later.ttl`;
    const deeper = `${notes}deep/er/later.ttl`;
    for (const doc of [later, deeper]) expect(await put(owner.session, doc)).toBe(201);
    expect(await put(apps.b, later)).toBe(403);
    expect(await status(apps.c, deeper)).toBe(403);
    await grantAccess(pod, apps.b.clientId, notes, ['write']);
    await grantAccess(pod, apps.c.clientId, notes, ['read']);
    const update = await apps.b.fetch(later, {
      method: 'PUT',
      headers: turtle,
      body: '<#it> <http://purl.org/dc/terms/title> "edited by b" .',
    });
    expect(update.status).toBe(205);
    const read = await apps.c.fetch(deeper);
    expect(read.status).toBe(200);
    expect(await read.text()).toContain('"x"');
    // Created after the grant, by the owner, two levels down: covered too.
    const newest = `${notes}2032/02/newest.ttl`;
    expect(await put(owner.session, newest)).toBe(201);
    expect(await status(apps.c, newest)).toBe(200);
    expect(await status(apps.c, `${notes}2032/`)).toBe(200);
  });

  it('append lets an app add but not read or change; read lets it read but not add, change or delete', async () => {
    const drop = await privateContainer('drop');
    const shelf = await privateContainer('shelf');
    expect(await post(apps.c, drop)).toBe(403);
    expect(await status(apps.c, `${shelf}seed.ttl`)).toBe(403);
    await grantAccess(pod, apps.c.clientId, drop, ['append']);
    await grantAccess(pod, apps.c.clientId, shelf, ['read']);

    const posted = await apps.c.fetch(drop, { method: 'POST', headers: turtle, body: '<#n> <#says> "hello" .' });
    expect(posted.status).toBe(201);
    const item = posted.headers.get('location')!;
    expect(item.startsWith(drop)).toBe(true);
    // A new document by PUT is an append too (as LDP allows); changing or deleting one is not.
    expect(await put(apps.c, `${drop}new.ttl`)).toBe(201);
    for (const target of [drop, item, `${drop}seed.ttl`]) expect(await status(apps.c, target), target).toBe(403);
    expect(await put(apps.c, `${drop}seed.ttl`)).toBe(403);
    expect(await status(apps.c, `${drop}seed.ttl`, { method: 'DELETE' })).toBe(403);

    expect(await status(apps.c, `${shelf}seed.ttl`)).toBe(200);
    expect(await status(apps.c, shelf)).toBe(200);
    expect(await put(apps.c, `${shelf}seed.ttl`)).toBe(403);
    expect(await status(apps.c, `${shelf}seed.ttl`, { method: 'DELETE' })).toBe(403);
    expect(await put(apps.c, `${shelf}new.ttl`)).toBe(403);
    expect(await post(apps.c, shelf)).toBe(403);
  });

  it('records the grants privately and finds no drift, then reports a policy written behind its back', async () => {
    cleanSlate();
    const notes = await privateContainer('record');
    await grantAccess(pod, apps.a.clientId, notes, ['read', 'append', 'write']);
    await grantAccess(pod, apps.b.clientId, 'settings', ['read', 'write']);
    const record = await listGrants(pod);
    const a = record.find((app) => app.id === apps.a.clientId)!;
    expect(a.name).toBe('app-a');
    expect(a.grants.filter((g) => g.container === notes).map((g) => g.modes)).toEqual([['read', 'append', 'write']]);
    expect(
      record
        .find((app) => app.id === apps.b.clientId)!
        .grants.filter((g) => g.area === 'settings')
        .map((g) => g.modes),
    ).toEqual([['read', 'write']]);
    expect(record.find((app) => app.id === docApp.clientId)).toMatchObject({
      name: 'Test Reader',
      kind: 'client-id-document',
      homepage: docApp.clientId.replace(/id$/u, ''),
    });
    // App b may read and write settings/, but not the record in it (its own ACR denies every client but the manager).
    const recordUrl = `${owner.account.podUrl}settings/hearth-apps.ttl`;
    expect(await status(apps.b, `${area('settings')}seed.ttl`)).toBe(200);
    expect(await put(apps.b, `${area('settings')}b-was-here.ttl`)).toBe(201);
    expect(await status(owner.session, recordUrl)).toBe(200);
    for (const app of Object.values(apps)) expect(await status(app, recordUrl), app.clientId).toBe(403);
    expect(await put(apps.b, recordUrl)).toBe(403);
    expect(await status(apps.b, recordUrl, { method: 'DELETE' })).toBe(403);
    expect(await checkGrants(pod)).toEqual([]);
    // Someone with Control (only the manager has it) adds a policy for another client on the container without
    // recording it.
    const acrUrl = `${notes}.acr`;
    const acr = await (await owner.session.fetch(acrUrl)).text();
    const sneaky = `${acr}\n<#sneaky> a <http://www.w3.org/ns/solid/acp#AccessControl>; <http://www.w3.org/ns/solid/acp#apply> <#sneaky-policy>.
<#sneaky-policy> <http://www.w3.org/ns/solid/acp#allow> <http://www.w3.org/ns/auth/acl#Read>; <http://www.w3.org/ns/solid/acp#anyOf> <#sneaky-client>.
<#sneaky-client> <http://www.w3.org/ns/solid/acp#client> "someone-else_1234".
<#acr> <http://www.w3.org/ns/solid/acp#accessControl> <#sneaky>.\n`;
    expect((await owner.session.fetch(acrUrl, { method: 'PUT', headers: turtle, body: sneaky })).status).toBe(205);
    try {
      const drift = await checkGrants(pod);
      expect(drift).toHaveLength(1);
      expect(drift[0]).toMatchObject({ container: notes, clientId: 'someone-else_1234', inForce: ['read'] });
    } finally {
      expect((await owner.session.fetch(acrUrl, { method: 'PUT', headers: turtle, body: acr })).status).toBe(205);
    }
  });

  it('refuses unknown areas, apps, modes and paths outside the pod with typed errors, granting nothing', async () => {
    const before = await listGrants(pod);
    await expect(grantAccess(pod, apps.a.clientId, 'diary', ['read'])).rejects.toBeInstanceOf(UnknownAreaError);
    await expect(grantAccess(pod, apps.a.clientId, '../other/', ['read'])).rejects.toBeInstanceOf(UnknownAreaError);
    await expect(grantAccess(pod, apps.a.clientId, 'http://elsewhere.example/x/', ['read'])).rejects.toBeInstanceOf(
      UnknownAreaError,
    );
    await expect(grantAccess(pod, apps.a.clientId, 'missing/', ['read'])).rejects.toBeInstanceOf(UnknownAreaError);
    await expect(grantAccess(pod, apps.a.clientId, '/', ['read'])).rejects.toBeInstanceOf(UnknownAreaError);
    await expect(grantAccess(pod, apps.a.clientId, 'posts', ['control'])).rejects.toBeInstanceOf(InvalidModeError);
    await expect(grantAccess(pod, 'no-such-app', 'posts', ['read'])).rejects.toBeInstanceOf(UnknownAppError);
    await expect(revokeAccess(pod, 'no-such-app')).rejects.toBeInstanceOf(UnknownAppError);
    expect(await listGrants(pod)).toEqual(before);
    expect(await checkGrants(pod)).toEqual([]);
    expect(await status(apps.a, `${area('settings')}seed.ttl`)).toBe(403);
  });

  it("refuses a busy app's very next request with the same token once revokeAccess returns", async () => {
    cleanSlate();
    const kept = await privateContainer('kept');
    await grantAccess(pod, apps.a.clientId, 'settings', ['read']);
    await grantAccess(pod, apps.a.clientId, kept, ['read']);
    const target = `${area('settings')}seed.ttl`;
    expect(await status(apps.a, target)).toBe(200);
    expect(await status(apps.a, `${kept}seed.ttl`)).toBe(200);
    let running = true;
    const seen: { status: number; startedAfterRevoke: boolean }[] = [];
    let revoked = false;
    const loop = (async () => {
      while (running) {
        const startedAfterRevoke = revoked;
        seen.push({ status: await status(apps.a, target), startedAfterRevoke });
      }
    })();
    while (seen.length < 3) await new Promise((resolve) => setImmediate(resolve));
    await revokeAccess(pod, apps.a.clientId, { target: 'settings' });
    revoked = true;
    const next = await status(apps.a, target);
    const seenAtRevoke = seen.length;
    while (seen.length < seenAtRevoke + 3) await new Promise((resolve) => setImmediate(resolve));
    running = false;
    await loop;
    expect(next).toBe(403);
    expect(seen.filter((s) => !s.startedAfterRevoke).some((s) => s.status === 200)).toBe(true);
    const after = seen.filter((s) => s.startedAfterRevoke);
    expect(after.length).toBeGreaterThanOrEqual(3);
    expect(after.map((s) => s.status).filter((s) => s !== 403)).toEqual([]);
    // Its other grant stays: the revoke was only for settings.
    expect(await status(apps.a, `${kept}seed.ttl`)).toBe(200);
  });

  it('revokes one mode only: after revoking write, the very next write is refused and read still works', async () => {
    const notes = await privateContainer('bymode');
    await grantAccess(pod, apps.a.clientId, notes, ['read', 'write']);
    expect(await status(apps.a, `${notes}seed.ttl`)).toBe(200);
    expect(await put(apps.a, `${notes}seed.ttl`)).toBe(205);
    expect(await post(apps.a, notes)).toBe(201);
    const revocation = await revokeAccess(pod, apps.a.clientId, { target: notes, modes: ['write'] });
    expect(await put(apps.a, `${notes}seed.ttl`)).toBe(403);
    expect(await status(apps.a, `${notes}seed.ttl`)).toBe(200);
    expect(await status(apps.a, notes)).toBe(200);
    // Write included append: that goes with it.
    expect(await post(apps.a, notes)).toBe(403);
    expect(await status(apps.a, `${notes}seed.ttl`, { method: 'DELETE' })).toBe(403);
    // What remains of the app's access there (other tests may have granted it elsewhere).
    const here = revocation.remaining.filter((g) => g.container === notes);
    expect(here.map((g) => [g.container, g.modes])).toEqual([[notes, ['read']]]);
    expect(
      (await listGrants(pod))
        .find((app) => app.id === apps.a.clientId)!
        .grants.filter((g) => g.container === notes)
        .map((g) => g.modes),
    ).toEqual([['read']]);
    expect(await checkGrants(pod)).toEqual([]);
  });

  it("lets an app ask via the owner's inbox; approve grants exactly what was asked, deny grants nothing", async () => {
    cleanSlate();
    const settingsDoc = `${area('settings')}seed.ttl`;
    const shared = await privateContainer('asked');
    expect(await status(apps.c, settingsDoc)).toBe(403);
    expect(await post(apps.c, area('likes'))).toBe(403);
    const asked = await requestAccess(
      apps.c,
      pod.webId,
      [
        { target: 'settings', modes: ['read'] },
        { target: 'likes', modes: ['append'] },
      ],
      'To show your settings',
    );
    expect(asked.startsWith(area('inbox'))).toBe(true);
    const path = shared.slice(owner.account.podUrl.length);
    const denied = await requestAccess(
      apps.b,
      pod.webId,
      [{ target: path, modes: ['read'] }],
      'I would like to read your notes',
    );
    // A request written by app b that names app a's client id: approving it can only ever help app a.
    const forged = await requestAccess(
      { fetch: apps.b.fetch, clientId: apps.a.clientId },
      pod.webId,
      [{ target: path, modes: ['write'] }],
      'trust me',
    );
    // An item asking for Control, and a social notification: the first cannot be approved, the second is not a request.
    const control = await apps.b.fetch(area('inbox'), {
      method: 'POST',
      headers: turtle,
      body: `<#r> a <http://www.w3.org/ns/solid/interop#AccessRequest>;
      <https://hearth.example/ns#clientId> "${apps.b.clientId}"; <http://www.w3.org/ns/solid/interop#hasAccessNeedGroup> <#g>.
      <#g> <http://www.w3.org/ns/solid/interop#hasAccessNeed> <#n>. <#n> <https://hearth.example/ns#area> "posts";
      <http://www.w3.org/ns/solid/interop#accessMode> <http://www.w3.org/ns/auth/acl#Control>.`,
    });
    expect(control.status).toBe(201);
    const controlUrl = control.headers.get('location')!;
    expect(await post(apps.b, area('inbox'))).toBe(201);
    expect(
      (
        await apps.b.fetch(area('inbox'), {
          method: 'POST',
          headers: turtle,
          body: '<#like> a <https://www.w3.org/ns/activitystreams#Like> .',
        })
      ).status,
    ).toBe(201);

    const pending = await listAccessRequests(pod);
    expect(pending.map((r) => r.url).sort()).toEqual([asked, denied, forged, controlUrl].sort());
    const byUrl = (url: string) => pending.find((r) => r.url === url)!;
    expect(byUrl(asked)).toMatchObject({
      clientId: docApp.clientId,
      reason: 'To show your settings',
      app: { name: 'Test Reader', known: true },
      needs: [
        { target: 'settings', modes: ['read'] },
        { target: 'likes', modes: ['append'] },
      ],
    });
    expect(byUrl(asked).problem).toBeUndefined();
    expect(byUrl(controlUrl).problem).toMatch(/control/iu);
    await expect(approveAccessRequest(pod, byUrl(controlUrl).id)).rejects.toThrow(/cannot be approved/u);

    const { grants } = await approveAccessRequest(pod, byUrl(asked).id);
    expect(grants.map((g) => [g.area, g.modes])).toEqual([
      ['settings', ['read']],
      ['likes', ['append']],
    ]);
    expect(await status(apps.c, settingsDoc)).toBe(200);
    expect(await post(apps.c, area('likes'))).toBe(201);
    expect(await put(apps.c, settingsDoc)).toBe(403);
    expect(await put(apps.c, `${area('settings')}other.ttl`)).toBe(403);

    // Denied: the request is gone and app b still cannot read; the same request approved would have let it.
    expect(await status(apps.b, `${shared}seed.ttl`)).toBe(403);
    await denyAccessRequest(pod, byUrl(denied).id);
    expect(await status(owner.session, denied)).toBe(404);
    expect(await status(apps.b, `${shared}seed.ttl`)).toBe(403);
    expect(
      (await listGrants(pod)).find((app) => app.id === apps.b.clientId)!.grants.filter((g) => g.container === shared),
    ).toEqual([]);
    const again = await requestAccess(apps.b, pod.webId, [{ target: path, modes: ['read'] }], 'please');
    await approveAccessRequest(pod, (await listAccessRequests(pod)).find((r) => r.url === again)!.id);
    expect(await status(apps.b, `${shared}seed.ttl`)).toBe(200);

    // The forged one helps app a only, never app b who wrote it.
    expect(await put(apps.a, `${shared}seed.ttl`)).toBe(403);
    await approveAccessRequest(pod, byUrl(forged).id);
    expect(await put(apps.a, `${shared}seed.ttl`)).toBe(205);
    expect(await put(apps.b, `${shared}seed.ttl`)).toBe(403);

    const left = await listAccessRequests(pod);
    expect(left.map((r) => r.url)).toEqual([controlUrl]);
    await expect(denyAccessRequest(pod, 'no-such-request')).rejects.toBeInstanceOf(UnknownRequestError);
    await denyAccessRequest(pod, left[0]!.id);
    expect(await listAccessRequests(pod)).toEqual([]);
  });

  it('loses no grant when two grants on the same container run at the same time', async () => {
    const notes = await privateContainer('together');
    for (const app of Object.values(apps)) expect(await put(app, `${notes}seed.ttl`), app.clientId).toBe(403);
    await Promise.all(Object.values(apps).map(async (app) => grantAccess(pod, app.clientId, notes, ['write'])));
    for (const app of Object.values(apps)) expect(await put(app, `${notes}seed.ttl`), app.clientId).toBe(205);
    const record = await listGrants(pod);
    for (const app of Object.values(apps)) {
      expect(
        record
          .find((r) => r.id === app.clientId)!
          .grants.filter((g) => g.container === notes)
          .map((g) => g.modes),
        app.clientId,
      ).toEqual([['write']]);
    }
  });

  it("cuts every app off at once, everywhere it was granted, while the owner's manager keeps full access", async () => {
    // From no grant at all, so that exactly these are asked about.
    await revokeAllAccess(pod);
    const notes = await privateContainer('all');
    const plan: Record<AppKey, [string, Mode[]][]> = {
      a: [
        [area('settings'), ['read']],
        [notes, ['write']],
      ],
      b: [
        [area('inbox'), ['read']],
        [area('posts'), ['write']],
      ],
      c: [
        [area('likes'), ['append']],
        [notes, ['read']],
      ],
    };
    for (const [key, parts] of Object.entries(plan)) {
      for (const [target, modes] of parts) await grantAccess(pod, apps[key as AppKey].clientId, target, modes);
    }
    // Every place and mode the record shows (write includes append), each in force before the revoke.
    const keyOf = (id: string) => (Object.keys(apps) as AppKey[]).find((key) => apps[key].clientId === id)!;
    const granted = (await listGrants(pod)).flatMap((app) =>
      app.grants.flatMap((g) =>
        [...new Set([...g.modes, ...(g.modes.includes('write') ? ['append' as const] : [])])].map((mode) => ({
          key: keyOf(app.id),
          container: g.container,
          mode,
        })),
      ),
    );
    expect(granted).toHaveLength(8);
    const tryAll = async () => {
      const lines: string[] = [];
      for (const g of granted)
        lines.push(
          `${g.key} ${g.mode} ${g.container}: ` +
            `${(await attempt(apps[g.key], owner.session, g.container, g.mode)).join(',')}`,
        );
      return lines;
    };
    for (const line of await tryAll()) expect(line).toMatch(/: 20\d(,20\d)?$/u);

    await revokeAllAccess(pod);
    for (const line of await tryAll()) expect(line).toMatch(/: 403(,403)?$/u);
    expect((await listGrants(pod)).map((app) => app.grants)).toEqual([[], [], []]);
    expect(await checkGrants(pod)).toEqual([]);
    // The manager reads, writes and changes access rules as before.
    expect(await status(owner.session, owner.account.podUrl)).toBe(200);
    expect(await put(owner.session, `${notes}after.ttl`)).toBe(201);
    expect(await status(owner.session, `${notes}.acr`)).toBe(200);
    expect(await status(owner.session, `${owner.account.podUrl}.acr`)).toBe(200);
  });
});

describe('Client ID Documents are read within bounds', () => {
  let documents: Server;
  let base: string;
  beforeAll(async () => {
    documents = createServer((request, response) => {
      const self = `${base}${request.url!.slice(1)}`;
      const send = (document: unknown) =>
        response.writeHead(200, { 'content-type': 'application/ld+json' }).end(JSON.stringify(document));
      if (request.url === '/app') send({ client_id: self, client_name: 'Good App', client_uri: base });
      else if (request.url === '/huge') send({ client_id: self, client_name: 'x'.repeat(70_000) });
      else if (request.url === '/other') send({ client_id: 'https://someone-else.example/id', client_name: 'Not me' });
      else if (request.url === '/redirect') response.writeHead(302, { location: '/landing' }).end();
      else if (request.url === '/landing') send({ client_id: `${base}redirect`, client_name: 'Landed Elsewhere' });
      else if (request.url === '/trickle')
        response.writeHead(200, { 'content-type': 'application/ld+json' }).write('{"client_id":');
      // `/silent`: never answers.
    });
    await new Promise<void>((resolve) => documents.listen(0, 'localhost', resolve));
    base = `http://localhost:${(documents.address() as { port: number }).port}/`;
  });
  afterAll(async () => {
    documents?.closeAllConnections();
    await new Promise<void>((resolve) => (documents ? documents.close(() => resolve()) : resolve()));
  });

  it('takes a good one; refuses one past 64 KiB, naming another client id, slow to answer or endless', async () => {
    expect(await fetchClientIdDocument(`${base}app`)).toEqual({
      id: `${base}app`,
      name: 'Good App',
      kind: 'client-id-document',
      homepage: base,
    });
    await expect(fetchClientIdDocument(`${base}huge`)).rejects.toThrow(
      `${base}huge is too large (more than 65536 bytes)`,
    );
    await expect(fetchClientIdDocument(`${base}other`)).rejects.toThrow(
      new ClientIdDocumentError(
        `${base}other`,
        `${base}other is not a Client ID Document: its client_id must be its own URL.`,
      ),
    );
    for (const path of ['silent', 'trickle']) {
      await expect(fetchClientIdDocument(`${base}${path}`, fetch, { timeoutMs: 300 }), path).rejects.toThrow(
        `Cannot reach ${base}${path} (no answer within 0.3 s).`,
      );
    }
  });

  // README: an app is named by the document at its own URL, never by one a redirect points to.
  it('refuses a Client ID Document that redirects elsewhere', async () => {
    await expect(fetchClientIdDocument(`${base}redirect`)).rejects.toThrow(
      `${base}redirect redirects elsewhere, and is only taken from where it is`,
    );
  });
});

/**
 * Does one thing of `mode` in a container as an app; answers the statuses. Read = GET the container and a document in
 * it;
 * append = POST to the container; write = overwrite a document inside, and DELETE another (which the owner made just
 * before).
 */
async function attempt(app: HearthSession, owner: HearthSession, container: string, mode: Mode): Promise<number[]> {
  if (mode === 'read') {
    const [list, doc] = await Promise.all([app.fetch(container), app.fetch(`${container}seed.ttl`)]);
    await Promise.all([list.body?.cancel(), doc.body?.cancel()]);
    return [list.status, doc.status];
  }
  if (mode === 'append') {
    const post = await app.fetch(container, {
      method: 'POST',
      headers: { 'content-type': 'text/turtle' },
      body: '<#a> <#b> "appended" .',
    });
    await post.body?.cancel();
    return [post.status];
  }
  const victim = `${container}victim-${Math.random().toString(36).slice(2)}.ttl`;
  expect(
    (await owner.fetch(victim, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: '<#a> <#b> "v" .' }))
      .status,
  ).toBe(201);
  const overwrite = await app.fetch(`${container}seed.ttl`, {
    method: 'PUT',
    headers: { 'content-type': 'text/turtle' },
    body: '<#it> <http://purl.org/dc/terms/title> "x" .',
  });
  await overwrite.body?.cancel();
  const del = await app.fetch(victim, { method: 'DELETE' });
  await del.body?.cancel();
  return [overwrite.status, del.status];
}
