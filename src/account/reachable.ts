import { HearthError, NetworkError } from '../errors.js';
import { NoAnswerError, requestTimeoutMs, withinTimeLimit } from '../request-timeout.js';
import { normalizeBaseUrl } from '../url.js';

/** A server answered, but not as a Solid pod server does (no Community Solid Server account API at `/.account/`). */
export class NotAPodServerError extends HearthError {
  /** The server's base URL. */
  readonly server: string;
  constructor(server: string, message: string, options?: { cause?: unknown }) {
    super('NOT_A_POD_SERVER', message, options);
    this.server = server;
  }
}

/**
 * How long `checkPodServer` waits for an answer unless told otherwise: 10 s, or less when a shorter request time limit
 * is set.
 */
export const defaultCheckTimeoutMs = 10_000;

/** What `checkPodServer` may be told. */
export interface ServerCheckOptions {
  /** The fetch to use (default: global fetch, no credentials). */
  fetch?: typeof fetch;
  /** Give up after this many milliseconds (default 10 s, or the request time limit in force when shorter). */
  timeoutMs?: number;
  /** What ends the message when the server cannot be reached (default "Is the pod server running?"). */
  hint?: string;
}

/**
 * Checks that a pod server answers, with one GET of its account API (`/.account/`) within the time limit, so that a
 * command says which server it cannot reach before asking for anything. Answers the server's base URL (with its `/`).
 * Throws NetworkError (refused, no such host), NoAnswerError (no answer in time) or NotAPodServerError (it answered
 * something else).
 */
export async function checkPodServer(server: string, options: ServerCheckOptions = {}): Promise<string> {
  const base = normalizeBaseUrl(server);
  const url = new URL('.account/', base).href;
  const timeoutMs = options.timeoutMs ?? Math.min(defaultCheckTimeoutMs, requestTimeoutMs());
  let answer: { status: number; ok: boolean; type: string; body: string };
  try {
    answer = await withinTimeLimit(
      base,
      timeoutMs,
      undefined,
      async (signal) => {
        const response = await (options.fetch ?? fetch)(url, {
          headers: { accept: 'application/json' },
          redirect: 'manual',
          signal,
        });
        // Read, not cancelled (CSS logs an error for every aborted body); the time limit bounds the read too.
        const body = await response.text();
        return {
          status: response.status,
          ok: response.ok,
          type: (response.headers.get('content-type') ?? '').split(';')[0]!.trim(),
          body,
        };
      },
      `a check that it is a pod server (GET ${url})`,
    );
  } catch (error: unknown) {
    if (error instanceof NoAnswerError) throw error;
    throw new NetworkError(base, error, options.hint ?? 'Is the pod server running?');
  }
  let controls = false;
  let notJson: SyntaxError | undefined;
  try {
    controls =
      answer.type === 'application/json' &&
      typeof (JSON.parse(answer.body) as { controls?: unknown } | null)?.controls === 'object';
  } catch (error: unknown) {
    if (!(error instanceof SyntaxError)) throw error;
    notJson = error; // Not JSON: not an account API.
  }
  if (!answer.ok || !controls) {
    throw new NotAPodServerError(
      base,
      `${base} answered, but not as a Solid pod server does (${url} gave ${answer.status}` +
        `${answer.type ? ` ${answer.type}` : ''}, not Community Solid Server's account API): check the address.`,
      notJson ? { cause: notJson } : undefined,
    );
  }
  return base;
}
