// Lookups in the on-disk set: the index lives in memory, a lookup reads one bucket (a few KB) with one
// async read and binary-searches it. The file is re-checked at most once a second on lookup; a new import
// (a new inode, or another size or mtime) is opened and swapped in, and the old descriptor is closed once
// the reads still using it have finished.
import { closeSync, fstatSync, openSync, read, readSync, stat } from 'node:fs';
import type { Clock } from '../core/clock.js';
import { HEADER_BYTES, RECORD_BYTES, bucketOf, decodeCount, decodeHeader, decodeIndex, indexBytes, type SetHeader } from './format.js';

export interface OfflineMatch {
  count: number | null;
}

interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
}

class OpenSet {
  inFlight = 0;
  retired = false;
  closed = false;
  constructor(
    readonly fd: number,
    readonly header: SetHeader,
    readonly index: Uint32Array,
    readonly identity: FileIdentity,
  ) {}

  release(): void {
    if (this.retired && this.inFlight === 0 && !this.closed) {
      this.closed = true;
      closeSync(this.fd);
    }
  }
}

/** Opens and validates a set; throws BreachedSetError when it is not one. Returns null when the file does not exist. */
function openSetSync(path: string): OpenSet | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const st = fstatSync(fd);
    const headerBytes = Buffer.alloc(HEADER_BYTES);
    readFully(fd, headerBytes, 0);
    const header = decodeHeader(headerBytes, st.size, path);
    const indexBuf = Buffer.allocUnsafe(indexBytes(header.bucketBits));
    readFully(fd, indexBuf, HEADER_BYTES);
    const index = decodeIndex(indexBuf, header, path);
    return new OpenSet(fd, header, index, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function readFully(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
}

function readAt(fd: number, buf: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (done: number): void => {
      read(fd, buf, done, buf.length - done, position + done, (err, n) => {
        if (err) reject(err);
        else if (n === 0 || done + n >= buf.length) resolve();
        else step(done + n);
      });
    };
    step(0);
  });
}

function sameIdentity(a: FileIdentity | null, b: FileIdentity): boolean {
  return a !== null && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

export interface OfflineSetOptions {
  path: string;
  clock: Clock;
  /** How often a lookup may stat the file for a new import (default 1000 ms). */
  recheckIntervalMs?: number;
  /** Told when a changed file cannot be opened (the previous set stays in use). */
  onReloadError?: (err: Error) => void;
  onReload?: (entries: number) => void;
}

export class OfflineSet {
  private current: OpenSet | null;
  private lastCheckAt: number;
  private checking: Promise<void> | null = null;
  /** A changed file that failed to open, so it is not retried every second. */
  private rejected: FileIdentity | null = null;
  private readonly recheckMs: number;

  /** Opens the set now (throws BreachedSetError for a damaged file); a missing file is an empty set until one appears. */
  constructor(private readonly options: OfflineSetOptions) {
    this.recheckMs = options.recheckIntervalMs ?? 1000;
    this.current = openSetSync(options.path);
    this.lastCheckAt = options.clock.now();
  }

  get path(): string {
    return this.options.path;
  }

  get header(): SetHeader | null {
    return this.current?.header ?? null;
  }

  /** Looks up a SHA-1 (20 bytes); null when absent. */
  async lookup(sha1: Uint8Array): Promise<OfflineMatch | null> {
    await this.recheckIfDue();
    const set = this.current;
    if (!set) return null;
    const bucket = bucketOf(sha1, set.header.bucketBits);
    const start = bucket === 0 ? 0 : set.index[bucket - 1]!;
    const end = set.index[bucket]!;
    if (start === end) return null;
    const buf = Buffer.allocUnsafe((end - start) * RECORD_BYTES);
    set.inFlight++;
    try {
      await readAt(set.fd, buf, HEADER_BYTES + indexBytes(set.header.bucketBits) + start * RECORD_BYTES);
    } finally {
      set.inFlight--;
      set.release();
    }
    const wantHi = ((sha1[2]! << 24) | (sha1[3]! << 16) | (sha1[4]! << 8) | sha1[5]!) >>> 0;
    const wantLo = (sha1[6]! << 8) | sha1[7]!;
    let lo = 0;
    let hi = end - start - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const o = mid * RECORD_BYTES;
      const recHi = buf.readUInt32BE(o);
      const recLo = buf.readUInt16BE(o + 4);
      if (recHi === wantHi && recLo === wantLo) return { count: decodeCount(buf.readUInt16BE(o + 6)) };
      if (recHi < wantHi || (recHi === wantHi && recLo < wantLo)) lo = mid + 1;
      else hi = mid - 1;
    }
    return null;
  }

  /** Picks up a newly imported file if the once-a-second re-check is due (lookups do this themselves). */
  refresh(): Promise<void> {
    return this.recheckIfDue();
  }

  private recheckIfDue(): Promise<void> {
    if (this.checking !== null) return this.checking;
    const now = this.options.clock.now();
    if (now - this.lastCheckAt < this.recheckMs) return Promise.resolve();
    this.lastCheckAt = now;
    this.checking = this.recheck().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async recheck(): Promise<void> {
    const identity = await new Promise<FileIdentity | null>((resolve) => {
      stat(this.options.path, (err, st) => resolve(err ? null : { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs }));
    });
    if (identity === null) {
      // The operator removed the file: stop using it.
      this.swap(null);
      return;
    }
    if (sameIdentity(this.current?.identity ?? null, identity) || sameIdentity(this.rejected, identity)) return;
    try {
      const next = openSetSync(this.options.path);
      this.rejected = null;
      this.swap(next);
      if (next) this.options.onReload?.(next.header.entries);
    } catch (err) {
      this.rejected = identity;
      this.options.onReloadError?.(err as Error);
    }
  }

  private swap(next: OpenSet | null): void {
    const previous = this.current;
    this.current = next;
    if (previous) {
      previous.retired = true;
      previous.release();
    }
  }

  close(): void {
    this.swap(null);
  }
}
