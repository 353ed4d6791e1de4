// The security checkup in Chromium at 1280 and 390 px (issue 16, item 1): first thing on /security, each status in
// words, and a fix one click away that changes the verdict. axe finds nothing and no page scrolls sideways. The
// screenshots of the checkup go to PASSDESK_E2E_SCREENSHOTS (docs/images holds the ones in the docs) or a temp dir.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { PASSWORD } from '../helpers/app.js';
import { startJourney, type Journey } from '../helpers/journey.js';
import { axeViolations, widths } from '../helpers/page-checks.js';

const EMAIL = 'grace@example.org';
const VIEWPORTS = [
  ['desktop', { width: 1280, height: 800 }],
  ['phone', { width: 390, height: 844 }],
] as const;

describe('security checkup in Chromium', { timeout: 90_000 }, () => {
  let j: Journey;
  let shotDir: string;

  before(async () => {
    shotDir = process.env.PASSDESK_E2E_SCREENSHOTS ?? (await mkdtemp(join(tmpdir(), 'passdesk-e2e-screenshots-')));
    await mkdir(shotDir, { recursive: true });
    j = await startJourney({ account: { email: EMAIL, password: PASSWORD, via: 'page' } });
  });
  after(async () => {
    await j?.close();
  });

  async function clean(page: Page, label: string): Promise<void> {
    assert.deepEqual(await axeViolations(page), [], `axe on ${label}`);
    const w = await widths(page);
    assert.ok(w.scrollWidth <= w.innerWidth, `${label} scrolls sideways: ${w.scrollWidth} > ${w.innerWidth}`);
  }

  const items = (page: Page): Promise<string[]> =>
    page.locator('#checkup .checkup-item').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-item')}:${e.getAttribute('data-status')}`));

  it('the checkup comes first, says each status in words, and its fix link fixes it (1280 and 390 px)', async () => {
    const { page } = j;
    for (const [label, viewport] of VIEWPORTS) {
      await page.setViewportSize(viewport);
      await page.goto('/security');
      const heading = page.getByRole('heading', { name: 'Security checkup' });
      await heading.waitFor();
      // First on the page after the title: above the password, two-step and device sections.
      const order = (await page.locator('main h2').allTextContents()).map((t) => t.trim());
      assert.equal(order[0], 'Security checkup', label);
      assert.equal((await page.locator('#checkup-summary').textContent())?.trim(), '4 things need your attention.');
      const twoStep = page.locator('.checkup-item[data-item="two-step"]');
      assert.match(((await twoStep.locator('.status-badge').textContent()) ?? '').trim(), /Needs attention/);
      assert.match(((await page.locator('.checkup-item[data-item="password"] .status-badge').textContent()) ?? '').trim(), /Good/);
      await clean(page, `/security at ${label}`);
      // The top of the page down to the end of the checkup (the rest of /security is not this feature's).
      const box = await page.locator('#checkup').boundingBox();
      assert.ok(box);
      await page.screenshot({
        path: join(shotDir, `checkup-${viewport.width}.png`),
        fullPage: true,
        clip: { x: 0, y: 0, width: viewport.width, height: Math.ceil(box.y + box.height + 24) },
      });
    }

    // One click: the anti-phishing phrase's fix opens its form; setting the phrase turns the item good.
    await page.setViewportSize(VIEWPORTS[1][1]);
    await page.goto('/security');
    assert.ok((await items(page)).includes('anti-phishing:attention'));
    await page.getByRole('link', { name: 'Set an anti-phishing phrase' }).click();
    await page.waitForURL('**/security/email#phrase');
    await clean(page, '/security/email at 390');
    await page.locator('#phrase').fill('purple otter');
    await page.locator('#phrase-password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Save phrase' }).click();
    await page.waitForURL('**/security/email?notice=phrase-saved');
    await page.goto('/security');
    assert.ok((await items(page)).includes('anti-phishing:good'), 'the fix turned the item good');
    assert.equal((await page.locator('#checkup-summary').textContent())?.trim(), '3 things need your attention.');
    assert.equal(await page.getByRole('link', { name: 'Set an anti-phishing phrase' }).count(), 0, 'a good item has no fix link');

    // Without JavaScript the checkup is the same (server-rendered).
    const noScript = await j.newContext(
      { javaScriptEnabled: false, storageState: await j.context.storageState(), viewport: VIEWPORTS[1][1] },
      { label: 'no-js' },
    );
    const plain = await noScript.newPage();
    await plain.goto('/security');
    assert.deepEqual(await items(plain), await items(page));
    await noScript.close();
    assert.deepEqual(j.problems, []);
  });
});
