import { HearthError } from '../errors.js';
import { AccountApi } from '../account/account-api.js';
import { deleteAppCredential, endAccountSession } from './apps.js';
import {
  findApp,
  forgetApp,
  listGrants,
  revokeAccess,
  revokeAllAccess,
  type PodOwner,
  type Revocation,
} from './grants.js';
import type { AppRecord } from './record.js';

/** One part of an app's access to take back: a target (area or container path), some modes, or both. */
export interface RevokePart {
  /** An area name, a container path in the pod, or its full URL; none: everywhere. */
  target?: string;
  /** read, append, write; none: every mode. */
  modes?: readonly string[];
}

/** How to delete the client credentials (made by `apps add`) of the apps revoked whole: an account API login. */
export interface CredentialDeletion {
  /** The pod server's base URL (its account API). */
  server: string;
  /** The account's email. */
  email: string;
  /**
   * The account's password, asked for once with the names of the credentials to delete, before anything changes (so a
   * prompt cancelled by throwing changes nothing); an empty answer keeps the credentials (their access is revoked).
   */
  password: (credentialNames: string[]) => Promise<string>;
}

/**
 * How to delete the client credentials of the apps revoked whole through an account API session already signed in
 * (Hearth's web page: the browser's account cookie, `browserAccountApi`): nothing is asked, and the session stays.
 */
export interface SignedInCredentialDeletion {
  /** The signed-in account API of the pod's server. */
  api: AccountApi;
}

/** What `revokeAll` takes back besides access. */
export interface RevokeOptions {
  /** Take the app out of the record once its access is gone (default true; only when all of its access is revoked). */
  forget?: boolean;
  /** Delete the client credentials of the apps revoked whole; without it they stay (no access, still in the record). */
  deleteCredential?: CredentialDeletion | SignedInCredentialDeletion;
}

/** What `revokeApp` takes back: some parts of the app's access, or all of it and more (`RevokeOptions`). */
export interface RevokeAppOptions extends RevokeOptions {
  /** Only these parts (the app stays in the record, its credential too); none or empty: all of its access. */
  parts?: readonly RevokePart[];
}

/** Why client credentials were kept: no password was given, or deleting them failed. */
export interface KeptCredentials {
  /** Names of the apps whose credential remains. */
  names: string[];
  /** The error that stopped the deletion; absent when no password was given (or no `deleteCredential`). */
  error?: HearthError;
}

/** All an app revocation did: the access taken back, the apps forgotten, the credentials deleted or kept. */
export interface AppRevocation {
  /** One entry per app and part revoked. */
  revocations: Revocation[];
  /** Client ids of the apps taken out of the record. */
  forgotten: string[];
  /** Names of the apps whose client credential was deleted. */
  credentialsDeleted: string[];
  /** The credentials that remain, and why; absent when none had to. */
  credentialsKept?: KeptCredentials;
}

/**
 * Takes an app's access back: the `parts` named, or (none) all of it; then, for a whole revocation, deletes its client
 * credential (with `deleteCredential`) and forgets it (unless `forget: false`). An app whose credential remains stays
 * in the record, so a later revocation can delete it. The access is gone when this returns, whatever became of the
 * credential; a credential that could not be deleted is in `credentialsKept`.
 */
export async function revokeApp(owner: PodOwner, app: string, options: RevokeAppOptions = {}): Promise<AppRevocation> {
  const parts = options.parts ?? [];
  if (parts.length > 0) {
    const revocations: Revocation[] = [];
    for (const part of parts) revocations.push(await revokeAccess(owner, app, part));
    return { revocations, forgotten: [], credentialsDeleted: [] };
  }
  const known = await listGrants(owner);
  const whole = known.filter((a) => a === findApp(known, app));
  return revokeWhole(owner, whole, async () => [await revokeAccess(owner, app)], options);
}

/** Cuts every app off (`revokeAllAccess`), then deletes their credentials and forgets them as `revokeApp` does. */
export async function revokeAll(owner: PodOwner, options: RevokeOptions = {}): Promise<AppRevocation> {
  return revokeWhole(owner, await listGrants(owner), () => revokeAllAccess(owner), options);
}

/** Revokes apps whole: asks for the password first, revokes, deletes credentials, then forgets what may go. */
async function revokeWhole(
  owner: PodOwner,
  whole: AppRecord[],
  revoke: () => Promise<Revocation[]>,
  options: RevokeOptions,
): Promise<AppRevocation> {
  const credentials = whole.filter((a) => a.kind === 'client-credential');
  const deletion = options.deleteCredential;
  const signedIn = deletion && 'api' in deletion ? deletion.api : undefined;
  const byPassword = deletion && !('api' in deletion) ? deletion : undefined;
  const password = credentials.length && byPassword ? await byPassword.password(credentials.map((a) => a.name)) : '';
  const revocations = await revoke();
  const deleted: string[] = [];
  let credentialsKept: KeptCredentials | undefined;
  if (credentials.length && !signedIn && !(byPassword && password)) {
    credentialsKept = { names: credentials.map((a) => a.name) };
  } else if (credentials.length) {
    const login = signedIn ?? { deletion: byPassword!, password };
    const error = await deleteCredentials(login, credentials, deleted);
    if (error)
      credentialsKept = { names: credentials.filter((a) => !deleted.includes(a.name)).map((a) => a.name), error };
  }
  const forgotten =
    options.forget === false
      ? []
      : whole.filter((a) => a.kind !== 'client-credential' || deleted.includes(a.name)).map((a) => a.id);
  for (const id of forgotten) await forgetApp(owner, id);
  return { revocations, forgotten, credentialsDeleted: deleted, ...(credentialsKept ? { credentialsKept } : {}) };
}

/**
 * Logs in to the account API (unless given one signed in) and deletes the credentials one by one, adding each deleted
 * name to `deleted`; answers the error that stopped it (a refusal, an unreachable server), if any. Errors that are no
 * HearthError are bugs: thrown.
 */
async function deleteCredentials(
  login: AccountApi | { deletion: CredentialDeletion; password: string },
  credentials: AppRecord[],
  deleted: string[],
): Promise<HearthError | undefined> {
  const api = login instanceof AccountApi ? login : new AccountApi(login.deletion.server);
  try {
    if (!(login instanceof AccountApi)) await api.login(login.deletion.email, login.password);
    for (const credential of credentials) {
      await deleteAppCredential(api, credential);
      deleted.push(credential.name);
    }
    return undefined;
  } catch (error: unknown) {
    if (!(error instanceof HearthError)) throw error;
    return error;
  } finally {
    // A session signed in by someone else (the browser's) is theirs to end.
    if (!(login instanceof AccountApi)) await endAccountSession(api);
  }
}
