// "This wasn't me" in Chromium, with the emails read from a real SMTP server in the test: someone else signs in
// and changes the password; the owner follows the link in the "password changed" email, confirms, and the
// intruder's session is gone and the password they set is refused; the owner chooses a new password from the
// fresh reset email and signs in. A second journey reports an entry of the activity list while signed in.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { signUpInPage } from '../helpers/browser.js';
import { startJourney, type Journey } from '../helpers/journey.js';
import { decodeHeader, type ReceivedMail, type TestSmtpServer } from '../helpers/smtp.js';

const OWNER_PASSWORD = 'correct horse battery staple';
const INTRUDER_PASSWORD = 'the intruder chose this passphrase';
const NEW_PASSWORD = 'violet kettle marches sideways';

describe('"this wasn\'t me" in Chromium, email over real SMTP', { timeout: 90_000 }, () => {
  let j: Journey;
  let smtp: TestSmtpServer;
  let baseUrl: string;
  let owner: BrowserContext;
  let problems: string[];

  before(async () => {
    j = await startJourney({
      smtp: true,
      config: { supportContact: 'help@example.org', helpdeskEmail: 'helpdesk@example.org' },
      // 400: the used link's neutral page, on purpose.
      expectedStatuses: [400],
    });
    ({ baseUrl, context: owner, problems } = j);
    smtp = j.smtp!;
  });

  after(async () => {
    await j?.close();
  });

  /** Waits until the SMTP server has a message for `to` whose subject matches, arriving after `since` messages. */
  async function mailTo(to: string, subject: RegExp, since: number): Promise<ReceivedMail> {
    const match = (m: ReceivedMail): boolean => m.to.includes(to) && subject.test(decodeHeader(m.headers.get('subject') ?? ''));
    for (let n = since + 1; ; n++) {
      await smtp.waitFor(n);
      const mail = smtp.received.slice(since).find(match);
      if (mail) return mail;
    }
  }

  async function signUp(page: Page, email: string): Promise<void> {
    await signUpInPage(page, email, OWNER_PASSWORD, smtp);
  }

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto('/sign-in');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('the link in "password changed" → confirm → intruder out, their password refused → fresh reset email → new password → sign in', async () => {
    const email = 'owner@example.org';
    const page = await owner.newPage();
    await signUp(page, email);

    // Someone with the password signs in elsewhere and changes it.
    const intruderContext = await j.newContext({}, { watch: false });
    const intruder = await intruderContext.newPage();
    const sent = smtp.received.length;
    await signIn(intruder, email, OWNER_PASSWORD);
    await intruder.waitForURL('**/security');
    await intruder.goto('/security/password');
    await intruder.getByLabel('Current password').fill(OWNER_PASSWORD);
    await intruder.getByLabel('New password', { exact: true }).fill(INTRUDER_PASSWORD);
    await intruder.getByLabel('Confirm new password').fill(INTRUDER_PASSWORD);
    await intruder.getByRole('button', { name: 'Change password' }).click();
    await intruder.waitForURL('**/security?notice=**');

    const changed = await mailTo(email, /password was changed/, sent);
    const link = /(http:\/\/\S+\/not-me\?token=[A-Za-z0-9_-]+)/.exec(changed.text)?.[1];
    assert.ok(link?.startsWith(`${baseUrl}/not-me?token=`), `the link comes from the configured base URL: ${link}`);
    if (!link) return;

    // Opening the link only asks; the token leaves the address bar.
    await page.goto(link);
    await page.waitForURL(/\/not-me\/confirm\?flow=/);
    assert.ok(!page.url().includes('token='));
    // The time in the browser's zone and language (here UTC, the machine's), written by the page's script.
    assert.match(
      (await page.locator('#not-me-summary').textContent()) ?? '',
      /^Password changed on [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M \S+ from Chrome/,
    );
    await intruder.goto('/security');
    assert.ok(intruder.url().endsWith('/security'), 'opening the link signed nobody out');

    const beforeReset = smtp.received.length;
    await page.getByRole('button', { name: 'Secure my account' }).click();
    await page.getByRole('heading', { name: 'Your account is secured' }).waitFor();

    // The intruder is out, and the password they set does not let them back in.
    await intruder.goto('/security');
    await intruder.waitForURL('**/sign-in');
    await signIn(intruder, email, INTRUDER_PASSWORD);
    assert.match((await intruder.locator('.alert').first().textContent()) ?? '', /secured after you reported/);
    assert.ok(intruder.url().endsWith('/sign-in'));
    await intruderContext.close();

    // The help desk hears about it; the owner gets a fresh reset email.
    const told = await mailTo('helpdesk@example.org', /reported activity/, beforeReset);
    assert.ok(told.text.includes(email));
    const reset = await mailTo(email, /get back into your account/, beforeReset);
    const resetLink = /(http:\/\/\S+\/reset\?token=[A-Za-z0-9_-]+)/.exec(reset.text)?.[1];
    assert.ok(resetLink);
    await page.goto(resetLink);
    // Opening the link only shows one button (mail scanners open links); pressing it uses the token.
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await page.locator('#reset-continue').click();
    await page.waitForURL(/\/reset\/new\?flow=/);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Save new password' }).click();
    await page.waitForURL('**/sign-in?notice=password-reset');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/security');

    // The same link again: the neutral page.
    await page.goto(link);
    await page.getByRole('heading', { name: 'This link can’t be used' }).waitFor();
    await page.close();
  });

  it('signed in: Recent activity → "This wasn\'t me" on a sign-in → signed out, told to check email', async () => {
    const email = 'activity@example.org';
    await owner.clearCookies();
    const page = await owner.newPage();
    await signUp(page, email);
    const elsewhere = await j.newContext(
      { userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36' },
      { watch: false },
    );
    const other = await elsewhere.newPage();
    await signIn(other, email, OWNER_PASSWORD);
    await other.waitForURL('**/security');

    // Signed in again here, so the list holds this session's own sign-in too.
    await owner.clearCookies();
    await signIn(page, email, OWNER_PASSWORD);
    await page.waitForURL('**/security');
    await page.locator('#activity-link').click();
    await page.waitForURL('**/security/activity');
    // By day, one "Not you?" per entry that can be reported, none on this session's own sign-in.
    await page.getByRole('heading', { name: 'Today', level: 2 }).waitFor();
    const mine = page.locator('#activity li[data-current]');
    assert.equal(await mine.count(), 1);
    assert.equal(await mine.locator('details.not-you').count(), 0);
    for (const li of await page.locator('#activity li[data-event-id]').all()) assert.ok((await li.getByRole('button').count()) <= 1, 'one action per entry');
    const entry = page.locator('#activity li[data-event-type="signin.succeeded"]:not([data-current])').first();
    assert.match((await entry.textContent()) ?? '', /Chrome on Windows/);
    const before = smtp.received.length;
    await entry.getByText('Not you?').click();
    await entry.getByRole('button', { name: 'Secure my account' }).click();
    await page.getByRole('heading', { name: 'Your account is secured' }).waitFor();
    assert.match((await page.locator('main').textContent()) ?? '', /Check your email/);

    await page.goto('/security');
    await page.waitForURL('**/sign-in');
    await other.goto('/security');
    await other.waitForURL('**/sign-in');
    await elsewhere.close();
    const reset = await mailTo(email, /get back into your account/, before);
    assert.ok(/\/reset\?token=/.test(reset.text));
    await page.close();
  });

  it('no script errors, CSP violations or unexpected failed requests', () => {
    assert.deepEqual(problems, []);
  });
});
