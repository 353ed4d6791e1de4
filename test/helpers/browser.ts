// The parts of a browser journey (startJourney in journey.ts puts them together): Debian's Chromium driven by
// playwright-core, a free local port, signing up on the page, and the layout and accessibility check (axe-core).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type { Page } from 'playwright-core';
import type { App } from '../../src/app.js';
import { confirmationMail } from './sign-up.js';
import type { TestSmtpServer } from './smtp.js';

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

/**
 * Creates an account on /sign-up as a person would: the form, "check your inbox", the emailed link and its button;
 * waits for the security page it lands on. The email is read from the app's outbox (dev mailbox) or, when the journey
 * sends over SMTP, from the test's SMTP server.
 */
export async function signUpInPage(page: Page, email: string, password: string, mail: App | TestSmtpServer): Promise<void> {
  const since = 'received' in mail ? mail.received.length : 0;
  await page.goto('/sign-up');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await confirmSignUpInPage(page, email, mail, since);
}

/**
 * After the sign-up form was sent: waits for "Check your inbox", opens the emailed link, presses its button and waits
 * for the security page. `since`: with SMTP, how many messages the server had before the form was sent.
 */
export async function confirmSignUpInPage(page: Page, email: string, mail: App | TestSmtpServer, since = 0, o: { timeout?: number } = {}): Promise<void> {
  await page.getByRole('heading', { name: 'Check your inbox' }).waitFor(o.timeout ? { timeout: o.timeout } : {});
  await page.goto('received' in mail ? await smtpConfirmationLink(mail, email, since) : await outboxConfirmationLink(mail, email));
  await page.getByRole('button', { name: 'Confirm my address' }).click();
  await page.waitForURL('**/security**');
}

async function outboxConfirmationLink(app: App, email: string): Promise<string> {
  const found = await confirmationMail(app, email);
  if (!found) throw new Error(`no confirmation email for ${email}`);
  return found.link;
}

/** The link of the confirmation email to `email` the SMTP server received after the first `since` messages. */
export async function smtpConfirmationLink(smtp: TestSmtpServer, email: string, since: number): Promise<string> {
  for (let n = since + 1; ; n++) {
    await smtp.waitFor(n);
    for (const m of smtp.received.slice(since)) {
      const link = m.to.includes(email) ? /(https?:\/\/\S+\/sign-up\/verify\?token=[A-Za-z0-9_-]+)/.exec(m.text)?.[1] : undefined;
      if (link) return link;
    }
  }
}

/** axe-core's own bundle, evaluated in the page over the DevTools protocol (so the page's CSP does not stop it). */
let axeSource: string | undefined;

/**
 * The page as it is now, checked at each width: nothing scrolls sideways (scrollWidth <= innerWidth) and axe-core
 * (WCAG 2.x A and AA rules) finds no violation. Returns what failed, each naming the width, so one assertion shows all.
 */
export async function layoutAndAxeProblems(page: Page, widths: readonly number[] = [1280, 390]): Promise<string[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  const problems: string[] = [];
  const height = page.viewportSize()?.height ?? 800;
  for (const width of widths) {
    await page.setViewportSize({ width, height });
    const [scrollWidth, innerWidth] = (await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')) as [number, number];
    if (scrollWidth > innerWidth) problems.push(`${width}px: scrollWidth ${scrollWidth} > innerWidth ${innerWidth}`);
    if (!(await page.evaluate('typeof window.axe'))?.toString().startsWith('object')) await page.evaluate(axeSource);
    const violations =
      (await page.evaluate(`window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
      .then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`)) as string[];
    problems.push(...violations.map((v) => `${width}px axe ${v}`));
  }
  return problems;
}
