import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AccountApi, checkGrants, createClientCredentialApp, grantAccess, listGrants, registerApp, openSession, revokeAccess, revokeAllAccess,
  InvalidModeError, UnknownAppError, UnknownAreaError, UnknownRequestError, requestAccess, listAccessRequests, approveAccessRequest, denyAccessRequest, type HearthSession, type PodOwner,
} from '../src/index.js';
import { startClientIdApp, type ClientIdApp } from './support/client-id-app.js';
import { createUser, type TestUser } from './support/users.js';

type Mode = 'read' | 'append' | 'write';
const turtle = { 'content-type': 'text/turtle' };
const body = '<#it> <http://purl.org/dc/terms/title> "x" .';

describe('per-app access', () => {
  const server = inject('baseUrl');
  let owner: TestUser;
  let pod: PodOwner;
  let api: AccountApi;
  let docApp: ClientIdApp;
  const apps: Record<'a' | 'b' | 'c', HearthSession> = {} as never;

  /** The containers of the matrix: two public-read areas, two private ones, one private container of the owner's. */
  const containers = ['posts', 'likes', 'inbox', 'settings', 'notes/'] as const;
  const path = (target: string) => target.endsWith('/') ? target : { posts: 'social/posts/', likes: 'social/likes/', inbox: 'social/inbox/', settings: 'settings/' }[target]!;
  const url = (target: string) => `${owner.account.podUrl}${path(target)}`;

  beforeAll(async () => {
    owner = await createUser(server, 'apps');
    pod = { fetch: owner.session.fetch, podUrl: owner.account.podUrl, webId: owner.account.webId, managerClientId: owner.session.clientId };
    api = new AccountApi(server);
    await api.login(owner.account.email, owner.password);
    docApp = await startClientIdApp('Test Reader');
    const [a, b] = await Promise.all([createClientCredentialApp(api, 'app-a', pod.webId), createClientCredentialApp(api, 'app-b', pod.webId)]);
    await registerApp(pod, a.app);
    await registerApp(pod, b.app);
    [apps.a, apps.b, apps.c] = await Promise.all([
      openSession({ server, clientId: a.app.id, clientSecret: a.secret }),
      openSession({ server, clientId: b.app.id, clientSecret: b.secret }),
      docApp.login(server, { email: owner.account.email, password: owner.password, webId: pod.webId }),
    ]);
    // A private container of the owner's, and a document in every container of the matrix.
    for (const target of containers) {
      const put = await owner.session.fetch(`${url(target)}seed.ttl`, { method: 'PUT', headers: turtle, body });
      expect(put.status, `seed ${target}`).toBeLessThan(300);
    }
  });
  afterAll(async () => {
    await Promise.all(Object.values(apps).map((s) => s?.logout()));
    await docApp?.stop();
    await owner?.session.logout();
  });

  it('gives a Client ID Document app a token carrying the document URL', () => {
    expect(apps.c.clientId).toBe(docApp.clientId);
    expect(apps.c.webId).toBe(pod.webId);
  });

  it('enforces exactly what each app was granted, app by app, container by container, mode by mode', async () => {
    const granted: Record<'a' | 'b' | 'c', Partial<Record<(typeof containers)[number], Mode[]>>> = {
      a: { 'notes/': ['read'], inbox: ['read'], posts: ['write'] },
      b: { 'notes/': ['append'], settings: ['read', 'write'], likes: ['append'] },
      c: { 'notes/': ['read', 'write'], posts: ['append'] },
    };
    for (const [key, grants] of Object.entries(granted)) {
      for (const [target, modes] of Object.entries(grants)) {
        await grantAccess(pod, apps[key as 'a'].clientId, target, modes);
      }
    }
    const failures: string[] = [];
    for (const key of ['a', 'b', 'c'] as const) {
      for (const target of containers) {
        for (const mode of ['read', 'append', 'write'] as const) {
          const publicRead = mode === 'read' && (target === 'posts' || target === 'likes');
          const anyoneAppends = mode === 'append' && target === 'inbox';
          // Write includes append (acl:Write); read never includes anything else.
          const modes = granted[key][target] ?? [];
          const expected = publicRead || anyoneAppends || modes.includes(mode) || (mode === 'append' && modes.includes('write'));
          const statuses = await attempt(apps[key], owner.session, url(target), mode);
          const ok = statuses.every((status) => status < 300);
          const refused = statuses.every((status) => status === 403);
          if (expected ? !ok : !refused) failures.push(`${key} ${mode} ${target}: ${statuses.join(',')} (expected ${expected ? 'success' : '403'})`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('lets no app read or write any ACR, the pod root\'s included, even an app granted write', async () => {
    await grantAccess(pod, apps.a.clientId, 'notes/', ['read', 'append', 'write']);
    const acrs = [`${owner.account.podUrl}.acr`, ...containers.map((t) => `${url(t)}.acr`), `${url('notes/')}seed.ttl.acr`, `${owner.account.podUrl}profile/card.acr`];
    for (const app of Object.values(apps)) {
      for (const acr of acrs) {
        const read = await app.fetch(acr);
        await read.body?.cancel();
        const write = await app.fetch(acr, { method: 'PUT', headers: turtle, body: '<#x> <http://www.w3.org/ns/solid/acp#resource> <./> .' });
        await write.body?.cancel();
        expect([read.status, write.status], `${app.clientId} on ${acr}`).toEqual([403, 403]);
      }
    }
    const mine = await owner.session.fetch(`${url('notes/')}.acr`);
    expect(mine.status).toBe(200);
    expect(await mine.text()).toContain(apps.a.clientId);
  });

  it('covers documents and containers created after the grant, at any depth', async () => {
    await grantAccess(pod, apps.b.clientId, 'posts', ['write']);
    const later = `${url('posts')}2031/01/later.ttl`;
    expect((await owner.session.fetch(later, { method: 'PUT', headers: turtle, body })).status).toBe(201);
    const update = await apps.b.fetch(later, { method: 'PUT', headers: turtle, body: '<#it> <http://purl.org/dc/terms/title> "edited by b" .' });
    expect(update.status).toBeLessThan(300);
    const privateLater = `${url('notes/')}deep/er/later.ttl`;
    expect((await owner.session.fetch(privateLater, { method: 'PUT', headers: turtle, body })).status).toBe(201);
    const read = await apps.c.fetch(privateLater);
    expect(read.status).toBe(200);
    expect(await read.text()).toContain('"x"');
  });

  it('an app granted append on the inbox cannot read it; one granted read on posts cannot write them', async () => {
    await grantAccess(pod, apps.c.clientId, 'inbox', ['append']);
    await revokeAccess(pod, apps.c.clientId, { target: 'posts' });
    await grantAccess(pod, apps.c.clientId, 'posts', ['read']);
    const posted = await apps.c.fetch(url('inbox'), { method: 'POST', headers: turtle, body: '<#n> <#says> "hello" .' });
    expect(posted.status).toBe(201);
    const item = posted.headers.get('location')!;
    for (const target of [url('inbox'), item]) expect((await apps.c.fetch(target)).status, target).toBe(403);
    expect((await apps.c.fetch(`${url('posts')}seed.ttl`)).status).toBe(200);
    expect((await apps.c.fetch(`${url('posts')}seed.ttl`, { method: 'PUT', headers: turtle, body })).status).toBe(403);
    expect((await apps.c.fetch(`${url('posts')}seed.ttl`, { method: 'DELETE' })).status).toBe(403);
    expect((await apps.c.fetch(`${url('posts')}new.ttl`, { method: 'PUT', headers: turtle, body })).status).toBe(403);
  });

  it('records the grants privately and finds no drift, then reports a policy written behind its back', async () => {
    const record = await listGrants(pod);
    const a = record.find((app) => app.id === apps.a.clientId)!;
    expect(a.name).toBe('app-a');
    expect(a.grants.find((g) => g.container === url('notes/'))?.modes).toEqual(['read', 'append', 'write']);
    expect(record.find((app) => app.id === docApp.clientId)).toMatchObject({ name: 'Test Reader', kind: 'client-id-document', homepage: docApp.clientId.replace(/id$/u, '') });
    // App b may read and write settings/, but not the record in it (its own ACR denies every client but the manager).
    const recordUrl = `${owner.account.podUrl}settings/hearth-apps.ttl`;
    for (const app of Object.values(apps)) expect((await app.fetch(recordUrl)).status).toBe(403);
    expect((await apps.b.fetch(recordUrl, { method: 'PUT', headers: turtle, body })).status).toBe(403);
    expect((await apps.b.fetch(recordUrl, { method: 'DELETE' })).status).toBe(403);
    expect((await apps.b.fetch(`${url('settings')}seed.ttl`)).status).toBe(200);
    expect(await checkGrants(pod)).toEqual([]);
    // Someone with Control (only the manager has it) adds a policy for app b on notes/ without recording it.
    const acrUrl = `${url('notes/')}.acr`;
    const acr = await (await owner.session.fetch(acrUrl)).text();
    const sneaky = `${acr}\n<#sneaky> a <http://www.w3.org/ns/solid/acp#AccessControl>; <http://www.w3.org/ns/solid/acp#apply> <#sneaky-policy>.
<#sneaky-policy> <http://www.w3.org/ns/solid/acp#allow> <http://www.w3.org/ns/auth/acl#Read>; <http://www.w3.org/ns/solid/acp#anyOf> <#sneaky-client>.
<#sneaky-client> <http://www.w3.org/ns/solid/acp#client> "someone-else_1234".
<#acr> <http://www.w3.org/ns/solid/acp#accessControl> <#sneaky>.\n`;
    expect((await owner.session.fetch(acrUrl, { method: 'PUT', headers: turtle, body: sneaky })).status).toBeLessThan(300);
    const drift = await checkGrants(pod);
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({ container: url('notes/'), clientId: 'someone-else_1234', inForce: ['read'] });
  });

  it('refuses unknown areas, paths outside the pod, modes that do not exist and unknown apps, with typed errors', async () => {
    await expect(grantAccess(pod, apps.a.clientId, 'diary', ['read'])).rejects.toBeInstanceOf(UnknownAreaError);
    await expect(grantAccess(pod, apps.a.clientId, '../other/', ['read'])).rejects.toBeInstanceOf(UnknownAreaError);
    await expect(grantAccess(pod, apps.a.clientId, 'http://elsewhere.example/x/', ['read'])).rejects.toBeInstanceOf(UnknownAreaError);
    await expect(grantAccess(pod, apps.a.clientId, 'missing/', ['read'])).rejects.toBeInstanceOf(UnknownAreaError);
    await expect(grantAccess(pod, apps.a.clientId, '/', ['read'])).rejects.toBeInstanceOf(UnknownAreaError);
    await expect(grantAccess(pod, apps.a.clientId, 'posts', ['control'])).rejects.toBeInstanceOf(InvalidModeError);
    await expect(grantAccess(pod, 'no-such-app', 'posts', ['read'])).rejects.toBeInstanceOf(UnknownAppError);
    await expect(revokeAccess(pod, 'no-such-app')).rejects.toBeInstanceOf(UnknownAppError);
  });

  it('refuses an app\'s very next request once revokeAccess returns, while the app is busy, with the same token', async () => {
    await grantAccess(pod, apps.a.clientId, 'settings', ['read']);
    const target = `${url('settings')}seed.ttl`;
    expect((await apps.a.fetch(target)).status).toBe(200);
    let running = true;
    const seen: { status: number; startedAfterRevoke: boolean }[] = [];
    let revoked = false;
    const loop = (async () => {
      while (running) {
        const startedAfterRevoke = revoked;
        const response = await apps.a.fetch(target);
        await response.body?.cancel();
        seen.push({ status: response.status, startedAfterRevoke });
      }
    })();
    while (seen.length < 3) await new Promise((resolve) => setImmediate(resolve));
    await revokeAccess(pod, apps.a.clientId, { target: 'settings' });
    revoked = true;
    const next = await apps.a.fetch(target);
    const seenAtRevoke = seen.length;
    while (seen.length < seenAtRevoke + 3) await new Promise((resolve) => setImmediate(resolve));
    running = false;
    await loop;
    expect(next.status).toBe(403);
    expect(seen.filter((s) => !s.startedAfterRevoke).some((s) => s.status === 200)).toBe(true);
    expect(seen.filter((s) => s.startedAfterRevoke).map((s) => s.status).every((status) => status === 403)).toBe(true);
    // Its other grants stay: the revoke was only for settings.
    expect((await apps.a.fetch(`${url('notes/')}seed.ttl`)).status).toBe(200);
  });

  it('lets an app ask through the owner\'s inbox; approve grants exactly what was asked, deny grants nothing', async () => {
    const settingsDoc = `${url('settings')}seed.ttl`;
    expect((await apps.c.fetch(settingsDoc)).status).toBe(403);
    const asked = await requestAccess(apps.c, pod.webId, [{ target: 'settings', modes: ['read'] }, { target: 'likes', modes: ['append'] }], 'To show your settings');
    expect(asked.startsWith(url('inbox'))).toBe(true);
    const denied = await requestAccess(apps.b, pod.webId, [{ target: 'inbox', modes: ['read'] }], 'I would like to read your mail');
    // A request written by app b that names app a's client id: approving it can only ever help app a.
    const forged = await requestAccess({ fetch: apps.b.fetch, clientId: apps.a.clientId }, pod.webId, [{ target: 'notes/', modes: ['write'] }], 'trust me');
    // An item asking for Control, and a social notification: the first cannot be approved, the second is not a request.
    const control = await apps.b.fetch(url('inbox'), { method: 'POST', headers: turtle, body: `<#r> a <http://www.w3.org/ns/solid/interop#AccessRequest>;
      <https://hearth.example/ns#clientId> "${apps.b.clientId}"; <http://www.w3.org/ns/solid/interop#hasAccessNeedGroup> <#g>.
      <#g> <http://www.w3.org/ns/solid/interop#hasAccessNeed> <#n>. <#n> <https://hearth.example/ns#area> "posts";
      <http://www.w3.org/ns/solid/interop#accessMode> <http://www.w3.org/ns/auth/acl#Control>.` });
    expect(control.status).toBe(201);
    expect((await apps.b.fetch(url('inbox'), { method: 'POST', headers: turtle, body: '<#like> a <https://www.w3.org/ns/activitystreams#Like> .' })).status).toBe(201);

    const pending = await listAccessRequests(pod);
    expect(pending.map((r) => r.url).sort()).toEqual([asked, denied, forged, control.headers.get('location')].sort());
    const fromC = pending.find((r) => r.url === asked)!;
    expect(fromC).toMatchObject({ clientId: docApp.clientId, reason: 'To show your settings', app: { name: 'Test Reader', known: true },
      needs: [{ target: 'settings', modes: ['read'] }, { target: 'likes', modes: ['append'] }] });
    expect(fromC.problem).toBeUndefined();
    expect(pending.find((r) => r.url === control.headers.get('location'))!.problem).toMatch(/control/iu);
    await expect(approveAccessRequest(pod, pending.find((r) => r.url === control.headers.get('location'))!.id)).rejects.toThrow(/cannot be approved/u);

    const { grants } = await approveAccessRequest(pod, fromC.id);
    expect(grants.map((g) => [g.area, g.modes])).toEqual([['settings', ['read']], ['likes', ['append']]]);
    expect((await apps.c.fetch(settingsDoc)).status).toBe(200);
    expect((await apps.c.fetch(settingsDoc, { method: 'PUT', headers: turtle, body })).status).toBe(403);
    expect((await apps.c.fetch(`${url('settings')}other.ttl`, { method: 'PUT', headers: turtle, body })).status).toBe(403);

    await denyAccessRequest(pod, pending.find((r) => r.url === denied)!.id);
    expect((await apps.b.fetch(url('inbox'))).status).toBe(403);
    await approveAccessRequest(pod, pending.find((r) => r.url === forged)!.id);
    expect((await apps.b.fetch(`${url('notes/')}seed.ttl`, { method: 'PUT', headers: turtle, body })).status).toBe(403);

    const left = await listAccessRequests(pod);
    expect(left.map((r) => r.url)).toEqual([control.headers.get('location')]);
    await expect(denyAccessRequest(pod, 'no-such-request')).rejects.toBeInstanceOf(UnknownRequestError);
    await denyAccessRequest(pod, left[0]!.id);
  });

  it('loses no grant when two grants on the same container run at the same time', async () => {
    await Promise.all([grantAccess(pod, apps.a.clientId, 'likes', ['write']), grantAccess(pod, apps.b.clientId, 'likes', ['write']),
      grantAccess(pod, apps.c.clientId, 'likes', ['write'])]);
    for (const app of Object.values(apps)) {
      const put = await app.fetch(`${url('likes')}seed.ttl`, { method: 'PUT', headers: turtle, body });
      expect(put.status, app.clientId).toBeLessThan(300);
    }
    const record = await listGrants(pod);
    for (const app of Object.values(apps)) {
      expect(record.find((r) => r.id === app.clientId)!.grants.find((g) => g.area === 'likes')!.modes).toContain('write');
    }
  });

  it('cuts every app off at once, while the owner\'s manager keeps full access', async () => {
    const before = await apps.c.fetch(`${url('settings')}seed.ttl`);
    expect(before.status).toBe(200);
    await revokeAllAccess(pod);
    const failures: string[] = [];
    for (const [key, app] of Object.entries(apps)) {
      for (const target of ['inbox', 'settings', 'notes/'] as const) {
        for (const mode of ['read', 'write'] as const) {
          const statuses = await attempt(app, owner.session, url(target), mode);
          if (!statuses.every((status) => status === 403)) failures.push(`${key} ${mode} ${target}: ${statuses.join(',')}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect((await listGrants(pod)).every((app) => app.grants.length === 0)).toBe(true);
    expect(await checkGrants(pod)).toEqual([]);
    // The manager reads, writes and changes access rules as before.
    expect((await owner.session.fetch(owner.account.podUrl)).status).toBe(200);
    expect((await owner.session.fetch(`${url('notes/')}after.ttl`, { method: 'PUT', headers: turtle, body })).status).toBe(201);
    expect((await owner.session.fetch(`${url('notes/')}.acr`)).status).toBe(200);
    expect((await owner.session.fetch(`${owner.account.podUrl}.acr`)).status).toBe(200);
  });
});

/**
 * Does one thing of `mode` in a container as an app; answers the statuses. Read = GET the container and a document in it;
 * append = POST to the container; write = overwrite a document inside, and DELETE another (which the owner made just before).
 */
async function attempt(app: HearthSession, owner: HearthSession, container: string, mode: Mode): Promise<number[]> {
  if (mode === 'read') {
    const [list, doc] = await Promise.all([app.fetch(container), app.fetch(`${container}seed.ttl`)]);
    await Promise.all([list.body?.cancel(), doc.body?.cancel()]);
    return [list.status, doc.status];
  }
  if (mode === 'append') {
    const post = await app.fetch(container, { method: 'POST', headers: { 'content-type': 'text/turtle' }, body: '<#a> <#b> "appended" .' });
    await post.body?.cancel();
    return [post.status];
  }
  const victim = `${container}victim-${Math.random().toString(36).slice(2)}.ttl`;
  expect((await owner.fetch(victim, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: '<#a> <#b> "v" .' })).status).toBe(201);
  const overwrite = await app.fetch(`${container}seed.ttl`, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: '<#it> <http://purl.org/dc/terms/title> "x" .' });
  await overwrite.body?.cancel();
  const del = await app.fetch(victim, { method: 'DELETE' });
  await del.body?.cancel();
  return [overwrite.status, del.status];
}
