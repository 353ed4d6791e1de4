// Issue 11, item 10: one-time secrets in emails are never readable from the database. Bodies are sealed at
// rest (AES-256-GCM, key id stored, bound to the row's id and recipient), opened only by the worker and the
// dev mailbox, and dropped once sent or failed; a retention sweep deletes old finished rows. Every check reads
// the database itself (every column of every table, and on SQLite the file's bytes), on both backends.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startTestApp, PASSWORD, NEW_PASSWORD, type Backend, type TestApp } from '../helpers/app.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';
import { queueMessage } from '../../src/mail/queue.js';
import { mailStatus } from '../../src/mail/cli.js';
import { UNOPENABLE } from '../../src/mail/outbox-worker.js';
import { DEFAULT_MAIL_RETENTION_MS } from '../../src/mail/setup.js';

const scratch = mkdtempSync(join(tmpdir(), 'passdesk-mail-sealed-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Raw access to the test app's database, behind the store's back. */
interface RawDb {
  /** Every row of every table as text (all columns), plus on SQLite the bytes of the database file and its WAL. */
  dump(): Promise<string>;
  exec(statement: string, params: unknown[]): Promise<void>;
  close(): Promise<void>;
}

async function rawDb(backend: Backend, url: string): Promise<RawDb> {
  if (backend === 'sqlite') {
    const path = url.replace(/^sqlite:/, '');
    const db = new Database(path);
    return {
      async dump() {
        // What a backup copy of the file would hold once the WAL is folded back in.
        db.pragma('wal_checkpoint(TRUNCATE)');
        const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>;
        const rows = tables.map((t) =>
          JSON.stringify(db.prepare(`select * from "${t.name}"`).all(), (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v)),
        );
        const files = [path, `${path}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f).toString('latin1'));
        return [...rows, ...files].join('\n');
      },
      async exec(statement, params) {
        // $n placeholders (PostgreSQL's) become positional ? with the values in order of appearance.
        const ordered: unknown[] = [];
        db.prepare(
          statement.replace(/\$(\d+)/g, (_m, n: string) => {
            ordered.push(params[Number(n) - 1]);
            return '?';
          }),
        ).run(...ordered);
      },
      async close() {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    async dump() {
      const tables = await client.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = 'public'");
      const out: string[] = [];
      // row::text renders every column of the row, whatever its type.
      for (const t of tables.rows) out.push(...(await client.query<{ r: string }>(`select t::text as r from "${t.table_name}" t`)).rows.map((x) => x.r));
      return out.join('\n');
    },
    async exec(statement, params) {
      await client.query(statement, params);
    },
    async close() {
      await client.end();
    },
  };
}

async function startOn(backend: Backend, config: Record<string, unknown>): Promise<{ t: TestApp; raw: RawDb }> {
  const sqliteUrl = `sqlite:${join(mkdtempSync(join(scratch, 'db-')), 'passdesk.sqlite')}`;
  const t = await startTestApp({ backend, config: { ...(backend === 'sqlite' ? { databaseUrl: sqliteUrl } : {}), ...config } });
  return { t, raw: await rawDb(backend, t.app.config.databaseUrl) };
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`sealed outbox on ${backend}`, () => {
    let smtp: TestSmtpServer;
    let t: TestApp;
    let raw: RawDb;

    before(async () => {
      smtp = await startSmtpServer();
      ({ t, raw } = await startOn(backend, { smtpUrl: smtp.url, smtpSecurity: 'none', mailMaxAttempts: 3 }));
    });
    after(async () => {
      await raw.close();
      await t.close();
      await smtp.close();
    });

    it('no reset token, reset code, "This wasn’t me" link or recovery-address code can be read from the database, before or after delivery', async () => {
      const c = t.client();
      assert.equal((await c.signUp('sealed@example.org', PASSWORD, 'Sealed Person')).statusCode, 201);
      const id = (await t.store.accounts.findAccountByEmail('sealed@example.org'))!.id;
      // A recovery-address code, a "This wasn't me" link (password changed), a reset link and code.
      assert.equal((await c.post('/api/v1/security/recovery-email', { currentPassword: PASSWORD, email: 'backup@example.net' })).statusCode, 202);
      assert.equal((await c.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD })).statusCode, 200);
      assert.equal((await t.client().post('/api/v1/password/reset', { email: 'sealed@example.org' })).statusCode, 202);
      await t.app.deps.background?.idle();

      // What the person will receive (the test helper opens the sealed bodies, as the worker does).
      const mails = await t.store.outbox.listMessages({ accountId: id, limit: 20 });
      const byTemplate = (code: string) => mails.find((m) => m.template === code)?.text ?? '';
      const secrets = {
        recoveryCode: /\b(\d{8})\b/.exec(byTemplate('recovery-email-verification'))?.[1],
        notMeToken: /\/not-me\?token=([A-Za-z0-9_-]+)/.exec(byTemplate('password-changed'))?.[1],
        resetToken: /\/reset\?token=([A-Za-z0-9_-]+)/.exec(byTemplate('password-reset-requested'))?.[1],
        resetCode: /\b(\d{8})\b/.exec(byTemplate('password-reset-requested'))?.[1],
      };
      for (const [name, value] of Object.entries(secrets)) assert.ok(value, `${name} is in its email`);

      const scan = async (when: string) => {
        const dump = await raw.dump();
        assert.ok(dump.includes('sealed@example.org'), 'the scan sees the data (sanity)');
        for (const [name, value] of Object.entries(secrets)) assert.ok(!dump.includes(value!), `${when}: ${name} is not in the database`);
      };
      await scan('queued');

      const before = smtp.received.length;
      const round = await t.app.mail.worker!.drain();
      assert.ok(round.sent >= 3, `delivered (${round.sent})`);
      const delivered = smtp.received
        .slice(before)
        .map((m) => m.text)
        .join('\n');
      for (const [name, value] of Object.entries(secrets)) assert.ok(delivered.includes(value!), `${name} arrived by email`);
      await scan('sent');

      // What `passdesk mail status` and the store keep: subject, recipient, Message-ID, state, attempts.
      const kept = await t.rawStore.outbox.listMessages({ accountId: id, limit: 20 });
      assert.ok(kept.length >= 3 && kept.every((m) => m.state === 'sent' && m.body === null && m.subject && m.messageId && m.to && m.attempts === 1));
    });

    it('a body that was altered or moved to another row does not open: the message is failed, never sent garbled', async () => {
      const deps = { clock: t.clock, random: t.app.deps.random, messageIdDomain: 'localhost', bodies: t.app.mail.bodies };
      const content = (n: number) => ({ subject: `Notice ${n}`, text: `secret text ${n}`, html: `<p>secret html ${n}</p>` });
      const queue = (to: string, n: number) =>
        t.store.transaction((tx) => queueMessage(tx, deps, { to, accountId: null, template: 'test', content: content(n) }));
      const a = await queue('swap-a@example.org', 1);
      const b = await queue('swap-b@example.org', 2);
      const tampered = await queue('tampered@example.org', 3);
      const redirected = await queue('victim@example.org', 4);
      const intact = await queue('intact@example.org', 5);
      // Swap the sealed bodies of a and b; flip one character of another; send one to someone else.
      await raw.exec(`update outbox set body_ciphertext = (select body_ciphertext from outbox where id = $1) where id = $2`, [b.id, a.id]);
      await raw.exec(`update outbox set body_ciphertext = (select body_ciphertext from outbox where id = $1) where id = $2`, [intact.id, b.id]);
      const [row] = await t.rawStore.outbox.listMessages({ to: 'tampered@example.org', limit: 1 });
      const ct = row!.body!.kind === 'sealed' ? row!.body!.ciphertext : '';
      const i = Math.floor(ct.length / 2);
      await raw.exec(`update outbox set body_ciphertext = $1 where id = $2`, [ct.slice(0, i) + (ct[i] === 'A' ? 'B' : 'A') + ct.slice(i + 1), tampered.id]);
      await raw.exec(`update outbox set to_address = $1 where id = $2`, ['attacker@evil.example', redirected.id]);

      const start = smtp.received.length;
      const round = await t.app.mail.worker!.drain();
      assert.deepEqual([round.claimed, round.failed, round.sent], [5, 4, 1]);
      const got = smtp.received.slice(start);
      assert.deepEqual(
        got.map((m) => m.to[0]),
        ['intact@example.org'],
        'only the untouched message went out',
      );
      assert.ok(got[0]!.text.includes('secret text 5'));
      for (const q of [a, b, tampered, redirected]) {
        const m = await t.rawStore.outbox.findMessage(q.id);
        assert.deepEqual([m?.state, m?.lastError, m?.body], ['failed', UNOPENABLE, null], 'failed for good, with the reason, body dropped');
      }
      t.clock.advance(86_400_000);
      assert.equal((await t.app.mail.worker!.drain()).claimed, 0, 'not tried again');
    });

    it('a row queued before bodies were sealed (plaintext) is still sent, then its body is dropped', async () => {
      const now = t.clock.now();
      await raw.exec(
        `insert into outbox (id, message_id, account_id, template, to_address, subject, text_body, html_body, state, attempts, next_attempt_at, created_at, updated_at)
        values ($1, $2, null, 'legacy', 'legacy@example.org', 'Legacy', 'legacy text 27182818', '<p>legacy html</p>', 'queued', 0, $3, $3, $3)`,
        ['legacy-row-1', '<legacy-row-1@localhost>', now],
      );
      const start = smtp.received.length;
      assert.equal((await t.app.mail.worker!.drain()).sent, 1);
      assert.ok(smtp.received[start]?.text.includes('legacy text 27182818'));
      assert.equal((await t.rawStore.outbox.findMessage('legacy-row-1'))?.body, null);
      assert.ok(!(await raw.dump()).includes('27182818'), 'the plaintext is gone from the database');
    });

    it('`passdesk mail status` still counts and lists the messages after their bodies are gone', async () => {
      const lines: string[] = [];
      assert.equal(await mailStatus(t.app.config, { stdout: (l) => lines.push(l), stderr: () => {} }, { json: true }), 0);
      const status = JSON.parse(lines.join('\n')) as { sent: number; failed: number; problems: Array<{ to: string; state: string; lastError: string }> };
      assert.ok(status.sent >= 5, `sent ${status.sent}`);
      assert.equal(status.failed, 4);
      assert.ok(status.problems.some((p) => p.to === 'attacker@evil.example' && p.state === 'failed' && p.lastError === UNOPENABLE));
    });

    it('retention deletes sent and failed messages once they are older than PASSDESK_MAIL_RETENTION, and nothing else', async () => {
      const deps = { clock: t.clock, random: t.app.deps.random, messageIdDomain: 'localhost', bodies: t.app.mail.bodies };
      const finishedBefore = await t.rawStore.outbox.countMessagesByState();
      assert.ok(finishedBefore.sent + finishedBefore.failed > 0);
      // A message that stays unsent (the SMTP server refuses it) however old it gets.
      smtp.refuseWith = { code: 451, message: 'later' };
      const waiting = await t.store.transaction((tx) =>
        queueMessage(tx, deps, { to: 'waiting@example.org', accountId: null, template: 'test', content: { subject: 's', text: 't', html: 'h' } }),
      );
      await t.app.mail.worker!.drain();
      smtp.refuseWith = null;

      t.clock.advance(DEFAULT_MAIL_RETENTION_MS - 86_400_000);
      assert.equal(await t.app.mail.sweepRetention(), 0, 'nothing is old enough yet');
      const recent = await t.store.transaction((tx) =>
        queueMessage(tx, deps, { to: 'recent@example.org', accountId: null, template: 'test', content: { subject: 's', text: 't', html: 'h' } }),
      );
      // Settled now (`waiting` is claimed again too, and stays unsent).
      await t.rawStore.outbox.claimDueMessages({ now: t.clock.now(), limit: 1000, leaseMs: 60_000, owner: 'test' });
      await t.rawStore.outbox.markMessageSent(recent.id, { owner: 'test', now: t.clock.now() });

      t.clock.advance(86_400_000 + 1);
      const deleted = await t.app.mail.sweepRetention();
      assert.equal(deleted, finishedBefore.sent + finishedBefore.failed, 'every old finished message');
      const after = await t.rawStore.outbox.countMessagesByState();
      assert.equal(after.sent, 1, 'the recently sent one stays');
      assert.ok(await t.rawStore.outbox.findMessage(waiting.id), 'an unsent message stays');
      assert.equal(after.failed, 0);
    });
  });
}

describe('retention in the server process', () => {
  it('listen() sweeps at start (and then hourly), by the injected clock', async () => {
    const t = await startTestApp({ config: { port: 0, mailRetention: '1d' } });
    try {
      assert.equal((await t.client().signUp('retained@example.org', PASSWORD)).statusCode, 201);
      const id = (await t.store.accounts.findAccountByEmail('retained@example.org'))!.id;
      const c = t.client();
      await c.signIn('retained@example.org', PASSWORD);
      await c.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
      await t.app.mail.worker!.drain();
      assert.ok((await t.store.outbox.listMessages({ accountId: id, limit: 10 })).length > 0);
      t.clock.advance(86_400_000 + 1);
      await t.app.listen();
      assert.deepEqual(await t.store.outbox.listMessages({ accountId: id, limit: 10 }), [], 'deleted after 1d');
    } finally {
      await t.close();
    }
  });
});

describe('the dev mailbox with sealed bodies', () => {
  it('shows each message in full while the database holds only ciphertext', async () => {
    const backend = 'sqlite';
    const { t, raw } = await startOn(backend, {});
    try {
      assert.equal(t.app.mail.mode, 'dev-mailbox');
      await t.client().signUp('devsealed@example.org', PASSWORD);
      assert.equal((await t.client().post('/api/v1/password/reset', { email: 'devsealed@example.org' })).statusCode, 202);
      await t.app.deps.background?.idle();
      await t.app.mail.worker!.drain();
      const res = await t.client().get('/api/v1/dev/mailbox?to=devsealed@example.org');
      // The reset email (the sign-up's confirmation email went to the same address first).
      const m = (res.json() as { messages: Array<{ state: string; text: string }> }).messages.find((x) => x.text.includes('/reset?token='));
      assert.equal(m?.state, 'sent');
      const token = /\/reset\?token=([A-Za-z0-9_-]+)/.exec(m?.text ?? '')?.[1];
      const code = /\b(\d{8})\b/.exec(m?.text ?? '')?.[1];
      assert.ok(token && code, 'the dev mailbox opens the sealed body');
      const dump = await raw.dump();
      assert.ok(!dump.includes(token) && !dump.includes(code), 'the database does not hold them in the clear');
    } finally {
      await raw.close();
      await t.close();
    }
  });
});
