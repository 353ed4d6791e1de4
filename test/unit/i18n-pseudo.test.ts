// The pseudo-locales (core/i18n/pseudo.ts): en-XA is English accented, ~35 % longer and bracketed; ar-XB is English
// inside right-to-left embeddings. Every message of both formats with the values its English takes, and says the
// same thing once the disguise is taken off; which languages are written right to left.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { en } from '../../src/core/i18n/catalogs/en.js';
import { placeholdersOf } from '../../src/core/i18n/compare.js';
import { directionOf } from '../../src/core/i18n/negotiate.js';
import { accent, PDF, PSEUDO_CLOSE, PSEUDO_OPEN, pseudoAccented, pseudoCatalog, pseudoRightToLeft, RLE } from '../../src/core/i18n/pseudo.js';
import { MESSAGE_IDS, type Catalog } from '../../src/core/i18n/translator.js';
import { formatMessage as format, sampleValues } from '../helpers/i18n.js';

const UNACCENT: Readonly<Record<string, string>> = Object.fromEntries([...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((c) => [accent(c), c]));
const unaccent = (text: string): string => [...text].map((c) => UNACCENT[c] ?? c).join('');

describe('pseudo-locales', () => {
  const xa = pseudoCatalog('en-XA', en);
  const xb = pseudoCatalog('ar-XB', en);

  it('keep every argument, plural/select and tag of every message exactly', () => {
    for (const id of MESSAGE_IDS) {
      assert.deepEqual(placeholdersOf(xa[id]), placeholdersOf(en[id]), `en-XA ${id}`);
      assert.deepEqual(placeholdersOf(xb[id]), placeholdersOf(en[id]), `ar-XB ${id}`);
    }
  });

  it('format every message with the values English takes, and say what English says under the disguise', () => {
    for (const id of MESSAGE_IDS) {
      const values = sampleValues(en[id]);
      const english = format(en[id], 'en', values);
      const accented = format(xa[id], 'en-XA', values);
      assert.ok(accented.startsWith(PSEUDO_OPEN) && accented.endsWith(PSEUDO_CLOSE), `en-XA ${id} is bracketed: ${accented}`);
      assert.ok(unaccent(accented).startsWith(`${PSEUDO_OPEN}${english}`), `en-XA ${id}: ${accented} is ${english}, accented, then padding`);
      assert.equal(format(xb[id], 'ar-XB', values).replaceAll(RLE, '').replaceAll(PDF, ''), english, `ar-XB ${id}`);
    }
  });

  it('en-XA accents every letter of the text, never a value, and runs 30–40 % longer', () => {
    assert.equal(pseudoAccented('Sign in'), '⟦Šîĝñ îñ one⟧');
    assert.equal(pseudoAccented('Hello {name}, read <a>this page</a>.'), '⟦Ĥéļļö {name}, ŕéåð <a>ţĥîš þåĝé</a>. one two three⟧');
    const message = 'Your password was changed on this device a minute ago.';
    const body = pseudoAccented(message).slice(1, -1);
    assert.ok(body.length >= message.length * 1.3 && body.length <= message.length * 1.45, `${body.length} vs ${message.length}`);
    assert.doesNotMatch(pseudoAccented(message).split(' one')[0]!, /[A-Za-z]/, 'no plain letter left in the text');
    assert.equal(format(pseudoAccented('Hello {name}'), 'en-XA', { name: 'Zoe' }), '⟦Ĥéļļö Zoe one⟧', 'values as given');
  });

  it('ar-XB wraps each run of text in a right-to-left embedding, never a value or a tag', () => {
    assert.equal(
      pseudoRightToLeft('Hello {name}, read <a>this page</a>.'),
      `${RLE}Hello ${PDF}{name}${RLE}, read ${PDF}<a>${RLE}this page${PDF}</a>${RLE}.${PDF}`,
    );
    assert.doesNotMatch(Object.values(xb).join(''), /\u202E/, 'no right-to-left override (it would reverse the letters)');
  });

  it('a quote, a brace or a # in the text survives the round trip through the parser and printer', () => {
    const message = "It''s '{'literal'}' {count, plural, one {# code ('#' sign)} other {# codes}}";
    const english = format(message, 'en', { count: 2 });
    assert.equal(english, "It's {literal} 2 codes");
    assert.ok(unaccent(format(pseudoAccented(message), 'en-XA', { count: 2 })).startsWith(`⟦${english}`));
    assert.equal(format(pseudoRightToLeft(message), 'ar-XB', { count: 1 }).replaceAll(RLE, '').replaceAll(PDF, ''), "It's {literal} 1 code (# sign)");
  });

  it('only en-XA and ar-XB are made', () => {
    assert.throws(() => pseudoCatalog('de', en as Catalog), TypeError);
  });
});

describe('writing direction', () => {
  it('Arabic, Hebrew, Persian, Urdu and the pseudo-locale ar-XB are right to left; the rest left to right', () => {
    for (const locale of ['ar', 'ar-EG', 'he', 'he-IL', 'fa', 'ur', 'ar-XB', 'ps', 'yi', 'ckb', 'pa-Arab', 'az-Arab'])
      assert.equal(directionOf(locale), 'rtl', locale);
    for (const locale of ['en', 'de', 'fr', 'es', 'en-XA', 'ja', 'ku-Latn', 'tr', 'not a tag', '']) assert.equal(directionOf(locale), 'ltr', locale);
  });
});
