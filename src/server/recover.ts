import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ownerControlOnlyRootAcr } from '../access/acr.js';
import { HearthError, InvalidInputError, hasErrorCode } from '../errors.js';
import { parseTurtle, writeTurtle } from '../rdf.js';
import { ACP } from '../vocab.js';
import { validateName } from '../account/provision.js';

/** What an unlock did. */
export interface Unlocked {
  /** The pod that was unlocked. */
  podUrl: string;
  /** Its owner, who may now lock it to a new manager with `hearth login`. */
  webId: string;
}

/**
 * For a server administrator, when an owner lost their manager credential: writes a root ACR, straight in the data
 * folder of the file backend, that lets the owner (with tokens of this server) only rewrite that ACR and suspends every
 * app's grants (a deny on everything of the owner's, which wins over grants; the public still reads what is public).
 * The owner's next `hearth login` locks the pod to a new manager, which lifts the suspension and writes every recorded
 * grant again. Run it only for an owner whose identity you checked: until that login, any app the owner logs in to
 * could take the manager's place.
 */
export async function unlockPod(dataDir: string, name: string): Promise<Unlocked> {
  validateName(name);
  const file = join(dataDir, name, '.acr');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error: unknown) {
    if (!hasErrorCode(error, 'ENOENT', 'ENOTDIR')) throw error;
    throw new InvalidInputError(`No pod "${name}" in ${dataDir} (no ${file}).`, { cause: error });
  }
  const quads = parseTurtle(text, 'urn:hearth:root-acr');
  const podUrl = quads.find((q) => q.predicate.value === `${ACP}resource`)?.object.value;
  const webId = quads.find((q) => q.predicate.value === `${ACP}agent` && !q.object.value.startsWith(ACP))?.object.value;
  if (!podUrl || !webId)
    throw new HearthError('NOT_A_HEARTH_POD', `${file} does not name its pod and owner: is this a Hearth pod?`);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, writeTurtle(ownerControlOnlyRootAcr(podUrl, webId)), { mode: 0o600 });
  await rename(temporary, file);
  return { podUrl, webId };
}
