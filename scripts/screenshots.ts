// Screenshots of every page a person sees, at 1280 and 390 px, into docs/images/ (run by hand, not by npm test):
//   node --import tsx scripts/screenshots.ts [outDir]
// A throwaway server (SQLite in a temporary directory, the dev mailbox) and Debian's Chromium (PASSDESK_E2E_CHROMIUM
// or /usr/bin/chromium), as the browser journeys use them (test/helpers/journey.ts). Each PNG is reduced to a
// 256-colour palette with ImageMagick's `convert` when it is on the PATH (a third of the size, the same to the eye).
import { execFile } from 'node:child_process';
import { mkdir, rename, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { registerAccount } from '../src/flows/register.js';
import { startJourney } from '../test/helpers/journey.js';
import { totpCode } from '../test/helpers/totp.js';

const EMAIL = 'ada@example.org';
const ADMIN = 'it-admin@example.org';
const PASSWORD = 'correct horse battery staple';
const WIDTHS = [1280, 390] as const;
const outDir = resolve(process.argv[2] ?? 'docs/images');
const run = promisify(execFile);

async function compress(file: string): Promise<void> {
  const tmp = `${file}.tmp.png`;
  try {
    await run('convert', [file, '-strip', '-colors', '256', '-define', 'png:compression-level=9', `PNG8:${tmp}`]);
    await rename(tmp, file);
  } catch {
    /* no ImageMagick: the full-colour PNG stays */
  }
}

/** The page as it is now at both widths, the whole length of it (or only the element `only`): `<name>-1280.png` and `<name>-390.png`. */
async function shoot(page: Page, name: string, prepare?: () => Promise<void>, only?: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    if (prepare) await prepare();
    const file = join(outDir, `${name}-${width}.png`);
    const options = { path: file, animations: 'disabled', caret: 'hide' } as const;
    const box = only ? await page.locator(only).boundingBox() : null;
    // An element with the card's margin around it, so it reads as part of the page.
    if (box)
      await page.screenshot({
        ...options,
        fullPage: true,
        clip: { x: Math.max(0, box.x - 24), y: Math.max(0, box.y - 12), width: Math.min(width, box.width + 48), height: box.height + 24 },
      });
    else await page.screenshot({ ...options, fullPage: true });
    await compress(file);
    process.stdout.write(`${file} ${Math.round((await stat(file)).size / 1024)} KiB\n`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function main(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  // localhost, not 127.0.0.1: passkey buttons show only at a site's name.
  // Security questions on (off by default), so their page is there too.
  const j = await startJourney({
    hostname: 'localhost',
    config: { securityQuestions: true },
    expectedStatuses: [400, 401, 404],
    account: { email: EMAIL, password: PASSWORD, via: 'page' },
  });
  try {
    await registerAccount(j.app.deps, { email: ADMIN, password: PASSWORD, role: 'admin' }, { ip: null, userAgent: null }, { kind: 'cli' });
    const signedOut = await (await j.newContext({}, { label: 'signed-out' })).newPage();
    await signedOut.goto('/sign-in');
    await shoot(signedOut, 'sign-in');
    await signedOut.goto('/sign-up');
    await shoot(signedOut, 'sign-up');
    await signedOut.goto('/reset');
    await shoot(signedOut, 'reset');

    // A second device, so the device list has one to sign out.
    const phone = await (
      await j.newContext(
        { userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36' },
        { label: 'phone' },
      )
    ).newPage();
    await phone.goto('/sign-in');
    await phone.getByLabel('Email address').fill(EMAIL);
    await phone.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await phone.getByRole('button', { name: 'Sign in', exact: true }).click();
    await phone.waitForURL('**/security');

    const { page } = j;
    await page.goto('/security');
    await shoot(page, 'checkup', undefined, '#checkup');
    await shoot(page, 'security', async () => {
      await page.goto('/security');
      await page.locator('#devices details.confirm summary').first().click();
      await page.locator('#devices details.confirm[open]').scrollIntoViewIfNeeded();
    });

    await page.goto('/security/password');
    await shoot(page, 'change-password', async () => {
      await page.goto('/security/password');
      await page.getByLabel('New password', { exact: true }).pressSequentially('plum ink rows', { delay: 5 });
      await page.locator('#newPassword-rules li.rule.unmet').first().waitFor();
      await page.getByLabel('Confirm new password').fill('plum ink row');
      await page.getByLabel('Confirm new password').press('Tab');
      await page.locator('#confirm-mismatch').waitFor();
    });

    await page.goto('/security/two-factor');
    await shoot(page, 'two-factor-off');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = ((await page.locator('#totp-secret').textContent()) ?? '').trim();
    await shoot(page, 'two-factor-setup');
    await page.locator('#totp-code').fill(totpCode(secret, { now: Date.now() }));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#recovery-codes').waitFor();
    await shoot(page, 'recovery-codes');
    await page.getByRole('link', { name: 'I have saved my recovery codes' }).click();
    await page.waitForURL((url) => url.pathname === '/security/two-factor' && url.search === '');
    await shoot(page, 'two-factor-remove-confirm', async () => {
      await page.goto('/security/two-factor');
      await page.locator('#factors details.confirm summary').click();
    });

    for (const [path, name] of [
      ['/security/activity', 'activity'],
      ['/security/email', 'email-settings'],
      ['/security/questions', 'security-questions'],
      ['/security/data', 'your-data'],
      ['/security/email-address', 'change-email'],
    ] as const) {
      await page.goto(path);
      await shoot(page, name);
    }

    // The help desk console, as an administrator.
    await signedOut.goto('/sign-in');
    await signedOut.getByLabel('Email address').fill(ADMIN);
    await signedOut.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await signedOut.getByRole('button', { name: 'Sign in', exact: true }).click();
    await signedOut.waitForURL((url) => url.pathname !== '/sign-in');
    await signedOut.goto('/admin');
    await shoot(signedOut, 'help-desk');
    if (j.problems.length > 0) process.stderr.write(`problems seen:\n${j.problems.join('\n')}\n`);
  } finally {
    await j.close();
  }
}

await main();
