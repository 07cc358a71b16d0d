// The server's origin attacked from outside: files outside CSS's static folders read through its static asset handler
// (a path traversal in CSS 7.2), web pages stored in a pod running scripts on the server's origin (where the account
// cookie, the account API and the OIDC endpoints live), and a browser reusing an answer given to revoked credentials.
// Every request here is sent raw (`http.request`), so no client resolves `..` or `%2e%2e` before the server sees it.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AccountApi, createAccount, InvalidInputError } from '../src/index.js';
import { raw as rawBytes } from './support/raw-http.js';
import { createUser, type TestUser } from './support/users.js';

const cssRoot = dirname(createRequire(import.meta.url).resolve('@solid/community-server/package.json'));

/** Every URL path CSS's static asset handler serves in Hearth's configuration, read from the CSS configs it imports. */
function staticPrefixes(): string[] {
  const files = ['config/http/static/default.json', 'config/app/init/static-root.json'];
  const urls = files.flatMap((file) => {
    const text = readFileSync(join(cssRoot, file), 'utf8');
    return [...text.matchAll(/"relativeUrl":\s*"([^"]+)"/gu)].map((match) => match[1]!);
  });
  return [...new Set(urls)];
}

/** The answer to a raw request, its body as text (latin1: every byte kept). */
interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends `method path` to the server at `base` as written, without any normalisation of the path. */
async function raw(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  const answer = await rawBytes(base, path, options);
  return { ...answer, body: answer.body.toString('latin1') };
}

/** Runs `task` on every item, `width` at a time. */
async function inBatches<T, R>(items: readonly T[], width: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += width)
    results.push(...(await Promise.all(items.slice(start, start + width).map(task))));
  return results;
}

const sandbox = "sandbox; default-src 'none'; frame-ancestors 'none'";

describe("CSS's static asset handler", () => {
  const server = inject('baseUrl');
  const dataDir = inject('dataDir');
  const tag = randomBytes(6).toString('hex');
  const secret = `hearth static marker ${tag}`;
  const marker = join(dataDir, '.internal', `marker-${tag}.txt`);

  beforeAll(async () => {
    await writeFile(marker, `${secret}\n`, { mode: 0o600 });
  });
  afterAll(async () => {
    await rm(marker, { force: true });
  });

  it('serves no file outside its folders, however the dot segments and slashes are spelled', async () => {
    // The identity provider's signing keys: CSS writes them at its first OIDC request (a user's login makes one).
    await createUser(server, 'static');
    const jwks = join(dataDir, '.internal', 'idp', 'keys', 'jwks$.json');
    const privateKey = (JSON.parse(await readFile(jwks, 'utf8')) as { payload: { keys: { d: string }[] } }).payload
      .keys[0]!.d;
    const passwd = (await readFile('/etc/passwd', 'utf8')).split('\n')[0]!;
    const secrets = [secret, privateKey, passwd];
    // Absolute paths below the root: the static handler's folders are a few levels deep, and `..` stops at `/`.
    const targets = ['etc/passwd', 'etc/hostname', marker.slice(1), jwks.slice(1).replace('$', '%24')];
    const ups = [
      '%2e%2e/',
      '%2E%2E/',
      '.%2e/',
      '%2e./',
      '.%2E/',
      '..%2f',
      '..%2F',
      '%2e%2e%2f',
      '.%2E%2F',
      '%2e%2e%5c',
      '..%5c',
      '..\\',
      '%252e%252e/',
      '%252e%252e%252f',
      '%25252e%25252e%25252f',
    ];
    // Invalid escapes and NUL, under the folders only (CSS's LDP handler logs an error for each such path).
    const odd = ['%c0%ae%c0%ae/', '%2e%2e%00/', '%2e%2e%'];
    const prefixes = staticPrefixes();
    expect(prefixes).toEqual(expect.arrayContaining(['/favicon.ico', '/.well-known/css/styles/', '/']));
    const under = (prefix: string, up: string, target: string): string =>
      `${prefix}${prefix.endsWith('/') ? '' : '/'}${up.repeat(16)}${target}`;
    const paths = [
      ...prefixes.flatMap((prefix) => ups.flatMap((up) => targets.map((target) => under(prefix, up, target)))),
      ...prefixes
        .filter((prefix) => prefix.length > 1 && prefix.endsWith('/'))
        .flatMap((prefix) => odd.map((up) => under(prefix, up, 'etc/passwd'))),
    ];
    const answers = await inBatches(paths, 8, async (path) => ({ path, ...(await raw(server, path)) }));
    const leaks = answers
      .filter(({ status, body }) => status === 200 || secrets.some((text) => body.includes(text)))
      .map(({ path, status }) => `${status} ${path}`);
    expect(leaks).toEqual([]);
  });

  it('still serves its own files', async () => {
    const assets = [
      ['/.well-known/css/styles/main.css', 'text/css'],
      ['/.well-known/css/scripts/util.js', 'application/javascript'],
      ['/.well-known/css/images/solid.svg', 'image/svg+xml'],
      ['/favicon.ico', 'image/vnd.microsoft.icon'],
      ['/', 'text/html'],
    ];
    for (const [path, type] of assets) {
      const answer = await raw(server, `${new URL(server).pathname}${path!.slice(1)}`);
      expect(`${path} ${answer.status} ${answer.headers['content-type']}`).toBe(`${path} 200 ${type}`);
    }
  });
});

describe("the server's origin", () => {
  const server = inject('baseUrl');
  let owner: TestUser;
  let page: string;
  const html = '<!DOCTYPE html><title>x</title><script>document.title = document.cookie</script>';

  beforeAll(async () => {
    owner = await createUser(server, 'origin');
    // A web page in a public area of someone's pod: anyone can put one in their own pod.
    page = `${owner.account.podUrl}social/media/page-${randomBytes(4).toString('hex')}.html`;
    const put = await owner.session.fetch(page, {
      method: 'PUT',
      headers: { 'content-type': 'text/html' },
      body: html,
    });
    expect(put.status).toBe(201);
  });

  it('serves HTML stored in a pod sandboxed, never sniffed, never framed', async () => {
    const path = new URL(page).pathname;
    const answer = await raw(server, path, { headers: { accept: 'text/html' } });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/html/u);
    expect(answer.body).toBe(html);
    expect(answer.headers['content-security-policy']).toBe(sandbox);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    // Error answers too (they may be HTML).
    const missing = await raw(server, `${path}.missing`, { headers: { accept: 'text/html' } });
    expect(missing.headers['content-security-policy']).toBe(sandbox);
  });

  it("keeps the sandbox on pod content reached through a spelling of the server's own pages' paths", async () => {
    const path = new URL(page).pathname.slice(1);
    const spellings = [
      `.account/%2e%2e/${path}`,
      `.account/..%2f${path}`,
      `.account/%2E%2E%2F${path}`,
      `.oidc/%2e%2e/${path}`,
      `.oidc/..%2F${path}`,
      `.account//%2e%2e/${path}`,
      `.account/.%2e/${path}`,
      `%2e%2e/${path}`,
      `%2E/${path}`,
      `/${path}`,
      `./${path}`,
      `.account\\..\\${path}`,
      `${path}?/.account/`,
    ];
    const answers = await inBatches(spellings, 8, async (spelling) => ({
      spelling,
      ...(await raw(server, `${new URL(server).pathname}${spelling}`, { headers: { accept: 'text/html' } })),
    }));
    // Whatever the server answers (it serves the page at some of them), it is sandboxed.
    expect(answers.filter(({ body }) => body.includes('<script>')).length).toBeGreaterThan(0);
    const unsandboxed = answers
      .filter(({ headers }) => headers['content-security-policy'] !== sandbox)
      .map(({ spelling, status }) => `${status} ${spelling}`);
    expect(unsandboxed).toEqual([]);
  });

  it('lets no other site frame the login, consent and account pages, whose scripts still run', async () => {
    const base = new URL(server).pathname;
    const login = await raw(server, `${base}.account/login/password/`, { headers: { accept: 'text/html' } });
    expect(login.status).toBe(200);
    expect(login.headers['content-type']).toMatch(/^text\/html/u);
    expect(login.body).toMatch(/<form[^>]*id="mainForm"/u);
    expect(login.body).toContain('/.well-known/css/scripts/util.js');
    const pages = [
      `${base}.account/login/password/`,
      `${base}.account/`,
      `${base}.account/login/password/register/`,
      `${base}.account/oidc/consent/`,
      `${base}.oidc/jwks`,
      `${base}.oidc/auth?client_id=x`,
      `${base}`,
    ];
    for (const path of pages) {
      const answer = await raw(server, path, { headers: { accept: 'text/html' } });
      expect(`${path} ${answer.headers['x-frame-options']} ${answer.headers['content-security-policy']}`).toBe(
        `${path} DENY frame-ancestors 'none'`,
      );
    }
  });

  it('tells the browser to ask again before reusing an answer to credentials', async () => {
    const card = owner.account.webId.replace(/#.*$/u, '');
    const authenticated = await owner.session.fetch(card);
    await authenticated.arrayBuffer();
    expect(authenticated.status).toBe(200);
    expect(authenticated.headers.get('cache-control')).toBe('private, no-cache');
    const root = await owner.session.fetch(owner.account.podUrl, { method: 'HEAD' });
    expect(root.headers.get('cache-control')).toBe('private, no-cache');
    // Answers without credentials, and handlers' own Cache-Control, are left as they were.
    const anonymous = await raw(server, new URL(card).pathname);
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers['cache-control']).toBeUndefined();
    const asset = await owner.session.fetch(new URL('.well-known/css/styles/main.css', server).href);
    await asset.arrayBuffer();
    expect(asset.headers.get('cache-control')).toMatch(/^max-age=\d+$/u);
  });
});

describe("the server's own names", () => {
  const server = inject('baseUrl');

  it('gives no account a pod at /hearth/, the web page’s place, in any case; the library refuses first', async () => {
    const user = await createUser(server, 'reserved');
    const api = new AccountApi(server);
    await api.login(user.account.email, user.password);
    try {
      for (const name of ['hearth', 'HEARTH', 'Hearth']) {
        await expect(api.createPod(name), name).rejects.toThrow(`The name "${name}" is reserved on this server.`);
      }
    } finally {
      await api.logout();
    }
    // Nothing of a pod lives there: the place is the web page's (or nobody's, without it).
    expect((await raw(server, '/hearth/profile/card')).status).toBe(404);
    await expect(
      createAccount({ server, name: 'Hearth', email: 'h@example.org', password: 'a long password' }),
    ).rejects.toThrow(
      new InvalidInputError('The name "Hearth" is reserved: the server\'s own page lives there. Choose another.'),
    );
  });
});
