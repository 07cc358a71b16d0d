import { httpErrorFor } from '../errors.js';
import { writeTurtle } from '../rdf.js';
import { acrUrlOf, managerOnlyRootAcr } from './acr.js';

/**
 * Rewrites the pod's root ACR so that the owner has Read/Write/Control only through `managerClientId`.
 * `fetch` must be authenticated as the owner with Control over the root (the new pod's template grants that).
 */
export async function lockPodToManager(fetchFn: typeof fetch, podUrl: string, webId: string, managerClientId: string): Promise<void> {
  const response = await fetchFn(acrUrlOf(podUrl), {
    method: 'PUT',
    headers: { 'content-type': 'text/turtle' },
    body: writeTurtle(managerOnlyRootAcr(podUrl, webId, managerClientId)),
  });
  if (!response.ok) throw await httpErrorFor(response, `Locking ${podUrl} to Hearth's manager`);
  await response.body?.cancel();
}
