// When the owner's apps last used the pod, recorded by the server (src/server/app-use.ts): only the owner's own
// requests count, the record is the owner's alone (manager and web page), nobody can read it with other tokens, it is
// written at most once a minute per app and pod, and no flood of clients grows it, or the server's memory, past bounds.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createAccount,
  deleteAccountOnServer,
  grantAccess,
  openSession,
  readAppUse,
  startPodServer,
  saveAccount,
  webClientIdOf,
  webPageUrlOf,
  type HearthSession,
  type PodOwner,
} from '../src/index.js';
import { appUseUrlOf, maxAppUsesPerPod } from '../src/access/app-use.js';
import { AppUseRecorder, maxTrackedUses, type PodOwners, type UseStorage } from '../src/server/app-use.js';
import { loginWithCode, startClientIdApp, type ClientIdApp } from './support/client-id-app.js';
import { runCli } from './support/cli.js';
import { freePort } from './support/ports.js';
import { raw } from './support/raw-http.js';
import { createUser, uniqueName, type TestUser } from './support/users.js';

/** CSS's internal storage, in memory, counting writes. */
class MemoryStorage implements UseStorage {
  readonly values = new Map<string, unknown>();
  writes = 0;
  async get(key: string): Promise<unknown> {
    return structuredClone(this.values.get(key));
  }
  async set(key: string, value: unknown): Promise<void> {
    this.writes += 1;
    this.values.set(key, structuredClone(value));
  }
  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }
}

const base = 'http://localhost:9/';
const alicePod = `${base}alice/`;
const alice = `${alicePod}profile/card#me`;
/** A pod store with alice's pod, owned by alice. */
const pods: PodOwners = {
  findByBaseUrl: async (url) => (url === alicePod ? { id: 'alice-pod' } : undefined),
  getOwners: async (id) => (id === 'alice-pod' ? [{ webId: alice }] : undefined),
};
const as = (webId: string, clientId: string) => ({ agent: { webId }, client: { clientId } });

describe('the record of app use, in the server', () => {
  it('writes a pair at most once a minute, and reads see every use at once', async () => {
    const storage = new MemoryStorage();
    const recorder = new AppUseRecorder(base, storage, pods, { intervalMs: 60_000, batchMs: 60_000 });
    for (let i = 0; i < 100; i += 1) recorder.note(as(alice, 'app-a'), [`${alicePod}social/posts/`]);
    await recorder.flush();
    expect(storage.writes).toBe(1);
    const first = await recorder.read(alicePod, alice);
    expect(first.map((use) => use.clientId)).toEqual(['app-a']);
    // Used again within the minute: nothing written, but the owner sees the latest use.
    await new Promise((resolve) => setTimeout(resolve, 5));
    recorder.note(as(alice, 'app-a'), [`${alicePod}social/posts/x`]);
    await recorder.flush();
    expect(storage.writes).toBe(1);
    const latest = await recorder.read(alicePod, alice);
    expect(latest[0]!.lastUsed > first[0]!.lastUsed || latest[0]!.lastUsed === first[0]!.lastUsed).toBe(true);
    // A fresh server (the memory gone) reads what was written.
    const after = new AppUseRecorder(base, storage, pods);
    expect((await after.read(alicePod, alice)).map((use) => use.clientId)).toEqual(['app-a']);
  });

  it("records the owner's requests only: not another user's, not outside pods", async () => {
    const storage = new MemoryStorage();
    const recorder = new AppUseRecorder(base, storage, pods, { intervalMs: 0, batchMs: 60_000 });
    recorder.note(as(`${base}bob/profile/card#me`, 'bob-app'), [`${alicePod}social/posts/`]);
    recorder.note({ agent: { webId: alice } }, [`${alicePod}social/posts/`]); // no client: not an app
    recorder.note(as(alice, 'elsewhere'), [`${base}.account/`, `http://other.example/alice/x`]);
    recorder.note(as(alice, 'nobody-pod'), [`${base}ghost/x`]);
    await recorder.flush();
    expect(storage.writes).toBe(0);
    // And an owner's use is never mixed with another agent's when read.
    expect(await recorder.read(alicePod, alice)).toEqual([]);
  });

  it('keeps at most 200 clients a pod, the latest, and a bounded memory, whatever the flood', async () => {
    const storage = new MemoryStorage();
    const recorder = new AppUseRecorder(base, storage, pods, { intervalMs: 0, batchMs: 60_000 });
    for (let i = 0; i < 500; i += 1) recorder.note(as(alice, `flood-${String(i).padStart(4, '0')}`), [alicePod]);
    await recorder.flush();
    const stored = await recorder.read(alicePod, alice);
    expect(stored).toHaveLength(maxAppUsesPerPod);
    const written = storage.values.get('hearth/app-use/alice') as { uses: unknown[]; webIds: string[] };
    expect(written.uses).toHaveLength(maxAppUsesPerPod);
    // It names the owner: deleting the account removes it (the deletion sweeps records naming the WebID).
    expect(written.webIds).toEqual([alice]);
    // Clients of other agents on other pods (tokens anyone can get): memory stays bounded.
    for (let i = 0; i < maxTrackedUses + 5000; i += 1)
      recorder.note(as(`${base}u${i}/profile/card#me`, `c${i}`), [`${base}u${i}/x`]);
    expect(recorder.tracked).toBe(maxTrackedUses);
    await recorder.flush();
  });

  it("keeps the owner's use pending through a flood of other agents' uses of the same pod", async () => {
    const storage = new MemoryStorage();
    const recorder = new AppUseRecorder(base, storage, pods, { intervalMs: 60_000, batchMs: 60_000 });
    recorder.note(as(alice, 'app-a'), [alicePod]);
    await recorder.flush({ all: true }); // Written: the next use of app-a waits a minute to be written.
    const written = (storage.values.get('hearth/app-use/alice') as { uses: { lastUsed: string }[] }).uses[0]!.lastUsed;
    await new Promise((resolve) => setTimeout(resolve, 5));
    recorder.note(as(alice, 'app-a'), [`${alicePod}later`]);
    const hidden = (await recorder.read(alicePod, alice))[0]!.lastUsed;
    expect(hidden > written).toBe(true);
    // An app with many client ids (or its own login provider) reading alice's public posts, again and again.
    for (let i = 0; i < maxTrackedUses + 10; i += 1) recorder.note(as(`${base}mallory#me`, `m${i}`), [`${alicePod}p`]);
    await recorder.flush({ all: true });
    const stored = storage.values.get('hearth/app-use/alice') as { uses: { clientId: string; lastUsed: string }[] };
    expect(stored.uses).toEqual([{ clientId: 'app-a', lastUsed: hidden }]);
  });

  it('never lets a failing storage reach a request', async () => {
    const errors: unknown[] = [];
    const broken: UseStorage = {
      get: async () => undefined,
      set: async () => {
        throw new Error('disk full');
      },
      delete: async () => undefined,
    };
    const recorder = new AppUseRecorder(base, broken, pods, {
      intervalMs: 0,
      batchMs: 60_000,
      onError: (error) => errors.push(error),
    });
    expect(() => recorder.note(as(alice, 'app-a'), [alicePod])).not.toThrow();
    await recorder.flush();
    expect(errors).toHaveLength(1);
  });
});

describe('the record of app use, on the test server', () => {
  const server = inject('baseUrl');
  const dataDir = inject('dataDir');
  let owner: TestUser;
  let bob: TestUser;
  let app: ClientIdApp;
  let appSession: HearthSession;
  let pageSession: HearthSession;
  let pod: PodOwner;
  const sessions: { logout(): Promise<void> }[] = [];

  beforeAll(async () => {
    [owner, bob] = await Promise.all([createUser(server, 'use-alice'), createUser(server, 'use-bob')]);
    sessions.push(owner.session, bob.session);
    pod = {
      fetch: owner.session.fetch,
      podUrl: owner.account.podUrl,
      webId: owner.account.webId,
      managerClientId: owner.account.manager.id,
    };
    app = await startClientIdApp('Use Counter');
    const user = { email: owner.account.email, password: owner.password, webId: owner.account.webId };
    appSession = await app.login(server, user);
    pageSession = await loginWithCode(server, webClientIdOf(server), webPageUrlOf(server), user);
    sessions.push(appSession, pageSession);
    await grantAccess(pod, { id: app.clientId, name: 'Use Counter', kind: 'client-id-document' }, 'posts', ['read']);
  });

  afterAll(async () => {
    for (const session of sessions) await session.logout().catch(() => undefined);
    await app?.stop();
  });

  it('shows the owner when each app last used the pod, through the manager and through the page', async () => {
    const before = new Date().toISOString().slice(0, 19);
    const read = await appSession.fetch(`${owner.account.podUrl}social/posts/`);
    await read.arrayBuffer();
    expect(read.status).toBe(200);
    const uses = await readAppUse(pod);
    expect(uses.get(app.clientId)! >= before).toBe(true);
    // The manager's own requests are there too; the page reads the same record.
    expect(uses.has(owner.account.manager.id)).toBe(true);
    const throughPage = await readAppUse({ fetch: pageSession.fetch, podUrl: owner.account.podUrl });
    expect(throughPage.get(app.clientId)).toBe(uses.get(app.clientId));
    // `hearth apps list` shows it too.
    const home = await mkdtemp(join(tmpdir(), 'hearth-use-'));
    try {
      await saveAccount(home, owner.account);
      const list = await runCli(['apps', 'list'], { env: { HEARTH_HOME: home } });
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toMatch(
        /^Use Counter {2}\S+ {2}\(Client ID Document; added [\d-]+; last used [\d-]+ [\d:]+ UTC\)$/mu,
      );
      const json = await runCli(['apps', 'list', '--json'], { env: { HEARTH_HOME: home } });
      const listed = JSON.parse(json.stdout) as { id: string; lastUsed?: string }[];
      expect(listed.find((entry) => entry.id === app.clientId)?.lastUsed).toBeDefined();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('is gone with its account: a new account of the same name (and so the same WebID) sees none of it', async () => {
    const name = uniqueName('use-gone');
    const password = 'a long enough password';
    const first = await createAccount({ server, name, email: `${name}@example.org`, password });
    const firstSession = await openSession({ server, clientId: first.manager.id, clientSecret: first.manager.secret });
    const firstOwner = { fetch: firstSession.fetch, podUrl: first.podUrl };
    expect((await readAppUse(firstOwner)).has(first.manager.id)).toBe(true);
    // Right after a use, so that its write is still to come when the account goes.
    await (await firstSession.fetch(first.podUrl)).arrayBuffer();
    await deleteAccountOnServer(firstSession.fetch, server, first.podUrl);
    await firstSession.logout().catch(() => undefined);

    const second = await createAccount({ server, name, email: `${name}-again@example.org`, password });
    expect(second.webId).toBe(first.webId);
    const secondSession = await openSession({
      server,
      clientId: second.manager.id,
      clientSecret: second.manager.secret,
    });
    sessions.push(secondSession);
    // Past the recorder's batching (1 s): a write of the old account's use, had it been kept, would have landed.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const uses = await readAppUse({ fetch: secondSession.fetch, podUrl: second.podUrl });
    expect(uses.has(first.manager.id)).toBe(false);
    expect(uses.has(second.manager.id)).toBe(true);
  });

  it("counts nobody else's requests: another user's app reading the owner's public posts", async () => {
    const other = await startClientIdApp('Bob Reader');
    try {
      const bobsApp = await other.login(server, {
        email: bob.account.email,
        password: bob.password,
        webId: bob.account.webId,
      });
      sessions.push(bobsApp);
      const read = await bobsApp.fetch(owner.account.podUrl + 'profile/card');
      await read.arrayBuffer();
      expect(read.status).toBe(200);
      expect((await readAppUse(pod)).has(other.clientId)).toBe(false);
    } finally {
      await other.stop();
    }
  });

  it('is refused to the app, to another user, and to nobody: 403, 403, 401', async () => {
    const url = appUseUrlOf(owner.account.podUrl);
    const status = async (fetchFn: typeof fetch) => {
      const response = await fetchFn(url);
      await response.arrayBuffer();
      return response.status;
    };
    expect(await status(appSession.fetch)).toBe(403);
    expect(await status(bob.session.fetch)).toBe(403);
    // Bob through the page (its client id, his own token) gets nothing of alice's either.
    const bobsPage = await loginWithCode(server, webClientIdOf(server), webPageUrlOf(server), {
      email: bob.account.email,
      password: bob.password,
      webId: bob.account.webId,
    });
    sessions.push(bobsPage);
    expect(await status(bobsPage.fetch)).toBe(403);
    // Raw HTTP: no token, a made-up one, a forged DPoP pair: nobody.
    const path = new URL(url).pathname + new URL(url).search;
    expect((await raw(server, path)).status).toBe(401);
    expect((await raw(server, path, { headers: { authorization: 'Bearer made.up.token' } })).status).toBe(401);
    expect(
      (await raw(server, path, { headers: { authorization: 'DPoP made.up.token', dpop: 'not.a.proof' } })).status,
    ).toBe(401);
    // Nor can anyone write it: only GET is answered.
    const put = await owner.session.fetch(url, { method: 'PUT', body: '{"uses":[]}' });
    await put.arrayBuffer();
    expect(put.status).toBe(405);
    // Another user's pod with one's own token; something that is no pod.
    const bobs = await owner.session.fetch(appUseUrlOf(bob.account.podUrl));
    await bobs.arrayBuffer();
    expect(bobs.status).toBe(403);
    const notPod = await owner.session.fetch(
      `${server}.hearth/app-use?pod=${encodeURIComponent('http://evil.example/')}`,
    );
    await notPod.arrayBuffer();
    expect(notPod.status).toBe(400);
  });

  it("is kept in the server's own files, out of every pod, readable by the server's user only", async () => {
    const name = owner.account.podUrl.slice(server.length, -1);
    const folder = join(dataDir, '.internal', 'hearth', 'app-use');
    let file: string | undefined;
    await expect
      .poll(
        async () => {
          file = (await readdir(folder).catch(() => [])).find((entry) => entry.startsWith(name));
          return file;
        },
        { timeout: 10_000 },
      )
      .toBeDefined();
    expect((await stat(join(folder, file!))).mode & 0o077).toBe(0);
    // And not in the pod: the owner's own listing of settings/ shows no such document.
    const listing = await owner.session.fetch(`${owner.account.podUrl}settings/`);
    expect(await listing.text()).not.toContain('app-use');
  });
});

describe('the record of app use across a restart', () => {
  it('keeps the last use made just before the server stopped', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hearth-use-restart-'));
    const port = await freePort();
    let pods = await startPodServer({ port, dataDir });
    try {
      const name = uniqueName('use-restart');
      const account = await createAccount({
        server: pods.url,
        name,
        email: `${name}@example.org`,
        password: 'a long enough password',
      });
      let session = await openSession({
        server: pods.url,
        clientId: account.manager.id,
        clientSecret: account.manager.secret,
      });
      const owner = () => ({ fetch: session.fetch, podUrl: account.podUrl });
      // The first uses are written (after the recorder's second of batching); the next is held for a minute.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const written = (await readAppUse(owner())).get(account.manager.id)!;
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const last = new Date().toISOString();
      await (await session.fetch(account.podUrl)).arrayBuffer();
      await session.logout();
      await pods.stop();

      pods = await startPodServer({ port, dataDir });
      session = await openSession({
        server: pods.url,
        clientId: account.manager.id,
        clientSecret: account.manager.secret,
      });
      const after = await readAppUse(owner());
      await session.logout();
      expect(after.get(account.manager.id)! > written).toBe(true);
      expect(after.get(account.manager.id)! >= last.slice(0, 19)).toBe(true);
    } finally {
      await pods.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
