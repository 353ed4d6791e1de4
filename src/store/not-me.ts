// "This wasn't me" links (the state machine is drawn beside the 0013_not_me migration). Tokens and
// confirmation ids are stored only as hashes; using a link is one guarded UPDATE, so two racing
// confirmations cannot both win.
import type { Kysely, Selectable } from 'kysely';
import type { Database, NotMeState, NotMeTokensTable } from './schema.js';

export type { NotMeState };

export interface NotMeToken {
  id: string;
  accountId: string;
  outboxId: string | null;
  /** The notice's template code. */
  notice: string;
  /** When, from which IP and device the thing the notice was about happened. */
  eventAt: number;
  eventIp: string | null;
  eventDevice: string | null;
  state: NotMeState;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export interface NewNotMeToken {
  id: string;
  accountId: string;
  tokenHash: string;
  outboxId: string | null;
  notice: string;
  eventAt: number;
  eventIp: string | null;
  eventDevice: string | null;
  now: number;
  expiresAt: number;
}

/** Which link: by the emailed token's hash, or by the hash of the confirmation id it was swapped for. */
export type NotMeKey = { tokenHash: string } | { confirmHash: string };

export interface NotMeRepository {
  issueNotMeToken(t: NewNotMeToken): Promise<void>;
  /**
   * A live link (issued, unexpired) gets a new confirmation id, valid until `confirmExpiresAt` and never
   * past the link's own expiry. The link itself stays usable: opening it is not using it. Null when not live.
   */
  startNotMeConfirmation(tokenHash: string, o: { confirmHash: string; now: number; confirmExpiresAt: number }): Promise<NotMeToken | null>;
  /** A live link by its token or its unexpired confirmation; null otherwise. */
  findLiveNotMe(key: NotMeKey, now: number): Promise<NotMeToken | null>;
  /** issued → used, atomically, only while live. The row that was used, or null when nothing won. */
  useNotMe(key: NotMeKey, now: number): Promise<NotMeToken | null>;
  /**
   * Voids every issued link of the account, except those of `keep.notice` about an event at one of `keep.eventAts`;
   * returns how many.
   */
  voidNotMeTokens(accountId: string, now: number, keep?: { notice: string; eventAts: readonly number[] }): Promise<number>;
}

function toNotMe(row: Selectable<NotMeTokensTable>): NotMeToken {
  return {
    id: row.id,
    accountId: row.account_id,
    outboxId: row.outbox_id,
    notice: row.notice,
    eventAt: Number(row.event_at),
    eventIp: row.event_ip,
    eventDevice: row.event_device,
    state: row.state,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    usedAt: row.used_at === null ? null : Number(row.used_at),
  };
}

export function notMeRepository(db: Kysely<Database>): NotMeRepository {
  const live = (key: NotMeKey, now: number) => {
    let q = db.updateTable('not_me_tokens').where('state', '=', 'issued').where('expires_at', '>', now);
    q = 'tokenHash' in key ? q.where('token_hash', '=', key.tokenHash) : q.where('confirm_hash', '=', key.confirmHash).where('confirm_expires_at', '>', now);
    return q;
  };
  return {
    async issueNotMeToken(t) {
      await db
        .insertInto('not_me_tokens')
        .values({
          id: t.id,
          account_id: t.accountId,
          token_hash: t.tokenHash,
          outbox_id: t.outboxId,
          notice: t.notice,
          event_at: t.eventAt,
          event_ip: t.eventIp,
          event_device: t.eventDevice,
          state: 'issued',
          confirm_hash: null,
          confirm_expires_at: null,
          created_at: t.now,
          expires_at: t.expiresAt,
          used_at: null,
          updated_at: t.now,
        })
        .execute();
    },
    async startNotMeConfirmation(tokenHash, o) {
      const row = await live({ tokenHash }, o.now)
        // A later opening replaces the confirmation; the link's own expiry still bounds it (checked on use).
        .set({ confirm_hash: o.confirmHash, confirm_expires_at: o.confirmExpiresAt, updated_at: o.now })
        .returningAll()
        .executeTakeFirst();
      return row ? toNotMe(row) : null;
    },
    async findLiveNotMe(key, now) {
      let q = db.selectFrom('not_me_tokens').selectAll().where('state', '=', 'issued').where('expires_at', '>', now);
      q = 'tokenHash' in key ? q.where('token_hash', '=', key.tokenHash) : q.where('confirm_hash', '=', key.confirmHash).where('confirm_expires_at', '>', now);
      const row = await q.executeTakeFirst();
      return row ? toNotMe(row) : null;
    },
    async useNotMe(key, now) {
      const row = await live(key, now).set({ state: 'used', used_at: now, updated_at: now }).returningAll().executeTakeFirst();
      return row ? toNotMe(row) : null;
    },
    async voidNotMeTokens(accountId, now, keep) {
      let q = db.updateTable('not_me_tokens').set({ state: 'voided', updated_at: now }).where('account_id', '=', accountId).where('state', '=', 'issued');
      if (keep && keep.eventAts.length > 0) {
        q = q.where((eb) => eb.not(eb.and([eb('notice', '=', keep.notice), eb('event_at', 'in', [...keep.eventAts])])));
      }
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
  };
}
