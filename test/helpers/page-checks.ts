// What every page state of the browser suite must pass, in one place: nothing scrolls sideways (WCAG 2.2 SC 1.4.10
// Reflow: content fits 320 CSS px; and the desktop widths up to 1280 px, also at 200 % zoom) and axe-core finds no
// WCAG A/AA violation. startJourney (journey.ts) applies the sideways check to every page of every context it
// watches, twice over:
// - OVERFLOW_WATCH_SCRIPT runs in every page: after load, after any change to the DOM and after a resize it compares
//   the document's scrollWidth with innerWidth at the page's own viewport, and reports an overflow as a console
//   error, which the journey counts as a problem (every state a test reaches, client-side changes included);
// - a LayoutProbe copies each loaded page's DOM (and any state a test hands it) into a scratch page and measures it
//   at every width in REFLOW_WIDTHS, without touching the page the test is driving.
// Tests that change a page with script call checkPage() at the states they assert on: the same sweep on the live
// page, then axe.
import assert from 'node:assert/strict';
import axe from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * The widths every page must fit: the reflow minimum, a phone, the desktop at 200 % zoom (1280 CSS px at twice the
 * size is a 640 px wide layout viewport, which is what Chromium lays out when zoomed) and the desktop.
 */
export const REFLOW_WIDTHS = [
  { label: '320 px', width: 320, height: 640 },
  { label: 'phone (390 px)', width: 390, height: 844 },
  { label: '1280 px at 200 % zoom', width: 640, height: 400 },
  { label: 'desktop (1280 px)', width: 1280, height: 800 },
] as const;

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

/**
 * Runs in the page: what sticks out past the right edge, or null when scrollWidth <= innerWidth. Plain JavaScript in a
 * string: the page runs it as written (a compiled function's text could carry the compiler's helpers).
 */
const MEASURE_OVERFLOW = `() => {
  const root = document.documentElement;
  const inner = window.innerWidth;
  if (root.scrollWidth <= inner) return null;
  const culprits = [];
  for (const el of Array.from(document.body ? document.body.querySelectorAll('*') : [])) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= inner + 0.5) continue;
    // The innermost elements that stick out name the problem better than their containers.
    if (Array.from(el.children).some((c) => c.getBoundingClientRect().right > inner + 0.5)) continue;
    const cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
    culprits.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls + ' (right edge ' + Math.round(box.right) + ')');
    if (culprits.length >= 3) break;
  }
  // Text that runs out of a box that fits (a long word or address): named by the element holding it.
  if (culprits.length === 0) {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node && culprits.length < 3; node = walker.nextNode()) {
      range.selectNodeContents(node);
      const right = range.getBoundingClientRect().right;
      if (right <= inner + 0.5 || !node.textContent.trim()) continue;
      const el = node.parentElement;
      culprits.push('text "' + node.textContent.trim().slice(0, 40) + '" in ' + (el ? el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') : '?') + ' (right edge ' + Math.round(right) + ')');
    }
  }
  return 'scrollWidth ' + root.scrollWidth + ' > innerWidth ' + inner + ': ' + (culprits.join(', ') || 'no single element');
}`;

/**
 * The in-page watch (an init script): reports the first overflow of each path and width as a console error,
 * "Page scrolls sideways: …", which startJourney counts as a problem.
 */
export const OVERFLOW_WATCH_SCRIPT = `(() => {
  const measure = ${MEASURE_OVERFLOW};
  let pending = false;
  const reported = new Set();
  const check = () => {
    pending = false;
    const found = measure();
    const key = location.pathname + ' ' + window.innerWidth;
    if (found && !reported.has(key)) {
      reported.add(key);
      console.error('Page scrolls sideways at ' + location.pathname + ': ' + found);
    }
  };
  const schedule = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => setTimeout(check, 0));
  };
  addEventListener('load', () => {
    schedule();
    new MutationObserver(schedule).observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  addEventListener('resize', schedule);
})();`;

/** Sets each width in turn on the page itself and says where it scrolls sideways; the viewport is put back after. */
export async function sideScrollProblems(page: Page): Promise<string[]> {
  const before = page.viewportSize() ?? DESKTOP;
  const found: string[] = [];
  try {
    for (const w of REFLOW_WIDTHS) {
      await page.setViewportSize({ width: w.width, height: w.height });
      const problem = (await page.evaluate(`(${MEASURE_OVERFLOW})()`)) as string | null;
      if (problem) found.push(`${new URL(page.url()).pathname} at ${w.label}: ${problem}`);
    }
  } finally {
    await page.setViewportSize(before);
  }
  return found;
}

/** axe-core's WCAG 2.x A and AA rules over the page as it is now; one line per violation and element. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern.
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axe.source);
  const results = (await page.evaluate(`window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    resultTypes: ['violations'],
  })`)) as axe.AxeResults;
  return results.violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact ?? 'n/a'}): ${v.help} — ${n.target.join(' ')}`));
}

/** The page as it is now: no sideways scrolling at any width in REFLOW_WIDTHS, and axe clean. */
export async function checkPage(page: Page, label = new URL(page.url()).pathname): Promise<void> {
  assert.deepEqual(await sideScrollProblems(page), [], `${label} scrolls sideways`);
  assert.deepEqual(await axeViolations(page), [], `${label}: axe violations`);
}

/**
 * Measures copies of pages in a scratch page of a context of its own (scripts left out, the stylesheet loaded from
 * the server, same-origin), at every width, one at a time. What it finds goes to `report`; settle() waits for the queue.
 */
export class LayoutProbe {
  private queue: Promise<void> = Promise.resolve();
  private scratch: Promise<{ context: BrowserContext; page: Page }> | null = null;
  readonly found: string[] = [];

  constructor(
    private readonly browser: Browser,
    private readonly report: (problem: string) => void,
  ) {}

  /** Queues a copy of the page as it is now. A page that navigates away meanwhile is skipped (its next load is measured). */
  measure(page: Page): void {
    const copied = page.content().then(
      (html) => ({ html, url: page.url() }),
      () => null,
    );
    this.queue = this.queue.then(async () => {
      const copy = await copied;
      if (copy && /^https?:/.test(copy.url)) await this.measureCopy(copy.html, copy.url);
    });
  }

  private async measureCopy(html: string, url: string): Promise<void> {
    this.scratch ??= this.browser.newContext({ viewport: DESKTOP }).then(async (context) => ({ context, page: await context.newPage() }));
    const { page } = await this.scratch;
    const origin = new URL(url).origin;
    // The copy is written into a page of the same origin, under a page's own Content-Security-Policy: the assets are
    // served same-origin only (Cross-Origin-Resource-Policy), and the policy is the one the pages are held to.
    if (new URL(page.url()).origin !== origin) await page.goto(`${origin}/sign-in`);
    const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '').replace(/<head>/i, `<head><base href="${origin}/">`);
    await page.setContent(markup, { waitUntil: 'load' });
    for (const problem of await sideScrollProblems(page)) {
      const line = `${new URL(url).pathname}${problem.slice(problem.indexOf(' at '))} (copy of the page)`;
      this.found.push(line);
      this.report(`layout: ${line}`);
    }
  }

  /** Waits for every queued measurement; the problems found so far. */
  async settle(): Promise<string[]> {
    await this.queue;
    return this.found;
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    if (this.scratch !== null) await (await this.scratch).context.close();
  }
}

/** The page's width against the window's: a page wider than the window scrolls sideways. */
export async function widths(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return (await page.evaluate('({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })')) as {
    scrollWidth: number;
    innerWidth: number;
  };
}
