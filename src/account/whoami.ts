import { httpErrorFor } from '../errors.js';

/** Checks that `fetch` (the manager's) can read the pod root; throws the typed HTTP error if not. */
export async function checkManagerAccess(fetchFn: typeof fetch, podUrl: string): Promise<void> {
  const response = await fetchFn(podUrl, { method: 'HEAD' });
  if (!response.ok) throw await httpErrorFor(response, `Reading ${podUrl} as Hearth's manager`);
}
