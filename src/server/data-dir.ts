// The data folder holds the identity provider's private keys, every client secret and all pods: nobody but the
// user running the server may read it. The server creates it 0700 and, while it runs, the process umask is 077,
// so that everything CSS writes into it is 0600 (files) or 0700 (folders).
import { access, chmod, constants, mkdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { ServerStartError, describe, hasErrorCode } from '../errors.js';

/** Something about a server's setup its operator should fix; the server runs anyway. */
export interface PodServerWarning {
  /**
   * Stable code: `DATA_DIR_NOT_PRIVATE` when other users of the machine may read or change the data folder;
   * `WEB_PAGE_NOT_BUILT` when the owner's web page is on but `npm run build` has not built it (`/hearth/` says 503);
   * `WEB_PAGE_NO_SIGN_IN` when the base URL is neither https nor localhost (nobody can sign in to the page);
   * `WEB_PAGE_HIDES_POD` when a pod named `hearth`, made by an older Hearth, lies under the page's path.
   */
  readonly code: 'DATA_DIR_NOT_PRIVATE' | 'WEB_PAGE_NOT_BUILT' | 'WEB_PAGE_NO_SIGN_IN' | 'WEB_PAGE_HIDES_POD';
  /** One line for people. */
  readonly message: string;
}

/**
 * Creates the data folder (and missing parents) private to this user, or checks an existing one; answers the
 * warnings for its operator. Throws `DATA_DIR_NOT_WRITABLE` when the server could not use it.
 */
export async function prepareDataDir(dataDir: string): Promise<PodServerWarning[]> {
  let existing: Stats | undefined;
  try {
    existing = await stat(dataDir).catch((error: unknown) => {
      if (hasErrorCode(error, 'ENOENT')) return undefined; // Not there yet: made below.
      throw error;
    });
    if (existing === undefined) {
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
      await chmod(dataDir, 0o700);
    } else if (!existing.isDirectory()) {
      throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    }
    await access(dataDir, constants.W_OK | constants.R_OK | constants.X_OK);
  } catch (error: unknown) {
    throw new ServerStartError(
      'DATA_DIR_NOT_WRITABLE',
      `The data folder ${dataDir} is not writable (${(error as { code?: string }).code ?? describe(error)}). ` +
        'Choose another with --data or HEARTH_DATA.',
      { cause: error },
    );
  }
  return existing === undefined ? [] : openness(dataDir, existing);
}

function openness(dataDir: string, stats: Stats): PodServerWarning[] {
  const others = stats.mode & 0o077;
  if (others === 0) return [];
  const what = others & 0o022 ? (others & 0o044 ? 'read and changed' : 'changed') : 'read';
  const mode = (stats.mode & 0o777).toString(8);
  return [
    {
      code: 'DATA_DIR_NOT_PRIVATE',
      message:
        `The data folder ${dataDir} can be ${what} by other users of this machine (mode ${mode}), and it holds ` +
        `the server's private keys, client secrets and pods: make it private with chmod -R go-rwx ${dataDir}`,
    },
  ];
}

let holders = 0;
let umaskBefore: number | undefined;

/**
 * Sets the process umask to 077 (files 0600, folders 0700) until the returned function is called (by every
 * server that asked, when several run in one process). In a worker thread, where the umask cannot be changed,
 * it does nothing: the data folder's own mode still keeps other users out.
 */
export function holdPrivateUmask(): () => void {
  let previous: number;
  try {
    previous = process.umask(0o077);
  } catch (error: unknown) {
    if (!hasErrorCode(error, 'ERR_WORKER_UNSUPPORTED_OPERATION')) throw error;
    return () => undefined;
  }
  if (holders === 0) umaskBefore = previous;
  holders += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders -= 1;
    if (holders === 0 && umaskBefore !== undefined) process.umask(umaskBefore);
  };
}
