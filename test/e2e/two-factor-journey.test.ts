// Two-step verification in a real browser: set up an authenticator app from the security page (the test reads
// the key from the page and computes codes with otpauth, as a phone would), sign out, and sign in again with
// the password and then a code.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startJourney, type Journey } from '../helpers/journey.js';
import { totpCode } from '../helpers/totp.js';

const EMAIL = 'two-step@example.org';
const PASSWORD = 'correct horse battery staple';

describe('two-step verification in Chromium', { timeout: 60_000 }, () => {
  let j: Journey;

  before(async () => {
    j = await startJourney({ expectedStatuses: [400], account: { email: EMAIL, password: PASSWORD, via: 'page' } });
  });

  after(async () => {
    await j?.close();
  });

  it('set up an authenticator app, sign out, sign in with password and code', async () => {
    const { page, context, problems } = j;
    await page.locator('#two-factor-link').click();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const qr = page.locator('#totp-qr');
    await qr.waitFor();
    assert.ok(
      await qr.evaluate((img) => {
        const i = img as unknown as { complete: boolean; naturalWidth: number };
        return i.complete && i.naturalWidth > 0;
      }),
      'the QR code (a data: SVG) renders under the CSP',
    );
    const secret = (await page.locator('#totp-secret').textContent())?.trim() ?? '';
    assert.match(secret, /^[A-Z2-7]{32}$/);

    await page.locator('#totp-code').fill(totpCode(secret, { stepsAhead: 5 }));
    await page.getByRole('button', { name: 'Confirm' }).click();
    assert.match((await page.locator('.alert, [role=alert]').first().textContent()) ?? '', /not right/);

    await page.locator('#totp-code').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    const codes = await page.locator('#recovery-codes li').allTextContents();
    assert.equal(codes.length, 10, 'ten recovery codes shown once');
    assert.match((await page.locator('#two-factor-status').textContent()) ?? '', /is on/);

    await page.goto('/security/two-factor');
    assert.equal(await page.locator('#recovery-codes').count(), 0, 'the codes are not shown again');

    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.waitForURL('**/sign-in**');

    await page.getByLabel('Email address').fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Code from your authenticator app').waitFor();
    const cookies = await context.cookies();
    assert.ok(!cookies.some((c) => c.name.endsWith('passdesk-session')), 'no session before the code');

    // The next step: the confirming code's step was used once already.
    await page.getByLabel('Code from your authenticator app').fill(totpCode(secret, { stepsAhead: 1 }));
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.waitForURL('**/security');
    assert.match((await page.locator('#two-factor-summary').textContent()) ?? '', /^On/);
    assert.deepEqual(problems, []);
  });
});
