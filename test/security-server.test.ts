// The pod server attacked from outside: by a neighbour account, by another user of the machine, by anyone on the
// network, by whoever reads the server's log, by someone probing paths. Each test fails on a server without its fix.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AccountApi,
  createAccount,
  deleteAccountOnServer,
  loginAccount,
  openSession,
  saveAccount,
  startPodServer,
  type PodServer,
  type StoredAccount,
} from '../src/index.js';
import { runCli } from './support/cli.js';
import { freePort } from './support/ports.js';
import { uniqueName } from './support/users.js';

const root = join(import.meta.dirname, '..');

describe('deleting an account', () => {
  const server = inject('baseUrl');
  const dataDir = inject('dataDir');

  it("leaves alone an account whose name and email contain the deleted one's", async () => {
    const tag = randomBytes(4).toString('hex');
    const shortPassword = `short password ${tag}`;
    const longPassword = `long password ${tag}`;
    const short = await createAccount({
      server,
      name: `a${tag}`,
      email: `x${tag}@example.org`,
      password: shortPassword,
    });
    const long = await createAccount({
      server,
      name: `ba${tag}`,
      email: `bx${tag}@example.org`,
      password: longPassword,
    });
    // The long one also has a live account session and a notification channel on its pod.
    const api = new AccountApi(server);
    await api.login(long.email, longPassword);
    const accountId = /\/\.account\/account\/([^/]+)\//u.exec((await api.controls()).account?.pod ?? '')?.[1];
    expect(accountId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u);
    const longSession = await openSession({ server, clientId: long.manager.id, clientSecret: long.manager.secret });
    const channel = await subscribe(longSession.fetch, server, long.podUrl);
    expect(channel.status).toBe(200);
    const needles = [
      accountId!,
      long.email,
      encodeURIComponent(long.email),
      long.podUrl,
      encodeURIComponent(long.podUrl),
    ];
    const before = await filesNaming(join(dataDir, '.internal'), needles);
    expect([...before.keys()].some((path) => path.includes('/accounts/cookies/'))).toBe(true);
    expect([...before.keys()].some((path) => path.includes('/notifications/'))).toBe(true);

    const shortSession = await openSession({ server, clientId: short.manager.id, clientSecret: short.manager.secret });
    const report = await deleteAccountOnServer(shortSession.fetch, server, short.podUrl);
    expect(report.deleted).toEqual([short.podUrl]);
    await expect(new AccountApi(server).login(short.email, shortPassword)).rejects.toThrow(/Invalid email\/password/u);

    // Every record of the long account is still there, unchanged. Its record of app use (app-use.ts) is written by the
    // server on its own schedule, so only its presence is compared.
    const after = await filesNaming(join(dataDir, '.internal'), needles);
    const appUse = (path: string) => path.includes('/.internal/hearth/app-use/');
    const settled = (files: Map<string, string>) => new Map([...files].filter(([path]) => !appUse(path)));
    expect(settled(after)).toEqual(settled(before));
    for (const path of before.keys()) if (appUse(path)) expect(after.has(path), path).toBe(true);
    // It still logs in with its password, through the API and through Hearth.
    const again = new AccountApi(server);
    await again.login(long.email, longPassword);
    expect(Object.keys(await again.listPods())).toEqual([long.podUrl]);
    await again.logout();
    expect((await loginAccount({ server, email: long.email, password: longPassword, known: [long] })).manager.id).toBe(
      long.manager.id,
    );
    // Its session still works, so does its manager credential, and its pod answers.
    expect(Object.keys(await api.listPods())).toEqual([long.podUrl]);
    await api.logout();
    const manager = await openSession({ server, clientId: long.manager.id, clientSecret: long.manager.secret });
    expect(await statusOf(manager.fetch, long.podUrl)).toBe(200);
    expect(await statusOf(fetch, long.webId)).toBe(200);
    await manager.logout();
    await longSession.logout();
  });
});

describe('the data folder and the network', () => {
  let tmp: string;
  let server: PodServer;
  let account: StoredAccount;
  const password = `a long password ${randomBytes(4).toString('hex')}`;
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'hearth-sec-'));
    server = await startPodServer({ port: await freePort(), dataDir: join(tmp, 'fresh', 'data'), logLevel: 'error' });
    account = await createAccount({
      server: server.url,
      name: uniqueName('private'),
      email: `${uniqueName('private')}@example.org`,
      password,
    });
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
    await server?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('creates the data folder and everything in it private to the user running the server', async () => {
    const session = await openSession({
      server: server.url,
      clientId: account.manager.id,
      clientSecret: account.manager.secret,
    });
    const put = await session.fetch(`${account.podUrl}notes/diary.ttl`, {
      method: 'PUT',
      headers: { 'content-type': 'text/turtle' },
      body: '<#d> <http://schema.org/text> "mine" .',
    });
    expect(put.status).toBe(201);
    await session.logout();
    expect(server.warnings).toEqual([]);
    // The identity provider's private keys are among what was checked.
    expect(
      (await readdir(join(server.dataDir, '.internal', 'idp', 'keys'))).some((name) => name.startsWith('jwks')),
    ).toBe(true);
    expect(await openToOthers(join(tmp, 'fresh'))).toEqual([]);
    // The check sees a file others may read: a probe made so beside the data folder is reported.
    const probe = join(tmp, 'fresh', 'probe');
    await writeFile(probe, 'x', { mode: 0o644 });
    await chmod(probe, 0o644);
    expect(await openToOthers(join(tmp, 'fresh'))).toEqual([`${probe} 644`]);
    await rm(probe);
  });

  it('listens on this machine only by default: other addresses are refused, localhost answers', async () => {
    const port = Number(new URL(server.url).port);
    expect(server.host).toBe('127.0.0.1');
    expect(otherAddresses().length).toBeGreaterThanOrEqual(process.platform === 'linux' ? 1 : 0);
    for (const address of otherAddresses()) expect(await connects(address, port), address).toBe(false);
    expect(await connects('127.0.0.1', port)).toBe(true);
    expect(await statusOf(fetch, `${server.url}.account/`)).toBe(200);
    // Where `localhost` resolves to ::1 first, Node's connection falls back to 127.0.0.1.
    expect(
      await statusVia(`${server.url}.account/`, [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ]),
    ).toBe(200);
  });

  it.skipIf(otherAddresses().length === 0)(
    'opens to the network with `host: 0.0.0.0`, and warns of an existing data folder others can read',
    async () => {
      const open = await mkdtemp(join(tmpdir(), 'hearth-open-'));
      cleanup.push(async () => rm(open, { recursive: true, force: true }));
      await chmod(open, 0o755);
      const port = await freePort();
      const wide = await startPodServer({ port, host: '0.0.0.0', dataDir: open, logLevel: 'error' });
      cleanup.push(async () => wide.stop());
      for (const address of otherAddresses()) expect(await connects(address, port), address).toBe(true);
      expect(wide.warnings).toHaveLength(1);
      expect(wide.warnings[0]).toMatchObject({ code: 'DATA_DIR_NOT_PRIVATE' });
      expect(wide.warnings[0]!.message).toContain(open);
      expect(wide.warnings[0]!.message).toContain('chmod -R go-rwx');
    },
    180_000,
  );

  it('`hearth apps add` and `hearth apps revoke` log their account API session out', async () => {
    const home = await mkdtemp(join(tmpdir(), 'hearth-home-sec-'));
    cleanup.push(async () => rm(home, { recursive: true, force: true }));
    await saveAccount(home, account);
    const cookies = join(server.dataDir, '.internal', 'accounts', 'cookies');
    const before = await readdir(cookies).catch(() => []);
    // What a session left open looks like: a login adds a record there, and its logout takes it away.
    const open = new AccountApi(server.url);
    await open.login(account.email, password);
    expect((await readdir(cookies)).length).toBe(before.length + 1);
    await open.logout();
    expect(await readdir(cookies).catch(() => [])).toEqual(before);
    const env = { HEARTH_HOME: home, HEARTH_PASSWORD: password };
    const added = await runCli(['apps', 'add', 'bot'], { env });
    expect(added.code).toBe(0);
    expect(added.stderr).toBe('');
    expect(added.stdout).toContain('Added bot');
    expect(await readdir(cookies).catch(() => [])).toEqual(before);
    const revoked = await runCli(['apps', 'revoke', 'bot'], { env });
    expect(revoked.code).toBe(0);
    expect(revoked.stderr).toBe('');
    expect(revoked.stdout).toContain('Deleted the credential of bot');
    expect(await readdir(cookies).catch(() => [])).toEqual(before);
  }, 180_000);
});

describe('`hearth serve --log-level debug`', () => {
  let child: ChildProcess | undefined;
  let dir: string;
  afterAll(async () => {
    child?.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps tokens, passwords, secrets out of the log; warns once of an open data dir; --host opens it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-log-'));
    await chmod(dir, 0o755);
    const port = await freePort();
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'serve',
        '--port',
        String(port),
        '--data',
        dir,
        '--log-level',
        'debug',
        '--host',
        '0.0.0.0',
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child!.on('close', resolve));
    await waitFor(() => stdout.includes('ready at'), 90_000);
    const server = `http://localhost:${port}/`;

    const tokens = new Set<string>();
    const recording: typeof fetch = async (input, init) => {
      const authorization = new Headers(init?.headers).get('authorization');
      if (authorization?.startsWith('CSS-Account-Token ')) tokens.add(authorization.slice('CSS-Account-Token '.length));
      return fetch(input, init);
    };
    const password = `secret words ${randomBytes(6).toString('hex')}`;
    const name = uniqueName('logged');
    const account = await createAccount({ server, name, email: `${name}@example.org`, password, fetch: recording });
    const api = new AccountApi(server, recording);
    await api.login(account.email, password);
    const bot = await api.createClientCredential('bot', account.webId);
    await api.logout();
    const botSession = await openSession({ server, clientId: bot.id, clientSecret: bot.secret });
    expect(await statusOf(botSession.fetch, account.podUrl)).toBe(403);
    const manager = await openSession({ server, clientId: account.manager.id, clientSecret: account.manager.secret });
    const channel = await subscribe(manager.fetch, server, account.podUrl, 'WebSocketChannel2023');
    expect(channel.status).toBe(200);
    const channelId = channel.id.split('/').pop()!;
    for (const address of otherAddresses()) expect(await connects(address, port), address).toBe(true);
    await manager.logout();
    await botSession.logout();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    child = undefined;

    const ansiColour = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'gu'); // ESC [ ... m
    const log = `${stdout}\n${stderr}`.replace(ansiColour, '');
    expect(log).toMatch(/\bdebug: /u);
    // The log did talk about those secrets, in their place: redacted.
    expect(log).toContain('[redacted]');
    // One account token for creating the account, one for the login that made the bot's credential.
    expect(tokens.size).toBe(2);
    const secrets = {
      password,
      managerSecret: account.manager.secret,
      botSecret: bot.secret,
      channelId,
      ...Object.fromEntries([...tokens].map((token, i) => [`accountToken${i}`, token])),
    };
    expect(
      Object.entries(secrets)
        .filter(([, secret]) => log.includes(secret))
        .map(([what]) => what),
    ).toEqual([]);
    const hearthLines = stderr.split('\n').filter((line) => line.startsWith('hearth:'));
    expect(hearthLines).toHaveLength(1);
    expect(hearthLines[0]).toMatch(/^hearth: warning: The data folder .* can be read by other users of this machine/u);
  }, 240_000);
});

describe('account API sessions', () => {
  const server = inject('baseUrl');

  it('`createAccount` and `loginAccount` log theirs out: their tokens no longer open the account', async () => {
    const tokens = new Set<string>();
    const recording: typeof fetch = async (input, init) => {
      const authorization = new Headers(init?.headers).get('authorization');
      if (authorization?.startsWith('CSS-Account-Token ')) tokens.add(authorization);
      return fetch(input, init);
    };
    const name = uniqueName('logout');
    const password = `a long password ${randomBytes(4).toString('hex')}`;
    const account = await createAccount({ server, name, email: `${name}@example.org`, password, fetch: recording });
    expect(tokens.size).toBe(1);
    for (const token of tokens) expect(await accountControls(server, token)).toEqual({});
    tokens.clear();
    await loginAccount({ server, email: account.email, password, known: [account], fetch: recording });
    expect(tokens.size).toBe(1);
    for (const token of tokens) expect(await accountControls(server, token)).toEqual({});
    // A token of a session still open does show the account's controls.
    tokens.clear();
    const open = new AccountApi(server, recording);
    await open.login(account.email, password);
    await open.controls();
    expect(tokens.size).toBe(1);
    expect(Object.keys(await accountControls(server, [...tokens][0]!))).toEqual(
      expect.arrayContaining(['pod', 'clientCredentials']),
    );
    await open.logout();
    expect(await accountControls(server, [...tokens][0]!)).toEqual({});
  });
});

describe('requests for a path outside every pod', () => {
  const server = inject('baseUrl');
  const dataDir = inject('dataDir');

  it("get the same answer whatever is on the server's disk", async () => {
    const tag = randomBytes(4).toString('hex');
    const stray = `stray-${tag}`;
    await mkdir(join(dataDir, stray));
    try {
      const up = '..%2F'.repeat(8);
      const paths = [
        '..%2F..%2Fetc/x',
        `..%2F..%2Fno-such-${tag}/x`,
        '..%2F../tmp/x',
        `..%2F../no-such-${tag}/x`,
        `${up}etc/passwd`,
        `a%2F${up}etc/x`,
        `a%2F${up}tmp/x`,
        `a%2F${up}no-such-${tag}/x`,
        '%2Fetc/x',
        `${stray}/x`,
        `missing-${tag}/x`,
      ];
      const answers = await Promise.all(
        paths.map(async (path) => {
          const response = await fetch(`${server}${path}`);
          return `${response.status} ${await response.text()}`;
        }),
      );
      expect(answers.map((answer, i) => `${paths[i]} -> ${answer}`)).toEqual(
        paths.map((path) => `${path} -> ${answers[0]}`),
      );
      expect(answers[0]).toMatch(/^404 /u);
    } finally {
      await rm(join(dataDir, stray), { recursive: true, force: true });
    }
  });
});

/**
 * Other addresses of this machine than 127.0.0.1: its IPv4 interfaces, and on Linux 127.0.0.2 (all of 127/8 is local).
 */
function otherAddresses(): string[] {
  const external = Object.values(networkInterfaces())
    .flat()
    .filter((info) => info !== undefined && !info.internal && info.family === 'IPv4')
    .map((info) => info!.address);
  return [...external, ...(process.platform === 'linux' ? ['127.0.0.2'] : [])];
}

/** Whether a TCP connection to `host:port` is accepted (false when refused). */
async function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNREFUSED' ? resolve(false) : reject(error),
    );
  });
}

/** The status of a GET of `url`, its host name resolved to `addresses` in that order. */
async function statusVia(url: string, addresses: { address: string; family: number }[]): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const lookup = (_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
      options.all ? callback(null, addresses) : callback(null, addresses[0]!.address, addresses[0]!.family);
    httpGet(url, { lookup: lookup as never, headers: { accept: 'application/json' } }, (response) => {
      response.resume();
      resolve(response.statusCode);
    }).once('error', reject);
  });
}

/** The status of a GET of `url` through `fetchFn`, its body read to the end. */
async function statusOf(fetchFn: typeof fetch, url: string): Promise<number> {
  const response = await fetchFn(url, { headers: { accept: 'application/json, text/turtle;q=0.9' } });
  await response.arrayBuffer();
  return response.status;
}

/** Every file and folder at or below `dir` that its group or other users may read, change or enter. */
async function openToOthers(dir: string): Promise<string[]> {
  const open: string[] = [];
  await walk(dir, async (path) => {
    const stats = await lstat(path).catch(() => undefined);
    if (stats && !stats.isSymbolicLink() && (stats.mode & 0o077) !== 0)
      open.push(`${path} ${(stats.mode & 0o777).toString(8)}`);
  });
  return open;
}

/** Path and content of every file below `dir` (locks aside) whose path or content mentions one of `needles`. */
async function filesNaming(dir: string, needles: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  await walk(
    dir,
    async (path, isFolder) => {
      const content = isFolder ? undefined : await readFile(path, 'utf8').catch(() => undefined);
      if (content !== undefined && needles.some((needle) => path.includes(needle) || content.includes(needle)))
        found.set(path, content);
    },
    join(dir, 'locks'),
  );
  return found;
}

/** Visits `dir` and everything below it (but `skip`), in name order; entries may come and go meanwhile (locks). */
async function walk(
  dir: string,
  visit: (path: string, isFolder: boolean) => Promise<void>,
  skip?: string,
): Promise<void> {
  await visit(dir, true);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (path === skip) continue;
    if (entry.isDirectory()) await walk(path, visit, skip);
    else await visit(path, false);
  }
}

/** Subscribes `fetchFn`'s agent to notifications on `topic`; answers the status and the channel id. */
async function subscribe(
  fetchFn: typeof fetch,
  server: string,
  topic: string,
  type = 'WebSocketChannel2023',
): Promise<{ status: number; id: string }> {
  const response = await fetchFn(new URL(`.notifications/${type}/`, server), {
    method: 'POST',
    headers: { 'content-type': 'application/ld+json' },
    body: JSON.stringify({
      '@context': ['https://www.w3.org/ns/solid/notification/v1'],
      type: `http://www.w3.org/ns/solid/notifications#${type}`,
      topic,
    }),
  });
  const text = await response.text();
  return { status: response.status, id: response.ok ? (JSON.parse(text) as { id: string }).id : text };
}

/** The account-specific controls (pod, client credentials, ...) the account API shows to `authorization`. */
async function accountControls(server: string, authorization: string): Promise<Record<string, unknown>> {
  const response = await fetch(new URL('.account/', server), {
    headers: { accept: 'application/json', authorization },
  });
  const { controls } = (await response.json()) as { controls: { account?: Record<string, unknown> } };
  const { create: _create, ...rest } = controls.account ?? {};
  return rest;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
