// The lease owner id of a mail worker: `host:role:slot`. It must be the same when a node restarts (so the new
// run can take back the leases the dead one held, instead of waiting for them to expire) and different for two
// live processes on one machine (a server and a `passdesk worker`, or two workers), or one would take the
// other's messages. A slot is a PID file in DATA_DIR/mail-workers/: the lowest slot whose file is missing or
// names a process that is no longer running is ours. A crashed run leaves its file behind with a dead PID, so
// its restart gets the same slot; a clean stop removes it. Errs on the safe side: a PID reused by another
// process makes the slot look taken, and the restart takes a new slot (its old leases then simply expire).
import { hostname } from 'node:os';
import { join } from 'node:path';
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';

export interface WorkerOwner {
  id: string;
  /** Gives the slot back (a clean stop). */
  release(): void;
}

/** Slots held by this process (a test process may run several apps; the PID alone cannot tell them apart). */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function taken(file: string): boolean {
  if (heldHere.has(file)) return true;
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
  } catch {
    return false;
  }
  // Our own PID in a file we do not hold: a previous run that had the same PID (PID 1 in a container).
  return pid !== process.pid && alive(pid);
}

const MAX_SLOTS = 64;

/** The owner id for `role` ("serve" or "worker"); `fallback` when no slot can be kept (unwritable DATA_DIR). */
export function claimWorkerOwner(dataDir: string, role: string, fallback: () => string): WorkerOwner {
  const host = hostname();
  try {
    const dir = join(dataDir, 'mail-workers');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (let slot = 0; slot < MAX_SLOTS; slot++) {
      const file = join(dir, `${role}-${slot}.pid`);
      if (taken(file)) continue;
      try { unlinkSync(file); } catch { /* absent */ }
      try {
        // wx: of two processes starting at the same moment, one gets the slot, the other tries the next.
        writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      } catch {
        continue;
      }
      heldHere.add(file);
      return {
        id: `${host}:${role}:${slot}`,
        release() {
          if (!heldHere.delete(file)) return;
          try { unlinkSync(file); } catch { /* already gone */ }
        },
      };
    }
  } catch {
    // Fall through: a read-only DATA_DIR costs only the fast reclaim after a crash, not correctness.
  }
  return { id: fallback(), release() {} };
}
