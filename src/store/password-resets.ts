// Password reset flows (the state machine is drawn beside the 0005_password_reset migration). Every secret
// is stored as a hash; every state change is one guarded UPDATE, so two racing requests cannot both win.
import { timingSafeEqual } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Database, PasswordResetsTable, ResetState } from './schema.js';

export type { ResetState };

export interface PasswordReset {
  id: string;
  accountId: string;
  state: ResetState;
  /** Further factors this flow needs before a new password is accepted (empty: the email proof suffices). */
  requires: string[];
  satisfied: string[];
  codeAttempts: number;
  /** Wrong second-factor codes or security answers in this flow. */
  factorAttempts: number;
  createdAt: number;
  expiresAt: number;
  verifiedAt: number | null;
  usedAt: number | null;
}

/**
 * Code checks per flow (OWASP Forgot Password: limit guesses); then its code no longer works. The link of the
 * same email still does: wrong codes end the code path only.
 */
export const RESET_CODE_MAX_ATTEMPTS = 5;
/** Wrong second-factor codes or answers tolerated per verified flow; the last one voids it. */
export const RESET_FACTOR_MAX_ATTEMPTS = 5;

export interface NewPasswordReset {
  id: string;
  accountId: string;
  tokenHash: string;
  codeHash: string;
  requires: string[];
  now: number;
  expiresAt: number;
}

export interface PasswordResetRepository {
  /** Records a new flow. Older live flows stay live: each emailed link works until used or expired. */
  createReset(r: NewPasswordReset): Promise<PasswordReset>;
  /**
   * Flows requested for the account since `since` whose link still works at `now` (the per-account email
   * throttle: a request is refused only while the person has that many working links in their inbox).
   */
  countLiveResetsSince(accountId: string, since: number, now: number): Promise<number>;
  /**
   * requested → verified by the link token, atomically: a token works once, only unexpired and while its flow
   * is the live one. The flow is then known by `flowHash` and lives until `expiresAt`. Null when nothing won.
   */
  verifyResetByToken(tokenHash: string, o: { flowHash: string; now: number; expiresAt: number }): Promise<PasswordReset | null>;
  /**
   * The same with the short code. Every check first reserves a slot in each of the account's live flows whose
   * code still works (ONE guarded UPDATE … SET code_attempts = code_attempts + 1 WHERE code_attempts < limit
   * RETURNING), and the code is compared only with the flows it reserved a slot in: a parallel burst, from any
   * number of processes or nodes, gets RESET_CODE_MAX_ATTEMPTS checks per flow and no more. A flow whose code
   * is used up stays live for its link. An `accountId` that matches nothing runs the same statement (callers
   * use that for unknown addresses, so both take the same time).
   */
  verifyResetByCode(accountId: string, codeHash: string, o: { flowHash: string; now: number; expiresAt: number }): Promise<PasswordReset | null>;
  /** A live (requested, unexpired) flow by its link token's hash, read only: opening the link changes nothing. */
  findLiveResetByToken(tokenHash: string, now: number): Promise<PasswordReset | null>;
  /** A verified, unexpired, unused flow by its id's hash. */
  findVerifiedReset(flowHash: string, now: number): Promise<PasswordReset | null>;
  /** verified → completed (used once), atomically. False when the flow is no longer verified or has expired. */
  completeReset(flowHash: string, now: number): Promise<boolean>;
  /**
   * Adds `requirement` to the flow's satisfied list, only while it is verified and unexpired. False when
   * the flow is gone (or another request changed it meanwhile: the caller may simply ask again).
   */
  satisfyResetRequirement(flowHash: string, requirement: string, now: number): Promise<boolean>;
  /**
   * Reserves one try of the flow's second method (a code, a passkey or the answers) in one atomic statement:
   * factor_attempts + 1, only while verified, unexpired and under RESET_FACTOR_MAX_ATTEMPTS. The try is evaluated
   * only after. The flow after, or null when no try is left.
   */
  reserveResetFactorAttempt(flowHash: string, now: number): Promise<PasswordReset | null>;
  /** Gives a reserved try back (it was right). */
  releaseResetFactorAttempt(flowHash: string, now: number): Promise<void>;
  /** verified → voided once its tries reached RESET_FACTOR_MAX_ATTEMPTS (called after a wrong try). */
  voidResetAtFactorLimit(flowHash: string, now: number): Promise<void>;
  /** Voids every live (requested or verified) flow of the account; returns how many. */
  voidResets(accountId: string, now: number): Promise<number>;
  /**
   * After "This wasn't me": a reset must refuse `currentHash` and every remembered password in use at or after
   * `since` (left at or after it). Copied from password_history (in the caller's transaction), so no later
   * trimming of the history loses them.
   */
  refusePasswordsSince(accountId: string, o: { currentHash: string | null; since: number; now: number; newId: () => string }): Promise<number>;
  /** The hashes a reset of the account must refuse (see refusePasswordsSince). */
  refusedPasswordHashes(accountId: string): Promise<string[]>;
  /** A completed reset: the account has a new password, the refusals have done their work. */
  clearRefusedPasswords(accountId: string): Promise<void>;
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function parseList(json: string): string[] {
  const v: unknown = JSON.parse(json);
  return Array.isArray(v) ? v.map(String) : [];
}

function toReset(row: Selectable<PasswordResetsTable>): PasswordReset {
  return {
    id: row.id,
    accountId: row.account_id,
    state: row.state,
    requires: parseList(row.requires),
    satisfied: parseList(row.satisfied),
    codeAttempts: Number(row.code_attempts),
    factorAttempts: Number(row.factor_attempts),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    verifiedAt: row.verified_at === null ? null : Number(row.verified_at),
    usedAt: row.used_at === null ? null : Number(row.used_at),
  };
}

// requested → verified, once: the one guarded transition both the link and the code end in.
async function markVerified(
  db: Kysely<Database>,
  by: 'token_hash' | 'id',
  value: string,
  o: { flowHash: string; now: number; expiresAt: number },
): Promise<PasswordReset | null> {
  const won = await db
    .updateTable('password_resets')
    .set({ state: 'verified', flow_hash: o.flowHash, verified_at: o.now, expires_at: o.expiresAt, updated_at: o.now })
    .where(by, '=', value)
    .where('state', '=', 'requested')
    .where('expires_at', '>', o.now)
    .returningAll()
    .executeTakeFirst();
  return won ? toReset(won) : null;
}

// Flows past their time become expired when they are looked up (the state then says why they stopped working).
async function markExpired(db: Kysely<Database>, now: number, where: { tokenHash?: string; flowHash?: string; accountId?: string }): Promise<void> {
  let q = db
    .updateTable('password_resets')
    .set({ state: 'expired', updated_at: now })
    .where('state', 'in', ['requested', 'verified'])
    .where('expires_at', '<=', now);
  if (where.tokenHash !== undefined) q = q.where('token_hash', '=', where.tokenHash);
  if (where.flowHash !== undefined) q = q.where('flow_hash', '=', where.flowHash);
  if (where.accountId !== undefined) q = q.where('account_id', '=', where.accountId);
  await q.execute();
}

async function voidLive(db: Kysely<Database>, accountId: string, now: number): Promise<number> {
  const result = await db
    .updateTable('password_resets')
    .set({ state: 'voided', updated_at: now })
    .where('account_id', '=', accountId)
    .where('state', 'in', ['requested', 'verified'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export function passwordResetRepository(db: Kysely<Database>): PasswordResetRepository {
  return {
    async createReset(r) {
      const row = await db
        .insertInto('password_resets')
        .values({
          id: r.id,
          account_id: r.accountId,
          token_hash: r.tokenHash,
          code_hash: r.codeHash,
          state: 'requested',
          requires: JSON.stringify(r.requires),
          satisfied: '[]',
          code_attempts: 0,
          factor_attempts: 0,
          flow_hash: null,
          created_at: r.now,
          expires_at: r.expiresAt,
          verified_at: null,
          used_at: null,
          updated_at: r.now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toReset(row);
    },
    async countLiveResetsSince(accountId, since, now) {
      const row = await db
        .selectFrom('password_resets')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('account_id', '=', accountId)
        .where('created_at', '>', since)
        .where('state', '=', 'requested')
        .where('expires_at', '>', now)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async findLiveResetByToken(tokenHash, now) {
      const row = await db
        .selectFrom('password_resets')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('state', '=', 'requested')
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row ? toReset(row) : null;
    },
    async verifyResetByToken(tokenHash, o) {
      const won = await markVerified(db, 'token_hash', tokenHash, o);
      if (won) return won;
      await markExpired(db, o.now, { tokenHash });
      return null;
    },
    async verifyResetByCode(accountId, codeHash, o) {
      // The slot first, in one statement: the guess is compared only with flows that counted it.
      const reserved = await db
        .updateTable('password_resets')
        .set({ code_attempts: sql<number>`code_attempts + 1`, updated_at: o.now })
        .where('account_id', '=', accountId)
        .where('state', '=', 'requested')
        .where('expires_at', '>', o.now)
        .where('code_attempts', '<', RESET_CODE_MAX_ATTEMPTS)
        .returning(['id', 'code_hash'])
        .execute();
      // Every reserved hash is compared (no early exit), so the time does not say which flow matched.
      let match: string | null = null;
      for (const r of reserved) if (sameHash(r.code_hash, codeHash) && match === null) match = r.id;
      if (match === null) return null;
      return markVerified(db, 'id', match, o);
    },
    async findVerifiedReset(flowHash, now) {
      const row = await db
        .selectFrom('password_resets')
        .selectAll()
        .where('flow_hash', '=', flowHash)
        .where('state', '=', 'verified')
        .where('expires_at', '>', now)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (row) return toReset(row);
      await markExpired(db, now, { flowHash });
      return null;
    },
    async completeReset(flowHash, now) {
      const result = await db
        .updateTable('password_resets')
        .set({ state: 'completed', used_at: now, updated_at: now })
        .where('flow_hash', '=', flowHash)
        .where('state', '=', 'verified')
        .where('expires_at', '>', now)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async satisfyResetRequirement(flowHash, requirement, now) {
      const row = await db.selectFrom('password_resets').select(['satisfied']).where('flow_hash', '=', flowHash).executeTakeFirst();
      if (!row) return false;
      const satisfied = parseList(row.satisfied);
      if (!satisfied.includes(requirement)) satisfied.push(requirement);
      // Compare-and-set on the list read above: no JSON functions, so SQLite and PostgreSQL run the same SQL.
      const result = await db
        .updateTable('password_resets')
        .set({ satisfied: JSON.stringify(satisfied), updated_at: now })
        .where('flow_hash', '=', flowHash)
        .where('satisfied', '=', row.satisfied)
        .where('state', '=', 'verified')
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    voidResets: (accountId, now) => voidLive(db, accountId, now),
    ...resetFactorAttempts(db),
    ...refusedPasswords(db),
  };
}

// The tries of a verified flow's second method, each reserved before it is evaluated (see the interface).
function resetFactorAttempts(
  db: Kysely<Database>,
): Pick<PasswordResetRepository, 'reserveResetFactorAttempt' | 'releaseResetFactorAttempt' | 'voidResetAtFactorLimit'> {
  return {
    async reserveResetFactorAttempt(flowHash, now) {
      const row = await db
        .updateTable('password_resets')
        .set({ factor_attempts: sql<number>`factor_attempts + 1`, updated_at: now })
        .where('flow_hash', '=', flowHash)
        .where('state', '=', 'verified')
        .where('expires_at', '>', now)
        .where('factor_attempts', '<', RESET_FACTOR_MAX_ATTEMPTS)
        .returningAll()
        .executeTakeFirst();
      return row ? toReset(row) : null;
    },
    async releaseResetFactorAttempt(flowHash, now) {
      await db
        .updateTable('password_resets')
        .set({ factor_attempts: sql<number>`factor_attempts - 1`, updated_at: now })
        .where('flow_hash', '=', flowHash)
        .where('factor_attempts', '>', 0)
        .execute();
    },
    async voidResetAtFactorLimit(flowHash, now) {
      await db
        .updateTable('password_resets')
        .set({ state: 'voided', updated_at: now })
        .where('flow_hash', '=', flowHash)
        .where('state', '=', 'verified')
        .where('factor_attempts', '>=', RESET_FACTOR_MAX_ATTEMPTS)
        .execute();
    },
  };
}

// The passwords a reset must refuse after "This wasn't me".
function refusedPasswords(db: Kysely<Database>): Pick<PasswordResetRepository, 'refusePasswordsSince' | 'refusedPasswordHashes' | 'clearRefusedPasswords'> {
  return {
    async refusePasswordsSince(accountId, o) {
      let n = 0;
      if (o.currentHash !== null) {
        await db
          .insertInto('reset_refused_passwords')
          .values({ id: o.newId(), account_id: accountId, password_hash: o.currentHash, created_at: o.now })
          .execute();
        n++;
      }
      const left = await db
        .selectFrom('password_history')
        .select('password_hash')
        .where('account_id', '=', accountId)
        .where('created_at', '>=', o.since)
        .execute();
      for (const h of left) {
        await db
          .insertInto('reset_refused_passwords')
          .values({ id: o.newId(), account_id: accountId, password_hash: h.password_hash, created_at: o.now })
          .execute();
        n++;
      }
      return n;
    },
    async refusedPasswordHashes(accountId) {
      const rows = await db
        .selectFrom('reset_refused_passwords')
        .select('password_hash')
        .where('account_id', '=', accountId)
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map((r) => r.password_hash);
    },
    async clearRefusedPasswords(accountId) {
      await db.deleteFrom('reset_refused_passwords').where('account_id', '=', accountId).execute();
    },
  };
}
