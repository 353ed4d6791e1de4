// The organisation's look on the pages (src/look.ts, web/views/support.ts): the logo and stylesheets served by
// Passdesk itself with the right type and a year-long cache, the logo in the header, the contact and legal links in
// the footer, "Need help?" on sign-in and the reset portal; and without a contact, no page sends anyone to a help desk.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { en } from '../../src/core/i18n/catalogs/en.js';
import { resetHelpDeskPage } from '../../src/web/views/reset.js';
import { messages } from '../../src/core/messages.js';

const html = { accept: 'text/html' };
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32"><rect width="120" height="32" fill="#0b5cad"/></svg>';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'passdesk-look-'));
  writeFileSync(join(dir, 'logo.png'), PNG);
  writeFileSync(join(dir, 'logo.svg'), SVG);
  writeFileSync(join(dir, 'custom.css'), '.brand img.logo { max-block-size: 36px; }\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const branded = (logo: string): Record<string, unknown> => ({
  organizationName: 'Example Org',
  logo: join(dir, logo),
  primaryColor: '#0b5cad',
  customCss: join(dir, 'custom.css'),
  supportEmail: 'desk@example.org',
  supportPhone: '+44 20 7946 0000',
  supportUrl: 'https://help.example.org/',
  supportHours: 'Monday to Friday, 8:00–18:00',
  privacyUrl: 'https://example.org/privacy',
  termsUrl: 'https://example.org/terms',
});

describe('pages in the organisation’s look', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ config: branded('logo.png') });
  });
  after(() => t.close());

  it('every page has the logo (the name as alt text), the colours and the custom CSS after app.css, the contact and legal links', async () => {
    for (const path of ['/sign-in', '/reset', '/sign-up', '/no-such-page']) {
      const body = (await t.client().get(path, { headers: html })).body;
      assert.match(body, /<a class="brand" href="\/"><img class="logo" id="logo" src="\/assets\/logo\.[0-9a-f]{10}\.png" alt="Example Org"><\/a>/, path);
      const sheets = [...body.matchAll(/<link rel="stylesheet" href="\/assets\/([a-z]+)\.[0-9a-f]{10}\.css">/g)].map((m) => m[1]);
      assert.deepEqual(sheets, ['app', 'look', 'custom'], path);
      const footer = body.slice(body.indexOf('<footer'));
      assert.match(footer, /<a href="mailto:desk@example\.org" class="support-email">desk@example\.org<\/a>/, path);
      assert.match(footer, /<a href="tel:\+442079460000" class="support-phone">\+44 20 7946 0000<\/a>/, path);
      assert.match(footer, /<a href="https:\/\/help\.example\.org\/" class="support-url">/, path);
      assert.match(footer, /Hours: Monday to Friday, 8:00–18:00/, path);
      assert.match(
        footer,
        /<a href="https:\/\/example\.org\/privacy" id="privacy-link">Privacy<\/a><a href="https:\/\/example\.org\/terms" id="terms-link">Terms of use<\/a>/,
        path,
      );
    }
  });

  it('sign-in and the reset portal show "Need help?" with the contact in the page itself', async () => {
    for (const path of ['/sign-in', '/reset']) {
      const body = (await t.client().get(path, { headers: html })).body;
      const main = body.slice(body.indexOf('<main'), body.indexOf('</main>'));
      assert.match(
        main,
        /<aside class="support-box" id="support-box"[^>]*>\s*<h2 id="support-box-heading">Need help\?<\/h2>\s*<p>.*mailto:desk@example\.org/s,
        path,
      );
    }
    const reset = (await t.client().get('/reset', { headers: html })).body;
    assert.match(reset, /Still nothing\? Contact the help desk: <span id="support-contact">.*mailto:desk@example\.org.*<\/span>\./);
  });

  it('the logo, colours and custom CSS are served with their type and a year-long immutable cache', async () => {
    const body = (await t.client().get('/sign-in', { headers: html })).body;
    const url = (name: string): string => new RegExp(`/assets/${name}\\.[0-9a-f]{10}\\.(png|css)`).exec(body)![0];
    const logo = await t.client().get(url('logo'));
    assert.equal(logo.statusCode, 200);
    assert.equal(logo.headers['content-type'], 'image/png');
    assert.equal(logo.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(logo.headers['x-content-type-options'], 'nosniff');
    assert.equal(logo.headers['cross-origin-resource-policy'], 'cross-origin', 'webmail may show it');
    assert.deepEqual(logo.rawPayload, PNG);
    const look = await t.client().get(url('look'));
    assert.equal(look.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal(look.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(look.body, /--accent:#0b5cad; --accent-fg:#ffffff; --accent-hover:#094a8a; }/);
    const custom = await t.client().get(url('custom'));
    assert.equal(custom.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal(custom.body, '.brand img.logo { max-block-size: 36px; }\n');
    assert.equal((await t.client().get(url('logo').replace(/\.[0-9a-f]{10}\./, '.0000000000.'))).statusCode, 404);
  });
});

describe('an SVG logo', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ config: branded('logo.svg') });
  });
  after(() => t.close());

  it('is served as an image with a CSP that runs nothing, even opened on its own', async () => {
    const body = (await t.client().get('/sign-in', { headers: html })).body;
    const res = await t.client().get(/\/assets\/logo\.[0-9a-f]{10}\.svg/.exec(body)![0]);
    assert.equal(res.headers['content-type'], 'image/svg+xml');
    assert.equal(res.headers['content-security-policy'], "default-src 'none'; style-src 'unsafe-inline'; sandbox");
    assert.equal(res.body, SVG);
  });
});

describe('without a support contact', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('no page tells people to contact a help desk they cannot reach, and the footer names the organisation', async () => {
    for (const path of ['/sign-in', '/reset', '/reset/code', '/sign-up']) {
      const body = (await t.client().get(path, { headers: html })).body;
      assert.doesNotMatch(body, /help desk|contact support/i, path);
      assert.doesNotMatch(body, /support-box|<img class="logo"/, path);
      assert.match(body, /<footer class="foot"><p>Protected by Passdesk\.<\/p><\/footer>/, path);
    }
  });

  it('an administrator who cannot reset by email is not sent to a help desk without a contact; with one, is told how', () => {
    const look = (support: { email: string } | null) => ({ logoUrl: null, stylesheets: [], support, privacyUrl: null, termsUrl: null });
    const page = (support: { email: string } | null): string =>
      resetHelpDeskPage(
        { config: { organizationName: 'Example Org', registration: 'open', look: look(support) } },
        { message: messages.errors.RESET_SECOND_METHOD_REQUIRED },
      ).value;
    const without = page(null);
    assert.match(without, /<h1>Your password can’t be reset here<\/h1>/);
    assert.doesNotMatch(without, /help desk/i);
    const withContact = page({ email: 'desk@example.org' });
    assert.match(withContact, /<h1>Contact the help desk<\/h1>/);
    assert.match(withContact, /Help desk: <span id="support-contact">.*<a href="mailto:desk@example\.org"/s);
  });

  it('no error message sends people to the help desk or to support (the API and pages show them with or without a contact)', () => {
    for (const [id, text] of Object.entries(en)) {
      if (id.startsWith('error.')) assert.doesNotMatch(text, /contact (the help desk|support)|ask the help desk/i, id);
    }
  });
});
