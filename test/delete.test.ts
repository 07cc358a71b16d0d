import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AccountApi,
  createAccount,
  deleteAccountOnServer,
  follow,
  openSession,
  saveAccount,
  ForbiddenError,
} from '../src/index.js';
import { readInbox } from '../src/social/inbox.js';
import { areaUrl } from '../src/social/layout.js';
import { AS, RDF } from '../src/vocab.js';
import { runCli } from './support/cli.js';
import { createUser, uniqueName, type TestUser } from './support/users.js';

describe('hearth account delete', () => {
  const server = inject('baseUrl');
  const dataDir = inject('dataDir');
  // The refusals delete nothing, so they share one leaving owner; the test that deletes has one of its own, made
  // alongside and used by no other test. bob, who follows both and deletes nothing, is shared.
  let shared: Leaving;
  let deleted: Leaving;

  beforeAll(async () => {
    const [bob, first, second] = await Promise.all([
      createUser(server, 'stays'),
      createUser(server, 'gone'),
      createUser(server, 'gone'),
    ]);
    [shared, deleted] = await Promise.all([leavingOwner(server, first, bob), leavingOwner(server, second, bob)]);
  });
  afterAll(async () => {
    await Promise.all([shared, deleted].map((made) => made && rm(made.home, { recursive: true, force: true })));
  });

  it('refuses to delete without confirmation when there is no terminal, and deletes nothing', async () => {
    const { alice, home, doc } = shared;
    const result = await runCli(['account', 'delete'], { env: { HEARTH_HOME: home } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Refusing to delete without confirmation');
    expect((await alice.session.fetch(doc)).status).toBe(200);
  });

  it("lets nobody but the owner's manager delete: not another person, not another app of the owner", async () => {
    const { alice, bob, otherApp, doc } = shared;
    const byBob = await deleteAccountOnServer(bob.session.fetch, server, alice.account.podUrl).catch((e: unknown) => e);
    expect(byBob).toBeInstanceOf(ForbiddenError);
    const app = await openSession({ server, clientId: otherApp.id, clientSecret: otherApp.secret });
    const byApp = await deleteAccountOnServer(app.fetch, server, alice.account.podUrl).catch((e: unknown) => e);
    expect(byApp).toBeInstanceOf(ForbiddenError);
    const anonymous = await deleteAccountOnServer(fetch, server, alice.account.podUrl).catch((e: unknown) => e);
    expect((anonymous as ForbiddenError).status).toBe(401);
    expect((await alice.session.fetch(doc)).status).toBe(200);
  });

  it('deletes the pod, account and credentials, leaving no trace in the data folder, others untouched', async () => {
    const { alice, bob, home, otherApp, doc } = deleted;
    const traces = [
      alice.account.name,
      alice.account.email,
      alice.account.webId,
      encodeURIComponent(alice.account.webId),
    ];
    // Before: the search finds alice's records (account, login, credentials) and her pod, and the stored account file.
    const before = await filesMentioning(join(dataDir, '.internal'), traces);
    expect(before.some((path) => path.includes(`${join(dataDir, '.internal', 'accounts')}/`))).toBe(true);
    expect(await filesMentioning(join(dataDir, alice.account.name), traces)).not.toEqual([]);
    expect(await readdir(join(home, 'accounts'))).toHaveLength(1);
    const result = await runCli(['account', 'delete', '--yes', '--json'], { env: { HEARTH_HOME: home } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      deleted: [alice.account.podUrl],
      webId: alice.account.webId,
      notified: [bob.account.webId],
    });
    const told = (await readInbox(bob.session.fetch, areaUrl(bob.account.podUrl, 'inbox'))).flatMap(
      (item) => item.quads,
    );
    const deletes = told
      .filter((q) => q.predicate.value === `${RDF}type` && q.object.value === `${AS}Delete`)
      .map((q) => q.subject.value);
    expect(deletes).toHaveLength(1);
    expect(
      told.some(
        (q) =>
          q.subject.value === deletes[0] &&
          q.predicate.value === `${AS}actor` &&
          q.object.value === alice.account.webId,
      ),
    ).toBe(true);

    for (const url of [alice.account.podUrl, alice.account.webId, doc, `${alice.account.podUrl}social/posts/`]) {
      expect((await fetch(url)).status, url).toBe(404);
      expect((await bob.session.fetch(url)).status, url).toBe(404);
    }
    for (const credential of [alice.account.manager, otherApp]) {
      await expect(openSession({ server, clientId: credential.id, clientSecret: credential.secret })).rejects.toThrow(
        `no longer accepts the stored credential of client ${credential.id} (it was deleted or replaced)`,
      );
    }
    await expect(new AccountApi(server).login(alice.account.email, alice.password)).rejects.toThrow(
      /Invalid email\/password/u,
    );

    // What bob keeps in his own pod about alice (his following list, her as:Delete) is bob's data, not hers.
    const found = (await filesMentioning(dataDir, traces)).filter(
      (path) => !path.startsWith(join(dataDir, bob.account.name)),
    );
    expect(found).toEqual([]);
    expect(await readdir(join(home, 'accounts'))).toEqual([]);

    // Other people are left alone: bob's pod, profile and manager work as before.
    expect((await bob.session.fetch(bob.account.podUrl)).status).toBe(200);
    expect((await fetch(bob.account.webId)).status).toBe(200);
    const bobAgain = await openSession({
      server,
      clientId: bob.account.manager.id,
      clientSecret: bob.account.manager.secret,
    });
    expect((await bobAgain.fetch(`${bob.account.podUrl}settings/hearth-apps.ttl`)).status).toBe(200);
    await bobAgain.logout();
  });
});

describe("a deleted account's name is free again", () => {
  const server = inject('baseUrl');

  it('recreates an account of the same name and email; old credentials and tokens open nothing of it', async () => {
    const name = uniqueName('again');
    const email = `${name}@example.org`;
    const first = await createAccount({ server, name, email, password: 'the first password' });
    const old = await openSession({ server, clientId: first.manager.id, clientSecret: first.manager.secret });
    try {
      const diary = `${first.podUrl}notes/diary.ttl`;
      expect(
        (
          await old.fetch(diary, {
            method: 'PUT',
            headers: { 'content-type': 'text/turtle' },
            body: '<#d> <http://schema.org/text> "old" .',
          })
        ).status,
      ).toBe(201);
      // Taken while it exists.
      await expect(
        createAccount({ server, name, email: `${name}-2@example.org`, password: 'another password' }),
      ).rejects.toThrow(`The name "${name}" cannot be used`);
      expect((await deleteAccountOnServer(old.fetch, server, first.podUrl)).deleted).toEqual([first.podUrl]);

      const second = await createAccount({ server, name, email, password: 'the second password' });
      expect([second.podUrl, second.webId]).toEqual([first.podUrl, first.webId]);
      expect(second.manager.id).not.toBe(first.manager.id);
      const manager = await openSession({ server, clientId: second.manager.id, clientSecret: second.manager.secret });
      try {
        expect((await manager.fetch(second.podUrl)).status).toBe(200);
        expect((await manager.fetch(diary)).status).toBe(404);
        expect((await fetch(second.webId)).status).toBe(200);
        // The old manager's token (still unexpired) names the same WebID, but not the new pod's manager.
        for (const url of [second.podUrl, `${second.podUrl}.acr`, `${second.podUrl}settings/hearth-apps.ttl`])
          expect((await old.fetch(url)).status, url).toBe(403);
        await expect(
          openSession({ server, clientId: first.manager.id, clientSecret: first.manager.secret }),
        ).rejects.toThrow(
          `no longer accepts the stored credential of client ${first.manager.id} (it was deleted or replaced)`,
        );
        await expect(new AccountApi(server).login(email, 'the first password')).rejects.toThrow(
          /Invalid email\/password/u,
        );
      } finally {
        await manager.logout();
      }
    } finally {
      await old.logout();
    }
  });
});

/** An owner about to leave: bob follows alice (he must hear of her leaving), alice has a diary and a second app. */
interface Leaving {
  alice: TestUser;
  bob: TestUser;
  /** A HEARTH_HOME holding alice's account only. */
  home: string;
  /** A document of alice's. */
  doc: string;
  /** Another app of alice's: a client credential of her account. */
  otherApp: { id: string; secret: string };
}

async function leavingOwner(server: string, alice: TestUser, bob: TestUser): Promise<Leaving> {
  const home = await mkdtemp(join(tmpdir(), 'hearth-home-del-'));
  await saveAccount(home, alice.account);
  const doc = `${alice.account.podUrl}notes/diary.ttl`;
  const put = await alice.session.fetch(doc, {
    method: 'PUT',
    headers: { 'content-type': 'text/turtle' },
    body: '<#d> <http://schema.org/text> "secret" .',
  });
  expect(put.status).toBe(201);
  await follow(bob.session, alice.account.webId);
  const api = new AccountApi(server);
  await api.login(alice.account.email, alice.password);
  const otherApp = await api.createClientCredential('other-app', alice.account.webId);
  return { alice, bob, home, doc, otherApp };
}

/**
 * Every file below `dir` (the server's short-lived lock files in `.internal/locks/` aside) whose path or content
 * contains one of `needles`.
 */
async function filesMentioning(dir: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  // Entries may come and go while the server runs: a folder or file gone meanwhile is skipped.
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!(entry.name === 'locks' && dir.endsWith('/.internal'))) hits.push(...(await filesMentioning(path, needles)));
    } else if (entry.isFile()) {
      const content = await readFile(path, 'utf8').catch(() => '');
      if (needles.some((needle) => path.includes(needle) || content.includes(needle))) hits.push(path);
    }
  }
  return hits;
}
