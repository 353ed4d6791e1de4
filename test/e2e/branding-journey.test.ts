// The organisation's look in Chromium (docs/guides/branding.md): on the sign-in page and the reset portal the logo is
// shown, the primary button takes the primary colour from the generated stylesheet (and white text on it stays
// readable), "Need help?" shows the contact, the footer the legal links; each page axe-clean and without sideways
// scrolling at 390 and 1280 px (test/helpers/page-checks.ts). The CSP (no 'unsafe-inline') stays unbroken: the
// journey fails on any violation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startJourney, type Journey } from '../helpers/journey.js';
import { checkPage, DESKTOP, PHONE } from '../helpers/page-checks.js';
import { contrastRatio, parseHexColour } from '../../src/core/colour-contrast.js';

const LOGO =
  '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40" viewBox="0 0 160 40"><rect width="160" height="40" rx="6" fill="#0b5cad"/><text x="12" y="27" font-size="18" fill="#fff">Example Org</text></svg>';

/** `rgb(11, 92, 173)` → #0b5cad. */
function cssHex(rgb: string): string {
  const [r, g, b] = (rgb.match(/\d+/g) ?? []).map(Number);
  return `#${[r, g, b].map((v) => (v ?? 0).toString(16).padStart(2, '0')).join('')}`;
}

describe('the organisation’s look in Chromium', { timeout: 120_000 }, () => {
  let j: Journey;
  let page: Page;
  let dir = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'passdesk-e2e-look-'));
    await writeFile(join(dir, 'logo.svg'), LOGO);
    j = await startJourney({
      config: {
        organizationName: 'Example Org',
        logo: join(dir, 'logo.svg'),
        primaryColor: '#0b5cad',
        supportEmail: 'desk@example.org',
        supportPhone: '+44 20 7946 0000',
        supportUrl: 'https://help.example.org/',
        supportHours: 'Monday to Friday, 8:00–18:00',
        privacyUrl: 'https://example.org/privacy',
        termsUrl: 'https://example.org/terms',
      },
    });
    page = j.page;
  });

  after(async () => {
    await j?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function branded(path: string): Promise<void> {
    for (const size of [DESKTOP, PHONE]) {
      await page.setViewportSize(size);
      await page.goto(path);
      const logo = page.locator('header img.logo');
      assert.ok(await logo.isVisible(), `${path} at ${size.width}px: the logo is visible`);
      assert.equal(await logo.getAttribute('alt'), 'Example Org');
      assert.ok(await logo.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth > 0), `${path}: the logo loaded`);
      const button = page.locator('main button.primary').first();
      // The computed style, as the browser applies the stylesheets (strings: the test's tsconfig has no DOM types).
      const [bg, fg] = (await button.evaluate((b) => {
        const style = (b.ownerDocument.defaultView as unknown as { getComputedStyle(e: unknown): { backgroundColor: string; color: string } }).getComputedStyle(
          b,
        );
        return [style.backgroundColor, style.color];
      })) as [string, string];
      assert.equal(cssHex(bg ?? ''), '#0b5cad', `${path}: the primary button has the primary colour`);
      assert.ok(contrastRatio(parseHexColour(cssHex(fg ?? ''))!, parseHexColour(cssHex(bg ?? ''))!) >= 4.5, `${path}: its text is readable`);
      assert.ok(await page.locator('#support-box').isVisible(), `${path}: Need help? is shown`);
      assert.equal(await page.locator('#support-box a[href="mailto:desk@example.org"]').count(), 1);
      assert.equal(await page.locator('#support-box a[href="tel:+442079460000"]').count(), 1);
      assert.equal(await page.locator('footer a#privacy-link').getAttribute('href'), 'https://example.org/privacy');
      await checkPage(page, `${path} at ${size.width}px`);
    }
  }

  it('the sign-in page shows the logo, the colour, the contact and the legal links; axe clean, no sideways scrolling', async () => {
    await branded('/sign-in');
  });

  it('the reset portal shows them too', async () => {
    await branded('/reset');
    assert.deepEqual(j.problems, [], 'no script error or CSP violation');
  });
});
