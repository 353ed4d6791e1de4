import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestMatch, directionOf, nativeName, negotiateLanguage, parseAcceptLanguage } from '../../src/core/i18n/negotiate.js';

const available = ['en', 'de', 'fr', 'es'];

test('the language is the saved preference, else the header, else the organisation default', () => {
  const cases: [string | null, string | undefined, string, string][] = [
    // preference, Accept-Language, default → chosen
    ['de', 'fr', 'en', 'de'],
    [null, 'fr', 'en', 'fr'],
    [null, undefined, 'es', 'es'],
    ['it', 'fr', 'en', 'fr'], // a preference no longer registered falls through
    [null, 'it, ja', 'de', 'de'], // nothing registered asked for: the default
    [null, '', 'en', 'en'],
  ];
  for (const [preference, acceptLanguage, fallback, chosen] of cases) {
    assert.equal(negotiateLanguage({ preference, acceptLanguage, fallback, available }), chosen, `${preference} / ${acceptLanguage} / ${fallback}`);
  }
});

test('q-values order the header; q=0 refuses a language; ties keep their order', () => {
  assert.deepEqual(parseAcceptLanguage('fr;q=0.5, de;q=0.9, es'), ['es', 'de', 'fr']);
  assert.deepEqual(parseAcceptLanguage('de;q=0, fr'), ['fr']);
  assert.deepEqual(parseAcceptLanguage('de, fr'), ['de', 'fr']);
  assert.equal(negotiateLanguage({ preference: null, acceptLanguage: 'fr;q=0.4, es;q=0.8', fallback: 'en', available }), 'es');
  assert.equal(negotiateLanguage({ preference: null, acceptLanguage: 'de;q=0, fr;q=0.1', fallback: 'en', available }), 'fr');
});

test('a regional tag is served by its language; a wildcard takes the default', () => {
  assert.equal(bestMatch(['de-AT'], available, 'en'), 'de');
  assert.equal(bestMatch(['fr-CA', 'en'], available, 'en'), 'fr');
  assert.equal(bestMatch(['es-419'], available, 'en'), 'es');
  assert.equal(bestMatch(['*'], available, 'fr'), 'fr');
  assert.equal(bestMatch(['zh-Hant-TW'], available, 'en'), null);
  assert.equal(negotiateLanguage({ preference: null, acceptLanguage: 'it, *;q=0.1', fallback: 'de', available }), 'de');
});

test('a malformed header or range is ignored, never an error', () => {
  for (const header of ['###', 'de;q=2', 'de;q=abc', 'de;;q=0.5', ';q=1', 'x'.repeat(2000), 'de-;q=1', 'toolongtag1', '\u00e9', ',,,']) {
    assert.equal(negotiateLanguage({ preference: null, acceptLanguage: header, fallback: 'es', available }), 'es', header);
  }
  assert.deepEqual(parseAcceptLanguage('###, fr'), ['fr']);
});

test('writing direction and a language\u2019s own name', () => {
  assert.equal(directionOf('de'), 'ltr');
  for (const rtl of ['ar', 'he', 'fa', 'ur']) assert.equal(directionOf(rtl), 'rtl', rtl);
  assert.equal(nativeName('de'), 'Deutsch');
  assert.equal(nativeName('fr'), 'Français');
  assert.equal(nativeName('es'), 'Español');
});
