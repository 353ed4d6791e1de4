// No secret in the logs: the SMTP password in PASSDESK_SMTP_URL appears neither in the start-up line that
// names the mail mode nor in the warnings about failed deliveries; no email text is logged either.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp } from '../../src/app.js';
import { manualClock } from '../../src/core/clock.js';
import { queueNotice } from '../../src/mail/notices.js';
import { testConfig } from '../helpers/config.js';
import { startSmtpServer } from '../helpers/smtp.js';

describe('mail log hygiene', () => {
  it('the SMTP password and the email contents never reach the log', async () => {
    const smtp = await startSmtpServer({
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        callback(null, { user: auth.username });
      },
    });
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString('utf8'));
        cb();
      },
    });
    // Every level, so nothing a more verbose operator setting would print is left out.
    const logger = pino({ level: 'trace' }, sink);
    const config = testConfig({ smtpUrl: `smtp://mailer:hunter2-secret@127.0.0.1:${smtp.port}`, smtpSecurity: 'none' });
    const app = await createApp({ config, clock: manualClock(Date.UTC(2026, 10, 23, 9)), logger });
    try {
      const account = await app.deps.store.accounts.createAccount({
        id: 'log-hygiene',
        email: 'logs@example.org',
        emailNormalized: 'logs@example.org',
        displayName: 'Logs',
        role: 'user',
        passwordHash: null,
        now: app.deps.clock.now(),
      });
      assert.ok(account);
      smtp.refuseWith = { code: 451, message: 'Greylisted, try again' };
      await app.deps.store.transaction((tx) =>
        queueNotice(tx, app.deps, {
          account,
          notice: { code: 'password-reset-requested', resetToken: 'secret-reset-token', resetCode: '97531864', minutes: 30, situation: 'requested' },
          origin: { device: 'Test', ip: '127.0.0.1' },
        }),
      );
      assert.equal((await app.mail.worker!.drain()).retrying, 1);
      smtp.refuseWith = null;
      const log = lines.join('');
      assert.match(log, /mail: SMTP smtp:\/\/mailer@127\.0\.0\.1:\d+ \(none\)/, 'the mode is logged at start');
      assert.match(log, /mail delivery failed; will retry/, 'the failure is logged');
      assert.match(log, /451/);
      for (const secret of ['hunter2-secret', 'secret-reset-token', '97531864']) assert.ok(!log.includes(secret), `${secret} is not in the log`);
    } finally {
      await app.close();
      await smtp.close();
    }
  });
});
