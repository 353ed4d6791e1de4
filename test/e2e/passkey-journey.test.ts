// Passkeys in a real browser, with Chromium's virtual authenticator (DevTools protocol WebAuthn domain): add a
// passkey on /security, sign out, sign in with password + passkey, sign out, sign in with the passkey alone
// ("Continue with a passkey" on /sign-in), reset the password proving the passkey on the reset page, and remove
// it from a stale session after "Confirm it's you" with the passkey.
// WebAuthn needs a secure context and a domain as RP ID: the pages are opened at http://localhost:PORT (a
// secure context) while the server listens on 127.0.0.1; the base URL, and so the RP ID and origin, say localhost.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import type { App } from '../../src/app.js';
import { manualClock } from '../../src/core/clock.js';
import { withOpenedMail } from '../helpers/app.js';
import { startJourney, type Journey } from '../helpers/journey.js';

const EMAIL = 'passkey-person@example.org';
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a completely different passphrase';

describe('passkeys in Chromium', { timeout: 90_000 }, () => {
  // A clock the test moves, to make the session stale for step-up without waiting.
  const clock = manualClock(Date.now());
  let j: Journey;
  let app: App;
  let context: BrowserContext;
  let problems: string[];

  before(async () => {
    j = await startJourney({ clock, hostname: 'localhost', account: { email: EMAIL, password: PASSWORD, via: 'page' } });
    ({ app, context, problems } = j);
  });

  after(async () => {
    await j?.close();
  });

  async function signOut(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL('**/sign-in**');
  }

  it('add a passkey, then sign in with password + passkey, then with the passkey alone', async () => {
    const { page } = j;
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });

    assert.equal(await page.locator('#no-passkeys').count(), 1);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.locator('#passkey-recovery-codes').waitFor();
    assert.equal(await page.locator('#passkey-recovery-codes li').count(), 10, 'the first factor brings ten recovery codes, shown once');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1);
    assert.equal(credentials[0]!.isResidentCredential, true, 'a discoverable credential');
    await page.getByRole('link', { name: 'I saved my recovery codes' }).click();
    await page.waitForURL('**/security?notice=passkey-added');
    assert.equal(await page.locator('#passkeys .passkey').count(), 1);
    assert.match((await page.locator('#passkeys .passkey-name').textContent()) ?? '', /^Passkey on Chrom/);
    assert.match((await page.locator('#two-factor-summary').textContent()) ?? '', /^On/);

    // Rename it with the plain form.
    await page.locator('#passkeys summary').click();
    await page.getByLabel('New name').fill('Test laptop');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.waitForURL('**/security?notice=passkey-renamed');
    assert.equal((await page.locator('#passkeys .passkey-name').textContent())?.trim(), 'Test laptop');

    await signOut(page);
    await page.getByLabel('Email address').fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Use a passkey' }).waitFor();
    assert.ok(!(await context.cookies()).some((c) => c.name.endsWith('passdesk-session')), 'no session before the second factor');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL('**/security');
    assert.ok((await context.cookies()).some((c) => c.name.endsWith('passdesk-session')));

    await signOut(page);
    await page.getByRole('button', { name: 'Continue with a passkey' }).click();
    await page.waitForURL('**/security');
    assert.match((await page.locator('main').textContent()) ?? '', new RegExp(EMAIL.replace('.', '\\.')));

    const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.ok(after.credentials[0]!.signCount >= 2, 'the authenticator signed twice');

    // A password reset of this account needs its second factor: the passkey, on the reset page.
    await signOut(page);
    await page.goto('/reset');
    await page.getByLabel('Email address').fill(EMAIL);
    await page.getByRole('button', { name: 'Send reset email' }).click();
    await page.waitForLoadState();
    await app.deps.background!.idle();
    const account = await app.deps.store.accounts.findAccountByEmail(EMAIL);
    const mail = (await withOpenedMail(app.deps.store, app).outbox.listMessages({ limit: 20, accountId: account!.id })).find(
      (m) => m.template === 'password-reset-requested',
    );
    const link = /(http:\/\/\S+\/reset\?token=[A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
    assert.ok(link, 'the reset email went out');
    await page.goto(link);
    // Opening the link only shows one button (mail scanners open links); pressing it uses the token.
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await page.locator('#reset-continue').click();
    await page.waitForURL(/\/reset\/new\?flow=/);
    assert.equal(await page.getByLabel('New password', { exact: true }).count(), 0, 'no new password before the second factor');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByLabel('New password', { exact: true }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Save new password' }).click();
    await page.waitForURL('**/sign-in?notice=password-reset');
    const final = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.ok(final.credentials[0]!.signCount >= 3, 'the reset was proven with the passkey');

    // Step-up: a stale session confirms with the passkey before removing it.
    await page.getByRole('button', { name: 'Continue with a passkey' }).click();
    await page.waitForURL('**/security');
    clock.advance(11 * 60_000);
    const removeForm = async (): Promise<void> => {
      await page.locator('#passkeys summary').click();
      await page.getByLabel('Current password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Remove passkey' }).click();
    };
    await removeForm();
    await page.waitForURL('**/security/confirm?next=%2Fsecurity');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL('**/security');
    await removeForm();
    await page.waitForURL('**/security?notice=passkey-removed');
    assert.equal(await page.locator('#no-passkeys').count(), 1);
    assert.deepEqual(problems, []);
  });
});
