// An outside review of the directory backend (issue 14) against a real Samba AD DC (test/helpers/samba-ad.ts):
// AD's bind data codes that mean "the password was right" must never be read from a wrong password, and the
// answers (and their time) for an unknown login must look like those for a known one.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp, type TestClient } from '../helpers/app.js';
import { type SambaDc, useSambaDc, sambaDirectoryConfig } from '../helpers/samba-ad.js';
import { createActiveDirectory } from '../../src/directory/active-directory.js';
import { systemClock } from '../../src/core/clock.js';

const BASE = 'https://id.example.org';
const FIRST = 'Tulip-Granite-Harbour-47';
const SECOND = 'Violet-Lantern-Meadow-58';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('directory backend under attack: Active Directory (Samba AD DC)', { timeout: 240_000 }, () => {
  let dc: SambaDc;
  let t: TestApp;
  let dir: string;

  before(async () => {
    dc = await useSambaDc({ lockWaitMs: 200_000 });
    dir = mkdtempSync(join(tmpdir(), 'passdesk-ad-review-'));
    t = await startTestApp({
      config: {
        baseUrl: BASE,
        devMailbox: true,
        trustProxy: 1,
        passwordMinLength: 8,
        passwordMinStrength: 0,
        ...sambaDirectoryConfig(dc, dir),
      },
      directory: createActiveDirectory(dc.directorySettings(), { clock: systemClock }),
    });
  });
  after(async () => {
    await t?.close();
    await dc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  let ip = 0;
  const client = (): TestClient => {
    const c = t.client();
    const address = `198.18.${Math.floor(++ip / 250)}.${(ip % 250) + 1}`;
    const request = c.request.bind(c);
    c.request = (method, url, o = {}) => request(method, url, { ...o, headers: { origin: BASE, 'x-forwarded-for': address, ...o.headers } });
    return c;
  };

  it('a wrong password never signs in to an entry that must change (773), and a disabled entry never signs in', async () => {
    const u = await dc.addUser({ sam: 'rv-must', password: FIRST, groups: [] });
    const directory = t.app.deps.directory!.directory;
    await directory.resetPassword((await directory.findEntry(u.sam))!, SECOND, { forceChange: true });
    assert.notEqual(await dc.bindErrorCode(u.upn, 'Not-The-Passw0rd-1'), '773', 'AD says 773 only for the right password');
    assert.equal((await client().signIn(u.sam, 'Not-The-Passw0rd-1')).statusCode, 401);
    const d = await dc.addUser({ sam: 'rv-off', password: FIRST, groups: [] });
    await dc.disableUser(d.dn);
    assert.equal((await client().signIn(d.sam, FIRST)).statusCode, 401);
    assert.equal((await client().signIn(d.sam, 'Not-The-Passw0rd-1')).statusCode, 401);
  });

  it('an unknown login takes about as long to refuse as a wrong password for a known one', async (ctx) => {
    // Three tries per person: Passdesk's own per-account waits would answer 429 after a few more.
    const users = await Promise.all(Array.from({ length: 10 }, (_, i) => dc.addUser({ sam: `rv-time${i}`, password: FIRST, groups: [] })));
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 30; i++) {
      let s = performance.now();
      assert.equal((await client().signIn(users[i % 10]!.sam, `Wrong-${i}-Passw0rd`)).statusCode, 401);
      wrong.push(performance.now() - s);
      s = performance.now();
      assert.equal((await client().signIn(`rv-nobody-${i}`, `Wrong-${i}-Passw0rd`)).statusCode, 401);
      unknown.push(performance.now() - s);
    }
    ctx.diagnostic(`median wrong ${median(wrong).toFixed(1)} ms, unknown ${median(unknown).toFixed(1)} ms`);
    assert.ok(Math.abs(median(wrong) - median(unknown)) < 0.3 * median(wrong) + 2, `wrong ${median(wrong)} vs unknown ${median(unknown)}`);
  });
});
