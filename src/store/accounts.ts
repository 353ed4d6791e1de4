import { sql, type Kysely, type Selectable } from 'kysely';
import type { AccountsTable, AccountStatus, Database, Role } from './schema.js';
import { compiledOnce } from './compiled-once.js';
import type { Dialect } from './migrations/index.js';

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
  /** The directory entry's stable id when the password lives in a directory (src/directory/); null: Passdesk's own hash. */
  directoryId: string | null;
  /**
   * When the address was confirmed to reach the person; null for an administrator's account created unconfirmed,
   * until the person confirms it. A reset is never sent to an unconfirmed address (flows/reset-password.ts).
   */
  emailConfirmedAt: number | null;
  /** The language the person chose (a registered tag); null: automatic. Emails use it, else the organisation's. */
  locale: string | null;
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
    directoryId: row.directory_id,
    emailConfirmedAt: row.email_confirmed_at,
    locale: row.locale,
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
  /**
   * Whether the address counts as confirmed from the start (default true): a confirmed sign-up, an import, an
   * administrator who says so. False: an administrator's account whose address the person still has to confirm.
   */
  emailConfirmed?: boolean;
  /** The language the account starts with (a sign-up's); absent: automatic. */
  locale?: string | null;
}

export interface DirectoryAccountInput {
  /** Used only when the account is made now. */
  id: string;
  directoryId: string;
  email: string;
  emailNormalized: string;
  displayName: string;
  /** null: keep the account's role (no group mapping configured). */
  role: Role | null;
  passwordChangedAt: number | null;
  now: number;
  /** The account as the caller already read it (sign-in does, before the bind); absent: read here. */
  known?: Account | null;
}

/** The help desk's account search (flows/help-desk/accounts.ts): every field narrows; null or absent does not. */
export interface AccountSearch {
  /** Part of the email or the name (case-insensitive), or the whole id. */
  text: string | null;
  /** Only accounts with these roles (those the searcher may act on). */
  roles: readonly Role[];
  /** Left out (the searcher's own account). */
  excludeId: string | null;
  disabled?: boolean;
  mustChange?: boolean;
  noSecondFactor?: boolean;
  /** Passwords set at or before this time (the "expiring" filter: expired or within the reminder window). */
  passwordChangedBefore?: number | null;
  /** Only these accounts (the "locked" filter, worked out from the sign-in counters). */
  ids?: readonly string[] | null;
  /** Accounts after this normalised email (the cursor of the page before), in email order. */
  afterEmail: string | null;
  limit: number;
}

export interface AccountRepository {
  searchAccounts(search: AccountSearch): Promise<Account[]>;
  /**
   * These accounts as they are now, their rows locked until the transaction ends (SELECT … FOR UPDATE on
   * PostgreSQL, in id order so two transactions never wait on each other crosswise; SQLite runs one writer at a
   * time). The help desk re-checks roles on them, so a role change cannot land between the check and the action.
   */
  lockAccounts(ids: readonly string[]): Promise<Account[]>;
  /** Returns null when the normalised email is already taken. */
  createAccount(input: NewAccount): Promise<Account | null>;
  findAccountById(id: string): Promise<Account | null>;
  findAccountByEmail(emailNormalized: string): Promise<Account | null>;
  listAccounts(options: { limit: number; offset: number }): Promise<Account[]>;
  countAccounts(): Promise<number>;
  /** A new password chosen by the person: hash, change time, and any forced-change flag cleared. */
  setPassword(accountId: string, passwordHash: string, now: number): Promise<void>;
  /** A password set in the directory (no hash here): the change time, and any forced-change flag cleared. */
  recordPasswordSetElsewhere(accountId: string, now: number): Promise<void>;
  findAccountByDirectoryId(directoryId: string): Promise<Account | null>;
  /**
   * The Passdesk account of a directory entry, made at its first sign-in and kept in step with the entry (email,
   * name, and the role when groups map to roles). Null when another account already holds the entry's email.
   */
  linkDirectoryAccount(input: DirectoryAccountInput): Promise<Account | null>;
  /** Active administrators other than `exceptId` (the last one must not be demoted, disabled or deleted). */
  countOtherActiveAdministrators(exceptId: string): Promise<number>;
  /** Directory accounts with a live session, in id order after `afterId` (the directory sync walks them in pages). */
  listSignedInDirectoryAccounts(o: { now: number; afterId: string | null; limit: number }): Promise<Account[]>;
  /** Same password, stronger parameters: the change time stays. */
  replacePasswordHash(accountId: string, oldHash: string, newHash: string, now: number): Promise<boolean>;
  setStatus(accountId: string, status: AccountStatus, now: number): Promise<void>;
  /** The person's language (a registered tag), or null for automatic. */
  setAccountLocale(accountId: string, locale: string | null, now: number): Promise<void>;
  /**
   * Deletes the account; the foreign keys (ON DELETE CASCADE) take every row keyed by it with it: sessions,
   * factors, passkeys, recovery codes, resets, "this wasn't me" links, preferences, history, security answers,
   * trusted devices, attempt windows, caller checks (as the person and as the agent), temporary passwords and the
   * events still naming it. Temporary passwords it issued as an agent forget who issued them. False: no such account.
   */
  deleteAccount(accountId: string): Promise<boolean>;
  /**
   * A new sign-in address (flows/change-email.ts; also putting the old one back). False when another account holds it
   * (the unique email): on PostgreSQL the transaction is then unusable, so the caller throws and it rolls back.
   */
  changeEmail(accountId: string, o: { email: string; emailNormalized: string; now: number }): Promise<boolean>;
  /** The help desk's role change (flows/help-desk/accounts.ts). */
  setRole(accountId: string, role: Role, now: number): Promise<void>;
  /** The next page the person sees is the change-password page, with this reason. */
  requirePasswordChange(accountId: string, reason: string, now: number): Promise<void>;
  /** Marks the reminder sent unless it already was (so two nodes never both send it). */
  markExpiryReminderSent(accountId: string, now: number): Promise<boolean>;
  /** Active accounts whose password was set within [changedAfter, changedBefore] and got no reminder yet. */
  listAccountsDueForExpiryReminder(options: { changedAfter: number; changedBefore: number; limit: number }): Promise<Account[]>;
  /** The address reaches the person (their confirmation link or code): sets email_confirmed_at unless it is set. */
  confirmEmail(accountId: string, now: number): Promise<boolean>;
  /**
   * Active accounts the monthly checkup reminder has not looked at since `dueBefore` (nor were made after it), in id
   * order after `afterId` (flows/checkup.ts walks them in pages).
   */
  listAccountsDueForCheckup(o: { dueBefore: number; afterId: string | null; limit: number }): Promise<Account[]>;
  /** Marks the account looked at now, unless another node did since `dueBefore`: true for the one that may send. */
  claimCheckupReminder(accountId: string, o: { now: number; dueBefore: number }): Promise<boolean>;
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** A new sign-in address; false when another account holds it (AccountRepository.changeEmail). */
async function changeEmail(db: Kysely<Database>, accountId: string, o: { email: string; emailNormalized: string; now: number }): Promise<boolean> {
  try {
    const r = await db
      .updateTable('accounts')
      .set({ email: o.email, email_normalized: o.emailNormalized, updated_at: o.now })
      .where('id', '=', accountId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/** The account row; the foreign keys cascade to everything keyed by it (AccountRepository.deleteAccount). */
async function deleteAccountRow(db: Kysely<Database>, accountId: string): Promise<boolean> {
  // issued_by has no foreign key (the issuer is history, not ownership): forgotten here.
  await db.updateTable('temporary_passwords').set({ issued_by: null }).where('issued_by', '=', accountId).execute();
  const result = await db.deleteFrom('accounts').where('id', '=', accountId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export function accountRepository(db: Kysely<Database>, dialect: Dialect): AccountRepository {
  const directory = directoryAccountQueries(db);
  const roles = roleQueries(db);
  const reminders = reminderQueries(db);
  const selectAccountById = compiledOnce(db, (id: string) => db.selectFrom('accounts').selectAll().where('id', '=', id));
  const selectAccountByEmail = compiledOnce(db, (email: string) => db.selectFrom('accounts').selectAll().where('email_normalized', '=', email));
  return {
    ...directory,
    ...roles,
    ...reminders,
    searchAccounts: (search) => searchAccounts(db, search),
    lockAccounts: (ids) => lockAccounts(db, dialect, ids),
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
        directory_id: null,
        email_confirmed_at: input.emailConfirmed === false ? null : input.now,
        checkup_reminder_at: null,
        locale: input.locale ?? null,
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
    deleteAccount: (accountId) => deleteAccountRow(db, accountId),
    changeEmail: (accountId, o) => changeEmail(db, accountId, o),
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
    async setAccountLocale(accountId, locale, now) {
      await db.updateTable('accounts').set({ locale, updated_at: now }).where('id', '=', accountId).execute();
    },
    async setStatus(accountId, status, now) {
      await db.updateTable('accounts').set({ status, updated_at: now }).where('id', '=', accountId).execute();
      // A disabled account's device cookies are trusted no more, also after it is enabled again (store/trusted-devices.ts).
      if (status !== 'active') await db.deleteFrom('trusted_devices').where('account_id', '=', accountId).execute();
    },
  };
}

/** `%text%` for LIKE with its own wildcards taken literally (ESCAPE '\\'). */
function containing(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

async function lockAccounts(db: Kysely<Database>, dialect: Dialect, ids: readonly string[]): Promise<Account[]> {
  const found: Account[] = [];
  // One at a time in id order: two transactions locking the same pair take the locks in the same order.
  for (const id of [...new Set(ids)].sort()) {
    const query = db.selectFrom('accounts').selectAll().where('id', '=', id);
    const row = await (dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
    if (row) found.push(toAccount(row));
  }
  return found;
}

async function searchAccounts(db: Kysely<Database>, s: AccountSearch): Promise<Account[]> {
  if (s.roles.length === 0 || (s.ids && s.ids.length === 0)) return [];
  let query = db
    .selectFrom('accounts')
    .selectAll()
    .where('role', 'in', [...s.roles]);
  if (s.excludeId !== null) query = query.where('id', '<>', s.excludeId);
  if (s.text !== null) {
    const pattern = containing(s.text);
    const text = s.text;
    query = query.where((eb) =>
      eb.or([eb('id', '=', text), sql<boolean>`email_normalized like ${pattern} escape '\\'`, sql<boolean>`lower(display_name) like ${pattern} escape '\\'`]),
    );
  }
  if (s.disabled) query = query.where('status', '=', 'disabled');
  if (s.mustChange) query = query.where('must_change_password', '=', 1);
  if (s.passwordChangedBefore != null) query = query.where('password_changed_at', '<=', s.passwordChangedBefore);
  if (s.ids) query = query.where('id', 'in', [...s.ids]);
  if (s.noSecondFactor) {
    query = query
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('second_factors')
              .select('second_factors.id')
              .whereRef('second_factors.account_id', '=', 'accounts.id')
              .where('second_factors.confirmed_at', 'is not', null),
          ),
        ),
      )
      .where((eb) => eb.not(eb.exists(eb.selectFrom('passkeys').select('passkeys.id').whereRef('passkeys.account_id', '=', 'accounts.id'))));
  }
  if (s.afterEmail !== null) query = query.where('email_normalized', '>', s.afterEmail);
  const rows = await query.orderBy('email_normalized').limit(s.limit).execute();
  return rows.map(toAccount);
}

type DirectoryAccountQueries = Pick<
  AccountRepository,
  'recordPasswordSetElsewhere' | 'findAccountByDirectoryId' | 'linkDirectoryAccount' | 'listSignedInDirectoryAccounts'
>;

/** The accounts of the directory backend (methods/directory-account.ts): linked to an entry's stable id. */
function directoryAccountQueries(db: Kysely<Database>): DirectoryAccountQueries {
  return {
    async recordPasswordSetElsewhere(accountId, now) {
      await db
        .updateTable('accounts')
        .set({ password_changed_at: now, must_change_password: 0, must_change_reason: null, expiry_reminder_sent_at: null, updated_at: now })
        .where('id', '=', accountId)
        .execute();
    },
    async findAccountByDirectoryId(directoryId) {
      const row = await db.selectFrom('accounts').selectAll().where('directory_id', '=', directoryId).executeTakeFirst();
      return row ? toAccount(row) : null;
    },
    async linkDirectoryAccount(input) {
      const existing =
        input.known !== undefined
          ? input.known
          : await db
              .selectFrom('accounts')
              .selectAll()
              .where('directory_id', '=', input.directoryId)
              .executeTakeFirst()
              .then((row) => (row ? toAccount(row) : null));
      if (existing) {
        const changed =
          existing.emailNormalized !== input.emailNormalized ||
          existing.displayName !== input.displayName ||
          (input.role !== null && existing.role !== input.role) ||
          (input.passwordChangedAt !== null && existing.passwordChangedAt !== input.passwordChangedAt);
        if (!changed) return existing;
        try {
          const updated = await db
            .updateTable('accounts')
            .set({
              email: input.email,
              email_normalized: input.emailNormalized,
              display_name: input.displayName,
              ...(input.role !== null ? { role: input.role } : {}),
              ...(input.passwordChangedAt !== null ? { password_changed_at: input.passwordChangedAt } : {}),
              updated_at: input.now,
            })
            .where('id', '=', existing.id)
            .returningAll()
            .executeTakeFirstOrThrow();
          return toAccount(updated);
        } catch (err) {
          // The entry's new email belongs to another account: keep the old one rather than sign no one in.
          if (isUniqueViolation(err)) return existing;
          throw err;
        }
      }
      const inserted = await db
        .insertInto('accounts')
        .values({
          id: input.id,
          email: input.email,
          email_normalized: input.emailNormalized,
          display_name: input.displayName,
          role: input.role ?? 'user',
          status: 'active',
          password_hash: null,
          password_changed_at: input.passwordChangedAt,
          must_change_password: 0,
          must_change_reason: null,
          created_at: input.now,
          updated_at: input.now,
          expiry_reminder_sent_at: null,
          directory_id: input.directoryId,
          // The directory vouches for its entries' addresses.
          email_confirmed_at: input.now,
          checkup_reminder_at: null,
        })
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return toAccount(inserted);
      // A parallel first sign-in made it, or the email is another account's.
      const raced = await db.selectFrom('accounts').selectAll().where('directory_id', '=', input.directoryId).executeTakeFirst();
      return raced ? toAccount(raced) : null;
    },
    async listSignedInDirectoryAccounts({ now, afterId, limit }) {
      let query = db
        .selectFrom('accounts')
        .selectAll()
        .where('directory_id', 'is not', null)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('sessions')
              .select('sessions.id')
              .whereRef('sessions.account_id', '=', 'accounts.id')
              .where('sessions.revoked_at', 'is', null)
              .where('sessions.expires_at', '>', now),
          ),
        );
      if (afterId !== null) query = query.where('id', '>', afterId);
      const rows = await query.orderBy('id').limit(limit).execute();
      return rows.map(toAccount);
    },
  };
}

/**
 * The reminders' walks over the accounts (password expiry, flows/password-expiry.ts; the monthly checkup,
 * flows/checkup.ts) and the address confirmation (flows/sign-up.ts).
 */
function reminderQueries(
  db: Kysely<Database>,
): Pick<
  AccountRepository,
  'markExpiryReminderSent' | 'listAccountsDueForExpiryReminder' | 'confirmEmail' | 'listAccountsDueForCheckup' | 'claimCheckupReminder'
> {
  return {
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
    async confirmEmail(accountId, now) {
      const result = await db
        .updateTable('accounts')
        .set({ email_confirmed_at: now, updated_at: now })
        .where('id', '=', accountId)
        .where('email_confirmed_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async listAccountsDueForCheckup({ dueBefore, afterId, limit }) {
      let query = db
        .selectFrom('accounts')
        .selectAll()
        .where('status', '=', 'active')
        .where('created_at', '<=', dueBefore)
        .where((eb) => eb.or([eb('checkup_reminder_at', 'is', null), eb('checkup_reminder_at', '<=', dueBefore)]));
      if (afterId !== null) query = query.where('id', '>', afterId);
      const rows = await query.orderBy('id').limit(limit).execute();
      return rows.map(toAccount);
    },
    async claimCheckupReminder(accountId, { now, dueBefore }) {
      const result = await db
        .updateTable('accounts')
        .set({ checkup_reminder_at: now })
        .where('id', '=', accountId)
        .where((eb) => eb.or([eb('checkup_reminder_at', 'is', null), eb('checkup_reminder_at', '<=', dueBefore)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

/** Roles: the help desk's role change, and the count that keeps one active administrator (flows/help-desk/action.ts). */
function roleQueries(db: Kysely<Database>): Pick<AccountRepository, 'setRole' | 'countOtherActiveAdministrators'> {
  return {
    async setRole(accountId, role, now) {
      await db.updateTable('accounts').set({ role, updated_at: now }).where('id', '=', accountId).execute();
    },
    async countOtherActiveAdministrators(exceptId) {
      const row = await db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('role', '=', 'admin')
        .where('status', '=', 'active')
        .where('id', '!=', exceptId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
