import type { Kysely, Selectable } from 'kysely';
import type { AccountsTable, AccountStatus, Database, Role } from './schema.js';
import { compiledOnce } from './compiled-once.js';

export interface Account {
  id: string;
  email: string;
  emailNormalized: string;
  displayName: string;
  role: Role;
  status: AccountStatus;
  passwordHash: string | null;
  passwordChangedAt: number | null;
  mustChangePassword: boolean;
  mustChangeReason: string | null;
  createdAt: number;
  updatedAt: number;
  /** When the "password expires soon" reminder went out for the current password (expiry option). */
  expiryReminderSentAt: number | null;
}

export function toAccount(row: Selectable<AccountsTable>): Account {
  return {
    id: row.id,
    email: row.email,
    emailNormalized: row.email_normalized,
    displayName: row.display_name,
    role: row.role,
    status: row.status,
    passwordHash: row.password_hash,
    passwordChangedAt: row.password_changed_at,
    mustChangePassword: row.must_change_password === 1,
    mustChangeReason: row.must_change_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiryReminderSentAt: row.expiry_reminder_sent_at,
  };
}

export interface NewAccount {
  id: string;
  email: string;
  emailNormalized: string;
  displayName: string;
  role: Role;
  passwordHash: string | null;
  now: number;
}

export interface AccountRepository {
  /** Returns null when the normalised email is already taken. */
  createAccount(input: NewAccount): Promise<Account | null>;
  findAccountById(id: string): Promise<Account | null>;
  findAccountByEmail(emailNormalized: string): Promise<Account | null>;
  listAccounts(options: { limit: number; offset: number }): Promise<Account[]>;
  countAccounts(): Promise<number>;
  /** A new password chosen by the person: hash, change time, and any forced-change flag cleared. */
  setPassword(accountId: string, passwordHash: string, now: number): Promise<void>;
  /** Same password, stronger parameters: the change time stays. */
  replacePasswordHash(accountId: string, oldHash: string, newHash: string, now: number): Promise<boolean>;
  setStatus(accountId: string, status: AccountStatus, now: number): Promise<void>;
  /** The next page the person sees is the change-password page, with this reason. */
  requirePasswordChange(accountId: string, reason: string, now: number): Promise<void>;
  /** Marks the reminder sent unless it already was (so two nodes never both send it). */
  markExpiryReminderSent(accountId: string, now: number): Promise<boolean>;
  /** Active accounts whose password was set within [changedAfter, changedBefore] and got no reminder yet. */
  listAccountsDueForExpiryReminder(options: { changedAfter: number; changedBefore: number; limit: number }): Promise<Account[]>;
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function accountRepository(db: Kysely<Database>): AccountRepository {
  const selectAccountById = compiledOnce(db, (id: string) => db.selectFrom('accounts').selectAll().where('id', '=', id));
  const selectAccountByEmail = compiledOnce(db, (email: string) => db.selectFrom('accounts').selectAll().where('email_normalized', '=', email));
  return {
    async createAccount(input) {
      const row = {
        id: input.id,
        email: input.email,
        email_normalized: input.emailNormalized,
        display_name: input.displayName,
        role: input.role,
        status: 'active' as const,
        password_hash: input.passwordHash,
        password_changed_at: input.passwordHash ? input.now : null,
        must_change_password: 0,
        must_change_reason: null,
        created_at: input.now,
        updated_at: input.now,
        expiry_reminder_sent_at: null,
      };
      try {
        // ON CONFLICT keeps a PostgreSQL transaction usable when the email is taken.
        const inserted = await db
          .insertInto('accounts')
          .values(row)
          .onConflict((oc) => oc.column('email_normalized').doNothing())
          .returningAll()
          .executeTakeFirst();
        return inserted ? toAccount(inserted) : null;
      } catch (err) {
        if (isUniqueViolation(err)) return null;
        throw err;
      }
    },
    async findAccountById(id) {
      const [row] = await selectAccountById(id);
      return row ? toAccount(row) : null;
    },
    async findAccountByEmail(emailNormalized) {
      const [row] = await selectAccountByEmail(emailNormalized);
      return row ? toAccount(row) : null;
    },
    async listAccounts({ limit, offset }) {
      const rows = await db.selectFrom('accounts').selectAll().orderBy('email_normalized').limit(limit).offset(offset).execute();
      return rows.map(toAccount);
    },
    async countAccounts() {
      const row = await db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async setPassword(accountId, passwordHash, now) {
      await db
        .updateTable('accounts')
        .set({
          password_hash: passwordHash,
          password_changed_at: now,
          must_change_password: 0,
          must_change_reason: null,
          expiry_reminder_sent_at: null,
          updated_at: now,
        })
        .where('id', '=', accountId)
        .execute();
    },
    async replacePasswordHash(accountId, oldHash, newHash, now) {
      // Guarded by the old hash so a rehash never overwrites a password changed meanwhile.
      const result = await db
        .updateTable('accounts')
        .set({ password_hash: newHash, updated_at: now })
        .where('id', '=', accountId)
        .where('password_hash', '=', oldHash)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async requirePasswordChange(accountId, reason, now) {
      await db.updateTable('accounts').set({ must_change_password: 1, must_change_reason: reason, updated_at: now }).where('id', '=', accountId).execute();
    },
    async markExpiryReminderSent(accountId, now) {
      const result = await db
        .updateTable('accounts')
        .set({ expiry_reminder_sent_at: now })
        .where('id', '=', accountId)
        .where('expiry_reminder_sent_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async listAccountsDueForExpiryReminder({ changedAfter, changedBefore, limit }) {
      const rows = await db
        .selectFrom('accounts')
        .selectAll()
        .where('status', '=', 'active')
        .where('expiry_reminder_sent_at', 'is', null)
        .where('password_changed_at', '>', changedAfter)
        .where('password_changed_at', '<=', changedBefore)
        .orderBy('password_changed_at')
        .limit(limit)
        .execute();
      return rows.map(toAccount);
    },
    async setStatus(accountId, status, now) {
      await db.updateTable('accounts').set({ status, updated_at: now }).where('id', '=', accountId).execute();
      // A disabled account's device cookies are trusted no more, also after it is enabled again (store/trusted-devices.ts).
      if (status !== 'active') await db.deleteFrom('trusted_devices').where('account_id', '=', accountId).execute();
    },
  };
}
