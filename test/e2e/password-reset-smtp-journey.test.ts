// Password reset journeys in Chromium with the email read from a real SMTP server in the test: one follows the
// link and proves an authenticator app, the other types the emailed code and answers security questions set up
// on the security page. Both end by signing in with the new password.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { signUpInPage } from '../helpers/browser.js';
import { startJourney, type Journey } from '../helpers/journey.js';
import { totpCode } from '../helpers/totp.js';
import type { ReceivedMail, TestSmtpServer } from '../helpers/smtp.js';

const OLD_PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'violet kettle marches sideways';

describe('password reset in Chromium, email over real SMTP', { timeout: 90_000 }, () => {
  let j: Journey;
  let smtp: TestSmtpServer;
  let baseUrl: string;
  let context: BrowserContext;
  let problems: string[];

  before(async () => {
    j = await startJourney({
      smtp: true,
      config: { securityQuestions: true, securityQuestionCount: 2, supportContact: 'help@example.org' },
      expectedStatuses: [400],
    });
    ({ baseUrl, context, problems } = j);
    smtp = j.smtp!;
  });

  after(async () => {
    await j?.close();
  });

  async function signUp(page: Page, email: string): Promise<void> {
    await context.clearCookies(); // a new person on this browser
    await signUpInPage(page, email, OLD_PASSWORD, smtp);
  }

  /** Asks for the reset on /reset and waits for the email to reach the SMTP server. */
  async function requestReset(page: Page, email: string): Promise<ReceivedMail> {
    const before = smtp.received.length;
    await page.goto('/sign-in');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email address').fill(email);
    await page.getByRole('button', { name: 'Send reset email' }).click();
    await page.waitForLoadState();
    // The message leaves through the outbox worker over SMTP; wait for the server to accept it.
    const isReset = (m: ReceivedMail): boolean => m.to.includes(email) && /Reset your/.test(m.headers.get('subject') ?? '');
    for (let n = before + 1; ; n++) {
      await smtp.waitFor(n);
      const mail = smtp.received.slice(before).find(isReset);
      if (mail) return mail;
    }
  }

  async function signInWithNewPassword(page: Page, email: string): Promise<void> {
    await page.waitForURL('**/sign-in?notice=password-reset');
    assert.match((await page.locator('.alert').first().textContent()) ?? '', /sign in with your new password/);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function chooseNewPassword(page: Page): Promise<void> {
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Save new password' }).click();
  }

  it('link from the email → authenticator code → new password → sign in (with a recovery code)', async () => {
    const email = 'link-totp@example.org';
    const page = await context.newPage();
    await signUp(page, email);
    await page.goto('/security/two-factor');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = (await page.locator('#totp-secret').textContent())?.trim() ?? '';
    await page.locator('#totp-code').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    const recoveryCodes = await page.locator('#recovery-codes li').allTextContents();
    assert.equal(recoveryCodes.length, 10);
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.waitForURL('**/sign-in**');

    const mail = await requestReset(page, email);
    const link = /(http:\/\/\S+\/reset\?token=[A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    assert.ok(link?.startsWith(`${baseUrl}/reset?token=`), `the link comes from the configured base URL: ${link}`);
    if (!link) return;
    await page.goto(link);
    // Opening the link only shows one button (mail scanners open links); pressing it uses the token.
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await page.locator('#reset-continue').click();
    await page.waitForURL(/\/reset\/new\?flow=/);
    assert.equal(await page.getByRole('heading', { name: 'Confirm it’s you' }).count(), 1, 'the second factor comes before the new password');

    await page.getByLabel('Code from your authenticator app').fill('000000');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    assert.match((await page.locator('.alert').first().textContent()) ?? '', /not right/);
    // The confirming code's step was used; the next one is accepted once.
    await page.getByLabel('Code from your authenticator app').fill(totpCode(secret, { stepsAhead: 1 }));
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByLabel('New password', { exact: true }).waitFor();
    await chooseNewPassword(page);
    await signInWithNewPassword(page, email);

    await page.getByText('Use a recovery code instead').click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]!.trim());
    await page.getByRole('button', { name: 'Continue with a recovery code' }).click();
    await page.waitForURL('**/security');
    await page.close();
  });

  it('security questions set on the security page → code typed from the email → answers → new password → sign in', async () => {
    const email = 'code-questions@example.org';
    const page = await context.newPage();
    await signUp(page, email);
    await page.locator('#security-questions-link').click();
    await page.waitForURL('**/security/questions');
    await page.locator('#question-0').selectOption('first-concert');
    await page.locator('#answer-0').fill('Blur, Brixton 1995');
    await page.locator('#question-1').selectOption('first-car');
    await page.locator('#answer-1').fill('Ford Fiesta');
    await page.getByLabel('Current password').first().fill(OLD_PASSWORD);
    await page.getByRole('button', { name: 'Save answers' }).click();
    await page.waitForURL('**/security/questions?notice=saved');
    assert.match((await page.locator('#questions-status').textContent()) ?? '', /answered 2 questions/);
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.waitForURL('**/sign-in**');

    const mail = await requestReset(page, email);
    const code = /\b(\d{8})\b/.exec(mail.text)?.[1];
    assert.ok(code, 'the email carries the 8-digit code');
    await page.getByRole('link', { name: 'Type the code instead' }).click();
    await page.waitForURL('**/reset/code**');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Code').fill(code);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Answer your security questions' }).waitFor();

    await page.getByLabel('What was the first concert you went to?').fill('blur brixton 1995');
    await page.getByLabel('What was the make and model of your first car?').fill('Ford Focus');
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.match((await page.locator('.alert').first().textContent()) ?? '', /not right/);
    await page.getByLabel('What was the first concert you went to?').fill('Blur – Brixton, 1995');
    await page.getByLabel('What was the make and model of your first car?').fill('ford fiesta');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('New password', { exact: true }).waitFor();
    await chooseNewPassword(page);
    await signInWithNewPassword(page, email);
    await page.waitForURL('**/security');
    await page.close();
  });

  it('no script errors, CSP violations or unexpected failed requests', () => {
    assert.deepEqual(problems, []);
  });
});
