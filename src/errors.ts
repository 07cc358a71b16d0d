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
  constructor(message: string) {
    super('INVALID_INPUT', message);
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

/** The server could not be reached at all (refused, DNS, timeout). */
export class NetworkError extends HearthError {
  constructor(url: string, cause: unknown) {
    super('NETWORK', `Cannot reach ${url}: ${describe(cause)}. Is the server running?`, { cause });
  }
}

/** No stored account, or its credentials no longer work. */
export class NotLoggedInError extends HearthError {
  constructor(message: string) {
    super('NOT_LOGGED_IN', message);
  }
}

/** Builds the typed error for a failed HTTP response, reading at most a little of its body. */
export async function httpErrorFor(response: Response, action: string): Promise<HttpError> {
  const detail = await readErrorDetail(response);
  const message = `${action} failed: ${response.status} ${response.statusText || ''}`.trim() + (detail ? ` (${detail})` : '');
  if (response.status === 404 || response.status === 410) return new NotFoundError(response.status, response.url, message);
  if (response.status === 401 || response.status === 403) return new ForbiddenError(response.status, response.url, message);
  return new HttpError(response.status, response.url, message);
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

function statusCode(status: number): string {
  if (status === 404 || status === 410) return 'NOT_FOUND';
  if (status === 401 || status === 403) return 'FORBIDDEN';
  return 'HTTP_ERROR';
}

async function readErrorDetail(response: Response): Promise<string> {
  try {
    const text = (await response.text()).slice(0, 2000);
    if (!text) return '';
    try {
      const json = JSON.parse(text) as { message?: unknown };
      if (typeof json.message === 'string') return json.message.slice(0, 300);
    } catch {
      // Not JSON: fall through to plain text.
    }
    return text.replace(/\s+/gu, ' ').slice(0, 200);
  } catch {
    return '';
  }
}
