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
import { checkPage } from '../helpers/page-checks.js';

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

    // Chromium's virtual authenticator answers a pending autofill request (conditional mediation) at once, as a person
    // picking the passkey from the email box's suggestions would. Presence is off while the password is to be typed.
    const presence = (enabled: boolean): Promise<unknown> => cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });

    assert.equal(await page.locator('#no-passkeys').count(), 1);
    assert.match((await page.locator('#passkey-first-factor-note').textContent()) ?? '', /turns on two-step verification/, 'said before it changes');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.locator('#passkey-recovery-codes').waitFor();
    assert.equal(await page.locator('#passkey-recovery-codes li').count(), 10, 'the first factor brings ten recovery codes, shown once');
    // Beside the codes the page says what is now true: the passkey listed, two-step verification on.
    assert.equal(await page.locator('#no-passkeys').count(), 0);
    assert.equal(await page.locator('#passkeys .passkey').count(), 1);
    assert.match((await page.locator('#two-factor-summary').textContent()) ?? '', /^On/);
    assert.equal(await page.locator('#passkey-add').isVisible(), false);
    assert.equal(await page.locator('#passkey-recovery-codes h2').evaluate((h) => h === h.ownerDocument.activeElement), true, 'focus on the codes');
    await checkPage(page, 'security page with new recovery codes');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1);
    assert.equal(credentials[0]!.isResidentCredential, true, 'a discoverable credential');
    await page.getByRole('link', { name: 'I have saved my recovery codes' }).click();
    await page.waitForURL('**/security?notice=passkey-added');
    assert.equal(await page.locator('#passkeys .passkey').count(), 1);
    assert.match((await page.locator('#passkeys .passkey-name').textContent()) ?? '', /^Passkey on Chrom/);
    assert.match((await page.locator('#two-factor-summary').textContent()) ?? '', /^On/);

    // Rename it with the plain form.
    await page.locator('#passkeys details.action summary').click();
    await page.getByLabel('New name').fill('Test laptop');
    await page.getByRole('button', { name: 'Save the new name' }).click();
    await page.waitForURL('**/security?notice=passkey-renamed');
    assert.equal((await page.locator('#passkeys .passkey-name').textContent())?.trim(), 'Test laptop');

    await presence(false);
    await signOut(page);
    assert.equal(await page.getByLabel('Email address').getAttribute('autocomplete'), 'username webauthn');
    await page.getByLabel('Email address').fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Use a passkey' }).waitFor();
    assert.ok(!(await context.cookies()).some((c) => c.name.endsWith('passdesk-session')), 'no session before the second factor');
    await presence(true);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL('**/security');
    assert.ok((await context.cookies()).some((c) => c.name.endsWith('passdesk-session')));

    // The sign-in page offers the saved passkey in the email box's autofill: picked, it signs in with nothing typed.
    await signOut(page);
    await page.waitForURL((url) => url.pathname === '/security');
    assert.match((await page.locator('main').textContent()) ?? '', new RegExp(EMAIL.replace('.', '\\.')));

    // A browser without autofill for passkeys (no conditional mediation): nothing is asked at load, and the button
    // is the way in. Another profile holding the same passkey.
    const {
      credentials: [credential],
    } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    const older = await j.newContext({}, { label: 'no-autofill' });
    await older.addInitScript('if (window.PublicKeyCredential) delete window.PublicKeyCredential.isConditionalMediationAvailable;');
    const olderPage = await older.newPage();
    const olderCdp = await older.newCDPSession(olderPage);
    await olderCdp.send('WebAuthn.enable');
    const other = await olderCdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    const optionsAsked: string[] = [];
    olderPage.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/passkeys/sign-in/options') optionsAsked.push(r.url());
    });
    await olderPage.goto('/sign-in');
    await olderPage.getByRole('button', { name: 'Continue with a passkey' }).waitFor();
    assert.deepEqual(optionsAsked, [], 'no autofill request where the browser cannot offer one');
    // No passkey on this authenticator yet: what went wrong is said right under the passkey button, not under "Sign in".
    await olderPage.getByRole('button', { name: 'Continue with a passkey' }).click();
    const error = olderPage.locator('#passkey-error');
    await error.waitFor({ state: 'visible' });
    assert.equal(await olderPage.locator('#passkey-sign-in-box #passkey-error').count(), 1, 'inside the passkey box');
    const button = await olderPage.getByRole('button', { name: 'Continue with a passkey' }).boundingBox();
    const signInButton = await olderPage.getByRole('button', { name: 'Sign in', exact: true }).boundingBox();
    const shown = await error.boundingBox();
    assert.ok(button && signInButton && shown && shown.y > button.y && shown.y - (button.y + button.height) < 40, 'just below the passkey button');
    assert.ok(shown.y > signInButton.y + signInButton.height + 40, 'not under the password form’s button');
    await checkPage(olderPage, 'sign-in with a passkey error');
    await olderCdp.send('WebAuthn.addCredential', { authenticatorId: other.authenticatorId, credential: credential! });
    await olderPage.getByRole('button', { name: 'Continue with a passkey' }).click();
    await olderPage.waitForURL('**/security');
    assert.match((await olderPage.locator('main').textContent()) ?? '', new RegExp(EMAIL.replace('.', '\\.')));
    // The copy signed once more: the first authenticator takes its counter back, or the server would see a clone.
    const {
      credentials: [used],
    } = await olderCdp.send('WebAuthn.getCredentials', { authenticatorId: other.authenticatorId });
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: used!.credentialId });
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: used! });
    await older.close();

    const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.ok(after.credentials[0]!.signCount >= 2, 'the authenticator signed twice');

    // A password reset of this account needs its second factor: the passkey, on the reset page.
    await presence(false);
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
    await presence(true);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await presence(false);
    await page.getByRole('button', { name: 'Save new password' }).click();
    await page.waitForURL('**/sign-in?notice=password-reset');
    const final = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.ok(final.credentials[0]!.signCount >= 3, 'the reset was proven with the passkey');

    // Step-up: a stale session confirms with the passkey before removing it. The reset's sign-in page has the email
    // filled in; the autofill's passkey signs in.
    assert.equal(await page.getByLabel('Email address').inputValue(), EMAIL, 'the sign-in page after a reset keeps the email');
    await presence(true);
    await page.reload();
    await page.waitForURL((url) => url.pathname === '/security');
    clock.advance(11 * 60_000);
    const removeForm = async (): Promise<void> => {
      await page.locator('#passkeys details.confirm summary').click();
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
