// Sign-up with a confirmed address in Chromium at 1280 and 390 px (issue 16, item 2), the email read from a real SMTP
// server in the test: the form, "check your inbox" (the same for an address that has an account), then the emailed
// link's page and its button (1280) or the emailed code typed on the inbox page (390), and the person is signed in.
// Every page: axe finds nothing, nothing scrolls sideways.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { PASSWORD } from '../helpers/app.js';
import { startJourney, type Journey } from '../helpers/journey.js';
import { axeViolations, widths } from '../helpers/page-checks.js';
import { decodeHeader, type ReceivedMail, type TestSmtpServer } from '../helpers/smtp.js';
import { registerAccount } from '../../src/flows/register.js';

const VIEWPORTS = [
  ['desktop', { width: 1280, height: 800 }],
  ['phone', { width: 390, height: 844 }],
] as const;

describe('sign-up in Chromium, email over real SMTP', { timeout: 120_000 }, () => {
  let j: Journey;
  let smtp: TestSmtpServer;

  before(async () => {
    j = await startJourney({ smtp: true, expectedStatuses: [400] });
    smtp = j.smtp!;
    await registerAccount(j.app.deps, { email: 'taken@example.org', password: PASSWORD }, { ip: null, userAgent: null }, { kind: 'cli' });
  });
  after(async () => {
    await j?.close();
  });

  async function clean(page: Page, label: string): Promise<void> {
    assert.deepEqual(await axeViolations(page), [], `axe on ${label}`);
    const w = await widths(page);
    assert.ok(w.scrollWidth <= w.innerWidth, `${label} scrolls sideways: ${w.scrollWidth} > ${w.innerWidth}`);
  }

  /** The first message to `to` whose subject matches, after the first `since` the server received. */
  async function mailTo(to: string, subject: RegExp, since: number): Promise<ReceivedMail> {
    for (let n = since + 1; ; n++) {
      await smtp.waitFor(n);
      const found = smtp.received.slice(since).find((m) => m.to.includes(to) && subject.test(decodeHeader(m.headers.get('subject') ?? '')));
      if (found) return found;
    }
  }

  async function submitSignUp(page: Page, email: string, label: string): Promise<string> {
    await page.goto('/sign-up');
    await clean(page, `/sign-up at ${label}`);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    await clean(page, `check your inbox at ${label}`);
    // The page as a stranger sees it: the address typed, and nothing about whether it has an account.
    return ((await page.locator('main').textContent()) ?? '').replaceAll(email, 'EMAIL');
  }

  for (const [label, viewport] of VIEWPORTS) {
    it(`at ${viewport.width} px: sign up, the email, ${label === 'desktop' ? 'the link and its button' : 'the code typed'}, signed in`, async () => {
      const context = await j.newContext({ viewport }, { label });
      const page = await context.newPage();
      const email = `new-${label}@example.org`;
      const since = smtp.received.length;
      const inbox = await submitSignUp(page, email, label);
      assert.equal(await page.evaluate('document.cookie'), '', 'no cookie readable, and no session yet');
      assert.equal((await context.cookies()).filter((c) => c.name.includes('session')).length, 0, 'no session cookie');
      const mail = await mailTo(email, /Confirm your email address/, since);
      const link = /(http:\/\/\S+\/sign-up\/verify\?token=[A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
      const code = /^\s+(\d{8})\s*$/m.exec(mail.text)?.[1];
      assert.ok(link?.startsWith(`${j.baseUrl}/sign-up/verify?token=`) && code, 'the email carries a link from the base URL and a code');

      // An address that has an account: the same page; its owner is told instead.
      const other = await (await j.newContext({ viewport }, { label: `${label}-taken` })).newPage();
      const before = smtp.received.length;
      assert.equal(await submitSignUp(other, 'taken@example.org', label), inbox, 'the same page for a taken address');
      const note = await mailTo('taken@example.org', /Someone tried to sign up/, before);
      assert.match(note.text, /already has an account/);
      await other.context().close();

      if (label === 'desktop') {
        await page.goto(link!);
        await page.getByRole('heading', { name: 'Confirm your email address' }).waitFor();
        assert.match((await page.locator('main').textContent()) ?? '', new RegExp(`Press the button to confirm ${email.replace('.', '\\.')}`));
        await clean(page, `the link's page at ${label}`);
        await page.getByRole('button', { name: 'Confirm my address' }).click();
      } else {
        // A wrong code first: said beside the form, the address kept.
        await page.getByLabel('Code from the email').fill(code === '11111111' ? '22222222' : '11111111');
        j.expectRefusal(400, '/sign-up/verify');
        await page.getByRole('button', { name: 'Confirm and continue' }).click();
        await page.locator('#form-error').waitFor();
        assert.match((await page.locator('#form-error').textContent()) ?? '', /That code is wrong or has expired/);
        await clean(page, `a wrong code at ${label}`);
        await page.getByLabel('Code from the email').fill(`${code!.slice(0, 4)} ${code!.slice(4)}`);
        await page.getByRole('button', { name: 'Confirm and continue' }).click();
      }
      await page.waitForURL('**/security?notice=welcome');
      assert.match((await page.locator('.alert.notice').textContent()) ?? '', /Your account is ready/);
      assert.match((await page.locator('main').textContent()) ?? '', new RegExp(`Signed in as new-${label} \\(${email.replace('.', '\\.')}\\)`));
      await clean(page, `/security at ${label}`);
      await context.close();
      assert.deepEqual(j.problems, []);
    });
  }
});
