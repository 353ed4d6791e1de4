// One way to start a browser journey: a real server on 127.0.0.1 (SQLite in a temporary directory, email in the dev
// mailbox or over a real SMTP server in the test), Chromium with one watched context, optionally an account, and
// one close() that ends it all. Every file in test/e2e starts here. Every page of a watched context is held to
// page-checks.ts: a page that scrolls sideways at its own width is a problem, and a copy of every loaded page is
// measured at every width from 320 to 1280 px (close() fails the journey if one did not fit).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { createApp, type App } from '../../src/app.js';
import type { ManualClock } from '../../src/core/clock.js';
import { testConfig } from './config.js';
import { CHROMIUM, CHROMIUM_ARGS, freePort, signUpInPage } from './browser.js';
import { LayoutProbe, OVERFLOW_WATCH_SCRIPT } from './page-checks.js';
import { startSmtpServer, type TestSmtpServer } from './smtp.js';
import { confirmationMail } from './sign-up.js';

export interface JourneyOptions {
  /** Configuration on top of the test's; host, port, base URL, data directory and database are the journey's. */
  config?: Record<string, unknown>;
  /** Email over a real SMTP server started here (`journey.smtp`); without it, the dev mailbox. */
  smtp?: boolean;
  /** A clock the test moves (the server's); the system clock otherwise. */
  clock?: ManualClock;
  /** `localhost` where WebAuthn needs a domain as RP ID in a secure context; the server still listens on 127.0.0.1. */
  hostname?: '127.0.0.1' | 'localhost';
  /**
   * Console errors for responses with these statuses are not problems: Chromium logs "Failed to load resource … status
   * of 400" for every page answered with an error status, and some journeys provoke such refusals throughout.
   */
  expectedStatuses?: number[];
  /** Options of every context the journey opens (the test's own options win). */
  contextOptions?: BrowserContextOptions;
  /** An account made before the journey starts: through the API, or on /sign-up in `journey.page` (then signed in). */
  account?: { email: string; password: string; via: 'api' | 'page' };
}

export interface Journey {
  app: App;
  baseUrl: string;
  /** The real SMTP server, when `smtp` was asked for. */
  smtp: TestSmtpServer | undefined;
  browser: Browser;
  /** The first context, watched like every context from newContext(). */
  context: BrowserContext;
  /** A page of `context`; signed in when the account was made on /sign-up. */
  page: Page;
  /** Script errors, console errors and CSP violations seen so far; a journey ends by asserting this is empty. */
  problems: string[];
  /** Another context (another device or profile); watched for problems unless `watch: false`. */
  newContext(options?: BrowserContextOptions, o?: { label?: string; watch?: boolean }): Promise<BrowserContext>;
  /** A refusal about to be provoked on purpose: the next console error for this status on this path is not a problem. */
  expectRefusal(status: number, path: string): void;
  /** Measures a copy of the page as it is now at every width (loaded pages are measured without asking). */
  measureLayout(page: Page): void;
  /** Ends it all; fails when a copy of a page, measured after the test's last look at `problems`, scrolled sideways. */
  close(): Promise<void>;
}

export async function startJourney(options: JourneyOptions = {}): Promise<Journey> {
  const cleanups: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const smtp = options.smtp ? await startSmtpServer() : undefined;
    if (smtp) cleanups.push(() => smtp.close());
    const dataDir = await mkdtemp(join(tmpdir(), 'passdesk-e2e-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const baseUrl = `http://${options.hostname ?? '127.0.0.1'}:${port}`;
    const app = await createApp({
      ...(options.clock ? { clock: options.clock } : {}),
      config: testConfig({
        host: '127.0.0.1',
        port,
        baseUrl,
        databaseUrl: `sqlite:${join(dataDir, 'passdesk.sqlite')}`,
        dataDir,
        ...(smtp ? { smtpUrl: smtp.url, smtpSecurity: 'none' } : {}),
        ...options.config,
      }),
    });
    cleanups.push(() => app.close());
    await app.listen();
    if (options.account?.via === 'api') await signUpThroughApi(app, baseUrl, options.account);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    cleanups.push(() => browser.close());
    const problems: string[] = [];
    const layout = new LayoutProbe(browser, (problem) => problems.push(problem));
    cleanups.push(() => layout.close());
    const expected = (options.expectedStatuses ?? []).map((s) => `status of ${s}`);
    const provoked: string[] = [];

    /** Console errors, uncaught exceptions and CSP violations on any page of the context become problems. */
    const watch = async (context: BrowserContext, label: string): Promise<void> => {
      context.on('console', (msg) => {
        if (msg.type() !== 'error' || expected.some((e) => msg.text().includes(e))) return;
        const status = /^Failed to load resource: the server responded with a status of (\d{3})\b/.exec(msg.text())?.[1];
        const at = provoked.indexOf(`${status} ${new URL(msg.location().url || 'about:blank').pathname}`);
        if (status && at >= 0) provoked.splice(at, 1);
        else problems.push(`${label} ${msg.page()?.url() ?? ''}: ${msg.text()}`);
      });
      context.on('weberror', (err) => problems.push(`${label} ${err.page()?.url() ?? ''}: ${String(err.error())}`));
      context.on('page', (page) => page.on('load', () => layout.measure(page)));
      await context.addInitScript(OVERFLOW_WATCH_SCRIPT);
      // Chromium also logs CSP refusals to the console; the event makes them explicit, with the directive.
      await context.addInitScript(`document.addEventListener('securitypolicyviolation', function (e) {
        console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI);
      });`);
    };
    const newContext: Journey['newContext'] = async (contextOptions = {}, o = {}) => {
      const context = await browser.newContext({ baseURL: baseUrl, ...options.contextOptions, ...contextOptions });
      context.setDefaultTimeout(10_000);
      if (o.watch !== false) await watch(context, o.label ?? 'context');
      return context;
    };

    const context = await newContext({}, { label: 'main' });
    const page = await context.newPage();
    if (options.account?.via === 'page') await signUpInPage(page, options.account.email, options.account.password, smtp ?? app);
    return {
      app,
      baseUrl,
      measureLayout: (page) => layout.measure(page),
      smtp,
      browser,
      context,
      page,
      problems,
      newContext,
      close: async () => {
        const found = await layout.settle().catch((err: unknown) => [String(err)]);
        await close();
        if (found.length > 0) throw new Error(`pages scroll sideways:\n${found.join('\n')}`);
      },
      expectRefusal: (status, path) => void provoked.push(`${status} ${path}`),
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Signs up through the API and confirms the address with the emailed link's token (no browser session is kept). */
async function signUpThroughApi(app: App, baseUrl: string, account: { email: string; password: string }): Promise<void> {
  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: baseUrl }, body: JSON.stringify(body) });
  const requested = await post('/api/v1/accounts', { email: account.email, password: account.password });
  if (requested.status !== 202) throw new Error(`signing up ${account.email} answered ${requested.status}`);
  const mail = await confirmationMail(app, account.email);
  if (!mail) throw new Error(`no confirmation email for ${account.email}`);
  const created = await post('/api/v1/accounts/verify', { token: mail.token });
  if (created.status !== 201) throw new Error(`confirming ${account.email} answered ${created.status}`);
}
