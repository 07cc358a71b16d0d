import { HearthError } from '../errors.js';
import { listGrants, type PodOwner } from './grants.js';

/**
 * An app of the owner's record already has that name: a second one would make every command that names apps ambiguous.
 */
export class AppNameTakenError extends HearthError {
  /** The name asked for. */
  readonly appName: string;
  /** The client id of the app that has it. */
  readonly takenBy: string;
  constructor(name: string, takenBy: string) {
    super(
      'APP_NAME_TAKEN',
      `An app called "${name}" is already in your record (${takenBy}): choose another name, ` +
        `or revoke that one first (hearth apps revoke ${name}).`,
    );
    this.appName = name;
    this.takenBy = takenBy;
  }
}

/** Refuses a name that an app of the owner's record already has (people pick apps by name in every command). */
export async function requireFreeAppName(owner: PodOwner, name: string): Promise<void> {
  const taken = (await listGrants(owner)).find((app) => app.name === name);
  if (taken) throw new AppNameTakenError(name, taken.id);
}
