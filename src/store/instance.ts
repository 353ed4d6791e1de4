// Facts about this installation as a whole, one row each (e.g. which server secret its sealed data was made with).
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface InstanceRepository {
  getInstanceValue(name: string): Promise<string | null>;
  /** Stores `value` unless a value is already there; returns the value in force either way. */
  setInstanceValueOnce(name: string, value: string, now: number): Promise<string>;
  /** Key ids of the secrets sealed so far (second-factor seeds): what any earlier server secret left behind. */
  listSealedKeyIds(): Promise<string[]>;
}

export function instanceRepository(db: Kysely<Database>): InstanceRepository {
  return {
    async getInstanceValue(name) {
      const row = await db.selectFrom('passdesk_instance').select('value').where('name', '=', name).executeTakeFirst();
      return row?.value ?? null;
    },
    async setInstanceValueOnce(name, value, now) {
      await db
        .insertInto('passdesk_instance')
        .values({ name, value, created_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const row = await db.selectFrom('passdesk_instance').select('value').where('name', '=', name).executeTakeFirstOrThrow();
      return row.value;
    },
    async listSealedKeyIds() {
      const rows = await db.selectFrom('second_factors').select('key_id').distinct().execute();
      return rows.map((r) => r.key_id);
    },
  };
}
