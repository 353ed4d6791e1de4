// The lease owner id of a mail worker: `node:role:slot`. It must be the same when a node restarts (so the new run
// can take back the leases the dead one held, instead of waiting for them to expire) and different for any two
// live processes (a server and a `passdesk worker`, two workers, or two machines that happen to share a hostname),
// or one would take, renew and release the other's messages.
//   node — a random id made once per data directory (DATA_DIR/node-id, created exclusively), not the hostname:
//          containers and cloned machines often share one.
//   slot — held by an exclusive SQLite lock on DATA_DIR/mail-workers/ROLE-N.lock: a kernel lock, dropped when the
//          process dies (even by SIGKILL), never stale and never stolen by a race, since nothing is deleted. The
//          lowest slot that can be locked is ours, so a restarted node gets its old slot back.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import SQLite from 'better-sqlite3';

export interface WorkerOwner {
  id: string;
  /** Gives the slot back (a clean stop). */
  release(): void;
}

const MAX_SLOTS = 64;

/** The data directory's node id: made once, exclusively, so two processes starting together agree on it. */
function nodeId(dataDir: string): string {
  const path = join(dataDir, 'node-id');
  try {
    writeFileSync(path, `${randomBytes(8).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const id = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{16}$/.test(id)) throw new Error(`${path} does not hold a node id`);
  return id;
}

/** Holds an exclusive lock on `path` until release; null when another live process holds it. */
function lockSlot(path: string): SQLite.Database | null {
  const db = new SQLite(path, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('create table if not exists slot (x integer); begin exclusive; delete from slot; commit');
    return db;
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return null;
    throw err;
  }
}

/** The owner id for `role` ("serve" or "worker"); `fallback` when no slot can be kept (unwritable DATA_DIR). */
export function claimWorkerOwner(dataDir: string, role: string, fallback: () => string): WorkerOwner {
  try {
    const dir = join(dataDir, 'mail-workers');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const node = nodeId(dataDir);
    for (let slot = 0; slot < MAX_SLOTS; slot++) {
      const lock = lockSlot(join(dir, `${role}-${slot}.lock`));
      if (!lock) continue;
      let held = true;
      return {
        id: `${node}:${role}:${slot}`,
        release() {
          if (!held) return;
          held = false;
          lock.close();
        },
      };
    }
  } catch {
    // Fall through: a read-only DATA_DIR costs only the fast reclaim after a crash, not correctness.
  }
  return { id: fallback(), release() {} };
}
