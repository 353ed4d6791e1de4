// The directory backend through HTTP against a real OpenLDAP (test/helpers/slapd.ts): sign-in by uid and by mail,
// change and reset written to the directory (proved from outside with ldapwhoami), the directory's refusals as
// checklist lines with nothing half-written, its lockout never reached through Passdesk, roles from groups,
// entries that go away, and a directory that stops answering.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { startTestApp, errorCode, type TestApp, type TestClient } from '../helpers/app.js';
import { startSlapd, type TestSlapd, slapdDirectoryConfig } from '../helpers/slapd.js';
import { openDirectory } from '../../src/directory/index.js';
import { systemClock } from '../../src/core/clock.js';
import { syncDirectoryAccounts } from '../../src/flows/directory-sync.js';

const BASE = 'https://id.example.org';
const FIRST = 'Tulip-Granite-Harbour-47';
const SECOND = 'Violet-Lantern-Meadow-58';
const THIRD = 'Copper-Orchard-Whistle-69';
/** 14 characters: enough for Passdesk's minimum here, short of a directory minimum of 20. */
const MEDIUM = 'Maple-Stone-71';

describe('directory backend: OpenLDAP', () => {
  let slapd: TestSlapd;
  let t: TestApp;
  let dir: string;
  let helpdeskGroup: string;

  before(async () => {
    slapd = await startSlapd();
    dir = mkdtempSync(join(tmpdir(), 'passdesk-dir-'));
    helpdeskGroup = `cn=helpdesk,ou=groups,${slapd.base}`;
    const config = {
      baseUrl: BASE,
      devMailbox: true,
      trustProxy: 1,
      passwordMinLength: 8,
      passwordMinStrength: 0,
      ...slapdDirectoryConfig(slapd, dir),
      directoryGroupRoles: `helpdesk:${helpdeskGroup}`,
    };
    // The directory keeps its own time (pwdFailureTime, pwdChangedTime): it is read with the real clock.
    const { testConfig } = await import('../helpers/config.js');
    const settings = testConfig(config).directory!;
    t = await startTestApp({ config, directory: openDirectory(settings, { clock: systemClock }) });
  });
  after(async () => {
    await t?.close();
    await slapd?.stop();
    rmSync(dir, { recursive: true, force: true });
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

  it('signs in by uid and by mail; the account is keyed by entryUUID and carries the entry’s mail and name', async () => {
    await slapd.addUser({ uid: 'ada', mail: 'ada@example.org', cn: 'Ada Lovelace', password: FIRST });
    const byUid = await client().signIn('ada', FIRST);
    assert.equal(byUid.statusCode, 201, byUid.body);
    const byMail = await client().signIn('Ada@Example.org', FIRST);
    assert.equal(byMail.statusCode, 201, byMail.body);
    const account = await t.store.accounts.findAccountByEmail('ada@example.org');
    const [uuid] = (await slapd.read(dnOf('ada'), ['entryUUID']))['entryUUID'] ?? [];
    assert.equal(account?.directoryId, uuid);
    assert.equal(account?.displayName, 'Ada Lovelace');
    assert.equal(account?.passwordHash, null, 'no password hash is kept in Passdesk');
  });

  it('the sign-in page asks for an email or username, without an email keyboard', async () => {
    const page = await client().get('/sign-in', { headers: { accept: 'text/html' } });
    assert.match(page.body, /<label for="email">Email or username<\/label>\s*<input type="text" id="email"/);
    assert.doesNotMatch(page.body, /inputmode="email"/);
  });

  it('a wrong password and an unknown login get the same 401', async () => {
    await slapd.addUser({ uid: 'bob', mail: 'bob@example.org', cn: 'Bob', password: FIRST });
    const wrong = await client().signIn('bob', SECOND);
    const unknown = await client().signIn('nobody-here', SECOND);
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.equal(wrong.body, unknown.body);
  });

  it('a change is written to the directory: the new password binds, the old one no longer does', async () => {
    await slapd.addUser({ uid: 'cleo', mail: 'cleo@example.org', cn: 'Cleo', password: FIRST });
    const c = client();
    assert.equal((await c.signIn('cleo', FIRST)).statusCode, 201);
    const res = await c.post('/api/v1/password/change', { currentPassword: FIRST, newPassword: SECOND });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(await slapd.ldapwhoami(dnOf('cleo'), SECOND), true);
    assert.equal(await slapd.ldapwhoami(dnOf('cleo'), FIRST), false);
    const events = await t.store.events.listEvents((await t.store.accounts.findAccountByEmail('cleo@example.org'))!.id, { limit: 20 });
    assert.ok(events.some((e) => e.type === 'password.changed'));
  });

  it('the directory’s history refusal comes back as the checklist line, and nothing is half-written', async () => {
    await slapd.addUser({ uid: 'dora', mail: 'dora@example.org', cn: 'Dora', password: FIRST });
    const c = client();
    assert.equal((await c.signIn('dora', FIRST)).statusCode, 201);
    assert.equal((await c.post('/api/v1/password/change', { currentPassword: FIRST, newPassword: SECOND })).statusCode, 200);
    const cookieBefore = c.sessionCookie();
    const back = await c.post('/api/v1/password/change', { currentPassword: SECOND, newPassword: FIRST });
    assert.equal(back.statusCode, 400, back.body);
    assert.equal(errorCode(back), 'PASSWORD_REUSED');
    assert.doesNotMatch(back.body, /ppolicy|LDAP|constraint/i, 'never a raw directory message');
    // Rolled back: the session was not rotated, the directory still has the second password.
    assert.equal(c.sessionCookie(), cookieBefore);
    assert.equal((await c.get('/api/v1/session')).statusCode, 200);
    assert.equal(await slapd.ldapwhoami(dnOf('dora'), SECOND), true);
  });

  it('the directory’s minimum length is shown before typing and refused before the directory is asked', async () => {
    await slapd.addUser({ uid: 'emil', mail: 'emil@example.org', cn: 'Emil', password: FIRST, policy: { pwdMinLength: 20 } });
    const c = client();
    assert.equal((await c.signIn('emil', FIRST)).statusCode, 201);
    const page = await c.get('/security/password', { headers: { accept: 'text/html' } });
    assert.match(page.body, /20 characters/);
    const res = await c.post('/api/v1/password/change', { currentPassword: FIRST, newPassword: MEDIUM });
    assert.equal(errorCode(res), 'PASSWORD_TOO_SHORT');
    assert.match(res.body, /20 characters/);
    assert.equal(await slapd.ldapwhoami(dnOf('emil'), FIRST), true);
  });

  it('guessing at Passdesk never locks the person out of the directory', async () => {
    await slapd.addUser({ uid: 'fay', mail: 'fay@example.org', cn: 'Fay', password: FIRST });
    // Two typos from the person's mail client first: the directory counts them too.
    assert.equal(await slapd.ldapwhoami(dnOf('fay'), 'typo-one'), false);
    assert.equal(await slapd.ldapwhoami(dnOf('fay'), 'typo-two'), false);
    // Passdesk's own waits (429) start after a few; every answer is a refusal either way.
    for (let i = 0; i < 8; i++) assert.ok([401, 429].includes((await client().signIn('fay', `Guess-${i}-wrong-password`)).statusCode));
    const state = await slapd.read(dnOf('fay'), ['pwdFailureTime', 'pwdAccountLockedTime']);
    assert.equal(state['pwdAccountLockedTime']?.length ?? 0, 0, 'not locked');
    assert.equal(state['pwdFailureTime']?.length, 4, 'Passdesk let through only as many as stay below pwdMaxFailure 5');
    // The owner still gets into their mailbox.
    assert.equal(await slapd.ldapwhoami(dnOf('fay'), FIRST), true);
    await t.app.deps.background!.idle();
    const account = await t.store.accounts.findAccountByEmail('fay@example.org');
    assert.equal(account, null, 'no account is made for a person who never signed in');
  });

  it('a parallel burst of guesses reaches the directory one at a time and never locks it', async () => {
    await slapd.addUser({ uid: 'gus', mail: 'gus@example.org', cn: 'Gus', password: FIRST });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => client().signIn('gus', `Burst-${i}-wrong-password`)));
    assert.ok(answers.every((r) => r.statusCode === 401 || r.statusCode === 429));
    const state = await slapd.read(dnOf('gus'), ['pwdFailureTime', 'pwdAccountLockedTime']);
    assert.equal(state['pwdAccountLockedTime']?.length ?? 0, 0);
    assert.ok((state['pwdFailureTime']?.length ?? 0) <= 4);
    assert.equal(await slapd.ldapwhoami(dnOf('gus'), FIRST), true);
  });

  it('a reset with the emailed link is written to the directory as the service account', async () => {
    await slapd.addUser({ uid: 'hal', mail: 'hal@example.org', cn: 'Hal', password: FIRST });
    const c = client();
    assert.equal((await c.post('/api/v1/password/reset', { email: 'hal@example.org' })).statusCode, 202);
    await t.app.deps.background!.idle();
    const account = await t.store.accounts.findAccountByEmail('hal@example.org');
    assert.ok(account, 'the person never signed in to Passdesk; the directory entry was found');
    const [mail] = (await t.store.outbox.listMessages({ accountId: account.id, limit: 10 })).filter((m) => m.template === 'password-reset-requested');
    const token = /\/reset\?token=([A-Za-z0-9_-]+)/.exec(mail!.text)?.[1];
    assert.ok(token);
    const verified = await c.post('/api/v1/password/reset/verify', { token });
    assert.equal(verified.statusCode, 200, verified.body);
    const { flowId } = JSON.parse(verified.body) as { flowId: string };
    const done = await c.post('/api/v1/password/reset/complete', { flowId, newPassword: THIRD });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(await slapd.ldapwhoami(dnOf('hal'), THIRD), true);
    assert.equal(await slapd.ldapwhoami(dnOf('hal'), FIRST), false);
  });

  it('a password an administrator set signs in to the forced change, and group membership gives the role', async () => {
    const dn = await slapd.addUser({ uid: 'ivy', mail: 'ivy@example.org', cn: 'Ivy', password: FIRST });
    await slapd.addGroup('helpdesk', [dn]);
    await t.app.deps.directory!.directory.resetPassword((await t.app.deps.directory!.directory.findEntry('ivy'))!, SECOND, { forceChange: true });
    const c = client();
    const res = await c.signIn('ivy', SECOND);
    assert.equal(res.statusCode, 201, res.body);
    const account = await t.store.accounts.findAccountByEmail('ivy@example.org');
    assert.equal(account?.mustChangePassword, true);
    assert.equal(account?.mustChangeReason, 'directory-reset');
    assert.equal(account?.role, 'helpdesk');
    const changed = await c.post('/api/v1/password/change', { currentPassword: SECOND, newPassword: THIRD });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal((await t.store.accounts.findAccountByEmail('ivy@example.org'))?.mustChangePassword, false);
    assert.equal(await slapd.ldapwhoami(dnOf('ivy'), THIRD), true);
  });

  it('an entry deleted from the directory loses its sessions at the next sync', async () => {
    await slapd.addUser({ uid: 'jon', mail: 'jon@example.org', cn: 'Jon', password: FIRST });
    const c = client();
    assert.equal((await c.signIn('jon', FIRST)).statusCode, 201);
    const admin = new Client({ url: slapd.url });
    await admin.bind(slapd.rootDn, slapd.rootPassword);
    await admin.del(dnOf('jon'));
    await admin.unbind();
    const result = await syncDirectoryAccounts(t.app.deps);
    assert.ok(result.ended >= 1);
    assert.equal((await c.get('/api/v1/session')).statusCode, 401);
  });

  it('a directory that stops answering: sign-in and /readyz answer 503 with Retry-After, and nothing is written', async () => {
    await slapd.stop();
    const started = performance.now();
    const res = await client().signIn('ada', FIRST);
    // Pooled connections to the stopped server are known dead (their sockets closed): no wait for the 5 s timeout.
    assert.ok(performance.now() - started < 2000, `answered after ${Math.round(performance.now() - started)} ms`);
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(errorCode(res), 'DIRECTORY_UNAVAILABLE');
    assert.ok(res.headers['retry-after']);
    const ready = await client().get('/readyz');
    assert.equal(ready.statusCode, 503);
    assert.equal(errorCode(ready), 'DIRECTORY_UNAVAILABLE');
  });
});
