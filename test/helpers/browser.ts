// What every browser test shares: Debian's Chromium driven by playwright-core, and a free local port.
import { createServer } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.PASSDESK_E2E_CHROMIUM ?? '/usr/bin/chromium';
// No internet here: without the background-networking flags Chromium stalls trying to reach Google.
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
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

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  /** Script errors and console errors seen so far; a journey ends by asserting this is empty. */
  problems: string[];
}

/**
 * Chromium with one context on `baseUrl`, collecting page errors. Console errors for refused requests with a
 * status in `expectedStatuses` (e.g. a wrong code answered with 400 on purpose) are not problems.
 */
export async function openBrowser(baseUrl: string, o: { expectedStatuses?: number[] } = {}): Promise<BrowserSession> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ baseURL: baseUrl });
  context.setDefaultTimeout(10_000);
  const problems: string[] = [];
  const expected = (o.expectedStatuses ?? []).map((s) => `status of ${s}`);
  context.on('weberror', (err) => problems.push(String(err.error())));
  context.on('console', (msg) => {
    if (msg.type() !== 'error' || expected.some((e) => msg.text().includes(e))) return;
    problems.push(`${msg.page()?.url() ?? ''}: ${msg.text()}`);
  });
  return { browser, context, problems };
}

/** Creates an account on /sign-up as a person would, and waits for the security page it lands on. */
export async function signUpInPage(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/sign-up');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/security**');
}
