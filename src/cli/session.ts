import { Option, type Command } from 'commander';
import { hearthHome, loadAccount, type StoredAccount } from '../auth/credentials.js';
import { openSession, type HearthSession } from '../auth/session.js';
import { checkPodServer } from '../account/reachable.js';
import type { GlobalOptions } from './output.js';

/**
 * The current account (or `--account`) and a session of its manager credential; log the session out when done. The
 * account's server is checked first (one GET, at most 10 s), so a server that is down or hangs is named at once.
 */
export async function currentSession(command: Command): Promise<{ account: StoredAccount; session: HearthSession }> {
  const global = command.optsWithGlobals<GlobalOptions>();
  const account = await loadAccount(hearthHome(process.env), global.account);
  return { account, session: await managerSession(account) };
}

/** A session of a stored account's manager credential, once its server answered (one GET, at most 10 s). */
export async function managerSession(account: StoredAccount): Promise<HearthSession> {
  await checkPodServer(account.server, { hint: `Is the pod server running? ${account.name}'s pod lives there.` });
  return openSession({ server: account.server, clientId: account.manager.id, clientSecret: account.manager.secret });
}

/** The `--server URL` option: else `HEARTH_SERVER`, else the local server `hearth serve` starts. */
export function serverOption(): Option {
  return new Option('--server <url>', 'pod server').default(
    process.env.HEARTH_SERVER || 'http://localhost:3000/',
    '$HEARTH_SERVER, else http://localhost:3000/',
  );
}

/**
 * Checks that the server of `--server` (or HEARTH_SERVER, or the default) answers, before any password is asked for;
 * a failure says which server it was and where that address came from. Answers its base URL.
 */
export async function reachServer(command: Command, server: string): Promise<string> {
  const source =
    command.getOptionValueSource('server') === 'cli' ? 'cli' : process.env.HEARTH_SERVER ? 'env' : 'default';
  const hint =
    source === 'cli'
      ? 'Is the pod server running? Check the address given to --server.'
      : source === 'env'
        ? 'Is the pod server running? HEARTH_SERVER names it; give another with --server.'
        : 'Is the pod server running? That is the default server: start it with `hearth serve` (or `npm start`), ' +
          'or name another with --server or HEARTH_SERVER.';
  return checkPodServer(server, { hint });
}
