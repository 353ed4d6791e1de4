// Sign-in → change password → reset by the emailed link, in Chromium, in each shipped language (issue 17): the
// browser asks for the language (the context's locale, sent as Accept-Language) and every page answers in it —
// <html lang> is the language, a sentence of that language's catalog is on the page (taken from the catalog by id),
// no raw message id shows, and the page checks hold (no sideways scrolling at any width, axe clean).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { availableLocales, translator, type MessageId } from '../../src/core/i18n/translator.js';
import { registerAccount } from '../../src/flows/register.js';
import { NEW_PASSWORD, PASSWORD } from '../helpers/app.js';
import { startJourney, type Journey } from '../helpers/journey.js';
import { checkPage } from '../helpers/page-checks.js';

const RESET_PASSWORD = 'quiet lantern orbits the meadow';
/** A catalog id as a page would show it when a message was missing. */
const RAW_ID = /\b(?:page|error|notice|email|policy|format|activity)\.[A-Za-z]+\.[A-Za-z.]+\b/;
/** The shipped languages: every registered one but the pseudo-locales (which have their own journey). */
const LANGUAGES = availableLocales().filter((l) => !/-X[AB]$/.test(l));

describe('sign-in, change password and reset in each shipped language', { timeout: 300_000 }, () => {
  let j: Journey;
  before(async () => {
    j = await startJourney();
  });
  after(() => j?.close());

  it('ships English, German, French and Spanish', () => {
    assert.deepEqual([...LANGUAGES].sort(), ['de', 'en', 'es', 'fr']);
  });

  for (const locale of LANGUAGES) {
    describe(locale, () => {
      const t = translator(locale);
      const email = `journey-${locale}@example.org`;
      let context: BrowserContext;
      let page: Page;

      before(async () => {
        await registerAccount(j.app.deps, { email, password: PASSWORD }, { ip: null, userAgent: null }, { kind: 'cli' });
        context = await j.newContext({ locale }, { label: locale });
        page = await context.newPage();
      });
      after(() => context?.close());

      /** The page is in this language, says the catalog's sentence `id`, shows no raw id, and passes the page checks. */
      async function inLanguage(label: string, id: MessageId): Promise<void> {
        assert.equal(await page.locator('html').getAttribute('lang'), locale, `${label}: <html lang>`);
        const body = (await page.locator('body').textContent()) ?? '';
        assert.ok(body.includes(t.format(id)), `${label}: “${t.format(id)}” (${id}) on the page`);
        assert.doesNotMatch(body, RAW_ID, `${label}: a raw message id`);
        await checkPage(page, `${locale} ${label}`);
        assert.deepEqual(j.problems, [], `${label}: problems`);
      }

      it('signs in', async () => {
        await page.goto('/sign-in');
        await inLanguage('/sign-in', 'page.signIn.title');
        await page.locator('input[name=email]').fill(email);
        await page.locator('input[name=password]').fill(PASSWORD);
        await page.locator('form[action="/sign-in"] button[type=submit]').click();
        await page.waitForURL('**/security');
        await inLanguage('/security', 'page.security.title');
      });

      it('changes the password', async () => {
        await page.goto('/security/password');
        await inLanguage('/security/password', 'page.changePassword.heading');
        await page.locator('#currentPassword').fill(PASSWORD);
        await page.locator('#newPassword').fill(NEW_PASSWORD);
        await page.locator('#confirmPassword').fill(NEW_PASSWORD);
        await page.locator('#change-password-form button[type=submit]').click();
        await page.waitForURL(/\/security\?notice=password-changed/);
        await inLanguage('/security (changed)', 'notice.PASSWORD_CHANGED');
      });

      it('resets a forgotten password through the emailed link', async () => {
        await context.clearCookies();
        await page.goto('/reset');
        await inLanguage('/reset', 'page.reset.title');
        await page.locator('input[name=email]').fill(email);
        await page.locator('form[action="/reset"] button[type=submit]').click();
        await page.waitForLoadState();
        await inLanguage('/reset (sent)', 'notice.RESET_REQUESTED');
        await j.app.deps.background!.idle();
        const mailbox = (await (await fetch(`${j.baseUrl}/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`)).json()) as {
          messages: Array<{ template: string; text: string }>;
        };
        const mail = mailbox.messages.find((m) => m.template === 'password-reset-requested');
        const link = mail && /(http:\/\/\S+\/reset\?token=[A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
        assert.ok(link, 'a reset link in the email');
        await page.goto(link);
        await page.locator('#reset-continue').click();
        await page.waitForURL(/\/reset\/new\?flow=/);
        await inLanguage('/reset/new', 'page.common.newPassword');
        await page.locator('#newPassword').fill(RESET_PASSWORD);
        await page.locator('#confirmPassword').fill(RESET_PASSWORD);
        await page.locator('form:has(#newPassword) button[type=submit]').click();
        await page.waitForURL('**/sign-in?notice=password-reset');
        await inLanguage('/sign-in (reset)', 'notice.PASSWORD_RESET');
      });
    });
  }
});
