import type { Command } from 'commander';
import { hearthHome, loadAccount, type StoredAccount } from '../auth/credentials.js';
import { openSession, type HearthSession } from '../auth/session.js';
import type { GlobalOptions } from './output.js';

/** The current account (or `--account`) and a session of its manager credential; log the session out when done. */
export async function currentSession(command: Command): Promise<{ account: StoredAccount; session: HearthSession }> {
  const global = command.optsWithGlobals<GlobalOptions>();
  const account = await loadAccount(hearthHome(process.env), global.account);
  const session = await openSession({ server: account.server, clientId: account.manager.id, clientSecret: account.manager.secret });
  return { account, session };
}
