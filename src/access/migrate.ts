import { lockPodToManager, type LockReport } from './lockdown.js';
import { partiesOf, refuseProfileWrites, RefusedGrantError, setAppModes, type PodOwner } from './grants.js';
import { readRecord, readRecordSnapshot, updateRecord, type GrantMode } from './record.js';
import { ForbiddenError } from '../errors.js';

/** What bringing a pod up to date changed. */
export interface PodUpdate {
  /** The lock-down: root rule, WebID profile guard, private records. */
  lock: LockReport;
  /** App rules rewritten in Hearth's current shape (bound to the pod server's issuer), as `container clientId`. */
  rewritten: string[];
  /** Grants narrowed because they let an app write the WebID profile document: what was taken away. */
  narrowed: { clientId: string; container: string; removed: GrantMode[] }[];
}

/**
 * Brings a pod made by an older Hearth up to today's rules, with the manager's session: the lock-down (root rule bound
 * to the server's issuer, the WebID profile writable by the manager alone, private records the manager's alone; the
 * owner let in through Hearth's web page as through the manager, unless the record says the owner turned it off),
 * every recorded grant rewritten bound to the issuer, and grants that let an app write the WebID profile narrowed to
 * read. Idempotent: on a pod that is up to date it reads and writes nothing else.
 */
export async function bringPodUpToDate(owner: PodOwner): Promise<PodUpdate> {
  const { issuer } = partiesOf(owner);
  const lockDown = (web: boolean) =>
    lockPodToManager(owner.fetch, owner.podUrl, owner.webId, owner.managerClientId, issuer, { web });
  const recorded = await webPageRecorded(owner);
  let lock = await lockDown(recorded ?? false);
  if (recorded === undefined && (await webPageRecorded(owner)) !== false) {
    // The record was another manager's (a pod locked to a new one): read now that it is this one's, then the page.
    const again = await lockDown(true);
    lock = {
      root: lock.root || again.root,
      profile: lock.profile || again.profile,
      records: [...new Set([...lock.records, ...again.records])],
    };
  }
  const rewritten: string[] = [];
  const narrowed: PodUpdate['narrowed'] = [];
  await updateRecord(owner, (apps) => {
    for (const app of apps) {
      app.grants = app.grants.flatMap((grant) => {
        try {
          refuseProfileWrites(owner, grant.container, grant.modes);
          return [grant];
        } catch (error: unknown) {
          if (!(error instanceof RefusedGrantError)) throw error;
          narrowed.push({
            clientId: app.id,
            container: grant.container,
            removed: grant.modes.filter((mode) => mode !== 'read'),
          });
          return grant.modes.includes('read') ? [{ ...grant, modes: ['read'] }] : [];
        }
      });
    }
    return narrowed.length ? apps : undefined;
  });
  // The record first, then the ACRs: a failure in between shows as drift in `checkGrants`, never as access.
  const apps = await readRecord(owner);
  for (const app of apps) {
    for (const grant of app.grants) {
      if (await setAppModes(owner, grant.container, app.id, grant.modes))
        rewritten.push(`${grant.container} ${app.id}`);
    }
  }
  for (const { clientId, container } of narrowed) {
    const kept = apps.find((a) => a.id === clientId)?.grants.some((g) => g.container === container);
    if (!kept) await setAppModes(owner, container, clientId, []);
  }
  return { lock, rewritten, narrowed };
}

/** Whether the record leaves Hearth's web page on; undefined when the record cannot be read yet (another manager's). */
async function webPageRecorded(owner: PodOwner): Promise<boolean | undefined> {
  try {
    return !(await readRecordSnapshot(owner)).webPageOff;
  } catch (error: unknown) {
    if (error instanceof ForbiddenError) return undefined;
    throw error;
  }
}
