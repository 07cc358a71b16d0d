import type { IncomingMessage, ServerResponse } from 'node:http';

/** Headers as name and value. */
export type Headers = Readonly<Record<string, string>>;

/**
 * Sent on every response but those of the server's own pages: whatever a pod holds (HTML, SVG, ...) is shown, if at
 * all, in a sandbox with no origin, no scripts and nothing loaded, never framed, and never sniffed into another type.
 * Anyone with a pod can store a web page there, and a script running on the server's origin could use the owner's
 * account cookie (`css-account`, not HttpOnly) and the account API, and take sign-in codes from CSS's OIDC endpoints.
 */
export const podContentHeaders: Headers = {
  'content-security-policy': "sandbox; default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};

/** Sent on the server's own pages (login, consent, account): their scripts run, but no other site may frame them. */
export const ownPageHeaders: Headers = {
  'content-security-policy': "frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
};

/** A path of the server's own pages, relative to the base URL's path, and the headers its responses get here. */
export interface OwnPages {
  /** A path without its leading slash: `.account/`. */
  path: string;
  /** Whether only this exact path is meant, not everything below it too. */
  exact?: boolean;
  /** The headers sent (none for a handler that sets its own). */
  headers: Headers;
}

/**
 * Hearth's own web page and everything below it (src/server/web-page.ts), which sets its own headers on every answer
 * there. Listed only while the page is served (`ownPagesWith`): `hearth` is never a pod made by this Hearth, but one
 * made by an older Hearth must stay sandboxed when the page is off.
 */
export const webPageEntry: OwnPages = { path: 'hearth/', headers: {} };

/** The only paths whose responses are not sandboxed: pages the pod server itself makes, never pod content. */
export const ownPages: readonly OwnPages[] = [
  { path: '.account/', headers: ownPageHeaders },
  { path: '.oidc/', headers: ownPageHeaders },
  // CSS's welcome page at the root (a static file, `css:config/app/init/static-root.json`): its script and style.
  { path: '', exact: true, headers: ownPageHeaders },
  webPageEntry,
];

/** `ownPages`, without the web page's entry when the page is not served. */
export function ownPagesWith(web: boolean): readonly OwnPages[] {
  return web ? ownPages : ownPages.filter((page) => page !== webPageEntry);
}

/** Unreserved characters and single slashes only, no `.` or `..` segment: a path no server reads two ways. */
const plainPath = /^(?:\/(?!\.\.?(?:\/|$))[\w.~-]+)*\/?$/u;

/**
 * Sent on responses to requests with an `Authorization` header, unless the handler sets its own `Cache-Control`: a
 * browser must ask again (a 304 is fine) before reusing an answer given to credentials, which may since be revoked.
 */
export const credentialedCacheControl = 'private, no-cache';

/**
 * A middleware for CSS's `urn:solid-server:default:ParallelMiddleware` (every request goes through it before any
 * handler) that sets the headers above as defaults: a handler's own header of the same name replaces them. It never
 * refuses a request (`canHandle` never throws: a ParallelHandler would then fail every request).
 */
export class OriginHeadersHandler {
  private readonly basePath: string;

  constructor(
    baseUrl: string,
    private readonly pages: readonly OwnPages[] = ownPages,
  ) {
    this.basePath = new URL(baseUrl).pathname;
  }

  /** Takes every request. */
  async canHandle(): Promise<void> {
    // Every request.
  }

  /** Same as canHandle followed by handle. */
  async handleSafe(input: { request: IncomingMessage; response: ServerResponse }): Promise<void> {
    await this.handle(input);
  }

  /** Sets the headers of this request's response. */
  async handle({ request, response }: { request: IncomingMessage; response: ServerResponse }): Promise<void> {
    if (response.headersSent) return;
    for (const [name, value] of Object.entries(this.headersFor(request.url ?? '/'))) response.setHeader(name, value);
    if (request.headers.authorization !== undefined && !response.hasHeader('cache-control'))
      response.setHeader('cache-control', credentialedCacheControl);
  }

  /**
   * The headers for a request of `url` (raw, as sent): those of the first of the server's own pages it is at,
   * spelled plainly (a path with `%`, a dot segment or a backslash could resolve elsewhere, so it is never one of
   * them), else the sandbox of pod content.
   */
  headersFor(url: string): Headers {
    const path = url.split('?', 1)[0] ?? '';
    if (path.startsWith(this.basePath) && plainPath.test(path)) {
      const relative = path.slice(this.basePath.length);
      const page = this.pages.find((entry) =>
        entry.exact ? relative === entry.path : relative.startsWith(entry.path),
      );
      if (page) return page.headers;
    }
    return podContentHeaders;
  }
}
