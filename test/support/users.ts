import { randomBytes } from 'node:crypto';
import { createAccount, openSession, type HearthSession, type StoredAccount } from '../../src/index.js';

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
