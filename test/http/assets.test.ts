// The pages' static files: served only under content-hashed names, cached for a year, linked by the pages.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTestApp, type TestApp } from '../helpers/app.js';

const html = { accept: 'text/html' };
const linked = (body: string): string[] => [...body.matchAll(/(?:src|href|data-challenge-worker)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);

describe('assets', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ config: { challenge: 'always' } });
  });
  after(() => t.close());

  it('every asset a page links has a content-hashed name and is served with a year-long immutable cache', async () => {
    const c = t.client();
    const urls = new Set([...linked((await c.get('/sign-in', { headers: html })).body), ...linked((await c.get('/sign-up', { headers: html })).body)]);
    const names = [...urls].map((u) => u.replace(/^\/assets\//, '').replace(/\.[0-9a-f]{10}\./, '.')).sort();
    assert.deepEqual(names, ['altcha-pbkdf2-worker.js', 'app.css', 'app.js', 'challenge.js', 'passkeys.js', 'webauthn-browser.js']);
    for (const url of urls) {
      const res = await c.get(url);
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable', url);
      assert.match(String(res.headers['content-type']), url.endsWith('.css') ? /^text\/css; charset=utf-8$/ : /^text\/javascript; charset=utf-8$/, url);
      const hash = /\.([0-9a-f]{10})\.[a-z]+$/.exec(url)![1];
      assert.equal(createHash('sha256').update(res.body).digest('hex').slice(0, 10), hash, `${url} is named by its content`);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
    }
  });

  it('our scripts are compiled classic scripts (no module syntax, no TypeScript left), the stylesheet is the CSS file', async () => {
    const c = t.client();
    const urls = linked((await c.get('/sign-up', { headers: html })).body).concat(linked((await c.get('/sign-in', { headers: html })).body));
    for (const name of ['app', 'passkeys', 'challenge']) {
      const body = (await c.get(urls.find((u) => u.startsWith(`/assets/${name}.`) && u.endsWith('.js'))!)).body;
      assert.doesNotMatch(body, /^\s*(import|export)\s/m, `${name}.js has no module syntax`);
      assert.doesNotMatch(body, /\binterface\s+\w+\s*\{|:\s*HTMLInputElement\b/, `${name}.js has no types left`);
      assert.doesNotThrow(() => new Function(body), `${name}.js parses as a script`);
    }
    const css = (await c.get(urls.find((u) => u.endsWith('.css'))!)).body;
    assert.match(css, /\[hidden\] \{ display:none !important; \}/);
  });

  it('an unknown hash, an unhashed name or another file answers 404 NOT_FOUND', async () => {
    const c = t.client();
    const cssUrl = linked((await c.get('/sign-in', { headers: html })).body).find((u) => u.endsWith('.css'))!;
    for (const url of [
      '/assets/app.0000000000.css',
      '/assets/app.css',
      '/assets/app.js',
      '/assets/passkeys.js',
      '/assets/challenge.js',
      '/assets/altcha-pbkdf2-worker.js',
      cssUrl.replace(/\.css$/, '.js'),
      '/assets/..%2Fpackage.json',
      '/assets/index.ts',
    ]) {
      const res = await c.get(url);
      assert.equal(res.statusCode, 404, url);
      assert.equal(JSON.parse(res.body).error.code, 'NOT_FOUND', url);
    }
  });
});
