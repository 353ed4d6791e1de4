// The password reset journey in a real browser: "Forgot your password?" on the sign-in page, the request
// on /reset, the link read from the dev mailbox API, the link followed (the token leaves the URL), a new
// password with the live checklist, the sign-in page's notice, and a sign-in with the new password.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext } from 'playwright-core';
import type { App } from '../../src/app.js';
import { startJourney, type Journey } from '../helpers/journey.js';

const EMAIL = 'ada@example.org';
const OLD_PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'violet kettle marches sideways';

describe('password reset journey in Chromium (dev mailbox)', { timeout: 60_000 }, () => {
  let j: Journey;
  let app: App;
  let baseUrl: string;
  let context: BrowserContext;
  let problems: string[];

  before(async () => {
    // The throttled/refused answers of this journey are 400s on purpose.
    j = await startJourney({
      config: { supportContact: 'help@example.org' },
      expectedStatuses: [400],
      account: { email: EMAIL, password: OLD_PASSWORD, via: 'api' },
    });
    ({ app, baseUrl, context, problems } = j);
  });

  after(async () => {
    await j?.close();
  });

  it('mail mode is the dev mailbox', () => {
    assert.equal(app.mail.mode, 'dev-mailbox');
  });

  it('forgot password → email link → new password → sign in with it', async () => {
    const page = await context.newPage();
    await page.goto('/sign-in');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL('**/reset');
    assert.match((await page.locator('#reset-help').textContent()) ?? '', /spam/);
    await page.getByLabel('Email address').fill(EMAIL);
    await page.getByRole('button', { name: 'Send reset email' }).click();
    await page.waitForLoadState();
    assert.match((await page.locator('.alert').first().textContent()) ?? '', /If an account uses that address/);

    // The account-specific work runs after the response: wait for it, then read the dev mailbox's API.
    await app.deps.background!.idle();
    const mailbox = (await (await fetch(`${baseUrl}/api/v1/dev/mailbox?to=${encodeURIComponent(EMAIL)}`)).json()) as {
      messages: Array<{ template: string; text: string }>;
    };
    const mail = mailbox.messages.find((m) => m.template === 'password-reset-requested');
    assert.ok(mail, 'the reset email is in the dev mailbox');
    const link = /(http:\/\/\S+\/reset\?token=[A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    assert.ok(link, 'a reset link in the email');
    assert.ok(link.startsWith(`${baseUrl}/reset?token=`), `link ${link}`);

    await page.goto(link);
    // Opening the link only shows one button (mail scanners open links); pressing it uses the token.
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await page.locator('#reset-continue').click();
    await page.waitForURL(/\/reset\/new\?flow=/);
    assert.ok(!page.url().includes('token='), 'the token left the URL');
    const box = page.getByLabel('New password', { exact: true });
    assert.match((await box.getAttribute('passwordrules')) ?? '', /minlength: 15/);
    await box.pressSequentially(NEW_PASSWORD, { delay: 5 });
    await page.locator('#newPassword-rules li.rule.met[data-codes~="PASSWORD_TOO_SHORT"]').waitFor();
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Save new password' }).click();
    await page.waitForURL('**/sign-in?notice=password-reset');
    assert.match((await page.locator('.alert').first().textContent()) ?? '', /Password changed — sign in with your new password/);

    // The address just reset is filled in (kept in a short-lived HttpOnly cookie, never in the URL); the focus waits
    // in the password box.
    assert.equal(await page.getByLabel('Email address').inputValue(), EMAIL);
    assert.equal(await page.getByLabel('Password', { exact: true }).evaluate((el) => el === el.ownerDocument.activeElement), true);
    assert.ok(!page.url().includes(encodeURIComponent(EMAIL)) && !page.url().includes(EMAIL), 'not in the URL');
    const kept = (await page.context().cookies()).find((c) => c.name.endsWith('passdesk-sign-in-email'));
    assert.ok(kept?.httpOnly && kept.sameSite === 'Lax' && kept.expires > 0, 'short-lived and HttpOnly');
    await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/security');
    assert.equal(
      (await page.context().cookies()).some((c) => c.name.endsWith('passdesk-sign-in-email')),
      false,
      'dropped once signed in',
    );
    await page.close();
  });

  it('no script errors, CSP violations or unexpected failed requests', () => {
    assert.deepEqual(problems, []);
  });
});
