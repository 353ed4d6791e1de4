// Delivery from the outbox to a real SMTP server in this process: what arrives (headers, both parts),
// retries with backoff while the server refuses (the clock is advanced, nothing sleeps), a final "failed"
// after the configured attempts, the metrics, and the worker started by listen().
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, PASSWORD, type TestApp } from '../helpers/app.js';
import { startSmtpServer, decodeHeader, type TestSmtpServer } from '../helpers/smtp.js';
import { queueNotice } from '../../src/mail/notices.js';
import { registerAccount } from '../../src/flows/register.js';
import type { Account } from '../../src/store/index.js';
import { retryDelay } from '../../src/mail/outbox-worker.js';

/** An account made as the CLI makes them (no confirmation email): the messages these tests count are their own. */
async function newAccount(t: TestApp, email: string): Promise<Account> {
  const { account } = await registerAccount(
    t.app.deps,
    { email, password: PASSWORD, displayName: 'Mail Tester' },
    { ip: null, userAgent: null },
    { kind: 'cli' },
  );
  assert.equal(account.email, email);
  return account;
}

function queueSignInNotice(t: TestApp, account: Account) {
  return t.store.transaction((tx) =>
    queueNotice(tx, t.app.deps, {
      account,
      notice: { code: 'new-device-sign-in' },
      origin: { device: 'Firefox on Linux', ip: '198.51.100.4' },
    }),
  );
}

describe('mail delivery over SMTP', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  before(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp({ config: { smtpUrl: smtp.url, smtpSecurity: 'none', mailReplyTo: 'help@example.org', mailMaxAttempts: 3 } });
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  it('the mail mode is SMTP and the dev mailbox is off', async () => {
    assert.equal(t.app.mail.mode, 'smtp');
    assert.equal((await t.client().get('/api/v1/dev/mailbox')).statusCode, 404);
    assert.equal((await t.client().get('/dev/mailbox', { headers: { accept: 'text/html' } })).statusCode, 404);
  });

  it('a queued message arrives with its headers and both parts, and is marked sent after acceptance', async () => {
    const account = await newAccount(t, 'arrives@example.org');
    const [queued] = await queueSignInNotice(t, account);
    assert.ok(queued);
    const before = smtp.received.length;
    const round = await t.app.mail.worker!.drain();
    assert.equal(round.sent, 1);
    const got = smtp.received[before];
    assert.ok(got);
    assert.deepEqual(got.to, ['arrives@example.org']);
    assert.equal(got.from, 'no-reply@localhost');
    assert.equal(got.headers.get('message-id'), queued.messageId, 'the stored Message-ID');
    assert.equal(got.headers.get('from'), 'Passdesk <no-reply@localhost>');
    assert.equal(got.headers.get('reply-to'), 'help@example.org');
    assert.equal(got.headers.get('auto-submitted'), 'auto-generated');
    assert.equal(decodeHeader(got.headers.get('subject') ?? ''), 'New sign-in to your Passdesk account');
    assert.match(got.headers.get('content-type') ?? '', /^multipart\/alternative/);
    assert.ok(got.text.includes('198.51.100.4') && got.text.includes('Firefox on Linux'));
    assert.ok(got.html.includes('<!doctype html>') && got.html.includes('198.51.100.4'));
    assert.ok(got.text.includes('http://127.0.0.1:8080/not-me?token='));
    const stored = await t.store.outbox.findMessage(queued.id);
    assert.equal(stored?.state, 'sent');
    assert.equal(stored?.sentAt, t.clock.now());
  });

  it('while the server refuses, messages are retried with exponential backoff; after it recovers each arrives once', async () => {
    const account = await newAccount(t, 'refused@example.org');
    const worker = t.app.mail.worker!;
    smtp.refuseWith = { code: 451, message: 'Try again later' };
    const queued = [];
    for (let i = 0; i < 5; i++) queued.push(...(await queueSignInNotice(t, account)));
    const start = smtp.received.length;

    const first = await worker.drain();
    assert.deepEqual([first.claimed, first.retrying, first.sent], [5, 5, 0]);
    assert.equal((await worker.drain()).claimed, 0, 'nothing is due again before the backoff');
    t.clock.advance(retryDelay(1, 30_000) - 1);
    assert.equal((await worker.drain()).claimed, 0);
    t.clock.advance(1);
    const second = await worker.drain();
    assert.deepEqual([second.claimed, second.retrying], [5, 5], 'the second attempt, still refused');
    const row = await t.store.outbox.findMessage(queued[0]!.id);
    assert.equal(row?.state, 'retrying');
    assert.equal(row?.attempts, 2);
    assert.equal(row?.nextAttemptAt, t.clock.now() + retryDelay(2, 30_000), 'the wait doubled');
    assert.match(row?.lastError ?? '', /451/);

    smtp.refuseWith = null;
    t.clock.advance(retryDelay(2, 30_000));
    const third = await worker.drain();
    assert.deepEqual([third.claimed, third.sent], [5, 5]);
    const arrived = smtp.received.slice(start).filter((m) => m.to[0] === 'refused@example.org');
    assert.equal(arrived.length, 5, 'all delivered after recovery');
    assert.deepEqual(new Set(arrived.map((m) => m.headers.get('message-id'))), new Set(queued.map((q) => q.messageId)), 'none duplicated, none lost');
    t.clock.advance(86_400_000);
    assert.equal((await worker.drain()).claimed, 0, 'sent messages are never sent again');
  });

  it('after the configured number of attempts a message is failed, and the counts say so', async () => {
    const account = await newAccount(t, 'failing@example.org');
    const worker = t.app.mail.worker!;
    smtp.refuseWith = { code: 421, message: 'Service not available' };
    const [q] = await queueSignInNotice(t, account);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const r = await worker.drain();
      assert.equal(r.claimed, 1);
      assert.equal(r.failed, attempt === 3 ? 1 : 0);
      t.clock.advance(retryDelay(attempt, 30_000));
    }
    smtp.refuseWith = null;
    t.clock.advance(86_400_000);
    assert.equal((await worker.drain()).claimed, 0, 'a failed message is not tried again');
    assert.equal((await t.store.outbox.findMessage(q!.id))?.state, 'failed');
    const counts = await t.store.outbox.countMessagesByState();
    assert.equal(counts.failed, 1);
    assert.equal(counts.sent, 6);
    assert.equal(counts.queued, 0);
    assert.equal(counts.retrying, 0);
    // No metric counts messages: it would move only for addresses that have accounts (src/mail/metrics.ts).
  });
});

describe('the worker in the server process', () => {
  it('listen() starts it: a committed message is delivered without anyone poking', async () => {
    const smtp = await startSmtpServer();
    const t = await startTestApp({ config: { smtpUrl: smtp.url, smtpSecurity: 'none', port: 0 } });
    try {
      await t.app.listen();
      const account = await newAccount(t, 'background@example.org');
      const [q] = await queueSignInNotice(t, account);
      await smtp.waitFor(1);
      assert.equal(smtp.received[0]?.headers.get('message-id'), q!.messageId);
    } finally {
      await t.close();
      await smtp.close();
    }
  });

  it('with PASSDESK_MAIL_WORKER=false the server process leaves delivery to `passdesk worker`', async () => {
    const t = await startTestApp({ config: { mailWorker: false, port: 0 } });
    try {
      await t.app.listen();
      const account = await newAccount(t, 'noworker@example.org');
      const [q] = await queueSignInNotice(t, account);
      // The worker would have taken it at once; give the event loop a few turns and look.
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      assert.equal((await t.store.outbox.findMessage(q!.id))?.state, 'queued');
    } finally {
      await t.close();
    }
  });
});
