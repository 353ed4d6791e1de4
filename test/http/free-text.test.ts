// Issue 11, item 12: free text that reaches a page or an email refuses control and format characters (a line
// break forges a line of a genuine email, U+202E reverses what is read, U+200B makes two names look alike),
// with 400 INVALID_CHARACTERS and a message naming the field; accents, emoji (joined ones too) and CJK pass,
// NFC-normalised. One rule (core/text-input.ts, api/schemas.ts freeText) for every such field.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, errorCode, PASSWORD, type TestApp, type TestClient } from '../helpers/app.js';
import { totpCode } from '../helpers/totp.js';

const BAD: Array<[string, string]> = [
  ['a newline', 'Ann\nBob'],
  ['a NUL', 'Ann\u0000Bob'],
  ['U+202E (right-to-left override)', 'Ann\u202EboB'],
  ['U+200B (zero-width space)', 'Ann\u200BBob'],
  ['U+2066 (left-to-right isolate)', 'Ann\u2066Bob'],
];
const GOOD = 'Zoë Ñandú 李小龍 👩‍💻 ☕';

function refused(res: { statusCode: number; body: string }, field: RegExp, what: string): void {
  assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
  assert.equal(errorCode(res as never), 'INVALID_CHARACTERS', what);
  const message = (JSON.parse(res.body) as { error: { message: string } }).error.message;
  // The NUL rule names the field by its key; the free-text rule by its name.
  assert.match(message, field, `${what}: the message names the field (${message})`);
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`free text on ${backend}`, () => {
    let t: TestApp;
    let c: TestClient;
    let factorId: string;

    before(async () => {
      t = await startTestApp({ backend });
      c = t.client();
      assert.equal((await c.signUp('text@example.org', PASSWORD)).statusCode, 201);
      const start = await c.post('/api/v1/2fa/totp', {});
      assert.equal(start.statusCode, 201, start.body);
      const { id, secret } = start.json() as { id: string; secret: string };
      factorId = id;
      assert.equal((await c.post('/api/v1/2fa/totp/confirm', { code: totpCode(secret, { now: t.clock.now() }) })).statusCode, 200);
    });
    after(() => t.close());

    it('display name (sign-up, API and page)', async () => {
      for (const [what, value] of BAD) {
        refused(await t.client().signUp(`bad${Math.random()}@example.org`, PASSWORD, value), /display ?name/i, what);
        const page = t.client();
        const csrf = await page.csrfFrom('/sign-up');
        const res = await page.request('POST', '/sign-up', {
          form: { _csrf: csrf, email: `page${Math.random()}@example.org`, password: PASSWORD, displayName: value },
          headers: { accept: 'text/html' },
        });
        assert.equal(res.statusCode, 400, `page, ${what}`);
        assert.match(res.body, /display ?name|NUL/i, `page, ${what}: says which field`);
      }
      assert.equal(await t.store.accounts.findAccountByEmail('bad@example.org'), null);
      // Decomposed "e" + U+0308 is stored composed (NFC): one name, one spelling.
      const ok = await t.client().signUp('good@example.org', PASSWORD, 'Zoe\u0308 Ñandú 李小龍 👩‍💻');
      assert.equal(ok.statusCode, 201, ok.body);
      assert.equal((ok.json() as { account: { displayName: string } }).account.displayName, 'Zoë Ñandú 李小龍 👩‍💻');
    });

    it('authenticator name (rename)', async () => {
      for (const [what, value] of BAD)
        refused(await c.request('PATCH', `/api/v1/2fa/factors/${factorId}`, { body: { name: value } }), /authenticator name|name:/i, what);
      const ok = await c.request('PATCH', `/api/v1/2fa/factors/${factorId}`, { body: { name: GOOD } });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal((ok.json() as { factor: { name: string } }).factor.name, GOOD);
    });

    it('passkey name (rename; the same rule the flow applies)', async () => {
      for (const [what, value] of BAD)
        refused(await c.request('PATCH', '/api/v1/passkeys/no-such-passkey', { body: { name: value } }), /passkey name|name:/i, what);
      // A good name passes validation and reaches the flow, which does not know this passkey.
      const ok = await c.request('PATCH', '/api/v1/passkeys/no-such-passkey', { body: { name: GOOD } });
      assert.equal(errorCode(ok), 'PASSKEY_NOT_FOUND');
    });

    it('anti-phishing phrase (API and page)', async () => {
      for (const [what, value] of BAD) {
        refused(await c.post('/api/v1/security/anti-phishing-phrase', { currentPassword: PASSWORD, phrase: value }), /anti-phishing phrase|phrase:/i, what);
      }
      const csrf = await c.csrfFrom('/security/email');
      const page = await c.request('POST', '/security/email/phrase', {
        form: { _csrf: csrf, currentPassword: PASSWORD, phrase: 'Ann\u202EboB' },
        headers: { accept: 'text/html' },
      });
      assert.equal(page.statusCode, 400);
      assert.match(page.body, /anti-phishing phrase cannot contain/);
      const ok = await c.post('/api/v1/security/anti-phishing-phrase', { currentPassword: PASSWORD, phrase: GOOD });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal((ok.json() as { antiPhishingPhrase: string }).antiPhishingPhrase, GOOD);
      const id = (await t.store.accounts.findAccountByEmail('text@example.org'))!.id;
      const notice = (await t.store.outbox.listMessages({ accountId: id, limit: 20 })).find((m) => m.template === 'anti-phishing-phrase-changed');
      assert.ok(notice?.text.includes(GOOD), 'and it reaches the email as typed');
    });
  });
}
