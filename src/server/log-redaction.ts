// CSS logs, from `info` down to `debug`, the identifiers of its own storage and the URLs of requests. Some of those
// are bearer secrets: an account token is the name of its record (`.internal/accounts/cookies/<token>`), the
// identity provider keeps sessions, codes and tokens under their own value (`.internal/idp/adapter/<kind>/<id>`), a
// WebSocket notification channel is reached by its id alone. Hearth passes every message of the server through
// `redactSecrets` before CSS's logger (winston) sees it, whatever the level.
import type { LoggerFactory } from '@solid/community-server';

type Css = typeof import('@solid/community-server');

/** What a redacted value is replaced by. */
export const redacted = '[redacted]';

/** A path separator, as is or percent-encoded once or twice (storage keys embed encoded URLs). */
const sep = '(?:/|%2F|%252F)';
const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

const rules: [RegExp, string | ((...groups: string[]) => string)][] = [
  // Authorization header values.
  [/\b(CSS-Account-Token|Bearer|DPoP)(\s+|%20)[\w.~+/=-]+/giu, `$1$2${redacted}`],
  // JSON fields that carry credentials.
  [
    /("(?:authorization|password|secret|client_secret|cookie|token|access_token|refresh_token|id_token)"\s*:\s*")(?:[^"\\]|\\.)*"/giu,
    `$1${redacted}"`,
  ],
  // Query parameters that carry credentials.
  [
    /([?&](?:code|token|access_token|refresh_token|id_token|id_token_hint|client_secret|password|auth)=)[^&#\s"']*/giu,
    `$1${redacted}`,
  ],
  // JSON Web Tokens (access and ID tokens, DPoP proofs).
  [/\beyJ[\w-]*\.[\w-]*\.[\w-]*/gu, redacted],
  // Records of CSS's storage named by a secret: account tokens, password reset links, identity provider state.
  [
    new RegExp(`((?:accounts${sep}(?:cookies|forgot-password)|idp${sep}adapter${sep}[A-Za-z]+)${sep})[\\w~-]+`, 'giu'),
    `$1${redacted}`,
  ],
  // Notification channels: a WebSocket channel's id is all it takes to receive its notifications.
  [new RegExp(`(\\.notifications${sep}\\w+${sep})${uuid}`, 'giu'), `$1${redacted}`],
  // CSS messages naming a cookie or an identity provider record by its value.
  [
    /(\bcookie\s+)[\w-]+(\s+with\s+)?([\w-]+)?/giu,
    (_all, label: string, withWord?: string, second?: string) =>
      `${label}${redacted}${withWord && second ? `${withWord}${redacted}` : (withWord ?? '')}`,
  ],
  [/(\bpayload data (?:for|at)\s+)\S+/giu, `$1${redacted}`],
  [/(\brecord ID\s+)\S+/giu, `$1${redacted}`],
];

/** `message` with every credential, token and secret-named record it shows replaced by `[redacted]`. */
export function redactSecrets(message: string): string {
  let result = message;
  for (const [pattern, replacement] of rules) {
    result =
      typeof replacement === 'string' ? result.replace(pattern, replacement) : result.replace(pattern, replacement);
  }
  return result;
}

/** CSS's log levels (winston's npm levels), most severe first. */
const levels = ['error', 'warn', 'info', 'verbose', 'debug', 'silly'];

/**
 * Makes every logger `factory` creates from now on redact its messages (see {@link redactSecrets}). Messages of a level
 * the factory's logger drops (CSS writes many `debug` ones on every request) are dropped here, before any redaction.
 */
export function redactLogsOf(css: Css, factory: LoggerFactory): void {
  const createLogger = factory.createLogger.bind(factory);
  const configured = levels.indexOf(String((factory as { level?: unknown }).level));
  const shown = (level: string): boolean => configured < 0 || levels.indexOf(level) <= configured;
  factory.createLogger = (label) => {
    const logger = createLogger(label);
    return new css.WrappingLogger({
      log: (level, message, meta) => (shown(level) ? logger.log(level, redactSecrets(String(message)), meta) : logger),
    });
  };
}
