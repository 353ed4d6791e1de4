// Two-step verification required by role (PASSDESK_REQUIRE_TWO_FACTOR_ROLES) in a real browser: a person of such a
// role signs in with the password alone and lands on the two-factor page with the sentence why; other pages lead
// back there; once an authenticator app is confirmed the security page opens.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { english } from '../../src/core/messages.js';
import { startJourney, type Journey } from '../helpers/journey.js';
import { totpCode } from '../helpers/totp.js';

const EMAIL = 'required@example.org';
const PASSWORD = 'correct horse battery staple';

describe('required two-step verification in Chromium', { timeout: 60_000 }, () => {
  let j: Journey;

  before(async () => {
    j = await startJourney({ config: { requireTwoFactorRoles: ['user'] }, account: { email: EMAIL, password: PASSWORD, via: 'api' } });
  });

  after(async () => {
    await j?.close();
  });

  it('signed in with the password alone, the person is led to set up an app first, and then reaches the rest', async () => {
    const { page, problems } = j;
    await page.goto('/sign-in');
    await page.getByLabel('Email address').fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/security/two-factor?notice=two-factor-required');
    assert.ok(((await page.textContent('body')) ?? '').includes(english.t('notice.TWO_FACTOR_REQUIRED')), 'the page says why');

    await page.goto('/security/email');
    await page.waitForURL('**/security/two-factor?notice=two-factor-required');

    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = (await page.locator('#totp-secret').textContent())?.trim() ?? '';
    await page.locator('#totp-code').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    assert.equal((await page.locator('#recovery-codes li').allTextContents()).length, 10);

    await page.goto('/security');
    assert.ok(new URL(page.url()).pathname === '/security', `the security page opens now (${page.url()})`);
    assert.deepEqual(problems, []);
  });
});
