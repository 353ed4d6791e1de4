import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey as pbkdf2 } from 'altcha-lib/algorithms/pbkdf2';
import { createChallengeService, encodePayload, maxNumberAt, MAX_CHALLENGE_LEVEL, TICKET_BURST, type ChallengeService } from '../../src/core/challenge.js';
import { manualClock, type ManualClock } from '../../src/core/clock.js';
import { systemRandom } from '../../src/core/random.js';

const SECRET = new Uint8Array(Buffer.from('unit-test-secret-0123456789-abcdefghijklmnop'));

function service(o: { clock?: ManualClock; secret?: Uint8Array; maxNumber?: number } = {}): { s: ChallengeService; clock: ManualClock } {
  const clock = o.clock ?? manualClock(Date.UTC(2026, 10, 23, 9));
  const s = createChallengeService({
    serverSecret: o.secret ?? SECRET,
    settings: { mode: 'always', maxNumber: o.maxNumber ?? 40, ttlMs: 10 * 60_000, fallbackDelayMs: 5000, ipCapFactor: 10 },
    clock,
    random: systemRandom,
  });
  return { s, clock };
}

async function solved(challenge: Challenge): Promise<string> {
  const solution = await solveChallenge({ challenge, deriveKey: pbkdf2 });
  assert.ok(solution, 'the package’s solver finds the counter');
  return encodePayload(challenge, solution);
}

describe('proof-of-work challenges', () => {
  it('a solved challenge verifies for its purpose, with an id for single use and the expiry', async () => {
    const { s, clock } = service();
    const challenge = await s.issue('sign-up');
    assert.equal(challenge.parameters.algorithm, 'PBKDF2/SHA-256');
    assert.equal(challenge.parameters.cost, 1000);
    const check = await s.verifySolution(await solved(challenge), 'sign-up');
    assert.deepEqual(check, { ok: true, id: `pow:${challenge.parameters.nonce}`, expiresAt: clock.now() + 10 * 60_000, level: 0 });
  });

  it('the counter lies between half the maximum and the maximum: the work is never trivial', async () => {
    const { s } = service({ maxNumber: 40 });
    for (let i = 0; i < 5; i++) {
      const solution = await solveChallenge({ challenge: await s.issue('reset'), deriveKey: pbkdf2 });
      assert.ok(solution && solution.counter >= 20 && solution.counter <= 40, String(solution?.counter));
    }
  });

  it('a level doubles the max number per step (bounded), and the level is signed: lowering it breaks the signature', async () => {
    const { s } = service({ maxNumber: 40 });
    const hard = await s.issue('sign-in', 2);
    assert.equal(hard.parameters.data?.['level'], 2);
    const solution = await solveChallenge({ challenge: hard, deriveKey: pbkdf2 });
    assert.ok(solution && solution.counter >= 80 && solution.counter <= 160, String(solution?.counter));
    assert.deepEqual(await s.verifySolution(encodePayload(hard, solution), 'sign-in'), {
      ok: true,
      id: `pow:${hard.parameters.nonce}`,
      expiresAt: hard.parameters.data?.['expires'],
      level: 2,
    });
    const lowered = { ...hard, parameters: { ...hard.parameters, data: { ...hard.parameters.data, level: 0 } } };
    assert.deepEqual(await s.verifySolution(encodePayload(lowered, solution), 'sign-in'), { ok: false, reason: 'invalid' });
    assert.equal((await s.issue('sign-in', 99)).parameters.data?.['level'], MAX_CHALLENGE_LEVEL);
    assert.equal(maxNumberAt({ maxNumber: 5000 }, 99), 5000 * 2 ** MAX_CHALLENGE_LEVEL);
  });

  it('is bound to its purpose: a sign-up challenge does not work for sign-in', async () => {
    const { s } = service();
    const payload = await solved(await s.issue('sign-up'));
    assert.deepEqual(await s.verifySolution(payload, 'sign-in'), { ok: false, reason: 'wrong_purpose' });
    assert.deepEqual(await s.verifySolution(payload, 'reset'), { ok: false, reason: 'wrong_purpose' });
  });

  it('expires on the injected clock', async () => {
    const { s, clock } = service();
    const payload = await solved(await s.issue('sign-in'));
    clock.advance(10 * 60_000 - 1);
    assert.equal((await s.verifySolution(payload, 'sign-in')).ok, true);
    clock.advance(1);
    assert.deepEqual(await s.verifySolution(payload, 'sign-in'), { ok: false, reason: 'expired' });
  });

  it('refuses a wrong answer, a tampered challenge (easier cost, other purpose, later expiry) and another server’s challenge', async () => {
    const { s } = service();
    const challenge = await s.issue('sign-in');
    const solution = await solveChallenge({ challenge, deriveKey: pbkdf2 });
    assert.ok(solution);
    const wrongKey = { ...solution, derivedKey: solution.derivedKey.replace(/.$/, (c) => (c === '0' ? '1' : '0')) };
    assert.deepEqual(await s.verifySolution(encodePayload(challenge, wrongKey), 'sign-in'), { ok: false, reason: 'invalid' });
    const tamper = (p: Partial<Challenge['parameters']>): Challenge => ({ ...challenge, parameters: { ...challenge.parameters, ...p } });
    for (const forged of [tamper({ cost: 1 }), tamper({ data: { purpose: 'sign-up', expires: 9e15 } }), tamper({ keySignature: '00' })]) {
      assert.deepEqual(await s.verifySolution(encodePayload(forged, solution), 'sign-in'), { ok: false, reason: 'invalid' });
    }
    const other = service({ secret: new Uint8Array(Buffer.from('another-server-secret-0123456789-abcdefgh')) }).s;
    assert.deepEqual(await other.verifySolution(encodePayload(challenge, solution), 'sign-in'), { ok: false, reason: 'invalid' });
  });

  it('refuses garbage without throwing: not base64, not JSON, wrong shape, oversized', async () => {
    const { s } = service();
    for (const bad of ['%%%', Buffer.from('not json').toString('base64'), Buffer.from('{"challenge":1}').toString('base64'), 'A'.repeat(5000)]) {
      assert.deepEqual(await s.verifySolution(bad, 'sign-in'), { ok: false, reason: 'invalid' });
    }
  });
});

describe('no-JavaScript tickets', () => {
  const IP = '203.0.113.5';

  it('becomes valid only after the fallback delay, then verifies with an id for single use', () => {
    const { s, clock } = service();
    const ticket = s.issueTicket('sign-up', IP);
    assert.deepEqual(s.verifyTicket(ticket, 'sign-up', IP), { ok: false, reason: 'too_early', retryAfterMs: 5000 });
    clock.advance(4000);
    assert.deepEqual(s.verifyTicket(ticket, 'sign-up', IP), { ok: false, reason: 'too_early', retryAfterMs: 1000 });
    clock.advance(1000);
    const check = s.verifyTicket(ticket, 'sign-up', IP);
    assert.equal(check.ok, true);
    assert.match(check.ok ? check.id : '', /^ticket:/);
  });

  it('is bound to its purpose and to the IP it was issued to, expires, and cannot be edited', () => {
    const { s, clock } = service();
    const ticket = s.issueTicket('reset', IP);
    clock.advance(5000);
    assert.deepEqual(s.verifyTicket(ticket, 'sign-in', IP), { ok: false, reason: 'wrong_purpose' });
    assert.deepEqual(s.verifyTicket(ticket, 'reset', '198.51.100.1'), { ok: false, reason: 'invalid' });
    const [body, tag] = ticket.split('.');
    const edited = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Record<string, unknown>;
    edited['nb'] = 0;
    assert.deepEqual(s.verifyTicket(`${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${tag}`, 'reset', IP), { ok: false, reason: 'invalid' });
    assert.deepEqual(s.verifyTicket('nonsense', 'reset', IP), { ok: false, reason: 'invalid' });
    clock.advance(10 * 60_000);
    assert.deepEqual(s.verifyTicket(ticket, 'reset', IP), { ok: false, reason: 'expired' });
  });

  it('tickets held in parallel do not add up: past a burst, one IP gets one accepted per fallback delay', () => {
    const { s, clock } = service();
    const tickets = Array.from({ length: TICKET_BURST + 3 }, () => s.issueTicket('sign-in', IP));
    const elsewhere = s.issueTicket('sign-in', '198.51.100.1');
    clock.advance(5000);
    const results = tickets.map((t) => s.verifyTicket(t, 'sign-in', IP));
    assert.equal(results.filter((r) => r.ok).length, TICKET_BURST);
    assert.deepEqual(results[TICKET_BURST], { ok: false, reason: 'too_early', retryAfterMs: 5000 });
    assert.equal(s.verifyTicket(elsewhere, 'sign-in', '198.51.100.1').ok, true, 'another IP has its own share');
    clock.advance(5000);
    assert.equal(s.verifyTicket(tickets[TICKET_BURST]!, 'sign-in', IP).ok, true, 'one more after one delay');
    assert.equal(s.verifyTicket(tickets[TICKET_BURST + 1]!, 'sign-in', IP).ok, false, 'but not two');
  });
});
