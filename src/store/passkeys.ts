// Passkeys (WebAuthn credentials) and their challenges. A challenge is used once by a guarded UPDATE, and a
// signature counter only moves forward, so two racing requests cannot both win (DESIGN.md convention 5).
import type { Kysely, Selectable } from 'kysely';
import type { Database, PasskeyChallengePurpose, PasskeyChallengesTable, PasskeysTable } from './schema.js';

export interface Passkey {
  id: string;
  accountId: string;
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  aaguid: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface PasskeyChallenge {
  id: string;
  purpose: PasskeyChallengePurpose;
  accountId: string | null;
  binding: string | null;
  challenge: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

function parseTransports(raw: string): string[] {
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

function toPasskey(r: Selectable<PasskeysTable>): Passkey {
  return {
    id: r.id,
    accountId: r.account_id,
    credentialId: r.credential_id,
    publicKey: r.public_key,
    counter: Number(r.counter),
    transports: parseTransports(r.transports),
    deviceType: r.device_type,
    backedUp: Number(r.backed_up) === 1,
    aaguid: r.aaguid,
    name: r.name,
    createdAt: Number(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
  };
}

function toChallenge(r: Selectable<PasskeyChallengesTable>): PasskeyChallenge {
  return {
    id: r.id,
    purpose: r.purpose,
    accountId: r.account_id,
    binding: r.binding,
    challenge: r.challenge,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    usedAt: r.used_at === null ? null : Number(r.used_at),
  };
}

/** What registering a passkey stores; `now` becomes createdAt, and it has not been used yet. */
export type NewPasskey = Omit<Passkey, 'createdAt' | 'lastUsedAt'> & { now: number };

export interface PasskeyRepository {
  /** Null when the credential id is already registered (to any account). */
  createPasskey(input: NewPasskey): Promise<Passkey | null>;
  /** The account's passkeys, oldest first. */
  listPasskeys(accountId: string): Promise<Passkey[]>;
  findPasskey(accountId: string, passkeyId: string): Promise<Passkey | null>;
  /** By the credential id the authenticator reports (any account): passwordless sign-in starts here. */
  findPasskeyByCredentialId(credentialId: string): Promise<Passkey | null>;
  countPasskeys(accountId: string): Promise<number>;
  renamePasskey(accountId: string, passkeyId: string, name: string): Promise<boolean>;
  removePasskey(accountId: string, passkeyId: string): Promise<boolean>;
  /** Removes the passkeys registered at or after `since`; returns how many. */
  removePasskeysSince(accountId: string, since: number): Promise<number>;
  /**
   * Records a verified use: the new counter, backup state and time. Guarded on the counter read before the
   * verification, so of two racing uses of one signature only one is recorded; false for the other.
   */
  recordPasskeyUse(passkeyId: string, o: { expectedCounter: number; newCounter: number; backedUp: boolean; now: number }): Promise<boolean>;

  createChallenge(input: {
    id: string;
    purpose: PasskeyChallengePurpose;
    accountId: string | null;
    binding: string | null;
    challenge: string;
    now: number;
    expiresAt: number;
  }): Promise<PasskeyChallenge>;
  findChallenge(id: string): Promise<PasskeyChallenge | null>;
  /** pending → used, only while unused and unexpired; false otherwise (replayed, expired, unknown). */
  useChallenge(id: string, now: number): Promise<boolean>;
  /** Drops challenges that expired before `now` (at most `limit` of them when given: a bounded sweep); returns how many. */
  deleteExpiredChallenges(now: number, o?: { limit?: number }): Promise<number>;
}

export function passkeyRepository(db: Kysely<Database>): PasskeyRepository {
  return {
    async createPasskey(i) {
      const row = {
        id: i.id,
        account_id: i.accountId,
        credential_id: i.credentialId,
        public_key: i.publicKey,
        counter: i.counter,
        transports: JSON.stringify(i.transports),
        device_type: i.deviceType,
        backed_up: i.backedUp ? 1 : 0,
        aaguid: i.aaguid,
        name: i.name,
        created_at: i.now,
        last_used_at: null,
      };
      // A credential registered twice (two racing registrations) is refused with null, not a constraint error.
      const inserted = await db
        .insertInto('passkeys')
        .values(row)
        .onConflict((oc) => oc.column('credential_id').doNothing())
        .returning('id')
        .executeTakeFirst();
      return inserted ? toPasskey(row) : null;
    },
    async listPasskeys(accountId) {
      const rows = await db.selectFrom('passkeys').selectAll().where('account_id', '=', accountId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toPasskey);
    },
    async findPasskey(accountId, passkeyId) {
      const row = await db.selectFrom('passkeys').selectAll().where('account_id', '=', accountId).where('id', '=', passkeyId).executeTakeFirst();
      return row ? toPasskey(row) : null;
    },
    async findPasskeyByCredentialId(credentialId) {
      const row = await db.selectFrom('passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
      return row ? toPasskey(row) : null;
    },
    async countPasskeys(accountId) {
      const r = await db
        .selectFrom('passkeys')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('account_id', '=', accountId)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async renamePasskey(accountId, passkeyId, name) {
      const r = await db.updateTable('passkeys').set({ name }).where('account_id', '=', accountId).where('id', '=', passkeyId).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async removePasskeysSince(accountId, since) {
      const r = await db.deleteFrom('passkeys').where('account_id', '=', accountId).where('created_at', '>=', since).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    async removePasskey(accountId, passkeyId) {
      const r = await db.deleteFrom('passkeys').where('account_id', '=', accountId).where('id', '=', passkeyId).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },
    async recordPasskeyUse(passkeyId, { expectedCounter, newCounter, backedUp, now }) {
      const r = await db
        .updateTable('passkeys')
        .set({ counter: newCounter, backed_up: backedUp ? 1 : 0, last_used_at: now })
        .where('id', '=', passkeyId)
        .where('counter', '=', expectedCounter)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async createChallenge(i) {
      const row = {
        id: i.id,
        purpose: i.purpose,
        account_id: i.accountId,
        binding: i.binding,
        challenge: i.challenge,
        created_at: i.now,
        expires_at: i.expiresAt,
        used_at: null,
      };
      await db.insertInto('passkey_challenges').values(row).execute();
      return toChallenge(row);
    },
    async findChallenge(id) {
      const row = await db.selectFrom('passkey_challenges').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toChallenge(row) : null;
    },
    async useChallenge(id, now) {
      const r = await db
        .updateTable('passkey_challenges')
        .set({ used_at: now })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async deleteExpiredChallenges(now, o = {}) {
      const r =
        o.limit === undefined
          ? await db.deleteFrom('passkey_challenges').where('expires_at', '<', now).executeTakeFirst()
          : await db
              .deleteFrom('passkey_challenges')
              .where('id', 'in', db.selectFrom('passkey_challenges').select('id').where('expires_at', '<', now).orderBy('expires_at').limit(o.limit))
              .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
