// The server's fast paths (src/server/performance-hooks.ts: locks in memory, a cache of parsed ACRs) must answer
// exactly what the rules in force and the data on disk say: never a revoked grant, never a replaced version.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Parser } from 'n3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MemoryReadWriteLocker } from '../src/server/memory-locker.js';
import { unlockPod } from '../src/server/recover.js';
import { createUser, type TestUser } from './support/users.js';

const turtle = { 'content-type': 'text/turtle' };
const n3 = { 'content-type': 'text/n3' };

/** An ACR giving the public `modes` on the resource it is at (`target` relative to it), and below when a container. */
function publicAcr(target: string, modes: string[], container = false): string {
  const control = container
    ? 'acp:accessControl <#public>; acp:memberAccessControl <#public>'
    : 'acp:accessControl <#public>';
  return `@prefix acl: <http://www.w3.org/ns/auth/acl#>.
@prefix acp: <http://www.w3.org/ns/solid/acp#>.
<#acr> a acp:AccessControlResource; acp:resource <${target}>; ${control}.
<#public> a acp:AccessControl; acp:apply <#policy>.
<#policy> a acp:Policy; acp:allow ${modes.map((m) => `acl:${m}`).join(', ')}; acp:anyOf <#anyone>.
<#anyone> a acp:Matcher; acp:agent acp:PublicAgent.
`;
}

/** An ACR that gives nobody anything on the resource it is at. */
const emptyAcr = (target: string): string =>
  `<#acr> a <http://www.w3.org/ns/solid/acp#AccessControlResource>; <http://www.w3.org/ns/solid/acp#resource> <${target}>.\n`;

describe('the server answers as its rules and data are now', () => {
  const dataDir = inject('dataDir');
  const server = inject('baseUrl');
  let owner: TestUser;
  let area: string;
  let counter = 0;

  async function put(url: string, body: string, headers: Record<string, string> = turtle): Promise<void> {
    const response = await owner.session.fetch(url, { method: 'PUT', headers, body });
    expect(response.status, `PUT ${url}`).toBeLessThan(300);
  }

  /** A public document with its own ACR, read anonymously twice so that its rules are cached. */
  async function publicDocument(): Promise<string> {
    counter += 1;
    const doc = `${area}doc-${counter}.ttl`;
    await put(doc, `<#it> <http://schema.org/name> "version 0".\n`);
    await put(`${doc}.acr`, publicAcr(`./doc-${counter}.ttl`, ['Read']));
    for (let i = 0; i < 2; i += 1) expect((await fetch(doc)).status).toBe(200);
    return doc;
  }

  beforeAll(async () => {
    owner = await createUser(server, 'cache');
    area = `${owner.account.podUrl}cache-test/`;
    await put(`${area}seed.ttl`, '<#a> <#b> <#c>.\n');
  });

  afterAll(async () => {
    await owner.session.logout();
  });

  it('refuses the very next request after a grant is taken away by a PUT of the ACR', async () => {
    const doc = await publicDocument();
    await put(`${doc}.acr`, emptyAcr(doc));
    expect((await fetch(doc)).status).toBe(401);
    // And gives it back at once.
    await put(`${doc}.acr`, publicAcr(doc, ['Read']));
    expect((await fetch(doc)).status).toBe(200);
  });

  it('refuses the very next request after an N3 Patch of the ACR removes the grant', async () => {
    const doc = await publicDocument();
    const patch = await owner.session.fetch(`${doc}.acr`, {
      method: 'PATCH',
      headers: n3,
      body:
        '@prefix solid: <http://www.w3.org/ns/solid/terms#>.\n' +
        '_:p a solid:InsertDeletePatch; solid:deletes { <#public> <http://www.w3.org/ns/solid/acp#apply> <#policy>. }.\n',
    });
    expect(patch.status).toBeLessThan(300);
    expect((await fetch(doc)).status).toBe(401);
  });

  it('refuses the very next request after the ACR is deleted, or goes with its resource', async () => {
    const doc = await publicDocument();
    expect((await owner.session.fetch(`${doc}.acr`, { method: 'DELETE' })).status).toBeLessThan(300);
    expect((await fetch(doc)).status).toBe(401);

    const other = await publicDocument();
    expect((await owner.session.fetch(other, { method: 'DELETE' })).status).toBeLessThan(300);
    await put(other, '<#it> <http://schema.org/name> "again".\n');
    expect((await fetch(other)).status).toBe(401);
  });

  it('applies a container ACR written after its members were read, to them at once', async () => {
    const folder = `${area}folder-${Date.now()}/`;
    await put(`${folder}inner.ttl`, '<#x> <#y> <#z>.\n');
    expect((await fetch(`${folder}inner.ttl`)).status).toBe(401);
    await put(`${folder}.acr`, publicAcr('./', ['Read'], true));
    expect((await fetch(`${folder}inner.ttl`)).status).toBe(200);
    await put(`${folder}.acr`, emptyAcr('./'));
    expect((await fetch(`${folder}inner.ttl`)).status).toBe(401);
  });

  it('never lets a request started after a revocation answered through, while others read all along', async () => {
    const doc = await publicDocument();
    let revoked = false;
    let leaked = 0;
    let running = true;
    const reader = async (): Promise<void> => {
      while (running) {
        const startedAfter = revoked;
        const response = await fetch(doc);
        await response.arrayBuffer();
        if (startedAfter && response.status === 200) leaked += 1;
      }
    };
    const readers = Array.from({ length: 4 }, reader);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await put(`${doc}.acr`, emptyAcr(doc));
    revoked = true;
    await new Promise((resolve) => setTimeout(resolve, 300));
    running = false;
    await Promise.all(readers);
    expect(leaked).toBe(0);
    expect((await fetch(doc)).status).toBe(401);
  });

  it('answers the new body on the very next GET after each PUT', async () => {
    const doc = await publicDocument();
    for (let version = 1; version <= 15; version += 1) {
      await put(doc, `<#it> <http://schema.org/name> "version ${version}".\n`);
      const text = await (await fetch(doc, { headers: { accept: 'text/turtle' } })).text();
      expect(text).toContain(`"version ${version}"`);
    }
  });

  it('loses none of 50 concurrent N3 Patch inserts into one document', async () => {
    const doc = `${area}patched-${Date.now()}.ttl`;
    await put(doc, '<#start> <http://schema.org/name> "start".\n');
    const patches = Array.from({ length: 50 }, async (_, i) =>
      owner.session.fetch(doc, {
        method: 'PATCH',
        headers: n3,
        body:
          '@prefix solid: <http://www.w3.org/ns/solid/terms#>.\n' +
          `_:p a solid:InsertDeletePatch; solid:inserts { <#item${i}> <http://schema.org/position> ${i}. }.\n`,
      }),
    );
    const statuses = (await Promise.all(patches)).map((response) => response.status);
    expect(statuses.filter((status) => status >= 300)).toEqual([]);
    const text = await (await owner.session.fetch(doc, { headers: { accept: 'text/turtle' } })).text();
    const positions = new Parser({ baseIRI: doc })
      .parse(text)
      .filter((quad) => quad.predicate.value === 'http://schema.org/position')
      .map((quad) => `${quad.subject.value.split('#')[1]}=${quad.object.value}`)
      .sort();
    expect(positions).toEqual(Array.from({ length: 50 }, (_, i) => `item${i}=${i}`).sort());
  });

  it('shows a write of a resource’s .meta at once', async () => {
    const doc = await publicDocument();
    const before = await (await owner.session.fetch(`${doc}.meta`, { headers: { accept: 'text/turtle' } })).text();
    expect(before).not.toContain('cache-label');
    const patch = await owner.session.fetch(`${doc}.meta`, {
      method: 'PATCH',
      headers: n3,
      body:
        '@prefix solid: <http://www.w3.org/ns/solid/terms#>.\n' +
        `_:p a solid:InsertDeletePatch; solid:inserts { <${doc}> <http://www.w3.org/2000/01/rdf-schema#label> "cache-label". }.\n`,
    });
    expect(patch.status).toBeLessThan(300);
    const after = await (await owner.session.fetch(`${doc}.meta`, { headers: { accept: 'text/turtle' } })).text();
    expect(after).toContain('cache-label');
    expect((await fetch(doc)).status).toBe(200);
  });

  it('sees a root ACR written on disk behind the server’s back (admin unlock-pod) at the next request', async () => {
    const user = await createUser(server, 'cache-unlock');
    const root = user.account.podUrl;
    for (let i = 0; i < 2; i += 1) expect((await user.session.fetch(root)).status).toBe(200);
    const before = await readFile(join(dataDir, user.account.name, '.acr'), 'utf8');
    await unlockPod(dataDir, user.account.name);
    expect(await readFile(join(dataDir, user.account.name, '.acr'), 'utf8')).not.toBe(before);
    expect((await user.session.fetch(root)).status).toBe(403);
    await user.session.logout();
  });
});

describe("the server's in-memory locker", () => {
  const id = { path: 'http://localhost/pod/doc.ttl' };
  const pause = async (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('lets a request read a path again while a writer waits for it, as CSS does within one GET', async () => {
    const locker = new MemoryReadWriteLocker();
    const order: string[] = [];
    let writing: Promise<void> | undefined;
    await locker.withReadLock(id, async () => {
      writing = locker.withWriteLock(id, async () => {
        order.push('write');
      });
      await pause(10);
      // Queued behind the waiting writer, this would wait for it, and it for this: until the lock expired.
      await locker.withReadLock(id, async () => {
        order.push('second read');
      });
    });
    await writing;
    expect(order).toEqual(['second read', 'write']);
    expect(locker.size).toBe(0);
  });

  it('gives each writer the path alone, in the order they came, and readers never see a write half done', async () => {
    const locker = new MemoryReadWriteLocker();
    let value = 0;
    let writers = 0;
    const seen: string[] = [];
    const writes = Array.from({ length: 5 }, async (_, index) =>
      locker.withWriteLock(id, async () => {
        writers += 1;
        expect(writers).toBe(1);
        const before = value;
        await pause(2);
        value = before + 1;
        seen.push(`write ${index}`);
        writers -= 1;
      }),
    );
    const reads = Array.from({ length: 5 }, async () =>
      locker.withReadLock(id, async () => {
        expect(writers).toBe(0);
      }),
    );
    await Promise.all([...writes, ...reads]);
    expect(value).toBe(5);
    expect(seen).toEqual(['write 0', 'write 1', 'write 2', 'write 3', 'write 4']);
    expect(locker.size).toBe(0);
  });
});
