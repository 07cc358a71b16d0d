// Turning Hearth's web page off and on for one pod. The page (`<base>hearth/`, client id `<base>hearth/id`) is trusted
// like the manager: the root ACR lets the owner in through it, from this server's issuer only, beside the manager; the
// WebID profile's and the private records' ACRs except it as they except the manager. The owner's choice is kept in the
// apps record, which says so only when the page is off.
import { lockPodToManager, type LockReport } from './lockdown.js';
import { partiesOf, type PodOwner } from './grants.js';
import { readRecordSnapshot, recordWebPageOff } from './record.js';
import { webClientIdOf } from './web.js';

/** What `setWebPage` did. */
export interface WebPageSwitch {
  /** Whether the page is now on. */
  on: boolean;
  /** The page's client id on the pod's server. */
  webClientId: string;
  /** Whether the record of the owner's choice changed (false: it already said so). */
  recorded: boolean;
  /** The access rules written for it (each false or empty when it was already so). */
  lock: LockReport;
}

/**
 * Turns Hearth's web page on or off for the owner's pod, with the manager's session (`owner.fetch`): the choice in the
 * apps record first, then the access rules (the root's rule for the page; the page's exception in the WebID profile's
 * and the private records' ACRs), so an interruption shows in `checkGrants` as a page still let in, never as access
 * the record does not show. Off takes effect at once: the page's very next request is refused, whatever tokens it
 * holds. Idempotent.
 */
export async function setWebPage(owner: PodOwner, on: boolean): Promise<WebPageSwitch> {
  const { issuer } = partiesOf(owner);
  const recorded = await recordWebPageOff(owner, !on);
  const lock = await lockPodToManager(owner.fetch, owner.podUrl, owner.webId, owner.managerClientId, issuer, {
    web: on,
  });
  return { on, webClientId: webClientIdOf(issuer), recorded, lock };
}

/** Whether the owner's record leaves Hearth's web page on (it is, unless the owner turned it off). */
export async function webPageOn(owner: PodOwner): Promise<boolean> {
  return !(await readRecordSnapshot(owner)).webPageOff;
}
