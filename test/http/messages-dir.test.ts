// An operator's own wording (PASSDESK_MESSAGES_DIR) on a running server: the sign-in page and the API say the
// sentences of the file, links inside them still work, and the code of an error never changes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../helpers/app.js';

describe('a server started with PASSDESK_MESSAGES_DIR', () => {
  let t: TestApp;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'passdesk-messages-'));
    writeFileSync(
      join(dir, 'en.json'),
      JSON.stringify({
        'page.signIn.title': 'Sign in to Example Mail',
        'page.signIn.newHere': 'First time at Example? <a>Make your account here</a>.',
        'page.layout.protectedBy': 'Example Mail accounts, protected by {org} & friends',
        'error.INVALID_CREDENTIALS': 'That address and password do not match an Example Mail account.',
      }),
    );
    t = await startTestApp({ config: { messagesDir: dir } });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('shows the overridden sentences on /sign-in, escaped, with the link of a tag in place', async () => {
    const res = await t.client().get('/sign-in', { headers: { accept: 'text/html' } });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<title>Sign in to Example Mail · Passdesk<\/title>/);
    assert.match(res.body, /<h1[^>]*>Sign in to Example Mail<\/h1>/);
    assert.match(res.body, /First time at Example\? <a href="\/sign-up[^"]*"[^>]*>Make your account here<\/a>\./);
    assert.match(res.body, /Example Mail accounts, protected by Passdesk &amp; friends/);
    assert.doesNotMatch(res.body, /Create an account/, 'the shipped sentence is gone');
  });

  test('the API says the overridden error message; the code stays', async () => {
    const res = await t.client().signIn('nobody@example.org', 'a long enough wrong password');
    assert.equal(res.statusCode, 401);
    assert.deepEqual(JSON.parse(res.body), {
      error: { code: 'INVALID_CREDENTIALS', message: 'That address and password do not match an Example Mail account.' },
    });
  });
});
