// No sentence a person reads is written inline beside the catalog (src/core/i18n/catalogs/en.ts). The views
// and the emails are clean. src/http and src/flows still hold the sentences listed below (issue 12's second
// pass moves them into the catalog, under the suggested id, and deletes the entry here): the test fails on a
// new inline sentence, and on an entry that is no longer found, so this list only shrinks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findInlineSentences } from '../helpers/inline-sentences.js';

/** Text found inline → the catalog id suggested for it. Compared by their first 60 characters, so a small edit elsewhere does not break the list. */
const NOT_YET_IN_THE_CATALOG: Record<string, string> = {
  'The ${label} cannot contain line breaks, control characters or invisible formatting characters (such as U+202E or U+200B).': 'error.INVALID_CHARACTERS.field',
  'Your answers were saved.': 'notice.SECURITY_ANSWERS_SAVED',
  'Your answers were removed.': 'notice.SECURITY_ANSWERS_REMOVED',
  'Enter your password or the code.': 'error.form.passwordOrCode',
  'Enter your password.': 'error.form.password',
  'Enter the code.': 'error.form.code',
  'The database is not reachable.': 'error.SERVICE_UNAVAILABLE.database',
  'Your anti-phishing phrase was saved. It appears at the top of every email from us.': 'notice.PHRASE_SAVED',
  'Your anti-phishing phrase was removed.': 'notice.PHRASE_REMOVED',
  'We sent an 8-digit code to the recovery address. Type it below to confirm the address.': 'notice.RECOVERY_CODE_SENT',
  'Your recovery address is confirmed. Reset codes and security notices go there too.': 'notice.RECOVERY_CONFIRMED',
  'Your recovery address was removed.': 'notice.RECOVERY_REMOVED',
  'Anti-phishing phrase: ${checked.error.issues[0]?.message ?? \'not valid\'}.': 'error.form.phrase',
  'Enter your email address and password.': 'error.form.emailAndPassword',
  'Enter a valid email address, like name@example.com.': 'error.form.email',
  'The authenticator app was removed.': 'notice.AUTHENTICATOR_REMOVED',
  'The name was saved.': 'notice.NAME_SAVED',
  'New recovery codes were made. The old ones no longer work.': 'notice.RECOVERY_CODES_REGENERATED',
  'Name: ${form.error?.issues[0]?.message ?? \'not valid\'}.': 'error.form.name',
  'Your authenticator app is set up. From now on, signing in asks for a code from it.': 'notice.AUTHENTICATOR_ADDED',
  'Enter your current password.': 'error.form.currentPassword',
  'Enter a new password.': 'error.form.newPassword',
  'Metrics need the bearer token the operator configured (PASSDESK_METRICS_TOKEN).': 'error.AUTHENTICATION_REQUIRED.metrics',
  'Enter your email address and the 8-digit code from the email.': 'error.form.emailAndCode',
  'Fill in every box.': 'error.form.everyBox',
  'Too many attempts from your network. Wait and try again later, or reset your password.': 'error.TOO_MANY_REQUESTS.network',
  'Bot challenges are turned off on this server.': 'error.CHALLENGE_DISABLED',
  'A change to your account': 'activity.notice.unknown',
  'That activity was not found, or cannot be reported.': 'error.NOT_FOUND.activity',
  'Passkeys are not configured on this service.': 'error.PASSKEYS_NOT_CONFIGURED',
  'Passkey on your phone': 'passkey.defaultName.phone',
  'Passkey on ${o.device ?? \'this device\'}': 'passkey.defaultName.device (+ passkey.defaultName.thisDevice)',
  'Too many unsuccessful sign-in attempts. Wait 15 minutes and try again, or reset your password.': 'error.TOO_MANY_REQUESTS.signIn (passkeys.ts and sign-in.ts)',
  'Answer your security questions before choosing a new password.': 'error.RESET_ANSWERS_REQUIRED',
  'Too many failed tries for this account. Wait 15 minutes and try again.': 'error.TOO_MANY_REQUESTS.stepUp',
  'Too many wrong codes for this account. Wait 15 minutes and try again.': 'error.TOO_MANY_REQUESTS.codes',
  'Enter your current password to remove your last second factor: without it, your password must be long enough on its own.': 'error.SECOND_FACTOR_PROOF_REQUIRED.lastFactor',
  'Without two-step verification your password needs at least ${singleFactorMin} characters; it has ${length}. Change your password first, then remove ${o.what}.': 'error.LAST_FACTOR_PASSWORD_TOO_SHORT.detail',
  'Too many wrong codes for this account. Wait 15 minutes and sign in again.': 'error.TOO_MANY_REQUESTS.secondFactor',
};

describe('sentences live in the catalog', () => {
  it('the views and the emails write no sentence inline', () => {
    const found = findInlineSentences(['src/web/views', 'src/mail']).filter((s) => !/^[A-Z_]+:|PASSDESK_/.test(s.text));
    assert.deepEqual(found.map((s) => `${s.file}:${s.line}: ${s.text}`), []);
  });

  it('src/http, src/flows and src/methods write no sentence inline beyond the ones still listed', () => {
    const key = (text: string): string => text.slice(0, 60);
    const listed = new Set(Object.keys(NOT_YET_IN_THE_CATALOG).map(key));
    const found = findInlineSentences(['src/http', 'src/flows', 'src/methods']);
    const unlisted = found.filter((s) => !listed.has(key(s.text)));
    assert.deepEqual(unlisted.map((s) => `${s.file}:${s.line}: ${s.text}`), [], 'put new sentences in the catalog, not inline');
    const moved = Object.keys(NOT_YET_IN_THE_CATALOG).filter((text) => !found.some((s) => key(s.text) === key(text)));
    assert.deepEqual(moved, [], 'these are no longer inline: delete them from NOT_YET_IN_THE_CATALOG');
  });
});
