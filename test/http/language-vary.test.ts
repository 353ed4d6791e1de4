// Answers that differ by language say so to caches: a page or an API error is worded by the saved language of the
// session (Cookie) or the browser's Accept-Language, so every answer with words carries Vary on both, or a shared
// cache could serve one reader's language (or signed-in page) to another.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

function varies(value: string | string[] | number | undefined): string[] {
  return String(value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

describe('Vary on answers with words', () => {
  it('a page varies by Accept-Language and Cookie', async () => {
    const res = await t.client().request('GET', '/sign-in', { headers: { accept: 'text/html', 'accept-language': 'fr' } });
    assert.ok(res.headers['content-language']);
    const vary = varies(res.headers['vary']);
    assert.ok(vary.includes('accept-language'), `vary: ${res.headers['vary']}`);
    assert.ok(vary.includes('cookie'), `vary: ${res.headers['vary']}`);
  });

  it('an API error varies by Accept-Language and Cookie', async () => {
    const res = await t.client().request('GET', '/api/v1/session', { headers: { 'accept-language': 'de' } });
    assert.ok(res.statusCode >= 400);
    const vary = varies(res.headers['vary']);
    assert.ok(vary.includes('accept-language'), `vary: ${res.headers['vary']}`);
    assert.ok(vary.includes('cookie'), `vary: ${res.headers['vary']}`);
  });
});
