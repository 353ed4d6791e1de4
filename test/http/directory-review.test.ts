// An outside review of the directory backend (issue 14) against a real OpenLDAP (test/helpers/slapd.ts): what an
// attacker can try through the login field and through bursts, one test per property that must hold.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Attribute, Change, Client } from 'ldapts';
import { errorCode, startTestApp, type TestApp, type TestClient } from '../helpers/app.js';
import { startSlapd, type TestSlapd, slapdDirectoryConfig } from '../helpers/slapd.js';
import { REDIS_TEST_URL } from '../helpers/redis.js';
import { openDirectory } from '../../src/directory/index.js';
import { systemClock } from '../../src/core/clock.js';

const BASE = 'https://id.example.org';
const FIRST = 'Tulip-Granite-Harbour-47';

describe('directory backend under attack: OpenLDAP', () => {
  let slapd: TestSlapd;
  let dir: string;
  let config: Record<string, unknown>;
  let t: TestApp;
  let u: TestApp;

  before(async () => {
    slapd = await startSlapd();
    dir = mkdtempSync(join(tmpdir(), 'passdesk-dir-review-'));
    config = {
      baseUrl: BASE,
      devMailbox: true,
      trustProxy: 1,
      passwordMinLength: 8,
      passwordMinStrength: 0,
      // Two app instances share the attempt limits (and the bind gate) through one Redis, as two nodes do.
      redisUrl: REDIS_TEST_URL,
      redisPrefix: `passdesk-review-${randomBytes(6).toString('hex')}`,
      ...slapdDirectoryConfig(slapd, dir),
    };
    const { testConfig } = await import('../helpers/config.js');
    const settings = testConfig(config).directory!;
    t = await startTestApp({ config, directory: openDirectory(settings, { clock: systemClock }) });
    u = await startTestApp({ config, directory: openDirectory(settings, { clock: systemClock }) });
  });
  after(async () => {
    await t?.close();
    await u?.close();
    await slapd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  let ipCounter = 0;
  const clientOf = (app: TestApp): TestClient => {
    const c = app.client();
    const ip = `203.0.113.${(++ipCounter % 250) + 1}`;
    const request = c.request.bind(c);
    c.request = (method, url, o = {}) => request(method, url, { ...o, headers: { origin: BASE, 'x-forwarded-for': ip, ...o.headers } });
    return c;
  };
  const client = (): TestClient => clientOf(t);
  const dnOf = (uid: string): string => `uid=${uid},${slapd.peopleBase}`;

  it("a login is searched for literally: replacement patterns ($&, $', $`) never reshape the user filter", async () => {
    await slapd.addUser({ uid: 'rita', mail: 'rita@example.org', cn: 'Rita', password: FIRST });
    const { directory } = t.app.deps.directory!;
    assert.ok(await directory.findEntry('rita'));
    for (const login of ["rita$'", "rita$'-any-suffix", "rita@example.org$'", '$`', '$&', '*', '*)(uid=*', 'rit\\2a', 'rita\u0000', 'r'.repeat(5000)]) {
      assert.equal(await directory.findEntry(login), null, `findEntry(${JSON.stringify(login.slice(0, 40))})`);
    }
    // Through HTTP: another string than the person's login or mail never signs in as them.
    const res = await client().signIn("rita$'", FIRST);
    assert.equal(res.statusCode, 401, res.body);
  });
  const answerOf = (r: { statusCode: number; body: string }): string => `${r.statusCode} ${errorCode(r as never) ?? ''}`;
  const tally = (answers: string[]): Record<string, number> =>
    Object.fromEntries([...new Set(answers)].sort().map((a) => [a, answers.filter((x) => x === a).length]));

  it('a burst of wrong passwords for a known login answers exactly as one for an unknown login', async () => {
    await slapd.addUser({ uid: 'sam', mail: 'sam@example.org', cn: 'Sam', password: FIRST });
    const burst = (login: string): Promise<string[]> =>
      Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          clientOf(i % 2 === 0 ? t : u)
            .signIn(login, `Wrong-${i}-password-here`)
            .then(answerOf),
        ),
      );
    const known = tally(await burst('sam'));
    const unknown = tally(await burst('nobody-at-all'));
    assert.deepEqual(known, unknown, 'the answers tell an existing login from an unknown one');
  });

  it('fifty guesses at once over two nodes never bring the directory to its lockout threshold', async () => {
    await slapd.addUser({ uid: 'tess', mail: 'tess@example.org', cn: 'Tess', password: FIRST });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => clientOf(i % 2 === 0 ? t : u).signIn('tess', `Guess-${i}-wrong-password`)));
    assert.ok(
      answers.every((r) => r.statusCode === 401 || r.statusCode === 429),
      JSON.stringify(tally(answers.map(answerOf))),
    );
    const state = await slapd.read(dnOf('tess'), ['pwdFailureTime', 'pwdAccountLockedTime']);
    assert.equal(state['pwdAccountLockedTime']?.length ?? 0, 0, 'locked');
    assert.ok((state['pwdFailureTime']?.length ?? 0) < 5, `${state['pwdFailureTime']?.length} failures reached the directory`);
    assert.equal(await slapd.ldapwhoami(dnOf('tess'), FIRST), true);
  });
  it('the time of a refusal does not tell an unknown login from a wrong password, a guarded entry or a disabled one', async (ctx) => {
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const people = (kind: string): Promise<string[]> =>
      Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          await slapd.addUser({ uid: `${kind}${i}`, mail: `${kind}${i}@example.org`, cn: kind, password: FIRST });
          return `${kind}${i}`;
        }),
      );
    const [wrongOnes, guardedOnes, disabledOnes] = [await people('tw'), await people('tg'), await people('td')];
    const admin = new Client({ url: slapd.url });
    await admin.bind(slapd.rootDn, slapd.rootPassword);
    for (const uid of disabledOnes) {
      await admin.modify(dnOf(uid), [
        new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: ['000001010000Z'] }) }),
      ]);
    }
    await admin.unbind();
    // Four failures from the person's own mail client: one more would lock, so Passdesk no longer binds.
    for (const uid of guardedOnes) for (let i = 0; i < 4; i++) assert.equal(await slapd.ldapwhoami(dnOf(uid), `typo-${i}`), false);
    const times: Record<string, number[]> = { unknown: [], wrong: [], guarded: [], disabled: [] };
    const timed = async (kind: string, login: string): Promise<void> => {
      const started = performance.now();
      const res = await client().signIn(login, 'Not-the-right-password-1');
      times[kind]!.push(performance.now() - started);
      assert.equal(res.statusCode, 401, `${kind}: ${res.body}`);
    };
    // Two tries per person (Passdesk's own per-account waits start after a few), interleaved.
    for (let round = 0; round < 16; round++) {
      const i = round % 8;
      await timed('unknown', `nobody-${round}`);
      await timed('wrong', wrongOnes[i]!);
      await timed('guarded', guardedOnes[i]!);
      await timed('disabled', disabledOnes[i]!);
    }
    const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    ctx.diagnostic(
      `medians (ms): ${Object.entries(medians)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', ')}`,
    );
    const fastest = Math.min(...Object.values(medians));
    const slowest = Math.max(...Object.values(medians));
    assert.ok(slowest - fastest < Math.max(2, 0.25 * slowest), JSON.stringify(medians));
  });
  it('a directory certificate from another CA is refused, over StartTLS and ldaps, and the error names no password', async () => {
    const { testConfig } = await import('../helpers/config.js');
    const settings = testConfig(config).directory!;
    for (const urls of [[slapd.url], [slapd.ldapsUrl]]) {
      // The system's CAs only: the test CA that signed slapd's certificate is not among them.
      const directory = openDirectory({ ...settings, urls, ca: null }, { clock: systemClock });
      try {
        const err = await directory.check().then(
          () => null,
          (e: unknown) => e,
        );
        assert.ok(err instanceof Error && err.name === 'DirectoryUnavailableError', `${urls[0]}: ${String(err)}`);
        assert.ok(!err.message.includes(slapd.servicePassword));
        await assert.rejects(directory.findEntry('rita'), { name: 'DirectoryUnavailableError' });
      } finally {
        await directory.close();
      }
    }
  });
  it('a reset link asked for before the organisation disabled the entry does not set a password on it afterwards', async () => {
    await slapd.addUser({ uid: 'vera', mail: 'vera@example.org', cn: 'Vera', password: FIRST });
    const c = client();
    assert.equal((await c.post('/api/v1/password/reset', { email: 'vera@example.org' })).statusCode, 202);
    await t.app.deps.background!.idle();
    const account = await t.store.accounts.findAccountByEmail('vera@example.org');
    const [mail] = (await t.store.outbox.listMessages({ accountId: account!.id, limit: 10 })).filter((m) => m.template === 'password-reset-requested');
    const token = /\/reset\?token=([A-Za-z0-9_-]+)/.exec(mail!.text)?.[1];
    const admin = new Client({ url: slapd.url });
    await admin.bind(slapd.rootDn, slapd.rootPassword);
    await admin.modify(dnOf('vera'), [
      new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: ['000001010000Z'] }) }),
    ]);
    await admin.unbind();
    const verified = await c.post('/api/v1/password/reset/verify', { token });
    const flowId = verified.statusCode === 200 ? (JSON.parse(verified.body) as { flowId: string }).flowId : 'none';
    const done = await c.post('/api/v1/password/reset/complete', { flowId, newPassword: 'Copper-Orchard-Whistle-69' });
    assert.notEqual(done.statusCode, 200, done.body);
    assert.equal(await slapd.ldapwhoami(dnOf('vera'), 'Copper-Orchard-Whistle-69'), false, 'the new password was written to a disabled entry');
  });
});
