import type { StoredAccount } from '../auth/credentials.js';
import { openSession, type HearthSession } from '../auth/session.js';
import { HearthError, describe } from '../errors.js';
import { createAccount } from '../account/provision.js';
import { listFollowers } from '../social/notifications.js';
import type { Delivery } from '../social/notify.js';
import type { ImportResult } from './import-core.js';
import { exportPod } from './node/export-file.js';
import { importPod } from './node/import-file.js';
import { announceMovedTo, confirmAlsoKnownAs, notifyFollowersOfMove } from './moved.js';
import { followAsBefore, type Refollowed } from './refollow.js';
import type { ProgressListener } from './progress.js';

/** What `movePod` needs. */
export interface MoveOptions {
  /** The old account's manager session. */
  from: HearthSession;
  /** The old pod's base URL. */
  fromPod: string;
  /** The target pod server. */
  server: string;
  /** Name of the new account and pod there. */
  name: string;
  /** Email of the new account's password login. */
  email: string;
  /** Its password (goes to the new server only). */
  password: string;
  /** Where to keep the archive on the way (the caller removes it when the move succeeded). */
  archive: string;
  /** Called as soon as the new account exists, so it can be saved before anything else may fail. */
  onAccountCreated?: (account: StoredAccount) => Promise<void>;
  /** Progress of the export and the import. */
  onProgress?: ProgressListener;
}

/** What a move did. */
export interface MoveResult {
  /** The new account (with its manager credential: keep it like the old one). */
  account: StoredAccount;
  /** The import into the new pod. */
  imported: ImportResult;
  /** Whether each follower got the `as:Move`. */
  followers: { follower: string; delivery: Delivery }[];
  /** Everyone the old account followed, now followed by the new one, and whether each got its `as:Follow`. */
  following: Refollowed[];
  /** Why nobody could be followed from the new account, when the old account's following list could not be read. */
  followingError?: string;
  /** Why no follower was told of the move, when the old account's followers could not be listed. */
  followersError?: string;
}

/** A move stopped half-way: `step` says where; the archive is kept so that the import can be run again. */
export class MoveError extends HearthError {
  /** The step that failed. */
  readonly step: string;
  constructor(step: string, message: string, cause: unknown) {
    super('MOVE_FAILED', message, { cause });
    this.step = step;
  }
}

/**
 * Moves a pod to another server: exports it, creates an account there, imports into it, confirms the new profile as
 * also the old WebID, states `as:movedTo` in the old profile, follows from the new account everyone the old one
 * followed
 * (each gets an `as:Follow` from the new WebID) and sends an `as:Move` to every follower.
 */
export async function movePod(options: MoveOptions): Promise<MoveResult> {
  const old = options.from;
  await exportPod({
    fetch: old.fetch,
    podUrl: options.fromPod,
    webId: old.webId,
    out: options.archive,
    managerClientId: old.clientId,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const account = await createAccount({
    server: options.server,
    name: options.name,
    email: options.email,
    password: options.password,
  });
  await options.onAccountCreated?.(account);
  const finish = `Run \`hearth import ${options.archive}\` as that account to finish; the old pod is unchanged.`;
  let session: HearthSession;
  try {
    session = await openSession({
      server: account.server,
      clientId: account.manager.id,
      clientSecret: account.manager.secret,
    });
  } catch (error: unknown) {
    throw new MoveError(
      'import',
      `The new account ${account.podUrl} was created, but could not be logged in to: ${describe(error)} ` + finish,
      error,
    );
  }
  try {
    let imported: ImportResult;
    try {
      imported = await importPod({
        fetch: session.fetch,
        file: options.archive,
        podUrl: account.podUrl,
        webId: account.webId,
        managerClientId: account.manager.id,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      await confirmAlsoKnownAs(session.fetch, account.webId, old.webId);
    } catch (error: unknown) {
      throw new MoveError(
        'import',
        `The new account ${account.podUrl} was created, but the import stopped: ${describe(error)} ${finish}`,
        error,
      );
    }
    try {
      await announceMovedTo(old.fetch, old.webId, account.webId);
    } catch (error: unknown) {
      throw new MoveError(
        'announce',
        `Everything was copied to ${account.podUrl}, but the old profile could not say so: ${describe(error)}`,
        error,
      );
    }
    let following: Refollowed[] = [];
    let followingError: string | undefined;
    try {
      following = await followAsBefore(old, session);
    } catch (error: unknown) {
      followingError = describe(error);
    }
    let followers: string[] = [];
    let followersError: string | undefined;
    try {
      followers = await listFollowers(old);
    } catch (error: unknown) {
      // Everything else is done: the move stands, and the result says that nobody could be told, and why.
      if (!(error instanceof HearthError)) throw error;
      followersError = describe(error);
    }
    return {
      account,
      imported,
      following,
      ...(followingError ? { followingError } : {}),
      ...(followersError ? { followersError } : {}),
      followers: await notifyFollowersOfMove(old, followers, account.webId),
    };
  } finally {
    await session.logout();
  }
}
