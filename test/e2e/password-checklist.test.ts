// The live password checklist in a real browser: it ticks the rules while the person types (asking the
// same policy engine that judges the submit), shows a strength, announces the outcome in one polite live
// region, carries `passwordrules` for password managers, and without JavaScript the refused submit shows
// the same list with the failed rules marked.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { startJourney, type Journey } from '../helpers/journey.js';
import { confirmSignUpInPage } from '../helpers/browser.js';

describe('live password checklist in Chromium', { timeout: 60_000 }, () => {
  let j: Journey;
  let withJs: BrowserContext;
  let withoutJs: BrowserContext;
  let problems: string[];
  const checks: string[] = [];

  before(async () => {
    // The no-JS submit is refused with 400 on purpose; anything else logged as an error is a problem.
    j = await startJourney({ config: { organizationName: 'Acme Corp' }, expectedStatuses: [400] });
    ({ context: withJs, problems } = j);
    withoutJs = await j.newContext({ javaScriptEnabled: false }, { label: 'no-js' });
    for (const context of [withJs, withoutJs]) {
      context.on('request', (req) => {
        if (new URL(req.url()).pathname === '/api/v1/password/check') checks.push(req.postData() ?? '');
      });
    }
  });

  after(async () => {
    await j?.close();
  });

  async function rule(page: Page, key: string): Promise<{ state: string; text: string }> {
    const li = page.locator(`#password-rules li.rule[data-codes~="${key}"]`);
    const cls = (await li.getAttribute('class')) ?? '';
    return { state: cls.replace('rule', '').trim(), text: ((await li.textContent()) ?? '').replace(/\s+/g, ' ').trim() };
  }

  async function settled(page: Page, expected: Record<string, string>): Promise<void> {
    for (const [code, state] of Object.entries(expected)) {
      await page.locator(`#password-rules li.rule.${state}[data-codes~="${code}"]`).waitFor();
    }
  }

  it('ticks the rules as the person types, with a strength and one spoken summary', async () => {
    const page = await withJs.newPage();
    await page.goto('/sign-up');
    const box = page.getByLabel('Password', { exact: true });
    assert.equal(await box.getAttribute('passwordrules'), 'minlength: 15; maxlength: 256; allowed: lower, upper, digit, special;');
    assert.match((await box.getAttribute('aria-describedby')) ?? '', /password-rules/, 'the checklist describes the box');
    assert.equal((await rule(page, 'PASSWORD_TOO_SHORT')).state, 'unchecked');

    await page.getByLabel('Your name').fill('Grace Hopper');
    await page.getByLabel('Email address').fill('grace@example.com');
    await box.pressSequentially('grace1906', { delay: 20 });
    await settled(page, { PASSWORD_TOO_SHORT: 'unmet', PASSWORD_PERSONAL_INFO: 'unmet' });
    assert.match((await rule(page, 'PASSWORD_TOO_SHORT')).text, /not yet/);
    const summary = (await page.locator('#password-rules [data-status]').textContent()) ?? '';
    assert.match(summary, /Use at least 15 characters — you have 9\./);
    assert.match(summary, /Don’t use your name or email address\./);
    assert.equal(await page.locator('#password-rules [data-status]').getAttribute('aria-live'), 'polite');
    // The strength bar: a <meter> named by its label, the word beside it, and our own advice (never the estimator's English).
    const meter = page.getByRole('meter', { name: 'Password strength' });
    assert.ok(Number(await meter.getAttribute('value')) <= 1, 'a weak password fills little of the bar');
    assert.match((await page.locator('#password-rules [data-strength-label]').textContent()) ?? '', /^(Very weak|Weak)$/);
    const advice = ((await page.locator('#password-rules [data-strength-advice]').textContent()) ?? '').replace(/\s+/g, ' ');
    assert.match(advice, /your name, your email address or the name of this service|Add another word or two/);
    assert.doesNotMatch(advice, /personal or page related|Add more words that are less common|Avoid/);

    await box.fill('');
    await box.pressSequentially('violet kettle marches sideways', { delay: 10 });
    await settled(page, { PASSWORD_TOO_SHORT: 'met', PASSWORD_COMMON: 'met', PASSWORD_PERSONAL_INFO: 'met' });
    assert.equal((await page.locator('#password-rules [data-status]').textContent())?.trim(), 'All the rules are met.');
    assert.match((await page.locator('#password-rules [data-strength-label]').textContent()) ?? '', /^(Strong|Very strong)$/);
    assert.ok(Number(await meter.getAttribute('value')) >= 3, 'a strong password fills the bar');
    assert.ok(
      checks.length < 'grace1906violet kettle marches sideways'.length,
      `debounced: ${checks.length} checks for ${'grace1906violet kettle marches sideways'.length} keystrokes`,
    );
    assert.ok(
      checks.every((c) => !/"password":"[^"]*"/.test(c) || c.includes('"email":"grace@example.com"')),
      'the check carries the email being registered',
    );

    await page.getByRole('button', { name: 'Create account' }).click();
    await confirmSignUpInPage(page, 'grace@example.com', j.app);
    await page.waitForURL('**/security?notice=welcome');
    await page.close();
  });

  it('without JavaScript the refused submit shows the same checklist with the failed rules marked', async () => {
    const page = await withoutJs.newPage();
    await page.goto('/sign-up');
    await page.getByLabel('Email address').fill('linus@example.com');
    await page.getByLabel('Password', { exact: true }).fill('iloveyou');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForLoadState();
    assert.match((await page.locator('.alert.error').textContent()) ?? '', /Use at least 15 characters — you have 8\./);
    assert.equal((await rule(page, 'PASSWORD_TOO_SHORT')).state, 'unmet');
    assert.equal((await rule(page, 'PASSWORD_COMMON')).state, 'unmet');
    assert.equal((await rule(page, 'PASSWORD_PERSONAL_INFO')).state, 'met');
    assert.equal(await page.getByLabel('Email address').inputValue(), 'linus@example.com', 'what was typed is kept (not the password)');
    assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '');
    await page.close();
  });

  it('no script errors, CSP violations or unexpected failed requests', () => {
    assert.deepEqual(problems, []);
  });
});
