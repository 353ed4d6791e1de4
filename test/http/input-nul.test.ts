// Issue 11, item 13: a NUL byte in any string input is a 400 INVALID_CHARACTERS on both stores, never a 500
// (PostgreSQL's text cannot hold U+0000). The test walks EVERY route the server registered — path parameters,
// each query field, each body field, as JSON and as a form — so a route added later is covered too.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, errorCode, PASSWORD, type TestApp } from '../helpers/app.js';
import { routeTable } from '../../src/http/plugins/input-hygiene.js';

const NUL = 'a\u0000b';
/** Form fields the page routes read (they parse forms in the handler, without a declared schema). */
const FORM_FIELDS = [
  'email',
  'password',
  'displayName',
  'name',
  'phrase',
  'code',
  'flow',
  'token',
  'next',
  'currentPassword',
  'newPassword',
  'confirmPassword',
  'answer',
  'username',
  'method',
  'flowId',
];
/** Refusals that come from hooks running before validation (origin check, rate limits…): still never a 500. */
const EARLIER_GATES = new Set([401, 403, 404, 405, 415, 429]);

function shapeKeys(schema: unknown): string[] {
  let s = schema as { shape?: Record<string, unknown>; unwrap?: () => unknown } | undefined;
  for (let i = 0; i < 4 && s && !s.shape && typeof s.unwrap === 'function'; i++) s = s.unwrap() as typeof s;
  return s?.shape ? Object.keys(s.shape) : [];
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`NUL in any input on ${backend}`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ backend, config: { securityQuestions: true } });
      assert.equal((await t.client().signUp('nul@example.org', PASSWORD)).statusCode, 201);
    });
    after(() => t.close());

    it('the sign-in email with a NUL is a 400, not a 500 (the finding)', async () => {
      const res = await t.client().signIn('nul\u0000@example.org', PASSWORD);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(errorCode(res), 'INVALID_CHARACTERS');
      const form = await t
        .client()
        .request('POST', '/sign-in', { form: { email: 'nul@example.org\u0000', password: PASSWORD }, headers: { accept: 'text/html' } });
      assert.equal(form.statusCode, 400, 'the sign-in page too');
      assert.match(form.body, /NUL character/);
    });

    it('a NUL nested deep in a body, or in a key, is refused the same way', async () => {
      const c = t.client();
      await c.signIn('nul@example.org', PASSWORD);
      for (const body of [
        {
          currentPassword: PASSWORD,
          answers: [
            { questionId: 'first-pet', answer: 'ok' },
            { questionId: 'first-street', answer: NUL },
          ],
        },
        { [`key${NUL}`]: 'value' },
      ]) {
        const res = await c.put('/api/v1/security-questions', body);
        assert.deepEqual([res.statusCode, errorCode(res)], [400, 'INVALID_CHARACTERS'], res.body);
      }
    });

    it('every route, with a NUL in each path parameter, query field and body field: 400 INVALID_CHARACTERS, never a 500', async () => {
      await t.app.server.ready();
      const routes = routeTable(t.app.server).filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
      assert.ok(routes.length >= 80, `the route table lists every route (${routes.length})`);
      const c = t.client();
      const results: Array<{ what: string; status: number; code: string | undefined }> = [];
      const probe = async (what: string, method: string, url: string, o: { body?: unknown; form?: Record<string, string> } = {}) => {
        const res = await c.request(method as 'GET', url, o.form ? { form: o.form } : o.body !== undefined ? { body: o.body } : {});
        results.push({ what, status: res.statusCode, code: errorCode(res) });
      };
      for (const r of routes) {
        const params = [...r.url.matchAll(/:(\w+)/g)].map((m) => m[1]!);
        const concrete = r.url.replace(/:(\w+)/g, 'x');
        const label = `${r.method} ${r.url}`;
        for (const p of params)
          await probe(
            `${label} path ${p}`,
            r.method,
            r.url.replace(/:(\w+)/g, (_m, name: string) => (name === p ? 'a%00b' : 'x')),
          );
        const queryKeys = shapeKeys(r.schema?.['querystring']);
        for (const k of queryKeys.length ? queryKeys : ['q']) await probe(`${label} query ${k}`, r.method, `${concrete}?${k}=a%00b`);
        if (r.method === 'GET') continue;
        const bodyKeys = shapeKeys(r.schema?.['body']);
        for (const k of bodyKeys.length ? bodyKeys : FORM_FIELDS) await probe(`${label} body ${k}`, r.method, concrete, { body: { [k]: NUL } });
        // Every field at once, so a schema of strings passes and the NUL would reach the store.
        await probe(`${label} body (all fields)`, r.method, concrete, {
          body: Object.fromEntries((bodyKeys.length ? bodyKeys : FORM_FIELDS).map((k) => [k, NUL])),
        });
        if (!r.schema?.['body']) {
          await probe(`${label} form`, r.method, concrete, { form: Object.fromEntries(FORM_FIELDS.map((k) => [k, NUL])) });
        }
      }
      const serverErrors = results.filter((x) => x.status >= 500);
      assert.deepEqual(serverErrors, [], 'no 500 anywhere');
      const notRefused = results.filter((x) => x.status < 400);
      assert.deepEqual(notRefused, [], 'every NUL is refused');
      const other = results.filter((x) => x.code !== 'INVALID_CHARACTERS' && !EARLIER_GATES.has(x.status));
      assert.deepEqual(other, [], 'refused by the NUL rule, not by chance');
      const byRule = results.filter((x) => x.code === 'INVALID_CHARACTERS').length;
      assert.ok(byRule / results.length > 0.95, `the NUL rule answered ${byRule} of ${results.length}`);
    });
  });
}
