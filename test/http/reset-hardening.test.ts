// Password reset findings of issue 11, black-box over HTTP on SQLite and PostgreSQL: the code limit under a
// parallel burst (one node and two), nobody can block someone else's reset, the code check takes the same time
// for known and unknown addresses, and a reset applies the whole password policy (also after "This wasn't me").
// Emails are read from the outbox; the clock is injected, never slept on.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { LightMyRequestResponse } from 'fastify';
import { createApp, type App } from '../../src/app.js';
import { openStore } from '../../src/store/index.js';
import { RESET_CODE_MAX_ATTEMPTS } from '../../src/store/password-resets.js';
import { startTestApp, errorCode, PASSWORD, NEW_PASSWORD, type TestApp, type TestClient, type Backend } from '../helpers/app.js';

const BASE = 'https://id.example.org';
const INTRUDER_1 = 'the intruder chose this passphrase';
const INTRUDER_2 = 'and then the intruder chose this one';
const OWN_NEW = 'my own fresh passphrase after all that';

function harness(getApp: () => TestApp) {
  let ipCounter = 0;
  const freshIp = (): string => `198.51.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;
  const client = (ip = freshIp()): TestClient & { ip: string } => {
    const c = getApp().client() as TestClient & { ip: string };
    c.ip = ip;
    const request = c.request.bind(c);
    c.request = (method, url, o = {}) => request(method, url, { ...o, headers: { origin: BASE, 'x-forwarded-for': c.ip, ...o.headers } });
    return c;
  };
  const uniqueEmail = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}@example.org`;
  async function account(email: string, c = client()): Promise<string> {
    const res = await c.signUp(email, PASSWORD);
    assert.equal(res.statusCode, 201, res.body);
    return (res.json() as { account: { id: string } }).account.id;
  }
  async function askReset(email: string, c = client()): Promise<void> {
    getApp().clock.advance(1000);
    assert.equal((await c.post('/api/v1/password/reset', { email })).statusCode, 202);
    await getApp().app.deps.background!.idle();
  }
  /** Every reset email of the account, newest first, as {token, code}. Each email goes to one address here. */
  async function resetEmails(accountId: string): Promise<Array<{ token: string; code: string }>> {
    const all = await getApp().store.outbox.listMessages({ accountId, limit: 200 });
    return all
      .filter((m) => m.template === 'password-reset-requested')
      .map((m) => {
        const token = /\/reset\?token=([A-Za-z0-9_-]+)/.exec(m.text)?.[1];
        // The code as the sentence gives it: a bare 8-digit pattern also matched the random part of an address
        // (cap-12345678@…) about once in 40 runs.
        const code = /reset page: (\d{8})/.exec(m.text)?.[1];
        assert.ok(token && code);
        return { token, code };
      });
  }
  const wrongCode = (code: string, i: number): string => String((Number(code) + 1 + i) % 100_000_000).padStart(8, '0');
  const flowIdOf = (res: LightMyRequestResponse): string => {
    assert.equal(res.statusCode, 200, res.body);
    return (res.json() as { flowId: string }).flowId;
  };
  return { client, freshIp, uniqueEmail, account, askReset, resetEmails, wrongCode, flowIdOf };
}

/** Sends every guess at once through inject; answers in the order sent. */
function burst(app: App, email: string, codes: string[], ipOf: (i: number) => string): Promise<LightMyRequestResponse[]> {
  return Promise.all(
    codes.map((code, i) =>
      app.server.inject({
        method: 'POST',
        url: '/api/v1/password/reset/verify',
        headers: { 'content-type': 'application/json', origin: BASE, 'x-forwarded-for': ipOf(i) },
        payload: JSON.stringify({ email, code }),
      }),
    ),
  );
}

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`reset hardening on ${backend}`, () => {
    let t: TestApp;
    let withHistory: TestApp;
    const h = harness(() => t);
    const hh = harness(() => withHistory);

    before(async () => {
      t = await startTestApp({ backend, config: { baseUrl: BASE, trustProxy: 1, devMailbox: true } });
      withHistory = await startTestApp({ backend, config: { baseUrl: BASE, trustProxy: 1, devMailbox: true, passwordHistory: 3 } });
    });
    after(async () => {
      await t.close();
      await withHistory.close();
    });

    // ---- item 3: the code limit holds under a parallel burst ----

    it('800 wrong codes and the right one at once: only 5 codes are checked, the right one is refused, the link still works', async () => {
      const email = h.uniqueEmail('burst');
      const id = await h.account(email);
      await h.askReset(email);
      const [{ code, token }] = (await h.resetEmails(id)) as [{ token: string; code: string }];
      const codes = [...Array.from({ length: 800 }, (_, i) => h.wrongCode(code, i)), code];
      const answers = await burst(t.app, email, codes, (i) => `10.3.${Math.floor(i / 250)}.${i % 250}`);
      const statuses = answers.map((r) => r.statusCode);
      assert.deepEqual([...new Set(statuses)], [400], `no 200 and no 500: ${[...new Set(statuses)].join(',')}`);
      assert.ok(answers.every((r) => errorCode(r) === 'RESET_CODE_INVALID'));
      const events = await t.store.events.listEvents(id, { limit: 1000 });
      assert.equal(events.filter((e) => e.type === 'password.reset_code_failed').length, 801, 'every try is in the audit log');
      assert.equal(errorCode(await h.client().post('/api/v1/password/reset/verify', { email, code })), 'RESET_CODE_INVALID', 'the code path is spent');
      assert.equal(h.flowIdOf(await h.client().post('/api/v1/password/reset/verify', { token })).length, 43, 'the emailed link still works');
    });

    if (backend === 'postgres') {
      it('two nodes sharing one PostgreSQL database: a burst split across both still gets 5 checks in all', async () => {
        const second = await createApp({ config: t.app.config, clock: t.clock, store: openStore(t.app.config.databaseUrl) });
        try {
          const email = h.uniqueEmail('two-nodes');
          const id = await h.account(email);
          await h.askReset(email);
          const [{ code, token }] = (await h.resetEmails(id)) as [{ token: string; code: string }];
          const wrong = Array.from({ length: 400 }, (_, i) => h.wrongCode(code, i));
          const [a, b] = await Promise.all([
            burst(t.app, email, wrong.slice(0, 200), (i) => `10.4.0.${i}`),
            burst(second, email, [...wrong.slice(200), code], (i) => `10.4.1.${i}`),
          ]);
          const all = [...a, ...b];
          assert.deepEqual([...new Set(all.map((r) => r.statusCode))], [400]);
          // The code is spent on both nodes, and the store counted exactly the limit.
          for (const node of [t.app, second]) {
            const res = await node.server.inject({
              method: 'POST',
              url: '/api/v1/password/reset/verify',
              headers: { 'content-type': 'application/json', origin: BASE },
              payload: JSON.stringify({ email, code }),
            });
            assert.equal(errorCode(res), 'RESET_CODE_INVALID');
          }
          const live = await t.store.passwordResets.findLiveResetByToken(createHash('sha256').update(token).digest('hex'), t.clock.now());
          assert.equal(live?.codeAttempts, RESET_CODE_MAX_ATTEMPTS, 'exactly the limit, across both nodes');
          h.flowIdOf(await h.client().post('/api/v1/password/reset/verify', { token }));
        } finally {
          await second.close();
        }
      });
    }

    // ---- item 6: nobody can block someone else's reset ----

    it("a stranger cannot block the reset: after 3 requests each followed by 5 wrong codes, the owner's links work, and so does a later request", async () => {
      const email = h.uniqueEmail('blocked');
      const id = await h.account(email);
      const stranger = h.client();
      for (let round = 0; round < 3; round++) {
        await h.askReset(email, stranger);
        for (let i = 0; i < 5; i++) {
          const res = await stranger.post('/api/v1/password/reset/verify', { email, code: String(10_000_000 + round * 10 + i) });
          assert.equal(errorCode(res), 'RESET_CODE_INVALID');
        }
      }
      // The owner asks too: the cap (3 working links in 15 minutes) sends nothing, and voids nothing.
      await h.askReset(email, h.client());
      const inbox = await h.resetEmails(id);
      assert.equal(inbox.length, 3, 'three emails reached the owner');
      // Opening any of them still works (read-only page), and the newest one resets the password.
      for (const { token } of inbox) {
        const page = await h.client().get(`/reset?token=${token}`, { headers: { accept: 'text/html' } });
        assert.equal(page.statusCode, 200, 'the link still works');
      }
      const flowId = h.flowIdOf(await h.client().post('/api/v1/password/reset/verify', { token: inbox[0]!.token }));
      assert.equal((await h.client().post('/api/v1/password/reset/complete', { flowId, newPassword: NEW_PASSWORD })).statusCode, 200);
      assert.equal((await h.client().signIn(email, NEW_PASSWORD)).statusCode, 201);
      // A completed reset ends the others.
      assert.equal(errorCode(await h.client().post('/api/v1/password/reset/verify', { token: inbox[1]!.token })), 'RESET_LINK_INVALID');
    });

    it("once the stranger's links are used or expired, the owner's own request delivers a working link at once", async () => {
      const email = h.uniqueEmail('cap');
      const id = await h.account(email);
      const stranger = h.client();
      for (let round = 0; round < 3; round++) await h.askReset(email, stranger);
      assert.equal((await h.resetEmails(id)).length, 3);
      // The owner uses one of the three: two working links remain, so the cap no longer refuses.
      h.flowIdOf(await h.client().post('/api/v1/password/reset/verify', { token: (await h.resetEmails(id))[2]!.token }));
      await h.askReset(email, h.client());
      const inbox = await h.resetEmails(id);
      assert.equal(inbox.length, 4, "the owner's request sent an email");
      h.flowIdOf(await h.client().post('/api/v1/password/reset/verify', { email, code: inbox[0]!.code }));
    });

    // ---- item 8: the code check takes the same time for known and unknown addresses ----

    it('reset/verify {email, code} does not tell a known address from an unknown one (150 pairs within 25%, a classifier near chance; real time)', async (tc) => {
      // Each known address has a live reset, so its wrong code reaches the store's counter (the expensive case).
      const known: string[] = [];
      for (let i = 0; i < 75; i++) {
        const email = h.uniqueEmail('timing');
        await t.store.accounts.createAccount({
          id: randomUUID(),
          email,
          emailNormalized: email,
          displayName: 'Timing',
          role: 'user',
          passwordHash: '$argon2id$unused',
          now: t.clock.now(),
        });
        await h.askReset(email);
        known.push(email);
      }
      const once = async (email: string, i: number): Promise<number> => {
        const start = performance.now();
        const res = await t.app.server.inject({
          method: 'POST',
          url: '/api/v1/password/reset/verify',
          remoteAddress: `10.8.${Math.floor(i / 200)}.${i % 200}`,
          headers: { 'content-type': 'application/json', origin: BASE },
          payload: JSON.stringify({ email, code: '00000000' }),
        });
        const ms = performance.now() - start;
        assert.equal(errorCode(res), 'RESET_CODE_INVALID');
        return ms;
      };
      for (let i = 0; i < 20; i++) await once(i % 2 ? known[i]! : `warm-${i}@example.net`, 5000 + i);
      const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const measure = async (round: number): Promise<{ gap: number; accuracy: number; unknown: number; line: string }> => {
        const k: number[] = [];
        const u: number[] = [];
        // Two checks per known address per round (its code budget is 5). Pairs alternate which goes first, so
        // neither the machine's drift nor a first-in-pair effect falls on one side only.
        for (let i = 0; i < 150; i++) {
          const ip = 1000 * round + 2 * i;
          const knownFirst = i % 2 === 0;
          const ghost = `ghost-${round}-${i}-${randomUUID().slice(0, 6)}@example.org`;
          if (knownFirst) k.push(await once(known[i % known.length]!, ip));
          u.push(await once(ghost, ip + 1));
          if (!knownFirst) k.push(await once(known[i % known.length]!, ip));
        }
        // The median of paired differences, so drift of the machine's load falls out; relative, so one bar holds on
        // SQLite (about 1 ms a check) and PostgreSQL (a WAL flush, several ms).
        const gap = median(k.map((x, i) => x - u[i]!));
        // An attacker's classifier: "known" when a time is above the median of all times. 50% is chance.
        const all = median([...k, ...u]);
        const right = k.filter((x) => x > all).length + u.filter((x) => x <= all).length;
        const accuracy = right / (k.length + u.length);
        return {
          gap,
          accuracy,
          unknown: median(u),
          line: `${backend}: median known ${median(k).toFixed(3)} ms, unknown ${median(u).toFixed(3)} ms, paired gap ${gap.toFixed(3)} ms, classifier ${(accuracy * 100).toFixed(0)}%`,
        };
      };
      const holds = (m: { gap: number; accuracy: number; unknown: number }): boolean => Math.abs(m.gap) < 0.25 * m.unknown && m.accuracy < 0.7;
      // Real time on a shared machine: a round that misses the bars is measured once more, and the second decides.
      // An oracle like the one this closed (90% classified) misses both; noise rarely misses twice in a row.
      let m = await measure(1);
      tc.diagnostic(m.line);
      if (!holds(m)) {
        m = await measure(2);
        tc.diagnostic(`again: ${m.line}`);
      }
      assert.ok(Math.abs(m.gap) < 0.25 * m.unknown, `paired gap ${m.gap.toFixed(3)} ms of ${m.unknown.toFixed(3)} ms`);
      assert.ok(m.accuracy < 0.7, `an attacker classifies ${(m.accuracy * 100).toFixed(0)}% correctly`);
    });

    // ---- item 9: a reset applies the whole policy ----

    async function resetTo(hx: typeof h, email: string, id: string, password: string): Promise<LightMyRequestResponse> {
      await hx.askReset(email);
      const [{ token }] = (await hx.resetEmails(id)) as [{ token: string; code: string }];
      const flowId = hx.flowIdOf(await hx.client().post('/api/v1/password/reset/verify', { token }));
      return hx.client().post('/api/v1/password/reset/complete', { flowId, newPassword: password });
    }

    it('a reset to the current password is refused with PASSWORD_UNCHANGED; the password stays', async () => {
      const email = h.uniqueEmail('same');
      const id = await h.account(email);
      const res = await resetTo(h, email, id, PASSWORD);
      assert.equal(res.statusCode, 400);
      assert.equal(errorCode(res), 'PASSWORD_UNCHANGED');
      assert.equal((await h.client().signIn(email, PASSWORD)).statusCode, 201);
    });

    it('with PASSDESK_PASSWORD_HISTORY=3 a reset to an old password is refused with PASSWORD_REUSED', async () => {
      const email = hh.uniqueEmail('history');
      const c = hh.client();
      const id = await hh.account(email, c);
      withHistory.clock.advance(1000);
      assert.equal((await c.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD })).statusCode, 200);
      const res = await resetTo(hh, email, id, PASSWORD);
      assert.equal(errorCode(res), 'PASSWORD_REUSED');
      const same = await resetTo(hh, email, id, NEW_PASSWORD);
      assert.equal(errorCode(same), 'PASSWORD_UNCHANGED');
      assert.equal((await resetTo(hh, email, id, OWN_NEW)).statusCode, 200);
    });

    it('after "This wasn\'t me", the reset refuses the intruder\'s passwords (current and earlier, history off) and accepts a new one', async () => {
      const email = h.uniqueEmail('intruded');
      const id = await h.account(email);
      // The intruder signs in with the password and changes it twice.
      const intruder = h.client();
      assert.equal((await intruder.signIn(email, PASSWORD)).statusCode, 201);
      t.clock.advance(1000);
      assert.equal((await intruder.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: INTRUDER_1 })).statusCode, 200);
      t.clock.advance(1000);
      assert.equal((await intruder.post('/api/v1/password/change', { currentPassword: INTRUDER_1, newPassword: INTRUDER_2 })).statusCode, 200);
      // The owner reports the first change from its email.
      const all = await t.store.outbox.listMessages({ accountId: id, limit: 50 });
      const changed = all.filter((m) => m.template === 'password-changed').at(-1)!;
      const notMe = /\/not-me\?token=([A-Za-z0-9_-]+)/.exec(changed.text)?.[1];
      assert.ok(notMe);
      t.clock.advance(1000);
      assert.equal((await h.client().post('/api/v1/not-me', { token: notMe })).statusCode, 200);
      const [{ token }] = (await h.resetEmails(id)) as [{ token: string; code: string }];
      const flowId = h.flowIdOf(await h.client().post('/api/v1/password/reset/verify', { token }));
      const complete = (password: string): Promise<LightMyRequestResponse> =>
        h.client().post('/api/v1/password/reset/complete', { flowId, newPassword: password });
      assert.equal(errorCode(await complete(INTRUDER_2)), 'PASSWORD_UNCHANGED', "the current (intruder's) password");
      assert.equal(errorCode(await complete(INTRUDER_1)), 'PASSWORD_REUSED', 'one the intruder set since the reported event');
      assert.equal(errorCode(await complete(PASSWORD)), 'PASSWORD_REUSED', 'the one in use at the event (the intruder knew it)');
      assert.equal((await complete(OWN_NEW)).statusCode, 200);
      assert.equal((await h.client().signIn(email, OWN_NEW)).statusCode, 201);
      assert.equal(errorCode(await h.client().signIn(email, INTRUDER_2)), 'INVALID_CREDENTIALS');
    });
  });
}

describe('wrong emailed codes from one address', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    await t.client().signUp('codes@example.org', PASSWORD);
  });
  after(() => t.close());

  it('are capped per address (30 in 15 minutes), the same for known and unknown emails; other addresses are unaffected', async () => {
    const from = (ip: string, email: string): Promise<LightMyRequestResponse> =>
      t.client().post('/api/v1/password/reset/verify', { email, code: '00000000' }, { remoteAddress: ip });
    for (let i = 0; i < 30; i++) {
      assert.equal(errorCode(await from('198.51.100.7', i % 2 === 0 ? 'codes@example.org' : 'nobody@example.org')), 'RESET_CODE_INVALID');
    }
    const known = await from('198.51.100.7', 'codes@example.org');
    const unknown = await from('198.51.100.7', 'nobody@example.org');
    assert.equal(errorCode(known), 'TOO_MANY_REQUESTS');
    assert.deepEqual([unknown.statusCode, unknown.json()], [known.statusCode, known.json()]);
    assert.equal(errorCode(await from('198.51.100.8', 'codes@example.org')), 'RESET_CODE_INVALID', 'another address still gets its checks');
    t.clock.advance(15 * 60_000 + 1);
    assert.equal(errorCode(await from('198.51.100.7', 'codes@example.org')), 'RESET_CODE_INVALID', 'the window passes');
  });
});
