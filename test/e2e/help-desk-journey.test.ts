// The help desk console in Chromium (issue 15), on a 390 px wide phone screen: a person locks themselves out with
// wrong passwords; an agent (role helpdesk) signs in, follows the console link on /security, finds them with the
// "locked" filter, unlocks them with a reason, verifies the caller with the code the person reads from their
// mailbox (the dev mailbox API), and issues a temporary password (shown once, not cached). The person signs in with
// it and must choose a new one. An administrator reads the audit log with JavaScript off. No page scrolls sideways.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { registerAccount } from '../../src/flows/register.js';
import { NEW_PASSWORD, PASSWORD } from '../helpers/app.js';
import { startJourney, type Journey } from '../helpers/journey.js';

const PHONE = { width: 390, height: 844 } as const;
const PERSON = 'locked.out.person.with.a.long.address@example.org';
const AGENT = 'agent@example.org';
const ADMIN = 'admin@example.org';

describe('help desk journey in Chromium', { timeout: 90_000 }, () => {
  let j: Journey;

  before(async () => {
    j = await startJourney({
      config: { signInAccountLimit: 3, signInDelayFrom: 100 },
      account: { email: PERSON, password: PASSWORD, via: 'api' },
    });
    for (const [email, role] of [
      [AGENT, 'helpdesk'],
      [ADMIN, 'admin'],
    ] as const) {
      await registerAccount(j.app.deps, { email, password: PASSWORD, role }, { ip: null, userAgent: null }, { kind: 'cli' });
    }
  });

  after(async () => {
    await j?.close();
  });

  /** The page fits the phone's width: nothing scrolls sideways. */
  async function fitsPhone(page: Page, what: string): Promise<void> {
    const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
    // What sticks out, named in the failure: elements whose content overflows them, or the innermost past the right edge.
    const wide =
      width <= PHONE.width
        ? []
        : ((await page.evaluate(`[...document.querySelectorAll('body *')]
      .filter((e) => e.scrollWidth > e.clientWidth + 1 || (e.getBoundingClientRect().right > ${PHONE.width} && ![...e.children].some((c) => c.getBoundingClientRect().right > ${PHONE.width})))
      .slice(0, 5).map((e) => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`)) as string[]);
    assert.ok(width <= PHONE.width, `${what}: ${width}px wide on a ${PHONE.width}px screen (${wide.join(', ')})`);
  }

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto('/sign-in');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function mailboxCode(): Promise<string> {
    const mailbox = (await (await fetch(`${j.baseUrl}/api/v1/dev/mailbox?to=${encodeURIComponent(PERSON)}`)).json()) as {
      messages: Array<{ template: string; text: string }>;
    };
    const mail = mailbox.messages.find((m) => m.template === 'caller-verification-code');
    const code = /\b(\d{8})\b/.exec(mail?.text ?? '')?.[1];
    assert.ok(code, 'the person has the code in their mailbox');
    return code;
  }

  it('an agent unlocks a locked-out person, verifies the caller and gives a temporary password; the person must change it', async () => {
    // Three wrong passwords lock the account (the limit this journey sets).
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${j.baseUrl}/api/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: j.baseUrl },
        body: JSON.stringify({ email: PERSON, password: `not the password ${i}` }),
      });
      assert.equal(res.status, 401);
    }

    const desk = await (await j.newContext({ viewport: PHONE }, { label: 'agent' })).newPage();
    await signIn(desk, AGENT, PASSWORD);
    await desk.waitForURL('**/security');
    await desk.locator('#help-desk-link').click();
    await desk.waitForURL('**/admin');
    await fitsPhone(desk, 'search');
    await desk.getByLabel('Locked after wrong passwords').check();
    await desk.getByRole('button', { name: 'Search', exact: true }).click();
    await desk.waitForURL(/\/admin\?.*status=locked/);
    const results = desk.locator('#results li');
    assert.equal(await results.count(), 1, 'the locked person, and only them');
    await results.getByRole('link').click();
    await desk.waitForURL(/\/admin\/accounts\/[^/?]+$/);
    assert.match((await desk.locator('#lock-state').textContent()) ?? '', /Locked after 3 wrong passwords/);
    await fitsPhone(desk, 'account');

    await desk.locator('#unlock-reason').fill('Caller locked out after a holiday');
    await desk.locator('#unlock-ticket').fill('HD-42');
    await desk.locator('#unlock-form').getByRole('button').click();
    await desk.waitForURL('**?notice=unlock');
    assert.match((await desk.locator('#lock-state').textContent()) ?? '', /Not locked/);

    await desk.getByRole('button', { name: 'Email the person a code' }).click();
    await desk.waitForURL('**?notice=code-sent');
    await desk.getByLabel('Code the caller reads back from their email').fill(await mailboxCode());
    await desk.getByRole('button', { name: 'Confirm the caller' }).click();
    await desk.waitForURL('**?notice=caller-verified');
    assert.match((await desk.locator('#caller-state').textContent()) ?? '', /You verified this caller/);
    await fitsPhone(desk, 'account, caller verified');

    await desk.locator('#temporary-password-reason').fill('Forgot the password; caller verified by code');
    const answer = desk.waitForResponse((r) => r.url().endsWith('/temporary-password') && r.request().method() === 'POST');
    await desk.locator('#temporary-password-form').getByRole('button').click();
    const response = await answer;
    assert.equal(response.headers()['cache-control'], 'no-store', 'shown once, never cached');
    const temporary = ((await desk.locator('#temporary-password').textContent()) ?? '').trim();
    assert.match(temporary, /^[A-Za-z2-9]{4}(-[A-Za-z2-9]{4}){3}$/);
    await fitsPhone(desk, 'temporary password');

    const person = await (await j.newContext({ viewport: PHONE }, { label: 'person' })).newPage();
    await signIn(person, PERSON, temporary);
    await person.waitForURL('**/security/password');
    await person.getByLabel('Current password').fill(temporary);
    await person.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await person.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await person.getByRole('button', { name: 'Change password' }).click();
    await person.waitForURL((url) => url.pathname === '/security');
    await fitsPhone(person, 'security after the change');
    assert.deepEqual(j.problems, []);
  });

  it('an administrator reads the audit log (with JavaScript off): the unlock and the temporary password with their reasons', async () => {
    const admin = await (await j.newContext({ viewport: PHONE, javaScriptEnabled: false }, { label: 'admin' })).newPage();
    await signIn(admin, ADMIN, PASSWORD);
    await admin.waitForURL('**/security');
    await admin.goto('/admin/audit');
    await admin.getByLabel('Event type (or a family such as admin.*)').fill('admin.*');
    await admin.getByRole('button', { name: 'Show events' }).click();
    await admin.waitForURL(/\/admin\/audit\?/);
    const types = await admin.locator('#audit-events li').evaluateAll((items) => items.map((li) => li.getAttribute('data-event-type')));
    for (const type of ['admin.account.unlock', 'admin.caller.verify', 'admin.password.temporary']) assert.ok(types.includes(type), type);
    assert.match((await admin.locator('#audit-events').textContent()) ?? '', /Caller locked out after a holiday · HD-42/);
    assert.match((await admin.locator('#export-csv').getAttribute('href')) ?? '', /^\/api\/v1\/admin\/audit\?format=csv&type=admin\.\*$/);
    await fitsPhone(admin, 'audit log');
    assert.deepEqual(j.problems, []);
  });
});
