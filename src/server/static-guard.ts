import type { IncomingMessage, ServerResponse } from 'node:http';

/** How many rounds of percent-decoding a path may need before it stops changing; more is refused. */
const maxDecodeRounds = 8;

/**
 * Whether `url` (a request's raw URL) is a path a static file may be served for: once percent-decoded, again and
 * again until it no longer changes, it has no `.` or `..` segment, no backslash and no NUL. An escape that is
 * invalid (`%zz`, a lone `%`, overlong or broken UTF-8 such as `%c0%ae`) or a path that keeps changing is refused
 * too. Only the part before `?` counts, as in CSS's StaticAssetHandler. Encoded slashes (`%2f`) become slashes, so
 * `..%2f` is a `..` segment.
 */
export function isSafeStaticPath(url: string): boolean {
  let path = url.split('?', 1)[0] ?? '';
  for (let round = 0; ; round += 1) {
    if (path.includes('\\') || path.includes('\0')) return false;
    if (path.split('/').some((segment) => segment === '.' || segment === '..')) return false;
    if (!path.includes('%')) return true;
    if (round === maxDecodeRounds) return false;
    try {
      path = decodeURIComponent(path);
    } catch (error: unknown) {
      if (error instanceof URIError) return false;
      throw error;
    }
  }
}

/** The part of CSS's StaticAssetHandler (an HttpHandler) that is guarded. */
export interface StaticHandler {
  canHandle: (input: { request: IncomingMessage; response: ServerResponse }) => Promise<void>;
  handle: (input: { request: IncomingMessage; response: ServerResponse }) => Promise<void>;
  handleSafe: (input: { request: IncomingMessage; response: ServerResponse }) => Promise<void>;
}

/** Thrown by the guarded handler's `canHandle` for a path it refuses, so that the next handler takes the request. */
export class UnsafeStaticPathError extends Error {
  constructor() {
    super('No static resource at a path with dot segments, backslashes or NUL');
  }
}

/**
 * Makes CSS's StaticAssetHandler refuse every request whose path {@link isSafeStaticPath} refuses, whatever folder
 * mapping it would match: CSS 7.2 looks for `/..` before it percent-decodes the path, then joins the decoded path to
 * the mapped folder, so `/.well-known/css/styles/%2e%2e/%2e%2e/…` read any file the server can read (the identity
 * provider's keys and every client secret in `.internal/` included). A refused request goes on to the next handler
 * (in the end CSS's LDP handler, which resolves dot segments itself), as if no static asset were configured there.
 * The handler's own methods are wrapped, so that every reference to the instance is guarded.
 */
export function guardStaticAssets(handler: StaticHandler): void {
  const check = (request: IncomingMessage): void => {
    if (!isSafeStaticPath(request.url ?? '')) throw new UnsafeStaticPathError();
  };
  const canHandle = handler.canHandle.bind(handler);
  const handle = handler.handle.bind(handler);
  // CSS's own test first: it refuses most requests (every pod's) at once, before any decoding here.
  handler.canHandle = async (input) => {
    await canHandle(input);
    check(input.request);
  };
  handler.handle = async (input) => {
    check(input.request);
    return handle(input);
  };
  handler.handleSafe = async (input) => {
    await handler.canHandle(input);
    return handler.handle(input);
  };
}
