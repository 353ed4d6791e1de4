// The message catalog (src/core/i18n): every id the code names exists, every id exists for a reason, every
// message is valid ICU, every registered language (the pseudo-locales included, as PASSDESK_PSEUDO_LOCALES
// registers them) is checked against English, and markup keeps user data escaped.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { availableLocales, catalogs, MESSAGE_IDS, translator } from '../../src/core/i18n/translator.js';
import { setUpLanguages } from '../../src/core/i18n/languages.js';
import { compareCatalogs, placeholdersOf, syntaxErrors } from '../../src/core/i18n/compare.js';
import { en } from '../../src/core/i18n/catalogs/en.js';
import { ErrorCodes } from '../../src/core/errors.js';
import { element, link, markup } from '../../src/web/i18n.js';
import { formatMessage, sampleValues } from '../helpers/i18n.js';

const ID = /^(?:error|notice|activity|policy|format|email|page)\.[\w.-]*\w$/;

function sources(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return path.endsWith(join('i18n', 'catalogs')) ? [] : sources(path);
      return path.endsWith('.ts') ? [readFileSync(path, 'utf8')] : [];
    });
}

/** Quoted ids ('page.signIn.title') and id patterns from template literals (`email.${code}.subject`, 'activity.event.'). */
function idsNamedInCode(): { literal: Set<string>; patterns: RegExp[] } {
  const literal = new Set<string>();
  const patterns: RegExp[] = [];
  for (const text of sources('src')) {
    for (const m of text.matchAll(/'((?:error|notice|activity|policy|format|email|page)\.[\w.-]*)'/g)) {
      const s = m[1]!;
      if (ID.test(s)) literal.add(s);
      // A prefix the code completes at run time ('activity.event.' + type).
      else if (/^(?:error|notice|activity|email|page)\.[\w.-]*\.$/.test(s) || /^(?:error|notice)\.$/.test(s))
        patterns.push(new RegExp(`^${s.replace(/\./g, '\\.')}.+$`));
    }
    for (const m of text.matchAll(/`((?:error|notice|activity|policy|format|email|page)\.[^`\n]*\$\{[^`\n]*)`/g)) {
      const source = m[1]!
        .split(/\$\{[^}]*\}/)
        .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
        .join('[^.]+');
      patterns.push(new RegExp(`^${source}$`));
    }
  }
  return { literal, patterns };
}

describe('message catalog', () => {
  const named = idsNamedInCode();
  // Every language a start can register: the shipped ones and the pseudo-locales.
  before(() => assert.deepEqual(setUpLanguages({ pseudoLocales: true, overrideFiles: [] }), []));

  it('every id the code names is in the English catalog', () => {
    const missing = [...named.literal].filter((id) => !(id in en));
    assert.deepEqual(missing, [], 'ids used in src/ but missing from src/core/i18n/catalogs/en.ts');
    for (const p of named.patterns)
      assert.ok(
        MESSAGE_IDS.some((id) => p.test(id)),
        `no id matches ${p}`,
      );
  });

  it('every id in the catalog is used by the code', () => {
    const unused = MESSAGE_IDS.filter((id) => !named.literal.has(id) && !named.patterns.some((p) => p.test(id)));
    assert.deepEqual(unused, [], 'ids nothing names (delete them, or name them where the text is produced)');
  });

  it('every error code has its message, and every error message a code', () => {
    const codes = Object.keys(ErrorCodes).sort();
    const messages = MESSAGE_IDS.filter((id) => /^error\.[A-Z_]+$/.test(id))
      .map((id) => id.slice('error.'.length))
      .sort();
    assert.deepEqual(messages, codes);
  });

  it('every message of every language is valid ICU MessageFormat', () => {
    for (const [locale, catalog] of Object.entries(catalogs)) assert.deepEqual(syntaxErrors(catalog), [], locale);
    assert.deepEqual(
      syntaxErrors({ 'x.broken': 'Wait {count, plural, one {# second}' }).map((d) => d.id),
      ['x.broken'],
      'a broken message is reported',
    );
  });

  it('every language has English’s ids and placeholders', () => {
    assert.ok(availableLocales().includes('en-XA') && availableLocales().includes('ar-XB'), 'the pseudo-locales are among them');
    for (const [locale, catalog] of Object.entries(catalogs)) assert.deepEqual(compareCatalogs(en, catalog), [], locale);
  });

  it('every message of every language formats with the values English takes', () => {
    for (const [locale, catalog] of Object.entries(catalogs))
      for (const id of MESSAGE_IDS) assert.doesNotThrow(() => formatMessage(catalog[id], locale, sampleValues(en[id])), `${locale} ${id}`);
  });

  it('the comparison reports a missing id, an extra id, and a placeholder renamed, dropped or of another kind', () => {
    const english = { a: 'Hello {name}', b: '{count, plural, one {# code} other {# codes}} left', c: 'Read <a>this</a>', d: 'Plain' };
    const other = { a: 'Hallo {nom}', b: 'Noch {count} Codes', c: 'Lies das', e: 'Extra' };
    assert.deepEqual(
      compareCatalogs(english, other).map((d) => `${d.id}:${d.problem}`),
      ['a:placeholders', 'b:placeholders', 'c:placeholders', 'd:missing', 'e:extra'],
    );
    assert.deepEqual(
      compareCatalogs(english, { ...english, b: '{count, plural, one {Noch # Code} few {# Codes} other {Noch # Codes}}' }),
      [],
      'its own plural categories are fine',
    );
    assert.deepEqual(placeholdersOf('{set, select, yes {{email} has it} other {none}}'), ['email:argument', 'set:select']);
  });

  it('formats placeholders, plurals and dates through Intl', () => {
    const t = translator('en');
    assert.equal(t.t('format.wait', { unit: 'second', count: 1 }), '1 second');
    assert.equal(t.t('format.wait', { unit: 'minute', count: 3 }), '3 minutes');
    assert.equal(t.t('page.security.signOutOthers', { count: 2 }), 'Sign out all other devices (2)');
    assert.equal(t.dateTime(Date.UTC(2026, 0, 5, 0, 7, 9)), '2026-01-05 00:07 UTC');
    assert.equal(t.dateTime(Date.UTC(2026, 10, 23, 23, 59, 1), { seconds: true }), '2026-11-23 23:59:01 UTC');
    assert.equal(translator('en'), t, 'one translator per language, no state to switch');
  });

  it('markup escapes the message text and every string value; only the tags it is given make elements', () => {
    const t = translator('en');
    assert.equal(
      String(markup(t, 'page.mailSettings.yourPhrase', { phrase: '<b>"x" & \'y\'</b>', strong: element('strong') })),
      'Your phrase: <strong>&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;</strong>',
    );
    assert.equal(
      String(markup(t, 'page.signIn.newHere', { a: link('/sign-up?a=1&b="2"', { id: 'x' }) })),
      'New here? <a href="/sign-up?a=1&amp;b=&quot;2&quot;" id="x">Create an account</a>.',
    );
    assert.equal(t.t('page.layout.needHelp', { support: '<script>' }), 'Need help? <script>', 'plain text is escaped by html`` where it is placed');
  });
});
