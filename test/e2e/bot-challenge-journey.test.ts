// The bot challenge in a real browser, with PASSDESK_CHALLENGE=always: with JavaScript the sign-up page solves the
// proof of work in Web Workers (altcha's worker, served by Passdesk) under the page's CSP and the person notices
// nothing; without JavaScript the page's time-locked ticket does it: sent too soon, the page asks to wait and press
// again (the clock is the test's, so nobody sleeps).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '../../src/app.js';
import { manualClock } from '../../src/core/clock.js';
import { startJourney, type Journey } from '../helpers/journey.js';
import { confirmSignUpInPage } from '../helpers/browser.js';

const PASSWORD = 'violet kettle marches sideways';

describe('bot challenge journey in Chromium (PASSDESK_CHALLENGE=always)', { timeout: 120_000 }, () => {
  let j: Journey;
  let app: App;
  const clock = manualClock(Date.UTC(2026, 10, 23, 9));

  before(async () => {
    // The default difficulty, so the journey also shows what a person waits for. The refusal a person without
    // JavaScript sees first is a 428 page on purpose.
    j = await startJourney({ clock, config: { challenge: 'always' }, expectedStatuses: [428] });
    ({ app } = j);
  });

  after(async () => {
    await j?.close();
  });

  it('with JavaScript: the page solves the challenge in the background and the sign-up simply works', async (t) => {
    const page = await j.context.newPage();
    const started = Date.now();
    await page.goto('/sign-up');
    await page.getByLabel('Email address').fill('script@example.org');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByText('Check done.').waitFor({ timeout: 60_000 });
    t.diagnostic(`challenge solved ${Date.now() - started} ms after the page was opened (max number ${app.config.challengeMaxNumber})`);
    await page.getByRole('button', { name: 'Create account' }).click();
    await confirmSignUpInPage(page, 'script@example.org', app);
    assert.ok(await app.deps.store.accounts.findAccountByEmail('script@example.org'));
    await page.close();
  });

  it('with JavaScript, pressing the button before the work is done waits for it, then sends the form', async () => {
    await j.context.clearCookies();
    const page = await j.context.newPage();
    await page.goto('/sign-up');
    await page.getByLabel('Email address').fill('quick@example.org');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await confirmSignUpInPage(page, 'quick@example.org', app, 0, { timeout: 60_000 });
    await page.close();
  });

  it('without JavaScript: sent too soon the page asks to wait; after the delay (the test clock moves) pressing again sends the confirmation, and its link makes the account', async () => {
    const context = await j.newContext({ javaScriptEnabled: false }, { watch: false });
    try {
      const page = await context.newPage();
      await page.goto('/sign-up');
      await page.getByLabel('Email address').fill('nojs@example.org');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByText('Wait a few more seconds, then press the button again.').waitFor();
      assert.equal(await app.deps.store.accounts.findAccountByEmail('nojs@example.org'), null);
      assert.equal(await page.getByLabel('Email address').inputValue(), 'nojs@example.org', 'what was typed stays, except the password');
      clock.advance(app.config.challengeFallbackDelay);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await confirmSignUpInPage(page, 'nojs@example.org', app);
      assert.ok(await app.deps.store.accounts.findAccountByEmail('nojs@example.org'));
    } finally {
      await context.close();
    }
  });

  it('no script error and no Content-Security-Policy violation on the way', () => {
    assert.deepEqual(j.problems, []);
  });
});
