/** Base class of every error Hearth throws on purpose; `code` is stable, `message` is for people. */
export class HearthError extends Error {
  /** A stable machine-readable code, e.g. `PORT_IN_USE`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad input from the caller (a flag, a name, a password rule): nothing was changed. */
export class InvalidInputError extends HearthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_INPUT', message, options);
  }
}

/** The pod server could not be started (port taken, data folder not writable, bad config). */
export class ServerStartError extends HearthError {}

/** The server answered with an HTTP error; `status` is its status code. */
export class HttpError extends HearthError {
  /** HTTP status code the server answered with. */
  readonly status: number;
  /** The URL that was requested. */
  readonly url: string;
  constructor(status: number, url: string, message: string) {
    super(statusCode(status), message);
    this.status = status;
    this.url = url;
  }
}

/** The requested resource does not exist (404/410). */
export class NotFoundError extends HttpError {}

/** The server refused the request (401/403). */
export class ForbiddenError extends HttpError {}

/**
 * The server could not be reached at all (refused, DNS, timeout); `hint` (e.g. "Is the pod server running?") ends the
 * message.
 */
export class NetworkError extends HearthError {
  /** The URL that could not be reached. */
  readonly url: string;
  constructor(url: string, cause: unknown, hint?: string) {
    super('NETWORK', `Cannot reach ${url} (${networkReason(cause)}).${hint ? ` ${hint}` : ''}`, { cause });
    this.url = url;
  }
}

/** A local file could not be read or written (missing, a folder, no permission, already there). */
export class FileError extends HearthError {
  /** The file. */
  readonly path: string;
  constructor(
    code: 'FILE_NOT_FOUND' | 'FILE_EXISTS' | 'FILE_ACCESS',
    path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.path = path;
  }
}

/** No stored account, or its credentials no longer work. */
export class NotLoggedInError extends HearthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NOT_LOGGED_IN', message, options);
  }
}

/** Builds the typed error for a failed HTTP response, reading at most a little of its body. */
export async function httpErrorFor(response: Response, action: string): Promise<HttpError> {
  // A browser's answer to `redirect: 'manual'`: status 0, and where it points is hidden. Node's fetch gives the 3xx.
  if (response.type === 'opaqueredirect')
    return new HttpError(response.status, response.url, `${action} failed: it redirects elsewhere, never followed`);
  const detail = await readErrorDetail(response);
  const message =
    `${action} failed: ${response.status} ${response.statusText || ''}`.trim() + (detail ? ` (${detail})` : '');
  if (response.status === 404 || response.status === 410)
    return new NotFoundError(response.status, response.url, message);
  if (response.status === 401 || response.status === 403)
    return new ForbiddenError(response.status, response.url, message);
  return new HttpError(response.status, response.url, message);
}

/** Whether `error` is a Node system error (or any error) whose `code` is one of `codes`, e.g. `ENOENT`. */
export function hasErrorCode(error: unknown, ...codes: string[]): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && codes.includes(code);
}

/**
 * Marks a promise whose failure is handled elsewhere (or deliberately ignored: why, at the call), so it never becomes
 * an unhandled rejection. The promise itself is unchanged: whoever awaits it still sees its failure.
 */
export function ignoreFailure(promise: Promise<unknown>): void {
  promise.catch(() => undefined);
}

/** A short human text for any thrown value. */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const code = (cause as { code?: string } | undefined)?.code;
    return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}

/** Why a request got no answer, in a few plain words: "connection refused", "no such host", "no answer within 5 s". */
export function networkReason(cause: unknown): string {
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'no such host',
    EAI_AGAIN: 'the host name could not be looked up',
    ECONNRESET: 'the connection was reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'the connection timed out',
    UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
    UND_ERR_SOCKET: 'the connection was closed',
    UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
    UND_ERR_BODY_TIMEOUT: 'the answer stopped coming',
    EPIPE: 'the connection was closed',
    ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another name',
    CERT_HAS_EXPIRED: 'its TLS certificate has expired',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
    SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate is self-signed',
  };
  for (
    let current = cause as { code?: unknown; cause?: unknown; message?: unknown; name?: unknown } | undefined,
      depth = 0;
    current && depth < 5;
    current = current.cause as typeof current, depth += 1
  ) {
    if (typeof current.code === 'string' && reasons[current.code]) return reasons[current.code]!;
    if (current.name === 'TimeoutError') return 'no answer in time';
    const message = typeof current.message === 'string' ? current.message : '';
    const named = Object.keys(reasons).find((code) => message.includes(code));
    if (named) return reasons[named]!;
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return message === 'fetch failed' || message === '' ? 'network error' : message;
}

function statusCode(status: number): string {
  if (status === 404 || status === 410) return 'NOT_FOUND';
  if (status === 401 || status === 403) return 'FORBIDDEN';
  return 'HTTP_ERROR';
}

async function readErrorDetail(response: Response): Promise<string> {
  let text: string;
  try {
    text = (await response.text()).slice(0, 2000);
  } catch {
    // Best effort: the body is only a detail of the HTTP error being built, which must not turn into the failure of
    // reading it (a connection broken or aborted after the status came).
    return '';
  }
  if (!text) return '';
  try {
    const json = JSON.parse(text) as { message?: unknown } | null;
    if (typeof json?.message === 'string') return json.message.slice(0, 300);
  } catch (error: unknown) {
    if (!(error instanceof SyntaxError)) throw error;
    // Not JSON: fall through to plain text.
  }
  return text.replace(/\s+/gu, ' ').slice(0, 200);
}
