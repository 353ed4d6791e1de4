// No "this wasn't me" secret in the logs: the link token (also as it arrives in the /not-me?token= URL) and the
// confirmation id appear nowhere in the log, even at trace level, while the requests themselves are logged.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp } from '../../src/app.js';
import { manualClock } from '../../src/core/clock.js';
import { testConfig } from '../helpers/config.js';
import { confirmationMail } from '../helpers/sign-up.js';
import { PASSWORD, NEW_PASSWORD, withOpenedMail } from '../helpers/app.js';

describe('"this wasn\'t me" log hygiene', () => {
  it('link tokens and confirmation ids never reach the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString('utf8'));
        cb();
      },
    });
    const config = testConfig({ helpdeskEmail: 'helpdesk@example.org' });
    const app = await createApp({ config, clock: manualClock(Date.UTC(2026, 10, 23, 9)), logger: pino({ level: 'trace' }, sink) });
    const json = { 'content-type': 'application/json', origin: config.baseUrl };
    try {
      const created = await app.server.inject({
        method: 'POST',
        url: '/api/v1/accounts',
        headers: json,
        payload: JSON.stringify({ email: 'hush@example.org', password: PASSWORD }),
      });
      assert.equal(created.statusCode, 202);
      // The sign-up's own link: opened (GET, its token in the query) and confirmed (POST, in the body).
      const confirmation = await confirmationMail(app, 'hush@example.org');
      assert.ok(confirmation);
      assert.equal((await app.server.inject({ method: 'GET', url: `/sign-up/verify?token=${confirmation.token}` })).statusCode, 200);
      const verified = await app.server.inject({
        method: 'POST',
        url: '/api/v1/accounts/verify',
        headers: json,
        payload: JSON.stringify({ token: confirmation.token }),
      });
      assert.equal(verified.statusCode, 201);
      const cookie = verified.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      const changed = await app.server.inject({
        method: 'POST',
        url: '/api/v1/password/change',
        headers: { ...json, cookie },
        payload: JSON.stringify({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }),
      });
      assert.equal(changed.statusCode, 200);
      const mail = (await withOpenedMail(app.deps.store, app).outbox.listMessages({ limit: 10, to: 'hush@example.org' })).find(
        (m) => m.template === 'password-changed',
      );
      const token = /\/not-me\?token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
      assert.ok(token);
      const opened = await app.server.inject({ method: 'GET', url: `/not-me?token=${token}` });
      assert.equal(opened.statusCode, 303);
      const confirmId = /flow=([A-Za-z0-9_-]+)/.exec(String(opened.headers.location))?.[1];
      assert.ok(confirmId);
      assert.equal((await app.server.inject({ method: 'GET', url: `/not-me/confirm?flow=${confirmId}` })).statusCode, 200);
      assert.equal((await app.server.inject({ method: 'POST', url: '/api/v1/not-me', headers: json, payload: JSON.stringify({ token }) })).statusCode, 200);
      assert.equal((await app.server.inject({ method: 'POST', url: '/api/v1/not-me', headers: json, payload: JSON.stringify({ token }) })).statusCode, 400);
      const log = lines.join('');
      assert.match(log, /\/api\/v1\/not-me/, 'the requests are logged');
      assert.match(log, /\/not-me\/confirm/);
      assert.match(log, /\/sign-up\/verify/);
      for (const secret of [token, confirmId, confirmation.token, PASSWORD, NEW_PASSWORD]) assert.ok(!log.includes(secret), 'a secret is in the log');
    } finally {
      await app.close();
    }
  });
});
