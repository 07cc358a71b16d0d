// A real browser for the tests: Debian's Chromium (`apt-get install chromium`) driven by playwright-core, no browser
// download. Shared by the browser tests; a missing Chromium skips them, except in CI where it is a failure.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import type { TestContext } from 'vitest';
import type { TestUser } from './users.js';

/** Debian's Chromium (`apt-get install chromium`), or the one `CHROMIUM_PATH` names. */
export function findChromium(): string | undefined {
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .flatMap((dir) => [join(dir, 'chromium'), join(dir, 'chromium-browser')]);
  return [process.env.CHROMIUM_PATH, '/usr/bin/chromium', ...onPath].find(
    (path): path is string => path !== undefined && path !== '' && existsSync(path),
  );
}

export const chromiumPath = findChromium();

const noChromium =
  'no Chromium found (looked for $CHROMIUM_PATH, /usr/bin/chromium, chromium on PATH): ' +
  'install it with `apt-get install chromium`';

/** Skips the test when there is no Chromium; in CI (where .ci/run installs it) a missing one fails instead. */
export function needChromium(context: TestContext, file: string): void {
  if (chromiumPath !== undefined) return;
  if (process.env.CI) throw new Error(`CI is set but ${noChromium}`);
  console.warn(`${file} skipped: ${noChromium}`);
  context.skip(noChromium);
}

/** Headless Chromium, no sandbox (containers), nothing it would fetch on its own. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
  });
}

/**
 * Signs in through CSS's own login page (the only login method, so /.account/login/ sends the browser straight to
 * the password form) and consent page, from wherever the browser was sent to the identity provider.
 */
export async function logInAndConsent(page: Page, email: string, password: string): Promise<void> {
  await page.waitForURL(/\/\.account\/login\/password\/$/u);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[name=submit]:not([disabled])');
  await page.waitForURL(/\/\.account\/oidc\/consent\/$/u);
  await page.waitForSelector('#authorize:not([disabled])');
}

/** How a test's page is opened; what is not given is as most browser tests want it. */
export interface PageOptions {
  /** The window's size: 1280 × 900 unless given. */
  viewport?: BrowserContextOptions['viewport'];
  /** Whether the page may download files (Your data's export). */
  acceptDownloads?: boolean;
  /** Playwright's default timeout for the page's waits and actions: 20 s unless given. */
  timeout?: number;
  /** Called with the page before it loads anything: to listen to its errors, console, requests. */
  watch?: (page: Page) => void;
}

/**
 * A page in a fresh context that records every CSP violation of every document it loads, from its first script on,
 * in `window.__violations`.
 */
export async function openPage(browser: Browser, options: PageOptions = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: options.viewport === undefined ? { width: 1280, height: 900 } : options.viewport,
    ...(options.acceptDownloads ? { acceptDownloads: true } : {}),
  });
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (event) =>
      seen.push(`${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  const page = await context.newPage();
  page.setDefaultTimeout(options.timeout ?? 20_000);
  options.watch?.(page);
  return page;
}

/** What differs between the tests that sign in to the owner's page. */
export interface SignInOptions extends PageOptions {
  /** A selector to wait for once signed in: Home's first read (`.home[data-reads="1"]`), say. */
  waitFor?: string;
}

/**
 * Opens the owner's page at `<base>hearth/` in a fresh context (see openPage) and signs `user` in through CSS's login
 * and consent pages, back to the page showing the user's WebID.
 */
export async function signInToPage(
  browser: Browser,
  base: string,
  user: TestUser,
  options: SignInOptions = {},
): Promise<Page> {
  const page = await openPage(browser, options);
  await page.goto(`${base}hearth/`);
  await page.click('#signin:not([disabled])');
  await logInAndConsent(page, user.account.email, user.password);
  await page.click('#authorize:not([disabled])');
  await page.waitForURL(`${base}hearth/`);
  await page.waitForFunction((webId) => document.querySelector('#webid')?.textContent === webId, user.account.webId);
  if (options.waitFor !== undefined) await page.waitForSelector(options.waitFor);
  return page;
}

/**
 * Records in `problems` the page's uncaught errors and, while `onConsole()` says so, the errors and warnings the
 * owner's page at `<base>hearth/` logs (CSS's login pages log their own, which are not the page's business).
 */
export function recordProblems(
  page: Page,
  base: string,
  problems: string[],
  onConsole: () => boolean = () => true,
): void {
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (!onConsole() || !page.url().startsWith(`${base}hearth/`)) return;
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`console ${message.type()}: ${message.text()} (${message.location().url})`);
  });
}

/**
 * Does `action`, then waits until the counter the page keeps on `selector` (`data-reads` on Home, `data-loads` on
 * Apps: `key`) has gone past what it was before: the read the action started is done.
 */
export async function countedAction(
  page: Page,
  selector: string,
  key: string,
  action: () => Promise<unknown>,
): Promise<void> {
  const before = Number(await page.locator(selector).getAttribute(`data-${key}`));
  await action();
  await page.waitForFunction(
    ([sel, name, count]) => Number(document.querySelector<HTMLElement>(sel)?.dataset[name]) > count,
    [selector, key, before] as const,
  );
}
