// `npm run bench start`: cold start of `hearth serve` beside stock CSS 7.2 (`-c @css:config/file-acp.json`),
// each spawned as its own process on a free port with a fresh temp data folder, timed from spawn to the first
// 200 answer of GET /.account/. Runs are interleaved; medians and ratios to stock are printed, with the
// resident memory (VmRSS) of the server process right after that first answer. Contenders:
//   hearth        `hearth serve`, with its compiled configuration cached (the usual start)
//   hearth-plain  startPodServer({ compiledConfig: false }): Components.js builds the configuration every time
//   hearth-first  `hearth serve` with the cache emptied before: the first start after an install or upgrade
//   stock         node node_modules/@solid/community-server/bin/server.js -c @css:config/file-acp.json
// With BENCH_START_ALTERNATIVES=1, two other ways of starting faster that were tried are measured as well:
//   alt-lean-modules  Components.js given only CSS's own module (no scan of node_modules, no other packages'
//                     components: Hearth's and CSS's configs use none), still parsing everything else
//   alt-quad-cache    the parsed component and config quads cached as JSON, fed to Components.js instead of
//                     parsing JSON-LD; Components.js still builds the objects from them
// BENCH_START_RUNS sets the runs per contender (default 7). Run `npm run build` first: it starts dist/.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledConfigFolder } from '../src/server/compiled-config.js';
import { freePort } from '../test/support/ports.js';
import { median } from './support.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cssBin = join(root, 'node_modules/@solid/community-server/bin/server.js');
const hearthBin = join(root, 'dist/cli/main.js');
const timeoutMs = 120_000;

/** One way of starting a server: the argv for `node`, given a port and a data folder. */
export interface Contender {
  name: string;
  argv: (port: number, dataDir: string) => string[];
  /** Extra environment for the process. */
  env?: Record<string, string>;
  /** Runs before the process is spawned, outside the timing. */
  before?: () => Promise<void>;
}

/** Runs the library's startPodServer (from dist/) in a process of its own, as `hearth serve` does. */
const plainScript = `
import { startPodServer } from ${JSON.stringify(join(root, 'dist/server/start.js'))};
const [port, dataDir] = process.argv.slice(-2);
const server = await startPodServer({ port: Number(port), dataDir, logLevel: 'error', compiledConfig: false });
process.once('SIGTERM', () => void server.stop());
`;

/**
 * Shared start of the alternative scripts: Hearth's runner and input, as start.ts builds them. In these scripts a
 * backslash at the end of a line continues that line of the generated code (it adds no character to the script).
 */
const altPrelude = `
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
const dist = ${JSON.stringify(join(root, 'dist/server/'))};
const require = createRequire(${JSON.stringify(join(root, 'package.json'))});
const css = require('@solid/community-server');
const cssRoot = dirname(require.resolve('@solid/community-server/package.json'));
const componentsJs = createRequire(join(cssRoot, 'package.json'))('componentsjs');
const { hearthAppRunner } = await import(dist + 'css-hooks.js');
const { podConfigFiles, podConfigVariables } = await import(dist + 'config.js');
const [port, dataDir] = process.argv.slice(-2);
const baseUrl = 'http://localhost:' + port + '/';
const input = { config: [...podConfigFiles], \
variableBindings: { ...podConfigVariables },
  shorthand: { port: Number(port), baseUrl, rootFilePath: dataDir, loggingLevel: 'error' } };
const runner = hearthAppRunner(css, { baseUrl, host: '127.0.0.1' });
async function leanModuleState() {
  const builder = new componentsJs.ModuleStateBuilder();
  const nodeModulePaths = [cssRoot, \
dirname(createRequire(join(cssRoot, 'package.json')).resolve('componentsjs/package.json'))];
  const packageJsons = await builder.buildPackageJsons(nodeModulePaths);
  await builder.preprocessPackageJsons(packageJsons);
  return { mainModulePath: cssRoot, nodeModuleImportPaths: builder.buildNodeModuleImportPaths(cssRoot), \
nodeModulePaths, packageJsons,
    componentModules: await builder.buildComponentModules(packageJsons), \
contexts: await builder.buildComponentContexts(packageJsons),
    importPaths: await builder.buildComponentImportPaths(packageJsons) };
}
async function serve(app) { await app.start(); process.once('SIGTERM', () => void app.stop()); }
`;

const leanModulesScript = `${altPrelude}
await serve(await runner.create({ ...input, loaderProperties: { logLevel: 'warn', moduleState: await leanModuleState(),
  moduleLoader: (registry) => registry.registerModule(join(cssRoot, 'dist/components/components.jsonld')) } }));
`;

/** The quad cache file; built (untimed) by the first alt-quad-cache run, which then starts from it. */
const quadCacheFile = join(tmpdir(), 'hearth-bench-start-quads.json');
const quadCacheScript = `${altPrelude}
const file = ${JSON.stringify(quadCacheFile)};
if (!existsSync(file)) {
  const quads = [];
  const tee = (stream) => { stream.on('data', (quad) => quads.push(quad)); return stream; };
  await runner.create({ ...input, config: [], loaderProperties: { logLevel: 'warn',
    moduleLoader: async (registry) => { const register = registry.registerModuleStream.bind(registry);
      registry.registerModuleStream = (stream) => register(tee(stream)); await registry.registerAvailableModules(); },
    configLoader: async (registry) => { const register = registry.registerStream.bind(registry);
      registry.registerStream = (stream) => register(tee(stream)); \
for (const config of input.config) await registry.register(config); } } });
  const terms = [], index = new Map(), flat = [];
  const id = (t) => { const key = JSON.stringify([t.termType, t.value, t.language, t.datatype?.value]); \
let i = index.get(key);
    if (i === undefined) { i = terms.push(t.termType === 'Literal' ? ['L', t.value, t.language, t.datatype.value] \
: [t.termType[0], t.value]) - 1; index.set(key, i); } return i; };
  for (const q of quads) flat.push(id(q.subject), id(q.predicate), id(q.object), id(q.graph));
  writeFileSync(file, JSON.stringify({ terms, quads: flat }));
  process.exit(0);
}
const { DataFactory } = require('n3');
const data = JSON.parse(readFileSync(file, 'utf8'));
const terms = data.terms.map((t) => t[0] === 'N' ? DataFactory.namedNode(t[1]) \
: t[0] === 'B' ? DataFactory.blankNode(t[1])
  : t[0] === 'D' ? DataFactory.defaultGraph() : DataFactory.literal(t[1], t[2] || DataFactory.namedNode(t[3])));
const quads = [];
for (let i = 0; i < data.quads.length; i += 4) quads.push(DataFactory.quad(terms[data.quads[i]], \
terms[data.quads[i + 1]], terms[data.quads[i + 2]], terms[data.quads[i + 3]]));
await serve(await runner.create({ ...input, config: [], loaderProperties: { logLevel: 'warn', \
moduleState: await leanModuleState(),
  moduleLoader: (registry) => registry.registerModuleStream(Readable.from(quads)) } }));
`;

/** Other ways to start faster that were tried; measured with BENCH_START_ALTERNATIVES=1. */
export const alternatives: Contender[] = [
  {
    name: 'alt-lean-modules',
    argv: (port, data) => ['--input-type=module', '-e', leanModulesScript, String(port), data],
  },
  { name: 'alt-quad-cache', argv: (port, data) => ['--input-type=module', '-e', quadCacheScript, String(port), data] },
];

/** The servers always measured. */
export const contenders: Contender[] = [
  { name: 'hearth', argv: (port, data) => [hearthBin, 'serve', '--port', String(port), '--data', data] },
  { name: 'hearth-plain', argv: (port, data) => ['--input-type=module', '-e', plainScript, String(port), data] },
  {
    name: 'hearth-first',
    argv: (port, data) => [hearthBin, 'serve', '--port', String(port), '--data', data],
    before: async () => rm(compiledConfigFolder, { recursive: true, force: true }),
  },
  { name: 'stock', argv: (port, data) => [cssBin, '-c', '@css:config/file-acp.json', '-p', String(port), '-f', data] },
];

interface Sample {
  ms: number;
  rssMb: number;
}

/** Starts one server, waits for its first 200 on /.account/, records time and RSS, then stops it. */
export async function startOnce(contender: Contender): Promise<Sample> {
  await contender.before?.();
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), `hearth-bench-start-${contender.name}-`));
  const started = performance.now();
  const child = spawn(process.execPath, contender.argv(port, dataDir), {
    cwd: root,
    env: { ...process.env, ...contender.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitForAccount(port, child, () => stderr);
    const ms = performance.now() - started;
    const rssMb = await residentMb(child.pid);
    return { ms, rssMb };
  } finally {
    await stop(child);
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function waitForAccount(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr()}`);
    try {
      const response = await fetch(`http://localhost:${port}/.account/`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no answer within ${timeoutMs} ms: ${stderr()}`);
}

async function residentMb(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/mu.exec(status)?.[1];
    return kb === undefined ? Number.NaN : Number(kb) / 1024;
  } catch {
    return Number.NaN;
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Runs the alt-quad-cache script once without a cache file: it records the quads, writes them and exits. */
async function buildQuadCache(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hearth-bench-start-quads-'));
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', quadCacheScript, String(await freePort()), dataDir],
    { cwd: root, stdio: 'inherit' },
  );
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  await rm(dataDir, { recursive: true, force: true });
  if (code !== 0 || !existsSync(quadCacheFile)) throw new Error('could not build the quad cache');
}

/** Runs every contender `runs` times, interleaved, after one unrecorded warm-up round (disk cache). */
export async function run(extra: Contender[] = []): Promise<void> {
  if (!existsSync(hearthBin)) throw new Error('dist/cli/main.js is missing: run `npm run build` first');
  const all = [...contenders, ...(process.env.BENCH_START_ALTERNATIVES === '1' ? alternatives : []), ...extra];
  await rm(quadCacheFile, { force: true });
  if (all.some((c) => c.name === 'alt-quad-cache')) await buildQuadCache();
  const runs = Number(process.env.BENCH_START_RUNS ?? 7);
  const samples = new Map<string, Sample[]>(all.map((c) => [c.name, []]));
  for (const contender of all) await startOnce(contender);
  for (let i = 0; i < runs; i += 1) {
    for (const contender of all) {
      const sample = await startOnce(contender);
      samples.get(contender.name)!.push(sample);
      process.stdout.write(
        `  run ${i + 1} ${contender.name}: ${sample.ms.toFixed(0)} ms, ${sample.rssMb.toFixed(0)} MB\n`,
      );
    }
  }
  const stockMs = median(samples.get('stock')!.map((s) => s.ms));
  process.stdout.write(`\ncold start to first GET /.account/ 200, median of ${runs} interleaved runs\n`);
  process.stdout.write(
    '| server | median ms | min ms | max ms | / stock | RSS MB after start |\n| --- | --- | --- | --- | --- | --- |\n',
  );
  for (const contender of all) {
    const list = samples.get(contender.name)!;
    const ms = list.map((s) => s.ms);
    const med = median(ms);
    process.stdout.write(
      `| ${contender.name} | ${med.toFixed(0)} | ${Math.min(...ms).toFixed(0)} | ${Math.max(...ms).toFixed(0)} | ` +
        `${(med / stockMs).toFixed(2)} | ${median(list.map((s) => s.rssMb)).toFixed(0)} |\n`,
    );
  }
  const hearthMs = median(samples.get('hearth')!.map((s) => s.ms));
  const plainMs = median(samples.get('hearth-plain')!.map((s) => s.ms));
  const cached = (await readdir(compiledConfigFolder).catch(() => [])).join(', ') || '(empty)';
  process.stdout.write(
    `\nhearth / hearth-plain: ${(hearthMs / plainMs).toFixed(2)}; compiled-configuration cache: ${cached}\n`,
  );
}
