// PASSDESK_MESSAGES_DIR through loadConfig, the path every start takes: an operator's file changes just the messages
// it names, or adds a whole language; anything that would break a page or an email refuses the start with one line
// naming the file and the id. PASSDESK_PSEUDO_LOCALES registers en-XA and ar-XB. Every load starts from the shipped
// languages, so what one configuration added is gone with the next.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.js';
import { en } from '../../src/core/i18n/catalogs/en.js';
import { availableLocales, hasLocale, MESSAGE_IDS, translator } from '../../src/core/i18n/translator.js';
import { english } from '../../src/core/messages.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
let scratch: string;
let dirs = 0;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'passdesk-messages-test-'));
});
after(() => {
  rmSync(scratch, { recursive: true, force: true });
  loadConfig({ env: { PASSDESK_SECRET: SECRET, PASSDESK_DATA_DIR: scratch }, persistSecret: false });
});

/** A fresh directory holding these files (a string is written as it is, anything else as JSON). */
function messagesDir(files: Record<string, unknown>): string {
  const dir = join(scratch, `messages-${++dirs}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

function load(env: Record<string, string>): void {
  loadConfig({ env: { PASSDESK_SECRET: SECRET, PASSDESK_DATA_DIR: scratch, ...env }, persistSecret: false });
}

function refusal(files: Record<string, unknown>): string {
  try {
    load({ PASSDESK_MESSAGES_DIR: messagesDir(files) });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.doesNotMatch(err.message, /\n/, 'one line');
    return err.message;
  }
  assert.fail(`expected ${JSON.stringify(Object.keys(files))} to be refused`);
}

/** English with some messages changed: a complete catalog for a language Passdesk does not ship. */
function completeWith(changes: Record<string, string>): Record<string, string> {
  return { ...en, ...changes };
}

describe('PASSDESK_MESSAGES_DIR', () => {
  it('a file for a shipped language replaces just the messages it names, in pages, emails and English sentences alike', () => {
    load({
      PASSDESK_MESSAGES_DIR: messagesDir({ 'en.json': { 'page.signIn.title': 'Sign in to Example Mail', 'page.layout.needHelp': 'Stuck? Ask {support}.' } }),
    });
    const t = translator('en');
    assert.equal(t.t('page.signIn.title'), 'Sign in to Example Mail');
    assert.equal(t.t('page.layout.needHelp', { support: 'IT, ext. 42' }), 'Stuck? Ask IT, ext. 42.');
    assert.equal(t.t('page.signIn.submit'), en['page.signIn.submit'], 'the rest is English as shipped');
    assert.equal(english.t('page.signIn.title'), 'Sign in to Example Mail', 'the English Translator made at import follows it');
    load({});
    assert.equal(translator('en').t('page.signIn.title'), en['page.signIn.title'], 'the next configuration starts from the shipped text');
    assert.equal(english.t('page.signIn.title'), en['page.signIn.title']);
  });

  it('a complete file for another language adds it; folders and dot-files beside it are not files', () => {
    const dir = messagesDir({
      'nl.json': completeWith({ 'page.signIn.title': 'Inloggen', 'format.wait': '{unit, select, other {{count, plural, one {# tel} other {# tellen}}}}' }),
    });
    mkdirSync(join(dir, '..2026_12_08'));
    symlinkSync(join(dir, '..2026_12_08'), join(dir, '..data'));
    writeFileSync(join(dir, '.hidden'), 'not json');
    load({ PASSDESK_MESSAGES_DIR: dir });
    assert.ok(hasLocale('nl'));
    assert.deepEqual(availableLocales()[0], 'en', 'English first');
    assert.equal(translator('nl').t('page.signIn.title'), 'Inloggen');
    assert.equal(translator('nl').t('format.wait', { unit: 'minute', count: 3 }), '3 tellen');
    load({});
    assert.equal(hasLocale('nl'), false, 'gone with the next configuration');
  });

  it('a file name is read as a language tag in its canonical form', () => {
    load({ PASSDESK_MESSAGES_DIR: messagesDir({ 'pt-br.json': completeWith({ 'page.signIn.title': 'Entrar' }) }) });
    assert.equal(translator('pt-BR').t('page.signIn.title'), 'Entrar');
  });

  it('refuses an id English does not have', () => {
    assert.equal(
      refusal({ 'en.json': { 'page.signIn.title': 'Sign in', 'page.signIn.titel': 'Sign in' } }),
      'PASSDESK_MESSAGES_DIR: en.json: "page.signIn.titel": no message has this id in English',
    );
  });

  it('refuses a placeholder or tag dropped, renamed or added, naming the file and the id', () => {
    assert.match(
      refusal({ 'en.json': { 'page.layout.needHelp': 'Stuck? Ask {helpdesk}.' } }),
      /^PASSDESK_MESSAGES_DIR: en\.json: "page\.layout\.needHelp": its placeholders and tags differ from English's \(English has support:argument; this has helpdesk:argument\)$/,
    );
    assert.match(
      refusal({ 'en.json': { 'page.signIn.newHere': 'New here? Create an account.' } }),
      /en\.json: "page\.signIn\.newHere": its placeholders and tags differ .*<a>/,
    );
    assert.match(refusal({ 'en.json': { 'page.signIn.title': 'Sign in, {name}' } }), /"page\.signIn\.title": its placeholders .*this has name:argument/);
  });

  it('refuses a message that is not ICU MessageFormat', () => {
    assert.match(
      refusal({ 'en.json': { 'page.security.signOutOthers': 'Sign out {count, plural, one {# device}' } }),
      /^PASSDESK_MESSAGES_DIR: en\.json: "page\.security\.signOutOthers": not valid ICU MessageFormat \(.+\)$/,
    );
  });

  it('refuses a file that is not JSON, not an object, or has a value that is not a string', () => {
    assert.match(refusal({ 'en.json': '{ "page.signIn.title": "Sign in", }' }), /^PASSDESK_MESSAGES_DIR: en\.json: not valid JSON \(.+\)$/);
    assert.match(refusal({ 'en.json': ['Sign in'] }), /en\.json: expected a JSON object \{ "message id": "ICU message" \}/);
    assert.match(refusal({ 'en.json': { 'page.signIn.title': 42 } }), /en\.json: "page\.signIn\.title": expected a string \(an ICU message\), got 42/);
  });

  it('refuses a file name that is not a language tag, or not <language>.json', () => {
    assert.equal(
      refusal({ 'english!.json': { 'page.signIn.title': 'x' } }),
      'PASSDESK_MESSAGES_DIR: english!.json: "english!" is not a language tag (BCP 47, e.g. de, fr-CA, pt-BR)',
    );
    assert.match(refusal({ 'de.yaml': 'x: y' }), /de\.yaml: expected <language>\.json/);
    assert.match(refusal({ 'pt-BR.json': completeWith({}), 'pt-br.json': completeWith({}) }), /: pt-br\.json and pt-BR\.json: both are for pt-BR; keep one$/);
  });

  it('refuses an incomplete file for a language Passdesk does not ship, saying how much is missing', () => {
    const message = refusal({ 'nl.json': { 'page.signIn.title': 'Inloggen', 'page.signIn.submit': 'Inloggen' } });
    assert.match(
      message,
      new RegExp(
        `^PASSDESK_MESSAGES_DIR: nl\\.json: nl is not a language Passdesk speaks, so the file must have every English id \\(${MESSAGE_IDS.length}\\); it misses ${MESSAGE_IDS.length - 2}: "format\\.dateTime", "format\\.dateTimeSeconds", "format\\.wait", …$`,
      ),
    );
  });

  it('refuses a directory it cannot read; every problem of every file in the one line; nothing registered then', () => {
    assert.throws(
      () => load({ PASSDESK_MESSAGES_DIR: join(scratch, 'no-such-dir') }),
      /^ConfigError: PASSDESK_MESSAGES_DIR: cannot read the directory .*no-such-dir: ENOENT$/,
    );
    const message = refusal({ 'en.json': { 'page.x': 'x', 'page.signIn.title': '{' }, 'nl.json': completeWith({}) });
    assert.match(message, /en\.json: "page\.signIn\.title": not valid ICU.*; PASSDESK_MESSAGES_DIR: en\.json: "page\.x": no message has this id/);
    assert.equal(hasLocale('nl'), false, 'the good file was not registered either');
  });
});

describe('PASSDESK_PSEUDO_LOCALES', () => {
  it('registers en-XA and ar-XB; off by default', () => {
    load({});
    assert.equal(hasLocale('en-XA'), false);
    load({ PASSDESK_PSEUDO_LOCALES: 'true' });
    assert.ok(hasLocale('en-XA') && hasLocale('ar-XB'));
    assert.equal(translator('en-XA').t('page.signIn.title'), '⟦Šîĝñ îñ one⟧');
  });

  it('a pseudo-locale is a registered language an operator may change a message of', () => {
    load({ PASSDESK_PSEUDO_LOCALES: 'true', PASSDESK_MESSAGES_DIR: messagesDir({ 'en-XA.json': { 'page.signIn.title': '⟦Ŝîĝñ⟧' } }) });
    assert.equal(translator('en-XA').t('page.signIn.title'), '⟦Ŝîĝñ⟧');
    assert.equal(translator('ar-XB').t('page.signIn.title'), '\u202BSign in\u202C');
  });
});
