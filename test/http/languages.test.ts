// Languages over HTTP (issue 17): the language of each answer (saved preference > Accept-Language > the
// organisation's default) stated in Content-Language, errors said in it with the code English has, the language
// setting through the API and the /security form (CSRF enforced), and emails in the recipient's language whoever
// triggered them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errorCode, PASSWORD, startTestApp, type TestApp, type TestClient } from '../helpers/app.js';
import { registerAccount } from '../../src/flows/register.js';
import { translator } from '../../src/core/i18n/translator.js';

const de = translator('de');
const fr = translator('fr');
const en = translator('en');

describe('languages over HTTP', () => {
  let t: TestApp;
  let n = 0;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  async function person(role: 'user' | 'helpdesk' | 'admin' = 'user'): Promise<{ c: TestClient; id: string; email: string }> {
    const email = `lang-${++n}@example.org`;
    const { account } = await registerAccount(t.app.deps, { email, password: PASSWORD, role }, { ip: null, userAgent: null }, { kind: 'cli' });
    const c = t.client();
    const res = await c.signIn(email, PASSWORD);
    assert.equal(res.statusCode, 201, res.body);
    return { c, id: account.id, email };
  }

  it('Accept-Language: de → Content-Language: de and the German message, with the code English has', async () => {
    const wrong = { email: 'nobody@example.org', password: 'not the password at all' };
    const german = await t.client().request('POST', '/api/v1/sessions', { body: wrong, headers: { 'accept-language': 'de-AT, en;q=0.5' } });
    const english = await t.client().request('POST', '/api/v1/sessions', { body: wrong, headers: { 'accept-language': 'en' } });
    assert.equal(german.headers['content-language'], 'de');
    assert.equal(english.headers['content-language'], 'en');
    assert.equal(errorCode(german), 'INVALID_CREDENTIALS');
    assert.equal(errorCode(english), 'INVALID_CREDENTIALS');
    assert.equal(german.json().error.message, de.t('error.INVALID_CREDENTIALS'));
    assert.equal(english.json().error.message, en.t('error.INVALID_CREDENTIALS'));
    assert.notEqual(german.json().error.message, english.json().error.message);
  });

  it('a field’s validation message is said in the reader’s language, the code unchanged', async () => {
    const { c } = await person();
    const german = await c.request('POST', '/api/v1/activity/not-a-number/not-me', { body: {}, headers: { 'accept-language': 'de' } });
    const english = await c.request('POST', '/api/v1/activity/not-a-number/not-me', { body: {}, headers: { 'accept-language': 'en' } });
    assert.equal(errorCode(german), 'VALIDATION_FAILED');
    assert.equal(errorCode(english), 'VALIDATION_FAILED');
    assert.ok(german.json().error.message.includes(de.t('error.field.activityId')), german.body);
    assert.ok(english.json().error.message.includes(en.t('error.field.activityId')), english.body);
    assert.ok(!german.json().error.message.includes(en.t('error.field.activityId')), german.body);
  });

  it('the saved preference beats the header; null goes back to the header', async () => {
    const { c } = await person();
    const saved = await c.put('/api/v1/account/language', { locale: 'fr' }, { headers: { 'accept-language': 'de' } });
    assert.equal(saved.statusCode, 200, saved.body);
    assert.equal(saved.headers['content-language'], 'fr', 'the answer is already in the new language');
    assert.equal(saved.json().locale, 'fr');
    assert.equal(saved.json().language, 'fr');
    assert.deepEqual(
      saved.json().available.filter((l: { locale: string }) => ['de', 'en', 'es', 'fr'].includes(l.locale)),
      [
        { locale: 'en', name: 'English' },
        { locale: 'de', name: 'Deutsch' },
        { locale: 'fr', name: 'Français' },
        { locale: 'es', name: 'Español' },
      ].sort(
        (a, b) =>
          saved.json().available.findIndex((l: { locale: string }) => l.locale === a.locale) -
          saved.json().available.findIndex((l: { locale: string }) => l.locale === b.locale),
      ),
    );
    const page = await c.get('/security', { headers: { accept: 'text/html', 'accept-language': 'de' } });
    assert.equal(page.headers['content-language'], 'fr');
    assert.match(page.body, /<html lang="fr"/);
    const refused = await c.request('GET', '/api/v1/admin/accounts', { headers: { 'accept-language': 'de' } });
    assert.equal(errorCode(refused), 'FORBIDDEN');
    assert.equal(refused.headers['content-language'], 'fr');
    assert.equal(refused.json().error.message, fr.t('error.FORBIDDEN'));
    const reset = await c.put('/api/v1/account/language', { locale: null }, { headers: { 'accept-language': 'de' } });
    assert.equal(reset.statusCode, 200, reset.body);
    assert.equal(reset.json().locale, null);
    assert.equal(reset.headers['content-language'], 'de', 'automatic: the browser’s language again');
    const got = await c.get('/api/v1/account/language', { headers: { 'accept-language': 'es' } });
    assert.deepEqual([got.json().locale, got.json().language, got.headers['content-language']], [null, 'es', 'es']);
  });

  it('PUT language: an unknown or malformed tag is 400 VALIDATION_FAILED and nothing is saved; signed out is 401', async () => {
    const { c, id } = await person();
    for (const locale of ['xx', 'de-XX', '', 'en; DROP', 'x'.repeat(100)]) {
      const res = await c.put('/api/v1/account/language', { locale });
      assert.equal(res.statusCode, 400, `${locale}: ${res.body}`);
      assert.equal(errorCode(res), 'VALIDATION_FAILED');
    }
    assert.equal((await c.put('/api/v1/account/language', {})).statusCode, 400, 'locale is required (null for automatic)');
    assert.equal((await c.put('/api/v1/account/language', { locale: 'de', extra: 1 })).statusCode, 400);
    assert.equal((await t.store.accounts.findAccountById(id))?.locale, null);
    assert.equal((await t.client().put('/api/v1/account/language', { locale: 'de' })).statusCode, 401);
  });

  it('an email an administrator browsing in French triggers goes to a person who saved German in German', async () => {
    const target = await person();
    assert.equal((await target.c.put('/api/v1/account/language', { locale: 'de' })).statusCode, 200);
    const admin = await person('admin');
    const res = await admin.c.request('POST', `/api/v1/admin/accounts/${target.id}/require-change`, {
      body: { reason: 'Raison donnée', ticket: 'INC-17' },
      headers: { 'accept-language': 'fr' },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-language'], 'fr');
    const [mail] = (await t.store.outbox.listMessages({ limit: 50, accountId: target.id })).filter((m) => m.template === 'account-changed-by-admin');
    assert.ok(mail, 'the person is told');
    const org = 'Passdesk';
    assert.equal(mail.subject, de.t('email.account-changed-by-admin.subject', { org }));
    assert.notEqual(mail.subject, fr.t('email.account-changed-by-admin.subject', { org }));
    assert.match(mail.html, /<html lang="de"/);
  });

  it('the /security form: each language named in its own language, saved (CSRF enforced), the page answers in it at once', async () => {
    const { c, id } = await person();
    const page = await c.get('/security', { headers: { accept: 'text/html', 'accept-language': 'en' } });
    assert.match(page.body, /<option value="" selected>Automatic \(from your browser\)<\/option>/);
    for (const [tag, name] of [
      ['de', 'Deutsch'],
      ['fr', 'Français'],
      ['es', 'Español'],
      ['en', 'English'],
    ])
      assert.ok(page.body.includes(`<option value="${tag}" lang="${tag}">${name}</option>`), `${tag} named ${name}`);
    const noToken = await c.request('POST', '/security/language', { form: { locale: 'de' }, headers: { accept: 'text/html' } });
    assert.equal(noToken.statusCode, 403);
    assert.equal((await t.store.accounts.findAccountById(id))?.locale, null, 'nothing saved without the token');
    const csrf = await c.csrfFrom('/security');
    const saved = await c.request('POST', '/security/language', { form: { _csrf: csrf, locale: 'de' }, headers: { accept: 'text/html' } });
    assert.equal(saved.statusCode, 303);
    assert.equal((await t.store.accounts.findAccountById(id))?.locale, 'de');
    const after = await c.get(saved.headers.location as string, { headers: { accept: 'text/html', 'accept-language': 'en' } });
    assert.match(after.body, /<html lang="de"/);
    assert.ok(after.body.includes(de.t('notice.LANGUAGE_SAVED')), 'the notice, in German');
    assert.ok(after.body.includes(de.t('page.security.title')));
    assert.ok(after.body.includes('<option value="de" lang="de" selected>Deutsch</option>'));
    const unknown = await c.request('POST', '/security/language', { form: { _csrf: csrf, locale: 'xx' }, headers: { accept: 'text/html' } });
    assert.equal(unknown.statusCode, 400);
    const automatic = await c.request('POST', '/security/language', { form: { _csrf: csrf, locale: '' }, headers: { accept: 'text/html' } });
    assert.equal(automatic.statusCode, 303);
    assert.equal((await t.store.accounts.findAccountById(id))?.locale, null);
  });

  it('a sign-up keeps the language it was made in', async () => {
    const c = t.client();
    const email = 'sign-up-de@example.org';
    const res = await c.signUp(email, PASSWORD, undefined, { headers: { 'accept-language': 'de' } });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal((await t.store.accounts.findAccountById(res.json().account.id))?.locale, 'de');
  });
});
