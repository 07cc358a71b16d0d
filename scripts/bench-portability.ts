// `npm run bench portability`: export and import of a pod with many posts and images, against reading the same
// resources with plain GETs in the same run, and the peak memory of the exporting/importing process at two pod sizes.
// The pod server runs in a child process (`hearth serve` from source), and every export and import runs in a fresh
// child process of its own (this file with `worker`), so the peak memory measured is that of one export or import
// alone; its V8 heap is capped at 64 MB (BENCH_PORTABILITY_HEAP_MB), so memory that grew with the pod would make the
// run fail. Sizes: 1,000 and 10,000 posts with 5 MB of images per 1,000 posts (50 MB at 10,000);
// BENCH_PORTABILITY_QUICK=1 runs 200 and 1,000. BENCH_PORTABILITY_RUNS sets the runs per size (default 3; medians are
// printed). Then a hostile archive: a fresh pod's archive with a 10 MB RDF list of numbers added (some 15 KB gzipped),
// imported beside a normal archive of about the same file size (text posts), each into a fresh account;
// BENCH_PORTABILITY_ONLY=hostile runs that part alone.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { createAccount, openSession, type HearthSession, type StoredAccount } from '../src/index.js';
import { exportPod } from '../src/portability/node/export-file.js';
import { importPod } from '../src/portability/node/import-file.js';
import { parseTurtle, writeTurtle } from '../src/rdf.js';
import { postQuads, type Post } from '../src/social/model.js';
import { LDP } from '../src/vocab.js';
import { forgeArchive } from '../test/support/archive.js';
import { median, startBenchServer, type BenchServer } from './support.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const postsPerDay = 25;
/** The V8 heap limit of each export or import process, in MB (BENCH_PORTABILITY_HEAP_MB). */
const heapCapMb = Number(process.env.BENCH_PORTABILITY_HEAP_MB ?? 64);
const imageBytes = 200 * 1024;

/** Peak resident memory while `task` runs, sampled every 10 ms. */
async function withPeakRss<T>(task: () => Promise<T>): Promise<{ result: T; peakMb: number; ms: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const start = performance.now();
  try {
    const result = await task();
    return { result, peakMb: peak / 1024 ** 2, ms: performance.now() - start };
  } finally {
    clearInterval(timer);
  }
}

async function pool<T>(items: T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

async function put(session: HearthSession, url: string, type: string, body: string | Blob): Promise<void> {
  const response = await session.fetch(url, { method: 'PUT', headers: { 'content-type': type }, body });
  if (!response.ok) throw new Error(`PUT ${url}: ${response.status}`);
  await response.arrayBuffer();
}

/**
 * A pod with `posts` posts in day documents of 25, and 5 MB of random (incompressible) images per 1,000 posts (unless
 * not `withImages`).
 */
async function seed(
  server: string,
  posts: number,
  withImages = true,
): Promise<{ account: StoredAccount; session: HearthSession }> {
  const name = `bench-${posts}-${randomBytes(3).toString('hex')}`;
  const account = await createAccount({ server, name, email: `${name}@example.org`, password: 'bench password' });
  const session = await openSession({ server, clientId: account.manager.id, clientSecret: account.manager.secret });
  const days = Math.ceil(posts / postsPerDay);
  const images = withImages ? Math.round(((posts / 1000) * (5 * 1024 * 1024)) / imageBytes) : 0;
  await pool(
    Array.from({ length: images }, (_, i) => i),
    4,
    async (i) =>
      put(
        session,
        `${account.podUrl}social/media/img-${i}.png`,
        'image/png',
        new Blob([new Uint8Array(randomBytes(imageBytes))]),
      ),
  );
  await pool(
    Array.from({ length: days }, (_, d) => d),
    4,
    async (d) => {
      const date = new Date(Date.UTC(2020, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
      const doc = `${account.podUrl}social/posts/${date}.ttl`;
      const quads = Array.from({ length: Math.min(postsPerDay, posts - d * postsPerDay) }, (_, i): Post => ({
        url: `${doc}#p${i}`,
        author: account.webId,
        content: `Post ${i} of ${date}: ${'lorem ipsum '.repeat(8)}`,
        published: `${date}T10:${String(i).padStart(2, '0')}:00.000Z`,
        attachments:
          i === 0 && d < images ? [{ url: `${account.podUrl}social/media/img-${d}.png`, mediaType: 'image/png' }] : [],
      })).flatMap(postQuads);
      await put(session, doc, 'text/turtle', writeTurtle(quads));
    },
  );
  return { account, session };
}

/** Reads every resource of the pod with plain GETs, breadth-first, 4 at a time: the floor for an export. */
async function plainRead(session: HearthSession, podUrl: string): Promise<number> {
  let level = [podUrl];
  let count = 0;
  while (level.length) {
    const next: string[] = [];
    await pool(level, 4, async (url) => {
      const response = await session.fetch(url, {
        headers: { accept: url.endsWith('/') ? 'text/turtle' : 'text/turtle;q=1.0, */*;q=0.5' },
      });
      count += 1;
      if (url.endsWith('/')) {
        next.push(
          ...parseTurtle(await response.text(), url)
            .filter((q) => q.subject.value === url && q.predicate.value === `${LDP}contains`)
            .map((q) => q.object.value),
        );
      } else {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) void chunk;
      }
    });
    level = next;
  }
  return count;
}

interface WorkerJob {
  action: 'export' | 'import';
  server: string;
  clientId: string;
  clientSecret: string;
  podUrl: string;
  file: string;
}

interface WorkerResult {
  ms: number;
  peakRssMb: number;
  peakHeapMb: number;
  archiveBytes?: number;
  /** Entries an import did not take (past a limit, or not Turtle). */
  refused?: string[];
}

/** In a fresh process: one export or import, with its wall time and peak memory (RSS and heap, sampled every 10 ms). */
async function worker(job: WorkerJob): Promise<WorkerResult> {
  const session = await openSession({ server: job.server, clientId: job.clientId, clientSecret: job.clientSecret });
  let peakHeap = process.memoryUsage().heapUsed;
  const sampleHeap = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 10);
  try {
    const measured = await withPeakRss(async () =>
      job.action === 'export'
        ? {
            archiveBytes: (
              await exportPod({
                fetch: session.fetch,
                podUrl: job.podUrl,
                webId: session.webId,
                out: job.file,
                managerClientId: session.clientId,
              })
            ).archiveBytes,
          }
        : {
            refused: (
              await importPod({
                fetch: session.fetch,
                file: job.file,
                podUrl: job.podUrl,
                webId: session.webId,
                managerClientId: session.clientId,
              })
            ).refusedEntries
              .filter((r) => r.limit)
              .map((r) => r.entry),
          },
    );
    return { ms: measured.ms, peakRssMb: measured.peakMb, peakHeapMb: peakHeap / 1024 ** 2, ...measured.result };
  } finally {
    clearInterval(sampleHeap);
    await session.logout();
  }
}

/** Runs one job in a child process (credentials through the environment, never argv). */
async function inChild(job: WorkerJob): Promise<WorkerResult> {
  // The heap is capped: an export or import whose memory grew with the pod would fail here at 10,000 posts.
  const child = spawn(
    process.execPath,
    [`--max-old-space-size=${heapCapMb}`, '--import', 'tsx', fileURLToPath(import.meta.url), 'worker'],
    {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production', HEARTH_BENCH_JOB: JSON.stringify(job) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the ${job.action} worker failed (${code})`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as WorkerResult;
}

/** A fresh account on `server` to import into. */
async function freshAccount(server: string, label: string): Promise<StoredAccount> {
  const name = `into-${label}-${randomBytes(3).toString('hex')}`;
  return createAccount({ server, name, email: `${name}@example.org`, password: 'bench password' });
}

/**
 * Peak memory and time of importing a hostile archive (a fresh pod's, with a 10 MB RDF list of numbers added: 10
 * million triples in some 15 KB of gzip) beside a normal archive of about the same file size (text posts), medians of
 * `runs`.
 */
async function hostileRows(server: BenchServer, work: string, runs: number): Promise<string[]> {
  const job = (account: StoredAccount, action: WorkerJob['action'], file: string): WorkerJob => ({
    action,
    server: server.url,
    clientId: account.manager.id,
    clientSecret: account.manager.secret,
    podUrl: account.podUrl,
    file,
  });
  // The dense archive: a fresh pod's archive, the list added with its checksum (as anyone can), gzipped.
  const empty = await freshAccount(server.url, 'empty');
  const plainTar = join(work, 'empty.tar.gz');
  await inChild(job(empty, 'export', plainTar));
  const denseTar = join(work, 'dense.tar');
  await forgeArchive(plainTar, denseTar, (entries) => {
    entries.push(
      { name: 'resources/notes/', type: 'directory', data: Buffer.alloc(0) },
      {
        name: 'resources/notes/dense.ttl',
        type: 'file',
        data: Buffer.from(`<#it> <#values> (${' 1'.repeat(5 * 1024 ** 2)} ).\n`),
      },
    );
  });
  const dense = `${denseTar}.gz`;
  await pipeline(createReadStream(denseTar), createGzip({ level: 6 }), createWriteStream(dense));
  // The normal archive: text posts, as many as make about the same file size.
  const { account: normalPod, session } = await seed(server.url, 900, false);
  await session.logout();
  const normal = join(work, 'normal.tar.gz');
  await inChild(job(normalPod, 'export', normal));
  const rows: string[] = [];
  for (const [label, file] of [
    ['normal: 900 text posts', normal],
    ['dense: a 10 MB RDF list of numbers added to a fresh pod', dense],
  ] as const) {
    const measured: WorkerResult[] = [];
    for (let r = 0; r < runs; r++)
      measured.push(await inChild(job(await freshAccount(server.url, `${label.slice(0, 5)}${r}`), 'import', file)));
    const refused = [...new Set(measured.flatMap((m) => m.refused ?? []))];
    const fileKb = ((await stat(file)).size / 1024).toFixed(1);
    const seconds = (median(measured.map((m) => m.ms)) / 1000).toFixed(1);
    const peakRss = median(measured.map((m) => m.peakRssMb)).toFixed(0);
    const peakHeap = median(measured.map((m) => m.peakHeapMb)).toFixed(0);
    rows.push(`| ${label} | ${fileKb} | ${seconds} | ${peakRss} / ${peakHeap} | ${refused.join(', ') || 'none'} |`);
    process.stdout.write(`${rows.at(-1)}\n`);
  }
  return rows;
}

/** Runs the benchmark and prints a table. */
export async function run(): Promise<void> {
  const quick = process.env.BENCH_PORTABILITY_QUICK === '1';
  const sizes = process.env.BENCH_PORTABILITY_ONLY === 'hostile' ? [] : quick ? [200, 1000] : [1000, 10_000];
  const runs = Number(process.env.BENCH_PORTABILITY_RUNS ?? 3);
  const server = await startBenchServer('portability');
  const work = await mkdtemp(join(tmpdir(), 'hearth-bench-archives-'));
  const rows: string[] = [];
  const hostile: string[] = [];
  try {
    for (const posts of sizes) {
      const { account, session } = await seed(server.url, posts);
      const get: number[] = [];
      const exp: number[] = [];
      const imp: number[] = [];
      let exportPeak = 0;
      let importPeak = 0;
      let exportHeap = 0;
      let importHeap = 0;
      let resources = 0;
      let archiveMb = 0;
      for (let r = 0; r < runs; r++) {
        // Interleaved: plain GETs, export, import into a fresh account.
        const plain = await withPeakRss(() => plainRead(session, account.podUrl));
        get.push(plain.ms);
        resources = plain.result;
        const file = join(work, `pod-${posts}-${r}.tar.gz`);
        const exported = await inChild({
          action: 'export',
          server: server.url,
          clientId: account.manager.id,
          clientSecret: account.manager.secret,
          podUrl: account.podUrl,
          file,
        });
        exp.push(exported.ms);
        exportPeak = Math.max(exportPeak, exported.peakRssMb);
        exportHeap = Math.max(exportHeap, exported.peakHeapMb);
        archiveMb = (exported.archiveBytes ?? 0) / 1024 ** 2;
        const target = await createAccount({
          server: server.url,
          name: `into-${posts}-${r}-${randomBytes(2).toString('hex')}`,
          email: `into-${posts}-${r}-${randomBytes(2).toString('hex')}@example.org`,
          password: 'bench password',
        });
        const imported = await inChild({
          action: 'import',
          server: server.url,
          clientId: target.manager.id,
          clientSecret: target.manager.secret,
          podUrl: target.podUrl,
          file,
        });
        imp.push(imported.ms);
        importPeak = Math.max(importPeak, imported.peakRssMb);
        importHeap = Math.max(importHeap, imported.peakHeapMb);
        await rm(file, { force: true });
      }
      await session.logout();
      const g = median(get);
      const e = median(exp);
      const i = median(imp);
      rows.push(
        `| ${posts} | ${resources} | ${archiveMb.toFixed(1)} | ${(g / 1000).toFixed(1)} | ` +
          `${(e / 1000).toFixed(1)} | ${(e / g).toFixed(2)} | ${(i / 1000).toFixed(1)} | ${(i / g).toFixed(2)} | ` +
          `${exportPeak.toFixed(0)} / ${exportHeap.toFixed(0)} | ${importPeak.toFixed(0)} / ${importHeap.toFixed(0)} |`,
      );
      process.stdout.write(`${rows.at(-1)}\n`);
    }
    hostile.push(...(await hostileRows(server, work, runs)));
  } finally {
    await server.stop();
    await rm(work, { recursive: true, force: true });
  }
  const note =
    `Medians of ${runs} interleaved runs; server in a child process; peaks of the exporting/importing process ` +
    `(one fresh process each, heap capped at ${heapCapMb} MB).`;
  process.stdout.write(
    [
      ...(rows.length
        ? [
            '',
            note,
            '| posts | resources | archive MB | plain GETs s | export s | export/GETs | import s | import/GETs | ' +
              'export peak RSS / heap MB | import peak RSS / heap MB |',
            '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
            ...rows,
          ]
        : []),
      '',
      `Import of a hostile archive beside a normal one of about the same file size: medians of ${runs} runs, ` +
        `each into a fresh account, in a fresh process (heap capped at ${heapCapMb} MB).`,
      '| archive | file KB | import s | import peak RSS / heap MB | entries refused past a limit |',
      '| --- | --- | --- | --- | --- |',
      ...hostile,
      '',
    ].join('\n'),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv[2] === 'worker') {
    process.stdout.write(
      `${JSON.stringify(await worker(JSON.parse(process.env.HEARTH_BENCH_JOB ?? '{}') as WorkerJob))}\n`,
    );
    process.exit(0);
  } else await run();
}
