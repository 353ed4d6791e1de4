// The parts of a browser journey (startJourney in journey.ts puts them together): Debian's Chromium driven by
// playwright-core, a free local port, and signing up on the page.
import { createServer } from 'node:net';
import type { Page } from 'playwright-core';

export const CHROMIUM = process.env.PASSDESK_E2E_CHROMIUM ?? '/usr/bin/chromium';
// No internet here: without the background-networking flags Chromium stalls trying to reach Google.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A port nobody is using right now; the server must know its origin before it listens (Origin checks, cookies). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      probe.close(() => resolve(address.port));
    });
  });
}

/** Creates an account on /sign-up as a person would, and waits for the security page it lands on. */
export async function signUpInPage(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/sign-up');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/security**');
}
