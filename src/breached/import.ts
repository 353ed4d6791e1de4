// Import a Pwned Passwords file (`SHA1HEX:COUNT` lines, any order, CRLF or LF, possibly tens of GB) into
// the compact set described in format.ts, with memory bounded whatever the input's size:
//   1. stream the text once, partitioning 9-byte records (SHA-1 bytes 1–7 and the encoded count) by the
//      hash's first byte into 256 temporary files through 64 KB buffers (16 MB in all);
//   2. load one partition at a time (split once more by the second byte when it is larger than
//      maxRecordsInMemory), sort it, drop duplicates, append its records and count its buckets;
//   3. write the index and header, fsync, and rename over the destination: a reader sees the old set or
//      the new one, never half of one.
// Synchronous I/O in large chunks is the fastest way through the file; the loop yields between chunks so
// signals (Ctrl-C) and progress output still get through.
import { closeSync, fstatSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { BreachedSetError, FORMAT_VERSION, HEADER_BYTES, RECORD_BYTES, bucketOf, chooseBucketBits, encodeCount, encodeHeader, indexBytes } from './format.js';

export interface ImportProgress {
  /** reading: `done`/`total` are bytes of the input (total 0 when unknown); writing: partitions of 256. */
  phase: 'reading' | 'writing';
  done: number;
  total: number;
  validLines: number;
}

export interface ImportOptions {
  source: string;
  destination: string;
  /** Where the partition files go (default: a fresh directory beside the destination). */
  tempDir?: string;
  clock?: Clock;
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
  /** A partition with more records than this is split by the next byte before sorting (default 2 million ≈ 34 MB). */
  maxRecordsInMemory?: number;
}

export interface ImportResult {
  path: string;
  entries: number;
  validLines: number;
  invalidLines: number;
  blankLines: number;
  /** Line numbers (1-based) of the first few invalid lines; their content is never echoed. */
  firstInvalidLines: number[];
  bytes: number;
  bucketBits: number;
}

const TEMP_RECORD_BYTES = 9;
const READ_CHUNK_BYTES = 4 << 20;
/** Longer than any valid line by far; a longer one is invalid and skipped without buffering it. */
const MAX_LINE_BYTES = 4096;
const PARTITION_BUFFER_RECORDS = 7281; // ≈ 64 KB
const OUTPUT_BUFFER_BYTES = 1 << 20;

const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[65 + i] = 10 + i;
  HEX_VALUE[97 + i] = 10 + i;
}

/** The sort below views pairs of u32 words as one u64; that is only the right order on a little-endian host. */
function assertLittleEndian(): void {
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
    throw new BreachedSetError('BREACHED_IMPORT_FAILED', 'importing needs a little-endian machine');
  }
}

/** Appends fixed-size byte runs to a file through one buffer, from `position` on. */
class BufferedFile {
  private readonly buf: Buffer;
  private used = 0;
  constructor(
    readonly fd: number,
    capacity: number,
    private position = 0,
  ) {
    this.buf = Buffer.allocUnsafe(capacity);
  }
  room(bytes: number): Buffer {
    if (this.used + bytes > this.buf.length) this.flush();
    return this.buf;
  }
  get offset(): number {
    return this.used;
  }
  advance(bytes: number): void {
    this.used += bytes;
  }
  flush(): void {
    let done = 0;
    while (done < this.used) done += writeSync(this.fd, this.buf, done, this.used - done, this.position + done);
    this.position += this.used;
    this.used = 0;
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function readWholeFile(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, buf, done, size - done, done);
      if (n === 0) break;
      done += n;
    }
    return buf.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

export async function importBreachedFile(options: ImportOptions): Promise<ImportResult> {
  assertLittleEndian();
  const clock = options.clock ?? systemClock;
  const maxInMemory = options.maxRecordsInMemory ?? 2_000_000;
  const destDir = dirname(options.destination);
  // 0700 like the data dir Passdesk creates for itself (it also holds the database).
  mkdirSync(destDir, { recursive: true, mode: 0o700 });
  const workDir = mkdtempSync(join(options.tempDir ?? destDir, `.${basename(options.destination)}.import-`));
  const outputTemp = join(destDir, `.${basename(options.destination)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const checkAborted = (): void => {
    if (options.signal?.aborted) throw new BreachedSetError('BREACHED_IMPORT_FAILED', 'import interrupted; the previous set (if any) is unchanged');
  };
  let renamed = false;
  try {
    const counts = await partitionInput(options, workDir, checkAborted);
    if (counts.validLines === 0) {
      throw new BreachedSetError(
        'BREACHED_IMPORT_NO_VALID_LINES',
        `${options.source}: no valid SHA1HEX:COUNT line (${counts.invalidLines} invalid, ${counts.blankLines} blank); nothing imported`,
      );
    }
    const bucketBits = chooseBucketBits(counts.validLines);
    const fd = openSync(outputTemp, 'w', 0o644);
    let entries = 0;
    try {
      // Records go after the header and index, which are written last, when the counts are known.
      const out = new BufferedFile(fd, OUTPUT_BUFFER_BYTES, HEADER_BYTES + indexBytes(bucketBits));
      const bucketCounts = new Uint32Array(2 ** bucketBits);
      for (let first = 0; first < 256; first++) {
        checkAborted();
        const path = join(workDir, partitionName(first));
        const records = fstatSyncPath(path) / TEMP_RECORD_BYTES;
        if (records > maxInMemory) {
          for (const sub of splitBySecondByte(path, workDir, first)) {
            entries += emitSorted(readWholeFile(sub), first, out, bucketCounts, bucketBits);
            unlinkSync(sub);
          }
        } else if (records > 0) {
          entries += emitSorted(readWholeFile(path), first, out, bucketCounts, bucketBits);
        }
        unlinkSync(path);
        options.onProgress?.({ phase: 'writing', done: first + 1, total: 256, validLines: counts.validLines });
        await yieldToEventLoop();
      }
      out.flush();
      if (entries > 0xffffffff) {
        // The index counts in u32; the whole Pwned Passwords corpus is under a quarter of that.
        throw new BreachedSetError('BREACHED_IMPORT_FAILED', `${entries} distinct hashes: more than the 4,294,967,295 a set can hold`);
      }
      const index = Buffer.allocUnsafe(indexBytes(bucketBits));
      let cumulative = 0;
      for (let b = 0; b < bucketCounts.length; b++) {
        cumulative += bucketCounts[b]!;
        index.writeUInt32LE(cumulative, b * 4);
      }
      const header = encodeHeader({ version: FORMAT_VERSION, bucketBits, entries, importedAt: clock.now() });
      writeSync(fd, header, 0, header.length, 0);
      writeSync(fd, index, 0, index.length, HEADER_BYTES);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    checkAborted();
    renameSync(outputTemp, options.destination);
    renamed = true;
    syncDirectory(destDir);
    return {
      path: options.destination,
      entries,
      validLines: counts.validLines,
      invalidLines: counts.invalidLines,
      blankLines: counts.blankLines,
      firstInvalidLines: counts.firstInvalidLines,
      bytes: HEADER_BYTES + indexBytes(bucketBits) + RECORD_BYTES * entries,
      bucketBits,
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    if (!renamed) rmSync(outputTemp, { force: true });
  }
}

function partitionName(first: number): string {
  return `p${first.toString(16).padStart(2, '0')}`;
}

function fstatSyncPath(path: string): number {
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

function syncDirectory(dir: string): void {
  // Makes the rename durable; not every platform can open a directory, and losing this only risks the rename.
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* best effort */
  }
}

interface LineCounts {
  validLines: number;
  invalidLines: number;
  blankLines: number;
  firstInvalidLines: number[];
}

async function partitionInput(options: ImportOptions, workDir: string, checkAborted: () => void): Promise<LineCounts> {
  let input: number;
  try {
    input = openSync(options.source, 'r');
  } catch (err) {
    throw new BreachedSetError('BREACHED_IMPORT_FAILED', `cannot read ${options.source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const total = fstatSync(input).isFile() ? fstatSync(input).size : 0;
  const partitions: BufferedFile[] = [];
  const counts: LineCounts = { validLines: 0, invalidLines: 0, blankLines: 0, firstInvalidLines: [] };
  try {
    for (let first = 0; first < 256; first++) {
      partitions.push(new BufferedFile(openSync(join(workDir, partitionName(first)), 'w', 0o600), PARTITION_BUFFER_RECORDS * TEMP_RECORD_BYTES));
    }
    const hash = new Uint8Array(20);
    const buf = Buffer.allocUnsafe(READ_CHUNK_BYTES + MAX_LINE_BYTES);
    let carried = 0;
    let bytesRead = 0;
    let lineNumber = 0;
    let skippingLongLine = false;

    const invalid = (): void => {
      counts.invalidLines++;
      if (counts.firstInvalidLines.length < 5) counts.firstInvalidLines.push(lineNumber);
    };
    const parseLine = (start: number, end: number): void => {
      lineNumber++;
      while (end > start && (buf[end - 1] === 13 || buf[end - 1] === 32 || buf[end - 1] === 9)) end--;
      while (start < end && (buf[start] === 32 || buf[start] === 9)) start++;
      if (start === end) {
        counts.blankLines++;
        return;
      }
      if (end - start < 40) return void invalid();
      for (let i = 0; i < 20; i++) {
        const hi = HEX_VALUE[buf[start + 2 * i]!]!;
        const lo = HEX_VALUE[buf[start + 2 * i + 1]!]!;
        if (hi < 0 || lo < 0) return void invalid();
        hash[i] = (hi << 4) | lo;
      }
      let count = 0;
      let p = start + 40;
      if (p < end) {
        // ":COUNT", at most 15 digits (exact in a double); a bare hash is accepted with an unknown count.
        if (buf[p] !== 58 || end - p - 1 < 1 || end - p - 1 > 15) return void invalid();
        for (p++; p < end; p++) {
          const d = buf[p]! - 48;
          if (d < 0 || d > 9) return void invalid();
          count = count * 10 + d;
        }
      }
      const encoded = encodeCount(count);
      const part = partitions[hash[0]!]!;
      const room = part.room(TEMP_RECORD_BYTES);
      const o = part.offset;
      for (let i = 0; i < 7; i++) room[o + i] = hash[1 + i]!;
      room[o + 7] = encoded >> 8;
      room[o + 8] = encoded & 0xff;
      part.advance(TEMP_RECORD_BYTES);
      counts.validLines++;
    };

    for (;;) {
      checkAborted();
      const n = readSync(input, buf, carried, READ_CHUNK_BYTES, null);
      bytesRead += n;
      const filled = carried + n;
      let pos = 0;
      if (skippingLongLine) {
        const nl = buf.indexOf(10, 0);
        if (nl === -1 || nl >= filled) {
          pos = filled;
        } else {
          pos = nl + 1;
          skippingLongLine = false;
        }
      }
      if (!skippingLongLine) {
        for (;;) {
          const nl = buf.indexOf(10, pos);
          if (nl === -1 || nl >= filled) break;
          parseLine(pos, nl);
          pos = nl + 1;
        }
      }
      if (n === 0) {
        if (pos < filled && !skippingLongLine) parseLine(pos, filled);
        break;
      }
      carried = filled - pos;
      if (carried > MAX_LINE_BYTES) {
        lineNumber++;
        invalid();
        skippingLongLine = true;
        carried = 0;
      } else {
        buf.copyWithin(0, pos, filled);
      }
      options.onProgress?.({ phase: 'reading', done: bytesRead, total, validLines: counts.validLines });
      await yieldToEventLoop();
    }
    for (const part of partitions) part.flush();
    return counts;
  } finally {
    for (const part of partitions) closeSync(part.fd);
    closeSync(input);
  }
}

/** Splits one partition file into 256 by the hash's second byte (the first byte of a temporary record). */
function splitBySecondByte(path: string, workDir: string, first: number): string[] {
  const names = Array.from({ length: 256 }, (_, second) => join(workDir, `${partitionName(first)}-${second.toString(16).padStart(2, '0')}`));
  const subs = names.map((name) => new BufferedFile(openSync(name, 'w', 0o600), 1024 * TEMP_RECORD_BYTES));
  const input = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(TEMP_RECORD_BYTES * 100_000);
    let position = 0;
    for (;;) {
      let filled = 0;
      while (filled < chunk.length) {
        const n = readSync(input, chunk, filled, chunk.length - filled, position + filled);
        if (n === 0) break;
        filled += n;
      }
      position += filled;
      for (let o = 0; o + TEMP_RECORD_BYTES <= filled; o += TEMP_RECORD_BYTES) {
        const sub = subs[chunk[o]!]!;
        const room = sub.room(TEMP_RECORD_BYTES);
        chunk.copy(room, sub.offset, o, o + TEMP_RECORD_BYTES);
        sub.advance(TEMP_RECORD_BYTES);
      }
      if (filled < chunk.length) break;
    }
    for (const sub of subs) sub.flush();
  } finally {
    closeSync(input);
    for (const sub of subs) closeSync(sub.fd);
  }
  return names;
}

/**
 * Sorts one partition's records (all sharing the hash's first byte), drops duplicates (keeping the larger
 * count) and appends them. Each record becomes one u64 — SHA-1 bytes 2–7 then the encoded count — grouped
 * by byte 1 with a counting sort, then each group sorted natively as a BigUint64Array (no BigInt is made).
 */
function emitSorted(records: Buffer, first: number, out: BufferedFile, bucketCounts: Uint32Array, bucketBits: number): number {
  const n = Math.floor(records.length / TEMP_RECORD_BYTES);
  const starts = new Uint32Array(257);
  for (let i = 0; i < n; i++) starts[records[i * TEMP_RECORD_BYTES]! + 1]!++;
  for (let g = 0; g < 256; g++) starts[g + 1]! += starts[g]!;
  const next = starts.slice(0, 256);
  const words = new Uint32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const o = i * TEMP_RECORD_BYTES;
    const j = next[records[o]!]!++;
    words[2 * j + 1] = ((records[o + 1]! << 24) | (records[o + 2]! << 16) | (records[o + 3]! << 8) | records[o + 4]!) >>> 0;
    words[2 * j] = ((records[o + 5]! << 24) | (records[o + 6]! << 16) | (records[o + 7]! << 8) | records[o + 8]!) >>> 0;
  }
  const wide = new BigUint64Array(words.buffer);
  const hash = new Uint8Array(3);
  hash[0] = first;
  let written = 0;
  for (let g = 0; g < 256; g++) {
    const start = starts[g]!;
    const end = starts[g + 1]!;
    if (end - start > 1) wide.subarray(start, end).sort();
    hash[1] = g;
    for (let j = start; j < end; j++) {
      const hi = words[2 * j + 1]!;
      const lo = words[2 * j]!;
      // Sorted ascending, so among equal hashes the largest count comes last: keep that one.
      if (j + 1 < end && words[2 * j + 3] === hi && words[2 * j + 2]! >>> 16 === lo >>> 16) continue;
      const room = out.room(RECORD_BYTES);
      room.writeUInt32BE(hi, out.offset);
      room.writeUInt32BE(lo, out.offset + 4);
      out.advance(RECORD_BYTES);
      hash[2] = hi >>> 24;
      bucketCounts[bucketOf(hash, bucketBits)]!++;
      written++;
    }
  }
  return written;
}
