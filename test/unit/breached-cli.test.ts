// `passdesk breached import|status|check` as an operator meets them: real child processes with their own
// environment and data directory, the password piped on standard input.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'src/cli.ts');
const CHILD_TIMEOUT_MS = 60_000;
const BREACHED_PASSWORD = 'correct horse battery staple';
const FRESH_PASSWORD = 'a passphrase nobody has leaked 91e7c';

const scratch = mkdtempSync(join(tmpdir(), 'passdesk-breached-cli-test-'));
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sha1Hex(password: string): string {
  return createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
}

function passdesk(args: string[], o: { dataDir: string; env?: Record<string, string>; input?: string }): Promise<Run> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('PASSDESK_') && !k.startsWith('NODE_TEST') && k !== 'NODE_OPTIONS') env[k] = v;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...env, PASSDESK_DATA_DIR: o.dataDir, ...o.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: CHILD_TIMEOUT_MS,
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin.end(o.input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

function show(run: Run): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

function assertNoSecret(run: Run): void {
  const text = run.stdout + run.stderr;
  for (const secret of [BREACHED_PASSWORD, FRESH_PASSWORD, sha1Hex(BREACHED_PASSWORD), sha1Hex(FRESH_PASSWORD)]) {
    assert.ok(!text.includes(secret), 'neither a password nor its hash is printed');
  }
}

describe('passdesk breached (a real child process)', { concurrency: 2 }, () => {
  describe('import, status and check against the offline set', { concurrency: 1 }, () => {
    const dataDir = mkdtempSync(join(scratch, 'offline-'));
    const source = join(scratch, 'pwned.txt');
    const lines = [`${sha1Hex(BREACHED_PASSWORD)}:3645`, 'not a hash line', ''];
    for (let i = 0; i < 200; i++) lines.push(`${randomBytes(20).toString('hex').toUpperCase()}:${i + 1}`);
    writeFileSync(source, lines.join('\r\n'));

    it('status before any import says there is no set and how to import one', async () => {
      const run = await passdesk(['breached', 'status'], { dataDir });
      assert.equal(run.code, 0, show(run));
      assert.match(run.stdout, /^Offline set: none at .*breached-passwords\.bin \(import one with: passdesk breached import FILE\)$/m);
      assert.match(run.stdout, /^Range API: off/m);
    });

    it('import writes the set into the data dir and reports the counts and the skipped lines', async () => {
      const run = await passdesk(['breached', 'import', source], { dataDir });
      assert.equal(run.code, 0, show(run));
      assert.match(
        run.stdout,
        /^Imported 201 distinct hashes from 201 valid lines \(1 invalid, 1 blank\) into .*breached-passwords\.bin \(.*bytes per hash\) in [\d.]+ s$/m,
      );
      assert.match(run.stderr, /skipped 1 invalid line\(s\) \(first at line 2\)/);
      assert.ok(!run.stderr.includes('not a hash line'), 'the content of an invalid line is not echoed');
    });

    it('status shows the set', async () => {
      const run = await passdesk(['breached', 'status'], { dataDir });
      assert.equal(run.code, 0, show(run));
      assert.match(run.stdout, /^Offline set: .*breached-passwords\.bin: 201 hashes, [\d.]+ KiB, imported \d{4}-\d\d-\d\dT/m);
      const json = await passdesk(['breached', 'status', '--json'], { dataDir });
      assert.equal(json.code, 0, show(json));
      const parsed = JSON.parse(json.stdout) as { offline: { entries: number; path: string; bytes: number }; online: null };
      assert.equal(parsed.offline.entries, 201);
      assert.equal(parsed.offline.path, join(dataDir, 'breached-passwords.bin'));
      assert.equal(parsed.online, null);
    });

    it('check reads the password from standard input and says it is breached (exit 3)', async () => {
      const run = await passdesk(['breached', 'check'], { dataDir, input: `${BREACHED_PASSWORD}\n` });
      assert.equal(run.code, 3, show(run));
      assert.match(run.stdout, /^Breached: this password appears in known data breaches \(seen 3,645 times\)\.$/m);
      assertNoSecret(run);
    });

    it('check says a fresh password is not found (exit 0)', async () => {
      const run = await passdesk(['breached', 'check'], { dataDir, input: `${FRESH_PASSWORD}\n` });
      assert.equal(run.code, 0, show(run));
      assert.match(run.stdout, /^Not found in the offline set\.$/m);
      assertNoSecret(run);
    });

    it('check refuses a password on the command line', async () => {
      const run = await passdesk(['breached', 'check', '--password', FRESH_PASSWORD], { dataDir });
      assert.equal(run.code, 2, show(run));
      assert.match(run.stderr, /--password is not accepted/);
    });

    it('importing an empty file fails clearly and keeps the set in place', async () => {
      const before = readFileSync(join(dataDir, 'breached-passwords.bin'));
      const empty = join(scratch, 'empty.txt');
      writeFileSync(empty, '');
      const run = await passdesk(['breached', 'import', empty], { dataDir });
      assert.equal(run.code, 1, show(run));
      assert.match(run.stderr, /^passdesk: .*empty\.txt: no valid SHA1HEX:COUNT line \(0 invalid, 0 blank\); nothing imported$/m);
      assert.deepEqual(readFileSync(join(dataDir, 'breached-passwords.bin')), before);
    });
  });

  describe('refusals and the range API', { concurrency: 2 }, () => {
    it('a damaged set is a clear error, not a crash', async () => {
      const dataDir = mkdtempSync(join(scratch, 'damaged-'));
      const file = join(dataDir, 'elsewhere.bin');
      writeFileSync(file, 'PDBREACH' + '\0'.repeat(100));
      const run = await passdesk(['breached', 'status'], { dataDir, env: { PASSDESK_BREACHED_FILE: file } });
      assert.equal(run.code, 1, show(run));
      assert.match(run.stderr, /^passdesk: .*elsewhere\.bin: format version 0 is not supported/m);
      assert.ok(!run.stderr.includes('    at '), 'no stack trace');
    });

    it('import without a FILE is a usage error', async () => {
      const run = await passdesk(['breached', 'import'], { dataDir: mkdtempSync(join(scratch, 'usage-')) });
      assert.equal(run.code, 2, show(run));
      assert.match(run.stderr, /breached import needs one FILE/);
    });

    it('with the range API unreachable and failing closed, check cannot tell (exit 69); status names the API', async () => {
      const dataDir = mkdtempSync(join(scratch, 'online-'));
      const env = { PASSDESK_BREACHED_API_URL: 'http://127.0.0.1:1', PASSDESK_BREACHED_API_ON_ERROR: 'closed', PASSDESK_BREACHED_API_TIMEOUT: '500ms' };
      const run = await passdesk(['breached', 'check'], { dataDir, env, input: `${FRESH_PASSWORD}\n` });
      assert.equal(run.code, 69, show(run));
      assert.match(run.stdout, /^Unknown: the breached-password service did not answer/m);
      assertNoSecret(run);
      const status = await passdesk(['breached', 'status'], { dataDir, env });
      assert.equal(status.code, 0, show(status));
      assert.match(status.stdout, /^Range API: http:\/\/127\.0\.0\.1:1 \(timeout 500 ms; when unreachable: fail closed\)$/m);
    });
  });
});
