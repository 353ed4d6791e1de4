// One server per SQLite data directory. Two servers on one file would each keep their own throttle counts and
// fight over the write lock; the second is refused at start instead. The lock is an exclusive SQLite lock on a
// small file of its own (a POSIX advisory lock the kernel drops when the process dies, so a crash never leaves a
// stale lock behind); the database itself stays shared, so the CLI's short commands work beside a running server.
import { readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';

export class DataDirectoryLockedError extends Error {
  override name = 'DataDirectoryLockedError';
}

export interface DataDirectoryLock {
  release(): void;
}

export function lockDataDirectory(dataDir: string): DataDirectoryLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lockPath = join(dataDir, 'passdesk.lock');
  const pidPath = join(dataDir, 'passdesk.pid');
  const db = new SQLite(lockPath, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write in exclusive locking mode takes the lock and keeps it until the connection closes.
    db.exec('create table if not exists holder (pid integer); begin exclusive; delete from holder; insert into holder values (0); commit');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      let holder = '';
      try {
        holder = ` (pid ${readFileSync(pidPath, 'utf8').trim()})`;
      } catch {
        // No pid file: the holder is starting or the file was removed; the lock alone decides.
      }
      throw new DataDirectoryLockedError(
        `another Passdesk server is already running on the data directory ${dataDir}${holder}: stop it first, or give this one its own PASSDESK_DATA_DIR (several servers need PostgreSQL)`,
      );
    }
    throw err;
  }
  writeFileSync(pidPath, `${process.pid}\n`, { mode: 0o600 });
  return {
    release() {
      rmSync(pidPath, { force: true });
      db.close();
    },
  };
}
