// Two-person approval in the console, in Chromium at 1280 px (a desk) and 390 px (a phone), axe-clean (WCAG 2.1 AA)
// on every page on the way: with PASSDESK_ADMIN_APPROVAL on, an administrator finds another administrator and asks
// to disable the account; the console says it waits, and the account page shows the request with "Cancel my request"
// only. A second administrator follows "Waiting for approval", opens the account from the list, approves it with a
// reason; the account is disabled, and the audit log names both. No page scrolls sideways.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { registerAccount } from '../../src/flows/register.js';
import { PASSWORD } from '../helpers/app.js';
import { axeViolations } from '../helpers/axe.js';
import { startJourney, type Journey } from '../helpers/journey.js';

const VIEWPORTS = [
  { name: 'desk', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

describe('two-person approval in the console (Chromium)', { timeout: 120_000 }, () => {
  let j: Journey;
  let n = 0;

  before(async () => {
    j = await startJourney({ config: { adminApproval: true } });
  });

  after(async () => {
    await j?.close();
  });

  async function make(name: string): Promise<string> {
    const email = `${name}.${++n}@example.org`;
    await registerAccount(
      j.app.deps,
      { email, password: PASSWORD, role: 'admin', displayName: `${name} ${n}` },
      { ip: null, userAgent: null },
      { kind: 'cli' },
    );
    return email;
  }

  async function signIn(page: Page, email: string): Promise<void> {
    await page.goto('/sign-in');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/security');
  }

  /** axe finds nothing, and nothing is wider than the screen. */
  async function clean(page: Page, width: number, what: string): Promise<void> {
    assert.deepEqual(await axeViolations(page), [], `${what}: axe`);
    const scrollWidth = (await page.evaluate('document.documentElement.scrollWidth')) as number;
    assert.ok(scrollWidth <= width, `${what}: ${scrollWidth}px wide on a ${width}px screen`);
  }

  for (const viewport of VIEWPORTS) {
    it(`${viewport.name} (${viewport.width} px): one administrator asks to disable another; a second approves; axe-clean throughout`, async () => {
      const asker = await make('Asker');
      const approver = await make('Approver');
      const person = await make('Person');
      const size = { viewport: { width: viewport.width, height: viewport.height } };

      const a = await (await j.newContext(size, { label: `asker ${viewport.name}` })).newPage();
      await signIn(a, asker);
      await a.locator('#help-desk-link').click();
      await a.waitForURL('**/admin');
      await a.getByLabel('Email, name or account id').fill(person);
      await a.getByRole('button', { name: 'Search', exact: true }).click();
      await a.locator('#results li').getByRole('link').click();
      await a.waitForURL(/\/admin\/accounts\/[^/?]+$/);
      await a.locator('#disable-reason').fill('Leaving the team today');
      await a.locator('#disable-ticket').fill('HR-77');
      await a.locator('#disable-form').getByRole('button').click();
      await a.waitForURL('**?notice=approval-requested');
      assert.match((await a.locator('.alert.notice').first().textContent()) ?? '', /waits for a second administrator/);
      assert.match((await a.locator('#account-status').textContent()) ?? '', /Active/, 'nothing changed yet');
      const request = a.locator('#account-approvals li');
      assert.equal(await request.count(), 1);
      assert.match((await request.textContent()) ?? '', /Disable the account[\s\S]*Leaving the team today \(ticket HR-77\)/);
      assert.equal(await request.getByRole('button', { name: 'Approve' }).count(), 0, 'the one who asked cannot approve');
      assert.equal(await request.getByRole('button', { name: 'Cancel my request' }).count(), 1);
      await clean(a, viewport.width, 'account page, request waiting (requester)');

      const b = await (await j.newContext(size, { label: `approver ${viewport.name}` })).newPage();
      await signIn(b, approver);
      await b.locator('#help-desk-link').click();
      await b.waitForURL('**/admin');
      await b.locator('#approvals-link').click();
      await b.waitForURL('**/admin/approvals');
      const listed = b.locator('#approvals-list li', { hasText: person });
      assert.equal(await listed.count(), 1, 'the request is in the list');
      await clean(b, viewport.width, 'waiting for approval');
      await listed.getByRole('link').click();
      await b.waitForURL(/\/admin\/accounts\/[^/?]+#approvals$/);
      const waiting = b.locator('#account-approvals li');
      await clean(b, viewport.width, 'account page, request waiting (approver)');
      await waiting.getByLabel('Reason (kept in the audit log; the one who asked is told)').first().fill('Confirmed with HR by phone');
      await waiting.getByRole('button', { name: 'Approve' }).click();
      await b.waitForURL('**?notice=approved');
      assert.match((await b.locator('#account-status').textContent()) ?? '', /Disabled/);
      assert.equal(await b.locator('#account-approvals').count(), 0, 'nothing waits any more');
      const activity = (await b.locator('#account-activity').textContent()) ?? '';
      assert.match(activity, /A second administrator approved a help desk change/);
      await clean(b, viewport.width, 'account page after the approval');

      await b.goto('/admin/approvals');
      assert.equal(await b.locator('#approvals-list li', { hasText: person }).count(), 0);
      await clean(b, viewport.width, 'waiting for approval, empty');
      assert.deepEqual(j.problems, []);
    });
  }
});
