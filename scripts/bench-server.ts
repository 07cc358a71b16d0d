// `npm run bench server`: Hearth's pod server against stock CSS 7.2, side by side in one run. Both are spawned as
// child processes on free ports with temp data folders: stock `community-solid-server -c @css:config/file-acp.json`
// from node_modules, and Hearth's `startPodServer` from dist/ (as `hearth serve` runs it); both at log level `warn`
// (Hearth's default; stock's is `info`). On each, `createAccount` makes an account with a pod (Hearth's lock-down
// runs on both), the manager then writes `<pod>open/put.ttl`, `<pod>open/patch.ttl` (~1 KB of Turtle each) and an ACR
// `<pod>open/.acr` giving the public Read and Write on `open/` and below: the writes below are anonymous, like the GET.
// Cases, each at concurrency 1 and 16 with autocannon: GET of the public WebID profile (`profile/card`, Turtle), PUT
// of ~1 KB of Turtle over `open/put.ttl`, and an N3 Patch inserting one triple into `open/patch.ttl` (always the same
// triple, so the document keeps its size). After a warm-up of each case on each server, BENCH_SERVER_ROUNDS (default
// 3) interleaved rounds of BENCH_SERVER_SECONDS (default 4) per case and server: stock, hearth, stock, hearth, ...
// Medians of requests per second, p50 and p99 latency, and the ratio hearth/stock are printed. Any answer that is not
// 2xx makes the run fail. BENCH_SERVER_PROFILE=<folder> runs both servers with `node --cpu-prof` into that folder.
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createAccount } from '../src/account/provision.js';
import { openSession } from '../src/auth/session.js';
import { log, median, root, spawnBenchServer } from './support.js';

const rounds = Number(process.env.BENCH_SERVER_ROUNDS ?? 3);
const seconds = Number(process.env.BENCH_SERVER_SECONDS ?? 4);
const profileDir = process.env.BENCH_SERVER_PROFILE;
/** The part of autocannon used here (it ships no types). */
type Autocannon = (options: {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  connections: number;
  duration: number;
}) => Promise<{
  non2xx: number;
  errors: number;
  timeouts: number;
  requests: { total: number };
  latency: { p50: number; p99: number };
}>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
const cssBin = join(root, 'node_modules/@solid/community-server/bin/server.js');

/** Runs Hearth's startPodServer from dist/ in a process of its own; SIGTERM stops it and exits. */
const hearthScript = `
import { startPodServer } from ${JSON.stringify(join(root, 'dist/server/start.js'))};
const [port, dataDir] = process.argv.slice(-2);
const server = await startPodServer({ port: Number(port), dataDir, logLevel: 'warn' });
process.once('SIGTERM', () => void server.stop().finally(() => process.exit(0)));
`;

interface Server {
  name: 'stock' | 'hearth';
  url: string;
  stop(): Promise<void>;
}

/** A document of about 1 KB of Turtle. */
const turtle = Array.from(
  { length: 12 },
  (_, i) => `<#item${i}> <http://schema.org/name> "Item number ${i} of the benchmark document, some text".\n`,
).join('');
const n3Patch =
  '@prefix solid: <http://www.w3.org/ns/solid/terms#>.\n' +
  '_:patch a solid:InsertDeletePatch; solid:inserts { <#patched> <http://schema.org/name> "patched". }.\n';
const publicWriteAcr = `@prefix acl: <http://www.w3.org/ns/auth/acl#>.
@prefix acp: <http://www.w3.org/ns/solid/acp#>.
<#acr> a acp:AccessControlResource; acp:resource <./>; acp:accessControl <#public>; acp:memberAccessControl <#public>.
<#public> a acp:AccessControl; acp:apply [ a acp:Policy; acp:allow acl:Read, acl:Write;
  acp:anyOf [ a acp:Matcher; acp:agent acp:PublicAgent ] ].
`;

interface Case {
  name: string;
  connections: number;
  request: (pod: string) => {
    url: string;
    method: 'GET' | 'PUT' | 'PATCH';
    headers: Record<string, string>;
    body?: string;
  };
}

const kinds: Omit<Case, 'connections'>[] = [
  {
    name: 'GET profile',
    request: (pod) => ({ url: `${pod}profile/card`, method: 'GET', headers: { accept: 'text/turtle' } }),
  },
  {
    name: 'PUT 1 KB',
    request: (pod) => ({
      url: `${pod}open/put.ttl`,
      method: 'PUT',
      headers: { 'content-type': 'text/turtle' },
      body: turtle,
    }),
  },
  {
    name: 'N3 Patch',
    request: (pod) => ({
      url: `${pod}open/patch.ttl`,
      method: 'PATCH',
      headers: { 'content-type': 'text/n3' },
      body: n3Patch,
    }),
  },
];
const cases: Case[] = kinds.flatMap((kind) => [1, 16].map((connections) => ({ ...kind, connections })));

interface Sample {
  rps: number;
  p50: number;
  p99: number;
}

async function startServer(name: Server['name']): Promise<Server> {
  const server = await spawnBenchServer(`server-${name}`, async (port, dataDir) => {
    const profiling: string[] = [];
    if (profileDir) {
      const exitOnTerm = join(dataDir, '..', `hearth-bench-exit-${port}.cjs`);
      await writeFile(exitOnTerm, "process.once('SIGTERM', () => setTimeout(() => process.exit(0), 2000));\n");
      profiling.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}-${port}.cpuprofile`);
      if (name === 'stock') profiling.push('--require', exitOnTerm);
    }
    return name === 'stock'
      ? [...profiling, cssBin, '-c', '@css:config/file-acp.json', '-p', String(port), '-f', dataDir, '-l', 'warn']
      : [...profiling, '--input-type=module', '-e', hearthScript, String(port), dataDir];
  });
  return { name, url: server.url, stop: server.stop };
}

/** Makes the account and pod, the public-write container and its documents; answers the pod's URL. */
async function setUp(server: Server): Promise<string> {
  const account = await createAccount({
    server: server.url,
    name: 'bench',
    email: 'bench@example.org',
    password: 'bench password 1',
  });
  const session = await openSession({
    server: server.url,
    clientId: account.manager.id,
    clientSecret: account.manager.secret,
  });
  const pod = account.podUrl;
  for (const [path, body] of [
    ['open/put.ttl', turtle],
    ['open/patch.ttl', turtle],
    ['open/.acr', publicWriteAcr],
  ] as const) {
    const response = await session.fetch(`${pod}${path}`, {
      method: 'PUT',
      headers: { 'content-type': 'text/turtle' },
      body,
    });
    if (!response.ok) throw new Error(`${server.name}: PUT ${path} answered ${response.status}`);
  }
  await session.logout();
  for (const kind of kinds) {
    const { url, method, headers, body } = kind.request(pod);
    const response = await fetch(url, { method, headers, body });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${server.name}: anonymous ${method} ${url} answered ${response.status}`);
  }
  return pod;
}

async function load(pod: string, test: Case, duration: number): Promise<Sample> {
  const { url, method, headers, body } = test.request(pod);
  const result = await autocannon({ url, method, headers, body, connections: test.connections, duration });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${test.name} on ${url}: ${failed} of ${result.requests.total} requests failed`);
  return { rps: result.requests.total / duration, p50: result.latency.p50, p99: result.latency.p99 };
}

export async function run(): Promise<void> {
  const servers: Server[] = [];
  try {
    for (const name of ['stock', 'hearth'] as const) servers.push(await startServer(name));
    const pods = new Map<string, string>();
    for (const server of servers) pods.set(server.name, await setUp(server));
    const samples = new Map<string, Sample[]>();
    for (const test of cases) for (const server of servers) await load(pods.get(server.name)!, test, 2);
    for (let round = 1; round <= rounds; round += 1) {
      for (const test of cases) {
        for (const server of servers) {
          const sample = await load(pods.get(server.name)!, test, seconds);
          const key = `${test.name}|${test.connections}|${server.name}`;
          samples.set(key, [...(samples.get(key) ?? []), sample]);
        }
      }
      log(`  round ${round} of ${rounds} done`);
    }
    log(`\nmedians of ${rounds} interleaved rounds of ${seconds} s (autocannon; req/s, latency in ms)`);
    log('| case | conc. | stock req/s | hearth req/s | hearth/stock | stock p50/p99 | hearth p50/p99 |');
    log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const test of cases) {
      const of = (name: string): Sample => {
        const list = samples.get(`${test.name}|${test.connections}|${name}`)!;
        return {
          rps: median(list.map((s) => s.rps)),
          p50: median(list.map((s) => s.p50)),
          p99: median(list.map((s) => s.p99)),
        };
      };
      const [stock, hearth] = [of('stock'), of('hearth')];
      log(
        `| ${test.name} | ${test.connections} | ${stock.rps.toFixed(0)} | ${hearth.rps.toFixed(0)} | ` +
          `**${(hearth.rps / stock.rps).toFixed(2)}** | ${stock.p50} / ${stock.p99} | ${hearth.p50} / ${hearth.p99} |`,
      );
    }
  } finally {
    for (const server of servers) await server.stop();
  }
}
