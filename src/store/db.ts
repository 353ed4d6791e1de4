// Opens the database named by a URL: a SQLite file (default) or PostgreSQL.
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type LogEvent } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { Database } from './schema.js';
import { InCodeMigrationProvider, type Dialect } from './migrations/index.js';
import { ARRAY_ROWS_MARKER } from './compiled-once.js';

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Whether writes are failing for lack of space (set by any failed statement; cleared by a successful probe). */
  writeHealth: WriteHealth;
  /**
   * SQLite file only: a second connection that only reads, for the session check's one-statement lookup. It
   * sees every committed write at once (WAL), never another request's open transaction, and needs no turn on
   * the writing connection, which Kysely lends to one transaction at a time.
   */
  reader: SQLite.Database | null;
  close(): Promise<void>;
}

export interface WriteHealth {
  /** The last out-of-space failure not yet followed by a successful write probe; null while writes work. */
  failure: { code: string; at: number } | null;
}

/** SQLite's out-of-space and I/O codes, and PostgreSQL's disk_full (53100). */
export function isOutOfSpace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') || code === '53100');
}

function watchWrites(health: WriteHealth): (event: LogEvent) => void {
  return (event) => {
    if (event.level === 'error' && isOutOfSpace(event.error)) {
      health.failure = { code: String((event.error as { code: string }).code), at: Date.now() };
    }
  };
}

const INT8_OID = 20;

export function sqlitePathFromUrl(url: string): string {
  const path = url.replace(/^(sqlite|file):(\/\/)?/, '');
  return path === ':memory:' ? path : resolve(path);
}

export interface OpenDatabaseOptions {
  poolSize?: number;
  /** PostgreSQL: how long a query waits for a new connection before failing (default 5 s). */
  connectTimeoutMs?: number;
}

export function openDatabase(url: string, options: OpenDatabaseOptions = {}): OpenedDatabase {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      // During an outage a request waits at most this long for a connection, then answers 503.
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      // Dead peers (a database host that vanished) are noticed by TCP instead of hanging a checked-out client.
      keepAlive: true,
      // Timestamps are bigint milliseconds; they fit a double exactly for the next 285,000 years.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // A connection lost while idle (pool 'error') or while checked out (the client's own 'error') must not crash
    // the process: pg emits 'error' on the client too, and an EventEmitter 'error' with no listener throws. The
    // query in flight rejects on its own, the pool drops the broken client at release, and the next checkout
    // reconnects — so a database restart costs the requests of that moment a 503, not the server.
    pool.on('error', () => {});
    pool.on('connect', (client) => {
      client.on('error', () => {});
    });
    const writeHealth: WriteHealth = { failure: null };
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: watchWrites(writeHealth) });
    return { db, dialect: 'postgres', writeHealth, reader: null, close: () => db.destroy() };
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
  // Deleted and overwritten content is zeroed in the file, not left in free space (a dropped mail body, an
  // old session row): a copy of the file then holds only what the tables hold.
  sqlite.pragma('secure_delete = ON');
  // After a checkpoint the WAL is cut back to this size, so one burst of writes does not keep it large for good.
  sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  const writeHealth: WriteHealth = { failure: null };
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }), log: watchWrites(writeHealth) });
  // An in-memory database is private to its connection: there the reads take the writing connection's turn.
  const reader = path === ':memory:' ? null : openReader(path);
  return {
    db,
    dialect: 'sqlite',
    writeHealth,
    reader,
    close: async () => {
      reader?.close();
      await db.destroy();
    },
  };
}

const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

function openReader(path: string): SQLite.Database {
  const reader = new SQLite(path);
  reader.pragma('busy_timeout = 5000');
  // A statement that tries to write through this connection fails instead of taking the write lock.
  reader.pragma('query_only = ON');
  return reader;
}

/** Distinct SQL texts kept prepared. Our queries are parameterised, so the real set is a few dozen. */
const STATEMENT_CACHE_LIMIT = 512;

/**
 * Kysely prepares a new statement for every query. Reusing one prepared statement per SQL text saves the
 * parse on every request, and — the reason it is here — keeps statements alive while the database is open:
 * better-sqlite3 12 built against Node ≥ 24.19 headers aborts the process when garbage collection finalises
 * a Statement outside a JS context (nodejs/node ObjectWrap cleanup-hook change; better-sqlite3 13 fixes it
 * but needs Node ≥ 22). Past the limit, statements are used once and left to the collector as before.
 * SQL led by ARRAY_ROWS_MARKER (compiled-once.ts) is prepared to give its rows as arrays of values.
 */
export function withStatementCache(sqlite: SQLite.Database): { prepare(sql: string): SQLite.Statement; close(): void } {
  const cache = new Map<string, SQLite.Statement>();
  // SQLite rolls a transaction back by itself on SQLITE_FULL, SQLITE_IOERR and some others; Kysely's ROLLBACK
  // after that failed with "cannot rollback - no transaction is active" and hid the real error from the log.
  const rollback = sqlite.prepare('rollback');
  const rollbackIfOpen = {
    reader: false,
    run: () => (sqlite.inTransaction ? rollback.run() : { changes: 0, lastInsertRowid: 0 }),
  } as unknown as SQLite.Statement;
  return {
    prepare(sql) {
      if (sql === 'rollback') return rollbackIfOpen;
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = sqlite.prepare(sql);
        if (sql.startsWith(ARRAY_ROWS_MARKER)) stmt.raw(true);
        if (cache.size < STATEMENT_CACHE_LIMIT) cache.set(sql, stmt);
      }
      return stmt;
    },
    close() {
      sqlite.close();
    },
  };
}

const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const UNAVAILABLE_PG_MESSAGES = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Connection ended)/;

/**
 * True when `err` says the database cannot be reached right now rather than that a statement is wrong: the
 * server restarted or dropped the connection, refuses connections, or a pool checkout timed out. Such a request
 * answers 503 with Retry-After (nothing was written: the transaction did not commit), and /readyz turns 503.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (UNAVAILABLE_NODE_CODES.has(code)) return true;
      // PostgreSQL SQLSTATE: class 08 connection exception; 57P01 admin shutdown, 57P02 crash shutdown,
      // 57P03 cannot connect now (starting up or shutting down); 53300 too many connections.
      if (/^08[0-9A-Z]{3}$/.test(code) || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
      // SQLite: another process holds the write lock past busy_timeout.
      if (code === 'SQLITE_BUSY') return true;
    }
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && UNAVAILABLE_PG_MESSAGES.test(message)) return true;
  }
  return false;
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
    const name = failed?.migrationName ? ` ${failed.migrationName}` : '';
    throw new Error(`database migration${name} failed: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
