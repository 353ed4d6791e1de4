// The breached-password set: importing Pwned Passwords files into the compact on-disk set, looking hashes
// up in it, picking up a new import without a restart, refusing damaged files, and the k-anonymity range
// API (a real local HTTP server speaking the protocol). Real files in a temporary directory; no mocks.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { manualClock } from '../../src/core/clock.js';
import { BreachedSetError, createBreachedPasswords, importBreachedFile, passwordSha1, type BreachedPasswords } from '../../src/breached/index.js';
import { OfflineSet } from '../../src/breached/offline-set.js';
import { decodeCount, encodeCount, HEADER_BYTES, RECORD_BYTES } from '../../src/breached/format.js';

const scratch = mkdtempSync(join(tmpdir(), 'passdesk-breached-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let fileCounter = 0;
function scratchPath(name: string): string {
  return join(scratch, `${++fileCounter}-${name}`);
}

function sha1Hex(password: string): string {
  return createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function randomHex(): string {
  return randomBytes(20).toString('hex').toUpperCase();
}

/** Deterministic shuffle so a failure can be reproduced. */
function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function openSet(path: string): OfflineSet {
  return new OfflineSet({ path, clock: manualClock() });
}

const PASSWORDS: Record<string, number> = {
  password: 9_545_824,
  '123456': 42_000_000,
  hunter2: 31_000,
  'correct horse battery staple': 400,
  'Tr0ub4dor&3': 12,
};

describe('import then lookup', () => {
  const source = scratchPath('pwned.txt');
  const destination = scratchPath('set.bin');
  const present: Array<{ hex: string; count: number }> = [];
  const absent: string[] = [];
  let result: Awaited<ReturnType<typeof importBreachedFile>>;

  before(async () => {
    for (const [password, count] of Object.entries(PASSWORDS)) present.push({ hex: sha1Hex(password), count });
    for (let i = 0; i < 5000; i++) present.push({ hex: randomHex(), count: 1 + (i % 40_000) });
    // Share the first two bytes (one bucket) and even the first seven: the search must tell them apart.
    for (let i = 0; i < 300; i++) present.push({ hex: `ABCD${randomHex().slice(4)}`, count: 2 });
    for (const last of ['00', '01', '7F', 'FE']) present.push({ hex: `0123456789ABCD${last}${randomHex().slice(16)}`, count: 3 });
    for (let i = 0; i < 2000; i++) absent.push(randomHex());
    for (const last of ['02', '80', 'FF']) absent.push(`0123456789ABCD${last}${randomHex().slice(16)}`);
    for (let i = 0; i < 50; i++) absent.push(`ABCD${randomHex().slice(4)}`);

    const lines = present.map((p, i) => `${i % 3 === 0 ? p.hex.toLowerCase() : p.hex}:${p.count}`);
    // Duplicates (the larger count wins), a bare hash (count unknown), blank and invalid lines.
    lines.push(`${present[0]!.hex}:5`, `${present[1]!.hex}:${present[1]!.count}`);
    const bare = randomHex();
    lines.push(bare);
    present.push({ hex: bare, count: 0 });
    const invalid = [
      'not a hash',
      `${randomHex().slice(0, 39)}:1`,
      `${randomHex()}:12x`,
      `${randomHex()};3`,
      `${randomHex().slice(0, 38)}ZZ:1`,
      `${randomHex()}:`,
    ];
    const blank = ['', '   ', '\t'];
    const all = shuffled([...lines, ...invalid, ...blank]);
    // Mixed CRLF and LF, no newline after the last line.
    writeFileSync(source, all.map((line, i) => line + (i === all.length - 1 ? '' : i % 2 ? '\r\n' : '\n')).join(''));
    result = await importBreachedFile({ source, destination, clock: manualClock(Date.UTC(2026, 10, 1)) });
    assert.equal(result.invalidLines, invalid.length);
    assert.equal(result.blankLines, blank.length);
  });

  it('counts lines and distinct hashes, and reports where the invalid lines are (by number, not content)', () => {
    assert.equal(result.validLines, present.length + 2);
    assert.equal(result.entries, present.length);
    assert.equal(result.firstInvalidLines.length, 5);
    for (const n of result.firstInvalidLines) assert.ok(Number.isInteger(n) && n > 0);
  });

  it('stays within 9 bytes per hash on disk (8 per record, plus the index)', () => {
    const size = statSync(destination).size;
    assert.equal(size, result.bytes);
    assert.equal(size, HEADER_BYTES + 4 * 2 ** result.bucketBits + RECORD_BYTES * result.entries);
  });

  it('finds every imported hash, with its count (exact below 32,768, within 0.1% above)', async () => {
    const set = openSet(destination);
    try {
      for (const p of present) {
        const match = await set.lookup(hexBytes(p.hex));
        assert.ok(match, `${p.hex} is found`);
        if (p.count === 0) assert.equal(match.count, null);
        else if (p.count < 32_768) assert.equal(match.count, p.count);
        else assert.ok(match.count !== null && match.count <= p.count && match.count > p.count * 0.999, `${match.count} ≈ ${p.count}`);
      }
    } finally {
      set.close();
    }
  });

  it('finds no hash that was not imported, including neighbours in the same bucket', async () => {
    const set = openSet(destination);
    try {
      for (const hex of absent) assert.equal(await set.lookup(hexBytes(hex)), null, hex);
    } finally {
      set.close();
    }
  });

  it('checks passwords by the SHA-1 of their UTF-8: known ones are breached with a count, others clear', async () => {
    const breached = createBreachedPasswords({ offlinePath: destination });
    try {
      assert.deepEqual(await breached.check('hunter2'), { status: 'breached', count: 31_000 });
      assert.deepEqual(await breached.check('Tr0ub4dor&3'), { status: 'breached', count: 12 });
      assert.deepEqual(await breached.check('a long passphrase nobody has used before 8c1f'), { status: 'clear' });
      assert.deepEqual(breached.describe(), {
        offline: { path: destination, entries: result.entries, importedAt: Date.UTC(2026, 10, 1) },
        online: null,
      });
    } finally {
      await breached.close();
    }
  });

  // Partition 0xAB holds the 350 ABCD… hashes, well over 40.
  it('a partition too large for memory is split by the next byte, giving the same file', async () => {
    const split = scratchPath('split.bin');
    await importBreachedFile({ source, destination: split, clock: manualClock(Date.UTC(2026, 10, 1)), maxRecordsInMemory: 40 });
    assert.deepEqual(readFileSync(split), readFileSync(destination));
  });

  it('leaves no temporary file behind', () => {
    const leftovers = readdirSync(scratch).filter((name) => name.startsWith('.'));
    assert.deepEqual(leftovers, []);
  });
});

describe('inputs with nothing to import', () => {
  it('an empty file is refused and the existing set is left as it was', async () => {
    const destination = scratchPath('kept.bin');
    const good = scratchPath('good.txt');
    writeFileSync(good, `${sha1Hex('hunter2')}:5\n`);
    await importBreachedFile({ source: good, destination });
    const before = readFileSync(destination);
    const empty = scratchPath('empty.txt');
    writeFileSync(empty, '');
    await assert.rejects(importBreachedFile({ source: empty, destination }), (err: unknown) => {
      assert.ok(err instanceof BreachedSetError);
      assert.equal(err.code, 'BREACHED_IMPORT_NO_VALID_LINES');
      assert.match(err.message, /no valid SHA1HEX:COUNT line \(0 invalid, 0 blank\); nothing imported/);
      return true;
    });
    assert.deepEqual(readFileSync(destination), before);
  });

  it('a file of only invalid and blank lines is refused, counting them', async () => {
    const source = scratchPath('junk.txt');
    writeFileSync(source, 'hello\r\n\r\nworld\n');
    const destination = scratchPath('never.bin');
    await assert.rejects(importBreachedFile({ source, destination }), /\(2 invalid, 1 blank\)/);
    assert.equal(existsSync(destination), false);
  });

  it('an interrupted import (Ctrl-C) leaves the previous set and no temporary file', async () => {
    const dir = mkdtempSync(join(scratch, 'abort-'));
    const destination = join(dir, 'set.bin');
    const source = scratchPath('abort.txt');
    writeFileSync(source, `${sha1Hex('hunter2')}:5\n`);
    await importBreachedFile({ source, destination });
    const before = readFileSync(destination);
    const abort = new AbortController();
    const importing = importBreachedFile({
      source,
      destination,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.phase === 'writing') abort.abort();
      },
    });
    await assert.rejects(importing, /import interrupted; the previous set \(if any\) is unchanged/);
    assert.deepEqual(readFileSync(destination), before);
    assert.deepEqual(readdirSync(dir), ['set.bin']);
  });

  it('a missing input file is a clear error', async () => {
    await assert.rejects(importBreachedFile({ source: scratchPath('nowhere.txt'), destination: scratchPath('x.bin') }), /cannot read .*nowhere\.txt: ENOENT/);
  });

  it('a line far longer than any hash is invalid and does not stop the import', async () => {
    const source = scratchPath('long.txt');
    writeFileSync(source, `${'A'.repeat(10 << 20)}\n${sha1Hex('hunter2')}:5\n`);
    const phases: string[] = [];
    const result = await importBreachedFile({
      source,
      destination: scratchPath('long.bin'),
      onProgress: (p) => phases.push(`${p.phase} ${p.done}/${p.total}`),
    });
    assert.equal(result.invalidLines, 1);
    assert.equal(result.entries, 1);
    // Progress for the progress bar: bytes while reading, then the 256 partitions while writing.
    assert.ok(phases.includes(`reading ${statSync(source).size}/${statSync(source).size}`), phases.slice(0, 3).join(', '));
    assert.equal(phases.at(-1), 'writing 256/256');
  });
});

describe('a running service picks up a new import without a restart', () => {
  it('re-checks the file at most once a second on lookup and swaps in the new set', async () => {
    const destination = scratchPath('live.bin');
    const first = scratchPath('first.txt');
    const second = scratchPath('second.txt');
    writeFileSync(first, `${sha1Hex('first-breach')}:10\n`);
    writeFileSync(second, `${sha1Hex('second-breach')}:20\n${sha1Hex('another')}:1\n`);
    await importBreachedFile({ source: first, destination });
    const clock = manualClock();
    const breached = createBreachedPasswords({ offlinePath: destination, clock });
    try {
      assert.equal((await breached.check('first-breach')).status, 'breached');
      await importBreachedFile({ source: second, destination });
      // Within the second: still the set it opened.
      clock.advance(999);
      assert.equal((await breached.check('second-breach')).status, 'clear');
      clock.advance(1);
      assert.deepEqual(await breached.check('second-breach'), { status: 'breached', count: 20 });
      assert.equal((await breached.check('first-breach')).status, 'clear');
      assert.equal(breached.describe().offline?.entries, 2);
    } finally {
      await breached.close();
    }
  });

  it('lookups already reading the old set finish on it while new ones use the new set', async () => {
    const destination = scratchPath('swap.bin');
    const first = scratchPath('swap-first.txt');
    const second = scratchPath('swap-second.txt');
    writeFileSync(first, `${sha1Hex('old-breach')}:1\n`);
    writeFileSync(second, `${sha1Hex('new-breach')}:2\n`);
    await importBreachedFile({ source: first, destination });
    const clock = manualClock();
    const breached = createBreachedPasswords({ offlinePath: destination, clock });
    try {
      await importBreachedFile({ source: second, destination });
      const onOld = Array.from({ length: 100 }, () => breached.check('old-breach'));
      clock.advance(1000);
      const onNew = Array.from({ length: 100 }, () => breached.check('new-breach'));
      for (const result of await Promise.all(onOld)) assert.deepEqual(result, { status: 'breached', count: 1 });
      for (const result of await Promise.all(onNew)) assert.deepEqual(result, { status: 'breached', count: 2 });
      assert.deepEqual(await breached.check('old-breach'), { status: 'clear' });
    } finally {
      await breached.close();
    }
  });

  it('a set imported after start is picked up, and one removed is no longer used', async () => {
    const destination = scratchPath('later.bin');
    const clock = manualClock();
    const breached = createBreachedPasswords({ offlinePath: destination, clock });
    try {
      assert.deepEqual(breached.describe().offline, { path: destination, entries: null, importedAt: null });
      assert.deepEqual(await breached.check('late-breach'), { status: 'clear' });
      const source = scratchPath('late.txt');
      writeFileSync(source, `${sha1Hex('late-breach')}:3\n`);
      await importBreachedFile({ source, destination });
      clock.advance(1000);
      assert.deepEqual(await breached.check('late-breach'), { status: 'breached', count: 3 });
      rmSync(destination);
      clock.advance(1000);
      assert.deepEqual(await breached.check('late-breach'), { status: 'clear' });
    } finally {
      await breached.close();
    }
  });

  it('a damaged replacement is not used: the previous set stays and the failure is logged', async () => {
    const destination = scratchPath('stays.bin');
    const source = scratchPath('stays.txt');
    writeFileSync(source, `${sha1Hex('still-here')}:4\n`);
    await importBreachedFile({ source, destination });
    const clock = manualClock();
    const warnings: string[] = [];
    const logger = {
      warn: (_o: object, msg: string) => {
        warnings.push(msg);
      },
      info: () => undefined,
    };
    const breached = createBreachedPasswords({ offlinePath: destination, clock, logger });
    try {
      const copy = scratchPath('damaged.bin');
      writeFileSync(copy, readFileSync(destination).subarray(0, 100));
      rmSync(destination);
      writeFileSync(destination, readFileSync(copy));
      clock.advance(1000);
      assert.deepEqual(await breached.check('still-here'), { status: 'breached', count: 4 });
      assert.equal(warnings.length, 1);
    } finally {
      await breached.close();
    }
  });
});

describe('a damaged set is refused at start with a clear error', () => {
  let good: Buffer;
  before(async () => {
    const source = scratchPath('src.txt');
    writeFileSync(source, Array.from({ length: 100 }, () => `${randomHex()}:1`).join('\n'));
    const destination = scratchPath('good.bin');
    await importBreachedFile({ source, destination });
    good = readFileSync(destination);
  });

  const cases: Array<[string, (b: Buffer) => Buffer, RegExp]> = [
    ['another kind of file', () => Buffer.from(`${randomHex()}:1\n`.repeat(100)), /not a Passdesk breached-password set/],
    ['a file shorter than the header', (b) => b.subarray(0, 10), /too short to be a breached-password set/],
    ['a truncated file', (b) => b.subarray(0, b.length - 3), /truncated or damaged: \d+ bytes where the header promises \d+/],
    [
      'a later format version',
      (b) => {
        const c = Buffer.from(b);
        c.writeUInt32LE(99, 8);
        return c;
      },
      /format version 99 is not supported/,
    ],
    [
      'a damaged index',
      (b) => {
        const c = Buffer.from(b);
        c.writeUInt32LE(0xffffffff, HEADER_BYTES + 40);
        return c;
      },
      /damaged index/,
    ],
  ];
  for (const [name, damage, message] of cases) {
    it(name, () => {
      const path = scratchPath('bad.bin');
      writeFileSync(path, damage(good));
      assert.throws(
        () => createBreachedPasswords({ offlinePath: path }),
        (err: unknown) => {
          assert.ok(err instanceof BreachedSetError);
          assert.equal(err.code, 'BREACHED_SET_INVALID');
          assert.ok(err.message.startsWith(`${path}: `), err.message);
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }
});

describe('counts in 16 bits', () => {
  it('are exact below 32,768 and within 0.1% (rounded down) above, and never change order', () => {
    let previous = 0;
    for (const count of [1, 2, 100, 32_767, 32_768, 32_769, 65_535, 100_000, 9_545_824, 42_000_000, 2 ** 40 + 12_345]) {
      const encoded = encodeCount(count);
      assert.ok(encoded >= 0 && encoded <= 0xffff);
      assert.ok(encoded >= previous, `encoding of ${count} does not go down`);
      previous = encoded;
      const decoded = decodeCount(encoded);
      assert.ok(decoded !== null);
      if (count < 32_768) assert.equal(decoded, count);
      else assert.ok(decoded <= count && decoded > count * 0.999, `${count} → ${decoded}`);
    }
    assert.equal(decodeCount(encodeCount(0)), null);
  });
});

describe('passwords are hashed as NFC', () => {
  it('a password typed in NFD matches the NFC entry', () => {
    assert.deepEqual(passwordSha1('cafe\u0301'), passwordSha1('caf\u00e9'));
    assert.equal(Buffer.from(passwordSha1('caf\u00e9')).toString('hex').toUpperCase(), sha1Hex('caf\u00e9'));
  });
});

// ---------------------------------------------------------------------------------------------------------
// The range API: a local server that speaks the protocol.

interface RangeServer {
  url: string;
  requests: Array<{ path: string; padding: string | undefined }>;
  close(): Promise<void>;
}

async function startRangeServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<RangeServer> {
  const requests: RangeServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', padding: req.headers['add-padding'] as string | undefined });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers like Pwned Passwords: every known suffix in the range, padded with count-0 lines. */
function pwnedHandler(known: Record<string, number>, padding: Record<string, true> = {}) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const m = /^\/range\/([0-9A-F]{5})$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(400).end();
      return;
    }
    const lines: string[] = [];
    for (const [hex, count] of Object.entries(known)) if (hex.startsWith(m[1]!)) lines.push(`${hex.slice(5)}:${count}`);
    for (const hex of Object.keys(padding)) if (hex.startsWith(m[1]!)) lines.push(`${hex.slice(5)}:0`);
    for (let i = 0; i < 20; i++) lines.push(`${randomHex().slice(5)}:0`);
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(shuffled(lines).join('\r\n'));
  };
}

describe('the range API (k-anonymity)', () => {
  let api: RangeServer;
  let slow: RangeServer;
  let failing: RangeServer;
  // 200 ms where a test waits for the timeout; a server that answers gets time enough on a loaded machine.
  const online = (url: string, onError: 'open' | 'closed', timeoutMs = 200): { url: string; timeoutMs: number; onError: 'open' | 'closed' } => ({
    url,
    timeoutMs,
    onError,
  });
  const ANSWERS_IN = 5000;

  before(async () => {
    api = await startRangeServer(pwnedHandler({ [sha1Hex('online-breach')]: 77 }, { [sha1Hex('padding-only')]: true }));
    const pending = new Set<NodeJS.Timeout>();
    slow = await startRangeServer((_req, res) => {
      const t = setTimeout(() => {
        pending.delete(t);
        res.end();
      }, 5000);
      pending.add(t);
      res.on('close', () => {
        clearTimeout(t);
        pending.delete(t);
      });
    });
    failing = await startRangeServer((_req, res) => {
      res.writeHead(500).end('oops');
    });
  });
  after(async () => {
    await Promise.all([api.close(), slow.close(), failing.close()]);
  });

  it('sends only the first 5 hex characters of the SHA-1, asks for padding, and finds a breached password', async () => {
    const breached = createBreachedPasswords({ offlinePath: null, online: online(`${api.url}/`, 'closed', ANSWERS_IN) });
    const before = api.requests.length;
    assert.deepEqual(await breached.check('online-breach'), { status: 'breached', count: 77 });
    const request = api.requests[before]!;
    assert.equal(request.path, `/range/${sha1Hex('online-breach').slice(0, 5)}`);
    assert.equal(request.padding, 'true');
    assert.deepEqual(await breached.check('never-seen-online-4f2a'), { status: 'clear' });
    await breached.close();
  });

  it('a suffix that appears only as padding (count 0) is not breached', async () => {
    const breached = createBreachedPasswords({ offlinePath: null, online: online(api.url, 'closed', ANSWERS_IN) });
    assert.deepEqual(await breached.check('padding-only'), { status: 'clear' });
    await breached.close();
  });

  const failures: Array<[string, () => string, RegExp]> = [
    ['a server that does not answer within the timeout', () => slow.url, /did not answer: no answer within 200 ms/],
    ['a server answering 500', () => failing.url, /did not answer: HTTP 500/],
    ['nothing listening', () => 'http://127.0.0.1:1', /did not answer: request failed/],
  ];
  for (const [name, url, reason] of failures) {
    it(`${name}: fail open answers clear (and logs), fail closed answers unavailable`, async () => {
      const warnings: object[] = [];
      const logger = {
        warn: (o: object) => {
          warnings.push(o);
        },
        info: () => undefined,
      };
      const open = createBreachedPasswords({ offlinePath: null, online: online(url(), 'open'), logger });
      const started = performance.now();
      assert.deepEqual(await open.check('any password at all'), { status: 'clear' });
      assert.ok(performance.now() - started < 2000, 'gives up after the timeout');
      assert.equal(warnings.length, 1);
      assert.equal(open.describe().online?.failures, 1);
      assert.ok(!JSON.stringify(warnings).includes('any password at all'), 'the password is not logged');
      const closed = createBreachedPasswords({ offlinePath: null, online: online(url(), 'closed') });
      const result = await closed.check('any password at all');
      assert.equal(result.status, 'unavailable');
      assert.match(result.status === 'unavailable' ? result.reason : '', reason);
      await Promise.all([open.close(), closed.close()]);
    });
  }

  describe('with an offline set too', () => {
    let setPath: string;
    before(async () => {
      const source = scratchPath('both.txt');
      writeFileSync(source, `${sha1Hex('offline-breach')}:9\n`);
      setPath = scratchPath('both.bin');
      await importBreachedFile({ source, destination: setPath });
    });

    it('an offline match answers without asking the API', async () => {
      const breached = createBreachedPasswords({ offlinePath: setPath, online: online(api.url, 'closed', ANSWERS_IN) });
      const before = api.requests.length;
      assert.deepEqual(await breached.check('offline-breach'), { status: 'breached', count: 9 });
      assert.equal(api.requests.length, before);
      assert.deepEqual(await breached.check('online-breach'), { status: 'breached', count: 77 });
      assert.equal(api.requests.length, before + 1);
      await breached.close();
    });

    it('the API down and failing open: the offline set still decides', async () => {
      const breached: BreachedPasswords = createBreachedPasswords({ offlinePath: setPath, online: online(failing.url, 'open') });
      assert.deepEqual(await breached.check('offline-breach'), { status: 'breached', count: 9 });
      assert.deepEqual(await breached.check('not-in-either'), { status: 'clear' });
      assert.deepEqual(breached.describe().online, { url: failing.url, onError: 'open', timeoutMs: 200, failures: 1 });
      await breached.close();
    });
  });
});

describe('nothing configured', () => {
  it('every password is clear', async () => {
    const breached = createBreachedPasswords({ offlinePath: null });
    assert.deepEqual(await breached.check('password'), { status: 'clear' });
    assert.deepEqual(breached.describe(), { offline: null, online: null });
    await breached.close();
  });
});
