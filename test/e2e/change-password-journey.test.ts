// The whole change-password journey in a real browser against a real server: sign up, sign out, sign in,
// a second device, the show/hide toggle, a mismatched confirmation (caught by the page script and, with
// JavaScript off, by the server), the change that signs the other device out, and signing in afterwards.
// Every step is asserted on what a person sees. Screenshots go to PASSDESK_E2E_SCREENSHOTS or a temp dir.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { messages } from '../../src/core/messages.js';
import { NEW_PASSWORD, PASSWORD } from '../helpers/app.js';
import { startJourney, type Journey } from '../helpers/journey.js';
import { confirmSignUpInPage } from '../helpers/browser.js';

const DESKTOP = { width: 1280, height: 800 } as const;
const PHONE = { width: 390, height: 844 } as const;
// The "other device": a phone, so the device list names the two apart.
const PHONE_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
const SESSION_COOKIE = '__Host-passdesk-session';

const NAME = 'Ada Lovelace';
const EMAIL = 'ada@example.com';

describe('change-password journey in Chromium', { timeout: 60_000 }, () => {
  let j: Journey;
  let baseUrl: string;
  let shotDir: string;
  // The person's laptop (JS on), their phone (the other device), and the laptop with JS off.
  let laptop: BrowserContext;
  let phone: BrowserContext;
  let page: Page;
  let phonePage: Page;
  // Console errors, uncaught exceptions and CSP violations on any page of a watched context. The refusals this
  // journey provokes on purpose are announced with j.expectRefusal (status and path) and not counted.
  let problems: string[];
  // POSTs of the change form sent by the laptop: the page script must stop the mismatched one.
  const changePosts: Array<{ confirmMatches: boolean }> = [];
  // What the security page said before the refused attempts, to show they changed nothing.
  let passwordAgeBefore = '';

  async function shoot(p: Page, name: string): Promise<void> {
    const size = p.viewportSize() ?? DESKTOP;
    for (const [label, viewport] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
    ] as const) {
      await p.setViewportSize(viewport);
      await p.screenshot({ path: join(shotDir, `${name}-${label}.png`), fullPage: true });
    }
    await p.setViewportSize(size);
  }

  async function text(p: Page, selector: string): Promise<string> {
    return ((await p.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ').trim();
  }

  function path(p: Page): string {
    return new URL(p.url()).pathname;
  }

  async function signInWithForm(p: Page, password: string): Promise<void> {
    await p.goto('/sign-in');
    await p.getByLabel('Email address').fill(EMAIL);
    await p.getByLabel('Password', { exact: true }).fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
  }

  async function liveDevices(p: Page): Promise<string[]> {
    return (await p.locator('#devices li.device').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
  }

  before(async () => {
    shotDir = process.env.PASSDESK_E2E_SCREENSHOTS ?? (await mkdtemp(join(tmpdir(), 'passdesk-e2e-screenshots-')));
    await mkdir(shotDir, { recursive: true });
    j = await startJourney({ contextOptions: { viewport: DESKTOP } });
    ({ baseUrl, context: laptop, page, problems } = j);
    page.on('request', (req) => {
      if (req.method() !== 'POST' || new URL(req.url()).pathname !== '/security/password') return;
      const form = new URLSearchParams(req.postData() ?? '');
      changePosts.push({ confirmMatches: form.get('newPassword') === form.get('confirmPassword') });
    });
  });

  after(async () => {
    await j?.close();
    // The screenshots stay, for a person to look at.
    if (shotDir) process.stderr.write(`# screenshots: ${shotDir}\n`);
  });

  it('signs up on /sign-up, confirms by the emailed link and lands on /security with the welcome notice, the password age and this device', async () => {
    await page.goto('/sign-up');
    assert.equal(await page.title(), 'Create an account · Passdesk');
    await page.getByLabel('Your name').fill(NAME);
    await page.getByLabel('Email address').fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await confirmSignUpInPage(page, EMAIL, j.app);
    await page.waitForURL('**/security?notice=welcome');
    assert.equal(await text(page, 'h1'), 'Security');
    assert.equal(await text(page, '.alert.notice'), messages.notices.ACCOUNT_CREATED);
    // In the browser's time zone (the server writes UTC in <time datetime>; times-activity-journey checks the zone).
    assert.match(await text(page, '#password-age'), /^Last changed [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M \S+\.$/);
    assert.match((await page.locator('#password-age time').getAttribute('datetime')) ?? '', /^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    assert.match(await text(page, 'main'), new RegExp(`Signed in as ${NAME} \\(${EMAIL}\\)`));
    const devices = await liveDevices(page);
    assert.equal(devices.length, 1);
    assert.match(devices[0] ?? '', /This device/);
  });

  it('keeps the session in a __Host- cookie that is HttpOnly, Secure and SameSite=Lax — and Chromium accepts it on http://127.0.0.1', async () => {
    const cookies = await laptop.cookies(baseUrl);
    const session = cookies.find((c) => c.name === SESSION_COOKIE);
    assert.ok(session, `no ${SESSION_COOKIE} cookie; the browser holds: ${cookies.map((c) => c.name).join(', ')}`);
    assert.equal(session.httpOnly, true);
    assert.equal(session.secure, true);
    assert.equal(session.sameSite, 'Lax');
    assert.equal(session.path, '/');
    assert.equal(session.domain, '127.0.0.1');
    // HttpOnly in practice: page scripts cannot read it.
    const visibleToScripts = await page.evaluate('document.cookie');
    assert.ok(typeof visibleToScripts === 'string' && !visibleToScripts.includes('passdesk-session'));
    // And the browser sends it back: a reload stays signed in.
    await page.reload();
    assert.equal(path(page), '/security');
  });

  it('signs out with the header button and signs in again through the /sign-in form', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in?notice=signed-out');
    assert.equal(await text(page, '.alert.notice'), messages.notices.SIGNED_OUT);
    assert.equal(
      (await laptop.cookies(baseUrl)).some((c) => c.name === SESSION_COOKIE),
      false,
    );
    await page.goto('/security');
    assert.equal(path(page), '/sign-in', 'signed out: /security sends a person to sign in');

    await signInWithForm(page, PASSWORD);
    await page.waitForURL('**/security');
    assert.equal(await text(page, 'h1'), 'Security');
    assert.equal(await page.locator('.alert').count(), 0);
  });

  it('a second device signs in as the same person, and the first one lists two devices', async () => {
    phone = await j.newContext({ viewport: PHONE, userAgent: PHONE_UA, isMobile: true, hasTouch: true }, { label: 'phone' });
    phonePage = await phone.newPage();
    await signInWithForm(phonePage, PASSWORD);
    await phonePage.waitForURL('**/security');
    assert.equal((await liveDevices(phonePage)).length, 2);

    await page.reload();
    const devices = await liveDevices(page);
    assert.equal(devices.length, 2, devices.join(' | '));
    assert.equal(devices.filter((d) => d.includes('This device')).length, 1);
    assert.ok(
      devices.some((d) => d.includes('Android')),
      `the phone is named: ${devices.join(' | ')}`,
    );
    // Behind its second step, which says what will change.
    await page.locator('#sign-out-others-step summary').click();
    assert.equal(await page.getByRole('button', { name: 'Sign out all other devices (1)' }).count(), 1);
    await shoot(page, 'security-two-devices');
  });

  it('the change-password page has a working show/hide toggle', async () => {
    passwordAgeBefore = await text(page, '#password-age');
    assert.match(passwordAgeBefore, /^Last changed /);
    await page.getByRole('link', { name: 'Change password' }).click();
    await page.waitForURL('**/security/password');
    assert.equal(await text(page, 'h1'), 'Change your password');
    const input = page.locator('#newPassword');
    const toggle = page.locator('button.toggle[data-toggle="newPassword"]');
    assert.equal(await toggle.isVisible(), true, 'the script reveals the toggle');
    assert.equal(await input.getAttribute('type'), 'password');
    assert.equal(await toggle.getAttribute('aria-label'), 'Show password');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    await input.fill(NEW_PASSWORD);
    await toggle.click();
    assert.equal(await input.getAttribute('type'), 'text');
    // A toggle button: the name stays, the pressed state says the password is shown.
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    assert.equal(await toggle.getAttribute('aria-label'), 'Show password');
    assert.equal(await input.inputValue(), NEW_PASSWORD, 'showing keeps what was typed');
    await toggle.click();
    assert.equal(await input.getAttribute('type'), 'password');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    assert.equal(await text(page, 'button.toggle[data-toggle="newPassword"]'), 'Show');
  });

  it('with JavaScript, a mismatched confirmation is stopped in the page with a clear message and nothing is sent', async () => {
    assert.equal(await page.locator('#confirm-mismatch').isVisible(), false);
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(`${NEW_PASSWORD}!`);
    assert.equal(await page.getByLabel('Sign out of all other devices').isChecked(), true, 'checked by default');
    // Nothing moves before the click: the message a blur reveals waits until the pressed pointer is released, so the
    // button does not move from under it and the click lands.
    assert.equal(await page.locator('#confirm-mismatch').isVisible(), false);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#confirm-mismatch').waitFor({ state: 'visible' });
    assert.match(await text(page, '#confirm-mismatch'), /don’t match/);
    assert.equal(await page.locator('#confirmPassword').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#confirmPassword').evaluate((el) => el.ownerDocument.activeElement === el), true, 'focus moves to the box to fix');
    assert.equal(path(page), '/security/password');
    await page.screenshot({ path: join(shotDir, 'change-password-mismatch-js-desktop.png'), fullPage: true });
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(shotDir, 'change-password-mismatch-js-phone.png'), fullPage: true });
    await page.setViewportSize(DESKTOP);

    // Fixing the confirmation hides the message again.
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await page.locator('#confirm-mismatch').waitFor({ state: 'hidden' });
    assert.equal(await page.locator('#confirmPassword').getAttribute('aria-invalid'), null);
  });

  it('without JavaScript, the server refuses a mismatched confirmation (400) and shows the error beside the confirm box', async () => {
    // The same browser profile with scripts off: same cookies, so it is the same signed-in device.
    const noScript = await j.newContext({ javaScriptEnabled: false, storageState: await laptop.storageState(), viewport: PHONE }, { label: 'no-js' });
    const p = await noScript.newPage();
    await p.goto('/security/password');
    assert.equal(await text(p, 'h1'), 'Change your password', 'the shared session cookie works in the second context');
    assert.equal(await p.locator('button.toggle').first().isVisible(), false, 'no script, no toggle: the page still works');
    await p.getByLabel('Current password').fill(PASSWORD);
    await p.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await p.getByLabel('Confirm new password').fill(`${NEW_PASSWORD}!`);
    j.expectRefusal(400, '/security/password');
    const [response] = await Promise.all([
      p.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/security/password'),
      p.getByRole('button', { name: 'Change password' }).click(),
    ]);
    assert.equal(response.status(), 400);
    await p.locator('#confirmPassword-error').waitFor();
    assert.equal(await text(p, '#confirmPassword-error'), messages.errors.PASSWORD_CONFIRMATION_MISMATCH);
    assert.match(await text(p, '#form-error'), /don’t match/);
    const confirm = p.locator('#confirmPassword');
    assert.equal(await confirm.getAttribute('aria-invalid'), 'true');
    assert.match((await confirm.getAttribute('aria-describedby')) ?? '', /\bconfirmPassword-error\b/);
    // Passwords are never echoed back into the page; the choice about other devices is kept.
    for (const id of ['#currentPassword', '#newPassword', '#confirmPassword']) assert.equal(await p.locator(id).inputValue(), '', id);
    assert.equal(await p.getByLabel('Sign out of all other devices').isChecked(), true);
    await shoot(p, 'change-password-mismatch-server');
    await noScript.close();
  });

  it('after both refusals nothing changed: same password age, no notice, both devices still signed in', async () => {
    await page.goto('/security');
    assert.equal(await page.locator('.alert').count(), 0);
    assert.equal(await text(page, '#password-age'), passwordAgeBefore);
    assert.equal((await liveDevices(page)).length, 2);
    await phonePage.reload();
    assert.equal(path(phonePage), '/security', 'the phone is still signed in');
    assert.deepEqual(changePosts, [], 'the page script sent nothing');
  });

  it('changing the password correctly signs out the other device and says so', async () => {
    await page.getByRole('link', { name: 'Change password' }).click();
    await page.waitForURL('**/security/password');
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    assert.equal(await page.getByLabel('Sign out of all other devices').isChecked(), true);
    const tokenBefore = (await laptop.cookies(baseUrl)).find((c) => c.name === SESSION_COOKIE)?.value;
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL('**/security?notice=password-changed-others');
    assert.deepEqual(changePosts, [{ confirmMatches: true }]);
    assert.equal(await text(page, '.alert.notice'), messages.notices.PASSWORD_CHANGED_OTHERS_SIGNED_OUT);
    const devices = await liveDevices(page);
    assert.equal(devices.length, 1, devices.join(' | '));
    assert.match(devices[0] ?? '', /This device/);
    assert.match(await text(page, 'main'), /You are not signed in anywhere else\./);
    assert.equal(await text(page, 'h3'), 'Recently signed out');
    const ended = (await page.locator('#ended-devices li').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    assert.ok(
      ended.some((d) => d.includes('Android') && d.includes('signed out when the password was changed')),
      `the phone is listed as signed out by the change: ${ended.join(' | ')}`,
    );
    // The session was rotated: a new token, in a cookie with the same attributes.
    const session = (await laptop.cookies(baseUrl)).find((c) => c.name === SESSION_COOKIE);
    assert.ok(session?.httpOnly && session.secure && session.sameSite === 'Lax');
    assert.ok(tokenBefore && session.value !== tokenBefore, 'the session token changed');
    await shoot(page, 'security-after-change');
  });

  it('the other device is signed out: reloading /security shows the sign-in page', async () => {
    await phonePage.reload();
    assert.equal(path(phonePage), '/sign-in');
    assert.equal(await text(phonePage, 'h1'), 'Sign in');
  });

  it('the old password no longer signs in (generic message); the new one does', async () => {
    j.expectRefusal(401, '/sign-in');
    await signInWithForm(phonePage, PASSWORD);
    await phonePage.locator('#form-error').waitFor();
    assert.equal(await text(phonePage, '#form-error'), messages.errors.INVALID_CREDENTIALS);
    assert.equal(path(phonePage), '/sign-in');
    assert.equal(await phonePage.getByLabel('Email address').inputValue(), EMAIL, 'the email is kept');
    assert.equal(await phonePage.getByLabel('Password', { exact: true }).inputValue(), '', 'the password is not');

    await phonePage.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await phonePage.getByRole('button', { name: 'Sign in' }).click();
    await phonePage.waitForURL('**/security');
    assert.equal(await text(phonePage, 'h1'), 'Security');
  });

  it('/.well-known/change-password leads a signed-in person to the change-password page', async () => {
    const response = await page.goto('/.well-known/change-password');
    assert.equal(path(page), '/security/password');
    assert.equal(new URL(response?.request().redirectedFrom()?.url() ?? 'about:blank').pathname, '/.well-known/change-password');
    assert.equal(await text(page, 'h1'), 'Change your password');
  });

  it('no console errors, uncaught exceptions or CSP violations on any page', () => {
    assert.deepEqual(problems, []);
  });
});
