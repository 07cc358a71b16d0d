import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { AccountApi, ServerStartError, createAccount, openSession, startPodServer } from '../src/index.js';
import { runCli } from './support/cli.js';
import { freePort } from './support/ports.js';
import { compiledConfigFolder, compiledConfigKey, createAppWithCompiledConfig } from '../src/server/compiled-config.js';
import { podConfigFiles, podConfigVariables } from '../src/server/config.js';
import { hearthAppRunner } from '../src/server/css-hooks.js';

describe('the pod server', () => {
  const baseUrl = inject('baseUrl');
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('answers on its base URL with the account API', async () => {
    const response = await fetch(new URL('.account/', baseUrl), { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    const { controls } = (await response.json()) as { controls: { account: { create: string } } };
    expect(controls.account.create).toMatch(new RegExp(`^${baseUrl}`));
  });

  it('started from the compiled configuration, which did not fail', async () => {
    const files = await readdir(compiledConfigFolder);
    const compiled = `css-${await compiledConfigKey(podConfigFiles)}.cjs`;
    expect(files).toContain(compiled);
    expect(files).not.toContain(`${compiled}.failed`);
  });

  it("serves Hearth's consent page, which puts no app's text in as HTML (test/browser-consent runs it)", async () => {
    const response = await fetch(new URL('.account/oidc/consent/', baseUrl), { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('<title>An application is requesting access</title>');
    expect(page).toContain('.well-known/css/styles/main.css');
    expect(page).toContain('function safeUrl(value)');
    expect(page).not.toMatch(/insertAdjacentHTML|innerHTML|outerHTML|document\.write/u);
  });

  it('falls back to the Components.js-built configuration when the compiled one fails, noting why', async () => {
    // A configuration of its own (the server's, plus one empty file) has a cache entry of its own: the others' stay as
    // they are.
    const dir = await mkdtemp(join(tmpdir(), 'hearth-fallback-'));
    const extra = join(dir, 'extra.json');
    await writeFile(
      extra,
      JSON.stringify({
        '@context':
          'https://linkedsoftwaredependencies.org/bundles/npm/@solid/community-server/^7.0.0/components/context.jsonld',
        '@graph': [],
      }),
    );
    const config = [...podConfigFiles, extra];
    const module = join(compiledConfigFolder, `css-${await compiledConfigKey(config)}.cjs`);
    cleanup.push(async () => {
      for (const path of [module, `${module}.failed`, dir]) await rm(path, { recursive: true, force: true });
    });
    await writeFile(
      module,
      'module.exports = function () { throw new Error("this compiled module is broken on purpose"); };\n',
    );
    const port = await freePort();
    const url = `http://localhost:${port}/`;
    const css = await import('@solid/community-server');
    const app = await createAppWithCompiledConfig(() => hearthAppRunner(css, { baseUrl: url, host: '127.0.0.1' }), {
      config,
      loaderProperties: { logLevel: 'warn' },
      variableBindings: { ...podConfigVariables },
      shorthand: { port, baseUrl: url, rootFilePath: join(dir, 'data'), loggingLevel: 'error' },
    });
    await app.start();
    try {
      const response = await fetch(`${url}.account/`, { headers: { accept: 'application/json', connection: 'close' } });
      expect(response.status).toBe(200);
      await response.body?.cancel();
    } finally {
      await app.stop();
    }
    // The broken module is gone, and the note in its place says why, so that later starts go the normal way at once.
    expect(existsSync(module)).toBe(false);
    const note = await readFile(`${module}.failed`, 'utf8');
    expect(note.split('\n').slice(0, 2)).toEqual([
      `Could not build the config files from ${config.join(',')}`,
      'Error: this compiled module is broken on purpose',
    ]);
  }, 120_000);

  it('refuses a taken port with a typed error', async () => {
    const blocker = await listenOnFreePort();
    cleanup.push(async () => new Promise<void>((resolve) => blocker.server.close(() => resolve())));
    const error = await startPodServer({ port: blocker.port, dataDir: join(tmpdir(), 'hearth-never') }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServerStartError);
    expect((error as ServerStartError).code).toBe('PORT_IN_USE');
    expect((error as Error).message).toContain(`Port ${blocker.port} is already in use`);
  });

  it('`hearth serve` says plainly that the port is taken, exits non-zero, prints no stack', async () => {
    const blocker = await listenOnFreePort();
    cleanup.push(async () => new Promise<void>((resolve) => blocker.server.close(() => resolve())));
    const result = await runCli(['serve', '--port', String(blocker.port), '--data', join(tmpdir(), 'hearth-never')]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `hearth: Port ${blocker.port} is already in use. Stop what runs there or choose another with --port.`,
    );
    expect(result.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/u);
  });

  it('`hearth serve` refuses a data folder it cannot write', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hearth-file-'));
    cleanup.push(async () => rm(dir, { recursive: true, force: true }));
    const notAFolder = join(dir, 'plain-file');
    await writeFile(notAFolder, 'not a folder');
    const result = await runCli(['serve', '--port', String(await freePort()), '--data', join(notAFolder, 'data')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^hearth: The data folder .*plain-file\/data is not writable/u);
  });

  it('`hearth serve` starts, prints its URL, answers, and stops cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hearth-serve-'));
    cleanup.push(async () => rm(dir, { recursive: true, force: true }));
    const port = await freePort();
    const { spawn } = await import('node:child_process');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', String(port), '--data', dir],
      { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor(() => stdout.includes('ready at'), 60_000);
    expect(stdout).toContain(`Hearth pod server ready at http://localhost:${port}/`);
    const response = await fetch(`http://localhost:${port}/.account/`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('Stopped.');
  });

  it('`hearth serve` exits within seconds of SIGTERM with a WebSocket, stream and idle keep-alive open', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hearth-sigterm-'));
    cleanup.push(async () => rm(dir, { recursive: true, force: true }));
    const port = await freePort();
    const { spawn } = await import('node:child_process');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', String(port), '--data', dir],
      { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cleanup.push(async () => {
      child.kill('SIGKILL');
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    await waitFor(() => stdout.includes('ready at'), 60_000);
    const base = `http://localhost:${port}/`;
    const account = await createAccount({
      server: base,
      name: 'open',
      email: 'open@example.org',
      password: 'a long password',
    });
    // What an hour of use leaves open: an app session, a WebSocket channel, a notification stream, an idle keep-alive
    // socket.
    const session = await openSession({
      server: base,
      clientId: account.manager.id,
      clientSecret: account.manager.secret,
    });
    const topic = `${account.podUrl}profile/card`;
    const channel = await session.fetch(`${base}.notifications/WebSocketChannel2023/`, {
      method: 'POST',
      headers: { 'content-type': 'application/ld+json' },
      body: JSON.stringify({
        '@context': ['https://www.w3.org/ns/solid/notification/v1'],
        type: 'http://www.w3.org/ns/solid/notifications#WebSocketChannel2023',
        topic,
      }),
    });
    expect(channel.status).toBe(200);
    const { default: WebSocket } = await import('ws');
    const socket = new WebSocket(((await channel.json()) as { receiveFrom: string }).receiveFrom);
    const socketClosed = new Promise<number>((resolve) => socket.on('close', resolve));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const stream = await session.fetch(`${base}.notifications/StreamingHTTPChannel2023/${encodeURIComponent(topic)}`);
    expect(stream.status).toBe(200);
    const streamEnded = (async () => {
      const reader = stream.body!.getReader();
      for (;;) if ((await reader.read()).done) return 'ended';
    })().catch(() => 'cut');
    const { Agent, get } = await import('node:http');
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) =>
      get(`${base}.account/`, { agent }, (response) => {
        response.resume();
        response.on('end', resolve);
      }).on('error', reject),
    );
    expect(Object.values(agent.freeSockets).flat()).toHaveLength(1);

    const signalled = Date.now();
    child.kill('SIGTERM');
    const ended = await Promise.race([
      exited,
      new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 8_000)),
    ]);
    expect(ended).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(8_000);
    expect(stdout).toContain('Stopped.');
    expect(await socketClosed).toBe(1001);
    expect(await streamEnded).toBe('ended');
    agent.destroy();
    await session.logout();
  });

  it('keeps data across a restart on the same folder', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hearth-restart-'));
    cleanup.push(async () => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    let server = await startPodServer({ port, dataDir, logLevel: 'error' });
    const account = await createAccount({
      server: server.url,
      name: 'carol',
      email: 'carol@example.org',
      password: 'a long password',
    });
    let session = await openSession({
      server: server.url,
      clientId: account.manager.id,
      clientSecret: account.manager.secret,
    });
    // Another app of carol's, which the lock-down keeps out.
    const api = new AccountApi(server.url);
    await api.login(account.email, 'a long password');
    const other = await api.createClientCredential('other', account.webId);
    await api.logout();
    const note = `${account.podUrl}notes/first.ttl`;
    const put = await session.fetch(note, {
      method: 'PUT',
      headers: { 'content-type': 'text/turtle' },
      body: '<#it> <http://schema.org/text> "kept" .',
    });
    expect(put.status).toBe(201);
    await session.logout();
    await server.stop();

    server = await startPodServer({ port, dataDir, logLevel: 'error' });
    cleanup.push(async () => server.stop());
    session = await openSession({
      server: server.url,
      clientId: account.manager.id,
      clientSecret: account.manager.secret,
    });
    const read = await session.fetch(note, { headers: { accept: 'text/turtle' } });
    expect(read.status).toBe(200);
    expect(await read.text()).toContain('"kept"');
    // The lock-down survives too: another app of carol's gets nothing, while the manager keeps the root and its rule.
    const app = await openSession({ server: server.url, clientId: other.id, clientSecret: other.secret });
    for (const url of [account.podUrl, note, `${account.podUrl}.acr`])
      expect((await app.fetch(url)).status, url).toBe(403);
    expect((await session.fetch(account.podUrl)).status).toBe(200);
    expect(await (await session.fetch(`${account.podUrl}.acr`)).text()).toContain(account.manager.id);
    await app.logout();
    await session.logout();
  });
});

async function listenOnFreePort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return { server, port: (server.address() as { port: number }).port };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
