// Your data on the owner's web page, in a real browser against the shared test server: an export downloaded from the
// page verifies and imports with the library (the CLI's code); an archive the library made imports in the page with
// the CLI's report; a hostile archive is refused there with nothing written; deleting the account takes the pod's
// name typed exactly and a live login to the pod server, then the pod and the login are gone.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { AccountApi } from '../src/account/account-api.js';
import { entryNameOf } from '../src/portability/archive-format.js';
import { exportPod } from '../src/portability/node/export-file.js';
import { importPod, verifyArchive } from '../src/portability/node/import-file.js';
import { follow } from '../src/social/follows.js';
import { resolveMovedTo } from '../src/social/moves.js';
import { createPost, listPosts } from '../src/social/posts.js';
import { forgeArchive } from './support/archive.js';
import { launchChromium, needChromium, signInToPage } from './support/browser.js';
import { createUser, type TestUser } from './support/users.js';

/** Signs `user` in to the page in a fresh context and opens Your data. */
async function openYourData(browser: Browser, base: string, user: TestUser, problems: string[]): Promise<Page> {
  const page = await signInToPage(browser, base, user, {
    viewport: { width: 1000, height: 900 },
    acceptDownloads: true,
    watch: (opened) => opened.on('pageerror', (error) => problems.push(`page error: ${error.message}`)),
  });
  await page.click('a[href="#/data"]');
  await page.waitForSelector('#export:not([disabled])');
  return page;
}

/** Chooses `file` for the page's import and starts it. */
async function importInPage(page: Page, file: string): Promise<void> {
  await page.setInputFiles('#import-file', file);
  await page.click('#import:not([disabled])');
  await page.waitForSelector('#import:not([disabled])');
}

describe("the owner's web page: Your data", () => {
  const baseUrl = inject('baseUrl');
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('exports, imports, refuses a hostile archive, moves, deletes only by the typed name', async (context) => {
    needChromium(context, 'test/browser-data.test.ts');
    const folder = await mkdtemp(join(tmpdir(), 'hearth-browser-data-'));
    cleanup.push(async () => rm(folder, { recursive: true, force: true }));
    const [alice, bob, carol] = await Promise.all([
      createUser(baseUrl, 'data-alice'),
      createUser(baseUrl, 'data-bob'),
      createUser(baseUrl, 'data-carol'),
    ]);
    for (const user of [bob, carol]) cleanup.push(async () => user.session.logout());
    const alicePosts = [
      await createPost(alice.session, { content: 'Alice, packing up' }),
      await createPost(alice.session, { content: 'Alice, still here' }),
    ];
    await createPost(carol.session, { content: "Carol's post, carried over" });

    const browser = await launchChromium();
    cleanup.push(async () => browser.close());
    const problems: string[] = [];
    const page = await openYourData(browser, baseUrl, alice, problems);

    // Export: progress, then a download named as the CLI names it, which the library verifies and imports.
    await page.click('#export');
    await page.waitForSelector('#export-download');
    await expect.poll(() => page.locator('#export-progress').textContent()).toMatch(/^Done: \d+ resources in /u);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-download')]);
    const name = alice.account.podUrl.split('/').at(-2)!;
    expect(download.suggestedFilename()).toMatch(new RegExp(`^hearth-${name}-\\d{4}-\\d{2}-\\d{2}\\.tar\\.gz$`, 'u'));
    const exported = join(folder, download.suggestedFilename());
    await download.saveAs(exported);
    const manifest = await verifyArchive(exported);
    expect(manifest.webId).toBe(alice.account.webId);
    const listed = manifest.entries.map((entry) => entry.name);
    for (const post of alicePosts) expect(listed).toContain(entryNameOf(alice.account.podUrl, post.url.split('#')[0]!));
    const intoBob = await importPod({
      fetch: bob.session.fetch,
      file: exported,
      podUrl: bob.account.podUrl,
      webId: bob.account.webId,
      managerClientId: bob.account.manager.id,
    });
    expect(intoBob.refusedEntries).toEqual([]);
    expect((await listPosts(bob.session.fetch, bob.account.webId)).map((p) => p.content)).toEqual(
      expect.arrayContaining(['Alice, packing up', 'Alice, still here']),
    );

    // Import in the page of an archive the library made: the CLI's report, and the data reads back.
    const carolArchive = join(folder, 'carol.tar.gz');
    await exportPod({
      fetch: carol.session.fetch,
      podUrl: carol.account.podUrl,
      webId: carol.account.webId,
      out: carolArchive,
      managerClientId: carol.account.manager.id,
    });
    await importInPage(page, carolArchive);
    const report = page.locator('#import-report');
    await expect
      .poll(() => report.textContent())
      .toMatch(
        new RegExp(`^Imported from ${carol.account.podUrl}: \\d+ written, \\d+ already there, \\d+ skipped`, 'u'),
      );
    expect(await page.locator('#import-error').count()).toBe(0);
    expect((await listPosts(alice.session.fetch, alice.account.webId)).map((p) => p.content)).toContain(
      "Carol's post, carried over",
    );

    // A hostile archive: a marker first, then an entry that climbs out of the pod; all checksums match.
    const hostile = join(folder, 'hostile.tar');
    const marker = `${alice.account.podUrl}marker-of-the-hostile-archive.txt`;
    await forgeArchive(carolArchive, hostile, (entries) => {
      entries.splice(1, 0, {
        name: 'resources/marker-of-the-hostile-archive.txt',
        type: 'file',
        data: Buffer.from('x'),
      });
      entries.push({ name: 'resources/../../escape.ttl', type: 'file', data: Buffer.from('<a> <b> <c>.') });
    });
    await importInPage(page, hostile);
    await expect
      .poll(() => page.locator('#import-error').textContent())
      .toMatch(/^Nothing was imported: The archive entry "resources\/\.\.\/\.\.\/escape\.ttl" would point outside/u);
    expect(await page.locator('#import-report').count()).toBe(0);
    expect((await alice.session.fetch(marker)).status).toBe(404);

    // Move, guided: an account that does not say it is also Alice cannot be announced as her new one.
    await follow(carol.session, alice.account.webId);
    await page.fill('#move-new', carol.account.webId);
    await page.click('#move-announce');
    await expect
      .poll(() => page.locator('#move-error').textContent())
      .toBe(
        `The profile of ${carol.account.webId} does not say it is also ${alice.account.webId}: confirm the move ` +
          'from the new account first (after the import there). Nothing was announced.',
      );
    expect(await resolveMovedTo(fetch, alice.account.webId)).toBe(alice.account.webId);
    // Bob's account, where Alice's archive went, confirms on its own page; then Alice's page announces the move.
    const bobPage = await openYourData(browser, baseUrl, bob, problems);
    await bobPage.fill('#move-old', alice.account.webId);
    await bobPage.click('#move-confirm');
    await expect
      .poll(() => bobPage.locator('#move-confirmed').textContent())
      .toMatch(new RegExp(`^This account now says it is also ${alice.account.webId};`, 'u'));
    await page.fill('#move-new', bob.account.webId);
    await page.click('#move-announce');
    await expect
      .poll(() => page.locator('#move-announced').textContent())
      .toBe(`Your profile now says you moved to ${bob.account.webId}; 1 of 1 followers were told.`);
    expect(await resolveMovedTo(fetch, alice.account.webId)).toBe(bob.account.webId);

    // Delete: a wrong name deletes nothing.
    const pod = alice.account.podUrl;
    await page.fill('#delete-name', `${name}x`);
    await page.click('#delete-account');
    await expect
      .poll(() => page.locator('#delete-error').textContent())
      .toBe(`Type the pod's name, ${name}, exactly: nothing was deleted.`);
    expect((await alice.session.fetch(pod)).status).toBe(200);

    // Without the pod server's own login (its cookie gone), the owner is sent to sign in there; nothing is deleted.
    const cookies = await page.context().cookies();
    expect(cookies.map((cookie) => cookie.name)).toContain('css-account');
    await page.context().clearCookies();
    await page.fill('#delete-name', name);
    await page.click('#delete-account');
    await page.waitForSelector('#delete-login');
    expect(await page.locator('#delete-login a').getAttribute('href')).toBe(`${baseUrl}.account/login/`);
    expect((await alice.session.fetch(pod)).status).toBe(200);

    // Signed in there again: the account is deleted, the page signs out and says what went.
    await page.context().addCookies(cookies);
    await page.click('#delete-account');
    await page.waitForSelector('#deleted');
    expect(await page.locator('#deleted').textContent()).toContain(`Deleted: ${pod} with every resource in it`);
    expect((await fetch(pod)).status).toBe(404);
    expect((await bob.session.fetch(pod)).status).toBe(404);
    await expect(new AccountApi(baseUrl).login(alice.account.email, alice.password)).rejects.toThrow(
      /Invalid email\/password/u,
    );
    expect(problems).toEqual([]);
  });
});
