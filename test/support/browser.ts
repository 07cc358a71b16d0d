// A real browser for the tests: Debian's Chromium (`apt-get install chromium`) driven by playwright-core, no browser
// download. Shared by the browser tests; a missing Chromium skips them, except in CI where it is a failure.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestContext } from 'vitest';

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
