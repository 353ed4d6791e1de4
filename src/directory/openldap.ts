// The Directory contract (directory.ts) over OpenLDAP with the ppolicy overlay. Searches and resets run as the
// service account, binds and changes as the person (connection.ts pools both). The ppolicy control goes with every
// bind and password change; its answer decides the outcome, the LDAP result code only when it is silent.
//
// Which policy applies: the entry's pwdPolicySubentry, else the default policy. The overlay's default
// (olcPPolicyDefault) lives in cn=config, which a service account cannot read, so the default is found once: the
// pwdPolicy entries in the naming context that holds the user base; the only one, else the one named cn=default,
// else the one that locks soonest (the safe choice for "never lock the person out from Passdesk").

import { BerWriter, Change, Attribute, type Client, Filter, InvalidCredentialsError, ResultCodeError } from 'ldapts';
import { createDirectoryConnections, type DirectoryConnections, isConnectionFailure } from './connection.js';
import {
  type BindOutcome,
  type Directory,
  type DirectoryEntry,
  type DirectoryPolicy,
  type DirectoryRefusal,
  type DirectorySettings,
  DirectoryUnavailableError,
  type PasswordWriteOutcome,
} from './directory.js';
import { PasswordPolicyControl, type PasswordPolicyError } from './ppolicy-control.js';

const PASSWORD_MODIFY_OID = '1.3.6.1.4.1.4203.1.11.1';
const POLICY_CACHE_MS = 60_000;
/** pwdAccountLockedTime of an entry an administrator locked for good. */
const LOCKED_FOR_GOOD = '000001010000Z';
const PPOLICY_STATE = ['memberOf', 'pwdFailureTime', 'pwdAccountLockedTime', 'pwdChangedTime', 'pwdReset', 'pwdPolicySubentry'];
const POLICY_ATTRS = [
  'pwdMinLength',
  'pwdCheckQuality',
  'pwdInHistory',
  'pwdMinAge',
  'pwdMaxAge',
  'pwdMaxFailure',
  'pwdLockout',
  'pwdFailureCountInterval',
  'pwdLockoutDuration',
];

interface RawPolicy {
  policy: DirectoryPolicy;
  /** pwdLockoutDuration in ms; 0: locked until an administrator unlocks. */
  lockoutDurationMs: number;
}

type Attrs = Record<string, string | string[] | Buffer | Buffer[]>;

function values(e: Attrs, name: string): string[] {
  const key = Object.keys(e).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key === undefined ? undefined : e[key];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

const first = (e: Attrs, name: string): string | null => values(e, name)[0] ?? null;
const num = (e: Attrs, name: string): number => Number(first(e, name) ?? 0) || 0;

/** LDAP GeneralizedTime (20240102030405Z, optional fraction) → epoch ms; null when unreadable. */
export function parseGeneralizedTime(s: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:[.,](\d+))?Z$/.exec(s);
  if (!m) return null;
  const ms = Number(`0.${m[7] ?? '0'}`) * 1000;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)) + Math.round(ms);
}

function policyFromEntry(e: Attrs | null): RawPolicy {
  if (e === null) {
    return { policy: { minLength: 0, historyLength: 0, minAgeMs: 0, maxAgeMs: null, complexity: false, lockout: null }, lockoutDurationMs: 0 };
  }
  const maxFailure = num(e, 'pwdMaxFailure');
  const interval = num(e, 'pwdFailureCountInterval');
  const maxAge = num(e, 'pwdMaxAge');
  return {
    policy: {
      // ppolicy checks the length only when pwdCheckQuality is 1 or 2.
      minLength: num(e, 'pwdCheckQuality') > 0 ? num(e, 'pwdMinLength') : 0,
      historyLength: num(e, 'pwdInHistory'),
      minAgeMs: num(e, 'pwdMinAge') * 1000,
      maxAgeMs: maxAge > 0 ? maxAge * 1000 : null,
      complexity: false,
      lockout:
        first(e, 'pwdLockout')?.toUpperCase() === 'TRUE' && maxFailure > 0 ? { threshold: maxFailure, windowMs: interval > 0 ? interval * 1000 : null } : null,
    },
    lockoutDurationMs: num(e, 'pwdLockoutDuration') * 1000,
  };
}

/** RFC 3062 PasswdModifyRequestValue: SEQUENCE { userIdentity [0], oldPasswd [1], newPasswd [2] } (all optional). */
function passwordModifyValue(o: { dn: string; oldPassword?: string; newPassword: string }): Buffer {
  const writer = new BerWriter();
  writer.startSequence();
  writer.writeString(o.dn, 0x80);
  if (o.oldPassword !== undefined) writer.writeString(o.oldPassword, 0x81);
  writer.writeString(o.newPassword, 0x82);
  writer.endSequence();
  return writer.buffer;
}

const REFUSALS: Partial<Record<PasswordPolicyError, DirectoryRefusal>> = {
  passwordTooShort: 'too-short',
  insufficientPasswordQuality: 'quality',
  passwordInHistory: 'in-history',
  passwordTooYoung: 'too-young',
  mustSupplyOldPassword: 'must-supply-old',
  passwordModNotAllowed: 'not-allowed',
};

/** A refused Password Modify → the refusal; connection failures are rethrown. */
function refusalOf(err: unknown, control: PasswordPolicyControl): PasswordWriteOutcome {
  if (isConnectionFailure(err) || !(err instanceof ResultCodeError)) throw err;
  const error = control.response?.error;
  return { ok: false, refusals: [(error && REFUSALS[error]) || 'not-allowed'] };
}

function bindOutcome(control: PasswordPolicyControl): BindOutcome {
  const r = control.response;
  if (r?.error === 'changeAfterReset') return { ok: true, mustChange: 'reset' };
  if (r?.graceAuthNsRemaining !== undefined) return { ok: true, mustChange: 'expired', warning: { graceLoginsLeft: r.graceAuthNsRemaining } };
  if (r?.timeBeforeExpiration !== undefined) return { ok: true, warning: { expiresInSeconds: r.timeBeforeExpiration } };
  return { ok: true };
}

/** The policy entries, each read at most once a minute (POLICY_CACHE_MS). */
function createPolicyReader(settings: DirectorySettings, clock: { now(): number }) {
  const policies = new Map<string, { raw: RawPolicy; at: number }>();
  let defaultPolicyDn: { dn: string | null; at: number } | null = null;
  async function findDefaultPolicyDn(client: Client): Promise<string | null> {
    const now = clock.now();
    if (defaultPolicyDn && now - defaultPolicyDn.at < POLICY_CACHE_MS) return defaultPolicyDn.dn;
    const root = await client.search('', { scope: 'base', attributes: ['namingContexts'] });
    const contexts = values(root.searchEntries[0] ?? {}, 'namingContexts');
    const base = contexts.find((c) => settings.userBase.toLowerCase().endsWith(c.toLowerCase())) ?? settings.userBase;
    const found = await client.search(base, { scope: 'sub', filter: '(objectClass=pwdPolicy)', attributes: ['cn', 'pwdMaxFailure', 'pwdLockout'] });
    const all = found.searchEntries;
    const locksAfter = (e: Attrs): number =>
      first(e, 'pwdLockout')?.toUpperCase() === 'TRUE' && num(e, 'pwdMaxFailure') > 0 ? num(e, 'pwdMaxFailure') : Infinity;
    const chosen =
      all.length === 1
        ? all[0]
        : (all.find((e) => values(e, 'cn').some((c) => c.toLowerCase() === 'default')) ?? [...all].sort((x, y) => locksAfter(x) - locksAfter(y))[0]);
    defaultPolicyDn = { dn: chosen?.dn ?? null, at: now };
    return defaultPolicyDn.dn;
  }

  async function rawPolicy(client: Client, subentry: string | null): Promise<RawPolicy> {
    const dn = subentry ?? (await findDefaultPolicyDn(client));
    if (dn === null) return policyFromEntry(null);
    const now = clock.now();
    const cached = policies.get(dn.toLowerCase());
    if (cached && now - cached.at < POLICY_CACHE_MS) return cached.raw;
    const { searchEntries } = await client.search(dn, { scope: 'base', filter: '(objectClass=pwdPolicy)', attributes: POLICY_ATTRS });
    const raw = policyFromEntry(searchEntries[0] ?? null);
    policies.set(dn.toLowerCase(), { raw, at: now });
    return raw;
  }

  return { rawPolicy };
}

/** A search result with its policy → the contract's entry (null without a stable id). */
function entryFrom(
  e: Attrs & { dn: string },
  a: DirectorySettings['attributes'],
  { policy, lockoutDurationMs }: RawPolicy,
  now: number,
): DirectoryEntry | null {
  const id = first(e, a.id);
  if (id === null) return null;
  const lockedTime = first(e, 'pwdAccountLockedTime');
  const disabled = lockedTime === LOCKED_FOR_GOOD;
  const lockedAt = lockedTime === null || disabled ? null : parseGeneralizedTime(lockedTime);
  const windowMs = policy.lockout?.windowMs ?? null;
  const failures = values(e, 'pwdFailureTime')
    .map(parseGeneralizedTime)
    .filter((t): t is number => t !== null && (windowMs === null || now - t < windowMs));
  const changed = first(e, 'pwdChangedTime');
  return {
    id,
    dn: e.dn,
    login: first(e, a.login) ?? '',
    mail: first(e, a.mail),
    displayName: first(e, a.displayName),
    groups: values(e, 'memberOf'),
    disabled,
    locked: lockedAt !== null && (lockoutDurationMs === 0 || now < lockedAt + lockoutDurationMs),
    recentFailures: failures.length,
    passwordChangedAt: changed === null ? null : parseGeneralizedTime(changed),
    mustChange: first(e, 'pwdReset')?.toUpperCase() === 'TRUE',
  };
}

/** The owner's change: Password Modify bound as the person, or as the service account when the password has expired. */
async function changeAsPerson(conns: DirectoryConnections, entry: DirectoryEntry, oldPassword: string, newPassword: string): Promise<PasswordWriteOutcome> {
  if (oldPassword === '') return { ok: false, refusals: ['current-password-wrong'] };
  const bindControl = new PasswordPolicyControl();
  const changeControl = new PasswordPolicyControl();
  const value = passwordModifyValue({ dn: entry.dn, oldPassword, newPassword });
  try {
    await conns.asPerson(entry.dn, oldPassword, [bindControl], (client) => client.exop(PASSWORD_MODIFY_OID, value, [changeControl]));
    return { ok: true };
  } catch (err) {
    if (!(err instanceof InvalidCredentialsError) || isConnectionFailure(err)) return refusalOf(err, changeControl);
    // The bind was refused. An expired password (right, but no grace left) may still be replaced: the
    // directory proved the old password by saying "expired", so the service account writes the new one.
    const bindError = bindControl.response?.error;
    if (bindError === 'accountLocked') return { ok: false, refusals: ['not-allowed'] };
    if (bindError !== 'passwordExpired') return { ok: false, refusals: ['current-password-wrong'] };
  }
  const serviceControl = new PasswordPolicyControl();
  try {
    await conns.asService((client) => client.exop(PASSWORD_MODIFY_OID, value, [serviceControl]));
    return { ok: true };
  } catch (err) {
    return refusalOf(err, serviceControl);
  }
}

/** A reset: Password Modify without the old password, as the service account. */
async function resetAsService(
  conns: DirectoryConnections,
  entry: DirectoryEntry,
  newPassword: string,
  o: { forceChange: boolean },
): Promise<PasswordWriteOutcome> {
  const control = new PasswordPolicyControl();
  try {
    await conns.asService(async (client) => {
      await client.exop(PASSWORD_MODIFY_OID, passwordModifyValue({ dn: entry.dn, newPassword }), [control]);
      // pwdReset TRUE makes the directory demand a change at the next bind; a replace with no value removes it
      // (ppolicy sets it by itself after an administrator's change when pwdMustChange is TRUE). A reset also
      // ends a lockout, but never an administrator's lock for good.
      const changes = [new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdReset', values: o.forceChange ? ['TRUE'] : [] }) })];
      if (!entry.disabled) changes.push(new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: [] }) }));
      await client.modify(entry.dn, changes);
    });
    return { ok: true };
  } catch (err) {
    return refusalOf(err, control);
  }
}

export function createOpenLdapDirectory(settings: DirectorySettings, deps: { clock: { now(): number } }): Directory {
  const conns = createDirectoryConnections(settings);
  const { rawPolicy } = createPolicyReader(settings, deps.clock);
  const a = settings.attributes;
  const entryAttributes = [a.login, a.mail, a.displayName, a.id, ...PPOLICY_STATE];
  /** entry DN → its pwdPolicySubentry (null: the default), from the latest read. */
  const subentries = new Map<string, string | null>();

  async function toEntry(client: Client, e: Attrs & { dn: string }): Promise<DirectoryEntry | null> {
    const id = first(e, a.id);
    if (id === null) return null;
    const subentry = first(e, 'pwdPolicySubentry');
    if (subentries.size > 10_000) subentries.clear();
    subentries.set(e.dn, subentry);
    return entryFrom(e, a, await rawPolicy(client, subentry), deps.clock.now());
  }

  function searchOne(filter: string): Promise<DirectoryEntry | null> {
    return conns.asService(async (client) => {
      const { searchEntries } = await client.search(settings.userBase, { scope: 'sub', filter, attributes: entryAttributes, sizeLimit: 2 });
      return searchEntries.length === 1 ? toEntry(client, searchEntries[0]!) : null;
    });
  }

  return {
    kind: 'openldap',

    findEntry(login) {
      if (login === '') return Promise.resolve(null);
      // A function, not a string: a replacement string would read $&, $' and $` in the login as patterns that
      // paste parts of the filter itself into it (a reshaped filter, or one that no longer parses).
      const escaped = Filter.escape(login);
      return searchOne(settings.userFilter.replaceAll('{login}', () => escaped));
    },

    findEntryById(id) {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return Promise.resolve(null);
      return searchOne(`(${a.id}=${Filter.escape(id)})`);
    },

    async verifyPassword(entry, password) {
      // An empty password would be an unauthenticated bind, which succeeds.
      if (password === '') return { ok: false, reason: 'wrong' };
      const control = new PasswordPolicyControl();
      try {
        await conns.asPerson(entry.dn, password, [control]);
        return bindOutcome(control);
      } catch (err) {
        if (isConnectionFailure(err)) throw err;
        if (err instanceof ResultCodeError) {
          if (control.response?.error === 'accountLocked') return { ok: false, reason: 'locked' };
          if (control.response?.error === 'passwordExpired') return { ok: false, reason: 'expired' };
          return { ok: false, reason: 'wrong' };
        }
        throw err;
      }
    },

    async verifyDummy(password) {
      const dn = `${a.login}=passdesk-no-such-entry,${settings.userBase}`;
      await conns.asPerson(dn, password === '' ? 'x' : password, [new PasswordPolicyControl()]).catch((err) => {
        if (isConnectionFailure(err)) throw err;
      });
    },

    changePassword: (entry, oldPassword, newPassword) => changeAsPerson(conns, entry, oldPassword, newPassword),

    resetPassword: (entry, newPassword, o) => resetAsService(conns, entry, newPassword, o),

    async policyFor(entry) {
      return conns.asService(async (client) => {
        let subentry: string | null = null;
        if (entry !== null) {
          if (subentries.has(entry.dn)) subentry = subentries.get(entry.dn) ?? null;
          else {
            const { searchEntries } = await client.search(entry.dn, { scope: 'base', attributes: ['pwdPolicySubentry'] });
            subentry = first(searchEntries[0] ?? {}, 'pwdPolicySubentry');
          }
        }
        return (await rawPolicy(client, subentry)).policy;
      });
    },

    async check() {
      try {
        await conns.asService((client) => client.search(settings.userBase, { scope: 'base', attributes: ['1.1'] }));
      } catch (err) {
        if (err instanceof DirectoryUnavailableError) throw err;
        throw new DirectoryUnavailableError(`the directory answered the readiness search with ${err instanceof Error ? err.name : 'an error'}`);
      }
    },

    close: () => conns.close(),
  };
}
