import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser } from 'n3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AccountApi, openSession, saveAccount, type HearthSession } from '../src/index.js';
import { freePort } from './support/ports.js';
import { runCli } from './support/cli.js';
import { createUser, uniqueName, type TestUser } from './support/users.js';

interface Created {
  name: string;
  webId: string;
  podUrl: string;
  managerClientId: string;
  credentialsFile: string;
}

describe('hearth account create', () => {
  const server = inject('baseUrl');
  const name = uniqueName('alice');
  const email = `${name}@example.org`;
  const password = 'correct horse battery';
  let home: string;
  let created: Created;
  let manager: HearthSession;
  let otherApp: HearthSession;
  let stranger: TestUser;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'hearth-home-'));
    const result = await runCli(
      ['account', 'create', '--name', name, '--email', email, '--server', server, '--password-stdin', '--json'],
      { env: { HEARTH_HOME: home }, input: `${password}\n` },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    created = JSON.parse(result.stdout) as Created;
    const stored = JSON.parse(await (await import('node:fs/promises')).readFile(created.credentialsFile, 'utf8')) as {
      manager: { id: string; secret: string };
    };
    manager = await openSession({ server, clientId: stored.manager.id, clientSecret: stored.manager.secret });
    // A second app of the same person: a client credential made through the account API with the password.
    const api = new AccountApi(server);
    await api.login(email, password);
    const credential = await api.createClientCredential('other-app', created.webId);
    otherApp = await openSession({ server, clientId: credential.id, clientSecret: credential.secret });
    await api.logout();
    // Someone else with an account on the same server.
    stranger = await createUser(server, 'stranger');
  });
  afterAll(async () => {
    await manager?.logout();
    await otherApp?.logout();
    await stranger?.session.logout();
    await rm(home, { recursive: true, force: true });
  });

  it('prints the pod URL and WebID', () => {
    expect(created.podUrl).toBe(`${server}${name}/`);
    expect(created.webId).toBe(`${server}${name}/profile/card#me`);
    expect(created.managerClientId).toMatch(/^hearth-manager_/u);
    expect(JSON.stringify(created)).not.toContain(password);
  });

  it('stores the manager credential in a file only its owner can read', async () => {
    expect(created.credentialsFile.startsWith(home)).toBe(true);
    expect((await stat(created.credentialsFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, 'accounts'))).mode & 0o777).toBe(0o700);
  });

  it('lets the manager read and write in the pod', async () => {
    const doc = `${created.podUrl}social/hello.ttl`;
    const put = await manager.fetch(doc, {
      method: 'PUT',
      headers: { 'content-type': 'text/turtle' },
      body: '<#a> <http://schema.org/name> "hi" .',
    });
    expect(put.status).toBe(201);
    const read = await manager.fetch(doc, { headers: { accept: 'text/turtle' } });
    expect(read.status).toBe(200);
    expect(await read.text()).toContain('"hi"');
    expect((await manager.fetch(created.podUrl)).status).toBe(200);
    expect((await manager.fetch(`${created.podUrl}.acr`)).status).toBe(200);
  });

  it("gives the owner's other apps and other people 403 on the pod root, containers, documents, ACRs", async () => {
    const kept = await manager.fetch(`${created.podUrl}social/kept.ttl`, {
      method: 'PUT',
      headers: { 'content-type': 'text/turtle' },
      body: '<#a> <#b> <#c> .',
    });
    expect(kept.status).toBe(201);
    // The same token of the other app is accepted by the server: a place open to anyone logged in takes its append.
    expect(
      (
        await otherApp.fetch(`${created.podUrl}social/inbox/`, {
          method: 'POST',
          headers: { 'content-type': 'text/turtle' },
          body: '<#a> <#b> <#c> .',
        })
      ).status,
    ).toBe(201);
    const status = async (session: HearthSession, url: string, init?: RequestInit) => {
      const response = await session.fetch(url, init);
      await response.body?.cancel();
      return response.status;
    };
    const places = [
      created.podUrl,
      `${created.podUrl}social/`,
      `${created.podUrl}social/kept.ttl`,
      `${created.podUrl}social/inbox/`,
      `${created.podUrl}settings/`,
    ];
    const acrs = [`${created.podUrl}.acr`, `${created.podUrl}social/posts/.acr`, `${created.podUrl}profile/card.acr`];
    for (const url of [...places, ...acrs]) {
      expect(await status(manager, url), `manager GET ${url}`).toBe(200);
      expect(await status(otherApp, url), `GET ${url}`).toBe(403);
      expect(await status(stranger.session, url), `stranger GET ${url}`).toBe(403);
    }
    for (const session of [otherApp, stranger.session]) {
      expect(
        await status(session, `${created.podUrl}social/intruder.ttl`, {
          method: 'PUT',
          headers: { 'content-type': 'text/turtle' },
          body: '<#a> <#b> <#c> .',
        }),
      ).toBe(403);
      for (const acr of acrs) {
        expect(
          await status(session, acr, {
            method: 'PUT',
            headers: { 'content-type': 'text/turtle' },
            body: '<#x> <#y> <#z> .',
          }),
          `PUT ${acr}`,
        ).toBe(403);
      }
    }
    // The manager's view of the root ACR is untouched.
    expect(await (await manager.fetch(`${created.podUrl}.acr`)).text()).toContain(created.managerClientId);
  });

  it('keeps the WebID profile readable by anyone, the pod root closed to the public and to other people', async () => {
    const profile = await fetch(created.webId, { headers: { accept: 'text/turtle' } });
    expect(profile.status).toBe(200);
    const quads = new Parser({ baseIRI: created.webId }).parse(await profile.text());
    const issuers = quads.filter(
      (q) => q.subject.value === created.webId && q.predicate.value === 'http://www.w3.org/ns/solid/terms#oidcIssuer',
    );
    expect(issuers.map((q) => q.object.value)).toEqual([server]);
    const storage = quads.filter(
      (q) => q.subject.value === created.webId && q.predicate.value === 'http://www.w3.org/ns/pim/space#storage',
    );
    expect(storage.map((q) => q.object.value)).toEqual([created.podUrl]);
    expect((await fetch(created.podUrl)).status).toBe(401);
    expect((await stranger.session.fetch(created.podUrl)).status).toBe(403);
    expect((await stranger.session.fetch(created.webId)).status).toBe(200);
  });

  it('`hearth whoami` shows the account without its secret', async () => {
    const result = await runCli(['whoami'], { env: { HEARTH_HOME: home } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(created.webId);
    expect(result.stdout).toContain('(working)');
    const stored = JSON.parse(await (await import('node:fs/promises')).readFile(created.credentialsFile, 'utf8')) as {
      manager: { secret: string };
    };
    expect(result.stdout).not.toContain(stored.manager.secret);
  });

  it('`hearth login` on a new machine is refused with a way out, and works where the credential is', async () => {
    const emptyHome = await mkdtemp(join(tmpdir(), 'hearth-home2-'));
    try {
      const elsewhere = await runCli(['login', '--email', email, '--server', server], {
        env: { HEARTH_HOME: emptyHome, HEARTH_PASSWORD: password },
      });
      expect(elsewhere.code).toBe(1);
      expect(elsewhere.stderr).toContain('locked to a Hearth manager whose credentials are not on this machine');
    } finally {
      await rm(emptyHome, { recursive: true, force: true });
    }
    const here = await runCli(['login', '--email', email, '--server', server, '--json'], {
      env: { HEARTH_HOME: home, HEARTH_PASSWORD: password },
    });
    expect(here.code, here.stderr).toBe(0);
    expect(JSON.parse(here.stdout)).toMatchObject({ webId: created.webId, managerClientId: created.managerClientId });
    const wrong = await runCli(['login', '--email', email, '--server', server], {
      env: { HEARTH_HOME: home, HEARTH_PASSWORD: 'not the password' },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^hearth: .*Invalid email\/password/u);
    expect(wrong.stderr).not.toContain('not the password');
  });
});

describe('hearth account create with bad input', () => {
  const server = inject('baseUrl');
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'hearth-home-bad-'));
  });
  afterAll(async () => rm(home, { recursive: true, force: true }));

  const create = async (name: string, email: string, env: Record<string, string>) =>
    runCli(['account', 'create', '--name', name, '--email', email, '--server', server], {
      env: { HEARTH_HOME: home, ...env },
    });

  it('refuses a missing or short password, and never takes one from argv', async () => {
    const none = await create(uniqueName('x'), 'x@example.org', { HEARTH_PASSWORD: '' });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('No password: pipe it with --password-stdin or set HEARTH_PASSWORD');
    const short = await create(uniqueName('x'), 'x@example.org', { HEARTH_PASSWORD: 'short' });
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('at least 8 characters');
    const argv = await runCli(
      ['account', 'create', '--name', 'x', '--email', 'x@example.org', '--password', 'hunter22hunter'],
      { env: { HEARTH_HOME: home } },
    );
    expect(argv.code).toBe(1);
    expect(argv.stderr).toContain("unknown option '--password'");
  });

  it('refuses a bad name, and a taken name without using up the email', async () => {
    const bad = await create('../etc', 'y@example.org', { HEARTH_PASSWORD: 'long enough pw' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('is not a usable account name');

    const name = uniqueName('dup');
    expect((await create(name, `${name}@example.org`, { HEARTH_PASSWORD: 'long enough pw' })).code).toBe(0);
    const clash = await create(name, `${name}-2@example.org`, { HEARTH_PASSWORD: 'long enough pw' });
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain(`The name "${name}" cannot be used`);
    // The email of the refused attempt is still free.
    const retry = await create(uniqueName('dup'), `${name}-2@example.org`, { HEARTH_PASSWORD: 'long enough pw' });
    expect(retry.stderr).toBe('');
    expect(retry.code).toBe(0);
  });

  it('says plainly when the server is not running', async () => {
    const port = await freePort();
    const gone = {
      server: `http://localhost:${port}/`,
      name: 'ghost',
      email: 'ghost@example.org',
      webId: `http://localhost:${port}/ghost/profile/card#me`,
      podUrl: `http://localhost:${port}/ghost/`,
      manager: { id: 'hearth-manager_x', secret: 'not-a-real-secret' },
      savedAt: new Date().toISOString(),
    };
    const ghostHome = await mkdtemp(join(tmpdir(), 'hearth-home-ghost-'));
    try {
      await saveAccount(ghostHome, gone);
      const result = await runCli(['whoami'], { env: { HEARTH_HOME: ghostHome } });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(
          `^hearth: Cannot reach http://localhost:${port}/ \\(connection refused\\)\\. Is the pod server running\\? ghost's pod lives there\\.\n$`,
          'u',
        ),
      );
      expect(result.stderr).not.toContain('not-a-real-secret');
    } finally {
      await rm(ghostHome, { recursive: true, force: true });
    }
  });

  it('refuses an email that already has a login', async () => {
    const name = uniqueName('mail');
    expect((await create(name, `${name}@example.org`, { HEARTH_PASSWORD: 'long enough pw' })).code).toBe(0);
    const again = await create(uniqueName('mail'), `${name}@example.org`, { HEARTH_PASSWORD: 'long enough pw' });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('There already is a login for this e-mail address');
  });
});
