// Trusted devices: the server-side half of a device cookie (core/device-cookie.ts). The cookie's MAC proves the
// server issued the binding; a row here proves the account still trusts it. Deleting an account's rows when its
// security changes (a completed reset, "This wasn't me", a password change, the account disabled) ends the trust of
// every cookie handed out before, including an intruder's (OWASP "device cookies": revocable per account).
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface TrustedDeviceRepository {
  /**
   * Records `device` as trusted for the account of `sessionId`, in one guarded INSERT … SELECT: only while that
   * session is live, the account active, and its password unchanged since the session began (a reset or change
   * that raced the sign-in wins). `replacing` (the browser's previous nonce for this login) is forgotten; the
   * account keeps at most `max` trusted devices, the newest. False when the guard refused.
   */
  trustDevice(o: { device: string; login: string; accountId: string; sessionId: string; replacing: string | null; max: number; now: number }): Promise<boolean>;
  /** True when `device` is trusted for the login `login` and its account is active. */
  isTrustedDevice(device: string, login: string): Promise<boolean>;
  /** Ends the trust of every device of the account; returns how many. */
  forgetTrustedDevices(accountId: string): Promise<number>;
  /** How many devices the account trusts (the security overview; tests). */
  countTrustedDevices(accountId: string): Promise<number>;
}

export function trustedDeviceRepository(db: Kysely<Database>): TrustedDeviceRepository {
  return {
    async trustDevice({ device, login, accountId, sessionId, replacing, max, now }) {
      if (replacing !== null && replacing !== device) {
        await db.deleteFrom('trusted_devices').where('device', '=', replacing).where('account_id', '=', accountId).execute();
      }
      const inserted = await db
        .insertInto('trusted_devices')
        .columns(['device', 'account_id', 'login', 'created_at'])
        .expression((eb) =>
          eb
            .selectFrom('sessions')
            .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
            .select([
              sql<string>`cast(${device} as text)`.as('device'),
              'accounts.id',
              sql<string>`cast(${login} as text)`.as('login'),
              sql<number>`cast(${now} as bigint)`.as('created_at'),
            ])
            .where('sessions.id', '=', sessionId)
            .where('sessions.account_id', '=', accountId)
            .where('sessions.revoked_at', 'is', null)
            .where('accounts.status', '=', 'active')
            .where((w) => w.or([w('accounts.password_changed_at', 'is', null), w('accounts.password_changed_at', '<=', w.ref('sessions.created_at'))])),
        )
        .onConflict((oc) => oc.column('device').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
      // The cap: an account trusts at most `max` browsers, the newest (a burst of racing sign-ins may leave one
      // more until the next one trims).
      await db
        .deleteFrom('trusted_devices')
        .where('account_id', '=', accountId)
        .where('device', 'not in', (eb) =>
          eb
            .selectFrom('trusted_devices')
            .select('device')
            .where('account_id', '=', accountId)
            .orderBy('created_at', 'desc')
            .orderBy('device', 'desc')
            .limit(max),
        )
        .execute();
      return true;
    },
    async isTrustedDevice(device, login) {
      const row = await db
        .selectFrom('trusted_devices')
        .innerJoin('accounts', 'accounts.id', 'trusted_devices.account_id')
        .select('trusted_devices.device')
        .where('trusted_devices.device', '=', device)
        .where('trusted_devices.login', '=', login)
        .where('accounts.status', '=', 'active')
        .executeTakeFirst();
      return row !== undefined;
    },
    async forgetTrustedDevices(accountId) {
      const result = await db.deleteFrom('trusted_devices').where('account_id', '=', accountId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async countTrustedDevices(accountId) {
      const row = await db
        .selectFrom('trusted_devices')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}
