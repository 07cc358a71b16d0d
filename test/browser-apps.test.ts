// Apps on the owner's web page, in a real browser (Debian's Chromium driven by playwright-core) against the shared test
// server: an app asks for access, the owner approves it on the page and the app gets in; the page shows when it was
// last used; the owner revokes it (after a confirmation) and the app's very next request, same token, is refused.
// Drift behind the record's back shows; an app named like HTML is text; revoking every app asks first and cancelling
// changes nothing; client credentials are deleted through the browser's account sign-in, or said to remain. Makes the
// README's screenshot of Apps (docs/apps.png) with HEARTH_SCREENSHOTS=1.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  AccountApi,
  createContainer,
  createClientCredentialApp,
  grantAccess,
  listGrants,
  openSession,
  registerApp,
  requestAccess,
  type HearthSession,
  type PodOwner,
} from '../src/index.js';
import { appUseUrlOf } from '../src/access/app-use.js';
import { writeAcrRules, type HearthRule } from '../src/access/acr-rules.js';
import { checkGrants, setAppModes } from '../src/access/grants.js';
import { ManagerUnknownError, pageOwner } from '../src/access/page-owner.js';
import { webClientIdOf } from '../src/access/web.js';
import { writeTurtle } from '../src/rdf.js';
import { countedAction, launchChromium, needChromium, recordProblems, signInToPage } from './support/browser.js';
import { loginWithCode, startClientIdApp } from './support/client-id-app.js';
import { createUser, type TestUser } from './support/users.js';

const docs = fileURLToPath(new URL('../docs/', import.meta.url));
const xssName = `<img src=x onerror="window.__pwned=1">`;

/** A client credential of the owner's account, made as `hearth apps add NAME` makes one, with its session. */
async function credentialApp(server: string, user: TestUser, owner: PodOwner, name: string) {
  const api = new AccountApi(server);
  await api.login(user.account.email, user.password);
  const { app, secret } = await createClientCredentialApp(api, name, user.account.webId);
  await api.logout();
  await registerApp(owner, app);
  return { app, secret };
}

async function status(session: Pick<HearthSession, 'fetch'>, url: string): Promise<number> {
  const response = await session.fetch(url);
  await response.arrayBuffer();
  return response.status;
}

/** Does `action`, then waits until the Apps page has read everything again. */
async function loading(page: Page, action: () => Promise<unknown>): Promise<void> {
  await countedAction(page, '.apps', 'loads', action);
}

describe("the owner's web page: Apps", () => {
  const server = inject('baseUrl');
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('approves, shows last use, revokes after asking, shows drift, is inert, deletes credentials', async (context) => {
    needChromium(context, 'test/browser-apps.test.ts');
    const [alice, bob] = await Promise.all([createUser(server, 'apps-alice'), createUser(server, 'apps-bob')]);
    cleanup.push(
      async () => alice.session.logout(),
      async () => bob.session.logout(),
    );
    const owner: PodOwner = {
      fetch: alice.session.fetch,
      podUrl: alice.account.podUrl,
      webId: alice.account.webId,
      managerClientId: alice.account.manager.id,
    };
    const photos = `${alice.account.podUrl}photos/`;
    await createContainer(alice.session.fetch, photos);
    // Apps whose Client ID Documents any web page may read (CORS), as apps served from static hosts have.
    const [frame, recipes] = await Promise.all([
      startClientIdApp('Photo Frame', {}, { cors: true }),
      startClientIdApp('Recipe Box', {}, { cors: true }),
    ]);
    cleanup.push(frame.stop, recipes.stop);
    const aliceLogin = { email: alice.account.email, password: alice.password, webId: alice.account.webId };
    const frameSession = await frame.login(server, aliceLogin);
    const recipeSession = await recipes.login(server, aliceLogin);
    cleanup.push(
      async () => frameSession.logout(),
      async () => recipeSession.logout(),
    );
    // An app of Alice's own already there: a backup script with a client credential.
    const backup = await credentialApp(server, alice, owner, 'backup-bot');
    await grantAccess(owner, backup.app, 'settings', ['read']);

    const browser = await launchChromium();
    cleanup.push(async () => browser.close());
    const problems: string[] = [];
    // The Apps page's own messages (CSS's login pages, and Home before it, log their own).
    let onApps = false;
    const page = await signInToPage(browser, server, alice, {
      timeout: 30_000,
      watch: (opened) => recordProblems(opened, server, problems, () => onApps),
      waitFor: '.home[data-reads="1"]',
    });
    onApps = true;
    await page.click('nav a[href="#/apps"]');
    await page.waitForSelector('.apps[data-loads="1"]');
    const card = (clientId: string) => page.locator(`article.app[data-id="${clientId}"]`);
    expect(await card(backup.app.id).locator('.app-name').textContent()).toBe('backup-bot');
    expect(await card(backup.app.id).locator('.grant').textContent()).toContain('read on settings (settings/)');
    expect(await page.locator('.check-ok').count()).toBe(1);

    // Two apps ask; neither gets anything until Alice answers.
    expect(await status(frameSession, photos)).toBe(403);
    const why = 'To show your photos on the kitchen frame';
    await requestAccess(frameSession, alice.account.webId, [{ target: 'photos/', modes: ['read'] }], why);
    await requestAccess(
      recipeSession,
      alice.account.webId,
      [
        { target: 'posts', modes: ['read', 'append'] },
        { target: 'recipes/', modes: ['write'] },
      ],
      'Save the recipes you post',
    );
    await loading(page, () => page.click('#refresh-apps'));
    const requests = page.locator('article.request');
    expect(await requests.count()).toBe(2);
    const frameRequest = requests.filter({ hasText: frame.clientId });
    expect(await frameRequest.locator('.app-name').textContent()).toBe('Photo Frame');
    expect(await frameRequest.locator('.needs li').allTextContents()).toEqual(['read on photos/']);
    expect(await frameRequest.locator('.reason').textContent()).toBe(why);
    const recipeRequest = requests.filter({ hasText: recipes.clientId });
    expect(await recipeRequest.locator('.needs li').allTextContents()).toEqual([
      'read + append on posts (social/posts/)',
      'write on recipes/',
    ]);

    // Approve: exactly what was asked; the app's request succeeds.
    await loading(page, () => frameRequest.locator('button.approve').click());
    expect(await page.locator('.apps-note').textContent()).toBe('Photo Frame may now read on photos/.');
    expect(await status(frameSession, photos)).toBe(200);
    // When it was last used, as the server recorded it (not the page's guess).
    await loading(page, () => page.click('#refresh-apps'));
    const lastUsed = await card(frame.clientId).locator('.last-used').textContent();
    expect(lastUsed).toMatch(/\d/u);
    expect(lastUsed).not.toContain('not since');
    expect(await card(backup.app.id).locator('.last-used').textContent()).toBe('not since the server began recording');
    // The record of use is the owner's: the app and another user get nothing of it.
    expect(await status(frameSession, appUseUrlOf(alice.account.podUrl))).toBe(403);
    expect(await status(bob.session, appUseUrlOf(alice.account.podUrl))).toBe(403);

    // The README's screenshot: two apps, one request waiting.
    if (process.env.HEARTH_SCREENSHOTS === '1') {
      await mkdir(docs, { recursive: true });
      await page.screenshot({ path: `${docs}apps.png`, fullPage: true });
    }

    // Deny: nothing granted, the request is gone.
    await loading(page, () => recipeRequest.locator('button.deny').click());
    expect(await page.locator('article.request').count()).toBe(0);
    expect((await listGrants(owner)).some((app) => app.id === recipes.clientId)).toBe(false);

    // A rule changed behind the record's back shows as drift.
    await setAppModes(owner, photos, frame.clientId, ['read', 'write']);
    await page.click('#check-again');
    const drift = page.locator('.drifts li', { hasText: 'the ACR gives read+write' });
    await drift.waitFor();
    expect(await drift.locator('.where').textContent()).toBe('photos/');
    expect(await drift.locator('.who').textContent()).toBe(`Photo Frame (${frame.clientId})`);
    expect(await drift.locator('.problem').textContent()).toBe(
      'the record says Photo Frame has read, the ACR gives read+write',
    );

    // Revoke that grant: a confirmation first, then the app's very next request, same token, is refused.
    const frameGrant = card(frame.clientId).locator('.grant');
    await frameGrant.locator('button.revoke-grant').click();
    expect(await frameGrant.locator('.confirm .question').textContent()).toBe(
      'Take back read on photos/ from Photo Frame? Its next request there is refused.',
    );
    expect(await status(frameSession, photos)).toBe(200);
    await loading(page, () => frameGrant.locator('button.confirm-revoke').click());
    expect(await status(frameSession, photos)).toBe(403);
    expect(await page.locator('.apps-note').textContent()).toBe('Revoked Photo Frame: photos/; it has no access left.');
    expect(await card(frame.clientId).locator('.no-access').count()).toBe(1);
    expect(await page.locator('.check-ok').count()).toBe(1);

    // An app named like HTML: text, nothing of it an element, nothing run.
    const hostile = { id: 'http://localhost:9/hostile/id', name: xssName, kind: 'client-id-document' as const };
    await grantAccess(owner, hostile, 'likes', ['read']);
    await loading(page, () => page.click('#refresh-apps'));
    expect(await card(hostile.id).locator('.app-name').textContent()).toBe(xssName);
    expect(await page.locator('.apps img').count()).toBe(0);

    // Revoke every app asks first; cancelling (with the keyboard: Escape) changes nothing.
    const before = await listGrants(owner);
    await page.focus('#revoke-all');
    await page.keyboard.press('Enter');
    const confirmAll = page.locator('.revoke-all .confirm');
    await confirmAll.waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.className)).toBe('cancel');
    await page.keyboard.press('Escape');
    expect(await confirmAll.count()).toBe(0);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('revoke-all');
    await page.click('#revoke-all');
    await confirmAll.locator('button.cancel').click();
    expect(await confirmAll.count()).toBe(0);
    expect(await listGrants(owner)).toEqual(before);
    const backupSession = await openSession({ server, clientId: backup.app.id, clientSecret: backup.secret });
    cleanup.push(async () => backupSession.logout());
    expect(await status(backupSession, `${alice.account.podUrl}settings/`)).toBe(200);

    // Revoke a client credential's app whole: the browser is signed in to the account, so it is deleted too.
    await card(backup.app.id).locator('button.revoke-app').click();
    await loading(page, () => card(backup.app.id).locator('button.confirm-revoke').click());
    expect(await status(backupSession, `${alice.account.podUrl}settings/`)).toBe(403);
    expect(await page.locator('.apps-note').textContent()).toContain('Deleted the credential of backup-bot.');
    expect(await card(backup.app.id).count()).toBe(0);
    await expect(openSession({ server, clientId: backup.app.id, clientSecret: backup.secret })).rejects.toThrow();

    // Without the account sign-in (its cookie gone), access is revoked all the same and the page says what remains.
    const script = await credentialApp(server, alice, owner, 'old-script');
    await grantAccess(owner, script.app, 'notes/', ['read'], { create: true });
    await page.context().clearCookies();
    await loading(page, () => page.click('#refresh-apps'));
    await card(script.app.id).locator('button.revoke-app').click();
    await loading(page, () => card(script.app.id).locator('button.confirm-revoke').click());
    const note = await page.locator('.apps-note').textContent();
    expect(note).toContain('Revoked old-script: notes/; it has no access left.');
    expect(note).toContain(
      'The credential of old-script remains: it has no access left, but its secret still logs in.',
    );
    expect(await page.locator('.apps-note a').getAttribute('href')).toBe(`${server}.account/`);
    expect(await card(script.app.id).locator('.no-access').count()).toBe(1);
    const scriptSession = await openSession({ server, clientId: script.app.id, clientSecret: script.secret });
    cleanup.push(async () => scriptSession.logout());
    expect(await status(scriptSession, `${alice.account.podUrl}notes/`)).toBe(403);

    // Readable at phone width: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // Nothing ran, nothing was refused, nothing went wrong.
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.evaluate(() => (window as unknown as { __violations?: string[] }).__violations)).toEqual([]);
    // The one answer Chromium logs that is no problem of the page: the 404 of the ACR of a container that had no rules
    // of its own before its first grant (the library reads it as none).
    expect(problems.filter((problem) => !problem.endsWith(`404 (Not Found) (${photos}.acr)`))).toEqual([]);
    // Whatever the page wrote names Hearth's manager, never the page: the manager's own check finds nothing amiss.
    expect(await checkGrants(owner)).toEqual([]);
  }, 120_000);

  describe('pageOwner: the manager the page writes for, from the root rule', () => {
    const pod = 'http://localhost:9/alice/';
    const webId = `${pod}profile/card#me`;
    const issuer = 'http://localhost:9/';
    const page = webClientIdOf(issuer);
    const control = (clientId: string): HearthRule => ({
      kind: 'client',
      clientId,
      modes: ['Read', 'Write', 'Control'],
      issuerBound: true,
    });
    /** The page's actor on a pod whose root ACR holds `clients`' owner rules. */
    const actorWith = (clients: string[]) => ({
      webId,
      fetch: (async (url: string) =>
        url === `${pod}.acr`
          ? new Response(
              writeTurtle(writeAcrRules(pod, clients.map(control), { webId, managerClientId: '', issuer })),
              {
                headers: { 'content-type': 'text/turtle' },
              },
            )
          : new Response('', { status: 404 })) as typeof fetch,
    });

    it('takes the one client beside the page, and refuses to guess when there is none or several', async () => {
      const owner = await pageOwner(actorWith(['hearth-manager_1', page]), { podUrl: pod });
      expect(owner).toMatchObject({ podUrl: pod, webId, managerClientId: 'hearth-manager_1', issuer });
      await expect(pageOwner(actorWith([page]), { podUrl: pod })).rejects.toBeInstanceOf(ManagerUnknownError);
      const two = pageOwner(actorWith(['hearth-manager_1', 'intruder_2', page]), { podUrl: pod });
      await expect(two).rejects.toMatchObject({
        code: 'MANAGER_UNKNOWN',
        candidates: ['hearth-manager_1', 'intruder_2'],
      });
    });

    it('finds the real manager through the page on the test server', async () => {
      const server = inject('baseUrl');
      const user = await createUser(server, 'apps-owner');
      try {
        const throughPage = await loginWithCode(server, webClientIdOf(server), `${server}hearth/`, {
          email: user.account.email,
          password: user.password,
          webId: user.account.webId,
        });
        const owner = await pageOwner(throughPage);
        await throughPage.logout();
        expect(owner).toMatchObject({ podUrl: user.account.podUrl, managerClientId: user.account.manager.id });
      } finally {
        await user.session.logout();
      }
    });
  });
});
