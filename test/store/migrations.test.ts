// Databases record the names of the migrations they ran (passdesk_migrations); Kysely runs the rest in name order.
// A renamed, removed or reordered migration would make every existing database fail to start, and a migration
// whose statements changed would leave old and new databases with different schemas. These tests hold both.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { migrationsFor } from '../../src/store/migrations/index.js';
import { openDatabase, type OpenedDatabase } from '../../src/store/db.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { dumpSchema, migrateUpTo } from '../helpers/schema.js';

// The names as databases in the field hold them, in the order they ran. Never edit, reorder or remove one;
// a new migration goes after the last, with a greater name.
const RECORDED_NAMES = [
  '0001_initial',
  '0002_password_policy',
  '0003_mail_outbox',
  '0004_mail_preferences',
  '0005_password_reset',
  '0006_two_factor',
  '0010_reset_methods',
  '0011_passkeys',
  '0012_step_up',
  '0013_not_me',
  '0014_attempt_counters',
  '0015_reset_hardening',
  '0016_sign_in_limits',
  '0017_outbox_sealed',
  '0018_challenges',
  '0019_write_probe',
  '0020_instance',
  '0021_device_trust',
  '0022_outbox_leases',
  '0023_job_leases',
] as const;
const LAST_RECORDED = '0023_job_leases';

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`migrations on ${backend}`, () => {
    let pgDb: TestDatabase | null = null;
    let opened: OpenedDatabase;

    before(async () => {
      if (backend === 'postgres') pgDb = await createTestDatabase();
      opened = openDatabase(pgDb ? pgDb.url : 'sqlite::memory:');
    });

    after(async () => {
      await opened.close();
      if (pgDb) await pgDb.drop();
    });

    test('the recorded migration names come first, unchanged and in order; newer ones sort after them', () => {
      const names = Object.keys(migrationsFor(backend));
      assert.deepEqual(names.slice(0, RECORDED_NAMES.length), [...RECORDED_NAMES]);
      assert.deepEqual([...names].sort(), names, 'listed in the order Kysely runs them (by name)');
    });

    test('the recorded migrations build the schema they built before they were split into files', async () => {
      const db = opened.db as unknown as Kysely<unknown>;
      assert.deepEqual(await migrateUpTo(db, backend, LAST_RECORDED), [...RECORDED_NAMES]);
      const recorded = await sql<{ name: string }>`select name from passdesk_migrations order by name`.execute(db);
      assert.deepEqual(
        recorded.rows.map((r) => r.name),
        [...RECORDED_NAMES],
      );
      // Dumped from a database migrated by the single-file list (src/store/migrations/index.ts before issue 12).
      const expected: unknown = JSON.parse(readFileSync(new URL(`../fixtures/schema-0023-${backend}.json`, import.meta.url), 'utf8'));
      assert.deepEqual(await dumpSchema(db, backend), expected);
    });

    test('0030: accounts made before it count as confirmed (their created_at), and get the monthly checkup email unless they turn it off', async () => {
      const db = opened.db as unknown as Kysely<unknown>;
      await migrateUpTo(db, backend, '0026_help_desk_callers');
      const createdAt = Date.UTC(2025, 0, 2, 3, 4, 5);
      await sql`insert into accounts (id, email, email_normalized, display_name, role, status, password_hash, password_changed_at,
        must_change_password, must_change_reason, created_at, updated_at, expiry_reminder_sent_at, directory_id)
        values ('old-1', 'old@example.org', 'old@example.org', 'Old', 'user', 'active', null, null, 0, null, ${createdAt}, ${createdAt}, null, null)`.execute(
        db,
      );
      await sql`insert into mail_preferences (account_id, anti_phishing_phrase, recovery_email, recovery_email_verified_at, pending_recovery_email,
        pending_code_hash, pending_expires_at, pending_attempts, updated_at) values ('old-1', 'kept', null, null, null, null, null, 0, ${createdAt})`.execute(
        db,
      );
      await migrateUpTo(db, backend, '0030_sign_up_confirmation');
      const row = await sql<{
        email_confirmed_at: number | string | null;
        checkup_reminder_at: unknown;
      }>`select email_confirmed_at, checkup_reminder_at from accounts where id = 'old-1'`.execute(db);
      assert.equal(Number(row.rows[0]?.email_confirmed_at), createdAt);
      assert.equal(row.rows[0]?.checkup_reminder_at, null);
      const prefs = await sql<{ checkup_reminders: number | string }>`select checkup_reminders from mail_preferences where account_id = 'old-1'`.execute(db);
      assert.equal(Number(prefs.rows[0]?.checkup_reminders), 1);
    });
  });
}
