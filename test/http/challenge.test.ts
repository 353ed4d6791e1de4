// Bot challenges through HTTP (issue 11 items 15 and 7's "an IP limit slows, it does not lock out bystanders"),
// on SQLite and PostgreSQL: single use is the store's.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey as pbkdf2 } from 'altcha-lib/algorithms/pbkdf2';
import { startTestApp, errorCode, PASSWORD, type TestApp, type TestClient } from '../helpers/app.js';
import { encodePayload } from '../../src/core/challenge.js';
import { RESET_MAX_PER_IP } from '../../src/flows/reset-password.js';
import { SIGN_UP_CHALLENGE_AFTER_PER_IP } from '../../src/flows/challenge.js';
import { confirmationMail } from '../helpers/sign-up.js';

/** Solves a challenge with the package's own solver, as an API client would. */
async function solve(challenge: Challenge): Promise<string> {
  const solution = await solveChallenge({ challenge, deriveKey: pbkdf2 });
  assert.ok(solution);
  return encodePayload(challenge, solution);
}

async function fetchSolved(c: TestClient, purpose: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await c.get(`/api/v1/challenge?purpose=${purpose}`, { headers });
  assert.equal(res.statusCode, 200, res.body);
  return solve((JSON.parse(res.body) as { challenge: Challenge }).challenge);
}

function details(res: LightMyRequestResponse): { challenge: Challenge; purpose: string; endpoint: string; header: string } {
  return (JSON.parse(res.body) as { error: { details: { challenge: Challenge; purpose: string; endpoint: string; header: string } } }).error.details;
}

const from = (ip: string, extra: Record<string, string> = {}) => ({ headers: { 'x-forwarded-for': ip, ...extra } });

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`bot challenges with PASSDESK_CHALLENGE=always (${backend})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ backend, config: { challenge: 'always', challengeMaxNumber: 20, trustProxy: 1 } });
    });
    after(() => t.close());

    /** Finishes a sign-up the challenge let through: the emailed link's token makes the account. */
    const confirm = async (c: TestClient, email: string): Promise<LightMyRequestResponse> => {
      const mail = await confirmationMail(t.app, email);
      assert.ok(mail, `a confirmation email went to ${email}`);
      return c.post('/api/v1/accounts/verify', { token: mail.token });
    };

    it('sign-up without a solution is refused with 428 CHALLENGE_REQUIRED and a challenge; with a solved one it passes', async () => {
      const c = t.client();
      const refused = await c.signUp('new@example.org', PASSWORD);
      assert.equal(refused.statusCode, 428);
      assert.equal(errorCode(refused), 'CHALLENGE_REQUIRED');
      const d = details(refused);
      assert.equal(d.purpose, 'sign-up');
      assert.equal(d.header, 'Passdesk-Challenge');
      assert.equal(d.endpoint, '/api/v1/challenge?purpose=sign-up');
      assert.equal(await t.store.accounts.findAccountByEmail('new@example.org'), null, 'nothing was written');
      const ok = await c.post(
        '/api/v1/accounts',
        { email: 'new@example.org', password: PASSWORD },
        { headers: { 'passdesk-challenge': await solve(d.challenge) } },
      );
      assert.equal(ok.statusCode, 202, ok.body);
      assert.equal((await confirm(c, 'new@example.org')).statusCode, 201);
    });

    it('a solution works once: replayed, it is refused with 403 CHALLENGE_INVALID', async () => {
      const c = t.client();
      const solved = await fetchSolved(c, 'sign-up');
      assert.equal(
        (await c.post('/api/v1/accounts', { email: 'first@example.org', password: PASSWORD }, { headers: { 'passdesk-challenge': solved } })).statusCode,
        202,
      );
      const replay = await t
        .client()
        .post('/api/v1/accounts', { email: 'second@example.org', password: PASSWORD }, { headers: { 'passdesk-challenge': solved } });
      assert.equal(replay.statusCode, 403);
      assert.equal(errorCode(replay), 'CHALLENGE_INVALID');
      assert.ok(details(replay).challenge, 'the refusal carries a fresh challenge');
      assert.equal(await t.store.accounts.findAccountByEmail('second@example.org'), null);
      assert.equal(await confirmationMail(t.app, 'second@example.org'), null, 'and no email went out');
    });

    it('a solution is bound to its purpose: a sign-up challenge does not sign in', async () => {
      const c = t.client();
      await c.post(
        '/api/v1/accounts',
        { email: 'bound@example.org', password: PASSWORD },
        { headers: { 'passdesk-challenge': await fetchSolved(c, 'sign-up') } },
      );
      assert.equal((await confirm(c, 'bound@example.org')).statusCode, 201);
      const d = t.client();
      const wrong = await d.post(
        '/api/v1/sessions',
        { email: 'bound@example.org', password: PASSWORD },
        { headers: { 'passdesk-challenge': await fetchSolved(d, 'sign-up') } },
      );
      assert.equal(errorCode(wrong), 'CHALLENGE_INVALID');
      assert.equal((await d.post('/api/v1/sessions', { email: 'bound@example.org', password: PASSWORD })).statusCode, 428, 'and sign-in asks for one');
      const right = await d.post(
        '/api/v1/sessions',
        { email: 'bound@example.org', password: PASSWORD },
        { headers: { 'passdesk-challenge': await fetchSolved(d, 'sign-in') } },
      );
      assert.equal(right.statusCode, 201, right.body);
    });

    it('an expired solution is refused (manual clock)', async () => {
      const c = t.client();
      const solved = await fetchSolved(c, 'sign-up');
      t.clock.advance(10 * 60_000);
      const res = await c.post('/api/v1/accounts', { email: 'late@example.org', password: PASSWORD }, { headers: { 'passdesk-challenge': solved } });
      assert.equal(errorCode(res), 'CHALLENGE_INVALID');
    });

    it('reset requests: without a solution known and unknown addresses get the same 428; with one the same 202, and only the known address gets mail', async () => {
      const c = t.client();
      await c.post(
        '/api/v1/accounts',
        { email: 'known@example.org', password: PASSWORD },
        { headers: { 'passdesk-challenge': await fetchSolved(c, 'sign-up') } },
      );
      assert.equal((await confirm(c, 'known@example.org')).statusCode, 201);
      const account = await t.store.accounts.findAccountByEmail('known@example.org');
      const shape = (res: LightMyRequestResponse): string => {
        const body = JSON.parse(res.body) as { error?: { code: string; message: string; details: Record<string, unknown> } };
        return `${res.statusCode} ${body.error?.code} ${body.error?.message} ${Object.keys(body.error?.details ?? {})
          .sort()
          .join(',')} ${res.headers['content-type']}`;
      };
      const known = await t.client().post('/api/v1/password/reset', { email: 'known@example.org' }, from('203.0.113.20'));
      const unknown = await t.client().post('/api/v1/password/reset', { email: 'ghost@example.org' }, from('203.0.113.21'));
      assert.equal(known.statusCode, 428);
      assert.equal(shape(known), shape(unknown));
      const k = t.client();
      const u = t.client();
      const knownOk = await k.post(
        '/api/v1/password/reset',
        { email: 'known@example.org' },
        from('203.0.113.20', { 'passdesk-challenge': await fetchSolved(k, 'reset') }),
      );
      const unknownOk = await u.post(
        '/api/v1/password/reset',
        { email: 'ghost@example.org' },
        from('203.0.113.21', { 'passdesk-challenge': await fetchSolved(u, 'reset') }),
      );
      assert.equal(knownOk.statusCode, 202);
      assert.equal(knownOk.body, unknownOk.body);
      await t.app.deps.background!.idle();
      const mails = await t.store.outbox.listMessages({ accountId: account!.id, limit: 10 });
      assert.equal(mails.filter((m) => m.template === 'password-reset-requested').length, 1);
    });

    it('the challenge endpoint: no-store, one purpose from a list, 120 a minute per IP', async () => {
      const c = t.client();
      const res = await c.get('/api/v1/challenge?purpose=reset', from('203.0.113.30'));
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['cache-control'], 'no-store');
      const body = JSON.parse(res.body) as { challenge: Challenge; required: boolean };
      assert.equal(body.required, true);
      assert.equal(body.challenge.parameters.data?.['purpose'], 'reset');
      assert.equal((await c.get('/api/v1/challenge?purpose=admin', from('203.0.113.30'))).statusCode, 400);
      assert.equal((await c.get('/api/v1/challenge', from('203.0.113.30'))).statusCode, 400);
      for (let i = 0; i < 119; i++) await c.get('/api/v1/challenge?purpose=sign-in', from('203.0.113.30'));
      assert.equal((await c.get('/api/v1/challenge?purpose=sign-in', from('203.0.113.30'))).statusCode, 429);
      assert.equal((await c.get('/api/v1/challenge?purpose=sign-in', from('203.0.113.31'))).statusCode, 200, 'another IP is not affected');
      t.clock.advance(60_001);
      assert.equal((await c.get('/api/v1/challenge?purpose=sign-in', from('203.0.113.30'))).statusCode, 200);
    });
  });
}

describe('automatic mode (the default): the per-IP sign-in limit asks for a challenge instead of locking everyone out', () => {
  let t: TestApp;
  const office = '203.0.113.9';
  before(async () => {
    t = await startTestApp({ config: { signInMaxFailuresPerAccount: 3, signInMaxFailuresPerIp: 5, challengeMaxNumber: 20, trustProxy: 1 } });
    assert.equal(t.app.config.challenge, 'auto', 'auto is the default');
    await t.client().signUp('colleague@example.org', PASSWORD);
  });
  after(() => t.close());

  it('past the limit an IP gets 428 CHALLENGE_REQUIRED (not a 429 lock); a person behind it solves one and signs in', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await t.client().post('/api/v1/sessions', { email: `user${i}@example.org`, password: 'spray spray spray 1' }, from(office))).statusCode);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 428]);
    const bystander = t.client();
    const asked = await bystander.post('/api/v1/sessions', { email: 'colleague@example.org', password: PASSWORD }, from(office));
    assert.equal(asked.statusCode, 428);
    assert.equal(errorCode(asked), 'CHALLENGE_REQUIRED');
    const solved = await solve(details(asked).challenge);
    const signedIn = await bystander.post(
      '/api/v1/sessions',
      { email: 'colleague@example.org', password: PASSWORD },
      from(office, { 'passdesk-challenge': solved }),
    );
    assert.equal(signedIn.statusCode, 201, signedIn.body);

    const replay = await t
      .client()
      .post('/api/v1/sessions', { email: 'colleague@example.org', password: PASSWORD }, from(office, { 'passdesk-challenge': solved }));
    assert.equal(errorCode(replay), 'CHALLENGE_INVALID', 'a solution signs in once');
  });

  it('a script pays for every further try: a solved challenge buys one guess, and a wrong password is still 401', async () => {
    const c = t.client();
    const guess = await c.post(
      '/api/v1/sessions',
      { email: 'colleague@example.org', password: 'wrong guess with work' },
      from(office, { 'passdesk-challenge': await fetchSolved(c, 'sign-in', from(office).headers) }),
    );
    assert.equal(guess.statusCode, 401);
    assert.equal((await c.post('/api/v1/sessions', { email: 'colleague@example.org', password: 'wrong guess without work' }, from(office))).statusCode, 428);
  });

  it('the per-(email, IP) limit stays as it was: 429 even with a solved challenge', async () => {
    const ip = '198.51.100.44';
    for (let i = 0; i < 3; i++) await t.client().post('/api/v1/sessions', { email: 'colleague@example.org', password: `pair guess ${i} wrong` }, from(ip));
    const c = t.client();
    const res = await c.post(
      '/api/v1/sessions',
      { email: 'colleague@example.org', password: PASSWORD },
      from(ip, { 'passdesk-challenge': await fetchSolved(c, 'sign-in') }),
    );
    assert.equal(res.statusCode, 429);
  });

  it('another IP is not asked; the window passing ends the asking', async () => {
    assert.equal((await t.client().post('/api/v1/sessions', { email: 'colleague@example.org', password: PASSWORD }, from('198.51.100.7'))).statusCode, 201);
    t.clock.advance(15 * 60_000 + 1);
    assert.equal((await t.client().post('/api/v1/sessions', { email: 'colleague@example.org', password: PASSWORD }, from(office))).statusCode, 201);
  });

  it('reset requests past the per-IP limit ask for a challenge instead of silently sending nothing; solved, the email goes', async () => {
    const busy = '203.0.113.77';
    for (let i = 0; i < RESET_MAX_PER_IP; i++) {
      assert.equal((await t.client().post('/api/v1/password/reset', { email: `nobody-${i}@example.org` }, from(busy))).statusCode, 202);
      await t.app.deps.background!.idle();
    }
    const c = t.client();
    const asked = await c.post('/api/v1/password/reset', { email: 'colleague@example.org' }, from(busy));
    assert.equal(asked.statusCode, 428);
    const ok = await c.post(
      '/api/v1/password/reset',
      { email: 'colleague@example.org' },
      from(busy, { 'passdesk-challenge': await solve(details(asked).challenge) }),
    );
    assert.equal(ok.statusCode, 202);
    await t.app.deps.background!.idle();
    const account = await t.store.accounts.findAccountByEmail('colleague@example.org');
    const mails = await t.store.outbox.listMessages({ accountId: account!.id, limit: 10 });
    assert.equal(mails.filter((m) => m.template === 'password-reset-requested').length, 1);
  });

  it('sign-ups: 50 from one IP in an hour pass without work, then a challenge is asked', async () => {
    const ip = '203.0.113.88';
    for (let i = 0; i < SIGN_UP_CHALLENGE_AFTER_PER_IP; i++)
      assert.equal((await t.client().post('/api/v1/accounts', { email: `member${i}@example.org`, password: PASSWORD }, from(ip))).statusCode, 202);
    const asked = await t.client().post('/api/v1/accounts', { email: 'member-next@example.org', password: PASSWORD }, from(ip));
    assert.equal(asked.statusCode, 428);
  });
});

describe('with PASSDESK_CHALLENGE=off the per-IP limit answers 429 as before', () => {
  it('no challenge, no endpoint', async () => {
    const t = await startTestApp({ config: { challenge: 'off', signInMaxFailuresPerIp: 2, trustProxy: 1 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++)
        statuses.push(
          (await t.client().post('/api/v1/sessions', { email: `u${i}@example.org`, password: 'spray spray spray 1' }, from('203.0.113.1'))).statusCode,
        );
      assert.deepEqual(statuses, [401, 401, 429]);
      assert.equal((await t.client().get('/api/v1/challenge?purpose=sign-in')).statusCode, 404);
    } finally {
      await t.close();
    }
  });
});

describe('pages without JavaScript: a time-locked ticket that slows a person, never blocks one', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ config: { challenge: 'always', challengeMaxNumber: 20 } });
  });
  after(() => t.close());

  const field = (body: string, name: string): string | undefined => new RegExp(`name="${name}" value="([^"]*)"`).exec(body)?.[1];

  it('sign-up: sent at once the form asks to wait and keeps the same ticket; pressed again after the delay it sends the confirmation', async () => {
    const c = t.client();
    const page = await c.get('/sign-up', { headers: { accept: 'text/html' } });
    assert.match(page.body, /data-challenge="sign-up"/);
    assert.match(page.body, /<script src="\/assets\/challenge\.[0-9a-f]{10}\.js" defer><\/script>/);
    assert.match(page.body, /data-challenge-worker="\/assets\/altcha-pbkdf2-worker\.[0-9a-f]{10}\.js"/);
    const ticket = field(page.body, '_ticket');
    assert.ok(ticket);
    const form = { _csrf: field(page.body, '_csrf')!, email: 'nojs@example.org', password: PASSWORD, displayName: '', _ticket: ticket, _challenge: '' };
    const early = await c.request('POST', '/sign-up', { form, headers: { accept: 'text/html' } });
    assert.equal(early.statusCode, 428);
    assert.match(early.body, /Wait a few more seconds/);
    assert.equal(field(early.body, '_ticket'), ticket, 'the same ticket: only the rest of the wait is left');
    assert.ok(!early.body.includes(PASSWORD), 'the password is never put back into the page');
    assert.equal(await t.store.accounts.findAccountByEmail('nojs@example.org'), null);

    t.clock.advance(5000);
    const done = await c.request('POST', '/sign-up', { form, headers: { accept: 'text/html' } });
    assert.equal(done.statusCode, 200, done.body);
    assert.match(done.body, /Check your inbox/);
    assert.ok(await confirmationMail(t.app, 'nojs@example.org'), 'the confirmation email went out');

    const replay = await t.client().request('POST', '/sign-up', {
      form: { ...form, email: 'nojs2@example.org' },
      headers: { accept: 'text/html', cookie: `${[...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ')}` },
    });
    assert.equal(replay.statusCode, 403, 'a ticket works once');
    assert.match(replay.body, /used already/);
    assert.ok(field(replay.body, '_ticket') && field(replay.body, '_ticket') !== ticket, 'with a fresh ticket to go on with');
  });

  it('a form sent without any proof gets the form back with a ticket (a person is slowed, not refused for good)', async () => {
    const c = t.client();
    const csrf = await c.csrfFrom('/reset');
    const res = await c.request('POST', '/reset', { form: { _csrf: csrf, email: 'someone@example.org' }, headers: { accept: 'text/html' } });
    assert.equal(res.statusCode, 428);
    const ticket = field(res.body, '_ticket');
    assert.ok(ticket);
    t.clock.advance(5000);
    const sent = await c.request('POST', '/reset', { form: { _csrf: csrf, email: 'someone@example.org', _ticket: ticket }, headers: { accept: 'text/html' } });
    assert.equal(sent.statusCode, 200);
    assert.match(sent.body, /Send again/);
  });

  it('a ticket is bound to its purpose: a reset ticket does not sign in', async () => {
    const c = t.client();
    const resetTicket = field((await c.get('/reset', { headers: { accept: 'text/html' } })).body, '_ticket')!;
    t.clock.advance(5000);
    const csrf = await c.csrfFrom('/sign-in');
    const res = await c.request('POST', '/sign-in', {
      form: { _csrf: csrf, email: 'nojs@example.org', password: PASSWORD, _ticket: resetTicket },
      headers: { accept: 'text/html' },
    });
    assert.equal(res.statusCode, 403);
    assert.equal(c.sessionCookie(), undefined);
  });
});
