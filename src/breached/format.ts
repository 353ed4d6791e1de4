// The on-disk breached-password set: a header, an index of cumulative bucket counts, then sorted records.
//
//   header  64 bytes   "PDBREACH", u32 version, u32 bucketBits, u32 recordBytes, u32 0, u64 entries,
//                      f64 importedAt (ms since the epoch), zeros            (little-endian)
//   index   2^bucketBits × u32 LE: index[b] = number of records in buckets 0..b
//   records entries × 8 bytes, sorted: SHA-1 bytes 2..7 (big-endian) then a u16 BE encoded count
//
// A record's identity is the first 64 bits of the SHA-1: bytes 0–1 are implied by the bucket (bucketBits ≥ 16),
// bytes 2–7 are stored. With the whole Pwned Passwords corpus (~10^9 hashes) an absent password matches some
// record with probability ~10^9 / 2^64 ≈ 5·10^-11: negligible, and the only cost of a false match is advice to
// pick another password. 8 bytes per record leaves room in the 9-byte budget for the count.

export const MAGIC = 'PDBREACH';
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 64;
export const RECORD_BYTES = 8;
export const MIN_BUCKET_BITS = 16;
/** 2^20 buckets: a 4 MiB index in memory, ~1,000 records (8 KB, one read) per bucket for the full corpus. */
export const MAX_BUCKET_BITS = 20;

export class BreachedSetError extends Error {
  override name = 'BreachedSetError';
  readonly code: 'BREACHED_SET_INVALID' | 'BREACHED_IMPORT_FAILED' | 'BREACHED_IMPORT_NO_VALID_LINES';
  constructor(code: BreachedSetError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

export interface SetHeader {
  version: number;
  bucketBits: number;
  entries: number;
  importedAt: number;
}

/** Enough buckets for a few hundred records each, so one lookup reads a few KB at most. */
export function chooseBucketBits(expectedEntries: number): number {
  const bits = Math.ceil(Math.log2(Math.max(1, expectedEntries) / 256));
  return Math.min(MAX_BUCKET_BITS, Math.max(MIN_BUCKET_BITS, bits));
}

export function bucketOf(hash: Uint8Array, bucketBits: number): number {
  return ((hash[0]! << 16) | (hash[1]! << 8) | hash[2]!) >>> (24 - bucketBits);
}

export function indexBytes(bucketBits: number): number {
  return 4 * 2 ** bucketBits;
}

export function expectedFileSize(header: SetHeader): number {
  return HEADER_BYTES + indexBytes(header.bucketBits) + RECORD_BYTES * header.entries;
}

export function encodeHeader(header: SetHeader): Uint8Array {
  const buf = Buffer.alloc(HEADER_BYTES);
  buf.write(MAGIC, 0, 'ascii');
  buf.writeUInt32LE(header.version, 8);
  buf.writeUInt32LE(header.bucketBits, 12);
  buf.writeUInt32LE(RECORD_BYTES, 16);
  buf.writeBigUInt64LE(BigInt(header.entries), 24);
  buf.writeDoubleLE(header.importedAt, 32);
  return buf;
}

/** Checks everything that can be checked without reading the records; throws BreachedSetError naming the file. */
export function decodeHeader(bytes: Uint8Array, fileSize: number, path: string): SetHeader {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string): BreachedSetError =>
    new BreachedSetError('BREACHED_SET_INVALID', `${path}: ${why}; import the set again with \`passdesk breached import FILE\``);
  if (fileSize < HEADER_BYTES || buf.byteLength < HEADER_BYTES) throw bad(`too short to be a breached-password set (${fileSize} bytes)`);
  if (buf.toString('ascii', 0, 8) !== MAGIC) throw bad('not a Passdesk breached-password set (wrong magic number)');
  const version = buf.readUInt32LE(8);
  if (version !== FORMAT_VERSION) throw bad(`format version ${version} is not supported (this Passdesk reads version ${FORMAT_VERSION})`);
  const bucketBits = buf.readUInt32LE(12);
  if (bucketBits < MIN_BUCKET_BITS || bucketBits > MAX_BUCKET_BITS) throw bad(`damaged header (bucket bits ${bucketBits})`);
  if (buf.readUInt32LE(16) !== RECORD_BYTES) throw bad('damaged header (record size)');
  const entries = buf.readBigUInt64LE(24);
  if (entries > 0xffffffffn) throw bad('damaged header (entry count)');
  const importedAt = buf.readDoubleLE(32);
  const header: SetHeader = { version, bucketBits, entries: Number(entries), importedAt: Number.isFinite(importedAt) ? importedAt : 0 };
  const expected = expectedFileSize(header);
  if (fileSize !== expected) throw bad(`truncated or damaged: ${fileSize} bytes where the header promises ${expected}`);
  return header;
}

/** Reads the index and checks that it is cumulative and ends at the entry count. */
export function decodeIndex(bytes: Uint8Array, header: SetHeader, path: string): Uint32Array {
  const buckets = 2 ** header.bucketBits;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const index = new Uint32Array(buckets);
  let previous = 0;
  for (let b = 0; b < buckets; b++) {
    const v = buf.readUInt32LE(b * 4);
    if (v < previous || v > header.entries) {
      throw new BreachedSetError('BREACHED_SET_INVALID', `${path}: damaged index (bucket ${b}); import the set again with \`passdesk breached import FILE\``);
    }
    index[b] = v;
    previous = v;
  }
  if (previous !== header.entries) {
    throw new BreachedSetError(
      'BREACHED_SET_INVALID',
      `${path}: damaged index (counts ${previous} records, header says ${header.entries}); import the set again`,
    );
  }
  return index;
}

// Counts in 16 bits: exact below 32,768; above, 10 bits of mantissa and 5 of exponent (within 0.1%,
// rounded down, up to ~2.8·10^14). 0 means "unknown" (a line without a count). The encoding is monotonic,
// so the larger of two encoded counts is the encoding of the larger count.
export function encodeCount(count: number): number {
  if (!(count > 0)) return 0;
  if (count < 0x8000) return Math.floor(count);
  let e = Math.floor(Math.log2(count)) - 10;
  let m = Math.floor(count / 2 ** e);
  if (m >= 2048) {
    e += 1;
    m = Math.floor(count / 2 ** e);
  }
  if (m < 1024) {
    e -= 1;
    m = Math.floor(count / 2 ** e);
  }
  if (e - 5 > 31) return 0xffff;
  return 0x8000 | ((e - 5) << 10) | (m - 1024);
}

export function decodeCount(encoded: number): number | null {
  if (encoded === 0) return null;
  if (encoded < 0x8000) return encoded;
  const e = ((encoded >> 10) & 31) + 5;
  return (1024 + (encoded & 1023)) * 2 ** e;
}
