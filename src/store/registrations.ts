// Sign-ups waiting for their address (and administrators' accounts whose address is not confirmed yet): one row
// per confirmation email, states drawn in migrations/0030-sign-up-confirmation.ts and flows/sign-up.ts. Moving a
// row on is one guarded UPDATE, so of two racing confirmations only one wins.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, PendingRegistrationState, PendingRegistrationsTable } from './schema.js';

/** Wrong codes tolerated per confirmation email (the code path only; the link keeps working). */
export const SIGN_UP_CODE_MAX_ATTEMPTS = 5;

export interface PendingRegistration {
  id: string;
  email: string;
  emailNormalized: string;
  displayName: string;
  /** The password chosen at sign-up, hashed then; null for an existing account's confirmation and once confirmed. */
  passwordHash: string | null;
  /** Set when the address of an existing account is being confirmed. */
  accountId: string | null;
  state: PendingRegistrationState;
  codeAttempts: number;
  createdAt: number;
  expiresAt: number;
  confirmedAt: number | null;
  /** The language the sign-up was made in, given to the account it creates. */
  locale: string | null;
}

export interface NewPendingRegistration {
  id: string;
  email: string;
  emailNormalized: string;
  displayName: string;
  passwordHash: string | null;
  accountId: string | null;
  tokenHash: string;
  codeDigest: string;
  now: number;
  expiresAt: number;
  locale: string | null;
}

export interface PendingRegistrationRepository {
  createPendingRegistration(input: NewPendingRegistration): Promise<void>;
  /** The live (pending, unexpired) row of a link's token, or null: reads only (the link's landing page). */
  findLiveRegistrationByToken(tokenHash: string, now: number): Promise<PendingRegistration | null>;
  /** pending → confirmed by the link's token, while it lives. The row as confirmed (its password hash still in it), or null. */
  confirmRegistrationByToken(tokenHash: string, now: number): Promise<PendingRegistration | null>;
  /**
   * ONE statement over the address's live rows with tries left: the row whose code matches is confirmed, every
   * other one has the try counted. A guess is evaluated only while a row has tries left, so a parallel burst (from
   * any number of processes) gets SIGN_UP_CODE_MAX_ATTEMPTS evaluations per row at most. The confirmed row, or null.
   */
  confirmRegistrationByCode(emailNormalized: string, codeDigest: string, now: number): Promise<PendingRegistration | null>;
  /** After a confirmation took effect: the password hash leaves the row, and the address's other rows are voided. */
  settleRegistration(id: string, emailNormalized: string, now: number): Promise<void>;
  /** A confirmed row whose account could not be made (the address was taken meanwhile): voided instead. */
  voidRegistration(id: string): Promise<void>;
}

function toRegistration(row: Selectable<PendingRegistrationsTable>): PendingRegistration {
  return {
    id: row.id,
    email: row.email,
    emailNormalized: row.email_normalized,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    accountId: row.account_id,
    state: row.state,
    codeAttempts: row.code_attempts,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    confirmedAt: row.confirmed_at,
    locale: row.locale,
  };
}

export function pendingRegistrationRepository(db: Kysely<Database>): PendingRegistrationRepository {
  return {
    async createPendingRegistration(input) {
      await db
        .insertInto('pending_registrations')
        .values({
          id: input.id,
          email: input.email,
          email_normalized: input.emailNormalized,
          display_name: input.displayName,
          password_hash: input.passwordHash,
          account_id: input.accountId,
          token_hash: input.tokenHash,
          code_digest: input.codeDigest,
          code_attempts: 0,
          state: 'pending',
          created_at: input.now,
          expires_at: input.expiresAt,
          confirmed_at: null,
          locale: input.locale,
        })
        .execute();
    },
    async findLiveRegistrationByToken(tokenHash, now) {
      const row = await db
        .selectFrom('pending_registrations')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('state', '=', 'pending')
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row ? toRegistration(row) : null;
    },
    async confirmRegistrationByToken(tokenHash, now) {
      const row = await db
        .updateTable('pending_registrations')
        .set({ state: 'confirmed', confirmed_at: now })
        .where('token_hash', '=', tokenHash)
        .where('state', '=', 'pending')
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return row ? toRegistration(row) : null;
    },
    async confirmRegistrationByCode(emailNormalized, codeDigest, now) {
      // SET expressions read the row as it was before the update, on both backends.
      const match = sql<boolean>`code_digest = ${codeDigest}`;
      const rows = await db
        .updateTable('pending_registrations')
        .set({
          state: sql<PendingRegistrationState>`case when ${match} then 'confirmed' else state end`,
          confirmed_at: sql<number | null>`case when ${match} then ${now} else confirmed_at end`,
          code_attempts: sql<number>`case when ${match} then code_attempts else code_attempts + 1 end`,
        })
        .where('email_normalized', '=', emailNormalized)
        .where('state', '=', 'pending')
        .where('expires_at', '>', now)
        .where('code_attempts', '<', SIGN_UP_CODE_MAX_ATTEMPTS)
        .returningAll()
        .execute();
      const won = rows.find((r) => r.state === 'confirmed');
      return won ? toRegistration(won) : null;
    },
    async settleRegistration(id, emailNormalized, now) {
      await db.updateTable('pending_registrations').set({ password_hash: null }).where('id', '=', id).execute();
      await db
        .updateTable('pending_registrations')
        .set({ state: 'voided', password_hash: null, expires_at: sql<number>`case when expires_at < ${now} then expires_at else ${now} end` })
        .where('email_normalized', '=', emailNormalized)
        .where('id', '<>', id)
        .where('state', '<>', 'voided')
        .execute();
    },
    async voidRegistration(id) {
      await db.updateTable('pending_registrations').set({ state: 'voided', password_hash: null }).where('id', '=', id).execute();
    },
  };
}
