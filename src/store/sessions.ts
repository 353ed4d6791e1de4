import type { Kysely, Selectable } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { AccountStatus, Database, Role, SessionsTable } from './schema.js';
import { toAccount, type Account } from './accounts.js';
import { compiledOnceAsArrays, compiledOnceOnReader } from './compiled-once.js';

export interface Session {
  id: string;
  accountId: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  ip: string | null;
  userAgent: string | null;
  device: string;
  revokedAt: number | null;
  revokedReason: string | null;
  /** When the person last proved who they are in this session (sign-in or step-up), and with what. */
  authenticatedAt: number;
  /** The strongest method of that authentication: 'password', 'totp', 'recovery_code' (flows/step-up.ts). */
  authenticatedWith: string;
}

export type RevokeReason =
  | 'sign-out'
  | 'revoked-by-user'
  | 'password-changed'
  | 'rotated'
  | 'signed-out-elsewhere'
  | 'admin'
  | 'password-reset'
  | 'reported'
  | 'password-locked'
  /** The sign-in address changed (flows/change-email.ts): every session but the one that made the change. */
  | 'email-changed'
  /** The directory entry is gone or disabled (flows/directory-sync.ts). */
  | 'directory-entry-ended';

/** The token's hash is left out: nothing past the lookup needs it. */
function toSession(row: Omit<Selectable<SessionsTable>, 'token_hash'>): Session {
  return {
    id: row.id,
    accountId: row.account_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    ip: row.ip,
    userAgent: row.user_agent,
    device: row.device,
    revokedAt: row.revoked_at,
    revokedReason: row.revoked_reason,
    authenticatedAt: Number(row.authenticated_at),
    authenticatedWith: row.authenticated_with,
  };
}

export interface NewSession {
  id: string;
  tokenHash: string;
  accountId: string;
  now: number;
  expiresAt: number;
  ip: string | null;
  userAgent: string | null;
  device: string;
  /** Defaults to a password sign-in at `now`. */
  authentication?: { at: number; method: string };
}

export interface SessionRepository {
  createSession(input: NewSession): Promise<Session>;
  /** The session and its account in one read: the hot path of every authenticated request. */
  findSessionByTokenHash(tokenHash: string): Promise<{ session: Session; account: Account } | null>;
  touchSession(sessionId: string, now: number): Promise<void>;
  /**
   * Records a fresh authentication of a live session (step-up), optionally with a new token hash (rotation);
   * false when the session is not the account's or no longer live.
   */
  recordAuthentication(sessionId: string, o: { accountId: string; at: number; method: string; newTokenHash?: string }): Promise<boolean>;
  /** Revokes one live session; false when it does not exist, belongs to someone else, or is already dead. */
  revokeSession(sessionId: string, options: { accountId: string; now: number; reason: RevokeReason }): Promise<boolean>;
  /** Revokes every live session of the account except `exceptSessionId`; returns how many. */
  revokeOtherSessions(accountId: string, options: { exceptSessionId: string | null; now: number; reason: RevokeReason }): Promise<number>;
  /** Sessions not revoked and not past their absolute expiry, newest first. Idle expiry is the caller's rule. */
  listSessions(accountId: string, options: { now: number; includeRevokedSince?: number }): Promise<Session[]>;
  /** Device and IP of the account's sessions, newest first, whatever their state (for new-device notices). */
  listSessionOrigins(accountId: string, options: { limit: number }): Promise<Array<{ device: string; ip: string | null; createdAt: number }>>;
}

/**
 * One session and its account in one row: the session check's join, its values in this order (columns
 * prefixed s_ are the session's). sessionWithAccount below reads them by position, so the two change together.
 */
const SESSION_WITH_ACCOUNT = [
  's.id as s_id',
  's.account_id as s_account_id',
  's.created_at as s_created_at',
  's.last_seen_at as s_last_seen_at',
  's.expires_at as s_expires_at',
  's.ip as s_ip',
  's.user_agent as s_user_agent',
  's.device as s_device',
  's.revoked_at as s_revoked_at',
  's.revoked_reason as s_revoked_reason',
  's.authenticated_at as s_authenticated_at',
  's.authenticated_with as s_authenticated_with',
  'a.id',
  'a.email',
  'a.email_normalized',
  'a.display_name',
  'a.role',
  'a.status',
  'a.password_hash',
  'a.password_changed_at',
  'a.must_change_password',
  'a.must_change_reason',
  'a.created_at',
  'a.updated_at',
  'a.expiry_reminder_sent_at',
  'a.directory_id',
  'a.email_confirmed_at',
  'a.locale',
] as const;

type SessionJoinValues = [
  ...[string, string, number, number, number, string | null, string | null, string, number | null, string | null, number, string],
  ...[
    string,
    string,
    string,
    string,
    Role,
    AccountStatus,
    string | null,
    number | null,
    number,
    string | null,
    number,
    number,
    number | null,
    string | null,
    number | null,
    string | null,
  ],
];

function sessionWithAccount(values: unknown[]): { session: Session; account: Account } {
  const v = values as SessionJoinValues;
  const session = toSession({
    id: v[0],
    account_id: v[1],
    created_at: v[2],
    last_seen_at: v[3],
    expires_at: v[4],
    ip: v[5],
    user_agent: v[6],
    device: v[7],
    revoked_at: v[8],
    revoked_reason: v[9],
    authenticated_at: v[10],
    authenticated_with: v[11],
  });
  const account = toAccount({
    id: v[12],
    email: v[13],
    email_normalized: v[14],
    display_name: v[15],
    role: v[16],
    status: v[17],
    password_hash: v[18],
    password_changed_at: v[19],
    must_change_password: v[20],
    must_change_reason: v[21],
    created_at: v[22],
    updated_at: v[23],
    expiry_reminder_sent_at: v[24],
    directory_id: v[25],
    email_confirmed_at: v[26],
    checkup_reminder_at: null,
    locale: v[27],
  });
  return { session, account };
}

/**
 * `reader`: SQLite's reading connection (store/db.ts), given only outside a transaction. The session check, the
 * hottest query, then runs there synchronously: no wait for the writing connection, none of Kysely's layers.
 */
export function sessionRepository(db: Kysely<Database>, reader: SQLite.Database | null = null): SessionRepository {
  const bySessionTokenHash = (tokenHash: string) =>
    db.selectFrom('sessions as s').innerJoin('accounts as a', 'a.id', 's.account_id').select(SESSION_WITH_ACCOUNT).where('s.token_hash', '=', tokenHash);
  const selectSessionByTokenHash: (tokenHash: string) => unknown[][] | Promise<unknown[][]> = reader
    ? compiledOnceOnReader(reader, bySessionTokenHash)
    : compiledOnceAsArrays(db, bySessionTokenHash);
  return {
    async createSession(input) {
      const row = {
        id: input.id,
        token_hash: input.tokenHash,
        account_id: input.accountId,
        created_at: input.now,
        last_seen_at: input.now,
        expires_at: input.expiresAt,
        ip: input.ip,
        user_agent: input.userAgent,
        device: input.device,
        revoked_at: null,
        revoked_reason: null,
        authenticated_at: input.authentication?.at ?? input.now,
        authenticated_with: input.authentication?.method ?? 'password',
      };
      await db.insertInto('sessions').values(row).execute();
      return toSession(row);
    },
    async findSessionByTokenHash(tokenHash) {
      const [row] = await selectSessionByTokenHash(tokenHash);
      return row ? sessionWithAccount(row) : null;
    },
    async touchSession(sessionId, now) {
      await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', sessionId).where('revoked_at', 'is', null).execute();
    },
    async recordAuthentication(sessionId, { accountId, at, method, newTokenHash }) {
      const result = await db
        .updateTable('sessions')
        .set({ authenticated_at: at, authenticated_with: method, ...(newTokenHash ? { token_hash: newTokenHash } : {}) })
        .where('id', '=', sessionId)
        .where('account_id', '=', accountId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async revokeSession(sessionId, { accountId, now, reason }) {
      const result = await db
        .updateTable('sessions')
        .set({ revoked_at: now, revoked_reason: reason })
        .where('id', '=', sessionId)
        .where('account_id', '=', accountId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async revokeOtherSessions(accountId, { exceptSessionId, now, reason }) {
      let q = db.updateTable('sessions').set({ revoked_at: now, revoked_reason: reason }).where('account_id', '=', accountId).where('revoked_at', 'is', null);
      if (exceptSessionId) q = q.where('id', '!=', exceptSessionId);
      const result = await q.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async listSessions(accountId, { now, includeRevokedSince }) {
      let q = db.selectFrom('sessions').selectAll().where('account_id', '=', accountId).where('expires_at', '>', now);
      q =
        includeRevokedSince === undefined
          ? q.where('revoked_at', 'is', null)
          : q.where((eb) => eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>=', includeRevokedSince)]));
      const rows = await q.orderBy('last_seen_at', 'desc').orderBy('id').execute();
      return rows.map(toSession);
    },
    async listSessionOrigins(accountId, { limit }) {
      const rows = await db
        .selectFrom('sessions')
        .select(['device', 'ip', 'created_at'])
        .where('account_id', '=', accountId)
        .orderBy('created_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ device: r.device, ip: r.ip, createdAt: r.created_at }));
    },
  };
}
