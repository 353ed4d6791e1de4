// `passdesk backup FILE` and `passdesk restore FILE` for the SQLite default. A backup is one SQLite file: a
// consistent copy made with SQLite's online backup API (the server keeps running and writing meanwhile) plus one
// table holding the server secret, because the data is sealed with keys derived from it (a database restored
// without its secret opens, but every authenticator code then fails). The file is therefore as sensitive as the
// secret itself: it is written mode 0600. PostgreSQL installations use pg_dump and keep the secret beside it.
import { chmodSync, closeSync, copyFileSync, constants, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { Config } from './config.js';
import { sqlitePathFromUrl } from './store/db.js';
import { lockDataDirectory } from './store/data-dir-lock.js';

/**
 * Creates `path` for this process alone before anything is written into it: mode 0600 from the first byte
 * (another local user who opened a 0644 file during the copy would keep reading it after a later chmod, secret
 * included), and O_EXCL, so an existing file or a symlink planted in a shared directory is refused, not followed.
 */
function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
  } catch (err) {
    if ((err as { code?: string }).code === 'EEXIST') throw new BackupError(`${path} already exists (a run that stopped halfway?); remove it and try again`);
    throw err;
  }
  // The mode argument is filtered by the umask; 0600 can only lose bits, never gain them, but say it exactly.
  chmodSync(path, 0o600);
}

/** What a backup/restore refused and why, for one line on stderr. */
export class BackupError extends Error {
  override name = 'BackupError';
}

const BACKUP_TABLE = 'passdesk_backup';
const BACKUP_FORMAT = 1;

function sqliteDatabasePath(config: Config): string {
  if (config.databaseUrl.startsWith('postgres')) {
    throw new BackupError(
      'the database is PostgreSQL: back it up with pg_dump and keep the server secret (PASSDESK_SECRET or DATA_DIR/secret) with the dump; see docs/guides/operations.md',
    );
  }
  const path = sqlitePathFromUrl(config.databaseUrl);
  if (path === ':memory:') throw new BackupError('an in-memory database has nothing to back up');
  return path;
}

export async function backupDatabase(config: Config, target: string, now: number): Promise<{ bytes: number }> {
  const source = sqliteDatabasePath(config);
  if (!existsSync(source)) throw new BackupError(`no database at ${source}`);
  if (existsSync(target)) throw new BackupError(`${target} already exists; choose a new file name`);
  const partial = `${target}.partial`;
  createPrivateFile(partial);
  const db = new SQLite(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(partial);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    db.close();
  }
  const copy = new SQLite(partial);
  try {
    copy.pragma('journal_mode = DELETE');
    copy.exec(`create table ${BACKUP_TABLE} (format integer not null, secret text not null, made_at integer not null)`);
    copy.prepare(`insert into ${BACKUP_TABLE} values (?, ?, ?)`).run(BACKUP_FORMAT, Buffer.from(config.secretBytes).toString('utf8'), now);
  } finally {
    copy.close();
  }
  renameSync(partial, target);
  return { bytes: statSync(target).size };
}

export interface RestoreOptions {
  /** Replace an existing database (it is kept beside as FILE.replaced-TIME). */
  force: boolean;
  /** PASSDESK_SECRET from the environment or config file, if set: then the backup's secret must equal it. */
  configuredSecret: string | undefined;
}

export function restoreDatabase(config: Config, file: string, now: number, o: RestoreOptions): { replaced: string | null } {
  const target = sqliteDatabasePath(config);
  if (!existsSync(file)) throw new BackupError(`no backup at ${file}`);
  let secret: string;
  try {
    const b = new SQLite(file, { readonly: true, fileMustExist: true });
    try {
      const row = b.prepare(`select format, secret from ${BACKUP_TABLE}`).get() as { format: number; secret: string } | undefined;
      if (!row || row.format !== BACKUP_FORMAT) throw new Error('no backup record');
      b.prepare('select count(*) from passdesk_migrations').get();
      secret = row.secret;
    } finally {
      b.close();
    }
  } catch {
    throw new BackupError(`${file} is not a Passdesk backup (made by \`passdesk backup\`)`);
  }
  if (o.configuredSecret !== undefined && o.configuredSecret !== secret) {
    throw new BackupError(
      "PASSDESK_SECRET is set to a different secret than the backup was made with; unset it (the backup's secret is then written to DATA_DIR/secret) or set it to the original",
    );
  }
  // No server may run on the data directory while its database is swapped.
  const lock = lockDataDirectory(config.dataDir);
  try {
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    let replaced: string | null = null;
    if (existsSync(target)) {
      if (!o.force) throw new BackupError(`a database already exists at ${target}; add --force to replace it (it is kept as ${target}.replaced-…)`);
      replaced = `${target}.replaced-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
      const db = new SQLite(target);
      // Fold the WAL into the file first, so the kept copy is whole on its own.
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
      renameSync(target, replaced);
      for (const suffix of ['-wal', '-shm']) rmSync(target + suffix, { force: true });
    }
    const partial = `${target}.restoring`;
    createPrivateFile(partial);
    // A backup is a closed file in DELETE journal mode: a plain copy is consistent. Then the secret leaves it.
    copyFileSync(file, partial);
    const db = new SQLite(partial);
    db.exec(`drop table ${BACKUP_TABLE}`);
    db.pragma('journal_mode = WAL');
    db.close();
    renameSync(partial, target);
    chmodSync(target, 0o600);
    if (o.configuredSecret === undefined) {
      const secretPath = join(config.dataDir, 'secret');
      createPrivateFile(`${secretPath}.restoring`);
      const fd = openSync(`${secretPath}.restoring`, constants.O_WRONLY | constants.O_NOFOLLOW);
      try {
        writeSync(fd, secret + '\n');
      } finally {
        closeSync(fd);
      }
      renameSync(`${secretPath}.restoring`, secretPath);
    }
    return { replaced };
  } finally {
    lock.release();
  }
}
