// Import through the admin API (issue 15, "Migration in"), on SQLite and PostgreSQL: hashes made by the original
// tools (htpasswd, slappasswd, openssl, Python) sign in over HTTP and are replaced by argon2id at that sign-in;
// every line is reported, a bad line stops nothing, the same file twice changes nothing, no hash is ever echoed or
// audited, and only an administrator may import. A small import runs while existing accounts keep signing in.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { startTestApp, errorCode, PASSWORD, type Backend, type TestApp, type TestClient } from '../helpers/app.js';
import { registerAccount } from '../../src/flows/register.js';
import { makeLegacyHashes } from '../helpers/legacy-hashes.js';

const WHY = { reason: 'Migration from the old portal', ticket: 'CHG-42' };
const OLD_PASSWORD = 'the password from the old system';
const made = makeLegacyHashes(OLD_PASSWORD);
const emailOf = (i: number): string => `migrated-${i}@example.org`;

function csvOf(rows: string[][]): string {
  return ['email,name,role,password_hash', ...rows.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(','))].join('\n');
}

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`account import (${backend})`, () => {
    let t: TestApp;
    let admin: TestClient;
    before(async () => {
      t = await startTestApp({ backend, config: { registration: 'closed' } });
      await registerAccount(t.app.deps, { email: 'admin@example.org', password: PASSWORD, role: 'admin' }, { ip: null, userAgent: null }, { kind: 'cli' });
      await registerAccount(t.app.deps, { email: 'desk@example.org', password: PASSWORD, role: 'helpdesk' }, { ip: null, userAgent: null }, { kind: 'cli' });
      admin = t.client();
      assert.equal((await admin.signIn('admin@example.org', PASSWORD)).statusCode, 201);
    });
    after(() => t.close());

    const rows = (): string[][] => [
      ...made.map((m, i) => [emailOf(i), `Person "${m.label}", migrated`, 'user', m.hash]),
      ['no-hash@example.org', 'No Hash', '', ''],
      ['bad-email', 'Bad', 'user', ''],
      ['des@example.org', 'Old DES', 'user', '{CRYPT}aB5xK2.r4LkEo'],
      ['no-hash@example.org', 'Twice in the file', 'user', ''],
    ];

    it('imports every format, reports each line, and never echoes or audits a hash', async () => {
      const data = csvOf(rows());
      const res = await admin.post('/api/v1/admin/accounts/import', { ...WHY, format: 'csv', data });
      assert.equal(res.statusCode, 200, res.body);
      const report = res.json();
      assert.equal(report.created, made.length + 1);
      assert.equal(report.withoutPassword, 1);
      assert.equal(report.failed, 3);
      const failed = report.lines.filter((l: { outcome: string }) => l.outcome === 'failed');
      assert.deepEqual(
        failed.map((l: { line: number; reason: string }) => [l.line, l.reason]),
        [
          [made.length + 3, 'invalid-email'],
          [made.length + 4, 'unsupported-hash'],
          [made.length + 5, 'duplicate-in-file'],
        ],
      );
      for (const m of made) assert.ok(!res.body.includes(m.hash), 'no hash in the answer');
      const all = (await admin.get('/api/v1/admin/audit?format=jsonl')).body;
      assert.ok(all.includes('account.imported'));
      for (const m of made) assert.ok(!all.includes(m.hash), 'no hash in the audit log');
      const stored = await t.store.accounts.findAccountByEmail(emailOf(0));
      assert.equal(stored?.passwordHash, made[0]?.hash, 'stored as it came');
    });

    it('the same file again changes nothing: every line skipped as existing', async () => {
      const before = await t.store.accounts.countAccounts();
      const res = await admin.post('/api/v1/admin/accounts/import', { ...WHY, format: 'csv', data: csvOf(rows()) });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().created, 0);
      assert.equal(res.json().skipped, made.length + 1);
      assert.equal(await t.store.accounts.countAccounts(), before);
    });

    it('each imported account signs in over HTTP with its old password, and its hash becomes argon2id', async () => {
      for (const [i, m] of made.entries()) {
        const c = t.client();
        assert.equal((await c.signIn(emailOf(i), `${OLD_PASSWORD}!`)).statusCode, 401, `${m.label}: a wrong password is refused`);
        const res = await c.signIn(emailOf(i), OLD_PASSWORD);
        assert.equal(res.statusCode, 201, `${m.label}: ${res.body}`);
        const after = await t.store.accounts.findAccountByEmail(emailOf(i));
        assert.match(after?.passwordHash ?? '', /^\$argon2id\$/, `${m.label} rehashed`);
        assert.notEqual(after?.passwordHash, m.hash, `${m.label}: the old hash is gone`);
        assert.equal((await t.client().signIn(emailOf(i), OLD_PASSWORD)).statusCode, 201, `${m.label} signs in again`);
      }
      assert.equal((await t.client().signIn('no-hash@example.org', '')).statusCode, 400);
      assert.equal((await t.client().signIn('no-hash@example.org', OLD_PASSWORD)).statusCode, 401, 'no hash: a reset first');
    });

    it('the import is audited with the actor and the counts; JSON Lines works too', async () => {
      const jsonl = `${JSON.stringify({ email: 'jsonl@example.org', name: 'J', role: 'helpdesk', password_hash: null })}\n`;
      const res = await admin.post('/api/v1/admin/accounts/import', { ...WHY, format: 'jsonl', data: jsonl });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await t.store.accounts.findAccountByEmail('jsonl@example.org'))?.role, 'helpdesk');
      const audit = await admin.get('/api/v1/admin/audit?type=admin.accounts.import');
      const [last] = audit.json().events;
      assert.equal(last.detail.created, 1);
      assert.equal(last.detail.reason, WHY.reason);
      assert.ok(last.actorId);
    });

    it('existing accounts keep signing in while a large import runs (the import yields between batches)', async () => {
      const data = csvOf(Array.from({ length: 3000 }, (_, i) => [`bulk-${i}@example.org`, `Bulk ${i}`, 'user', '']));
      let importDone = false;
      const importing = admin.post('/api/v1/admin/accounts/import', { ...WHY, format: 'csv', data }).then((res) => {
        importDone = true;
        return res;
      });
      const signIn = await t.client().signIn('desk@example.org', PASSWORD);
      assert.equal(signIn.statusCode, 201);
      assert.equal(importDone, false, 'the sign-in was answered before the import finished');
      assert.equal((await importing).json().created, 3000);
    });

    it('the body (up to 32 MiB) is read only for a signed-in administrator: a stranger or an agent is answered first', async () => {
      const desk = t.client();
      assert.equal((await desk.signIn('desk@example.org', PASSWORD)).statusCode, 201);
      // Small JSON objects by the million: parsing 32 MiB of them takes seconds and most of a gigabyte.
      const objects = Buffer.from('{},'.repeat(16_000));
      for (const [who, cookie, code] of [
        ['stranger', undefined, 'AUTHENTICATION_REQUIRED'],
        ['agent', [...desk.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'FORBIDDEN'],
      ] as const) {
        let pulled = 0;
        const body = Readable.from(
          (function* () {
            yield Buffer.from(`{"reason":"${WHY.reason}","format":"csv","data":[`);
            for (let i = 0; i < 170; i++) {
              pulled += objects.length;
              yield objects;
            }
            yield Buffer.from('{}]}');
          })(),
        );
        const res = await t.app.server.inject({
          method: 'POST',
          url: '/api/v1/admin/accounts/import',
          headers: { 'content-type': 'application/json', origin: t.app.config.baseUrl, ...(cookie ? { cookie } : {}) },
          payload: body,
        });
        assert.equal(errorCode(res), code, `${who}: ${res.body.slice(0, 200)}`);
        assert.ok(pulled < 2 * 1024 * 1024, `${who}: ${pulled} bytes read before the answer`);
      }
    });

    it('only an administrator imports; a help desk agent is refused before anything is read', async () => {
      const desk = t.client();
      assert.equal((await desk.signIn('desk@example.org', PASSWORD)).statusCode, 201);
      const res = await desk.post('/api/v1/admin/accounts/import', { ...WHY, format: 'csv', data: csvOf([['x@example.org', 'X', 'admin', '']]) });
      assert.equal(res.statusCode, 403);
      assert.equal(errorCode(res), 'FORBIDDEN');
      assert.equal(await t.store.accounts.findAccountByEmail('x@example.org'), null);
    });
  });
}
