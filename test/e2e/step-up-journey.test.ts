// Step-up in a real browser: a session older than the window (the server's injected clock is moved on) tries to
// remove its authenticator app, meets "Confirm it's you", confirms with a code computed here as a phone would,
// comes back to the two-step page, and the removal goes through. The app is renamed on the way.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock } from '../../src/core/clock.js';
import { startJourney, type Journey } from '../helpers/journey.js';
import { totpCode } from '../helpers/totp.js';

const EMAIL = 'step-up@example.org';
const PASSWORD = 'correct horse battery staple';

describe('step-up in Chromium', { timeout: 60_000 }, () => {
  const clock = manualClock(Date.now());
  let j: Journey;

  before(async () => {
    j = await startJourney({ clock, account: { email: EMAIL, password: PASSWORD, via: 'page' } });
  });

  after(async () => {
    await j?.close();
  });

  it('a stale session confirms with a code before removing its authenticator app, then carries on', async () => {
    const { page, problems } = j;
    await page.locator('#two-factor-link').click();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = (await page.locator('#totp-secret').textContent())?.trim() ?? '';
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await page.locator('#totp-code').fill(totpCode(secret, { now: clock.now() }));
    await page.getByRole('button', { name: 'Confirm' }).click();
    assert.equal(await page.locator('#recovery-codes li').count(), 10);

    await page.getByRole('link', { name: 'I have saved my recovery codes' }).click();
    await page.waitForURL((url) => url.pathname === '/security/two-factor' && url.search === '');
    // Rename and remove each wait behind their own second step; the password box is only in the removal's.
    assert.equal(await page.locator('#factors input[type=password]').isVisible(), false);
    await page.locator('#factors details.action summary').click();
    const name = page.locator('.rename-factor input[name=name]');
    await name.fill('Pixel in my pocket');
    await page.getByRole('button', { name: 'Save the new name' }).click();
    await page.waitForURL('**/security/two-factor?notice=renamed');
    assert.equal((await page.locator('.factor-name').textContent())?.trim(), 'Pixel in my pocket');

    // Eleven minutes later the session is too old for this change.
    clock.advance(11 * 60_000);
    await page.locator('#factors details.confirm summary').click();
    await page.locator('.remove-factor input[name=currentPassword]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Remove this app' }).click();
    await page.waitForURL('**/security/confirm?next=%2Fsecurity%2Ftwo-factor');
    assert.equal((await page.getByRole('heading', { level: 1 }).textContent())?.trim(), 'Confirm it’s you');
    assert.equal(await page.locator('#factors').count(), 0, 'nothing was removed yet');

    await page.getByLabel('Code from your authenticator app').fill(totpCode(secret, { now: clock.now() }));
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/security/two-factor' && url.search === '');
    assert.equal((await page.locator('.factor-name').textContent())?.trim(), 'Pixel in my pocket', 'back where it was, the app still there');

    await page.locator('#factors details.confirm summary').click();
    await page.locator('.remove-factor input[name=currentPassword]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Remove this app' }).click();
    await page.waitForURL('**/security/two-factor?notice=removed');
    assert.match((await page.locator('#two-factor-status').textContent()) ?? '', /is off/);
    assert.deepEqual(problems, []);
  });
});
