// The OpenLDAP directory adapter against a real slapd with ppolicy (test/helpers/slapd.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Directory, DirectorySettings } from '../../src/directory/directory.js';
import { DirectoryUnavailableError } from '../../src/directory/directory.js';
import { createOpenLdapDirectory } from '../../src/directory/openldap.js';
import { freePort } from '../helpers/node-process.js';
import { startSlapd, type TestSlapd } from '../helpers/slapd.js';

let slapd: TestSlapd;
let dir: Directory;
const clock = { now: () => Date.now() };
const opened: Directory[] = [];

function settings(over: Partial<DirectorySettings> = {}): DirectorySettings {
  return {
    kind: 'openldap',
    urls: [slapd.url],
    startTls: false,
    ca: null,
    tlsVerify: true,
    bindDn: slapd.serviceDn,
    bindPassword: slapd.servicePassword,
    userBase: slapd.peopleBase,
    userFilter: '(|(uid={login})(mail={login}))',
    attributes: { login: 'uid', mail: 'mail', displayName: 'cn', id: 'entryUUID' },
    groupRoles: [],
    timeoutMs: 3000,
    connectTimeoutMs: 1000,
    poolSize: 2,
    ...over,
  };
}

function open(over: Partial<DirectorySettings> = {}): Directory {
  const d = createOpenLdapDirectory(settings(over), { clock });
  opened.push(d);
  return d;
}

let n = 0;
async function user(password = 'first-password-1', extra: Parameters<TestSlapd['addUser']>[0] extends infer U ? Partial<U> : never = {}) {
  n += 1;
  const uid = `person${n}`;
  const dn = await slapd.addUser({ uid, mail: `${uid}@example.org`, cn: `Person ${n}`, password, ...extra });
  const entry = await dir.findEntry(uid);
  assert.ok(entry);
  return { uid, dn, entry, password };
}

before(async () => {
  const t = performance.now();
  slapd = await startSlapd();
  console.log(`slapd started in ${Math.round(performance.now() - t)} ms`);
  dir = open();
});

after(async () => {
  for (const d of opened) await d.close();
  await slapd?.stop();
});

test('finds an entry by uid and by mail, with its stable id; none for an unknown login or a filter injection', async () => {
  const { uid, dn, entry } = await user();
  assert.equal(entry.dn, dn);
  assert.equal(entry.login, uid);
  assert.equal(entry.mail, `${uid}@example.org`);
  assert.match(entry.id, /^[0-9a-f-]{36}$/);
  assert.equal(entry.recentFailures, 0);
  assert.equal(entry.locked, false);
  assert.deepEqual(await dir.findEntry(`${uid}@example.org`), entry);
  assert.deepEqual(await dir.findEntryById(entry.id), entry);
  assert.equal(await dir.findEntry('nobody'), null);
  assert.equal(await dir.findEntry('*'), null);
  assert.equal(await dir.findEntry('person*)(uid=*'), null);
  assert.equal(await dir.findEntryById('00000000-0000-0000-0000-000000000000'), null);
});

test('groups come from memberOf', async () => {
  const { uid, dn } = await user();
  const group = await slapd.addGroup(`helpdesk-${uid}`, [dn]);
  assert.deepEqual((await dir.findEntry(uid))?.groups, [group]);
});

test('the right password binds; a wrong one is "wrong" and counts; the policy locks after pwdMaxFailure', async () => {
  const { uid, entry, password } = await user();
  let t = performance.now();
  assert.deepEqual(await dir.verifyPassword(entry, password), { ok: true });
  console.log(`a bind (pooled connection may be new) in ${Math.round(performance.now() - t)} ms`);
  t = performance.now();
  assert.deepEqual(await dir.verifyPassword(entry, password), { ok: true });
  console.log(`a bind on a pooled connection in ${(performance.now() - t).toFixed(1)} ms`);
  assert.deepEqual(await dir.verifyPassword(entry, ''), { ok: false, reason: 'wrong' });
  for (let i = 1; i <= 4; i += 1) {
    assert.deepEqual(await dir.verifyPassword(entry, 'not-the-password'), { ok: false, reason: 'wrong' });
    assert.equal((await dir.findEntry(uid))?.recentFailures, i);
  }
  assert.deepEqual(await dir.verifyPassword(entry, 'not-the-password'), { ok: false, reason: 'wrong' });
  const locked = await dir.findEntry(uid);
  assert.equal(locked?.locked, true);
  assert.equal(locked?.disabled, false);
  assert.deepEqual(await dir.verifyPassword(entry, password), { ok: false, reason: 'locked' });
  assert.deepEqual((await dir.policyFor(entry)).lockout, { threshold: 5, windowMs: 300_000 });
});

test('a change as the person works: the new password binds with ldapwhoami, the old one no longer', async () => {
  const { dn, entry, password } = await user();
  const t = performance.now();
  assert.deepEqual(await dir.changePassword(entry, password, 'second-password-2'), { ok: true });
  console.log(`a change in ${Math.round(performance.now() - t)} ms`);
  assert.equal(await slapd.ldapwhoami(dn, 'second-password-2'), true);
  assert.equal(await slapd.ldapwhoami(dn, password), false);
});

test('refused changes come back as the refusals the checklist shows', async () => {
  const { dn, entry, password } = await user();
  assert.deepEqual(await dir.changePassword(entry, 'wrong-old-password', 'second-password-2'), { ok: false, refusals: ['current-password-wrong'] });
  assert.deepEqual(await dir.changePassword(entry, password, 'short'), { ok: false, refusals: ['too-short'] });
  assert.deepEqual(await dir.changePassword(entry, password, 'second-password-2'), { ok: true });
  assert.deepEqual(await dir.changePassword(entry, 'second-password-2', password), { ok: false, refusals: ['in-history'] });
  assert.equal(await slapd.ldapwhoami(dn, 'second-password-2'), true);
  const young = await user('first-password-1', { policy: { pwdMinAge: 3600 } });
  assert.deepEqual(await dir.changePassword(young.entry, young.password, 'second-password-2'), { ok: false, refusals: ['too-young'] });
  assert.equal((await dir.policyFor(young.entry)).minAgeMs, 3_600_000);
  assert.deepEqual(await dir.policyFor(null), {
    minLength: 8,
    historyLength: 3,
    minAgeMs: 0,
    maxAgeMs: null,
    complexity: false,
    lockout: { threshold: 5, windowMs: 300_000 },
  });
});

test('a reset with forceChange: the new password binds and the next bind says mustChange "reset"', async () => {
  const { uid, dn, entry, password } = await user();
  for (let i = 0; i < 5; i += 1) await dir.verifyPassword(entry, 'not-the-password');
  assert.equal((await dir.findEntry(uid))?.locked, true);
  assert.deepEqual(await dir.resetPassword(entry, 'reset-password-3', { forceChange: true }), { ok: true });
  assert.equal(await slapd.ldapwhoami(dn, password), false);
  const after = await dir.findEntry(uid);
  assert.equal(after?.mustChange, true);
  assert.equal(after?.locked, false);
  assert.deepEqual(await dir.verifyPassword(entry, 'reset-password-3'), { ok: true, mustChange: 'reset' });
  assert.deepEqual(await dir.changePassword(entry, 'reset-password-3', 'fourth-password-4'), { ok: true });
  assert.equal((await dir.findEntry(uid))?.mustChange, false);
  assert.deepEqual(await dir.verifyPassword(entry, 'fourth-password-4'), { ok: true });
  assert.deepEqual(await dir.resetPassword(entry, 'fifth-password-5', { forceChange: false }), { ok: true });
  assert.equal((await dir.findEntry(uid))?.mustChange, false);
  assert.equal(await slapd.ldapwhoami(dn, 'fifth-password-5'), true);
});

test('an expired password with grace logins binds with the count; without grace it is "expired" and can still be changed', async () => {
  const changedAt = new Date(Date.now() - 2 * 3600_000);
  const grace = await user('first-password-1', { policy: { pwdMaxAge: 3600, pwdGraceAuthNLimit: 3 }, changedAt });
  assert.equal(grace.entry.passwordChangedAt, Math.floor(changedAt.getTime() / 1000) * 1000);
  assert.deepEqual(await dir.verifyPassword(grace.entry, grace.password), { ok: true, mustChange: 'expired', warning: { graceLoginsLeft: 2 } });
  const none = await user('first-password-1', { policy: { pwdMaxAge: 3600, pwdGraceAuthNLimit: 0 }, changedAt });
  assert.deepEqual(await dir.verifyPassword(none.entry, none.password), { ok: false, reason: 'expired' });
  assert.deepEqual(await dir.changePassword(none.entry, 'wrong-old-password', 'second-password-2'), { ok: false, refusals: ['current-password-wrong'] });
  assert.deepEqual(await dir.changePassword(none.entry, none.password, 'second-password-2'), { ok: true });
  assert.equal(await slapd.ldapwhoami(none.dn, 'second-password-2'), true);
});

test('a directory that is down: DirectoryUnavailableError, never with a password in it', async () => {
  const down = open({ urls: [`ldap://127.0.0.1:${await freePort()}`] });
  await assert.rejects(down.check(), DirectoryUnavailableError);
  const err = await down.findEntry('someone').catch((e: unknown) => e);
  assert.ok(err instanceof DirectoryUnavailableError);
  assert.doesNotMatch(err.message, new RegExp(slapd.servicePassword));
  const entry = (await dir.findEntry((await user()).uid))!;
  const bindErr = await down.verifyPassword(entry, 'first-password-1').catch((e: unknown) => e);
  assert.ok(bindErr instanceof DirectoryUnavailableError);
  assert.doesNotMatch(bindErr.message, /first-password-1/);
});

test('failover: a closed port first, the real directory second', async () => {
  const failover = open({ urls: [`ldap://127.0.0.1:${await freePort()}`, slapd.url] });
  await failover.check();
  const { entry, password } = await user();
  assert.deepEqual(await failover.verifyPassword(entry, password), { ok: true });
});

test('StartTLS and ldaps with the run CA and verification on; a wrong CA is unavailable', async () => {
  const { uid, entry, password } = await user();
  for (const over of [
    { startTls: true, ca: slapd.ca },
    { urls: [slapd.ldapsUrl], ca: slapd.ca },
  ]) {
    const secure = open(over);
    await secure.check();
    assert.equal((await secure.findEntry(uid))?.id, entry.id);
    assert.deepEqual(await secure.verifyPassword(entry, password), { ok: true });
  }
  const untrusted = open({ urls: [slapd.ldapsUrl], ca: null });
  await assert.rejects(untrusted.check(), DirectoryUnavailableError);
});
