// The dev mailbox: with no SMTP server outside production, messages are kept and shown at /dev/mailbox
// and GET /api/v1/dev/mailbox. It is off in production and whenever SMTP is configured, and exists only on a
// loopback base URL unless PASSDESK_DEV_MAILBOX=true; a public base URL with neither refuses to start.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, errorCode, PASSWORD, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';
import { createApp } from '../../src/app.js';
import { ConfigError } from '../../src/config.js';
import { queueNotice } from '../../src/mail/notices.js';

describe('dev mailbox', () => {
  let t: TestApp;
  let id: string;

  before(async () => {
    t = await startTestApp();
    await t.client().signUp('dev@example.org', PASSWORD, 'Dev <i>Person</i>');
    const account = await t.store.accounts.findAccountByEmail('dev@example.org');
    assert.ok(account);
    const [q] = await t.store.transaction((tx) =>
      queueNotice(tx, t.app.deps, {
        account,
        notice: { code: 'password-reset-requested', resetToken: 'tok123', resetCode: '12345678', minutes: 30, situation: 'requested' },
        origin: { device: 'Firefox on Linux', ip: '127.0.0.1' },
      }),
    );
    id = q!.id;
    await t.app.mail.worker!.drain();
  });
  after(() => t.close());

  it('is on without SMTP outside production', () => {
    assert.equal(t.app.mail.mode, 'dev-mailbox');
  });

  it('GET /api/v1/dev/mailbox lists the messages with both parts, delivered to the mailbox', async () => {
    const res = await t.client().get('/api/v1/dev/mailbox?to=dev@example.org');
    assert.equal(res.statusCode, 200);
    const { messages: all } = res.json() as {
      messages: Array<{ id: string; to: string; subject: string; state: string; text: string; html: string; messageId: string; template: string }>;
    };
    // Signing up sent the address its confirmation too.
    assert.deepEqual(all.map((m) => m.template).sort(), ['password-reset-requested', 'sign-up-confirmation']);
    const messages = all.filter((m) => m.template === 'password-reset-requested');
    assert.equal(messages[0]?.id, id);
    assert.equal(messages[0]?.state, 'sent');
    assert.equal(messages[0]?.subject, 'Reset your Passdesk password');
    assert.ok(messages[0]?.text.includes('12345678'));
    assert.ok(messages[0]?.html.includes('http://127.0.0.1:8080/reset?token=tok123'));
  });

  it('the API refuses unknown and bad query fields with a 400, never a 500', async () => {
    for (const q of ['?nope=1', '?limit=0', '?limit=abc', '?limit=100000', `?to=${'x'.repeat(300)}`]) {
      const res = await t.client().get(`/api/v1/dev/mailbox${q}`);
      assert.equal(res.statusCode, 400, q);
      assert.equal(errorCode(res), 'VALIDATION_FAILED');
    }
  });

  it('the /dev/mailbox page lists messages, and each can be read as text and as rendered HTML', async () => {
    const c = t.client();
    const list = await c.get('/dev/mailbox', { headers: { accept: 'text/html' } });
    assert.equal(list.statusCode, 200);
    assert.match(list.headers['content-type'] as string, /^text\/html/);
    assert.ok(list.body.includes(`href="/dev/mailbox/${id}"`));
    assert.ok(list.body.includes('Development mailbox'));
    const one = await c.get(`/dev/mailbox/${id}`, { headers: { accept: 'text/html' } });
    assert.equal(one.statusCode, 200);
    assert.ok(one.body.includes('12345678'));
    assert.ok(one.body.includes('Dev &lt;i&gt;Person&lt;/i&gt;'), 'the text part is escaped in the page');
    const rendered = await c.get(`/dev/mailbox/${id}/html`, { headers: { accept: 'text/html' } });
    assert.equal(rendered.statusCode, 200);
    assert.ok(rendered.body.startsWith('<!doctype html>'));
    assert.match(rendered.headers['content-security-policy'] as string, /default-src 'none'/, 'no script runs in a shown email');
    const text = await c.get(`/dev/mailbox/${id}/text`);
    assert.match(text.headers['content-type'] as string, /^text\/plain/);
    assert.ok(text.body.includes('12345678'));
    assert.equal((await c.get('/dev/mailbox/no-such-message', { headers: { accept: 'text/html' } })).statusCode, 404);
  });
});

describe('dev mailbox off', () => {
  it('in production mode without SMTP: no mailbox, messages wait in the outbox', async () => {
    const t = await startTestApp({ config: { environment: 'production' } });
    try {
      assert.equal(t.app.mail.mode, 'off');
      assert.equal(t.app.mail.worker, null);
      assert.equal((await t.client().get('/api/v1/dev/mailbox')).statusCode, 404);
      assert.equal((await t.client().get('/dev/mailbox', { headers: { accept: 'text/html' } })).statusCode, 404);
      assert.match(t.app.mail.describe(), /not sent until SMTP is configured/);
    } finally {
      await t.close();
    }
  });
});

describe('dev mailbox only where nobody else can read it', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'passdesk-dev-mailbox-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('a public base URL with no SMTP and no opt-in refuses to start, in one line saying what to set, before opening the database', async () => {
    for (const baseUrl of ['https://id.example.org', 'http://10.0.0.5:8080', 'http://[2001:db8::1]:8080', 'http://localhost.example.org']) {
      const dbFile = join(scratch, `${baseUrl.replace(/\W+/g, '_')}.sqlite`);
      const config = testConfig({ baseUrl, databaseUrl: `sqlite:${dbFile}` });
      await assert.rejects(
        createApp({ config }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, String(err));
          assert.ok(!err.message.includes('\n'), 'one line');
          assert.match(
            err.message,
            /^PASSDESK_SMTP_URL is not set and PASSDESK_BASE_URL \(.+\) is not loopback, so the dev mailbox would show every email, reset links included, to anyone: set PASSDESK_SMTP_URL to send mail, or PASSDESK_ENV=production to keep messages queued unsent, or PASSDESK_DEV_MAILBOX=true if this server is truly private$/,
          );
          return true;
        },
        baseUrl,
      );
      assert.equal(existsSync(dbFile), false, 'nothing was created');
    }
  });

  it('loopback base URLs keep it: localhost, 127.0.0.0/8 and [::1]', async () => {
    for (const baseUrl of ['http://localhost:8080', 'http://127.0.0.1:8080', 'http://127.8.9.10:3000', 'http://[::1]:8080']) {
      const t = await startTestApp({ config: { baseUrl } });
      try {
        assert.equal(t.app.mail.mode, 'dev-mailbox', baseUrl);
        assert.equal((await t.client().get('/api/v1/dev/mailbox')).statusCode, 200, baseUrl);
      } finally {
        await t.close();
      }
    }
  });

  it('PASSDESK_DEV_MAILBOX=true keeps it on a public base URL (the operator said so)', async () => {
    const t = await startTestApp({ config: { baseUrl: 'https://id.example.org', devMailbox: 'true' } });
    try {
      assert.equal(t.app.mail.mode, 'dev-mailbox');
      assert.equal((await t.client().get('/api/v1/dev/mailbox')).statusCode, 200);
    } finally {
      await t.close();
    }
  });

  it('with SMTP the public base URL starts, with no mailbox', async () => {
    const t = await startTestApp({ config: { baseUrl: 'https://id.example.org', smtpUrl: 'smtp://127.0.0.1:1' } });
    try {
      assert.equal(t.app.mail.mode, 'smtp');
      assert.equal((await t.client().get('/api/v1/dev/mailbox')).statusCode, 404);
      assert.equal((await t.client().get('/dev/mailbox', { headers: { accept: 'text/html' } })).statusCode, 404);
    } finally {
      await t.close();
    }
  });

  it('production is unchanged (no SMTP: messages wait, no mailbox) and refuses the opt-in', async () => {
    const t = await startTestApp({ config: { baseUrl: 'https://id.example.org', environment: 'production' } });
    try {
      assert.equal(t.app.mail.mode, 'off');
      assert.equal((await t.client().get('/api/v1/dev/mailbox')).statusCode, 404);
    } finally {
      await t.close();
    }
    const config = testConfig({ baseUrl: 'http://127.0.0.1:8080', environment: 'production', devMailbox: true });
    await assert.rejects(
      createApp({ config }),
      /^ConfigError: PASSDESK_DEV_MAILBOX: the dev mailbox is never on in production; set PASSDESK_SMTP_URL to send mail$/,
    );
  });
});
