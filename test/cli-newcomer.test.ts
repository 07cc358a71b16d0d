import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ArchiveWriter } from '../src/portability/node/archive-file.js';
import { verifyArchive } from '../src/portability/node/import-file.js';
import { cliLeaks as leaks, refused, runCli } from './support/cli.js';
import { freePort } from './support/ports.js';
import { runInTerminal } from './support/terminal.js';
import { uniqueName } from './support/users.js';

describe("a newcomer's day: every command behaves", () => {
  const server = inject('baseUrl');
  const name = uniqueName('newcomer');
  const email = `${name}@example.org`;
  const password = 'Tr0ub4dor&3 horse';
  let home: string;
  let scratch: string;
  // HEARTH_PASSWORD is emptied: a password comes only from where each test says.
  const env = (): Record<string, string> => ({ HEARTH_HOME: home, HEARTH_PASSWORD: '' });
  const hearth = async (args: string[], input?: string) =>
    runCli(args, { env: env(), ...(input !== undefined ? { input } : {}) });

  // Shared by the tests (none changes what another needs): an account with an app "bot" that has no access yet.
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'hearth-newcomer-'));
    scratch = await mkdtemp(join(tmpdir(), 'hearth-newcomer-files-'));
    const create = ['account', 'create', '--name', name, '--email', email, '--server', server, '--password-stdin'];
    const created = await hearth(create, password);
    expect(created.code, created.stderr).toBe(0);
    const added = await hearth(['apps', 'add', 'bot', '--password-stdin'], password);
    expect(added.code, added.stderr).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  it('password prompt: no echo, Backspace, newline; Ctrl+C exits 130; Enter keeps a credential, says so', async () => {
    // Its own account, in its own home: what it revokes is nobody else's.
    const ownName = uniqueName('prompted');
    const ownHome = await mkdtemp(join(tmpdir(), 'hearth-newcomer-prompt-'));
    const env = (): Record<string, string> => ({ HEARTH_HOME: ownHome, HEARTH_PASSWORD: '' });
    const hearth = async (args: string[]) => runCli(args, { env: env() });
    // `account create` at a terminal: "Password: " stays on screen (nothing clears it), the typed password is not
    // shown, Backspace takes back the wrong character, Enter ends the line.
    const create = ['account', 'create', '--name', ownName, '--email', `${ownName}@example.org`, '--server', server];
    const created = await runInTerminal(create, {
      env: env(),
      steps: [{ waitFor: /Password: /u, type: `${password.slice(0, -1)}X\u007f${password.slice(-1)}\r` }],
    });
    expect(created.code, created.output).toBe(0);
    expect(created.output).toMatch(/^Password: \r\nCreated /u);
    expect(created.output).not.toContain('Tr0ub');
    // Backspace worked: the password set is the one meant.
    const added = await runInTerminal(['apps', 'add', 'bot'], {
      env: env(),
      steps: [{ waitFor: /Password: /u, type: `${password}\r` }],
    });
    expect(added.code, added.output).toBe(0);
    expect(added.output).toMatch(/^Password: \r\nAdded bot\./u);
    expect((await hearth(['apps', 'grant', 'bot', '--read', 'posts'])).code).toBe(0);

    // Ctrl+C: a newline, exit 130, nothing changed, and the terminal is not left in raw mode (icanon and echo are
    // back).
    const interrupted = await runInTerminal(['apps', 'revoke', 'bot'], {
      env: env(),
      steps: [{ waitFor: /Enter keeps it\): /u, type: '\u0003' }],
      after: 'stty -a',
    });
    expect(interrupted.code, interrupted.output).toBe(130);
    expect(interrupted.output).toMatch(
      /^Password, to delete the credential of bot too \(Enter keeps it\): \r\nspeed /u,
    );
    expect(interrupted.output).toMatch(/(^|\s)icanon(\s|$)/mu);
    expect(interrupted.output).toMatch(/(^|\s)echo(\s|$)/mu);
    const list = JSON.parse((await hearth(['--json', 'apps', 'list'])).stdout) as { name: string; grants: unknown[] }[];
    expect(list.find((a) => a.name === 'bot')?.grants).toHaveLength(1);

    // An empty answer: the access is revoked and the credential kept, and the output says so.
    const kept = await runInTerminal(['apps', 'revoke', 'bot'], {
      env: env(),
      steps: [{ waitFor: /Enter keeps it\): /u, type: '\r' }],
    });
    expect(kept.code, kept.output).toBe(0);
    expect(kept.output).toContain('Revoked bot: posts');
    expect(kept.output).toMatch(/credential of bot remains \(no password given\)/u);
    await rm(ownHome, { recursive: true, force: true });
  }, 120_000);

  it('missing import file or export folder: plain message; export never overwrites, writes privately', async () => {
    const missing = join(scratch, 'nothing-here.tar.gz');
    const [imported, importedJson, intoNowhere] = await Promise.all([
      hearth(['import', missing]),
      hearth(['--json', 'import', missing]),
      hearth(['export', '--out', join(scratch, 'no-such-folder', 'pod.tar.gz')]),
    ]);
    refused(imported, new RegExp(`There is no file ${missing.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}\\.`, 'u'));
    expect(importedJson.code).toBe(1);
    expect(JSON.parse(importedJson.stderr)).toEqual({
      error: { code: 'FILE_NOT_FOUND', message: `There is no file ${missing}.` },
    });
    refused(intoNowhere, /the folder .*no-such-folder does not exist/u);
    // The library too: a plain FileError, and no stream left to crash the process with an unhandled 'error' event.
    await expect(verifyArchive(missing)).rejects.toThrow(
      new RegExp(`^There is no file .*nothing-here\\.tar\\.gz\\.$`, 'u'),
    );
    // The library says why too, not "already finalized or destroyed".
    const writer = ArchiveWriter.create(join(scratch, 'no-such-folder', 'x.tar'), false);
    const writing = (async () => {
      await writer.addDirectory('resources/');
      await writer.addFile('resources/a', { kind: 'buffer', data: Buffer.from('a'), size: 1, sha256: '' });
      await writer.close();
    })();
    await expect(writing).rejects.toThrow(/^Cannot write .*x\.tar: the folder .*no-such-folder does not exist\.$/u);

    // A person's usual umask (022) would make a new file readable by everyone (the test run's server set 077 for this
    // process).
    const umask = process.umask(0o022);
    try {
      const out = join(scratch, 'pod.tar.gz');
      const exported = await hearth(['export', '--out', out]);
      expect(exported.code, exported.stderr).toBe(0);
      expect((await stat(out)).mode & 0o777).toBe(0o600);
      const before = await readFile(out);
      refused(await hearth(['export', '--out', out]), /already exists: choose another --out, or add --force/u);
      expect(await readFile(out)).toEqual(before);
      await chmod(out, 0o644);
      expect((await hearth(['export', '--out', out, '--force'])).code).toBe(0);
      expect((await stat(out)).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(umask);
    }
  });

  it('progress: a counter where the total is not known, and bars that end at n of n', async () => {
    const out = join(scratch, 'progress.tar.gz');
    const exported = await runInTerminal(['export', '--out', out], { env: env() });
    expect(exported.code, exported.output).toBe(0);
    expect(exported.output).toMatch(/Exporting \d+ resources/u);
    expect(exported.output).not.toMatch(/Exporting \[/u);
    const imported = await runInTerminal(['import', out], { env: env() });
    expect(imported.code, imported.output).toBe(0);
    expect(imported.output).toMatch(/Checking \d+ resources/u);
    const bars = [...imported.output.matchAll(/Importing \[[# ]+\] (\d+)\/(\d+)/gu)];
    expect(bars.length).toBeGreaterThan(0);
    const [, done, total] = bars.at(-1)!;
    expect(Number(total)).toBeGreaterThan(10);
    expect(done).toBe(total);
  });

  it("apps revoke says what to give, takes grant's flags (and old ones); apps add refuses a taken name", async () => {
    const [noApp, taken] = await Promise.all([hearth(['apps', 'revoke']), hearth(['apps', 'add', 'bot'])]);
    refused(noApp, /Say which app to revoke: `hearth apps revoke NAME`.*or `hearth apps revoke --all`/u);
    // A taken name is refused before the password is asked for (none is given here).
    refused(taken, /An app called "bot" is already in your record/u);
    expect(
      (await hearth(['apps', 'grant', 'bot', '--read', 'posts', '--read', 'settings', '--write', 'notes/', '--create']))
        .code,
    ).toBe(0);
    const [newForm, twice] = await Promise.all([
      hearth(['apps', 'revoke', 'bot', '--read', 'posts']),
      hearth(['apps', 'revoke', 'bot', '--path', 'notes/', '--write', 'posts']),
    ]);
    expect(newForm.code, newForm.stderr).toBe(0);
    expect(newForm.stdout).toContain('Revoked bot: posts (social/posts/); it keeps');
    refused(twice, /Name the area once: `--write posts`, or the older `--path notes\/ --write`/u);
    const oldForm = await hearth(['apps', 'revoke', 'bot', '--path', 'settings', '--read']);
    expect(oldForm.code, oldForm.stderr).toBe(0);
    expect(oldForm.stdout).toContain('Revoked bot: settings (settings/); it keeps write notes/.');
  });

  it('names an unreachable server before the password: down, silent, non-pod; --server or HEARTH_SERVER', async () => {
    const dead = `http://localhost:${await freePort()}/`;
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
    });
    const notPod: HttpServer = createHttpServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
    });
    await Promise.all([
      new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve)),
      new Promise<void>((resolve) => notPod.listen(0, '127.0.0.1', resolve)),
    ]);
    const silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}/`;
    const notPodUrl = `http://127.0.0.1:${(notPod.address() as { port: number }).port}/`;
    // A home whose account lives on the dead server.
    const deadHome = await mkdtemp(join(tmpdir(), 'hearth-newcomer-dead-'));
    await mkdir(join(deadHome, 'accounts'), { recursive: true });
    await writeFile(
      join(deadHome, 'accounts', 'ghost.json'),
      JSON.stringify({
        server: dead,
        name: 'ghost',
        email: 'g@example.org',
        webId: `${dead}ghost/profile/card#me`,
        podUrl: `${dead}ghost/`,
        manager: { id: 'hearth-manager_x', secret: 'not-a-real-secret' },
        savedAt: '',
      }),
    );
    await writeFile(join(deadHome, 'current'), `ghost@${new URL(dead).host}\n`);
    const create = ['account', 'create', '--name', 'x', '--email', 'x@example.org'];
    try {
      const [down, fromEnv, fromDefault, hung, other, stored, storedApps, moving, asJson] = await Promise.all([
        hearth([...create, '--server', dead]),
        runCli(['login', '--email', 'x@example.org'], { env: { ...env(), HEARTH_SERVER: dead } }),
        runCli([...create], { env: { ...env(), HEARTH_SERVER: '' } }),
        runCli([...create, '--server', silentUrl], { env: env(), timeoutMs: 50_000 }),
        hearth([...create, '--server', notPodUrl]),
        runCli(['whoami'], { env: { HEARTH_HOME: deadHome } }),
        runCli(['apps', 'add', 'bot'], { env: { HEARTH_HOME: deadHome, HEARTH_PASSWORD: '' } }),
        hearth(['move', '--to', dead, '--name', 'x', '--email', 'x@example.org']),
        hearth(['--json', ...create, '--server', dead]),
      ]);
      // No password was given anywhere: each failed on the server, not on the missing password.
      refused(
        down,
        new RegExp(
          `^hearth: Cannot reach ${dead} \\(connection refused\\)\\. ` +
            'Is the pod server running\\? Check the address given to --server\\.',
          'u',
        ),
      );
      refused(fromEnv, new RegExp(`Cannot reach ${dead} .*HEARTH_SERVER names it`, 'u'));
      // (Unless a server of this machine answers on port 3000: then it is the missing password that stops it.)
      if (!fromDefault.stderr.includes('No password'))
        refused(
          fromDefault,
          /Cannot reach http:\/\/localhost:3000\/ .*That is the default server: start it with `hearth serve`/u,
        );
      refused(hung, new RegExp(`${silentUrl} did not answer a check that it is a pod server .* within 10 s`, 'u'));
      refused(other, new RegExp(`${notPodUrl} answered, but not as a Solid pod server does`, 'u'));
      refused(
        stored,
        new RegExp(
          `Cannot reach ${dead} \\(connection refused\\)\\. Is the pod server running\\? ghost's pod lives there\\.`,
          'u',
        ),
      );
      refused(storedApps, new RegExp(`Cannot reach ${dead} `, 'u'));
      refused(moving, new RegExp(`Cannot reach ${dead} .*--to`, 'u'));
      expect(stored.stderr).not.toContain('not-a-real-secret');
      expect(asJson.code).toBe(1);
      expect(JSON.parse(asJson.stderr)).toMatchObject({
        error: { code: 'NETWORK', message: expect.stringContaining(`Cannot reach ${dead}`) },
      });
    } finally {
      for (const socket of sockets) socket.destroy();
      await Promise.all([
        new Promise((resolve) => silent.close(resolve)),
        new Promise((resolve) => notPod.close(resolve)),
      ]);
      await rm(deadHome, { recursive: true, force: true });
    }
  }, 120_000);

  it('bad input, wrong flags, broken files get plain messages; --json errors are JSON with a stable code', async () => {
    const badHome = await mkdtemp(join(tmpdir(), 'hearth-newcomer-bad-'));
    await mkdir(join(badHome, 'accounts'));
    await writeFile(join(badHome, 'accounts', 'alice@localhost_3000.json'), 'Not JSON at all');
    const deadApp = `http://localhost:${await freePort()}/app/id`;
    try {
      const [like, limit, limitJson, port, image, broken, app, unknown, missingText] = await Promise.all([
        hearth(['like', 'not-a-url']),
        hearth(['posts', '--limit', 'abc']),
        hearth(['--json', 'timeline', '--limit', 'abc']),
        hearth(['serve', '--port', 'abc']),
        hearth(['post', 'hello', '--image', join(scratch, 'missing.png')]),
        runCli(['whoami'], { env: { HEARTH_HOME: badHome } }),
        hearth(['apps', 'add', deadApp]),
        hearth(['--json', 'apps', 'revoke', '--bogus']),
        hearth(['post']),
      ]);
      refused(like, /"not-a-url" is not the URL of a post/u);
      refused(limit, /--limit must be a whole number from 1 to 1000, not "abc"/u);
      expect(limitJson.code).toBe(1);
      expect(limitJson.stdout).toBe('');
      expect(JSON.parse(limitJson.stderr)).toEqual({
        error: { code: 'INVALID_INPUT', message: '--limit must be a whole number from 1 to 1000, not "abc".' },
      });
      expect(port.code).toBe(1);
      expect(port.stderr).toContain('A port is a whole number from 1 to 65535.');
      expect(port.stderr).not.toMatch(leaks);
      refused(image, /There is no file .*missing\.png\./u);
      refused(broken, /alice@localhost_3000\.json is not a Hearth account file/u);
      refused(
        app,
        new RegExp(
          `Cannot read the app's Client ID Document at ${deadApp} \\(connection refused\\): check the URL`,
          'u',
        ),
      );
      expect(app.stderr).not.toContain('Is the pod server running');
      expect(unknown.code).toBe(1);
      expect(JSON.parse(unknown.stderr)).toEqual({
        error: { code: 'INVALID_INPUT', message: "unknown option '--bogus'" },
      });
      refused(missingText, /What should the post say\?/u);
    } finally {
      await rm(badHome, { recursive: true, force: true });
    }
  });

  it('account list and use, logout, show with replies, post from stdin or a file, --help with examples', async () => {
    const other = uniqueName('newcomer-b');
    const made = await hearth(
      ['account', 'create', '--name', other, '--email', `${other}@example.org`, '--server', server, '--password-stdin'],
      password,
    );
    expect(made.code, made.stderr).toBe(0);
    const host = new URL(server).host;
    const draft = join(scratch, 'draft.txt');
    await writeFile(draft, 'From a file\nsecond line\n');
    const helped = [['post'], ['apps', 'revoke'], ['export']];
    const [listed, fromStdin, fromFile, ...helps] = await Promise.all([
      hearth(['account', 'list']),
      hearth(['post', '-'], 'Typed into stdin\n'),
      hearth(['--json', 'post', '--file', draft]),
      ...helped.map((args) => hearth([...args, '--help'])),
    ]);
    expect(listed.stdout).toContain(`* ${other}@${host}`);
    expect(listed.stdout).toContain(`  ${name}@${host}`);
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    const url = fromStdin.stdout.trim();
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect((JSON.parse(fromFile.stdout) as { content: string }).content).toBe('From a file\nsecond line');
    for (const help of helps) {
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/Examples:\n {2}\$ hearth /u);
    }

    const replied = await hearth(['--account', name, 'reply', url, 'A reply from the other account']);
    expect(replied.code, replied.stderr).toBe(0);
    const [shown, nope, unconfirmed, used] = await Promise.all([
      hearth(['--account', other, 'show', url]),
      hearth(['--account', other, 'show', 'nope']),
      hearth(['logout', other]),
      hearth(['account', 'use', name]),
    ]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('Typed into stdin');
    expect(shown.stdout).toMatch(/likes 0, replies 1/u);
    expect(shown.stdout).toMatch(/Replies:\n[\s\S]*\n {4}A reply from the other account\n/u);
    refused(nope, /"nope" is not the URL of a post/u);
    refused(unconfirmed, /without confirmation: run it on a terminal, or add --yes/u);
    expect(used.code, used.stderr).toBe(0);
    expect(used.stdout).toContain(`Now acting as ${name}@${host}`);

    const out = await hearth(['logout', other, '--yes']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(`Forgot ${other}@${host} on this machine`);
    expect(out.stdout).toMatch(
      /Your pod stays locked to that manager, and unless you copied .* it is the only key to it/u,
    );
    const after = await hearth(['account', 'list']);
    expect(after.stdout).not.toContain(other);
    expect(after.stdout).toContain(`* ${name}@${host}`);
  }, 120_000);
});
