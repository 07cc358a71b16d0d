// Revoking a client-credential app deletes its credential through the account API, with the account's login. Where
// that credential lives is asked of the account API itself: a URL in the record of apps (which an imported archive, or
// anything else that wrote the record, may have put there) never receives the account's token.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AccountApi,
  AccountApiError,
  exportPod,
  importPod,
  listGrants,
  registerApp,
  revokeApp,
  type PodOwner,
} from '../src/index.js';
import { readRecord } from '../src/access/record.js';
import { forgeArchive } from './support/archive.js';
import { freePort } from './support/ports.js';
import { createUser, type TestUser } from './support/users.js';

describe("an app's credential URL is never taken from the record", () => {
  const server = inject('baseUrl');
  let alice: TestUser;
  let owner: PodOwner;
  let thief: Server;
  let stealUrl: string;
  const stolen: string[] = [];
  const folder = mkdtemp(join(tmpdir(), 'hearth-cred-'));

  beforeAll(async () => {
    alice = await createUser(server, 'cred-alice');
    owner = {
      fetch: alice.session.fetch,
      podUrl: alice.account.podUrl,
      webId: alice.account.webId,
      managerClientId: alice.account.manager.id,
    };
    // Someone's server, waiting for the account's token.
    const port = await freePort();
    stealUrl = `http://127.0.0.1:${port}/steal`;
    thief = createServer((request, response) => {
      stolen.push(`${request.method} ${request.headers.authorization ?? ''} ${request.headers.cookie ?? ''}`);
      response.end();
    });
    await new Promise<void>((resolve) => thief.listen(port, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await alice?.session.logout();
    await new Promise<void>((resolve) => thief?.close(() => resolve()));
    await rm(await folder, { recursive: true, force: true });
  });

  it('revoking an app whose record names another server as its credential sends it nothing', async () => {
    await registerApp(owner, {
      id: 'old-backup_0d6a5a1e-0000-4000-8000-000000000001',
      name: 'Old backup tool',
      kind: 'client-credential',
      credentialResource: stealUrl,
    });
    const deleteCredential = { server, email: alice.account.email, password: async () => alice.password };
    await revokeApp(owner, 'Old backup tool', { deleteCredential });
    expect(stolen).toEqual([]);
    expect((await listGrants(owner)).map((app) => app.name)).not.toContain('Old backup tool');
  });

  it('the account API refuses to send its login to any other server', async () => {
    const api = new AccountApi(server);
    await api.login(alice.account.email, alice.password);
    await expect(api.deleteResource(stealUrl)).rejects.toBeInstanceOf(AccountApiError);
    expect(stolen).toEqual([]);
  });

  it('an archive naming this pod and WebID cannot plant a credential URL in the record', async () => {
    await registerApp(owner, {
      id: 'sync-tool_0d6a5a1e-0000-4000-8000-000000000002',
      name: 'Sync tool',
      kind: 'client-credential',
      credentialResource: `${server}.account/account/x/client-credentials/y/`,
    });
    const dir = await folder;
    const archive = join(dir, 'alice.tar.gz');
    const forged = join(dir, 'forged.tar');
    const parties = {
      fetch: alice.session.fetch,
      podUrl: alice.account.podUrl,
      webId: alice.account.webId,
      managerClientId: alice.session.clientId,
    };
    await exportPod({ ...parties, out: archive });
    await forgeArchive(archive, forged, (entries) => {
      const record = entries.find((entry) => entry.name.endsWith('settings/hearth-apps.ttl'))!;
      record.data = Buffer.from(
        record.data.toString('utf8').replace(/<[^>]*\.account\/account\/x\/client-credentials\/y\/>/u, `<${stealUrl}>`),
      );
      expect(record.data.toString('utf8')).toContain(stealUrl);
    });
    // The record must be written by the import: it goes first.
    await registerApp(owner, { id: 'placeholder_1', name: 'Placeholder', kind: 'client-credential' });
    await importPod({ ...parties, file: forged });
    const apps = await readRecord(owner);
    expect(apps.map((app) => app.credentialResource).filter(Boolean)).not.toContain(stealUrl);
    await revokeApp(owner, 'Sync tool', {
      deleteCredential: { server, email: alice.account.email, password: async () => alice.password },
    });
    expect(stolen).toEqual([]);
  });
});
