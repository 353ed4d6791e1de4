// A help desk's temporary password for a directory account, against a real OpenLDAP (test/helpers/slapd.ts): it is
// written to the directory as a reset that demands a change (pwdReset), binds there (proved with ldapwhoami), signs
// in to Passdesk once into the forced change, and is refused the second time.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, errorCode, type TestApp, type TestClient } from '../helpers/app.js';
import { startSlapd, type TestSlapd, slapdDirectoryConfig } from '../helpers/slapd.js';
import { openDirectory } from '../../src/directory/index.js';
import { systemClock } from '../../src/core/clock.js';

const BASE = 'https://id.example.org';
const FIRST = 'Tulip-Granite-Harbour-47';
const OWN = 'Copper-Orchard-Whistle-69';

describe('help desk: temporary password for an OpenLDAP account', () => {
  let slapd: TestSlapd;
  let t: TestApp;
  let dir: string;

  before(async () => {
    slapd = await startSlapd();
    dir = mkdtempSync(join(tmpdir(), 'passdesk-hd-dir-'));
    const helpdeskGroup = `cn=helpdesk,ou=groups,${slapd.base}`;
    const config = {
      baseUrl: BASE,
      devMailbox: true,
      trustProxy: 1,
      passwordMinLength: 8,
      passwordMinStrength: 0,
      ...slapdDirectoryConfig(slapd, dir),
      directoryGroupRoles: `helpdesk:${helpdeskGroup}`,
    };
    const { testConfig } = await import('../helpers/config.js');
    t = await startTestApp({ config, directory: openDirectory(testConfig(config).directory!, { clock: systemClock }) });
    const desk = await slapd.addUser({ uid: 'desk', mail: 'desk@example.org', cn: 'Desk', password: FIRST });
    await slapd.addGroup('helpdesk', [desk]);
    await slapd.addUser({ uid: 'pat', mail: 'pat@example.org', cn: 'Pat', password: FIRST });
  });
  after(async () => {
    await t?.close();
    await slapd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let ipCounter = 0;
  const client = (): TestClient => {
    const c = t.client();
    const ip = `198.51.100.${++ipCounter}`;
    const request = c.request.bind(c);
    c.request = (method, url, o = {}) => request(method, url, { ...o, headers: { origin: BASE, 'x-forwarded-for': ip, ...o.headers } });
    return c;
  };
  const dnOf = (uid: string): string => `uid=${uid},${slapd.peopleBase}`;

  it('binds in the directory, which demands the change; signs in once into the forced change; the second use is refused', async () => {
    const pat = client();
    assert.equal((await pat.signIn('pat', FIRST)).statusCode, 201, 'the account exists in Passdesk after a first sign-in');
    const agent = client();
    assert.equal((await agent.signIn('desk', FIRST)).statusCode, 201);
    const person = await t.store.accounts.findAccountByEmail('pat@example.org');
    assert.ok(person?.directoryId);
    const base = `/api/v1/admin/accounts/${person.id}`;
    assert.equal((await agent.post(`${base}/caller-verification`, { method: 'email-code' })).statusCode, 202);
    const mail = (await t.store.outbox.listMessages({ limit: 10, to: 'pat@example.org' })).find((m) => m.template === 'caller-verification-code');
    const code = /\b(\d{8})\b/.exec(mail?.text ?? '')?.[1] ?? '';
    assert.equal((await agent.post(`${base}/caller-verification/confirm`, { code })).statusCode, 200);

    const issued = await agent.post(`${base}/temporary-password`, { reason: 'Forgot the password, verified by code' });
    assert.equal(issued.statusCode, 200, issued.body);
    const { temporaryPassword } = issued.json() as { temporaryPassword: string };
    assert.equal(await slapd.ldapwhoami(dnOf('pat'), temporaryPassword), true, 'the directory binds with it');
    assert.equal(await slapd.ldapwhoami(dnOf('pat'), FIRST), false, 'the old password is gone');
    assert.deepEqual((await slapd.read(dnOf('pat'), ['pwdReset']))['pwdReset'], ['TRUE'], 'the directory demands a change');
    assert.equal((await pat.get('/api/v1/session')).statusCode, 401, "the person's session ended");

    const c = client();
    const first = await c.signIn('pat', temporaryPassword);
    assert.equal(first.statusCode, 201, first.body);
    assert.equal((first.json() as { account: { mustChangeReason: string } }).account.mustChangeReason, 'temporary');
    assert.equal(errorCode(await client().signIn('pat', temporaryPassword)), 'TEMPORARY_PASSWORD_SPENT');
    const changed = await c.post('/api/v1/password/change', { currentPassword: temporaryPassword, newPassword: OWN });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(await slapd.ldapwhoami(dnOf('pat'), OWN), true);
    assert.deepEqual((await slapd.read(dnOf('pat'), ['pwdReset']))['pwdReset'] ?? [], [], 'the directory is satisfied');
  });
});
