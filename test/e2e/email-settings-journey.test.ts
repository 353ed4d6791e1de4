// Email settings in a real browser, on one machine with no SMTP: set the anti-phishing phrase, add a recovery
// address, read the code in the dev mailbox (/dev/mailbox, the email rendered as HTML with the phrase on top),
// and confirm the address with it. No console errors, uncaught exceptions or CSP violations on any page.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import type { App } from '../../src/app.js';
import { PASSWORD } from '../helpers/app.js';
import { startJourney, type Journey } from '../helpers/journey.js';
import { confirmSignUpInPage } from '../helpers/browser.js';

const EMAIL = 'grace@example.com';
const RECOVERY = 'grace.backup@example.net';
const PHRASE = 'copper kettle at dawn';

describe('email settings journey in Chromium (dev mailbox)', { timeout: 60_000 }, () => {
  let j: Journey;
  let app: App;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  before(async () => {
    j = await startJourney();
    ({ app, context, page, problems } = j);
  });

  after(async () => {
    await j?.close();
  });

  it('the mail mode is the dev mailbox', () => {
    assert.equal(app.mail.mode, 'dev-mailbox');
  });

  it('sets the anti-phishing phrase from the security page', async () => {
    await page.goto('/sign-up');
    await page.getByLabel('Email address').fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await confirmSignUpInPage(page, EMAIL, app);
    await page.waitForURL('**/security?notice=welcome');
    await page.getByRole('link', { name: 'Email settings' }).click();
    await page.waitForURL('**/security/email');
    assert.equal(await page.title(), 'Email settings · Passdesk');
    await page.locator('#phrase').fill(PHRASE);
    await page.locator('#phrase-password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Save phrase' }).click();
    await page.waitForURL('**/security/email?notice=phrase-saved');
    assert.match((await page.locator('#current-phrase').textContent()) ?? '', new RegExp(`Your phrase: ${PHRASE}`));
  });

  it('asks for a recovery address code, read in the dev mailbox with the phrase at the top, and confirms it', async () => {
    await page.locator('#recovery').fill(RECOVERY);
    await page.locator('#recovery-password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Send a code' }).click();
    await page.waitForURL('**/security/email?notice=code-sent');
    assert.ok(await page.locator('#verify-form').isVisible());

    const mailbox = await context.newPage();
    await mailbox.goto('/dev/mailbox');
    await mailbox.getByRole('link', { name: 'Confirm your recovery address for Passdesk' }).click();
    assert.equal(((await mailbox.locator('#to').textContent()) ?? '').trim(), RECOVERY);
    const text = (await mailbox.locator('#text').textContent()) ?? '';
    assert.ok(text.startsWith(`Your anti-phishing phrase: ${PHRASE}`));
    const code = /\b(\d{8})\b/.exec(text)?.[1];
    assert.ok(code);
    await mailbox.getByRole('link', { name: 'View as HTML' }).click();
    const banner = mailbox.locator('#anti-phishing-phrase');
    assert.match((await banner.textContent()) ?? '', new RegExp(PHRASE));
    const box = await banner.boundingBox();
    assert.ok(box && box.y < 100, 'the phrase is at the top of the rendered email');
    await mailbox.close();

    await page.locator('#code').fill(code);
    await page.getByRole('button', { name: 'Confirm address' }).click();
    await page.waitForURL('**/security/email?notice=recovery-verified');
    assert.match((await page.locator('#recovery-email').textContent()) ?? '', new RegExp(`${RECOVERY.replace('.', '\\.')} \\(confirmed\\)`));
  });

  it('no console errors, uncaught exceptions or CSP violations on any page', () => {
    assert.deepEqual(problems, []);
  });
});
