// The directory backend through HTTP against a real Samba AD domain controller (test/helpers/samba-ad.ts): sign-in
// by sAMAccountName and UPN, the role from a group, a change and a reset proven with plain simple binds, AD's
// history refusal as the checklist line with nothing half-written, the forced change after an administrator's
// reset (773), and guessing that never reaches AD's lockout threshold.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, errorCode, type TestApp, type TestClient } from '../helpers/app.js';
import { HELPDESK_GROUP, type SambaDc, type SambaUser, useSambaDc, sambaDirectoryConfig } from '../helpers/samba-ad.js';
import { createActiveDirectory } from '../../src/directory/active-directory.js';
import { systemClock } from '../../src/core/clock.js';

const BASE = 'https://id.example.org';
const FIRST = 'Tulip-Granite-Harbour-47';
const SECOND = 'Violet-Lantern-Meadow-58';
const THIRD = 'Copper-Orchard-Whistle-69';

describe('directory backend: Active Directory (Samba AD DC)', { timeout: 180_000 }, () => {
  let dc: SambaDc;
  let t: TestApp;
  let dir: string;
  let counter = 0;

  before(async () => {
    dc = await useSambaDc();
    dir = mkdtempSync(join(tmpdir(), 'passdesk-ad-'));
    const settings = dc.directorySettings();
    t = await startTestApp({
      config: {
        baseUrl: BASE,
        devMailbox: true,
        trustProxy: 1,
        passwordMinLength: 8,
        passwordMinStrength: 0,
        ...sambaDirectoryConfig(dc, dir),
        directoryGroupRoles: `helpdesk:${HELPDESK_GROUP}`,
      },
      // The directory keeps its own time (badPasswordTime, pwdLastSet): it is read with the real clock.
      directory: createActiveDirectory(settings, { clock: systemClock }),
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
    const address = `198.51.100.${++ip}`;
    const request = c.request.bind(c);
    c.request = (method, url, o = {}) => request(method, url, { ...o, headers: { origin: BASE, 'x-forwarded-for': address, ...o.headers } });
    return c;
  };
  const newUser = (o: { groups?: string[] } = {}): Promise<SambaUser> => dc.addUser({ sam: `web${++counter}`, password: FIRST, groups: o.groups ?? [] });

  it('signs in by sAMAccountName and by UPN; the account is keyed by objectGUID and the group gives the role', async () => {
    const u = await newUser({ groups: [HELPDESK_GROUP] });
    assert.equal((await client().signIn(u.sam, FIRST)).statusCode, 201);
    const res = await client().signIn(u.upn, FIRST);
    assert.equal(res.statusCode, 201, res.body);
    const account = await t.store.accounts.findAccountByEmail(u.mail.toLowerCase());
    const entry = await t.app.deps.directory!.directory.findEntry(u.sam);
    assert.equal(account?.directoryId, entry?.id);
    assert.equal(account?.role, 'helpdesk');
    assert.equal(account?.passwordHash, null);
  });

  it('a change is written with unicodePwd: the new password binds, the old one does not', async () => {
    const u = await newUser();
    const c = client();
    assert.equal((await c.signIn(u.sam, FIRST)).statusCode, 201);
    const res = await c.post('/api/v1/password/change', { currentPassword: FIRST, newPassword: SECOND });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(await dc.simpleBind(u.upn, SECOND), true);
    assert.equal(await dc.simpleBind(u.upn, FIRST), false);
  });

  it('AD’s history refusal is the checklist line; the session and the password stay as they were', async () => {
    const u = await newUser();
    const c = client();
    assert.equal((await c.signIn(u.sam, FIRST)).statusCode, 201);
    assert.equal((await c.post('/api/v1/password/change', { currentPassword: FIRST, newPassword: SECOND })).statusCode, 200);
    const cookie = c.sessionCookie();
    const back = await c.post('/api/v1/password/change', { currentPassword: SECOND, newPassword: FIRST });
    assert.equal(back.statusCode, 400, back.body);
    assert.equal(errorCode(back), 'PASSWORD_REUSED');
    assert.doesNotMatch(back.body, /0000052D|constraint|LDAP/i);
    assert.equal(c.sessionCookie(), cookie);
    assert.equal(await dc.simpleBind(u.upn, SECOND), true);
  });

  it('a reset with the emailed link is written as the service account', async () => {
    const u = await newUser();
    const c = client();
    assert.equal((await c.post('/api/v1/password/reset', { email: u.mail })).statusCode, 202);
    await t.app.deps.background!.idle();
    const account = await t.store.accounts.findAccountByEmail(u.mail.toLowerCase());
    assert.ok(account);
    const [mail] = (await t.store.outbox.listMessages({ accountId: account.id, limit: 10 })).filter((m) => m.template === 'password-reset-requested');
    const token = /\/reset\?token=([A-Za-z0-9_-]+)/.exec(mail!.text)?.[1];
    const verified = await c.post('/api/v1/password/reset/verify', { token });
    assert.equal(verified.statusCode, 200, verified.body);
    const done = await c.post('/api/v1/password/reset/complete', { flowId: (JSON.parse(verified.body) as { flowId: string }).flowId, newPassword: THIRD });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(await dc.simpleBind(u.upn, THIRD), true);
    assert.equal(await dc.simpleBind(u.upn, FIRST), false);
  });

  it('after an administrator’s reset (773) the person signs in to the forced change and chooses their own', async () => {
    const u = await newUser();
    const directory = t.app.deps.directory!.directory;
    await directory.resetPassword((await directory.findEntry(u.sam))!, SECOND, { forceChange: true });
    assert.equal(await dc.bindErrorCode(u.upn, SECOND), '773');
    const c = client();
    assert.equal((await c.signIn(u.sam, SECOND)).statusCode, 201);
    assert.equal((await t.store.accounts.findAccountByEmail(u.mail.toLowerCase()))?.mustChangeReason, 'directory-reset');
    const changed = await c.post('/api/v1/password/change', { currentPassword: SECOND, newPassword: THIRD });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(await dc.simpleBind(u.upn, THIRD), true);
  });

  it('guessing at Passdesk never reaches AD’s lockout threshold', async () => {
    const u = await newUser();
    // Two typos from the person's own devices first: AD counts them too.
    assert.equal(await dc.simpleBind(u.upn, 'typo-one'), false);
    assert.equal(await dc.simpleBind(u.upn, 'typo-two'), false);
    for (let i = 0; i < 8; i++) assert.ok([401, 429].includes((await client().signIn(u.sam, `Guess-${i}-Wrong-pw`)).statusCode));
    const state = await dc.read(u.dn, ['badPwdCount', 'lockoutTime']);
    assert.equal(Number(state['badPwdCount']), 4, 'one short of the threshold of 5');
    const lockoutTime = [state['lockoutTime'] ?? []].flat();
    assert.ok(lockoutTime.length === 0 || lockoutTime[0] === '0', `not locked: ${JSON.stringify(state)}`);
    assert.equal(await dc.simpleBind(u.upn, FIRST), true);
  });
});
