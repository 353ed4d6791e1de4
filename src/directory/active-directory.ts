// The Directory contract on Active Directory (Windows AD DS or a Samba AD DC). Searches and resets run as the
// service account; a sign-in and a change bind as the person. AD speaks in its own idioms, decoded here:
// - a refused bind carries `data XXX` in its message (52e wrong password, 775 locked, 773 must change …);
// - times are FILETIMEs (100-ns intervals since 1601) and policy durations negative 100-ns intervals;
// - a password is written to unicodePwd as the UTF-16LE of the quoted password, over TLS only: a change is
//   delete-old + add-new (checked against the policy, old password required), a reset a replace;
// - a refused password is a constraint violation `0000052D` (Samba says why in the message; Windows does not,
//   so the reason is then inferred from the policy that applies), a wrong old password `00000056`;
// - the rules are the domain object's, or the fine-grained policy (PSO) named by the entry's msDS-ResultantPSO.

import {
  Attribute,
  Change,
  type Client,
  ConstraintViolationError,
  Control,
  type Entry,
  EqualityFilter,
  Filter,
  InvalidCredentialsError,
  ResultCodeError,
  type BerWriter,
} from 'ldapts';
import { createDirectoryConnections, isConnectionFailure } from './connection.js';
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

export interface ActiveDirectoryDeps {
  clock: { now(): number };
}

/** The rules that apply to an entry, with what findEntry needs to tell whether a lockout still holds. */
interface AdPolicy extends DirectoryPolicy {
  /** How long a lockout lasts; null: until an administrator unlocks. */
  lockoutDurationMs: number | null;
}

const POLICY_TTL_MS = 60_000;
const ACCOUNTDISABLE = 0x2;

// ------------------------------------------------------------------------------- AD's encodings

/** 1601-01-01 to 1970-01-01 in ms: FILETIME epoch to Unix epoch. */
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;
const AD_NEVER = 9_223_372_036_854_775_807n;

/** An AD point in time (FILETIME) → epoch ms; null for 0 and "never" (0x7FFFFFFFFFFFFFFF). */
export function filetimeToMs(value: string | undefined): number | null {
  if (value === undefined || !/^-?\d+$/.test(value)) return null;
  const v = BigInt(value);
  if (v <= 0n || v >= AD_NEVER) return null;
  return Number(v / 10_000n - FILETIME_EPOCH_OFFSET_MS);
}

/** An AD duration (negative 100-ns intervals) → ms; null for 0 and the minimum value, both "no limit/forever". */
export function intervalToMs(value: string | undefined): number | null {
  if (value === undefined || !/^-?\d+$/.test(value)) return null;
  const v = BigInt(value);
  if (v === 0n || v <= -AD_NEVER) return null;
  return Number((v < 0n ? -v : v) / 10_000n);
}

/** objectGUID bytes → the usual string form (the first three groups are little-endian). */
export function guidToString(bytes: Buffer): string {
  const hex = (from: number, to: number, reverse: boolean): string => {
    const part = [...bytes.subarray(from, to)];
    return (reverse ? part.reverse() : part).map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

/** The string form back to objectGUID bytes; null when it is not a GUID. */
export function guidToBytes(id: string): Buffer | null {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  const h = id.replace(/-/g, '');
  const le = (s: string): string => s.match(/../g)!.reverse().join('');
  return Buffer.from(le(h.slice(0, 8)) + le(h.slice(8, 12)) + le(h.slice(12, 16)) + h.slice(16), 'hex');
}

/** The `data XXX` code of a refused bind (52e, 773 …), lower case; null when the message has none. */
export function bindDataCode(err: unknown): string | null {
  if (!(err instanceof Error)) return null;
  return /\bdata ([0-9a-f]{3,8})\b/i.exec(err.message)?.[1]?.toLowerCase() ?? null;
}

/** A refused bind → why, from its data code. Unknown codes count as a wrong password (nothing more is said). */
export function bindRefusalReason(code: string | null): Extract<BindOutcome, { ok: false }>['reason'] {
  switch (code) {
    case '530': // not permitted to log on at this time
    case '531': // not permitted to log on at this workstation
    case '533': // account disabled
    case '701': // account expired
      return 'disabled';
    case '532':
      return 'expired';
    case '773':
      return 'must-change';
    case '775':
      return 'locked';
    default: // 52e wrong password, 525 no such user
      return 'wrong';
  }
}

function unicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

function passwordChange(oldPassword: string, newPassword: string): Change[] {
  return [
    new Change({ operation: 'delete', modification: new Attribute({ type: 'unicodePwd', values: [unicodePwd(oldPassword)] }) }),
    new Change({ operation: 'add', modification: new Attribute({ type: 'unicodePwd', values: [unicodePwd(newPassword)] }) }),
  ];
}

/**
 * LDAP_SERVER_POLICY_HINTS (1.2.840.113556.1.4.2239, value SEQUENCE { INTEGER 1 }): a reset by the service account
 * is then held to the password history like a change, so a reset cannot bring back a recent password.
 */
class PolicyHintsControl extends Control {
  constructor() {
    super('1.2.840.113556.1.4.2239', { critical: false });
  }
  protected override writeControl(writer: BerWriter): void {
    const value = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]);
    writer.writeBuffer(value, 0x04);
  }
}

// ------------------------------------------------------------------------------- refusals

/** AD's complexity rule: three of upper, lower, digit, other; not containing the account name (3+ chars). */
export function meetsAdComplexity(password: string, accountName: string): boolean {
  const kinds = [/\p{Lu}/u, /\p{Ll}/u, /\p{Nd}/u, /[^\p{L}\p{Nd}]/u].filter((re) => re.test(password)).length;
  if (kinds < 3) return false;
  return accountName.length < 3 || !password.toLowerCase().includes(accountName.toLowerCase());
}

/** The refusal a write's error names by itself (Samba's messages, a wrong old password, no right); null: it must be inferred. */
export function namedRefusals(err: ResultCodeError): DirectoryRefusal[] | null {
  const message = err.message;
  if (/^00000056\b/.test(message) || /old password/i.test(message)) return ['current-password-wrong'];
  if (!(err instanceof ConstraintViolationError) && !/0000052D/i.test(message)) return ['not-allowed'];
  if (/too short/i.test(message)) return ['too-short'];
  if (/complexity/i.test(message)) return ['quality'];
  if (/history|already used/i.test(message)) return ['in-history'];
  if (/too young/i.test(message)) return ['too-young'];
  return null;
}

/**
 * A refused unicodePwd write → the checklist lines. Samba names the reason in the message; Windows AD says only
 * 0000052D, so the reason is then inferred from the policy (length, complexity, minimum age; otherwise the history).
 */
export function passwordWriteRefusals(
  err: ResultCodeError,
  ctx: { newPassword: string; entry: DirectoryEntry; policy: DirectoryPolicy; now: number; isChange: boolean },
): DirectoryRefusal[] {
  const named = namedRefusals(err);
  if (named !== null) return named;
  const { newPassword, entry, policy, now, isChange } = ctx;
  const inferred: DirectoryRefusal[] = [];
  if ([...newPassword].length < policy.minLength) inferred.push('too-short');
  if (policy.complexity && !meetsAdComplexity(newPassword, entry.login)) inferred.push('quality');
  if (isChange && policy.minAgeMs > 0 && entry.passwordChangedAt !== null && entry.passwordChangedAt + policy.minAgeMs > now) inferred.push('too-young');
  if (inferred.length > 0) return inferred;
  return policy.historyLength > 0 ? ['in-history'] : ['not-allowed'];
}

// ------------------------------------------------------------------------------- entries and policies

const ENTRY_ATTRIBUTES = [
  'objectGUID',
  'sAMAccountName',
  'userPrincipalName',
  'mail',
  'displayName',
  'memberOf',
  'userAccountControl',
  'accountExpires',
  'lockoutTime',
  'badPwdCount',
  'badPasswordTime',
  'pwdLastSet',
  'msDS-ResultantPSO',
];

const DOMAIN_POLICY_ATTRIBUTES = [
  'minPwdLength',
  'pwdHistoryLength',
  'minPwdAge',
  'maxPwdAge',
  'pwdProperties',
  'lockoutThreshold',
  'lockOutObservationWindow',
  'lockoutDuration',
];

const PSO_ATTRIBUTES = [
  'msDS-MinimumPasswordLength',
  'msDS-PasswordHistoryLength',
  'msDS-MinimumPasswordAge',
  'msDS-MaximumPasswordAge',
  'msDS-PasswordComplexityEnabled',
  'msDS-LockoutThreshold',
  'msDS-LockoutObservationWindow',
  'msDS-LockoutDuration',
];

/** Case-insensitive attribute access (servers may answer in another case than asked). */
function reader(entry: Entry): { one(name: string): string | undefined; all(name: string): string[]; buffer(name: string): Buffer | undefined } {
  const byName = new Map(Object.entries(entry).map(([k, v]) => [k.toLowerCase(), v]));
  const values = (name: string): Array<string | Buffer> => {
    const v = byName.get(name.toLowerCase());
    if (v === undefined) return [];
    return Array.isArray(v) ? v : [v];
  };
  return {
    one: (name) => {
      const v = values(name)[0];
      return v === undefined ? undefined : String(v);
    },
    all: (name) => values(name).map(String),
    buffer: (name) => {
      const v = values(name)[0];
      return Buffer.isBuffer(v) ? v : undefined;
    },
  };
}

function toPolicy(p: {
  minLength?: string;
  history?: string;
  minAge?: string;
  maxAge?: string;
  complexity: boolean;
  threshold?: string;
  window?: string;
  duration?: string;
}): AdPolicy {
  const threshold = Number.parseInt(p.threshold ?? '0', 10) || 0;
  return {
    minLength: Number.parseInt(p.minLength ?? '0', 10) || 0,
    historyLength: Number.parseInt(p.history ?? '0', 10) || 0,
    minAgeMs: intervalToMs(p.minAge) ?? 0,
    maxAgeMs: intervalToMs(p.maxAge),
    complexity: p.complexity,
    lockout: threshold > 0 ? { threshold, windowMs: intervalToMs(p.window) } : null,
    lockoutDurationMs: intervalToMs(p.duration),
  };
}

export function domainPolicy(entry: Entry): AdPolicy {
  const r = reader(entry);
  return toPolicy({
    minLength: r.one('minPwdLength'),
    history: r.one('pwdHistoryLength'),
    minAge: r.one('minPwdAge'),
    maxAge: r.one('maxPwdAge'),
    complexity: ((Number.parseInt(r.one('pwdProperties') ?? '0', 10) || 0) & 1) === 1,
    threshold: r.one('lockoutThreshold'),
    window: r.one('lockOutObservationWindow'),
    duration: r.one('lockoutDuration'),
  });
}

export function psoPolicy(entry: Entry): AdPolicy {
  const r = reader(entry);
  return toPolicy({
    minLength: r.one('msDS-MinimumPasswordLength'),
    history: r.one('msDS-PasswordHistoryLength'),
    minAge: r.one('msDS-MinimumPasswordAge'),
    maxAge: r.one('msDS-MaximumPasswordAge'),
    complexity: r.one('msDS-PasswordComplexityEnabled')?.toUpperCase() === 'TRUE',
    threshold: r.one('msDS-LockoutThreshold'),
    window: r.one('msDS-LockoutObservationWindow'),
    duration: r.one('msDS-LockoutDuration'),
  });
}

/** A search result → the contract's entry, judged against the policy that applies to it at `now`. */
export function toDirectoryEntry(entry: Entry, settings: DirectorySettings, policy: AdPolicy, now: number): DirectoryEntry {
  const r = reader(entry);
  const guid = r.buffer(settings.attributes.id);
  const uac = Number.parseInt(r.one('userAccountControl') ?? '0', 10) || 0;
  const expiresAt = filetimeToMs(r.one('accountExpires'));
  const lockedAt = filetimeToMs(r.one('lockoutTime'));
  const lastFailureAt = filetimeToMs(r.one('badPasswordTime'));
  const windowMs = policy.lockout?.windowMs ?? null;
  const failuresCount = lastFailureAt !== null && (windowMs === null || lastFailureAt + windowMs > now);
  const pwdLastSet = r.one('pwdLastSet');
  return {
    id: guid && guid.length === 16 ? guidToString(guid) : (r.one(settings.attributes.id) ?? ''),
    dn: entry.dn,
    login: r.one(settings.attributes.login) ?? '',
    mail: r.one(settings.attributes.mail) ?? null,
    displayName: r.one(settings.attributes.displayName) ?? null,
    groups: r.all('memberOf'),
    disabled: (uac & ACCOUNTDISABLE) !== 0 || (expiresAt !== null && expiresAt <= now),
    locked: lockedAt !== null && (policy.lockoutDurationMs === null || lockedAt + policy.lockoutDurationMs > now),
    recentFailures: failuresCount ? Number.parseInt(r.one('badPwdCount') ?? '0', 10) || 0 : 0,
    passwordChangedAt: filetimeToMs(pwdLastSet),
    mustChange: pwdLastSet === '0',
  };
}

/** The user filter with {login} escaped (RFC 4515). */
export function userFilter(template: string, login: string): string {
  return template.split('{login}').join(Filter.escape(login));
}

// ------------------------------------------------------------------------------- the directory

export function createActiveDirectory(settings: DirectorySettings, deps: ActiveDirectoryDeps): Directory {
  const connections = createDirectoryConnections(settings);
  const policies = createPolicyCache(deps, connections.asService.bind(connections));
  const wrongBinds = createDurationSample(32);

  async function searchOne(base: string, filter: string | Filter, scope: 'sub' | 'base'): Promise<DirectoryEntry | null> {
    const found = await connections.asService((client) =>
      client.search(base, { scope, filter, attributes: ENTRY_ATTRIBUTES, explicitBufferAttributes: [settings.attributes.id] }),
    );
    if (found.searchEntries.length !== 1) return null;
    const entry = found.searchEntries[0]!;
    const policy = await policies.forPso(reader(entry).one('msDS-ResultantPSO') ?? null);
    return toDirectoryEntry(entry, settings, policy, deps.clock.now());
  }

  async function writeOutcome(
    write: () => Promise<unknown>,
    ctx: { entry: DirectoryEntry; newPassword: string; isChange: boolean },
  ): Promise<PasswordWriteOutcome> {
    try {
      await write();
      return { ok: true };
    } catch (err) {
      if (!(err instanceof ResultCodeError) || isConnectionFailure(err)) throw err;
      // The policy is read only when the message does not say why (Windows AD).
      const named = namedRefusals(err);
      if (named !== null) return { ok: false, refusals: named };
      const policy = await policies.forEntry(ctx.entry);
      return { ok: false, refusals: passwordWriteRefusals(err, { ...ctx, policy, now: deps.clock.now() }) };
    }
  }

  return {
    kind: 'active-directory',
    findEntry: (login) =>
      unavailableOnFailure(() => (login === '' ? Promise.resolve(null) : searchOne(settings.userBase, userFilter(settings.userFilter, login), 'sub'))),
    findEntryById(id) {
      const bytes = guidToBytes(id);
      if (bytes === null) return Promise.resolve(null);
      // A Filter object, not a string: ldapts reads a string filter's \xx escapes back as UTF-8 text, which breaks binary values.
      const byId = new EqualityFilter({ attribute: settings.attributes.id, value: bytes });
      return unavailableOnFailure(() => searchOne(settings.userBase, byId, 'sub'));
    },
    async verifyPassword(entry, password) {
      const started = performance.now();
      const outcome = await unavailableOnFailure(() => bindAsPerson(connections, entry.dn, password));
      if (!outcome.ok && outcome.reason === 'wrong' && password !== '') wrongBinds.record(performance.now() - started);
      return outcome;
    },
    async verifyDummy(password) {
      // A DN under the user base that does not exist: AD refuses it at once (no password check, no bad-password
      // count written), so the answer is held back to what a wrong password for a real entry takes lately.
      const started = performance.now();
      await unavailableOnFailure(() => bindAsPerson(connections, `CN=passdesk-no-such-entry,${settings.userBase}`, password || 'x'));
      const remaining = wrongBinds.typical() - (performance.now() - started);
      if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
    },
    changePassword: (entry, oldPassword, newPassword) =>
      unavailableOnFailure(() => changeAsPerson(entry, oldPassword, newPassword, { connections, writeOutcome })),
    resetPassword: (entry, newPassword, o) =>
      unavailableOnFailure(() => {
        const changes = [new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [unicodePwd(newPassword)] }) })];
        if (o.forceChange) changes.push(new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdLastSet', values: ['0'] }) }));
        const write = (): Promise<unknown> => connections.asService((client) => client.modify(entry.dn, changes, [new PolicyHintsControl()]));
        return writeOutcome(write, { entry, newPassword, isChange: false });
      }),
    policyFor: (entry) => unavailableOnFailure(() => policies.forEntry(entry).then(publicPolicy)),
    async check() {
      try {
        await connections.asService((client) => client.search(settings.userBase, { scope: 'base', attributes: ['1.1'] }));
      } catch (err) {
        if (err instanceof DirectoryUnavailableError) throw err;
        throw new DirectoryUnavailableError(`the directory did not answer a search of the user base (${(err as Error).message.split('\n')[0]})`);
      }
    },
    close: () => connections.close(),
  };
}

/** The last `size` durations of something, and their median (0 before the first). */
export function createDurationSample(size: number): { record(ms: number): void; typical(): number } {
  const sample: number[] = [];
  return {
    record(ms) {
      sample.push(ms);
      if (sample.length > size) sample.shift();
    },
    typical() {
      if (sample.length === 0) return 0;
      const sorted = [...sample].sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)]!;
    },
  };
}

function publicPolicy(p: AdPolicy): DirectoryPolicy {
  const { lockoutDurationMs: _duration, ...policy } = p;
  return policy;
}

type Connections = ReturnType<typeof createDirectoryConnections>;

async function unavailableOnFailure<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DirectoryUnavailableError || !isConnectionFailure(err)) throw err;
    throw new DirectoryUnavailableError(`the directory stopped answering (${(err as Error).message.split('\n')[0]})`);
  }
}

async function bindAsPerson(connections: Connections, dn: string, password: string): Promise<BindOutcome> {
  // An empty password would be an unauthenticated bind, which LDAP servers accept: never send one.
  if (password === '') return { ok: false, reason: 'wrong' };
  try {
    await connections.asPerson(dn, password, []);
    return { ok: true };
  } catch (err) {
    if (err instanceof InvalidCredentialsError) return { ok: false, reason: bindRefusalReason(bindDataCode(err)) };
    throw err;
  }
}

/**
 * The owner's change: delete-old + add-new bound as the person. When AD refuses the person's bind only because the
 * password must be replaced (532 expired, 773 must change), the same delete+add is sent as the service account:
 * AD checks the old password in the delete and lets anyone with the Change Password right (Everyone) send it.
 */
async function changeAsPerson(
  entry: DirectoryEntry,
  oldPassword: string,
  newPassword: string,
  o: {
    connections: Connections;
    writeOutcome: (write: () => Promise<unknown>, ctx: { entry: DirectoryEntry; newPassword: string; isChange: boolean }) => Promise<PasswordWriteOutcome>;
  },
): Promise<PasswordWriteOutcome> {
  if (oldPassword === '') return { ok: false, refusals: ['current-password-wrong'] };
  const changes = passwordChange(oldPassword, newPassword);
  const ctx = { entry, newPassword, isChange: true };
  // A refused bind is told apart from a refused modify (those are constraint violations) and not mapped as a write.
  const seen: { bindRefusal: InvalidCredentialsError | null } = { bindRefusal: null };
  const asPerson = async (): Promise<void> => {
    try {
      await o.connections.asPerson(entry.dn, oldPassword, [], (client: Client) => client.modify(entry.dn, changes));
    } catch (err) {
      if (!(err instanceof InvalidCredentialsError)) throw err;
      seen.bindRefusal = err;
    }
  };
  const outcome = await o.writeOutcome(asPerson, ctx);
  if (seen.bindRefusal === null) return outcome;
  const reason = bindRefusalReason(bindDataCode(seen.bindRefusal));
  if (reason === 'wrong') return { ok: false, refusals: ['current-password-wrong'] };
  if (reason !== 'expired' && reason !== 'must-change') return { ok: false, refusals: ['not-allowed'] };
  return o.writeOutcome(() => o.connections.asService((client) => client.modify(entry.dn, changes)), ctx);
}

/** The domain policy and fine-grained policies, read as the service account and kept for POLICY_TTL_MS. */
function createPolicyCache(deps: ActiveDirectoryDeps, asService: Connections['asService']) {
  let domain: { policy: AdPolicy; at: number } | null = null;
  const psos = new Map<string, { policy: AdPolicy; at: number }>();
  const fresh = (at: number): boolean => deps.clock.now() - at < POLICY_TTL_MS;

  async function domainRules(): Promise<AdPolicy> {
    if (domain && fresh(domain.at)) return domain.policy;
    const policy = await asService(async (client) => {
      const root = await client.search('', { scope: 'base', attributes: ['defaultNamingContext'] });
      const base = root.searchEntries[0] ? reader(root.searchEntries[0]).one('defaultNamingContext') : undefined;
      if (!base) throw new Error('active directory: the root DSE names no defaultNamingContext');
      const found = await client.search(base, { scope: 'base', attributes: DOMAIN_POLICY_ATTRIBUTES });
      return domainPolicy(found.searchEntries[0]!);
    });
    domain = { policy, at: deps.clock.now() };
    return policy;
  }

  async function forPso(dn: string | null): Promise<AdPolicy> {
    if (dn === null) return domainRules();
    const cached = psos.get(dn);
    if (cached && fresh(cached.at)) return cached.policy;
    const found = await asService((client) => client.search(dn, { scope: 'base', attributes: PSO_ATTRIBUTES }));
    const pso = found.searchEntries[0];
    if (!pso || reader(pso).one('msDS-MinimumPasswordLength') === undefined) {
      throw new Error(
        `active directory: the service account cannot read the password settings object ${dn} (grant it read on the Password Settings Container)`,
      );
    }
    const policy = psoPolicy(pso);
    psos.set(dn, { policy, at: deps.clock.now() });
    return policy;
  }

  return {
    forPso,
    /** The entry's rules: its PSO when one applies (read fresh from the entry), else the domain's. */
    async forEntry(entry: DirectoryEntry | null): Promise<AdPolicy> {
      if (entry === null) return domainRules();
      const found = await asService((client) => client.search(entry.dn, { scope: 'base', attributes: ['msDS-ResultantPSO'] }));
      const psoDn = found.searchEntries[0] ? (reader(found.searchEntries[0]).one('msDS-ResultantPSO') ?? null) : null;
      return forPso(psoDn);
    },
  };
}
