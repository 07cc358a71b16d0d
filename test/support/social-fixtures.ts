import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFactory } from 'n3';
import { onTestFinished } from 'vitest';
import { saveAccount, type StoredAccount } from '../../src/index.js';
import { sendToInbox } from '../../src/social/inbox.js';
import { createUser, type TestUser } from './users.js';

const { namedNode, quad } = DataFactory;
const AS = 'https://www.w3.org/ns/activitystreams#';

/** A user for the running test alone: created now, logged out when the test ends. Call it inside a test. */
export async function ownUser(server: string, prefix: string): Promise<TestUser> {
  const user = await createUser(server, prefix);
  onTestFinished(() => user.session.logout());
  return user;
}

/** An alice and a bob for the running test alone (see `ownUser`): nothing another test does reaches them. */
export async function ownPair(server: string): Promise<{ alice: TestUser; bob: TestUser }> {
  const [alice, bob] = await Promise.all([ownUser(server, 'alice'), ownUser(server, 'bob')]);
  return { alice, bob };
}

/**
 * Appends to `to`'s inbox, through `sender`'s session (anyone may append), a like of `postUrl` claiming `sender` liked
 * it from a URL in `sender`'s pod that holds no such like. Answers that URL.
 */
export async function forgeLike(sender: TestUser, to: TestUser, postUrl: string): Promise<string> {
  const fake = `${sender.account.podUrl}social/likes/1999-01.ttl#forged`;
  await sendToInbox(sender.session.fetch, `${to.account.podUrl}social/inbox/`, [
    quad(namedNode(fake), namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#type'), namedNode(`${AS}Like`)),
    quad(namedNode(fake), namedNode(`${AS}actor`), namedNode(sender.account.webId)),
    quad(namedNode(fake), namedNode(`${AS}object`), namedNode(postUrl)),
  ]);
  return fake;
}

/** A HEARTH_HOME of its own holding `account`, for running the CLI as its owner; `remove` deletes it. */
export async function cliHome(
  account: StoredAccount,
): Promise<{ home: string; env: Record<string, string>; remove: () => Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'hearth-home-'));
  await saveAccount(home, account);
  return { home, env: { HEARTH_HOME: home }, remove: () => rm(home, { recursive: true, force: true }) };
}
