import { randomBytes } from 'node:crypto';
import { DataFactory } from 'n3';
import { createAccount, openSession, type HearthSession, type StoredAccount } from '../../src/index.js';
import { as, newId, rdfType, triple } from '../../src/rdf.js';
import { patchDocument } from '../../src/social/patch.js';

/** A test user: the stored account and a session of its manager. */
export interface TestUser {
  account: StoredAccount;
  session: HearthSession;
  password: string;
}

/** A name no other test of this run uses, starting with `prefix`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Creates an account on the test server and logs its manager in. */
export async function createUser(server: string, prefix: string): Promise<TestUser> {
  const name = uniqueName(prefix);
  const password = randomBytes(12).toString('base64url');
  const account = await createAccount({ server, name, email: `${name}@example.org`, password });
  const session = await openSession({ server, clientId: account.manager.id, clientSecret: account.manager.secret });
  return { account, session, password };
}

/** Saves a follow of `webId` the way `follow` did before it checked profiles (as for a profile that went bad later). */
export async function followedBefore(user: TestUser, webId: string): Promise<void> {
  const url = `${user.account.podUrl}social/following/index.ttl#${newId()}`;
  await patchDocument(
    user.session.fetch,
    url.split('#')[0]!,
    {
      inserts: [
        triple(url, rdfType, as('Follow')),
        triple(url, as('actor'), DataFactory.namedNode(user.account.webId)),
        triple(url, as('object'), DataFactory.namedNode(webId)),
      ],
    },
    'Saving a follow',
  );
}
