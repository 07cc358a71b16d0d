// The owner's web page at `<base>hearth/`, served by the pod server itself (issue 12). The built page
// (`npm run build` writes `dist/web/`: `index.html` and hashed `assets/*`) is read once at start into a map whose keys
// are the exact request paths it answers: a request's path is looked up as sent, never decoded nor joined to a folder,
// so no spelling of `..` reaches another file. The page's Solid-OIDC Client ID Document is made here from the base URL.
// Everything at `<base>hearth` and below is this handler's: nothing there ever reaches a pod or CSS's static files.
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { webClientIdOf, webPageName as pageName, webPageUrlOf } from '../access/web.js';
import { describe, hasErrorCode } from '../errors.js';
import type { PodServerWarning } from './data-dir.js';

/** The built page: `npm run build` writes it (scripts/build-web.mjs), the same folder from `src/` and `dist/`. */
export const defaultWebFolder = new URL('../../dist/web/', import.meta.url);

/** The page's Client ID Document on the server at `baseUrl` (what CSS fetches when the page signs in). */
export function webClientIdDocument(baseUrl: string): Record<string, unknown> {
  const page = webPageUrlOf(baseUrl);
  return {
    '@context': ['https://www.w3.org/ns/solid/oidc-context.jsonld'],
    client_id: webClientIdOf(baseUrl),
    client_name: 'Hearth',
    client_uri: page,
    redirect_uris: [page],
    post_logout_redirect_uris: [page],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: 'openid webid offline_access',
    token_endpoint_auth_method: 'none',
    application_type: 'web',
  };
}

/**
 * The page's Content-Security-Policy: scripts and styles only from its own assets (not `'self'`, which would admit
 * any script stored in a pod of this server), no inline script, no HTML sinks (Trusted Types), never framed. It reads
 * other people's pods, so it connects to any https origin, and to http ones only when it is itself served over http.
 */
export function webPageCsp(baseUrl: string): string {
  // `;` and `,` separate CSP directives and policies; percent-encoded they match the same path.
  const assets = new URL(`${pageName}/assets/`, baseUrl).href.replace(/;/gu, '%3B').replace(/,/gu, '%2C');
  const connect = new URL(baseUrl).protocol === 'http:' ? "'self' https: http:" : "'self' https:";
  return [
    "default-src 'none'",
    `script-src ${assets}`,
    `style-src ${assets}`,
    "img-src 'self' blob:",
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
}

/** Sent with every answer at `<base>hearth` and below (they replace the sandbox of pod content). */
function securityHeaders(baseUrl: string): Record<string, string> {
  return {
    'content-security-policy': webPageCsp(baseUrl),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  };
}

/** Cache-Control of files that may change (the page, the Client ID Document): ask again every time (304s are fine). */
const revalidate = 'no-cache';
/** Cache-Control of files whose name holds a hash of their content. */
const immutable = 'public, max-age=31536000, immutable';
/** A name esbuild gave with `[name]-[hash]`: its hash is 8 characters of base32. */
const hashedName = /-[A-Z0-9]{8}\.[a-z0-9]+$/u;
/** The names of asset files served: no dot file, no separator, nothing to encode. */
const assetName = /^\w[\w.-]*$/u;

const types: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/vnd.microsoft.icon',
  woff2: 'font/woff2',
  txt: 'text/plain; charset=utf-8',
};
/** Types worth compressing. */
const compressible = /^(?:text\/|application\/(?:ld\+)?json|image\/svg)/u;

/** One file the page serves, ready to send. */
interface Served {
  readonly body: Buffer;
  /** Its gzip encoding, when that is smaller. */
  readonly gzip?: Buffer;
  readonly type: string;
  readonly cacheControl: string;
  /** The ETag of `body`; the gzip encoding's is the same with `-gz` before the closing quote. */
  readonly etag: string;
}

function served(body: Buffer, type: string, cacheControl: string): Served {
  const zipped = compressible.test(type) ? gzipSync(body, { level: 9 }) : undefined;
  return {
    body,
    gzip: zipped && zipped.length < body.length ? zipped : undefined,
    type,
    cacheControl,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
  };
}

/** The built page's files, as read from its folder. */
export interface BuiltPage {
  /** `index.html`. */
  readonly index: Buffer;
  /** `assets/*` by file name. */
  readonly assets: ReadonlyMap<string, Buffer>;
}

/**
 * Reads the built page from `folder` (`index.html` and the files directly in `assets/`); undefined with a warning for
 * the operator when it is not there (a checkout where `npm run build` has not run).
 */
export async function readBuiltPage(
  folder: URL = defaultWebFolder,
): Promise<{ page?: BuiltPage; warnings: PodServerWarning[] }> {
  const indexFile = new URL('index.html', folder);
  let index: Buffer;
  try {
    index = await readFile(indexFile);
  } catch (error: unknown) {
    const why = hasErrorCode(error, 'ENOENT') ? 'is missing' : `cannot be read (${describe(error)})`;
    return {
      warnings: [
        {
          code: 'WEB_PAGE_NOT_BUILT',
          message:
            `The web page is not built: ${fileURLToPath(indexFile)} ${why}. The server answers 503 at ` +
            `/${pageName}/ until it is: run \`npm run build\`, then start the server again.`,
        },
      ],
    };
  }
  const assets = new Map<string, Buffer>();
  const assetsFolder = new URL('assets/', folder);
  const entries = await readdir(assetsFolder, { withFileTypes: true }).catch((error: unknown) => {
    if (hasErrorCode(error, 'ENOENT')) return [];
    throw error;
  });
  for (const entry of entries) {
    if (!entry.isFile() || !assetName.test(entry.name)) continue;
    try {
      assets.set(entry.name, await readFile(new URL(entry.name, assetsFolder)));
    } catch (error: unknown) {
      // Replaced by a build meanwhile: the new index names other files.
      if (!hasErrorCode(error, 'ENOENT')) throw error;
    }
  }
  return { page: { index, assets }, warnings: [] };
}

/**
 * Warnings about the page on a server at `baseUrl` with data in `dataDir`: sign-in cannot work when the base URL is
 * neither https nor localhost (CSS fetches Client ID Documents only from those), and a pod named `hearth` made before
 * the name was reserved is hidden by the page (its files stay on disk).
 */
export async function webPageWarnings(baseUrl: string, dataDir: string): Promise<PodServerWarning[]> {
  const warnings: PodServerWarning[] = [];
  const url = new URL(baseUrl);
  if (url.protocol !== 'https:' && url.hostname !== 'localhost') {
    warnings.push({
      code: 'WEB_PAGE_NO_SIGN_IN',
      message:
        `Nobody can sign in to the web page at ${webPageUrlOf(baseUrl)}: the server accepts sign-in for web pages ` +
        'only at https or http://localhost addresses. Serve it over https (e.g. behind a reverse proxy, with ' +
        '--base-url https://…) or use http://localhost.',
    });
  }
  const hidden = await stat(join(dataDir, pageName)).then(
    (found) => found.isDirectory(),
    () => false,
  );
  if (hidden) {
    warnings.push({
      code: 'WEB_PAGE_HIDES_POD',
      message:
        `A pod named "${pageName}" (made before that name was kept for the web page) is in ` +
        `${join(dataDir, pageName)}: ` +
        `${webPageUrlOf(baseUrl)} is the web page's (or, with --no-web, answers 404), so that pod cannot be reached. ` +
        'Its files are untouched: copy them into a pod of another name.',
    });
  }
  return warnings;
}

type Exchange = { request: IncomingMessage; response: ServerResponse };

/**
 * The HTTP handler of `<base>hearth` and below, for the front of CSS's `BaseHttpHandler` (css-hooks.ts): the page,
 * its assets and its Client ID Document at exactly the paths they have; `<base>hearth` redirects to `<base>hearth/`;
 * any other path there is 404, any method but GET and HEAD 405. Without a built page, `<base>hearth/` is 503.
 */
export class HearthWebHandler {
  private readonly root: string;
  private readonly files = new Map<string, Served>();
  private readonly headers: Readonly<Record<string, string>>;

  /**
   * `page` undefined: not built (503). `off` (`hearth serve --no-web`): the path stays this handler's and every answer
   * there is 404, the Client ID Document included, so no pod can ever serve the page's client id (which owners' rules
   * trust) in its place.
   */
  constructor(
    baseUrl: string,
    private readonly page: BuiltPage | undefined,
    readonly options: { off?: boolean } = {},
  ) {
    this.root = `${new URL(baseUrl).pathname}${pageName}`;
    this.headers = securityHeaders(baseUrl);
    if (options.off) return;
    const document = Buffer.from(`${JSON.stringify(webClientIdDocument(baseUrl), null, 2)}\n`);
    this.files.set(`${this.root}/id`, served(document, 'application/ld+json', revalidate));
    if (!page) return;
    this.files.set(`${this.root}/`, served(page.index, 'text/html; charset=utf-8', revalidate));
    for (const [name, body] of page.assets) {
      const type = types[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
      this.files.set(`${this.root}/assets/${name}`, served(body, type, hashedName.test(name) ? immutable : revalidate));
    }
  }

  /** Whether the built page is served (false: `<base>hearth/` answers 503, or 404 when off). */
  get built(): boolean {
    return this.page !== undefined && !this.options.off;
  }

  /** Whether the page is on (it may still be unbuilt); off, its path answers 404 alone. */
  get on(): boolean {
    return !this.options.off;
  }

  /** Takes every request at `<base>hearth` and below; throws for any other. */
  async canHandle({ request }: { request: IncomingMessage }): Promise<void> {
    const path = pathOf(request);
    if (path !== this.root && !path.startsWith(`${this.root}/`)) throw new Error('Not the web page');
  }

  /** Same as canHandle followed by handle. */
  async handleSafe(input: Exchange): Promise<void> {
    await this.canHandle(input);
    await this.handle(input);
  }

  /** Answers the request. */
  async handle({ request, response }: Exchange): Promise<void> {
    const path = pathOf(request);
    const method = request.method ?? 'GET';
    const readOnly = method === 'GET' || method === 'HEAD';
    const file = this.files.get(path);
    // CSS's middleware says it serves byte ranges: not here.
    response.removeHeader('accept-ranges');
    if (path === this.root) {
      if (!readOnly) return this.plain(response, 405, 'Only GET and HEAD here.');
      return this.plain(response, 301, `Moved to ${this.root}/`, { location: `${this.root}/` });
    }
    if (!file) {
      if (this.options.off) return this.plain(response, 404, "Hearth's web page is off on this server.");
      if (path === `${this.root}/` && !this.page)
        return this.plain(
          response,
          503,
          "Hearth's web page is not built on this server. Run `npm run build`, then start the server again.",
        );
      return this.plain(response, 404, 'Not found.');
    }
    if (!readOnly) return this.plain(response, 405, 'Only GET and HEAD here.');
    const zipped = file.gzip !== undefined && acceptsGzip(request.headers['accept-encoding']);
    const etag = zipped ? `${file.etag.slice(0, -1)}-gz"` : file.etag;
    const headers: Record<string, string | number> = {
      ...this.headers,
      etag,
      'cache-control': file.cacheControl,
    };
    if (file.gzip) headers.vary = withVary(response.getHeader('vary'), 'Accept-Encoding');
    if (matches(request.headers['if-none-match'], etag)) {
      response.writeHead(304, headers);
      response.end();
      return;
    }
    const body = zipped ? file.gzip! : file.body;
    headers['content-type'] = file.type;
    headers['content-length'] = body.length;
    if (zipped) headers['content-encoding'] = 'gzip';
    response.writeHead(200, headers);
    response.end(method === 'HEAD' ? undefined : body);
  }

  /** Answers `status` with `text` (not for HEAD) and no caching but the browser's own of a 301. */
  private plain(
    response: ServerResponse,
    status: number,
    text: string,
    extra: Readonly<Record<string, string>> = {},
  ): void {
    const body = Buffer.from(`${text}\n`);
    response.writeHead(status, {
      ...this.headers,
      'content-type': 'text/plain; charset=utf-8',
      'content-length': body.length,
      ...(status === 301 ? {} : { 'cache-control': 'no-store' }),
      ...(status === 405 ? { allow: 'GET, HEAD' } : {}),
      ...extra,
    });
    response.end(response.req.method === 'HEAD' ? undefined : body);
  }
}

/** The path of a request exactly as sent, without its query. */
function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** Whether an `Accept-Encoding` header admits gzip (by name or `*`, with a non-zero weight). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  const weights = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (name) weights.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const gzip = weights.get('gzip') ?? weights.get('x-gzip') ?? weights.get('*');
  return gzip !== undefined && gzip > 0;
}

/** Whether an `If-None-Match` header names `etag` (weakly compared, as RFC 9110 asks for it) or is `*`. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//u, '') === etag;
  });
}

/** A `Vary` value with `name` added to what CSS's middleware set already. */
function withVary(existing: number | string | string[] | undefined, name: string): string {
  const names = (Array.isArray(existing) ? existing.join(',') : String(existing ?? ''))
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean);
  if (!names.some((value) => value.toLowerCase() === name.toLowerCase())) names.push(name);
  return names.join(', ');
}
