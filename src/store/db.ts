// Opens the database named by a URL: a SQLite file (default) or PostgreSQL.
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { Database } from './schema.js';
import { InCodeMigrationProvider, type Dialect } from './migrations/index.js';

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

const INT8_OID = 20;

export function sqlitePathFromUrl(url: string): string {
  const path = url.replace(/^(sqlite|file):(\/\/)?/, '');
  return path === ':memory:' ? path : resolve(path);
}

export function openDatabase(url: string, options: { poolSize?: number } = {}): OpenedDatabase {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      // Timestamps are bigint milliseconds; they fit a double exactly for the next 285,000 years.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  const path = sqlitePathFromUrl(url);
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // The file holds password and session hashes: owner-only, and SQLite gives its -wal/-shm the same mode.
    closeSync(openSync(path, 'a', 0o600));
    chmodSync(path, 0o600);
  }
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/** Distinct SQL texts kept prepared. Our queries are parameterised, so the real set is a few dozen. */
const STATEMENT_CACHE_LIMIT = 512;

/**
 * Kysely prepares a new statement for every query. Reusing one prepared statement per SQL text saves the
 * parse on every request, and — the reason it is here — keeps statements alive while the database is open:
 * better-sqlite3 12 built against Node ≥ 24.19 headers aborts the process when garbage collection finalises
 * a Statement outside a JS context (nodejs/node ObjectWrap cleanup-hook change; better-sqlite3 13 fixes it
 * but needs Node ≥ 22). Past the limit, statements are used once and left to the collector as before.
 */
export function withStatementCache(sqlite: SQLite.Database): { prepare(sql: string): SQLite.Statement; close(): void } {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(sql) {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = sqlite.prepare(sql);
        if (cache.size < STATEMENT_CACHE_LIMIT) cache.set(sql, stmt);
      }
      return stmt;
    },
    close() {
      sqlite.close();
    },
  };
}

export interface MigrationOutcome {
  applied: string[];
}

export async function migrateToLatest(db: Kysely<Database>, dialect: Dialect): Promise<MigrationOutcome> {
  const migrator = new Migrator({
    db,
    provider: new InCodeMigrationProvider(dialect),
    migrationTableName: 'passdesk_migrations',
    migrationLockTableName: 'passdesk_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? String(error)}`);
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
