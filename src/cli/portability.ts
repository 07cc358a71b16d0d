import { safeForTerminal } from '../text.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { hearthHome, saveAccount } from '../auth/credentials.js';
import { InvalidInputError } from '../errors.js';
import { exportPod } from '../portability/export.js';
import { importPod, type ImportResult } from '../portability/import.js';
import { movePod } from '../portability/move.js';
import type { Progress, ProgressListener } from '../portability/progress.js';
import { print, type GlobalOptions } from './output.js';
import { progressLine } from './progress.js';
import { readPassword } from './secrets.js';
import { currentSession } from './session.js';

/** `hearth export`, `hearth import`, `hearth move`. */
export function registerPortability(program: Command): void {
  program.command('export')
    .description('save the whole pod (every resource, its access rules, a manifest with checksums) into one archive file')
    .option('--out <file>', 'archive to write (default: hearth-<name>-<date>.tar.gz here)')
    .option('--format <format>', '"activitystreams" also writes your posts as an ActivityStreams 2.0 outbox (outbox.jsonld)')
    .action(async (options: { out?: string; format?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      if (options.format && options.format !== 'activitystreams') throw new InvalidInputError(`Unknown --format "${options.format}": the one there is is "activitystreams".`);
      const { account, session } = await currentSession(command);
      const out = resolve(options.out ?? `hearth-${account.name}-${new Date().toISOString().slice(0, 10)}.tar.gz`);
      const bar = resourceProgress(global);
      try {
        const result = await exportPod({ fetch: session.fetch, podUrl: account.podUrl, webId: account.webId, out,
          gzip: !/\.tar$/u.test(out), activityStreams: options.format === 'activitystreams', managerClientId: session.clientId, onProgress: bar.update });
        bar.done();
        const { counts } = result.manifest;
        print(global, { file: out, archiveBytes: result.archiveBytes, podUrl: account.podUrl, counts, bytes: result.manifest.bytes }, [
          `Exported ${account.podUrl} to ${out} (${size(result.archiveBytes)}).`,
          `${counts.container} containers, ${counts.rdf} RDF documents, ${counts.binary} files, ${counts.acr} access control resources` +
            `${counts.outbox ? ', an ActivityStreams outbox' : ''}; ${size(result.manifest.bytes)} of data.`,
        ]);
      } finally {
        bar.done();
        await session.logout();
      }
    });

  program.command('import <file>')
    .description('recreate an exported pod in the current account\'s pod (checks the whole archive first; safe to run twice)')
    .action(async (file: string, _options: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { account, session } = await currentSession(command);
      const bar = resourceProgress(global);
      try {
        const result = await importPod({ fetch: session.fetch, file: resolve(file), podUrl: account.podUrl, webId: account.webId,
          managerClientId: session.clientId, onProgress: bar.update });
        bar.done();
        print(global, importJson(result), [
          `Imported ${result.manifest.podUrl} into ${account.podUrl}: ${result.written} written, ${result.unchanged} already there.`,
          ...appLines(result),
        ]);
      } finally {
        bar.done();
        await session.logout();
      }
    });

  program.command('move')
    .description('move to another server: export, create an account there, import, and tell your followers')
    .requiredOption('--to <server>', 'the pod server to move to')
    .requiredOption('--name <name>', 'account and pod name there')
    .requiredOption('--email <email>', 'email of the new password login')
    .option('--password-stdin', 'read the new password from stdin (else HEARTH_PASSWORD, or a prompt on a terminal)')
    .action(async (options: { to: string; name: string; email: string; passwordStdin?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const password = await readPassword(options);
      const { account, session } = await currentSession(command);
      const temp = await mkdtemp(join(tmpdir(), 'hearth-move-'));
      const bar = resourceProgress(global);
      let moved = false;
      try {
        const result = await movePod({ from: session, fromPod: account.podUrl, server: options.to, name: options.name, email: options.email, password,
          archive: join(temp, `${account.name}.tar.gz`), onProgress: bar.update,
          onAccountCreated: async (created) => { await saveAccount(hearthHome(process.env), created); } });
        moved = true;
        bar.done();
        const told = result.followers.filter((f) => f.delivery.notified).length;
        print(global, { from: account.webId, to: result.account.webId, podUrl: result.account.podUrl, ...importJson(result.imported),
          followers: result.followers }, [
          `Moved ${account.webId} to ${result.account.webId} (${result.imported.written} resources written).`,
          `Your old profile now says where you are (as:movedTo); ${told} of ${result.followers.length} followers were told.`,
          `${result.account.name} on ${result.account.server} is now the current account; the old one stays until you delete it.`,
          ...appLines(result.imported),
        ]);
      } finally {
        bar.done();
        await session.logout();
        // A failed move keeps its archive, so that `hearth import` can finish it.
        if (moved) await rm(temp, { recursive: true, force: true });
      }
    });
}

function importJson(result: ImportResult) {
  return { importedFrom: result.manifest.podUrl, written: result.written, unchanged: result.unchanged, skipped: result.skipped,
    bytes: result.bytes, appsNeedingCredential: result.appsNeedingCredential, refusedPolicies: result.refusedPolicies,
    refusedEntries: result.refusedEntries };
}

function appLines(result: ImportResult): string[] {
  return [...result.appsNeedingCredential.map((app) =>
    `App ${app.name ?? app.clientId} logged in with a credential of the old server: add it again (hearth apps add ${app.name ?? '<name>'}) ` +
    `and grant ${app.grants.map((g) => `${g.modes.join('+')} on ${g.container}`).join(', ') || 'what it needs'}.`),
  ...result.refusedPolicies.map((refused) => `Not imported: an access rule of ${refused.acr} (${refused.reason}).`),
  ...result.refusedEntries.map((refused) => `Not imported: ${safeForTerminal(refused.entry)} (${safeForTerminal(refused.reason)}).`)];
}


function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

/** Export and import progress as one terminal line. */
function resourceProgress(global: GlobalOptions): { update: ProgressListener; done: () => void } {
  const bar = progressLine(global);
  const verbs = { export: 'Exporting', verify: 'Checking', import: 'Importing' } as const;
  return {
    update: (progress: Progress) => bar.show(verbs[progress.phase], progress.done, progress.total, `resources, ${size(progress.bytes)}`),
    done: bar.done,
  };
}
