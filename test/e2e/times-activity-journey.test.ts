// Times in the reader's own time zone, the activity page by day with one action per entry, and the strength bar,
// in Chromium at 1280 and 390 px (sideways scrolling and axe checked, test/helpers/page-checks.ts):
// - a browser in New York reads its sign-ins and password change in New York time ("EST"), lists as "… ago" with the
//   local time in the title; without JavaScript the same page says UTC;
// - a failed sign-in from another browser is on the activity page under "Today" with its device and IP, without an
//   action; this session's own sign-in has none either; every other entry has at most one;
// - the strength bar: a meter with its word and our advice under a new password.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { startJourney, type Journey } from '../helpers/journey.js';
import { checkPage, DESKTOP, PHONE } from '../helpers/page-checks.js';

const EMAIL = 'times@example.org';
const PASSWORD = 'correct horse battery staple';
const NEW_YORK = 'America/New_York';

describe('local times, activity by day and the strength bar in Chromium', { timeout: 120_000 }, () => {
  let j: Journey;
  let newYork: BrowserContext;
  let page: Page;

  before(async () => {
    j = await startJourney({ expectedStatuses: [401], account: { email: EMAIL, password: PASSWORD, via: 'api' } });
    newYork = await j.newContext({ timezoneId: NEW_YORK, locale: 'en-US' }, { label: 'new-york' });
    page = await newYork.newPage();
  });

  after(async () => {
    await j?.close();
  });

  async function signIn(p: Page, password: string): Promise<void> {
    await p.goto('/sign-in');
    await p.getByLabel('Email address').fill(EMAIL);
    await p.getByLabel('Password', { exact: true }).fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
  }

  async function atBothWidths(p: Page, label: string): Promise<void> {
    for (const viewport of [DESKTOP, PHONE]) {
      await p.setViewportSize(viewport);
      await checkPage(p, `${label} at ${viewport.width} px`);
    }
    await p.setViewportSize(DESKTOP);
  }

  /** What the page should say for a moment in New York, as Intl writes it in English. */
  function newYorkTime(iso: string): string {
    const at = Date.parse(iso);
    const f = new Intl.DateTimeFormat('en', { timeZone: NEW_YORK, year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
    const zone = new Intl.DateTimeFormat('en', { timeZone: NEW_YORK, timeZoneName: 'short' }).formatToParts(at).find((x) => x.type === 'timeZoneName')!.value;
    return `${f.format(at)} ${zone}`;
  }

  it('the security page shows times in the browser’s time zone, lists as “… ago”', async () => {
    // A wrong password from another browser first, for the activity page.
    const elsewhere = await j.newContext(
      { userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36' },
      { watch: false },
    );
    const intruder = await elsewhere.newPage();
    await signIn(intruder, 'not my password at all');
    await intruder.locator('#form-error').waitFor();
    await elsewhere.close();

    await signIn(page, PASSWORD);
    await page.waitForURL('**/security');
    const device = page.locator('#devices li').first().locator('time').first();
    const iso = (await device.getAttribute('datetime')) ?? '';
    assert.match(iso, /^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    assert.match((await device.textContent()) ?? '', /^(now|\d+ seconds? ago|1 minute ago)$/);
    assert.equal(await device.getAttribute('title'), newYorkTime(iso));
    assert.match((await device.getAttribute('title')) ?? '', / EST$/, 'New York in December');
    const changed = page.locator('#password-age time');
    assert.equal(await changed.textContent(), newYorkTime((await changed.getAttribute('datetime')) ?? ''));
    await atBothWidths(page, 'security page in New York');
  });

  it('without JavaScript the time stays in UTC', async () => {
    const noJs = await j.newContext({ javaScriptEnabled: false, timezoneId: NEW_YORK }, { label: 'no-js' });
    const p = await noJs.newPage();
    await signIn(p, PASSWORD);
    await p.waitForURL('**/security');
    assert.match((await p.locator('#password-age time').textContent()) ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    await noJs.close();
  });

  it('the activity page: by day, the failed attempt with its device, one action per entry, none on my own sign-in', async () => {
    await page.goto('/security/activity');
    const today = page.locator('#activity section.activity-day').first();
    assert.equal(await today.getByRole('heading', { level: 2 }).textContent(), 'Today');
    const failed = page.locator('#activity li[data-event-type="signin.failed"]');
    assert.equal(await failed.count(), 1);
    assert.match((await failed.textContent()) ?? '', /Failed sign-in attempt\s+(now|.* ago) · Chrome on Windows · IP /);
    assert.equal(await failed.getByRole('button').count(), 0, 'a failed attempt: nothing to secure, the password held');
    const mine = page.locator('#activity li[data-current]');
    assert.equal(await mine.count(), 1);
    assert.equal(await mine.locator('details').count(), 0, 'no “Not you?” on this session’s own sign-in');
    for (const li of await page.locator('#activity li[data-event-id]').all()) assert.ok((await li.locator('button').count()) <= 1, 'one action per entry');
    await atBothWidths(page, 'activity page');
    const reportable = page.locator('#activity details.not-you').first();
    if ((await reportable.count()) > 0) {
      await reportable.locator('summary').click();
      await atBothWidths(page, 'activity page with “Not you?” open');
    }
  });

  it('the strength bar: a meter with its word and our advice under the new password', async () => {
    await page.goto('/security/password');
    await page.getByLabel('New password', { exact: true }).pressSequentially('Qwerty123!Qwerty123!', { delay: 5 });
    const meter = page.getByRole('meter', { name: 'Password strength' });
    await meter.waitFor();
    await page.locator('[data-strength-advice] li').first().waitFor();
    assert.ok(Number(await meter.getAttribute('value')) <= 1);
    const advice = (await page.locator('[data-strength-advice]').textContent()) ?? '';
    assert.match(advice, /A group of characters repeated, like “abcabc”, is easy to guess\./);
    assert.doesNotMatch(advice, /Repeated character patterns like "abcabc" are easy to guess/);
    await atBothWidths(page, 'change password with the strength bar');
  });

  it('no script errors, CSP violations or unexpected failed requests', () => {
    assert.deepEqual(j.problems, []);
  });
});
