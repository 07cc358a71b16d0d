import { HearthError, InvalidInputError } from '../errors.js';
import { readBounded } from '../social/remote.js';
import { cleanText } from '../text.js';
import type { AccountApi } from '../account/account-api.js';

/** How an app proves who it is: a client credential of the owner's account, or a Solid-OIDC Client ID Document. */
export type AppKind = 'client-credential' | 'client-id-document';

/** An app as the owner knows it. */
export interface AppInfo {
  /**
   * The `client_id` its tokens carry: `<name>_<uuid>` for client credentials, the document URL for Client ID Documents.
   */
  id: string;
  /** What the owner calls it: the credential's name, or the document's `client_name`. */
  name: string;
  /** How it logs in. */
  kind: AppKind;
  /** The app's home page (`client_uri` of its document), if any. */
  homepage?: string;
  /** For client credentials: the account API resource to DELETE to remove the credential. */
  credentialResource?: string;
}

/** The app named is not one the owner has added or granted anything to. */
export class UnknownAppError extends HearthError {
  constructor(app: string, known: string[]) {
    super(
      'UNKNOWN_APP',
      `No app "${app}" here` +
        (known.length ? `; known apps: ${known.join(', ')}.` : ': add one with `hearth apps add`.'),
    );
  }
}

/** A Client ID Document could not be fetched or is not a valid one. */
export class ClientIdDocumentError extends HearthError {
  /** URL of the document. */
  readonly url: string;
  constructor(url: string, message: string, options?: { cause?: unknown }) {
    super('BAD_CLIENT_ID_DOCUMENT', message, options);
    this.url = url;
  }
}

/** Whether an app reference is a Client ID Document URL rather than a name or a client-credential id. */
export function isClientIdUrl(app: string): boolean {
  return /^https?:\/\/[^\s]+$/u.test(app);
}

/** Names Hearth accepts for the apps it makes credentials for. */
export function validateAppName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/u.test(name)) {
    throw new InvalidInputError(
      `"${name}" is not a usable app name: use 1 to 40 letters, digits, "-" or "_", starting with a letter or digit.`,
    );
  }
}

/**
 * Creates a client credential for `webId` (an app of the owner's own: a script, a bot). Needs an account API
 * logged in with the owner's password: CSS 7.2 hands credentials only to account tokens. The secret is in the answer
 * only.
 */
export async function createClientCredentialApp(
  api: AccountApi,
  name: string,
  webId: string,
): Promise<{ app: AppInfo; secret: string }> {
  validateAppName(name);
  const credential = await api.createClientCredential(name, webId);
  return {
    app: { id: credential.id, name, kind: 'client-credential', credentialResource: credential.resource },
    secret: credential.secret,
  };
}

/**
 * Deletes a client-credential app's credential (tokens already issued stay valid until they expire: revoke its grants
 * first).
 */
export async function deleteAppCredential(api: AccountApi, app: AppInfo): Promise<boolean> {
  if (app.kind !== 'client-credential') return false;
  // The account's own list says where the credential is: a URL in the record (which an import or a tampered record
  // may have written) is never used, so the account's token or cookie goes nowhere else.
  const resource = (await api.listClientCredentials())[app.id];
  if (!resource) return false;
  await api.deleteResource(resource);
  return true;
}

/** Bounds for reading a Client ID Document from the network. */
export interface FetchBounds {
  /** Give up after this many milliseconds (default 5000). */
  timeoutMs?: number;
  /** Read at most this many bytes (default 64 KiB). */
  maxBytes?: number;
  /** An overall deadline this fetch is part of (e.g. a whole listing of access requests). */
  signal?: AbortSignal;
}

/** Fetches and checks a Solid-OIDC Client ID Document (bounded in time and size); answers the app it describes. */
export async function fetchClientIdDocument(
  url: string,
  fetchFn: typeof fetch = fetch,
  bounds: FetchBounds = {},
): Promise<AppInfo> {
  if (!isClientIdUrl(url))
    throw new ClientIdDocumentError(url, `"${url}" is not an http(s) URL, so it cannot be a Client ID Document.`);
  // Bounded like every read of someone else's data (src/social/remote.ts), and never redirected: the app is named by
  // the
  // document at its own URL, not by one somewhere else.
  const limits = { timeoutMs: bounds.timeoutMs ?? 5000, maxBytes: bounds.maxBytes ?? 65_536, maxRedirects: 0 };
  const { text } = await readBounded(
    fetchFn,
    url,
    { ...limits, ...(bounds.signal ? { signal: bounds.signal } : {}) },
    'application/ld+json, application/json',
  );
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (error: unknown) {
    // The parser's own text ("Unexpected token ...") says nothing to a person: the document is not JSON, that is all.
    if (!(error instanceof SyntaxError)) throw error;
    throw new ClientIdDocumentError(url, `${url} is not a Client ID Document: not JSON.`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || json.client_id !== url) {
    throw new ClientIdDocumentError(url, `${url} is not a Client ID Document: its client_id must be its own URL.`);
  }
  const name = typeof json.client_name === 'string' ? cleanText(json.client_name, 100) : '';
  const homepage =
    typeof json.client_uri === 'string' && isClientIdUrl(json.client_uri) ? json.client_uri.slice(0, 500) : undefined;
  return { id: url, name: name || new URL(url).host, kind: 'client-id-document', ...(homepage ? { homepage } : {}) };
}

/**
 * Logs an account API session out once its work is done. A logout that fails (the server went away meanwhile) only
 * leaves a token that expires by itself: it is not worth hiding what was done, or why it failed. Other errors are bugs.
 */
export async function endAccountSession(api: AccountApi): Promise<void> {
  try {
    await api.logout();
  } catch (error: unknown) {
    if (!(error instanceof HearthError)) throw error;
  }
}
