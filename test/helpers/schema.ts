// The schema a database holds, read back from its catalog, for comparing what migrations build.
import { Migrator, sql, type Kysely } from 'kysely';
import type { Dialect } from '../../src/store/migrations/index.js';
import { InCodeMigrationProvider } from '../../src/store/migrations/index.js';

/** Kysely's own bookkeeping tables are left out: they belong to the migrator, not to a migration. */
const OWN_TABLES = `'passdesk_migrations', 'passdesk_migrations_lock'`;

export type SchemaDump = Record<string, unknown[]>;

export async function dumpSchema(db: Kysely<unknown>, dialect: Dialect): Promise<SchemaDump> {
  if (dialect === 'sqlite') {
    const objects = await sql`select type, name, tbl_name, sql from sqlite_master
      where name not like 'sqlite_%' and tbl_name not in (${sql.raw(OWN_TABLES)}) order by type, name`.execute(db);
    return { objects: objects.rows };
  }
  const columns = await sql`select table_name, ordinal_position, column_name, data_type, is_nullable, column_default
    from information_schema.columns where table_schema = 'public' and table_name not in (${sql.raw(OWN_TABLES)})
    order by table_name, ordinal_position`.execute(db);
  const indexes = await sql`select tablename, indexname, indexdef from pg_indexes
    where schemaname = 'public' and tablename not in (${sql.raw(OWN_TABLES)}) order by tablename, indexname`.execute(db);
  const constraints = await sql`select conrelid::regclass::text as table_name, conname, pg_get_constraintdef(oid) as definition
    from pg_constraint where connamespace = 'public'::regnamespace and conrelid::regclass::text not in (${sql.raw(OWN_TABLES)})
    order by conrelid::regclass::text, conname`.execute(db);
  return { columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows };
}

/** Applies the migrations up to and including `last`, as `passdesk migrate` would (same table names). */
export async function migrateUpTo(db: Kysely<unknown>, dialect: Dialect, last: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new InCodeMigrationProvider(dialect),
    migrationTableName: 'passdesk_migrations',
    migrationLockTableName: 'passdesk_migrations_lock',
  });
  const { error, results } = await migrator.migrateTo(last);
  if (error) throw error;
  return (results ?? []).map((r) => r.migrationName);
}
