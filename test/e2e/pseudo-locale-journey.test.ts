// Every page in the pseudo-locales (PASSDESK_PSEUDO_LOCALES=true), in Chromium: en-XA (accented English, ~35 % longer,
// each message between ⟦ and ⟧) shows text that did not come from the catalog and layouts that do not take longer
// words; ar-XB (English in right-to-left embeddings) shows whether the layout holds right to left. On each page:
// <html lang> is the locale and dir is rtl for ar-XB; nothing scrolls sideways at 390 and 1280 px (the journey also
// measures every loaded page from 320 to 1280 px); every visible text, title, label and placeholder carries the
// pseudo-locale's mark unless it is the person's own data (address, name, organisation) or a number; no raw id.
// The browser asks for the language with Accept-Language (the context's locale).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { startJourney, type Journey } from '../helpers/journey.js';
import { DESKTOP, PHONE, widths } from '../helpers/page-checks.js';

const EMAIL = 'pseudo@example.org';
const PASSWORD = 'correct horse battery staple';
/** Text a page shows that no catalog writes: the person's data, the organisation's name, and what the browser adds. */
const NOT_OURS = [EMAIL, 'Passdesk', 'localhost'];

/** What marks a text as coming from the locale's catalog. */
const MARK: Record<string, string> = {
  // ⟦ ⟧ and the accented letters pseudo.ts writes.
  'en-XA': '[⟦⟧åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ]',
  // U+202B RIGHT-TO-LEFT EMBEDDING / U+202C POP DIRECTIONAL FORMATTING around every literal run.
  'ar-XB': '[\\u202B\\u202C]',
};

/**
 * Runs in the page: every visible text node, the title, and the labels a person reads or hears (aria-label,
 * placeholder, title, alt, a button's value) that hold letters but not the mark, minus the person's data.
 */
const UNMARKED_TEXT = `([mark, notOurs]) => {
  const marked = new RegExp(mark, 'u');
  const out = [];
  const consider = (text, where) => {
    let rest = text;
    for (const data of notOurs) rest = rest.split(data).join(' ');
    if (/\\p{L}{2,}/u.test(rest) && !marked.test(text)) out.push(where + ': ' + JSON.stringify(text.trim().slice(0, 80)));
  };
  consider(document.title, 'title');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    // <time>: dates are Intl's, in the page's language (the browser localises them), not catalog sentences.
    if (!el || !node.textContent.trim() || el.closest('script, style, template, [hidden], time')) continue;
    if (el.getClientRects().length === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    consider(node.textContent, el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''));
  }
  for (const el of Array.from(document.querySelectorAll('[aria-label], [placeholder], [title], img[alt], input[type=submit][value], input[type=button][value]'))) {
    if (el.closest('[hidden], time')) continue;
    for (const name of ['aria-label', 'placeholder', 'title', 'alt', 'value']) {
      const value = el.getAttribute(name);
      if (value && (name !== 'value' || el.matches('input[type=submit], input[type=button]'))) consider(value, el.tagName.toLowerCase() + '[' + name + ']');
    }
  }
  return out;
}`;

/** A catalog id as a page would show it when a message was missing. */
const RAW_ID = /\b(?:page|error|notice|email|policy|format|activity)\.[A-Za-z]+\.[A-Za-z.]+\b/;

for (const locale of ['en-XA', 'ar-XB'] as const) {
  describe(`every page in the pseudo-locale ${locale}`, { timeout: 180_000 }, () => {
    let j: Journey;
    let context: BrowserContext;
    let page: Page;

    before(async () => {
      j = await startJourney({ hostname: 'localhost', config: { pseudoLocales: true }, account: { email: EMAIL, password: PASSWORD, via: 'api' } });
      context = await j.newContext({ locale }, { label: locale });
      page = await context.newPage();
    });

    after(async () => {
      await context?.close();
      await j?.close();
    });

    /** The page as it is now, held to everything above; `data`: more of the person's own data on it. */
    async function check(label: string, data: readonly string[] = []): Promise<void> {
      const root = page.locator('html');
      assert.equal(await root.getAttribute('lang'), locale, `${label}: <html lang>`);
      assert.equal(await root.getAttribute('dir'), locale === 'ar-XB' ? 'rtl' : 'ltr', `${label}: <html dir>`);
      for (const viewport of [PHONE, DESKTOP]) {
        await page.setViewportSize(viewport);
        const w = await widths(page);
        assert.ok(w.scrollWidth <= w.innerWidth, `${label} at ${viewport.width} px scrolls sideways: ${w.scrollWidth} > ${w.innerWidth}`);
        assert.deepEqual(
          await page.evaluate(`(${UNMARKED_TEXT})(${JSON.stringify([MARK[locale], [...NOT_OURS, ...data]])})`),
          [],
          `${label}: text not from the ${locale} catalog`,
        );
      }
      assert.doesNotMatch((await page.locator('body').textContent()) ?? '', RAW_ID, `${label}: a raw message id`);
      assert.deepEqual(j.problems, [], `${label}: problems`);
    }

    async function visit(path: string, label = path): Promise<void> {
      const res = await page.goto(path);
      assert.equal(res?.status(), 200, `${path} answered ${res?.status()}`);
      await check(label);
    }

    it('signed out: sign-in, sign-up, reset request and reset by code', async () => {
      await visit('/sign-in');
      await visit('/sign-up');
      await visit('/reset');
      await visit(`/reset/code?email=${encodeURIComponent(EMAIL)}`, '/reset/code');
    });

    it('a reset: the emailed link’s page, then the new-password page', async () => {
      await page.goto('/reset');
      await page.locator('input[name=email]').fill(EMAIL);
      await page.locator('form[action="/reset"] button[type=submit]').click();
      await page.waitForLoadState();
      await check('/reset (sent)');
      await j.app.deps.background!.idle();
      const mailbox = (await (await fetch(`${j.baseUrl}/api/v1/dev/mailbox?to=${encodeURIComponent(EMAIL)}`)).json()) as {
        messages: Array<{ template: string; text: string }>;
      };
      const mail = mailbox.messages.find((m) => m.template === 'password-reset-requested');
      const link = mail && /(http:\/\/\S+\/reset\?token=[A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
      assert.ok(link, 'a reset link in the email');
      await visit(link, '/reset?token=…');
      await page.locator('#reset-continue').click();
      await page.waitForURL(/\/reset\/new\?flow=/);
      await check('/reset/new');
    });

    it('signed in: security, change password, two-step, passkeys, activity, email, data', async () => {
      await page.goto('/sign-in');
      await page.locator('input[name=email]').fill(EMAIL);
      await page.locator('input[name=password]').fill(PASSWORD);
      await page.locator('form[action="/sign-in"] button[type=submit]').click();
      await page.waitForURL('**/security');
      await check('/security (passkeys among it)');
      for (const path of ['/security/password', '/security/two-factor', '/security/activity', '/security/email', '/security/email-address', '/security/data'])
        await visit(path);
      await page.goto('/security/two-factor');
      await page.locator('form[action="/security/two-factor/totp"] button[type=submit]').click();
      await page.locator('#totp-secret').waitFor();
      const key = await page.locator('#totp-secret span').allTextContents();
      assert.ok(key.length > 0, 'the key is shown');
      await check('/security/two-factor (setting up an app)', key);
    });
  });
}
