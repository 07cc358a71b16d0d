// The web page's session in a real browser: a reload keeps the owner signed in (a silent sign-in through the server,
// back to the page they were on), signing out ends it for good, and a silent sign-in the server refuses leaves the
// page signed out without a loop.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { launchChromium, needChromium, signInToPage } from './support/browser.js';
import { createUser } from './support/users.js';

describe("the owner's web page: the session", () => {
  const baseUrl = inject('baseUrl');
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('stays signed in across a reload, on the same page; signing out ends it', async (context) => {
    needChromium(context, 'test/browser-session.test.ts');
    const alice = await createUser(baseUrl, 'session-alice');
    cleanup.push(async () => alice.session.logout());
    const browser = await launchChromium();
    cleanup.push(async () => browser.close());
    const errors: string[] = [];
    const page = await signInToPage(browser, baseUrl, alice, {
      watch: (opened) => opened.on('pageerror', (error) => errors.push(error.message)),
    });

    // To People, then reload: no login or consent page is shown, and the owner is back on People.
    await page.goto(`${baseUrl}hearth/#/people`);
    const visited: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) visited.push(frame.url());
    });
    await page.reload();
    await expect.poll(() => page.locator('#webid').textContent(), { timeout: 20_000 }).toBe(alice.account.webId);
    await page.waitForURL(`${baseUrl}hearth/#/people`);
    expect(visited.filter((url) => url.includes('/.account/login') || url.includes('/consent'))).toEqual([]);
    expect(await page.title()).toBe('People · Hearth');

    // Signed out, a reload stays signed out.
    await page.click('#signout');
    await page.waitForSelector('#signin:not([disabled])');
    await page.reload();
    await page.waitForSelector('#signin:not([disabled])');
    await expect.poll(() => page.locator('[role=status]').first().textContent()).toBe('You are not signed in.');
    expect(errors).toEqual([]);
  });

  it('shows the sign-in button, once, when the server refuses the silent sign-in', async (context) => {
    needChromium(context, 'test/browser-session.test.ts');
    const bob = await createUser(baseUrl, 'session-bob');
    cleanup.push(async () => bob.session.logout());
    const browser = await launchChromium();
    cleanup.push(async () => browser.close());
    const page = await signInToPage(browser, baseUrl, bob);

    // The server's login cookies are gone (signed out of the server elsewhere): the silent attempt is refused.
    await page.context().clearCookies();
    let authorizations = 0;
    page.on('request', (request) => {
      if (request.url().startsWith(`${baseUrl}.oidc/auth`)) authorizations += 1;
    });
    await page.reload();
    await page.waitForSelector('#signin:not([disabled])', { timeout: 20_000 });
    await page.waitForURL(`${baseUrl}hearth/`);
    await page.waitForTimeout(1_000);
    expect(authorizations).toBe(1);
    expect(await page.locator('#webid').count()).toBe(0);
  });
});
