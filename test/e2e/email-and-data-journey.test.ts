// The sign-in address and "Your data" in Chromium (issue 16), at 1280 px and at 390 px: change the sign-in address with
// the code read from the in-process dev mailbox, download the data (a JSON file with no secret in it), ask for the
// account's deletion and keep it — by the emailed link at one width, by signing in again and pressing the button the
// security page shows at the other. Every page on the way: axe finds nothing (WCAG 2.1 A and AA), nothing scrolls
// sideways (scrollWidth <= innerWidth), and no console error, uncaught exception or CSP violation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { registerAccount } from '../../src/flows/register.js';
import { PASSWORD } from '../helpers/app.js';
import { startJourney, type Journey } from '../helpers/journey.js';

const require = createRequire(import.meta.url);
const AXE_SOURCE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const WIDTHS = [
  { name: 'desktop', width: 1280, height: 800, cancel: 'email-link' },
  { name: 'phone', width: 390, height: 844, cancel: 'sign-in-again' },
] as const;

interface AxeResult {
  violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown[] }> }>;
}

describe('sign-in address and your data journey in Chromium', { timeout: 180_000 }, () => {
  let j: Journey;
  const checked: string[] = [];

  before(async () => {
    j = await startJourney();
  });
  after(async () => {
    await j?.close();
  });

  /** axe (WCAG 2.1 A and AA) finds nothing, and the page does not scroll sideways. */
  async function checkPage(page: Page, what: string): Promise<void> {
    await page.evaluate(AXE_SOURCE);
    const result = (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })`)) as AxeResult;
    const found = result.violations.map((v) => `${v.id} (${v.impact}) at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
    assert.deepEqual(found, [], `${what}: axe`);
    const { scrollWidth, innerWidth } = (await page.evaluate('({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })')) as {
      scrollWidth: number;
      innerWidth: number;
    };
    assert.ok(scrollWidth <= innerWidth, `${what}: ${scrollWidth}px wide in a ${innerWidth}px window`);
    checked.push(what);
  }

  async function mailTo(address: string, template: string): Promise<string> {
    const res = await fetch(`${j.baseUrl}/api/v1/dev/mailbox?to=${encodeURIComponent(address)}`);
    const { messages } = (await res.json()) as { messages: Array<{ template: string; text: string }> };
    const mail = messages.find((m) => m.template === template);
    assert.ok(mail, `a ${template} email to ${address}`);
    return mail.text;
  }

  async function signIn(page: Page, email: string): Promise<void> {
    await page.goto('/sign-in');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/security**');
  }

  for (const size of WIDTHS) {
    describe(`at ${size.width} px`, () => {
      const email = `ada.${size.name}@example.org`;
      const newEmail = `ada.lovelace.${size.name}.with.a.rather.long.address@example.net`;
      let page: Page;

      before(async () => {
        await registerAccount(j.app.deps, { email, password: PASSWORD, displayName: 'Ada' }, { ip: null, userAgent: null }, { kind: 'cli' });
        const context = await j.newContext({ viewport: { width: size.width, height: size.height } }, { label: size.name });
        page = await context.newPage();
      });

      it('changes the sign-in address with the code from the mailbox', async () => {
        await signIn(page, email);
        await checkPage(page, `${size.name} /security`);
        await page.locator('#change-email-link').click();
        await page.waitForURL('**/security/email-address');
        await checkPage(page, `${size.name} /security/email-address`);
        await page.getByLabel('New email address').fill(newEmail);
        await page.getByRole('button', { name: 'Send link and code' }).click();
        await page.waitForURL('**/security/email-address?notice=code-sent');
        assert.match((await page.locator('#pending-address').textContent()) ?? '', new RegExp(newEmail.replace(/\./g, '\\.')));
        await checkPage(page, `${size.name} /security/email-address (code sent)`);

        const code = /(?<![\w-])(\d{8})(?![\w@])/.exec(await mailTo(newEmail, 'email-change-verification'))?.[1];
        assert.ok(code);
        await page.getByLabel('Code from the email').fill(code);
        await page.getByRole('button', { name: 'Confirm new address' }).click();
        await page.waitForURL('**/security?notice=email-changed');
        assert.match((await page.locator('#sign-in-address').textContent()) ?? '', /lovelace/);
        assert.ok((await mailTo(email, 'email-changed')).includes(newEmail), 'the old address is told');
        await checkPage(page, `${size.name} /security (address changed)`);
      });

      it('downloads the data as a JSON file with no secret in it', async () => {
        await page.locator('#your-data-link').click();
        await page.waitForURL('**/security/data');
        await checkPage(page, `${size.name} /security/data`);
        const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download my data' }).click()]);
        assert.match(download.suggestedFilename(), /^passdesk-data-\d{4}-\d{2}-\d{2}\.json$/);
        const path = await download.path();
        const text = await readFile(path, 'utf8');
        const data = JSON.parse(text) as { account: { email: string }; events: Array<{ type: string }> };
        assert.equal(data.account.email, newEmail);
        assert.ok(data.events.some((e) => e.type === 'email_address.changed'));
        assert.doesNotMatch(text, /"[^"]*(hash|token|secret)[^"]*":/i, 'no secret-like field');
        assert.doesNotMatch(text, /\$argon2/, 'no password hash');
      });

      it('asks for the deletion of the account and keeps it', async () => {
        await page.getByLabel(/I understand that my account/).check();
        await page.getByRole('button', { name: 'Delete my account' }).click();
        await page.waitForURL('**/security/data?notice=deletion-requested');
        assert.ok(await page.locator('#pending-deletion').isVisible());
        await checkPage(page, `${size.name} /security/data (deletion pending)`);

        if (size.cancel === 'email-link') {
          const link = /https?:\/\/\S+\/account-deletion\/cancel\?token=[A-Za-z0-9_-]+/.exec(await mailTo(newEmail, 'account-deletion-scheduled'))?.[0];
          assert.ok(link);
          await page.goto(link);
          await checkPage(page, `${size.name} /account-deletion/cancel`);
          await page.getByRole('button', { name: 'Keep my account' }).click();
          assert.ok(await page.locator('#deletion-cancelled').isVisible());
          await checkPage(page, `${size.name} /account-deletion/cancel (kept)`);
        } else {
          // Signing in during the grace period: the security page says so first and offers to keep the account.
          await page.getByRole('button', { name: 'Sign out' }).first().click();
          await page.waitForURL('**/sign-in**');
          await signIn(page, newEmail);
          assert.ok(await page.locator('#pending-deletion').isVisible());
          await checkPage(page, `${size.name} /security (deletion pending)`);
          await page.locator('#pending-deletion').getByRole('button', { name: 'Keep my account' }).click();
          await page.waitForURL('**/security?notice=deletion-cancelled');
        }
        await page.goto('/security');
        assert.equal(await page.locator('#pending-deletion').count(), 0, 'nothing pending any more');
        assert.equal((await mailTo(newEmail, 'account-deletion-cancelled')).length > 0, true);
      });
    });
  }

  it('checked every page at both widths; no console errors, uncaught exceptions or CSP violations', () => {
    assert.ok(checked.length >= 14, `${checked.length} page states checked`);
    assert.deepEqual(j.problems, []);
  });
});
