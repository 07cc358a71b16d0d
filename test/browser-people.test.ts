// People on the owner's web page, in a real browser (Debian's Chromium driven by playwright-core) against the shared
// test server: the owner edits their profile (name, bio, avatar) and it is in their pod; follows by WebID and unfollows
// (in the pod too); a WebID that is no profile is refused plainly; followers and verified follow notifications show,
// clearing keeps the followers; other people's names and bios stay text. One sign-in, reused by every test.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DataFactory } from 'n3';
import { as, rdfType, triple } from '../src/rdf.js';
import { getProfile } from '../src/social/discovery.js';
import { sendToInbox } from '../src/social/inbox.js';
import { follow, readOwnFollowing } from '../src/social/follows.js';
import { readNames, setProfile } from '../src/social/profile.js';
import { chromiumPath, launchChromium, recordProblems, signInToPage } from './support/browser.js';
import { createUser, type TestUser } from './support/users.js';

/** An 8 × 6 PNG. */
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAGCAIAAABxZ0isAAAAJklEQVR4nGM4kWJ0Is/oRIXRiSajEz1GJ6YZnVhgdGKVEcNA' +
    'SgAAJnlIMd79qmoAAAAASUVORK5CYII=',
  'base64',
);
/** What another user puts in their profile to try to run script in the owner's page. */
const xssName = `<img src=x onerror="window.__pwned=1">Mallory`;
const xssBio = `<script>window.__pwned=2</script><img src=x onerror="window.__pwned=3"> I mean well`;

/** Signs `user` in to the page at `base` in a fresh context and opens People. */
async function signIn(browser: Browser, base: string, user: TestUser, problems: string[]): Promise<Page> {
  // From People on: the page's own console messages (Home's reads, done first, are Home's test's business).
  let onPeople = false;
  const page = await signInToPage(browser, base, user, {
    watch: (opened) => recordProblems(opened, base, problems, () => onPeople),
    waitFor: '.home[data-reads="1"]',
  });
  onPeople = true;
  await page.click('nav a[href="#/people"]');
  await page.waitForSelector('.people');
  return page;
}

/** Waits until the section `selector` has finished a read more than `after` (its `data-reads`). */
async function readDone(page: Page, selector: string, after = 0): Promise<void> {
  await page.waitForFunction(
    ([sel, count]) => Number(document.querySelector<HTMLElement>(sel)?.dataset.reads) > count,
    [selector, after] as const,
  );
}

async function reads(page: Page, selector: string): Promise<number> {
  return Number(await page.locator(selector).getAttribute('data-reads'));
}

const run = chromiumPath !== undefined || Boolean(process.env.CI);
if (!run) console.warn('test/browser-people.test.ts skipped: no Chromium (apt-get install chromium)');

describe.skipIf(!run)("the owner's web page: People", () => {
  const baseUrl = inject('baseUrl');
  const cleanup: (() => Promise<unknown>)[] = [];
  const problems: string[] = [];
  let alice: TestUser;
  let bob: TestUser;
  let mallory: TestUser;
  let page: Page;

  beforeAll(async () => {
    [alice, bob, mallory] = await Promise.all([
      createUser(baseUrl, 'people-alice'),
      createUser(baseUrl, 'people-bob'),
      createUser(baseUrl, 'people-mallory'),
    ]);
    for (const user of [alice, bob, mallory]) cleanup.push(async () => user.session.logout());
    await Promise.all([
      setProfile(bob.session, { name: 'Bob' }),
      setProfile(mallory.session, { name: xssName, bio: xssBio }),
    ]);
    // Alice follows Mallory (kept with her name); Bob and Mallory follow Alice (notifications in Alice's inbox).
    await Promise.all([
      follow(alice.session, mallory.account.webId),
      follow(bob.session, alice.account.webId),
      follow(mallory.session, alice.account.webId),
    ]);
    // And a follow Mallory forges, claiming it is from someone who has no pod here: it must not make a follower.
    const eve = `${baseUrl}people-eve-nobody/profile/card#me`;
    const forged = `${baseUrl}people-eve-nobody/social/following/index.ttl#f1`;
    await sendToInbox(mallory.session.fetch, (await getProfile(fetch, alice.account.webId)).inbox!, [
      triple(forged, rdfType, as('Follow')),
      triple(forged, as('actor'), DataFactory.namedNode(eve)),
      triple(forged, as('object'), DataFactory.namedNode(alice.account.webId)),
    ]);
    const browser = await launchChromium();
    cleanup.push(async () => browser.close());
    page = await signIn(browser, baseUrl, alice, problems);
  }, 60_000);

  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('edits name, bio and avatar, which are then in the pod; errors keep what was typed', async () => {
    await page.waitForSelector('form.profile[data-state="ready"]');
    const name = page.getByLabel('Name', { exact: true });
    const bio = page.getByLabel('Bio', { exact: true });
    const avatar = page.getByLabel('New avatar (optional)');
    expect(await page.locator('.profile .image-note').textContent()).toBe('No avatar yet.');

    // Too long a name: said plainly, next to the form; nothing typed is lost, nothing saved.
    await name.fill('A'.repeat(201));
    await bio.fill('Gardener, baker.\nSecond line.');
    await page.click('#profile-save');
    await expect
      .poll(() => page.locator('#profile-error').textContent())
      .toBe('A name may have at most 200 characters.');
    expect(await name.inputValue()).toBe('A'.repeat(201));
    expect(await bio.inputValue()).toBe('Gardener, baker.\nSecond line.');

    // Not an image (SVG text named .png): refused by its bytes; the form keeps the text and the file picked.
    await name.fill('Alice Liddell');
    await avatar.setInputFiles({
      name: 'avatar.png',
      mimeType: 'image/png',
      buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=4"/>'),
    });
    await page.click('#profile-save');
    await expect.poll(() => page.locator('#profile-error').textContent()).toMatch(/image/iu);
    expect(await name.inputValue()).toBe('Alice Liddell');
    expect(await bio.inputValue()).toBe('Gardener, baker.\nSecond line.');
    expect(await avatar.evaluate((input: HTMLInputElement) => input.files?.length)).toBe(1);
    expect((await getProfile(fetch, alice.account.webId)).name).toBeUndefined();

    // A real image: saved, the avatar shown from a blob: URL, decoded.
    await avatar.setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png });
    await page.click('#profile-save');
    await expect.poll(() => page.locator('.profile [role=status]').textContent()).toBe('Your profile is saved.');
    expect(await page.locator('#profile-error').count()).toBe(0);
    const shown = page.locator('.profile img.avatar');
    await shown.waitFor();
    expect(await shown.getAttribute('src')).toMatch(/^blob:/u);
    await expect.poll(() => shown.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(8);
    expect(await avatar.evaluate((input: HTMLInputElement) => input.files?.length)).toBe(0);

    // Read back from the pod, without credentials: the name, the bio, the avatar's very bytes.
    expect((await readNames(fetch, [alice.account.webId])).get(alice.account.webId)).toBe('Alice Liddell');
    const profile = await getProfile(fetch, alice.account.webId);
    expect(profile.bio).toBe('Gardener, baker.\nSecond line.');
    expect(profile.avatar?.startsWith(`${alice.account.podUrl}profile/`)).toBe(true);
    const image = await fetch(profile.avatar!);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).equals(png)).toBe(true);
  });

  it('follows by WebID, lists them by name, unfollows: in the pod too', async () => {
    await page.waitForSelector('.following[data-reads="1"]');
    const bobs = page.locator(`.following li.person[data-webid="${bob.account.webId}"]`);
    expect(await bobs.count()).toBe(0);
    // With the keyboard: type the WebID, Enter.
    await page.getByLabel('Follow someone by their WebID').fill(bob.account.webId);
    await page.getByLabel('Follow someone by their WebID').press('Enter');
    await bobs.waitFor();
    expect(await bobs.locator('.person-name').textContent()).toBe('Bob');
    expect(await page.locator('#people-note').textContent()).toBe(`Following ${bob.account.webId}.`);
    expect(await page.getByLabel('Follow someone by their WebID').inputValue()).toBe('');
    expect((await readOwnFollowing(alice.session)).map((f) => f.object)).toContain(bob.account.webId);

    await bobs.getByRole('button', { name: 'Unfollow Bob' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => bobs.count()).toBe(0);
    // The button pressed is gone: the focus is on the list's heading, not lost.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('following-title');
    expect(await page.locator('#people-note').textContent()).toBe(`No longer following ${bob.account.webId}.`);
    expect((await readOwnFollowing(alice.session)).map((f) => f.object)).not.toContain(bob.account.webId);
    // Mallory, followed before, is still there.
    expect(await page.locator(`.following li.person[data-webid="${mallory.account.webId}"]`).count()).toBe(1);
  });

  it('refuses a WebID that is no profile plainly, and keeps what was typed', async () => {
    const notAProfile = bob.account.webId.replace(/#me$/u, '#nobody');
    const input = page.getByLabel('Follow someone by their WebID');
    await input.fill(notAProfile);
    await page.click('#follow-submit');
    await expect
      .poll(() => page.locator('#follow-error').textContent())
      .toBe(`${notAProfile} is not a WebID profile: its document says nothing about it.`);
    expect(await input.inputValue()).toBe(notAProfile);
    expect((await readOwnFollowing(alice.session)).map((f) => f.object)).not.toContain(notAProfile);
    await input.fill('not a url');
    await page.click('#follow-submit');
    await expect
      .poll(() => page.locator('#follow-error').textContent())
      .toBe('"not a url" is not a WebID (an http(s) URL).');
    expect(await input.inputValue()).toBe('not a url');
    await input.fill('');
  });

  it("shows followers and verified follows, other people's text only as text; clearing keeps followers", async () => {
    await readDone(page, '.followers');
    await readDone(page, '.notifications');
    const followers = page.locator('.followers li.person');
    expect(await followers.evaluateAll((items) => items.map((li) => li.getAttribute('data-webid')))).toEqual(
      [bob.account.webId, mallory.account.webId].sort(),
    );
    const bobFollows = page.locator(`.followers li.person[data-webid="${bob.account.webId}"]`);
    expect(await bobFollows.locator('.person-name').textContent()).toBe('Bob');
    const malloryFollows = page.locator(`.followers li.person[data-webid="${mallory.account.webId}"]`);
    expect(await malloryFollows.locator('.person-name').textContent()).toBe(xssName);

    // Both follows, verified against the senders' pods; Mallory (followed) by her name, as text.
    const follows = page.locator('.notifications li.notification[data-kind="follow"][data-verified="true"]');
    await expect.poll(() => follows.count()).toBe(2);
    const fromMallory = follows.filter({ has: page.getByText(mallory.account.webId, { exact: true }) });
    expect(await fromMallory.locator('.person-name').textContent()).toBe(xssName);
    expect(await fromMallory.locator('.what').textContent()).toBe('followed you');
    expect(await fromMallory.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/u);
    expect(await follows.filter({ has: page.getByText(bob.account.webId, { exact: true }) }).count()).toBe(1);
    // The forged one: shown as not believed, with why; its sender is no follower.
    const unverified = page.locator('.notifications li.notification[data-verified="false"]');
    expect(await unverified.count()).toBe(1);
    expect(await unverified.locator('.person-webid').textContent()).toBe(`${baseUrl}people-eve-nobody/profile/card#me`);
    expect(await unverified.locator('.unverified').textContent()).toMatch(/^Unverified: .*404/u);

    // Mallory's profile, opened from the list: her name and bio exactly as she wrote them, nothing of it markup.
    await malloryFollows.getByRole('button', { name: 'Profile' }).click();
    const card = malloryFollows.locator('.person-profile');
    await card.locator('.bio').waitFor();
    expect(await card.locator('.profile-name').textContent()).toBe(xssName);
    expect(await card.locator('.bio').textContent()).toBe(xssBio);
    expect(await page.locator('.following, .followers, .notifications').locator('img, script').count()).toBe(0);

    // Clear: the notifications go, the followers stay (recorded first).
    await page.click('#notifications-clear');
    await expect.poll(() => page.locator('.notifications li.notification').count()).toBe(0);
    await expect
      .poll(() => page.locator('.notifications .notes').textContent())
      .toContain('Cleared 3 notification(s) and removed 0 other item(s).');
    const before = await reads(page, '.followers');
    await page.click('#people-refresh');
    await readDone(page, '.followers', before);
    await readDone(page, '.notifications');
    expect(await page.locator('.notifications').textContent()).toContain('No notifications.');
    expect(await followers.count()).toBe(2);

    // Readable at phone width, the longest lines open (Mallory's profile stayed open): nothing wider than the screen.
    expect(await malloryFollows.getByRole('button', { name: 'Profile' }).getAttribute('aria-expanded')).toBe('true');
    await card.locator('.bio').waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // Nothing ran, nothing was refused, nothing went wrong.
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.evaluate(() => (window as unknown as { __violations?: string[] }).__violations)).toEqual([]);
    // What Chromium logs that is no problem of the page: the 404 of the forged sender's profile, read to check it.
    const checked = `404 (Not Found) (${baseUrl}people-eve-nobody/profile/card)`;
    expect(problems.filter((problem) => !problem.endsWith(checked))).toEqual([]);
  });
});
