// A newcomer walks the data-ownership and apps commands (issue 10): what they type, what they see, and the exit code.
import { createServer, type Server } from 'node:http';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { exportPod, saveAccount, verifyArchive } from '../src/index.js';
import { parseTurtle } from '../src/rdf.js';
import { forgeArchive, readEntries, writeEntries } from './support/archive.js';
import { cliLeaks as leaks, refused, runCli, type CliResult } from './support/cli.js';
import { freePort } from './support/ports.js';
import { runInTerminal } from './support/terminal.js';
import { createUser, uniqueName, type TestUser } from './support/users.js';

/** With --json: exit 1, nothing on stdout, one JSON error object on stderr. */
function refusedAsJson(result: CliResult): { code: string; message: string } {
  expect(result.code, result.stdout + result.stderr).toBe(1);
  expect(result.stdout).toBe('');
  const { error } = JSON.parse(result.stderr) as { error: { code: string; message: string } };
  expect(error.message).not.toMatch(leaks);
  return error;
}

const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
const notAnArchiveText = (file: string): string =>
  `${file} is not a Hearth export archive (a .tar or .tar.gz file made by Hearth's export): nothing was imported.`;
const notAnArchive = (file: string): RegExp => new RegExp(`^hearth: ${escaped(notAnArchiveText(file))}\\n$`, 'u');
const pimStorage = 'http://www.w3.org/ns/pim/space#Storage';

describe('a newcomer walks export, import, move, apps and accounts', () => {
  const server = inject('baseUrl');
  let user: TestUser;
  let home: string;
  let deadHome: string;
  let dead: string;
  let scratch: string;
  // HEARTH_PASSWORD is emptied: a password comes only from where a test says.
  const env = (): Record<string, string> => ({ HEARTH_HOME: home, HEARTH_PASSWORD: '' });
  const hearth = async (args: string[], extra: Record<string, string> = {}) =>
    runCli(args, { env: { ...env(), ...extra } });
  /** The same, as an account whose server is down (a closed port): what fails there never asked the server. */
  const offline = async (args: string[], extra: Record<string, string> = {}) =>
    runCli(args, { env: { HEARTH_HOME: deadHome, HEARTH_PASSWORD: '', ...extra } });

  beforeAll(async () => {
    user = await createUser(server, 'walk');
    const folder = async (prefix: string) => mkdtemp(join(tmpdir(), prefix));
    [home, deadHome, scratch] = await Promise.all([
      folder('hearth-walk-'),
      folder('hearth-walk-dead-'),
      folder('hearth-walk-files-'),
    ]);
    await saveAccount(home, user.account);
    dead = `http://localhost:${await freePort()}/`;
    await saveAccount(deadHome, {
      ...user.account,
      name: 'ghost',
      server: dead,
      webId: `${dead}ghost/profile/card#me`,
      podUrl: `${dead}ghost/`,
    });
  });
  afterAll(async () => {
    await user.session.logout();
    await Promise.all([home, deadHome, scratch].map((folder) => rm(folder, { recursive: true, force: true })));
  });

  it('import progress reaches n of n on a terminal, entries it skips included; --json shows none', async () => {
    const archive = join(scratch, 'progress.tar.gz');
    const { manifest } = await exportPod({
      fetch: user.session.fetch,
      podUrl: user.account.podUrl,
      webId: user.account.webId,
      out: archive,
      managerClientId: user.session.clientId,
    });
    const shown = await runInTerminal(['import', archive], { env: env() });
    expect(shown.code, shown.output).toBe(0);
    const [, done, total] = [...shown.output.matchAll(/Importing \[[# ]+\] (\d+)\/(\d+)/gu)].at(-1)!;
    expect(Number(total)).toBe(manifest.counts.total);
    expect(Number(done)).toBe(manifest.counts.total);
    // Some entries were neither written nor already there (the root's and the profile's ACRs keep the new pod's rules):
    // the bar counts them too.
    const [, written, unchanged] = /: (\d+) written, (\d+) already there\./u.exec(shown.output)!;
    expect(Number(written) + Number(unchanged)).toBeLessThan(manifest.counts.total);

    const asJson = await runInTerminal(['--json', 'import', archive], { env: env() });
    expect(asJson.code, asJson.output).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(asJson.output).not.toMatch(/Importing|Checking|\u001b\[K/u);
    expect(asJson.output).toContain('"unchanged":');
  }, 90_000);

  it("a fresh export re-imports cleanly; an old archive's pim:Storage: dropped on the root, else refused", async () => {
    const archive = join(scratch, 'fresh.tar.gz');
    const exported = await hearth(['export', '--out', archive]);
    expect(exported.code, exported.stderr).toBe(0);
    // The export writes nothing the server states itself.
    for (const entry of (await readEntries(archive)).filter((e) => e.name.endsWith('.meta'))) {
      expect(
        parseTurtle(entry.data.toString('utf8'), user.account.podUrl).map((q) => q.object.value),
        entry.name,
      ).not.toContain(pimStorage);
    }
    const again = await hearth(['--json', 'import', archive]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ refusedEntries: [], refusedPolicies: [] });

    // An archive of an older Hearth carried the root's `a pim:Storage` in resources/.meta; one that claims it of
    // another container was written by hand.
    const pod = user.account.podUrl;
    const older = join(scratch, 'older.tar');
    await forgeArchive(archive, older, (entries, manifest) => {
      for (const [name, turtle] of [
        ['resources/.meta', `<${pod}> a <${pimStorage}>; <http://purl.org/dc/terms/title> "Walked".`],
        ['resources/social/.meta', `<${pod}social/> a <${pimStorage}>.`],
      ] as const) {
        entries.splice(0, entries.length, ...entries.filter((e) => e.name !== name));
        manifest.entries = manifest.entries.filter((e) => e.name !== name);
        entries.push({ name, type: 'file', data: Buffer.from(turtle) });
        manifest.entries.push({ name, kind: 'meta', contentType: 'text/turtle', size: 0, sha256: '' });
      }
    });
    const imported = await hearth(['import', older]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toBe(''); // Not a terminal: no progress.
    expect(imported.stdout).toMatch(/^Imported /u);
    expect(imported.stdout).not.toContain('Not imported: resources/.meta ');
    expect(imported.stdout).toContain(
      'Not imported: resources/social/.meta (a statement Hearth never writes in metadata ' +
        `(<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <${pimStorage}>)).`,
    );
    const root = parseTurtle(await (await user.session.fetch(pod, { headers: { accept: 'text/turtle' } })).text(), pod);
    expect(root.some((q) => q.subject.value === pod && q.object.value === 'Walked')).toBe(true);
    const social = parseTurtle(
      await (await user.session.fetch(`${pod}social/`, { headers: { accept: 'text/turtle' } })).text(),
      `${pod}social/`,
    );
    expect(social.some((q) => q.subject.value === `${pod}social/` && q.object.value === pimStorage)).toBe(false);
  }, 90_000);

  it("a Client ID Document that is not JSON is refused in plain words, without the parser's text", async () => {
    const documents: Server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('Not JSON, whatever the header says');
    });
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
    const app = `http://127.0.0.1:${(documents.address() as { port: number }).port}/app/id`;
    try {
      const [plain, asJson] = await Promise.all([hearth(['apps', 'add', app]), hearth(['--json', 'apps', 'add', app])]);
      refused(plain, new RegExp(`^hearth: ${escaped(app)} is not a Client ID Document: not JSON\\.\\n$`, 'u'));
      expect(refusedAsJson(asJson)).toEqual({
        code: 'BAD_CLIENT_ID_DOCUMENT',
        message: `${app} is not a Client ID Document: not JSON.`,
      });
    } finally {
      await new Promise((resolve) => documents.close(resolve));
    }
  });

  it('importing a non-archive (text, empty, image, gzip of text; a tar of other files) says so plainly', async () => {
    const files = {
      text: join(scratch, 'notes.txt'),
      empty: join(scratch, 'empty.tar.gz'),
      image: join(scratch, 'photo.png'),
      gzip: join(scratch, 'notes.txt.gz'),
      tar: join(scratch, 'other.tar'),
    };
    await Promise.all([
      writeFile(files.text, 'Not an archive at all\n'),
      writeFile(files.empty, ''),
      writeFile(
        files.image,
        Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(600)]),
      ),
      writeFile(files.gzip, gzipSync('Not an archive either\n')),
      writeEntries(files.tar, [{ name: 'holiday/notes.txt', type: 'file', data: Buffer.from('Some notes') }]),
    ]);
    // The first three are said before the server is asked anything: that account's server is down.
    const [text, empty, image, gzip] = await Promise.all([
      offline(['import', files.text]),
      offline(['import', files.empty]),
      offline(['--json', 'import', files.image]),
      hearth(['import', files.gzip]),
    ]);
    refused(text, notAnArchive(files.text));
    refused(empty, notAnArchive(files.empty));
    expect(refusedAsJson(image)).toEqual({ code: 'BAD_ARCHIVE', message: notAnArchiveText(files.image) });
    refused(gzip, notAnArchive(files.gzip));
    // A tar, but of anything else (the library says what the command would).
    await expect(verifyArchive(files.tar)).rejects.toThrow(notAnArchiveText(files.tar));
  });

  it('no server: a command group given none, bad names, numbers, account login/logout a newcomer types', async () => {
    const logoutHome = await mkdtemp(join(tmpdir(), 'hearth-walk-logout-'));
    await mkdir(join(logoutHome, 'accounts'));
    const [ghostFile] = await readdir(join(deadHome, 'accounts'));
    await copyFile(join(deadHome, 'accounts', ghostFile!), join(logoutHome, 'accounts', ghostFile!));
    try {
      const [bare, bareJson, badName, badMove, deadline, login, logout] = await Promise.all([
        offline(['apps']),
        offline(['--json', 'apps']),
        offline(['account', 'create', '--name', 'my pod!', '--email', 'me@example.org', '--server', dead]),
        offline(['move', '--to', dead, '--name', 'my pod!', '--email', 'me@example.org']),
        offline(['apps', 'requests', '--deadline', '0']),
        offline(['account', 'login', '--email', 'me@example.org', '--server', dead]),
        runCli(['account', 'logout', 'ghost', '--yes'], { env: { HEARTH_HOME: logoutHome } }),
      ]);
      // `hearth apps` alone: the help, as an error (exit 1), on stderr; with --json, a JSON error instead of silence.
      expect(bare.code).toBe(1);
      expect(bare.stdout).toBe('');
      expect(bare.stderr).toMatch(/^Usage: hearth apps \[options\] \[command\]/u);
      expect(refusedAsJson(bareJson)).toEqual({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/^Name a command: `hearth --help` lists them/u),
      });
      // A name that cannot be used is said first: not the server (down), not the missing password.
      refused(badName, /"my pod!" is not a usable account name/u);
      refused(badMove, /"my pod!" is not a usable account name/u);
      refused(deadline, /--deadline must be a number of seconds, more than 0 and at most 600, not "0"\./u);
      refused(
        login,
        new RegExp(
          `Cannot reach ${escaped(dead)} \\(connection refused\\)\\. Is the pod server running\\? ` +
            'Check the address given to --server\\.',
          'u',
        ),
      );
      expect(logout.code, logout.stderr).toBe(0);
      expect(logout.stdout).toMatch(/^Forgot ghost@localhost:\d+ on this machine/u);
      expect(await readdir(join(logoutHome, 'accounts'))).toEqual([]);
    } finally {
      await rm(logoutHome, { recursive: true, force: true });
    }
  });

  it('with a server: app name checked before password, unwritable archive named, failed move leaves none', async () => {
    const moveTemp = await mkdtemp(join(tmpdir(), 'hearth-walk-tmp-'));
    try {
      const [badApp, unwritable, move] = await Promise.all([
        hearth(['apps', 'add', 'my bot!']),
        hearth(['export', '--out', '/proc/hearth-walk.tar']),
        // The name is taken (by this very account): the move stops at the account's creation, after the export.
        hearth(
          ['move', '--to', server, '--name', user.account.name, '--email', `${uniqueName('walk-move')}@example.org`],
          { HEARTH_PASSWORD: 'a long enough password', TMPDIR: moveTemp },
        ),
      ]);
      refused(badApp, /^hearth: "my bot!" is not a usable app name/u);
      // Whether the folder refuses the file (a user) or the file cannot be made there (root), the file is named.
      refused(unwritable, /^hearth: Cannot write \/proc\/hearth-walk\.tar: /u);
      refused(move, new RegExp(`The name "${escaped(user.account.name)}" cannot be used on `, 'u'));
      expect((await readdir(moveTemp)).filter((name) => name.startsWith('hearth-move-'))).toEqual([]);
    } finally {
      await rm(moveTemp, { recursive: true, force: true });
    }
  }, 90_000);

  it('a credential no longer accepted says to log in again; a bad email is refused before the password', async () => {
    const staleHome = await mkdtemp(join(tmpdir(), 'hearth-walk-stale-'));
    try {
      // The same account, its manager secret no longer the one the server holds (as after a reset or a deletion).
      await saveAccount(staleHome, {
        ...user.account,
        manager: { ...user.account.manager, secret: 'not-the-secret-any-more' },
      });
      const [stale, badEmail] = await Promise.all([
        runCli(['posts'], { env: { HEARTH_HOME: staleHome, HEARTH_PASSWORD: '' } }),
        offline(['account', 'create', '--name', 'fine-name', '--email', 'not an email', '--server', dead]),
      ]);
      refused(
        stale,
        new RegExp(
          `^hearth: The pod server ${escaped(server)} no longer accepts the stored credential of client ` +
            `${escaped(user.account.manager.id)} \\(it was deleted or replaced\\)\\. ` +
            'Log in again with `hearth login`',
          'u',
        ),
      );
      expect(stale.stderr).not.toMatch(/invalid_client|not-the-secret/u);
      refused(badEmail, /^hearth: "not an email" is not an email address\.\n$/u);
    } finally {
      await rm(staleHome, { recursive: true, force: true });
    }
  });
});
