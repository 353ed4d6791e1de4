// The console's accounts in and out (issue 15) through HTTP, on SQLite and PostgreSQL: the import page (a multipart
// upload or pasted lines, a per-line report, a bounded upload, never a hash shown back), the export page and API
// (no hashes unless asked, recorded as such), the deletion page (the person's data downloaded first, a confirmation
// that names the account), and every read of the audit log or of account data recorded in the audit log — with who,
// the filter and how many rows. Administrators only: helpdesk and user are refused every new page and route.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import bcrypt from 'bcryptjs';
import type { LightMyRequestResponse } from 'fastify';
import { startTestApp, errorCode, PASSWORD, type Backend, type TestApp, type TestClient } from '../helpers/app.js';
import { registerAccount } from '../../src/flows/register.js';
import { deletedAccountReference } from '../../src/flows/help-desk/delete-account.js';
import type { AuditEvent } from '../../src/store/index.js';

const html = { accept: 'text/html' };
const WHY = { reason: 'Moving people from the old portal', ticket: 'CHG-7' };
const STALE_MS = 11 * 60_000;
const HASH = bcrypt.hashSync('the old portal password', 4);

interface Upload {
  name: string;
  content: string | Uint8Array;
}

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`help desk console: import, export, deletion and audited reads (${backend})`, () => {
    let t: TestApp;
    let n = 0;
    const ids = new Map<string, string>();
    before(async () => {
      t = await startTestApp({ backend, config: { registration: 'closed' } });
      for (const [email, role] of [
        ['boss@example.org', 'admin'],
        ['desk@example.org', 'helpdesk'],
        ['plain@example.org', 'user'],
        ['already@example.org', 'user'],
      ] as const) {
        const { account } = await registerAccount(t.app.deps, { email, password: PASSWORD, role }, { ip: null, userAgent: null }, { kind: 'cli' });
        ids.set(email, account.id);
      }
    });
    after(() => t.close());

    async function signedIn(email: string): Promise<TestClient> {
      const c = t.client();
      const csrf = await c.csrfFrom('/sign-in');
      const res = await c.request('POST', '/sign-in', { form: { _csrf: csrf, email, password: PASSWORD }, headers: html });
      assert.equal(res.statusCode, 303, res.body);
      return c;
    }
    async function person(): Promise<{ id: string; email: string }> {
      const email = `leaver-${++n}@example.org`;
      const { account } = await registerAccount(t.app.deps, { email, password: PASSWORD, role: 'user' }, { ip: null, userAgent: null }, { kind: 'cli' });
      return { id: account.id, email };
    }
    /** A multipart/form-data post as a browser sends the import form (the CSRF token from `page`). */
    async function upload(c: TestClient, fields: Record<string, string>, file?: Upload, page = '/admin/import'): Promise<LightMyRequestResponse> {
      const form = new FormData();
      form.set('_csrf', await c.csrfFrom(page));
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      if (file) form.set('file', new Blob([file.content]), file.name);
      const request = new Request('http://x/', { method: 'POST', body: form });
      const body = Buffer.from(await request.arrayBuffer());
      return c.request('POST', '/admin/import', { body, headers: { ...html, 'content-type': request.headers.get('content-type') ?? '' } });
    }
    async function submit(c: TestClient, url: string, form: Record<string, string>, page: string): Promise<LightMyRequestResponse> {
      const csrf = await c.csrfFrom(page);
      return c.request('POST', url, { form: { _csrf: csrf, ...form }, headers: html });
    }
    async function events(type: string, o: { accountId?: string; actorId?: string } = {}): Promise<AuditEvent[]> {
      return t.store.events.queryEvents({ type, accountId: o.accountId ?? null, actorId: o.actorId ?? null, limit: 100 });
    }
    const boss = (): string => ids.get('boss@example.org') ?? '';

    describe('import', () => {
      it('a file with one bad line: a per-line report (created, already present, refused with the reason), no hash shown, no-store, audited', async () => {
        const c = await signedIn('boss@example.org');
        const form = await c.get('/admin/import', { headers: html });
        assert.equal(form.statusCode, 200);
        assert.match(form.body, /<form method="post" action="\/admin\/import" enctype="multipart\/form-data"/);
        const csv = [
          'email,name,role,password_hash',
          `imported-1@example.org,First Imported,user,${HASH}`,
          'already@example.org,Already Here,user,',
          'not-an-email,Broken,user,',
          'imported-2@example.org,"Second, Imported",helpdesk,',
        ].join('\r\n');
        const res = await upload(c, { format: 'auto', ...WHY }, { name: 'people.csv', content: csv });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.headers['cache-control'], 'no-store');
        assert.match(res.body, /2 accounts created \(1 without a password\), 1 already present, 1 refused\./);
        const rows = [...res.body.matchAll(/<tr data-line="(\d+)" data-outcome="(\w+)">/g)].map((m) => `${m[1]} ${m[2]}`);
        assert.deepEqual(rows, ['2 created', '3 skipped', '4 failed', '5 created']);
        assert.match(res.body, /Not an email address\. <code>invalid-email<\/code>/);
        assert.match(res.body, /An account with this address exists; it was left as it is\./);
        assert.ok(!res.body.includes(HASH), 'the hash is never shown back');
        assert.equal((await t.store.accounts.findAccountByEmail('imported-1@example.org'))?.passwordHash, HASH);
        assert.equal((await t.store.accounts.findAccountByEmail('imported-2@example.org'))?.role, 'helpdesk');
        const [event] = await events('admin.accounts.import', { actorId: boss() });
        assert.deepEqual(
          [event?.detail?.['reason'], event?.detail?.['ticket'], event?.detail?.['created'], event?.detail?.['skipped'], event?.detail?.['failed']],
          [WHY.reason, WHY.ticket, 2, 1, 1],
        );
        assert.ok(!JSON.stringify(await events('account.imported')).includes(HASH), 'no hash in the audit log');
      });

      it('lines pasted as JSON Lines (format given) import the same way', async () => {
        const c = await signedIn('boss@example.org');
        const pasted = `${JSON.stringify({ email: 'pasted@example.org', name: 'Pasted', role: 'user', password_hash: '' })}\n{"email": "oops"`;
        const res = await upload(c, { format: 'jsonl', pasted, ...WHY });
        assert.equal(res.statusCode, 200, res.body);
        assert.match(res.body, /1 account created \(1 without a password\), 0 already present, 1 refused\./);
        assert.match(res.body, /<code>unreadable-line<\/code>/);
        assert.ok(await t.store.accounts.findAccountByEmail('pasted@example.org'));
      });

      it('refusals show the form again with the reason kept and never the file; nothing is imported', async () => {
        const c = await signedIn('boss@example.org');
        const line = `refused@example.org,Refused,user,${HASH}`;
        const file = { name: 'people.csv', content: `email,name,role,password_hash\n${line}` };
        const cases: Array<[string, Record<string, string>, Upload | undefined, RegExp]> = [
          ['no reason', { format: 'auto' }, file, /Say why \(3 to 500 characters\)/],
          ['nothing chosen', { format: 'auto', ...WHY }, undefined, /Choose a file or paste the lines\./],
          ['both', { format: 'auto', pasted: line, ...WHY }, file, /Choose a file or paste the lines, not both\./],
          ['a name that does not tell', { format: 'auto', ...WHY }, { name: 'people.txt', content: file.content }, /the file name does not tell/],
          ['not UTF-8', { format: 'csv', ...WHY }, { name: 'people.csv', content: new Uint8Array([0x65, 0x6d, 0xff, 0xfe, 0x0a]) }, /not UTF-8 text/],
        ];
        for (const [label, fields, upload_, expected] of cases) {
          const res = await upload(c, fields, upload_);
          assert.equal(res.statusCode, 400, `${label}: ${res.body}`);
          assert.match(res.body, expected, label);
          assert.match(res.body, /id="choose-again"/, label);
          assert.ok(!res.body.includes(HASH) && !res.body.includes('refused@example.org'), `${label}: the file is not shown back`);
          if (fields['reason']) assert.match(res.body, /value="Moving people from the old portal"/, `${label}: the reason is kept`);
        }
        assert.equal(await t.store.accounts.findAccountByEmail('refused@example.org'), null);
      });

      it('a multipart post needs the CSRF token like every form, and only the import takes multipart', async () => {
        const c = await signedIn('boss@example.org');
        const form = new FormData();
        form.set('pasted', 'email\ncsrf-less@example.org');
        form.set('format', 'csv');
        form.set('reason', WHY.reason);
        const request = new Request('http://x/', { method: 'POST', body: form });
        const body = Buffer.from(await request.arrayBuffer());
        const headers = { 'content-type': request.headers.get('content-type') ?? '' };
        const res = await c.request('POST', '/admin/import', { body, headers });
        assert.equal(res.statusCode, 403);
        assert.equal(errorCode(res), 'CSRF_FAILED');
        assert.equal(await t.store.accounts.findAccountByEmail('csrf-less@example.org'), null);
        assert.equal((await c.request('POST', '/admin/export', { body, headers })).statusCode, 415);
      });

      it('an upload is read only for a signed-in administrator: a stranger or an agent is answered before the body is read', async () => {
        const agent = await signedIn('desk@example.org');
        const part = Buffer.from('--b\r\nContent-Disposition: form-data; name="x"\r\n\r\nx\r\n'.repeat(1000));
        for (const [who, cookie, status] of [
          ['stranger', undefined, 303],
          ['agent', [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 403],
        ] as const) {
          // 30 MiB of one-byte fields: undici's parser would spend seconds on it, and the buffer holds all of it.
          let pulled = 0;
          const body = Readable.from(
            (function* () {
              for (let i = 0; i < 600; i++) {
                pulled += part.length;
                yield part;
              }
              yield Buffer.from('--b--\r\n');
            })(),
          );
          const res = await t.app.server.inject({
            method: 'POST',
            url: '/admin/import',
            headers: { ...html, origin: t.app.config.baseUrl, 'content-type': 'multipart/form-data; boundary=b', ...(cookie ? { cookie } : {}) },
            payload: body,
          });
          assert.equal(res.statusCode, status, `${who}: ${res.body.slice(0, 200)}`);
          if (status === 303) assert.equal(res.headers.location, '/sign-in');
          assert.ok(pulled < 2 * 1024 * 1024, `${who}: ${pulled} bytes read before the answer`);
        }
      });

      it('an upload of many small fields is refused before the form is parsed; nothing is imported', async () => {
        const c = await signedIn('boss@example.org');
        const fields: Record<string, string> = { format: 'csv', pasted: 'email\nmany-fields@example.org', ...WHY };
        for (let i = 0; i < 10_000; i++) fields[`x${i}`] = 'x';
        const res = await upload(c, fields);
        assert.equal(res.statusCode, 400, res.body.slice(0, 200));
        assert.equal(await t.store.accounts.findAccountByEmail('many-fields@example.org'), null);
      });

      it('an upload over 32 MiB is refused with a clear 413, before anything is parsed or imported', async () => {
        const c = await signedIn('boss@example.org');
        const big = `email,name,role,password_hash\nbig@example.org,Big,user,\n${'#'.repeat(33 * 1024 * 1024)}`;
        const res = await upload(c, { format: 'auto', ...WHY }, { name: 'big.csv', content: big });
        assert.equal(res.statusCode, 413);
        assert.match(res.body, /The file is larger than 32 MiB\. Import it on the server with passdesk user import\./);
        assert.equal(await t.store.accounts.findAccountByEmail('big@example.org'), null);
      });
    });

    describe('export', () => {
      it('the page downloads CSV without hashes; with hashes only when asked; each export recorded as such', async () => {
        const c = await signedIn('boss@example.org');
        assert.match((await c.get('/admin/export', { headers: html })).body, /id="export-hashes"/);
        const plain = await submit(c, '/admin/export', { format: 'csv', ...WHY }, '/admin/export');
        assert.equal(plain.statusCode, 200, plain.body);
        assert.match(String(plain.headers['content-type']), /^text\/csv/);
        assert.match(String(plain.headers['content-disposition']), /^attachment; filename="passdesk-accounts-\d{4}-\d\d-\d\d\.csv"$/);
        assert.equal(plain.headers['cache-control'], 'no-store');
        const lines = plain.body.trimEnd().split('\r\n');
        assert.equal(lines[0], 'email,name,role,password_hash');
        assert.ok(lines.some((l) => l.startsWith('plain@example.org,')));
        assert.ok(
          lines.slice(1).every((l) => l.endsWith(',')),
          'no hash without asking',
        );
        const count = await t.store.accounts.countAccounts();
        assert.equal(lines.length - 1, count);

        const hashed = await submit(c, '/admin/export', { format: 'jsonl', withHashes: 'yes', ...WHY }, '/admin/export');
        assert.equal(hashed.statusCode, 200);
        const rows = hashed.body
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as { email: string; password_hash: string });
        assert.ok(rows.find((r) => r.email === 'plain@example.org')?.password_hash.startsWith('$argon2id$'));

        const recorded = (await events('admin.accounts.export', { actorId: boss() })).map((e) => [
          e.detail?.['format'],
          e.detail?.['withHashes'],
          e.detail?.['rows'],
        ]);
        assert.deepEqual(recorded.slice(0, 2), [
          ['jsonl', true, count],
          ['csv', false, count],
        ]);
        const refused = await submit(c, '/admin/export', { format: 'csv' }, '/admin/export');
        assert.equal(refused.statusCode, 400);
        assert.match(refused.body, /Say why/);
      });

      it('the API streams the same file, no hashes unless withHashes, and records it', async () => {
        const c = t.client();
        assert.equal((await c.signIn('boss@example.org', PASSWORD)).statusCode, 201);
        const res = await c.post('/api/v1/admin/accounts/export', { ...WHY, format: 'jsonl' });
        assert.equal(res.statusCode, 200, res.body);
        assert.match(String(res.headers['content-type']), /^application\/jsonl/);
        assert.ok(!res.body.includes('$argon2id$'));
        const [event] = await events('admin.accounts.export', { actorId: boss() });
        assert.deepEqual([event?.detail?.['format'], event?.detail?.['withHashes'], event?.detail?.['reason']], ['jsonl', false, WHY.reason]);
        assert.equal((await c.post('/api/v1/admin/accounts/export', { format: 'csv' })).statusCode, 400, 'a reason is required');
      });
    });

    describe('deleting an account', () => {
      it('the export is downloaded first (recorded), the confirmation names the account, then the page says what was removed', async () => {
        const p = await person();
        const leaver = t.client();
        assert.equal((await leaver.signIn(p.email, PASSWORD)).statusCode, 201);
        const c = await signedIn('boss@example.org');
        const page = `/admin/accounts/${p.id}/delete`;
        assert.match((await c.get(`/admin/accounts/${p.id}`, { headers: html })).body, new RegExp(`href="${page}" id="delete-link"`));
        const first = await c.get(page, { headers: html });
        assert.equal(first.statusCode, 200);
        assert.match(first.body, /Not downloaded yet/);
        const link = /href="([^"]+)" id="account-export-link"/.exec(first.body)?.[1];
        assert.equal(link, `/api/v1/admin/accounts/${p.id}/export`);

        const early = await submit(c, page, { confirm: p.email, ...WHY }, page);
        assert.equal(early.statusCode, 409);
        assert.match(early.body, /Download the person’s data first/);
        assert.ok(await t.store.accounts.findAccountById(p.id), 'nothing deleted');

        const exported = await c.get(link ?? '');
        assert.equal(exported.statusCode, 200);
        assert.match(
          String(exported.headers['content-disposition']),
          new RegExp(`^attachment; filename="passdesk-account-${p.id}-\\d{4}-\\d\\d-\\d\\d\\.json"$`),
        );
        assert.equal(exported.headers['cache-control'], 'no-store');
        assert.equal(exported.json().account.email, p.email);
        const [read] = await events('admin.account.export', { accountId: p.id });
        assert.equal(read?.actorId, boss());
        assert.ok(!JSON.stringify(read?.detail).includes(p.email), 'the event counts, it does not copy');
        assert.match((await c.get(page, { headers: html })).body, /You downloaded it at/);

        const wrong = await submit(c, page, { confirm: 'someone-else@example.org', ...WHY }, page);
        assert.equal(wrong.statusCode, 400);
        assert.match(wrong.body, /Type the account’s email address exactly/);
        assert.ok(await t.store.accounts.findAccountById(p.id));

        const done = await submit(c, page, { confirm: p.email.toUpperCase(), ...WHY }, page);
        assert.equal(done.statusCode, 200, done.body);
        assert.equal(done.headers['cache-control'], 'no-store');
        assert.match(done.body, new RegExp(`${p.email.replace('.', '\\.')} was deleted`));
        assert.match(done.body, /<li data-removed="sessions">1 session<\/li>/);
        assert.match(done.body, /help desk events? stays? in the audit log, naming the account deleted:/);
        assert.equal(await t.store.accounts.findAccountById(p.id), null);
        assert.equal((await leaver.get('/api/v1/session')).statusCode, 401);
        const subject = deletedAccountReference(t.app.deps, p.id);
        const deletion = (await events('admin.account.delete', { actorId: boss() })).find((e) => e.detail?.['subject'] === subject);
        assert.equal(deletion?.detail?.['reason'], WHY.reason);
        assert.ok(
          (await events('admin.account.export', { actorId: boss() })).some((e) => e.detail?.['subject'] === subject),
          'the export stays in the audit log under the reference',
        );
      });

      it('the download counts for 30 minutes only', async () => {
        const p = await person();
        const c = await signedIn('boss@example.org');
        assert.equal((await c.get(`/api/v1/admin/accounts/${p.id}/export`)).statusCode, 200);
        t.clock.advance(31 * 60_000);
        const fresh = await signedIn('boss@example.org');
        const page = `/admin/accounts/${p.id}/delete`;
        const res = await submit(fresh, page, { confirm: p.email, ...WHY }, page);
        assert.equal(res.statusCode, 409);
        assert.ok(await t.store.accounts.findAccountById(p.id));
      });
    });

    describe('reads of the audit log are recorded', () => {
      it('the API page, the console page and both exports: who, the filter, how many rows; about the person the filter names', async () => {
        const p = await person();
        const c = await signedIn('boss@example.org');
        assert.equal((await submit(c, `/admin/accounts/${p.id}/unlock`, WHY, `/admin/accounts/${p.id}`)).statusCode, 303);
        const api = t.client();
        assert.equal((await api.signIn('boss@example.org', PASSWORD)).statusCode, 201);

        const page = await api.get(`/api/v1/admin/audit?person=${encodeURIComponent(p.email)}&type=admin.*`);
        assert.equal(page.json().events.length, 1, 'the page does not list its own read');
        const console_ = await c.get(`/admin/audit?person=${p.id}&type=admin.account.*`, { headers: html });
        assert.equal(console_.statusCode, 200);
        const csv = await api.get(`/api/v1/admin/audit?person=${p.id}&format=csv`);
        const csvRows = csv.body.trimEnd().split('\r\n').length - 1;
        const jsonl = await api.get(`/api/v1/admin/audit?actor=${ids.get('desk@example.org')}&format=jsonl`);
        assert.equal(jsonl.statusCode, 200);

        const reads = (await events('admin.audit.read', { actorId: boss() })).slice(0, 4).reverse();
        assert.deepEqual(
          reads.map((e) => [e.accountId, e.detail?.['format'], e.detail?.['filter'], e.detail?.['rows']]),
          [
            [p.id, 'json', { type: 'admin.*' }, 1],
            [p.id, 'json', { type: 'admin.account.*' }, 1],
            [p.id, 'csv', {}, csvRows],
            [null, 'jsonl', { actor: ids.get('desk@example.org') }, 0],
          ],
        );
        assert.ok(
          reads.every((e) => e.sessionId !== null && e.ip !== null),
          'from which session and address',
        );
        // A reviewer filtering by the person sees who read their trail.
        const trail = (await api.get(`/api/v1/admin/audit?person=${p.id}&type=admin.audit.read`)).json();
        assert.equal(trail.events.length, 3);
        assert.ok(trail.events.every((e: { actorId: string }) => e.actorId === boss()));
        // An email that names no account is recorded as typed (it is the filter), about nobody.
        await api.get('/api/v1/admin/audit?person=nobody@example.org');
        const [none] = await events('admin.audit.read', { actorId: boss() });
        assert.deepEqual([none?.accountId, none?.detail?.['filter'], none?.detail?.['rows']], [null, { person: 'nobody@example.org' }, 0]);
      });

      it('a refused read is not a read: helpdesk gets 403 and nothing is recorded', async () => {
        const desk = t.client();
        assert.equal((await desk.signIn('desk@example.org', PASSWORD)).statusCode, 201);
        assert.equal(errorCode(await desk.get('/api/v1/admin/audit?format=csv')), 'FORBIDDEN');
        assert.equal((await events('admin.audit.read', { actorId: ids.get('desk@example.org') })).length, 0);
      });

      it('a read filtered by an actor who is later deleted names the reference instead of the id', async () => {
        const gone = await person();
        const api = t.client();
        assert.equal((await api.signIn('boss@example.org', PASSWORD)).statusCode, 201);
        await api.get(`/api/v1/admin/audit?actor=${gone.id}`);
        assert.equal((await api.request('DELETE', `/api/v1/admin/accounts/${gone.id}`, { body: WHY })).statusCode, 200);
        const reference = deletedAccountReference(t.app.deps, gone.id);
        const reads = await events('admin.audit.read', { actorId: boss() });
        assert.ok(reads.some((e) => (e.detail?.['filter'] as Record<string, string>)?.['actor'] === reference));
        assert.ok(!JSON.stringify(reads).includes(gone.id), 'the id is gone from the audit log');
      });
    });

    describe('who may', () => {
      it('helpdesk and user are refused every new page and route with 403; nothing is imported, exported or deleted', async () => {
        const target = await person();
        for (const email of ['desk@example.org', 'plain@example.org']) {
          const c = await signedIn(email);
          const csrf = await c.csrfFrom('/security');
          const actor = ids.get(email) ?? '';
          const answers: Array<[string, number]> = [
            ['GET /admin/import', (await c.get('/admin/import', { headers: html })).statusCode],
            ['GET /admin/export', (await c.get('/admin/export', { headers: html })).statusCode],
            ['GET delete page', (await c.get(`/admin/accounts/${target.id}/delete`, { headers: html })).statusCode],
            ['POST /admin/import', (await upload(c, { pasted: 'email\nx@example.org', format: 'csv', ...WHY }, undefined, '/security')).statusCode],
            ['POST /admin/export', (await c.request('POST', '/admin/export', { form: { _csrf: csrf, format: 'csv', ...WHY }, headers: html })).statusCode],
            [
              'POST delete page',
              (await c.request('POST', `/admin/accounts/${target.id}/delete`, { form: { _csrf: csrf, confirm: target.email, ...WHY }, headers: html }))
                .statusCode,
            ],
          ];
          const api = t.client();
          assert.equal((await api.signIn(email, PASSWORD)).statusCode, 201);
          answers.push(['GET export data', (await api.get(`/api/v1/admin/accounts/${target.id}/export`)).statusCode]);
          answers.push(['POST export accounts', (await api.post('/api/v1/admin/accounts/export', { ...WHY, format: 'csv' })).statusCode]);
          assert.deepEqual(
            answers.filter(([, status]) => status !== 403),
            [],
            email,
          );
          for (const type of ['admin.accounts.import', 'admin.accounts.export', 'admin.account.export', 'admin.account.delete']) {
            assert.equal((await events(type, { actorId: actor })).length, 0, `${email}: ${type}`);
          }
        }
        assert.equal(await t.store.accounts.findAccountByEmail('x@example.org'), null);
        assert.ok(await t.store.accounts.findAccountById(target.id));
      });

      it('a stale administrator is sent to “Confirm it’s you” and back to the same page', async () => {
        const target = await person();
        const c = await signedIn('boss@example.org');
        t.clock.advance(STALE_MS);
        for (const page of ['/admin/import', '/admin/export', `/admin/accounts/${target.id}/delete`]) {
          const res = await c.get(page, { headers: html });
          assert.equal(res.statusCode, 303, page);
          assert.equal(res.headers.location, `/security/confirm?next=${encodeURIComponent(page)}`);
        }
      });
    });
  });
}
