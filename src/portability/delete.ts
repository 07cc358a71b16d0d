import { httpErrorFor } from '../errors.js';
import { accountDeletionPath } from '../server/account-deletion.js';

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
export async function deleteAccountOnServer(fetchFn: typeof fetch, server: string, podUrl: string): Promise<DeletionReport> {
  const response = await fetchFn(new URL(accountDeletionPath, server), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pod: podUrl }),
  });
  if (!response.ok) throw await httpErrorFor(response, `Deleting the account of ${podUrl}`);
  return await response.json() as DeletionReport;
}
