import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AccountApi, deleteAccountOnServer, follow, openSession, saveAccount, ForbiddenError } from '../src/index.js';
import { readInbox } from '../src/social/inbox.js';
import { areaUrl } from '../src/social/layout.js';
import { AS, RDF } from '../src/vocab.js';
import { runCli } from './support/cli.js';
import { createUser, type TestUser } from './support/users.js';

describe('hearth account delete', () => {
  const server = inject('baseUrl');
  const dataDir = inject('dataDir');
  let alice: TestUser;
  let bob: TestUser;
  let home: string;
  let otherApp: { id: string; secret: string };
  const doc = () => `${alice.account.podUrl}notes/diary.ttl`;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([createUser(server, 'gone'), createUser(server, 'stays')]);
    home = await mkdtemp(join(tmpdir(), 'hearth-home-del-'));
    await saveAccount(home, alice.account);
    const put = await alice.session.fetch(doc(), { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: '<#d> <http://schema.org/text> "secret" .' });
    expect(put.status).toBe(201);
    // bob follows alice: he must hear of her leaving.
    await follow(bob.session, alice.account.webId);
    const api = new AccountApi(server);
    await api.login(alice.account.email, alice.password);
    otherApp = await api.createClientCredential('other-app', alice.account.webId);
  });
  afterAll(async () => rm(home, { recursive: true, force: true }));

  it('refuses to delete without confirmation when there is no terminal, and deletes nothing', async () => {
    const result = await runCli(['account', 'delete'], { env: { HEARTH_HOME: home } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Refusing to delete without confirmation');
    expect((await alice.session.fetch(doc())).status).toBe(200);
  });

  it('lets nobody but the owner\'s manager delete: not another person, not another app of the owner', async () => {
    const byBob = await deleteAccountOnServer(bob.session.fetch, server, alice.account.podUrl).catch((e: unknown) => e);
    expect(byBob).toBeInstanceOf(ForbiddenError);
    const app = await openSession({ server, clientId: otherApp.id, clientSecret: otherApp.secret });
    const byApp = await deleteAccountOnServer(app.fetch, server, alice.account.podUrl).catch((e: unknown) => e);
    expect(byApp).toBeInstanceOf(ForbiddenError);
    const anonymous = await deleteAccountOnServer(fetch, server, alice.account.podUrl).catch((e: unknown) => e);
    expect((anonymous as ForbiddenError).status).toBe(401);
    expect((await alice.session.fetch(doc())).status).toBe(200);
  });

  it('deletes the pod, the account and its credentials, and leaves no trace in the data folder', async () => {
    const result = await runCli(['account', 'delete', '--yes', '--json'], { env: { HEARTH_HOME: home } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ deleted: [alice.account.podUrl], webId: alice.account.webId, notified: [bob.account.webId] });
    const told = (await readInbox(bob.session.fetch, areaUrl(bob.account.podUrl, 'inbox'))).flatMap((item) => item.quads);
    const deletes = told.filter((q) => q.predicate.value === `${RDF}type` && q.object.value === `${AS}Delete`).map((q) => q.subject.value);
    expect(deletes).toHaveLength(1);
    expect(told.some((q) => q.subject.value === deletes[0] && q.predicate.value === `${AS}actor` && q.object.value === alice.account.webId)).toBe(true);

    for (const url of [alice.account.podUrl, alice.account.webId, doc(), `${alice.account.podUrl}social/posts/`]) {
      expect((await fetch(url)).status, url).toBe(404);
      expect((await bob.session.fetch(url)).status, url).toBe(404);
    }
    for (const credential of [alice.account.manager, otherApp]) {
      await expect(openSession({ server, clientId: credential.id, clientSecret: credential.secret })).rejects.toThrow(/invalid_client/u);
    }
    await expect(new AccountApi(server).login(alice.account.email, alice.password)).rejects.toThrow(/Invalid email\/password/u);

    const traces = [alice.account.name, alice.account.email, alice.account.webId, encodeURIComponent(alice.account.webId)];
    // What bob keeps in his own pod about alice (his following list, her as:Delete) is bob's data, not hers.
    const found = (await filesMentioning(dataDir, traces)).filter((path) => !path.startsWith(join(dataDir, bob.account.name)));
    expect(found).toEqual([]);
    await expect(stat(join(home, 'accounts'))).resolves.toBeDefined();
    expect(await readdir(join(home, 'accounts'))).toEqual([]);
  });

  it('leaves other people alone', async () => {
    expect((await bob.session.fetch(bob.account.podUrl)).status).toBe(200);
    expect((await fetch(bob.account.webId)).status).toBe(200);
  });
});

/** Every file below `dir` whose path or content contains one of `needles`. */
async function filesMentioning(dir: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const content = await readFile(path, 'utf8').catch(() => '');
    if (needles.some((needle) => path.includes(needle) || content.includes(needle))) hits.push(path);
  }
  return hits;
}
