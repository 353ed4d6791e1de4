// A directory user's journey in Chromium against a real OpenLDAP (test/helpers/slapd.ts, reached over StartTLS),
// whose entry has a policy of its own (pwdMinLength 20, history 3): sign in with the uid, set up an authenticator
// app, see the entry's minimum on the change page (its live checklist judging by it), change the password, then
// try the first one again, which the directory's history refuses (seen as the checklist line, never an LDAP
// message, with the directory untouched), sign out, "Forgot your password?" with the mail address, the emailed
// link, the TOTP code the reset asks for, a new password on a page that shows the same rules, and a sign-in with
// it. Every password the journey sets or is refused is proved from outside with ldapwhoami.
// The server's clock is a manual one started ten minutes past the real time, moved one TOTP step before each code, so
// that the three codes of the journey are three different steps without waiting for time to pass. Ahead, because the
// directory stamps a password change with its own (real) clock: a sign-in flow begun on a clock behind it would look
// older than the change and be refused, however slowly the journey runs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { manualClock } from '../../src/core/clock.js';
import { startJourney, type Journey } from '../helpers/journey.js';
import { startSlapd, type TestSlapd, slapdDirectoryConfig } from '../helpers/slapd.js';
import { totpCode } from '../helpers/totp.js';

const UID = 'dana';
const EMAIL = 'dana@example.org';
const FIRST = 'Tulip-Granite-Harbour-47';
const SECOND = 'Violet-Lantern-Meadow-58';
const THIRD = 'Copper-Orchard-Whistle-69';
/** 18 characters: longer than Passdesk's own minimum (15), shorter than the entry's pwdMinLength (20). */
const SHORT_FOR_DIRECTORY = 'Amber-Falcon-Ridge';
const TOTP_STEP_MS = 30_000;
/** What a person must never read: the directory's own words. */
const LDAP_WORDS = /ppolicy|ldap|constraint|passwordInHistory|invalid ?credentials/i;

describe('directory (OpenLDAP) journey in Chromium', { timeout: 90_000 }, () => {
  let slapd: TestSlapd | undefined;
  let j: Journey | undefined;
  let dir: string | undefined;
  let dn = '';
  const clock = manualClock(Date.now() + 10 * 60_000);

  before(async () => {
    slapd = await startSlapd();
    dir = mkdtempSync(join(tmpdir(), 'passdesk-e2e-directory-'));
    dn = await slapd.addUser({ uid: UID, mail: EMAIL, cn: 'Dana Scully', password: FIRST, policy: { pwdMinLength: 20 } });
    j = await startJourney({
      clock,
      // The refused change and the wrong-code answers are 400s on purpose.
      expectedStatuses: [400],
      config: {
        passwordMinStrength: 0,
        ...slapdDirectoryConfig(slapd, dir),
      },
    });
  });

  after(async () => {
    try {
      await j?.close();
    } finally {
      try {
        await slapd?.stop();
      } finally {
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  const text = async (page: Page, selector: string): Promise<string> =>
    ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

  /** The code of the next TOTP step: the server's clock moves one step first, so no step is used twice. */
  const nextCode = (secret: string): string => {
    clock.advance(TOTP_STEP_MS);
    return totpCode(secret, { now: clock.now() });
  };

  it('signs in with the uid, sets up an app, meets the directory’s refusal, resets with link and code, signs in again', async () => {
    const journey = j!;
    const ldap = slapd!;
    const page = journey.page;

    // Sign in with the directory's uid on the ordinary sign-in page.
    await page.goto('/sign-in');
    await page.getByLabel('Email or username').fill(UID);
    await page.getByLabel('Password', { exact: true }).fill(FIRST);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/security');
    assert.match(await text(page, 'main'), new RegExp(`Signed in as Dana Scully \\(${EMAIL}\\)`));

    // An authenticator app, as the two-factor journey sets one up.
    await page.locator('#two-factor-link').click();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = ((await page.locator('#totp-secret').textContent()) ?? '').trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await page.locator('#totp-code').fill(totpCode(secret, { now: clock.now() }));
    await page.getByRole('button', { name: 'Confirm' }).click();
    assert.match(await text(page, '#two-factor-status'), /is on/);

    // The change page shows the entry's own minimum, and its live checklist judges by it.
    await page.goto('/security/password');
    assert.match(await text(page, '#newPassword-rules li.rule[data-codes~="PASSWORD_TOO_SHORT"]'), /At least 20 characters/);
    await page.getByLabel('New password', { exact: true }).pressSequentially(SHORT_FOR_DIRECTORY, { delay: 5 });
    await page.locator('#newPassword-rules li.rule.unmet[data-codes~="PASSWORD_TOO_SHORT"]').waitFor();

    // A change the directory accepts, then one back to the first password: its history (3) refuses that.
    const changePassword = async (current: string, next: string): Promise<void> => {
      await page.goto('/security/password');
      await page.getByLabel('Current password').fill(current);
      await page.getByLabel('New password', { exact: true }).fill(next);
      await page.getByLabel('Confirm new password').fill(next);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.waitForLoadState();
    };
    await changePassword(FIRST, SECOND);
    await page.waitForURL('**/security?notice=password-changed*');
    assert.equal(await ldap.ldapwhoami(dn, SECOND), true);

    await changePassword(SECOND, FIRST);
    assert.equal(new URL(page.url()).pathname, '/security/password', 'the refusal stays on the form');
    const reused = page.locator('#newPassword-rules li.rule.unmet[data-codes~="PASSWORD_REUSED"]');
    await reused.waitFor();
    const refusal = await text(page, '#newPassword-error, .field-error:not([hidden]), .alert.error');
    assert.match(refusal, /used this password recently/i, `the refusal in plain words: ${refusal}`);
    assert.match(refusal, /last 3/, 'the directory’s history length');
    assert.doesNotMatch(await text(page, 'main'), LDAP_WORDS, 'never the directory’s own message');
    assert.equal(await ldap.ldapwhoami(dn, SECOND), true, 'the directory still holds the second password');
    assert.equal(await ldap.ldapwhoami(dn, FIRST), false);

    // Signed out, the person forgets the password and asks for a reset with the mail address.
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.waitForURL('**/sign-in**');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL('**/reset');
    await page.getByLabel('Email address').fill(EMAIL);
    await page.getByRole('button', { name: 'Send reset email' }).click();
    await page.locator('.alert', { hasText: 'If an account uses that address' }).waitFor();

    await journey.app.deps.background!.idle();
    const mailbox = (await (await fetch(`${journey.baseUrl}/api/v1/dev/mailbox?to=${encodeURIComponent(EMAIL)}`)).json()) as {
      messages: Array<{ template: string; text: string }>;
    };
    const mail = mailbox.messages.find((m) => m.template === 'password-reset-requested');
    assert.ok(mail, 'the reset email went to the entry’s mail');
    const link = /(http:\/\/\S+\/reset\?token=[A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    assert.ok(link, 'a reset link in the email');
    assert.ok(link.startsWith(`${journey.baseUrl}/reset?token=`), `link ${link}`);
    await page.goto(link);
    await page.locator('#reset-continue').click();
    await page.waitForURL(/\/reset\/new\?flow=/);

    // The reset asks for the second factor before the new password.
    await page.getByRole('heading', { name: 'Confirm it’s you' }).waitFor();
    await page.getByLabel('Code from your authenticator app').fill(nextCode(secret));
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    const box = page.getByLabel('New password', { exact: true });
    await box.waitFor();
    assert.match(await text(page, '#newPassword-rules li.rule[data-codes~="PASSWORD_TOO_SHORT"]'), /At least 20 characters/);
    assert.match((await box.getAttribute('passwordrules')) ?? '', /minlength: 20;/);
    await box.pressSequentially(SHORT_FOR_DIRECTORY, { delay: 5 });
    await page.locator('#newPassword-rules li.rule.unmet[data-codes~="PASSWORD_TOO_SHORT"]').waitFor();
    await box.fill('');
    await box.pressSequentially(THIRD, { delay: 5 });
    await page.locator('#newPassword-rules li.rule.met[data-codes~="PASSWORD_TOO_SHORT"]').waitFor();
    await page.getByLabel('Confirm new password').fill(THIRD);
    await page.getByRole('button', { name: 'Save new password' }).click();
    await page.waitForURL('**/sign-in?notice=password-reset');
    assert.match(await text(page, '.alert'), /Password changed — sign in with your new password/);

    // Signing in with the new one, and the app's code.
    await page.getByLabel('Email or username').fill(UID);
    await page.getByLabel('Password', { exact: true }).fill(THIRD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Code from your authenticator app').fill(nextCode(secret));
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.waitForURL('**/security');

    // Proved from outside Passdesk: the directory binds the new password and neither old one.
    assert.equal(await ldap.ldapwhoami(dn, THIRD), true);
    assert.equal(await ldap.ldapwhoami(dn, SECOND), false);
    assert.equal(await ldap.ldapwhoami(dn, FIRST), false);
    assert.deepEqual(journey.problems, []);
  });
});
