// An archive is a file anyone could have made: whatever it holds, `import` stays within bounded memory and time, and
// writes no document larger than its limit into the pod.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ArchiveError, exportPod, importPod } from '../src/index.js';
import { forgeArchive, type Entry } from './support/archive.js';
import { importInChild, type ChildImportReport } from './support/import-child.js';
import { createUser, type TestUser } from './support/users.js';

/** Peak memory and time an import may take, whatever the archive (a small pod alone takes some 140 MB and 3 s). */
const maxRssMb = 400;
const maxSeconds = 30;

async function gzip(from: string, to: string): Promise<void> {
  await pipeline(createReadStream(from), createGzip({ level: 9 }), createWriteStream(to));
}

/** An RDF list of `items` numbers: two triples an item, two bytes an item. */
const denseList = (items: number) => Buffer.from(`<#it> <#values> (${' 1'.repeat(items)} ).\n`);

describe('import is bounded, whatever the archive holds', () => {
  const server = inject('baseUrl');
  let work: string;
  let source: TestUser;
  let archive: string;
  /** The account imported into (each test writes its own documents), and a fresh one that nothing may reach. */
  let user: TestUser;
  let untouched: TestUser;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-bounded-'));
    [source, user, untouched] = await Promise.all([
      createUser(server, 'boundsrc'),
      createUser(server, 'boundinto'),
      createUser(server, 'boundnone'),
    ]);
    archive = join(work, 'source.tar.gz');
    await exportPod({
      fetch: source.session.fetch,
      podUrl: source.account.podUrl,
      webId: source.account.webId,
      out: archive,
      managerClientId: source.session.clientId,
    });
  });
  afterAll(async () => {
    for (const each of [source, user, untouched]) await each?.session.logout();
    await rm(work, { recursive: true, force: true });
  });

  /** The source archive with `entries` added (a `notes/` container first), gzipped: what an attacker hands over. */
  async function forged(name: string, entries: Entry[], edit?: Parameters<typeof forgeArchive>[2]): Promise<string> {
    const tar = join(work, `${name}.tar`);
    await forgeArchive(archive, tar, (all, manifest) => {
      all.push({ name: 'resources/notes/', type: 'directory', data: Buffer.alloc(0) }, ...entries);
      edit?.(all, manifest);
    });
    await gzip(tar, `${tar}.gz`);
    await rm(tar);
    return `${tar}.gz`;
  }

  /** Status and size of a document of the target pod. */
  async function inPod(owner: TestUser, path: string): Promise<{ status: number; bytes: number }> {
    const response = await owner.session.fetch(`${owner.account.podUrl}${path}`);
    return { status: response.status, bytes: (await response.arrayBuffer()).byteLength };
  }

  describe('an archive of dense and expanding Turtle, imported by a process of its own as `hearth import` runs', () => {
    let file: string;
    let report: ChildImportReport;

    beforeAll(async () => {
      const old = source.account.podUrl;
      const long = 'a'.repeat(1024 ** 2);
      // 40,000 triples and 20,000 blank nodes: within the limits, and already in the pod, so compared with what is
      // there.
      const list = { name: 'resources/notes/list.ttl', type: 'file', data: denseList(20_000) };
      await importPod({
        fetch: user.session.fetch,
        file: await forged('list', [list]),
        podUrl: user.account.podUrl,
        webId: user.account.webId,
        managerClientId: user.session.clientId,
      });
      file = await forged('hostile', [
        list,
        // 10 MB of `( 1 1 1 ... )`: 10 million triples.
        { name: 'resources/notes/dense.ttl', type: 'file', data: denseList(5 * 1024 ** 2) },
        // 1,000 uses of a 1 MB prefix: 1 GB of IRIs once the rewrite writes them out.
        {
          name: 'resources/notes/prefix.ttl',
          type: 'file',
          data: Buffer.from(
            `@prefix x: <${old}${long}>.\n<#s> <#p> ${Array.from({ length: 1000 }, (_, i) => `x:b${i}`).join(', ')}.\n`,
          ),
        },
        // 1,000 relative IRIs with dot segments under a 1 MB base: the parser makes each of them 1 MB.
        {
          name: 'resources/notes/base.ttl',
          type: 'file',
          data: Buffer.from(
            `@base <${old}${'a/'.repeat(512 * 1024)}>.\n<s> <p> ${Array.from(
              { length: 1000 },
              (_, i) => `<../b${i}>`,
            ).join(', ')}.\n`,
          ),
        },
      ]);
      report = await importInChild(
        {
          server,
          clientId: user.account.manager.id,
          clientSecret: user.account.manager.secret,
          podUrl: user.account.podUrl,
          file,
        },
        { timeoutMs: 90_000 },
      );
    }, 150_000);

    it('finishes within 400 MB and 30 s, from a file of 30 KB', async () => {
      expect((await stat(file)).size).toBeLessThan(30_000);
      expect(report.error).toBeUndefined();
      expect(report.maxRssMb).toBeLessThan(maxRssMb);
      expect(report.ms).toBeLessThan(maxSeconds * 1000);
    });

    it('refuses the 10 MB list of numbers with its reason, and imports the rest', async () => {
      expect(report.result!.refusedEntries).toContainEqual({
        entry: 'resources/notes/dense.ttl',
        limit: 'maxTriples',
        reason: 'it holds more than 100000 triples, the most Hearth reads of one document',
      });
      expect((await inPod(user, 'notes/dense.ttl')).status).toBe(404);
      expect((await inPod(user, 'notes/')).status).toBe(200);
    });

    it('refuses documents whose prefixes or base, written out many times, would take gigabytes', async () => {
      const reason = 'its IRIs and literals, written out, take more than 64 MiB';
      expect(report.result!.refusedEntries).toEqual(
        expect.arrayContaining([
          { entry: 'resources/notes/prefix.ttl', reason, limit: 'maxRdfBytes' },
          { entry: 'resources/notes/base.ttl', reason, limit: 'maxRdfBytes' },
        ]),
      );
      expect((await inPod(user, 'notes/prefix.ttl')).status).toBe(404);
      expect((await inPod(user, 'notes/base.ttl')).status).toBe(404);
    });

    it("takes a long list already in the pod again without comparing it with the pod's for hours", async () => {
      expect(report.result!.refusedEntries.filter((r) => r.entry.includes('list'))).toEqual([]);
      expect(await inPod(user, 'notes/list.ttl')).toMatchObject({ status: 200 });
    });
  });

  it('writes no document larger than the limit once rewritten for the new pod', async () => {
    const old = source.account.podUrl;
    // 3 KB of Turtle that the rewrite writes out as 200 KB; the limit is 64 KiB here.
    const file = await forged('written', [
      {
        name: 'resources/notes/wide.ttl',
        type: 'file',
        data: Buffer.from(
          `@prefix x: <${old}${'b'.repeat(2000)}>.\n<#s> <#p> ${Array.from({ length: 100 }, (_, i) => `x:c${i}`).join(
            ', ',
          )}.\n`,
        ),
      },
      { name: 'resources/notes/fine.ttl', type: 'file', data: Buffer.from(`<#s> <#p> <${old}notes/wide.ttl#s>.\n`) },
    ]);
    const result = await importPod({
      fetch: user.session.fetch,
      file,
      podUrl: user.account.podUrl,
      webId: user.account.webId,
      managerClientId: user.session.clientId,
      maxRdfBytes: 64 * 1024,
    });
    expect(result.refusedEntries).toContainEqual({
      entry: 'resources/notes/wide.ttl',
      limit: 'maxRdfBytes',
      reason: 'rewritten for the new pod it would be larger than 64 KiB, the most Hearth writes of one document',
    });
    expect((await inPod(user, 'notes/wide.ttl')).status).toBe(404);
    expect(await inPod(user, 'notes/fine.ttl')).toMatchObject({ status: 200 });
  });

  it('holds at most maxTriples triples of documents to write, however many large ones come in a row', async () => {
    const file = await forged(
      'inflight',
      Array.from({ length: 6 }, (_, i) => ({
        name: `resources/notes/list-${i}.ttl`,
        type: 'file',
        data: denseList(2000),
      })),
    );
    // Each write of a list takes a while, as on a slow server; what is in flight at once is recorded.
    let writing = 0;
    let most = 0;
    const slow: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (init?.method !== 'PUT' || !url.includes('/notes/list-')) return user.session.fetch(input, init);
      writing += 1;
      most = Math.max(most, writing);
      try {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return await user.session.fetch(input, init);
      } finally {
        writing -= 1;
      }
    };
    const result = await importPod({
      fetch: slow,
      file,
      podUrl: user.account.podUrl,
      webId: user.account.webId,
      managerClientId: user.session.clientId,
      maxTriples: 5000,
    });
    expect(result.refusedEntries.filter((r) => r.entry.includes('list-'))).toEqual([]);
    expect((await inPod(user, 'notes/list-5.ttl')).status).toBe(200);
    // Each list is 4,000 triples: two of them would be past the 5,000 allowed in flight.
    expect(most).toBe(1);
  });

  it("refuses a gzip bomb, and an archive past its total or its names' limit, before writing anything", async () => {
    const into = (file: string, limits: { maxTotalBytes?: number; maxManifestBytes?: number } = {}) =>
      importPod({
        fetch: untouched.session.fetch,
        file,
        podUrl: untouched.account.podUrl,
        webId: untouched.account.webId,
        managerClientId: untouched.session.clientId,
        ...limits,
      });
    // 100 MiB of zeros in a 100 KB file: far past the 64 MiB any archive may expand to before its ratio counts.
    const bomb = await forged(
      'bomb',
      [{ name: 'resources/notes/zeros.bin', type: 'file', data: Buffer.alloc(100 * 1024 ** 2) }],
      (_all, manifest) => {
        manifest.entries.push({
          name: 'resources/notes/zeros.bin',
          kind: 'binary',
          contentType: 'application/octet-stream',
          size: 0,
          sha256: '',
        });
      },
    );
    expect((await stat(bomb)).size).toBeLessThan(200_000);
    const refusal = into(bomb);
    await expect(refusal).rejects.toBeInstanceOf(ArchiveError);
    await expect(refusal).rejects.toThrow(
      'The archive expands to more than 200 times its size, far more than any pod archive: ' +
        'it looks like a compression bomb; refused.',
    );
    await expect(into(archive, { maxTotalBytes: 1000 })).rejects.toThrow(/holds more than 1000 bytes in all; refused/u);
    await expect(into(archive, { maxManifestBytes: 200 })).rejects.toThrow(
      /entry names take more than 200 bytes, more than its manifest may hold; refused/u,
    );
    expect((await inPod(untouched, 'notes/')).status).toBe(404);
  });
});
