import { safeForTerminal } from '../text.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { hearthHome, loadAccount, saveAccount } from '../auth/credentials.js';
import { FileError, InvalidInputError } from '../errors.js';
import { checkOutput, exportPod } from '../portability/node/export-file.js';
import { checkPodServer } from '../account/reachable.js';
import { validateName } from '../account/provision.js';
import { archiveKindOf } from '../portability/node/archive-file.js';
import { archiveFileName } from '../portability/archive-name.js';
import { importPod } from '../portability/node/import-file.js';
import type { ImportResult } from '../portability/import-core.js';
import { MoveError, movePod } from '../portability/move.js';
import type { Progress, ProgressListener } from '../portability/progress.js';
import { print, type GlobalOptions } from './output.js';
import { progressLine } from './progress.js';
import { readPassword } from './secrets.js';
import { currentSession } from './session.js';

/** `hearth export`, `hearth import`, `hearth move`. */
export function registerPortability(program: Command): void {
  program
    .command('export')
    .description(
      'save the whole pod (every resource, its access rules, a manifest with checksums) into one archive file',
    )
    .option('--out <file>', 'archive to write (default: hearth-<name>-<date>.tar.gz here); it is readable by you only')
    .option(
      '--format <format>',
      '"activitystreams" also writes your posts as an ActivityStreams 2.0 outbox (outbox.jsonld)',
    )
    .option('--force', 'replace the archive file if it exists')
    .addHelpText(
      'after',
      `
Examples:
  $ hearth export --out alice.tar.gz
  $ hearth export --out alice.tar --format activitystreams    # not compressed, with an ActivityStreams outbox`,
    )
    .action(async (options: { out?: string; format?: string; force?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      if (options.format && options.format !== 'activitystreams')
        throw new InvalidInputError(`Unknown --format "${options.format}": the one there is is "activitystreams".`);
      const account = await loadAccount(hearthHome(process.env), global.account);
      const out = resolve(options.out ?? archiveFileName(account.name));
      // The file is checked before the server is asked anything.
      await checkOutput(out, Boolean(options.force)).catch((error: unknown) => {
        throw error instanceof FileError && error.code === 'FILE_EXISTS'
          ? new FileError(
              'FILE_EXISTS',
              out,
              `${out} already exists: choose another --out, or add --force to replace it.`,
            )
          : error;
      });
      const { session } = await currentSession(command);
      const bar = resourceProgress(global);
      try {
        const result = await exportPod({
          fetch: session.fetch,
          podUrl: account.podUrl,
          webId: account.webId,
          out,
          overwrite: Boolean(options.force),
          gzip: !/\.tar$/u.test(out),
          activityStreams: options.format === 'activitystreams',
          managerClientId: session.clientId,
          onProgress: bar.update,
        });
        bar.done();
        const { counts } = result.manifest;
        print(
          global,
          {
            file: out,
            archiveBytes: result.archiveBytes,
            podUrl: account.podUrl,
            counts,
            bytes: result.manifest.bytes,
          },
          [
            `Exported ${account.podUrl} to ${out} (${size(result.archiveBytes)}).`,
            `${counts.container} containers, ${counts.rdf} RDF documents, ${counts.binary} files, ` +
              `${counts.acr} access control resources${counts.outbox ? ', an ActivityStreams outbox' : ''}; ` +
              `${size(result.manifest.bytes)} of data.`,
          ],
        );
      } finally {
        bar.done();
        await session.logout();
      }
    });

  program
    .command('import <file>')
    .description(
      "recreate an exported pod in the current account's pod (checks the whole archive first; safe to run twice)",
    )
    .option('--max-triples <n>', 'import RDF documents of up to this many triples (default 100000)')
    .option('--max-document-mb <n>', 'import RDF documents of up to this many MiB, as read and as written (default 16)')
    .addHelpText(
      'after',
      `
Examples:
  $ hearth import alice.tar.gz                      # into the current account's pod
  $ hearth --account alice@other.example import alice.tar.gz`,
    )
    .action(async (file: string, options: { maxTriples?: string; maxDocumentMb?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const limits = {
        ...(options.maxTriples ? { maxTriples: wholeNumber('--max-triples', options.maxTriples) } : {}),
        ...(options.maxDocumentMb
          ? { maxRdfBytes: wholeNumber('--max-document-mb', options.maxDocumentMb) * 1024 ** 2 }
          : {}),
      };
      // A missing file, or one that is no archive at all (text, an image, empty), is said before the server is asked
      // anything.
      await archiveKindOf(resolve(file));
      const { account, session } = await currentSession(command);
      const bar = resourceProgress(global);
      try {
        const result = await importPod({
          fetch: session.fetch,
          file: resolve(file),
          podUrl: account.podUrl,
          webId: account.webId,
          managerClientId: session.clientId,
          onProgress: bar.update,
          ...limits,
        });
        // The bar shows what the import reported: it counts every entry, whatever became of it, so it ends at n of n.
        bar.done();
        print(global, importJson(result), [
          `Imported ${result.manifest.podUrl} into ${account.podUrl}: ` +
            `${result.written} written, ${result.unchanged} already there.`,
          ...appLines(result),
          ...(result.refusedEntries.some((r) => r.limit)
            ? [
                'Documents past a limit can be imported, if you trust the archive, by importing it again ' +
                  'with --max-triples or --max-document-mb raised (what is already there is not written twice).',
              ]
            : []),
        ]);
      } finally {
        bar.done();
        await session.logout();
      }
    });

  program
    .command('move')
    .description('move to another server: export, create an account there, import, and tell your followers')
    .requiredOption('--to <server>', 'the pod server to move to')
    .requiredOption('--name <name>', 'account and pod name there')
    .requiredOption('--email <email>', 'email of the new password login')
    .option('--password-stdin', 'read the new password from stdin (else HEARTH_PASSWORD, or a prompt on a terminal)')
    .addHelpText(
      'after',
      `
Examples:
  $ hearth move --to https://other.example/ --name alice --email alice@example.org
  $ hearth move --to https://other.example/ --name alice --email alice@example.org --password-stdin < pw.txt`,
    )
    .action(async (options: { to: string; name: string; email: string; passwordStdin?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      // The new name is checked, and both servers answer, before the password is asked for.
      validateName(options.name);
      const to = await checkPodServer(options.to, {
        hint: 'Is the pod server there running? Check the address given to --to.',
      });
      const { account, session } = await currentSession(command);
      let password: string;
      try {
        password = await readPassword(options, `Password for the new account on ${to}: `);
      } catch (error: unknown) {
        await session.logout();
        throw error;
      }
      const temp = await mkdtemp(join(tmpdir(), 'hearth-move-'));
      const bar = resourceProgress(global);
      // The archive is kept only when a move stopped in its import, the one step `hearth import` can finish (the error
      // names the file); otherwise it is private data left for nothing.
      let keepArchive = false;
      try {
        const result = await movePod({
          from: session,
          fromPod: account.podUrl,
          server: to,
          name: options.name,
          email: options.email,
          password,
          archive: join(temp, `${account.name}.tar.gz`),
          onProgress: bar.update,
          onAccountCreated: async (created) => {
            await saveAccount(hearthHome(process.env), created);
          },
        });
        bar.done();
        const told = result.followers.filter((f) => f.delivery.notified).length;
        const followed = result.following.filter((f) => f.delivery.notified).length;
        print(
          global,
          {
            from: account.webId,
            to: result.account.webId,
            podUrl: result.account.podUrl,
            ...importJson(result.imported),
            followers: result.followers,
            following: result.following,
            ...(result.followingError ? { followingError: result.followingError } : {}),
            ...(result.followersError ? { followersError: result.followersError } : {}),
          },
          [
            `Moved ${account.webId} to ${result.account.webId} (${result.imported.written} resources written).`,
            result.followersError
              ? 'Your old profile now says where you are (as:movedTo); your followers could not be listed ' +
                `(${result.followersError}), so none was told: their timelines still find the move in your old posts.`
              : 'Your old profile now says where you are (as:movedTo); ' +
                `${told} of ${result.followers.length} followers were told.`,
            result.followingError
              ? `Your new account could not follow the people you followed: ${result.followingError} ` +
                '(hearth follow WEBID tells one).'
              : `Your new account follows the ${result.following.length} people you followed; ` +
                `${followed} of them were told.`,
            ...result.following
              .filter((f) => !f.delivery.notified)
              .map((f) => `  not told: ${f.webId} (${f.delivery.reason ?? 'no answer'})`),
            `${result.account.name} on ${result.account.server} is now the current account; ` +
              'the old one stays until you delete it.',
            ...appLines(result.imported),
          ],
        );
      } catch (error: unknown) {
        keepArchive = error instanceof MoveError && error.step === 'import';
        throw error;
      } finally {
        bar.done();
        await session.logout();
        if (!keepArchive) await rm(temp, { recursive: true, force: true });
      }
    });
}

function importJson(result: ImportResult) {
  return {
    importedFrom: result.manifest.podUrl,
    written: result.written,
    unchanged: result.unchanged,
    skipped: result.skipped,
    bytes: result.bytes,
    appsNeedingCredential: result.appsNeedingCredential,
    refusedPolicies: result.refusedPolicies,
    refusedEntries: result.refusedEntries,
  };
}

function appLines(result: ImportResult): string[] {
  return [
    ...result.appsNeedingCredential.map(
      (app) =>
        `App ${app.name ?? app.clientId} logged in with a credential of the old server: ` +
        `add it again (hearth apps add ${app.name ?? '<name>'}) ` +
        `and grant ${app.grants.map((g) => `${g.modes.join('+')} on ${g.container}`).join(', ') || 'what it needs'}.`,
    ),
    ...result.refusedPolicies.map((refused) => `Not imported: an access rule of ${refused.acr} (${refused.reason}).`),
    ...result.refusedEntries.map(
      (refused) => `Not imported: ${safeForTerminal(refused.entry)} (${safeForTerminal(refused.reason)}).`,
    ),
  ];
}

/** A whole number of at least 1 given to `flag`; InvalidInputError otherwise. */
function wholeNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidInputError(`${flag} must be a whole number of at least 1, not "${value}".`);
  return n;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

/** Export and import progress as one terminal line per stage, as the library reports it. */
function resourceProgress(global: GlobalOptions): { update: ProgressListener; done: (complete?: boolean) => void } {
  const bar = progressLine(global);
  const verbs = { export: 'Exporting', verify: 'Checking', import: 'Importing' } as const;
  return {
    update: (progress: Progress) =>
      bar.show(verbs[progress.phase], progress.done, progress.total, `resources, ${size(progress.bytes)}`),
    done: bar.done,
  };
}
