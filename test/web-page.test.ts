// The owner's web page at `/hearth/` (issue 12), served by the pod server itself (src/server/web-page.ts): its
// headers (the strict CSP, never the sandbox of pod content), its files at their exact paths only, caching and gzip,
// and its Client ID Document, which CSS's identity provider accepts. HTTP only: the browser tests come with the page.
// Requests that must reach the server as written are sent raw (`http.request`), so no client resolves `..` first.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPodServer } from '../src/index.js';
import { HearthWebHandler, readBuiltPage } from '../src/server/web-page.js';
import { freePort } from './support/ports.js';
import { raw } from './support/raw-http.js';

/** The CSP the page must be served with on a server at `base` (http: it may also connect to http origins). */
function expectedCsp(base: string): string {
  return (
    `default-src 'none'; script-src ${base}hearth/assets/; style-src ${base}hearth/assets/; ` +
    "img-src 'self' blob:; connect-src 'self' https: http:; base-uri 'none'; form-action 'none'; " +
    "frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'"
  );
}

/** The paths of the page's script and stylesheet, as its index names them (relative to `/hearth/`). */
function assetsOf(index: string): { script: string; stylesheet: string } {
  const script = /<script type="module" src="(assets\/[\w-]+\.js)"><\/script>/u.exec(index)?.[1];
  const stylesheet = /<link rel="stylesheet" href="(assets\/[\w-]+\.css)">/u.exec(index)?.[1];
  if (!script || !stylesheet) throw new Error(`The page names no script or stylesheet:\n${index}`);
  return { script, stylesheet };
}

describe("the owner's web page", () => {
  const server = inject('baseUrl');
  const dataDir = inject('dataDir');
  const base = new URL(server).pathname;
  let index: string;
  let script: string;
  let stylesheet: string;

  beforeAll(async () => {
    const answer = await raw(server, `${base}hearth/`);
    expect(answer.status).toBe(200);
    index = answer.body.toString('utf8');
    ({ script, stylesheet } = assetsOf(index));
  });

  it('serves the page at /hearth/ as HTML under its own strict CSP, never the sandbox, never framed', async () => {
    for (const path of [`${base}hearth/`, `${base}hearth/?code=abc&state=def&iss=x`]) {
      const answer = await raw(server, path, { headers: { accept: 'text/html' } });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(answer.headers['content-security-policy']).toBe(expectedCsp(server));
      expect(answer.headers['content-security-policy']).not.toMatch(/sandbox/u);
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['x-frame-options']).toBe('DENY');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
      expect(answer.headers['cache-control']).toBe('no-cache');
      expect(answer.body.toString('utf8')).toBe(index);
    }
    // No inline script or style, no event handler attribute: the CSP would refuse them anyway.
    expect(index).toMatch(/^<!DOCTYPE html>/u);
    expect([...index.matchAll(/<script\b[^>]*>/gu)].map(([tag]) => tag)).toEqual([
      `<script type="module" src="${script}">`,
    ]);
    expect(index).not.toMatch(/<script[^>]*>[^<]|<style|\son\w+=/u);
    // Requests with credentials get the page's own Cache-Control, not the one the server gives answers to them.
    const withToken = await raw(server, `${base}hearth/`, { headers: { authorization: 'Bearer x' } });
    expect(withToken.headers['cache-control']).toBe('no-cache');
    // HEAD: the same headers, no body.
    const head = await raw(server, `${base}hearth/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(index)));
    expect(head.body.length).toBe(0);
  });

  it('serves its hashed script and stylesheet for a year, gzipped when the browser accepts it', async () => {
    const plain = await raw(server, `${base}hearth/${script}`);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/(^|, *)Accept-Encoding$/u);
    expect(plain.headers['x-content-type-options']).toBe('nosniff');
    expect(plain.headers['content-security-policy']).toBe(expectedCsp(server));
    expect(plain.body.toString('utf8')).toMatch(/\S/u);
    const zipped = await raw(server, `${base}hearth/${script}`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.length).toBeLessThan(plain.body.length);
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    expect(zipped.headers.etag).not.toBe(plain.headers.etag);
    const refused = await raw(server, `${base}hearth/${script}`, { headers: { 'accept-encoding': 'gzip;q=0' } });
    expect(refused.headers['content-encoding']).toBeUndefined();
    // The first load stays within its budget: 200 KB of compressed script and style.
    const style = await raw(server, `${base}hearth/${stylesheet}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(style.status).toBe(200);
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(style.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(zipped.body.length + style.body.length).toBeLessThan(200 * 1024);
  });

  it('answers 304 to a browser that has the same version', async () => {
    for (const [path, headers] of [
      [`${base}hearth/`, {}],
      [`${base}hearth/id`, {}],
      [`${base}hearth/${script}`, { 'accept-encoding': 'gzip' }],
    ] as const) {
      const first = await raw(server, path, { headers });
      const etag = first.headers.etag!;
      expect(etag).toMatch(/^"[\w-]+"$/u);
      for (const tag of [etag, `W/${etag}`, `"other", ${etag}`]) {
        const again = await raw(server, path, { headers: { ...headers, 'if-none-match': tag } });
        expect(`${path} ${tag} ${again.status}`).toBe(`${path} ${tag} 304`);
        expect(again.body.length).toBe(0);
        expect(again.headers.etag).toBe(etag);
        expect(again.headers['cache-control']).toBe(first.headers['cache-control']);
      }
      const changed = await raw(server, path, { headers: { ...headers, 'if-none-match': '"changed"' } });
      expect(changed.status).toBe(200);
      expect(changed.body.equals(first.body)).toBe(true);
    }
  });

  it('redirects /hearth to /hearth/', async () => {
    const answer = await raw(server, `${base}hearth`);
    expect(answer.status).toBe(301);
    expect(answer.headers.location).toBe(`${base}hearth/`);
    expect((await raw(server, `${base}hearth?x=1`)).headers.location).toBe(`${base}hearth/`);
  });

  it('serves its Client ID Document at /hearth/id, naming its own URL; the identity provider takes it', async () => {
    const answer = await raw(server, `${base}hearth/id`, { headers: { accept: 'application/ld+json' } });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/ld+json');
    expect(answer.headers['cache-control']).toBe('no-cache');
    expect(JSON.parse(answer.body.toString('utf8'))).toEqual({
      '@context': ['https://www.w3.org/ns/solid/oidc-context.jsonld'],
      client_id: `${server}hearth/id`,
      client_name: 'Hearth',
      client_uri: `${server}hearth/`,
      redirect_uris: [`${server}hearth/`],
      post_logout_redirect_uris: [`${server}hearth/`],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'openid webid offline_access',
      token_endpoint_auth_method: 'none',
      application_type: 'web',
    });
    // CSS fetches the document and starts the sign-in (to its login page) for the page's own redirect URL only.
    const verifier = randomBytes(32).toString('base64url');
    const authorize = (redirect: string): Promise<Response> =>
      fetch(
        `${server}.oidc/auth?${new URLSearchParams({
          client_id: `${server}hearth/id`,
          redirect_uri: redirect,
          response_type: 'code',
          scope: 'openid webid offline_access',
          code_challenge: createHash('sha256').update(verifier).digest('base64url'),
          code_challenge_method: 'S256',
          state: 'x',
          prompt: 'consent',
        })}`,
        { redirect: 'manual' },
      );
    const accepted = await authorize(`${server}hearth/`);
    await accepted.arrayBuffer();
    expect(accepted.status).toBeGreaterThanOrEqual(300);
    expect(accepted.status).toBeLessThan(400);
    expect(new URL(accepted.headers.get('location')!, server).href).toMatch(new RegExp(`^${server}\\.account/`));
    const elsewhere = await authorize(`${server}hearth/other/`);
    await elsewhere.arrayBuffer();
    expect(elsewhere.status).toBe(400);
  });

  it('serves nothing else under /hearth/, however a path is spelled, and no other file', async () => {
    const marker = `hearth web marker ${randomBytes(6).toString('hex')}`;
    const markerFile = join(dataDir, '.internal', `web-marker.txt`);
    await writeFile(markerFile, `${marker}\n`, { mode: 0o600 });
    try {
      const id = (await raw(server, `${base}hearth/id`)).body.toString('utf8');
      const js = (await raw(server, `${base}hearth/${script}`)).body.toString('utf8');
      const passwd = (await readFile('/etc/passwd', 'utf8')).split('\n')[0]!;
      const file = script.slice('assets/'.length);
      const deep = 'etc/passwd';
      const ups = ['../', '%2e%2e/', '%2E%2E/', '.%2e/', '%2e./', '..%2f', '%2e%2e%2f', '..%5c', '..\\', '%252e%252e/'];
      const paths = [
        'hearth/assets/%2e%2e/id',
        'hearth/assets/../id',
        'hearth/assets/%2E%2E%2Fid',
        'hearth/assets/..%2fid',
        'hearth/assets/..%5cid',
        'hearth/assets/../../.internal/',
        'hearth/assets/../../.internal/web-marker.txt',
        'hearth/assets/%2e%2e/%2e%2e/.internal/web-marker.txt',
        'hearth/assets/..%2f..%2f.internal%2fweb-marker.txt',
        'hearth/%2e%2e/.internal/web-marker.txt',
        'hearth/../.internal/web-marker.txt',
        ...ups.map((up) => `hearth/assets/${up.repeat(12)}${deep}`),
        ...ups.map((up) => `hearth/${up.repeat(12)}${deep}`),
        'hearth/./id',
        'hearth//id',
        'hearth/id/',
        'hearth/%69d',
        'hearth/ID',
        'hearth/index.html',
        'hearth/assets/',
        'hearth/assets',
        `hearth/assets/./${file}`,
        `hearth/assets//${file}`,
        `hearth/assets/${file.replace(/^m/u, '%6D')}`,
        `hearth/assets/x/../${file}`,
        `hearth/assets/${file}%00`,
        'hearth/.internal/',
        'hearth/%00',
      ];
      for (const path of paths) {
        const answer = await raw(server, `${base}${path}`);
        const body = answer.body.toString('latin1');
        expect(`${path} ${answer.status} ${body.trim()}`).toBe(`${path} 404 Not found.`);
        expect(answer.headers['content-security-policy']).toBe(expectedCsp(server));
        for (const secret of [marker, passwd, id, js, index]) expect(body.includes(secret)).toBe(false);
      }
    } finally {
      await rm(markerFile, { force: true });
    }
  });

  it('refuses every method but GET and HEAD, and nothing reaches the pods', async () => {
    const id = await raw(server, `${base}hearth/id`);
    for (const method of ['PUT', 'POST', 'PATCH', 'DELETE']) {
      for (const path of ['hearth/id', 'hearth/', `hearth/${script}`, 'hearth']) {
        const answer = await raw(server, `${base}${path}`, {
          method,
          headers: { 'content-type': 'text/turtle' },
          body: '<#x> <#y> <#z>.',
        });
        expect(`${method} ${path} ${answer.status} ${answer.headers.allow}`).toBe(`${method} ${path} 405 GET, HEAD`);
      }
      const elsewhere = await raw(server, `${base}hearth/new.ttl`, {
        method,
        headers: { 'content-type': 'text/turtle' },
        body: '<#x> <#y> <#z>.',
      });
      expect(`${method} ${elsewhere.status}`).toBe(`${method} 404`);
    }
    const after = await raw(server, `${base}hearth/id`);
    expect(after.body.equals(id.body)).toBe(true);
    expect(after.headers.etag).toBe(id.headers.etag);
    expect(existsSync(join(dataDir, 'hearth'))).toBe(false);
    expect(existsSync(join(dataDir, 'hearth$.ttl'))).toBe(false);
  });
});

describe('the web page when not built or turned off', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('answers 503 at /hearth/ when the page is not built, with a warning for the operator', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'hearth-web-'));
    cleanup.push(async () => rm(folder, { recursive: true, force: true }));
    const { page, warnings } = await readBuiltPage(pathToFileURL(`${folder}/`));
    expect(page).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: 'WEB_PAGE_NOT_BUILT' });
    expect(warnings[0]!.message).toContain('npm run build');
    const port = await freePort();
    const base = `http://localhost:${port}/`;
    const handler = new HearthWebHandler(base, page);
    const http = createServer((req, res) => {
      handler.handleSafe({ request: req, response: res }).catch(() => {
        res.writeHead(418).end();
      });
    });
    await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
    cleanup.push(async () => new Promise<void>((resolve) => http.close(() => resolve())));
    const answer = await raw(base, '/hearth/');
    expect(answer.status).toBe(503);
    expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(answer.body.toString('utf8')).toContain('npm run build');
    expect(answer.headers['content-security-policy']).toBe(expectedCsp(base));
    // The Client ID Document does not need the build.
    expect((await raw(base, '/hearth/id')).status).toBe(200);
    expect((await raw(base, '/hearth/assets/main.js')).status).toBe(404);
    expect((await raw(base, '/elsewhere')).status).toBe(418);
  });

  it('with `web: false`, answers 404 at /hearth/ and its Client ID Document: no pod can take its place', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hearth-noweb-'));
    cleanup.push(async () => rm(dataDir, { recursive: true, force: true }));
    const pods = await startPodServer({ port: await freePort(), dataDir, web: false });
    cleanup.push(async () => pods.stop());
    expect(pods.warnings).toEqual([]);
    for (const path of ['hearth/', 'hearth/id', 'hearth/assets/x.js']) {
      const answer = await raw(pods.url, `/${path}`);
      expect(`${path} ${answer.status}`).toBe(`${path} 404`);
      expect(answer.body.toString('utf8')).toContain("Hearth's web page is off on this server.");
      expect(answer.headers['content-security-policy']).toContain("default-src 'none'");
    }
    // Not even its owner's manager can write there: the path is the page's, on or off.
    expect((await raw(pods.url, '/hearth/id', { method: 'PUT', body: '{}' })).status).toBe(404);
  });

  it("warns of an old pod under the page's path, and of a base URL nobody can sign in at", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hearth-oldpod-'));
    cleanup.push(async () => rm(dataDir, { recursive: true, force: true }));
    await mkdir(join(dataDir, 'hearth'), { recursive: true });
    const port = await freePort();
    const pods = await startPodServer({ port, dataDir, baseUrl: `http://127.0.0.1:${port}/` });
    cleanup.push(async () => pods.stop());
    expect(pods.warnings.map((warning) => warning.code).sort()).toEqual(['WEB_PAGE_HIDES_POD', 'WEB_PAGE_NO_SIGN_IN']);
    const hidden = pods.warnings.find((warning) => warning.code === 'WEB_PAGE_HIDES_POD')!;
    expect(hidden.message).toContain(join(dataDir, 'hearth'));
    expect(pods.warnings.find((warning) => warning.code === 'WEB_PAGE_NO_SIGN_IN')!.message).toContain('https');
    // The page, not the old pod, answers there.
    expect((await raw(pods.url, '/hearth/id')).status).toBe(200);
  });
});
