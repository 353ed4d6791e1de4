// Review finding 6: in PASSDESK_CHALLENGE=auto a solved challenge (or a no-JavaScript ticket) lifted the per-IP
// sign-in limit without a ceiling: a many-core box got ~20 evaluated guesses a second from one address. Now a proof
// lifts it only up to PASSDESK_CHALLENGE_IP_CAP times the limit in the window (then 429 with Retry-After whatever is
// solved), and the issued challenge's max number doubles for every further limit's worth past the limit.
// Manual clock; on SQLite and PostgreSQL (single use of a solution is the store's).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey as pbkdf2 } from 'altcha-lib/algorithms/pbkdf2';
import { startTestApp, errorCode, PASSWORD, type TestApp, type TestClient } from '../helpers/app.js';
import { encodePayload } from '../../src/core/challenge.js';

const LIMIT = 4;
const CAP_FACTOR = 4;
const CAP = LIMIT * CAP_FACTOR;
const MAX_NUMBER = 20;
const from = (ip: string, extra: Record<string, string> = {}) => ({ headers: { 'x-forwarded-for': ip, ...extra } });

interface Solved {
  payload: string;
  counter: number;
  level: number;
}

async function solve(challenge: Challenge): Promise<Solved> {
  const solution = await solveChallenge({ challenge, deriveKey: pbkdf2 });
  assert.ok(solution);
  return { payload: encodePayload(challenge, solution), counter: solution.counter, level: Number(challenge.parameters.data?.['level']) };
}

async function fetchSolved(c: TestClient, ip: string): Promise<Solved> {
  const res = await c.get('/api/v1/challenge?purpose=sign-in', from(ip));
  assert.equal(res.statusCode, 200, res.body);
  return solve((JSON.parse(res.body) as { challenge: Challenge }).challenge);
}

const challengeOf = (res: LightMyRequestResponse): Challenge =>
  (JSON.parse(res.body) as { error: { details: { challenge: Challenge } } }).error.details.challenge;

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`a solved challenge lifts the per-IP sign-in limit only up to a hard cap (${backend})`, () => {
    let t: TestApp;
    const ip = '203.0.113.50';
    let guesses = 0;
    const guess = (c: TestClient, proof?: string): Promise<LightMyRequestResponse> =>
      c.post(
        '/api/v1/sessions',
        { email: `sprayed${guesses++}@example.org`, password: 'spray spray spray 1' },
        from(ip, proof ? { 'passdesk-challenge': proof } : {}),
      );

    before(async () => {
      t = await startTestApp({ backend, config: { signInMaxFailuresPerIp: LIMIT, challengeIpCap: CAP_FACTOR, challengeMaxNumber: MAX_NUMBER, trustProxy: 1 } });
      assert.equal(t.app.config.challenge, 'auto');
      await t.client().signUp('owner@example.org', PASSWORD);
    });
    after(() => t.close());

    it("below the cap a solved challenge buys a try, and the difficulty doubles per limit's worth past the limit", async () => {
      const c = t.client();
      for (let i = 0; i < LIMIT; i++) assert.equal((await guess(c)).statusCode, 401);
      t.clock.advance(5 * 60_000);
      const asked = await guess(c);
      assert.equal(asked.statusCode, 428, 'at the limit: a challenge, not a lockout');
      assert.equal(challengeOf(asked).parameters.data?.['level'], 0);

      // Counted failures 4..15: one solved challenge each, all evaluated (401).
      const levels: number[] = [];
      const counters: Record<number, number[]> = {};
      for (let counted = LIMIT; counted < CAP - 1; counted++) {
        const s = await fetchSolved(c, ip);
        levels.push(s.level);
        counters[s.level] = [...(counters[s.level] ?? []), s.counter];
        assert.equal((await guess(c, s.payload)).statusCode, 401);
      }
      assert.deepEqual(levels, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2]);
      // The secret counter lies in [maxNumber·2^level / 2, maxNumber·2^level]: real work, not a label.
      assert.ok(
        counters[0]!.every((n) => n <= MAX_NUMBER),
        `level 0: ${counters[0]}`,
      );
      assert.ok(
        counters[2]!.every((n) => n >= 2 * MAX_NUMBER),
        `level 2: ${counters[2]}`,
      );

      // 15 counted, below the cap of 16: the owner behind the same address solves one and signs in.
      const owner = t.client();
      const signedIn = await owner.post(
        '/api/v1/sessions',
        { email: 'owner@example.org', password: PASSWORD },
        from(ip, { 'passdesk-challenge': (await fetchSolved(owner, ip)).payload }),
      );
      assert.equal(signedIn.statusCode, 201, signedIn.body);
    });

    it('a challenge fetched while the address was far from the cap is too cheap once it is near it', async () => {
      // Fetched at level 0 on another address, it still does not match this one's level 2 (one level of slack).
      const c = t.client();
      const cheap = await c.get('/api/v1/challenge?purpose=sign-in', from('198.51.100.1'));
      const s = await solve((JSON.parse(cheap.body) as { challenge: Challenge }).challenge);
      assert.equal(s.level, 0);
      const res = await guess(c, s.payload);
      assert.equal(res.statusCode, 403);
      assert.equal(errorCode(res), 'CHALLENGE_INVALID');
      assert.equal(challengeOf(res).parameters.data?.['level'], 2, 'the refusal carries one at the current level');
    });

    it('past the cap: 429 with Retry-After even with a valid solution, for wrong and right passwords alike', async () => {
      const c = t.client();
      assert.equal((await guess(c, (await fetchSolved(c, ip)).payload)).statusCode, 401, 'the 16th counted failure');
      const statuses: number[] = [];
      let retryAfter: unknown;
      for (let i = 0; i < 10; i++) {
        const res = await guess(c, (await fetchSolved(c, ip)).payload);
        statuses.push(res.statusCode);
        retryAfter = res.headers['retry-after'];
      }
      assert.deepEqual(statuses, Array(10).fill(429), `evaluated past the cap: ${statuses.filter((s) => s === 401).length} of 10`);
      // The first four failures (5 minutes ago) leave the 15-minute window in 10 minutes.
      assert.equal(retryAfter, '600');
      const owner = t.client();
      const right = await owner.post(
        '/api/v1/sessions',
        { email: 'owner@example.org', password: PASSWORD },
        from(ip, { 'passdesk-challenge': (await fetchSolved(owner, ip)).payload }),
      );
      assert.equal(right.statusCode, 429);
      assert.equal(errorCode(right), 'TOO_MANY_REQUESTS');
      assert.equal((await guess(c)).statusCode, 429, 'without a solution: 429, not a challenge to solve');
      // Another address is its own client.
      assert.equal((await t.client().post('/api/v1/sessions', { email: 'owner@example.org', password: PASSWORD }, from('198.51.100.2'))).statusCode, 201);
    });

    it('when the window lets the address under the cap again, a solved challenge signs in', async () => {
      t.clock.advance(10 * 60_000);
      const owner = t.client();
      const s = await fetchSolved(owner, ip);
      assert.equal(s.level, 2, '12 still counted: (12 - 4) / 4');
      const res = await owner.post('/api/v1/sessions', { email: 'owner@example.org', password: PASSWORD }, from(ip, { 'passdesk-challenge': s.payload }));
      assert.equal(res.statusCode, 201, res.body);
    });
  });
}
