// Second factors, recovery codes and pending second-factor sign-ins. Every "use once" is a guarded UPDATE,
// so two racing requests cannot both win (DESIGN.md convention 5).
import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Database, SecondFactorFlowState, SecondFactorFlowsTable, SecondFactorsTable } from './schema.js';
import type { Dialect } from './migrations/index.js';

export interface StoredRecoveryCode {
  id: string;
  codeHash: string;
  /** The HMAC key the hash was made with; null for an older unkeyed SHA-256 row. */
  keyId: string | null;
}

export interface SecondFactor {
  id: string;
  accountId: string;
  type: 'totp';
  name: string;
  secretCiphertext: string;
  keyId: string;
  confirmedAt: number | null;
  lastUsedStep: number | null;
  createdAt: number;
}

export interface SecondFactorFlow {
  id: string;
  accountId: string;
  state: SecondFactorFlowState;
  failures: number;
  createdAt: number;
  expiresAt: number;
}

function toFactor(r: Selectable<SecondFactorsTable>): SecondFactor {
  return {
    id: r.id,
    accountId: r.account_id,
    type: r.type,
    name: r.name,
    secretCiphertext: r.secret_ciphertext,
    keyId: r.key_id,
    confirmedAt: r.confirmed_at === null ? null : Number(r.confirmed_at),
    lastUsedStep: r.last_used_step === null ? null : Number(r.last_used_step),
    createdAt: Number(r.created_at),
  };
}

function toFlow(r: Selectable<SecondFactorFlowsTable>): SecondFactorFlow {
  return { id: r.id, accountId: r.account_id, state: r.state, failures: Number(r.failures), createdAt: Number(r.created_at), expiresAt: Number(r.expires_at) };
}

export interface TwoFactorRepository {
  createFactor(input: {
    id: string;
    accountId: string;
    type: 'totp';
    name: string;
    secretCiphertext: string;
    keyId: string;
    now: number;
  }): Promise<SecondFactor>;
  /** Confirmed and unconfirmed factors of the account, oldest first. */
  listFactors(accountId: string): Promise<SecondFactor[]>;
  findFactor(accountId: string, factorId: string): Promise<SecondFactor | null>;
  /** Marks an unconfirmed factor confirmed and records the step used; false when already confirmed or not found. */
  confirmFactor(accountId: string, factorId: string, o: { step: number; now: number }): Promise<boolean>;
  /** Unconfirmed factors of the account (abandoned enrolments) are removed; returns how many. */
  removeUnconfirmedFactors(accountId: string): Promise<number>;
  removeFactor(accountId: string, factorId: string): Promise<boolean>;
  /** Renames a confirmed factor of the account; false when there is none with this id. */
  renameFactor(accountId: string, factorId: string, name: string): Promise<boolean>;
  countConfirmedFactors(accountId: string): Promise<number>;
  /**
   * Records that a code of `step` was accepted. Only a step later than the last one wins (replay refusal,
   * RFC 6238 §5.2): false when this step or a later one was already used.
   */
  useFactorStep(factorId: string, step: number): Promise<boolean>;

  /** Replaces the account's recovery codes (the old set stops working) with these hashes, made with key `keyId`. */
  replaceRecoveryCodes(accountId: string, codeHashes: string[], o: { now: number; newId: () => string; keyId?: string | null }): Promise<void>;
  /** Marks one unused code used; false when no unused code has this hash. */
  consumeRecoveryCode(accountId: string, codeHash: string, now: number): Promise<boolean>;
  /** The account's unused codes (at most a set of ten), to compare a typed code with in constant time. */
  listUnusedRecoveryCodes(accountId: string): Promise<StoredRecoveryCode[]>;
  /** Marks the code with this id used, only while unused: of two racing uses one wins. */
  useRecoveryCode(accountId: string, codeId: string, now: number): Promise<boolean>;
  /**
   * Locks the account's row until the transaction ends (SELECT … FOR UPDATE on PostgreSQL; SQLite runs one
   * writer at a time): changes that count the account's factors run one after another.
   */
  lockAccountFactors(accountId: string): Promise<void>;
  countUnusedRecoveryCodes(accountId: string): Promise<number>;

  createSecondFactorFlow(input: { idHash: string; accountId: string; now: number; expiresAt: number }): Promise<SecondFactorFlow>;
  findSecondFactorFlow(idHash: string): Promise<SecondFactorFlow | null>;
  /**
   * Reserves one guess of a live pending flow in one atomic statement (failures + 1, only while pending,
   * unexpired and under `maxFailures`); the guess is evaluated only after. The flow after, or null when no
   * guess is left. A right guess completes the flow; a wrong one leaves its slot counted.
   */
  reserveSecondFactorAttempt(idHash: string, o: { maxFailures: number; now: number }): Promise<SecondFactorFlow | null>;
  /** pending → failed once its reserved guesses reached `maxFailures` (called after a wrong guess). */
  failSecondFactorFlowAtLimit(idHash: string, o: { maxFailures: number }): Promise<void>;
  /** pending → completed, only while pending and not expired; false otherwise. */
  completeSecondFactorFlow(idHash: string, now: number): Promise<boolean>;
  /** Ends every pending second-factor sign-in of the account (as expired, now); returns how many. */
  expireSecondFactorFlows(accountId: string, now: number): Promise<number>;
  /** Removes the factors confirmed at or after `since` and the recovery codes made since then; returns the factors removed. */
  removeFactorsSince(accountId: string, since: number): Promise<number>;
}

export function twoFactorRepository(db: Kysely<Database>, dialect: Dialect): TwoFactorRepository {
  return {
    async createFactor(i) {
      const row = {
        id: i.id,
        account_id: i.accountId,
        type: i.type,
        name: i.name,
        secret_ciphertext: i.secretCiphertext,
        key_id: i.keyId,
        confirmed_at: null,
        last_used_step: null,
        created_at: i.now,
      };
      await db.insertInto('second_factors').values(row).execute();
      return toFactor(row);
    },
    async listFactors(accountId) {
      const rows = await db.selectFrom('second_factors').selectAll().where('account_id', '=', accountId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toFactor);
    },
    async findFactor(accountId, factorId) {
      const row = await db.selectFrom('second_factors').selectAll().where('account_id', '=', accountId).where('id', '=', factorId).executeTakeFirst();
      return row ? toFactor(row) : null;
    },
    async confirmFactor(accountId, factorId, { step, now }) {
      const r = await db
        .updateTable('second_factors')
        .set({ confirmed_at: now, last_used_step: step })
        .where('account_id', '=', accountId)
        .where('id', '=', factorId)
        .where('confirmed_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async removeUnconfirmedFactors(accountId) {
      const r = await db.deleteFrom('second_factors').where('account_id', '=', accountId).where('confirmed_at', 'is', null).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    async removeFactor(accountId, factorId) {
      const r = await db.deleteFrom('second_factors').where('account_id', '=', accountId).where('id', '=', factorId).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },
    async renameFactor(accountId, factorId, name) {
      const r = await db
        .updateTable('second_factors')
        .set({ name })
        .where('account_id', '=', accountId)
        .where('id', '=', factorId)
        .where('confirmed_at', 'is not', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async countConfirmedFactors(accountId) {
      const r = await db
        .selectFrom('second_factors')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('account_id', '=', accountId)
        .where('confirmed_at', 'is not', null)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async useFactorStep(factorId, step) {
      const r = await db
        .updateTable('second_factors')
        .set({ last_used_step: step })
        .where('id', '=', factorId)
        .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async lockAccountFactors(accountId) {
      if (dialect !== 'postgres') return;
      await db.selectFrom('accounts').select('id').where('id', '=', accountId).forUpdate().execute();
    },
    async removeFactorsSince(accountId, since) {
      await db.deleteFrom('recovery_codes').where('account_id', '=', accountId).where('created_at', '>=', since).execute();
      const r = await db.deleteFrom('second_factors').where('account_id', '=', accountId).where('confirmed_at', '>=', since).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    ...recoveryCodes(db),
    ...secondFactorFlows(db),
  };
}

type RecoveryCodeMethods = 'replaceRecoveryCodes' | 'listUnusedRecoveryCodes' | 'useRecoveryCode' | 'consumeRecoveryCode' | 'countUnusedRecoveryCodes';

function recoveryCodes(db: Kysely<Database>): Pick<TwoFactorRepository, RecoveryCodeMethods> {
  return {
    async replaceRecoveryCodes(accountId, codeHashes, { now, newId, keyId = null }) {
      await db.deleteFrom('recovery_codes').where('account_id', '=', accountId).execute();
      if (codeHashes.length === 0) return;
      await db
        .insertInto('recovery_codes')
        .values(codeHashes.map((h) => ({ id: newId(), account_id: accountId, code_hash: h, key_id: keyId, created_at: now, used_at: null })))
        .execute();
    },
    async listUnusedRecoveryCodes(accountId) {
      const rows = await db
        .selectFrom('recovery_codes')
        .select(['id', 'code_hash', 'key_id'])
        .where('account_id', '=', accountId)
        .where('used_at', 'is', null)
        .orderBy('id')
        .execute();
      return rows.map((r) => ({ id: r.id, codeHash: r.code_hash, keyId: r.key_id }));
    },
    async useRecoveryCode(accountId, codeId, now) {
      const r = await db
        .updateTable('recovery_codes')
        .set({ used_at: now })
        .where('account_id', '=', accountId)
        .where('id', '=', codeId)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async consumeRecoveryCode(accountId, codeHash, now) {
      const r = await db
        .updateTable('recovery_codes')
        .set({ used_at: now })
        .where('account_id', '=', accountId)
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async countUnusedRecoveryCodes(accountId) {
      const r = await db
        .selectFrom('recovery_codes')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('account_id', '=', accountId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}

type SecondFactorFlowMethods =
  | 'createSecondFactorFlow'
  | 'findSecondFactorFlow'
  | 'reserveSecondFactorAttempt'
  | 'failSecondFactorFlowAtLimit'
  | 'completeSecondFactorFlow'
  | 'expireSecondFactorFlows';

// Pending second-factor sign-ins: pending → completed | failed (too many wrong codes) | expired.
function secondFactorFlows(db: Kysely<Database>): Pick<TwoFactorRepository, SecondFactorFlowMethods> {
  return {
    async createSecondFactorFlow({ idHash, accountId, now, expiresAt }) {
      const row = { id: idHash, account_id: accountId, state: 'pending' as const, failures: 0, created_at: now, expires_at: expiresAt };
      await db.insertInto('second_factor_flows').values(row).execute();
      return toFlow(row);
    },
    async findSecondFactorFlow(idHash) {
      const row = await db.selectFrom('second_factor_flows').selectAll().where('id', '=', idHash).executeTakeFirst();
      return row ? toFlow(row) : null;
    },
    async reserveSecondFactorAttempt(idHash, { maxFailures, now }) {
      const row = await db
        .updateTable('second_factor_flows')
        .set({ failures: sql<number>`failures + 1` })
        .where('id', '=', idHash)
        .where('state', '=', 'pending')
        .where('expires_at', '>', now)
        .where('failures', '<', maxFailures)
        .returningAll()
        .executeTakeFirst();
      return row ? toFlow(row) : null;
    },
    async failSecondFactorFlowAtLimit(idHash, { maxFailures }) {
      await db
        .updateTable('second_factor_flows')
        .set({ state: 'failed' })
        .where('id', '=', idHash)
        .where('state', '=', 'pending')
        .where('failures', '>=', maxFailures)
        .execute();
    },
    async completeSecondFactorFlow(idHash, now) {
      const r = await db
        .updateTable('second_factor_flows')
        .set({ state: 'completed' })
        .where('id', '=', idHash)
        .where('state', '=', 'pending')
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async expireSecondFactorFlows(accountId, now) {
      const r = await db
        .updateTable('second_factor_flows')
        .set({ state: 'expired', expires_at: now })
        .where('account_id', '=', accountId)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
  };
}
