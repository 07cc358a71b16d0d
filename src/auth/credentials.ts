import { chmod, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NotLoggedInError, hasErrorCode } from '../errors.js';

/** What Hearth keeps about one account on this machine (in a file of mode 0600). */
export interface StoredAccount {
  /** Base URL of the pod server. */
  server: string;
  /** Pod name on that server. */
  name: string;
  /** Email of the password login. */
  email: string;
  /** The owner's WebID. */
  webId: string;
  /** URL of the pod. */
  podUrl: string;
  /** Hearth's manager client credential: the only client with Control over the pod. */
  manager: { id: string; secret: string; resource?: string };
  /** When the account was created or last logged in here (ISO date). */
  savedAt: string;
}

/** The folder Hearth keeps its credentials in: `$HEARTH_HOME`, else `~/.hearth`. */
export function hearthHome(env: NodeJS.ProcessEnv = {}): string {
  return env.HEARTH_HOME || join(homedir(), '.hearth');
}

/** A stable key for an account: `name@host:port`. */
export function accountKey(account: Pick<StoredAccount, 'name' | 'server'>): string {
  return `${account.name}@${new URL(account.server).host}`;
}

/** Saves an account's credentials (mode 0600, folder 0700) and makes it the current account. */
export async function saveAccount(home: string, account: StoredAccount): Promise<string> {
  const dir = join(home, 'accounts');
  // The folders Hearth makes are its owner's alone; a HEARTH_HOME that already existed keeps its mode.
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const file = accountFile(home, account);
  await writePrivate(file, `${JSON.stringify(account, null, 2)}\n`);
  await writePrivate(join(home, 'current'), `${accountKey(account)}\n`);
  return file;
}

/** The file an account's credentials are kept in, under `home`. */
export function accountFile(home: string, account: Pick<StoredAccount, 'name' | 'server'>): string {
  return join(home, 'accounts', `${fileSafe(accountKey(account))}.json`);
}

/** Loads an account by key (`name@host:port`, or just `name` when that is unambiguous); default: the current one. */
export async function loadAccount(home: string, key?: string): Promise<StoredAccount> {
  const wanted = key ?? (await readCurrent(home));
  const all = await listAccounts(home);
  if (!wanted) {
    throw new NotLoggedInError('No Hearth account on this machine yet: run `hearth account create` or `hearth login`.');
  }
  const matches = all.filter((account) => accountKey(account) === wanted || account.name === wanted);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new NotLoggedInError(`"${wanted}" names several accounts: use one of ${matches.map(accountKey).join(', ')}.`);
  }
  throw new NotLoggedInError(
    `No stored account "${wanted}"` +
      (all.length
        ? `; known here: ${all.map(accountKey).join(', ')}.`
        : ': run `hearth account create` or `hearth login`.'),
  );
}

/** Removes an account's stored credentials (after the account was deleted); clears `current` if it was that one. */
export async function forgetAccount(home: string, account: Pick<StoredAccount, 'name' | 'server'>): Promise<void> {
  const key = accountKey(account);
  await rm(accountFile(home, account), { force: true });
  if ((await readCurrent(home)) === key) await rm(join(home, 'current'), { force: true });
}

/** Every account stored in `home`. */
export async function listAccounts(home: string): Promise<StoredAccount[]> {
  let files: string[];
  try {
    files = await readdir(join(home, 'accounts'));
  } catch (error: unknown) {
    if (hasErrorCode(error, 'ENOENT')) return []; // No account saved here yet.
    throw error;
  }
  const accounts: StoredAccount[] = [];
  for (const file of files.filter((name) => name.endsWith('.json')).sort()) {
    const path = join(home, 'accounts', file);
    const text = await readFile(path, 'utf8');
    let account: Partial<StoredAccount> | null | undefined;
    let notJson: SyntaxError | undefined;
    try {
      account = JSON.parse(text) as Partial<StoredAccount> | null;
    } catch (error: unknown) {
      if (!(error instanceof SyntaxError)) throw error;
      notJson = error; // Reported below.
    }
    if (
      !account ||
      typeof account.server !== 'string' ||
      typeof account.name !== 'string' ||
      typeof account.manager?.id !== 'string'
    ) {
      throw new NotLoggedInError(
        `${path} is not a Hearth account file (it is damaged or was put there by hand): ` +
          'move it out of that folder, or put back a copy of the original.',
        notJson ? { cause: notJson } : undefined,
      );
    }
    accounts.push(account as StoredAccount);
  }
  return accounts;
}

/** The key (`name@host:port`) of the current account, if there is one. */
export async function currentAccountKey(home: string): Promise<string | undefined> {
  return readCurrent(home);
}

/** Makes a stored account (by key, or by name when that is unambiguous) the current one; answers it. */
export async function useAccount(home: string, key: string): Promise<StoredAccount> {
  const account = await loadAccount(home, key);
  await writePrivate(join(home, 'current'), `${accountKey(account)}\n`);
  return account;
}

async function readCurrent(home: string): Promise<string | undefined> {
  try {
    return (await readFile(join(home, 'current'), 'utf8')).trim() || undefined;
  } catch (error: unknown) {
    if (hasErrorCode(error, 'ENOENT')) return undefined; // No current account.
    throw error;
  }
}

/** Writes a file that only its owner may read, replacing it atomically. */
async function writePrivate(file: string, content: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

function fileSafe(key: string): string {
  return key.replace(/[^A-Za-z0-9._@-]/gu, '_');
}
