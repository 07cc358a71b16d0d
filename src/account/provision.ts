import { randomBytes, randomUUID } from 'node:crypto';
import { InvalidInputError, NotLoggedInError, ForbiddenError } from '../errors.js';
import { lockPodToManager } from '../access/lockdown.js';
import { bringPodUpToDate, type PodUpdate } from '../access/migrate.js';
import { openSession } from '../auth/session.js';
import type { StoredAccount } from '../auth/credentials.js';
import { AccountApi, AccountApiError } from './account-api.js';
import { reservedPodNames } from './endpoints.js';
import { normalizeBaseUrl } from '../url.js';

/** What `createAccount` needs. The password goes to the server only; Hearth never stores it. */
export interface NewAccount {
  /** Base URL of the pod server. */
  server: string;
  /** Pod name: letters, digits, `-` and `_`; it becomes `<server><name>/`. */
  name: string;
  /** Email of the password login. */
  email: string;
  /** Password of the login: 8 characters at least. */
  password: string;
  /** The fetch to reach the server with (default: global fetch). */
  fetch?: typeof fetch;
  /** Time each request to the server may take, in ms (default 30 s, or what `setDefaultRequestTimeout` set). */
  timeoutMs?: number;
}

/** Label of the manager client credential in the account. */
export const managerCredentialName = 'hearth-manager';

/**
 * Creates an account with a password login, a pod, and Hearth's manager client credential,
 * then locks the pod so the owner has access only through that manager, or through Hearth's web page on that server
 * (on for every new account; `setWebPage` turns it off).
 */
export async function createAccount(input: NewAccount): Promise<StoredAccount> {
  const server = normalizeBaseUrl(input.server);
  validateName(input.name);
  validateEmail(input.email);
  validatePassword(input.password);
  const api = new AccountApi(server, input.fetch ?? fetch, { timeoutMs: input.timeoutMs });
  try {
    return await provisionAccount(api, server, input);
  } finally {
    // The account token must not outlive this call (CSS keeps it valid for days). Best effort: a logout that fails
    // must not hide how the call ended (its answer or its own error), and the token still expires by itself.
    await api.logout().catch(() => undefined);
  }
}

/** The steps of `createAccount`, on an account API session the caller logs out. */
async function provisionAccount(api: AccountApi, server: string, input: NewAccount): Promise<StoredAccount> {
  await api.createAccount();
  // CSS wants a login before a pod, and never deletes an account's last login. A throwaway login
  // comes first, so that a taken email or a taken name leaves nothing the person can see or must undo.
  const placeholder = await api.createPasswordLogin(
    `pending-${randomUUID()}@hearth.invalid`,
    randomBytes(24).toString('base64url'),
  );
  let login: string;
  try {
    login = await api.createPasswordLogin(input.email, input.password);
  } catch (error: unknown) {
    throw refusal(
      error,
      `${error instanceof Error ? error.message : ''} Use \`hearth login\` for an existing account.`,
    );
  }
  let created: { pod: string; webId: string };
  try {
    created = await api.createPod(input.name);
  } catch (error: unknown) {
    // Best effort, before the refusal is thrown: that refusal, not a failed clean-up, is what the caller must see.
    await api.deleteResource(login).catch(() => undefined);
    const reason =
      error instanceof Error ? error.message.replace(/^Pod creation failed: /u, '').replace(/([^.])$/u, '$1.') : '';
    throw refusal(error, `The name "${input.name}" cannot be used on ${server}: ${reason} Choose another with --name.`);
  }
  await api.deleteResource(placeholder);
  const { pod, webId } = created;
  const manager = await setUpManager(api, server, pod, webId, undefined, input.timeoutMs);
  return {
    server,
    name: input.name,
    email: input.email,
    webId,
    podUrl: pod,
    manager,
    savedAt: new Date().toISOString(),
  };
}

/** What `loginAccount` needs. */
export interface ExistingAccount {
  /** Base URL of the pod server. */
  server: string;
  /** Email of the password login. */
  email: string;
  /** Its password. */
  password: string;
  /** Credentials already stored on this machine for this server, if any. */
  known?: StoredAccount[];
  /** The fetch to reach the server with. */
  fetch?: typeof fetch;
  /** Time each request to the server may take, in ms (default 30 s, or what `setDefaultRequestTimeout` set). */
  timeoutMs?: number;
  /** Told what bringing the pod up to today's rules changed (see `bringPodUpToDate`). */
  onUpdate?: (update: PodUpdate) => void;
}

/**
 * Logs in to an existing account. Reuses the manager credential stored on this machine when it still works;
 * finishes the lock-down of a pod whose creation was interrupted; otherwise explains how to recover.
 */
export async function loginAccount(input: ExistingAccount): Promise<StoredAccount> {
  const server = normalizeBaseUrl(input.server);
  const api = new AccountApi(server, input.fetch ?? fetch, { timeoutMs: input.timeoutMs });
  try {
    return await loginWith(api, server, input);
  } finally {
    // The account token must not outlive this call (CSS keeps it valid for days). Best effort: a logout that fails
    // must not hide how the call ended (its answer or its own error), and the token still expires by itself.
    await api.logout().catch(() => undefined);
  }
}

/** The steps of `loginAccount`, on an account API session the caller logs out. */
async function loginWith(api: AccountApi, server: string, input: ExistingAccount): Promise<StoredAccount> {
  await api.login(input.email, input.password);
  const pods = Object.keys(await api.listPods());
  const webIds = Object.keys(await api.listWebIds());
  const pod = pods[0];
  const webId = webIds.find((id) => pod && id.startsWith(pod)) ?? webIds[0];
  if (!pod || !webId) throw new NotLoggedInError(`The account ${input.email} has no pod on ${server}.`);
  const name = new URL(pod).pathname.split('/').filter(Boolean).pop() ?? pod;
  const credentials = await api.listClientCredentials();

  const stored = (input.known ?? []).find((account) => account.server === server && account.podUrl === pod);
  if (stored && stored.manager.id in credentials) {
    const session = await openSession({
      server,
      clientId: stored.manager.id,
      clientSecret: stored.manager.secret,
      timeoutMs: input.timeoutMs,
    });
    try {
      // A pod made by an older Hearth is brought up to today's rules on the owner's next login.
      const update = await bringPodUpToDate({
        fetch: session.fetch,
        podUrl: pod,
        webId,
        managerClientId: stored.manager.id,
        issuer: server,
      });
      input.onUpdate?.(update);
    } finally {
      await session.logout();
    }
    return { ...stored, email: input.email, savedAt: new Date().toISOString() };
  }
  try {
    const manager = await setUpManager(api, server, pod, webId, input.onUpdate ?? (() => undefined), input.timeoutMs);
    return { server, name, email: input.email, webId, podUrl: pod, manager, savedAt: new Date().toISOString() };
  } catch (error: unknown) {
    if (!(error instanceof ForbiddenError)) throw error;
    throw new NotLoggedInError(
      `The password is right, but ${pod} is locked to a Hearth manager whose credentials are not on this machine. ` +
        `Copy the account file from the machine where you ran \`hearth account create\` into $HEARTH_HOME/accounts/, ` +
        "or ask the server's administrator to reset the pod's root ACR.",
    );
  }
}

/**
 * Creates a manager credential and locks the pod to it; removes the credential again if the lock fails.
 * `adopt`: the pod may hold data already (an unlocked pod): it is brought up to date with the new manager, which takes
 * over the private records and writes every recorded grant again (lifting the suspension of an unlocked pod).
 */
async function setUpManager(
  api: AccountApi,
  server: string,
  pod: string,
  webId: string,
  adopt?: (update: PodUpdate) => void,
  timeoutMs?: number,
): Promise<StoredAccount['manager']> {
  const credential = await api.createClientCredential(managerCredentialName, webId);
  try {
    const session = await openSession({ server, clientId: credential.id, clientSecret: credential.secret, timeoutMs });
    try {
      if (adopt)
        adopt(
          await bringPodUpToDate({
            fetch: session.fetch,
            podUrl: pod,
            webId,
            managerClientId: credential.id,
            issuer: server,
          }),
        );
      // A new pod: the owner's web page on this server is on, as for every new account.
      else await lockPodToManager(session.fetch, pod, webId, credential.id, server, { web: true });
    } finally {
      await session.logout();
    }
  } catch (error: unknown) {
    // Best effort, before `error` is rethrown: that error, not a failed clean-up, is what the caller must see.
    await api.deleteResource(credential.resource).catch(() => undefined);
    throw error;
  }
  return { id: credential.id, secret: credential.secret, resource: credential.resource };
}

/** A 400 from the account API becomes bad input with `message`; anything else stays as it was. */
function refusal(error: unknown, message: string): unknown {
  return error instanceof AccountApiError && error.status === 400
    ? new InvalidInputError(message, { cause: error })
    : error;
}

/** Pod names Hearth accepts: they become one URL path segment. */
export function validateName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/u.test(name)) {
    throw new InvalidInputError(
      `"${name}" is not a usable account name: ` +
        'use 1 to 63 letters, digits, "-" or "_", starting with a letter or digit.',
    );
  }
  if (reservedPodNames.includes(name.toLowerCase())) {
    throw new InvalidInputError(`The name "${name}" is reserved: the server's own page lives there. Choose another.`);
  }
}

/** Refuses a text that is not an email address (checked before a password is asked for). */
export function validateEmail(email: string): void {
  if (!/^[^\s@]+@[^\s@]+$/u.test(email)) throw new InvalidInputError(`"${email}" is not an email address.`);
}

function validatePassword(password: string): void {
  if (password.length < 8) throw new InvalidInputError('The password must have at least 8 characters.');
}
