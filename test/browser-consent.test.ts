// The consent page in a real browser (Debian's Chromium driven by playwright-core): an app whose Client ID Document
// names it with HTML must not run script on the pod server's origin, where the owner's account cookie lives.
import { createHash, randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { launchChromium, logInAndConsent, needChromium, openPage } from './support/browser.js';
import { startClientIdApp } from './support/client-id-app.js';
import { createUser } from './support/users.js';

/** What CSS 7.2's own consent page runs as script: it inserted the name with insertAdjacentHTML. */
const hostileName = `<img src=x onerror="document.title='PWNED'"><script>document.title='PWNED'</script>`;

describe('the consent page, in a browser', () => {
  const baseUrl = inject('baseUrl');
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('shows an app whose name is HTML as text, runs none of it, and still signs in', async (context) => {
    needChromium(context, 'test/browser-consent.test.ts');
    const [user, app] = await Promise.all([
      createUser(baseUrl, 'consent'),
      startClientIdApp(hostileName, {
        // Neither is https nor on this machine: the page must not load the one nor link the other.
        logo_uri: 'http://logo.invalid/logo.png',
        policy_uri: 'http://policy.invalid/',
      }),
    ]);
    cleanup.push(
      async () => app.stop(),
      async () => user.session.logout(),
    );
    const browser: Browser = await launchChromium();
    cleanup.push(async () => browser.close());
    const dialogs: string[] = [];
    const requests: string[] = [];
    const pageErrors: string[] = [];
    const page = await openPage(browser, {
      timeout: 15_000,
      watch: (opened) => {
        opened.on('dialog', (dialog) => {
          dialogs.push(dialog.message());
          void dialog.dismiss();
        });
        opened.on('request', (request) => requests.push(request.url()));
        opened.on('pageerror', (error) => pageErrors.push(error.message));
      },
    });

    // An authorization request of the app, as any Solid app makes one: code flow with PKCE.
    const { authorization_endpoint: authorize, token_endpoint: tokenEndpoint } = (await (
      await fetch(new URL('.well-known/openid-configuration', baseUrl))
    ).json()) as { authorization_endpoint: string; token_endpoint: string };
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('hex');
    const authorization = new URL(authorize);
    authorization.search = new URLSearchParams({
      response_type: 'code',
      client_id: app.clientId,
      redirect_uri: app.redirectUrl,
      scope: 'openid webid',
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      prompt: 'consent',
    }).toString();

    // CSS's own login page (the only login method, so /.account/login/ sends the browser straight there).
    await page.goto(authorization.href);
    await logInAndConsent(page, user.account.email, user.password);

    // Hearth's consent page, in CSS's layout.
    await page.waitForFunction(() => (document.querySelector('#client')?.children.length ?? 0) >= 4);
    await page.waitForLoadState('networkidle');
    expect(await page.title()).toBe('An application is requesting access');
    expect(await page.locator('link[rel=stylesheet][href*="/.well-known/css/styles/main.css"]').count()).toBe(1);
    expect(await page.locator('header h1').textContent()).toBe('Community Solid Server');

    // The name shows as typed, `<img` and all; none of it became an element or ran.
    const shown = await page.$$eval('#client dt', (terms) =>
      terms.map((term) => [term.textContent, (term.nextElementSibling as HTMLElement).innerText]),
    );
    expect(shown).toEqual([
      ['Name', hostileName],
      ['ID', app.clientId],
      ['Home page', new URL('./', app.clientId).href],
      ['Privacy policy', 'http://policy.invalid/'],
    ]);
    expect(await page.locator('#client').innerText()).toContain('<img src=x onerror=');
    expect(await page.locator('#client img, #client script').count()).toBe(0);
    expect(await page.locator('main img').count()).toBe(1); // #client_logo, left empty
    expect(await page.evaluate(() => document.title)).not.toContain('PWNED');
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(requests.filter((url) => url.endsWith('/x') || url.includes('logo.invalid'))).toEqual([]);
    // Only a link this page may offer: the app's home page on this machine, not its http policy elsewhere.
    expect(await page.$$eval('#client a', (links) => links.map((link) => link.getAttribute('href')))).toEqual([
      new URL('./', app.clientId).href,
    ]);
    expect(await page.locator('#client_logo').getAttribute('src')).toBeNull();
    expect(await page.locator('input[name=webId]:checked').getAttribute('value')).toBe(user.account.webId);
    expect(await page.locator('input[name=remember]').isChecked()).toBe(true);

    // Authorize still works: the browser lands on the app's redirect URI with a code, which the app redeems.
    await page.click('#authorize:not([disabled])');
    await page.waitForURL((url) => url.href.startsWith(app.redirectUrl));
    const callback = new URL(page.url());
    expect(callback.searchParams.get('state')).toBe(state);
    const code = callback.searchParams.get('code');
    expect(code).toBeTruthy();
    const token = await fetch(tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code!,
        redirect_uri: app.redirectUrl,
        client_id: app.clientId,
        code_verifier: verifier,
      }),
    });
    expect(token.status).toBe(200);
    const { id_token: idToken } = (await token.json()) as { id_token: string };
    const claims = JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ webid: user.account.webId, azp: app.clientId });
    expect(await page.evaluate(() => document.title)).not.toContain('PWNED');
    expect(dialogs).toEqual([]);
  }, 60_000);
});
