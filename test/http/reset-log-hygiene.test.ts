// No reset secret in the logs: the link token (also as it arrives in the /reset?token= URL), the code, the flow
// id and the new password appear nowhere in the log, even at trace level, while the requests themselves are logged.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp } from '../../src/app.js';
import { manualClock } from '../../src/core/clock.js';
import { testConfig } from '../helpers/config.js';
import { PASSWORD, NEW_PASSWORD, withOpenedMail } from '../helpers/app.js';
import { confirmationMail } from '../helpers/sign-up.js';

describe('reset log hygiene', () => {
  it('tokens, codes, flow ids and passwords of a reset never reach the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString('utf8'));
        cb();
      },
    });
    const config = testConfig({});
    const app = await createApp({ config, clock: manualClock(Date.UTC(2026, 10, 23, 9)), logger: pino({ level: 'trace' }, sink) });
    const post = (url: string, body: unknown) =>
      app.server.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', origin: config.baseUrl }, payload: JSON.stringify(body) });
    try {
      assert.equal((await post('/api/v1/accounts', { email: 'quiet@example.org', password: PASSWORD })).statusCode, 202);
      const confirmation = await confirmationMail(app, 'quiet@example.org');
      assert.ok(confirmation);
      assert.equal((await post('/api/v1/accounts/verify', { token: confirmation.token })).statusCode, 201);
      assert.equal((await post('/api/v1/password/reset', { email: 'quiet@example.org' })).statusCode, 202);
      await app.deps.background!.idle();
      const mail = (await withOpenedMail(app.deps.store, app).outbox.listMessages({ limit: 10, to: 'quiet@example.org' })).find(
        (m) => m.template === 'password-reset-requested',
      );
      const token = /\/reset\?token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
      const code = /\b(\d{8})\b/.exec(mail?.text ?? '')?.[1];
      assert.ok(token && code);
      const wrong = code === '11111111' ? '22222222' : '11111111';
      assert.equal((await post('/api/v1/password/reset/verify', { email: 'quiet@example.org', code: wrong })).statusCode, 400);
      // The link opens a page with one button; its POST (token in the form body) uses the token.
      const page = await app.server.inject({ method: 'GET', url: `/reset?token=${token}` });
      assert.equal(page.statusCode, 200);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
      const cookie = (page.cookies as Array<{ name: string; value: string }>).map((c) => `${c.name}=${c.value}`).join('; ');
      assert.ok(csrf);
      const pressed = await app.server.inject({
        method: 'POST',
        url: '/reset/link',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: config.baseUrl, cookie },
        payload: new URLSearchParams({ _csrf: csrf, token }).toString(),
      });
      assert.equal(pressed.statusCode, 303);
      const flowId = /flow=([A-Za-z0-9_-]+)/.exec(String(pressed.headers.location))?.[1];
      assert.ok(flowId);
      assert.equal((await post('/api/v1/password/reset/complete', { flowId, newPassword: NEW_PASSWORD })).statusCode, 200);
      const log = lines.join('');
      assert.match(log, /\/api\/v1\/password\/reset\/complete/, 'the requests are logged');
      for (const secret of [token, code, wrong, flowId, PASSWORD, NEW_PASSWORD]) assert.ok(!log.includes(secret), 'a reset secret is in the log');
    } finally {
      await app.close();
    }
  });
});
