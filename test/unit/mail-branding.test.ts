// An email in the organisation's full look (src/look.ts): the anti-phishing phrase before anything else, the logo
// (an absolute URL on the base URL), the action button in the primary colour, the legal links in the footer and
// the help desk's contact last, in both parts. Compared with snapshots in test/fixtures/mail/; after a deliberate
// change, PASSDESK_TEST_UPDATE_SNAPSHOTS=1 rewrites them (then read the diff).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { renderNotice, type MailBranding } from '../../src/mail/templates.js';
import { contrastRatio, parseHexColour, WHITE } from '../../src/core/colour-contrast.js';

const branding: MailBranding = {
  baseUrl: 'https://id.example.org',
  secret: new Uint8Array(Buffer.from('mail-test-secret-0123456789-abcdefghijklmnop')),
  organizationName: 'Example Org',
  support: { email: 'desk@example.org', phone: '+44 20 7946 0000', url: 'https://help.example.org/', hours: 'Monday to Friday, 8:00–18:00' },
  logoUrl: 'https://id.example.org/assets/logo.0123456789.png',
  primaryColor: '#0b5cad',
  privacyUrl: 'https://example.org/privacy',
  termsUrl: 'https://example.org/terms',
};
const at = Date.UTC(2026, 10, 23, 9, 30);
const mail = renderNotice(branding, {
  notice: { code: 'password-reset-requested', resetToken: 'tok/en+1', resetCode: '48213907', minutes: 30, situation: 'requested' },
  origin: { at, device: 'Firefox on Linux', ip: '203.0.113.7' },
  recipient: { displayName: 'Ada Lovelace', accountEmail: 'ada@example.org', antiPhishingPhrase: 'purple otters at dawn', recoveryCopy: false },
  outboxId: 'outbox-1',
});

function matchesSnapshot(name: string, actual: string): void {
  const file = new URL(`../fixtures/mail/${name}`, import.meta.url);
  if (process.env.PASSDESK_TEST_UPDATE_SNAPSHOTS === '1' || !existsSync(file)) writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from its snapshot`);
}

describe('an email in the organisation’s look', () => {
  it('the text part: the phrase first, the legal links in the footer, the contact last (snapshot)', () => {
    const lines = mail.text.trimEnd().split('\n');
    assert.equal(lines[0], 'Your anti-phishing phrase: purple otters at dawn');
    assert.deepEqual(lines.slice(-5), [
      'Need help?',
      'Email: desk@example.org',
      'Phone: +44 20 7946 0000',
      'Web: https://help.example.org/',
      'Hours: Monday to Friday, 8:00–18:00',
    ]);
    assert.ok(mail.text.indexOf('Privacy: https://example.org/privacy') < mail.text.indexOf('Need help?'));
    assert.match(mail.text, /Terms of use: https:\/\/example\.org\/terms/);
    matchesSnapshot('reset-branded.txt', mail.text);
  });

  it('the HTML part: the phrase before anything else, then the logo; the button in the primary colour; the contact last (snapshot)', () => {
    const body = mail.html.slice(mail.html.indexOf('<body'));
    const phrase = body.indexOf('<div id="anti-phishing-phrase"');
    const logo = body.indexOf('<img src="https://id.example.org/assets/logo.0123456789.png" alt="Example Org"');
    assert.ok(phrase > 0 && logo > phrase, 'the phrase, then the logo');
    assert.doesNotMatch(body.slice(0, phrase).replace(/<[^>]*>/g, ''), /\S/, 'no text before the phrase');
    assert.match(body, /background:#0b5cad;color:#ffffff;/);
    assert.ok(contrastRatio(parseHexColour('#0b5cad')!, WHITE) >= 4.5, 'the button is readable');
    assert.match(body, /<a href="https:\/\/example\.org\/privacy"[^>]*>Privacy<\/a> · <a href="https:\/\/example\.org\/terms"[^>]*>Terms of use<\/a>/);
    const support = body.indexOf('id="support"');
    assert.ok(support > body.indexOf('Privacy'), 'the contact after the footer');
    assert.doesNotMatch(body.slice(support).replace(/<\/p>\s*<\/div>\s*<\/body><\/html>\s*$/, ''), /<p[\s>]/, 'nothing after the contact');
    assert.match(body, /<a href="mailto:desk@example\.org"[^>]*>Email: desk@example\.org<\/a>/);
    assert.match(body, /<a href="tel:\+442079460000"[^>]*>Phone: \+44 20 7946 0000<\/a>/);
    matchesSnapshot('reset-branded.html', mail.html);
  });

  it('without a contact, an email names none', () => {
    const plain = renderNotice(
      { baseUrl: branding.baseUrl, secret: branding.secret, organizationName: 'Example Org' },
      {
        notice: { code: 'password-expiring', days: 7, expiresAt: at + 7 * 86_400_000 },
        origin: { at, device: null, ip: null },
        recipient: { displayName: 'Ada', accountEmail: 'ada@example.org', antiPhishingPhrase: null, recoveryCopy: false },
        outboxId: 'outbox-2',
      },
    );
    assert.doesNotMatch(plain.text, /Need help\?/);
    assert.doesNotMatch(plain.html, /id="support"/);
    assert.match(plain.html, /background:#1f5fd1;/, 'the default colour');
  });
});
