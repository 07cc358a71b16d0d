import { DataFactory } from 'n3';
import { httpErrorFor } from '../errors.js';
import type { AccountApi } from '../account/account-api.js';
import { accountDeletionPath } from '../account/endpoints.js';
import { listFollowers } from '../social/notifications.js';
import { notify } from '../social/notify.js';
import { mapBounded } from '../social/remote.js';
import type { Actor } from '../social/self.js';
import { AS, RDF, XSD } from '../vocab.js';

const { namedNode, literal, quad } = DataFactory;

/** What the server removed when an account was deleted. */
export interface DeletionReport {
  /** Pod URLs whose every resource is gone. */
  deleted: string[];
  /** The WebID that no longer exists. */
  webId: string;
  /** Records of the server's internal folder that named the account and were removed. */
  internalRecordsRemoved: number;
}

/**
 * Asks a Hearth server to delete the account that owns `podUrl`: every resource of the pod, the account,
 * its logins and client credentials. `fetch` must be the owner's manager session: nobody else may.
 */
export async function deleteAccountOnServer(
  fetchFn: typeof fetch,
  server: string,
  podUrl: string,
): Promise<DeletionReport> {
  const response = await fetchFn(new URL(accountDeletionPath, server), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pod: podUrl }),
  });
  if (!response.ok) throw await httpErrorFor(response, `Deleting the account of ${podUrl}`);
  return (await response.json()) as DeletionReport;
}

/** What `deleteAccount` did: the server's report and who was told. */
export interface AccountDeletion extends DeletionReport {
  /** Followers whose inbox got the `as:Delete`. */
  notified: string[];
  /** Followers that could not be told, with the reason. */
  notNotified: { webId: string; reason: string }[];
}

/**
 * Deletes the owner's account: tells every follower with an `as:Delete` of the WebID in their inbox (while the
 * pod still exists to name them), then has the server remove the pod, the account and its credentials.
 */
export async function deleteAccount(
  session: Actor,
  account: { server: string; podUrl: string },
): Promise<AccountDeletion> {
  const followers = await listFollowers(session);
  const activity = namedNode(`urn:uuid:${crypto.randomUUID()}`);
  const announcement = [
    quad(activity, namedNode(`${RDF}type`), namedNode(`${AS}Delete`)),
    quad(activity, namedNode(`${AS}actor`), namedNode(session.webId)),
    quad(activity, namedNode(`${AS}object`), namedNode(session.webId)),
    quad(activity, namedNode(`${AS}published`), literal(new Date().toISOString(), namedNode(`${XSD}dateTime`))),
  ];
  const deliveries = await mapBounded(followers, 8, async (webId) => ({
    webId,
    delivery: await notify(session, webId, announcement),
  }));
  const report = await deleteAccountOnServer(session.fetch, account.server, account.podUrl);
  return {
    ...report,
    notified: deliveries.filter((d) => d.delivery.notified).map((d) => d.webId),
    notNotified: deliveries
      .filter((d) => !d.delivery.notified)
      .map((d) => ({ webId: d.webId, reason: d.delivery.reason ?? 'unknown' })),
  };
}

/** Whether the pod server's own account session (its `css-account` cookie) is that of the pod's owner. */
export type AccountSession = 'owner' | 'signed-out' | 'other-account';

/**
 * What the account session of the pod server's own login is, given its account API as the browser is signed in to it
 * (`browserAccountApi`, undefined when there is no live session): `owner` when that account owns `podUrl`,
 * `signed-out`, or `other-account`. The web page asks before deleting: a deletion needs the password typed recently,
 * not only the page's token.
 */
export async function accountSessionFor(api: AccountApi | undefined, podUrl: string): Promise<AccountSession> {
  if (!api) return 'signed-out';
  return podUrl in (await api.listPods()) ? 'owner' : 'other-account';
}
