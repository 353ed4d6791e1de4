// The `passdesk` command line as an operator meets it: a real child process with its own environment,
// a fresh data directory per group, the password piped on standard input.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configKeys } from '../../src/config.js';
import { openStore } from '../../src/store/index.js';
import { migrationsFor } from '../../src/store/migrations/index.js';
import { totpCode } from '../helpers/totp.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// src/cli.ts runs main() when it is the program, as bin/passdesk.js does with dist/cli.js; no build needed.
const CLI = join(ROOT, 'src/cli.ts');
const PASSWORD = 'correct horse battery staple';
/** A child that never finishes fails its test instead of hanging the suite. */
const CHILD_TIMEOUT_MS = 60_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const scratch = mkdtempSync(join(tmpdir(), 'passdesk-cli-test-'));
const children = new Set<ChildProcess>();

after(() => {
  // Only the children this file started, by their own PID.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

function freshDataDir(name: string): string {
  return mkdtempSync(join(scratch, `${name}-`));
}

/** A clean environment: nothing PASSDESK_* from the caller, cheap argon2id, the given data dir. */
function cliEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('PASSDESK_') && !k.startsWith('NODE_TEST') && k !== 'NODE_OPTIONS') env[k] = v;
  }
  return { ...env, PASSDESK_DATA_DIR: dataDir, PASSDESK_ARGON2_MEMORY_KIB: '1024', PASSDESK_ARGON2_ITERATIONS: '1', ...extra };
}

function start(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: CHILD_TIMEOUT_MS,
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function finished(child: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `passdesk ARGS` to completion; `input` is piped to standard input (then closed). */
function passdesk(args: string[], o: { dataDir: string; env?: Record<string, string>; input?: string }): Promise<Run> {
  const child = start(args, cliEnv(o.dataDir, o.env));
  const done = finished(child);
  child.stdin?.end(o.input ?? '');
  return done;
}

function show(run: Run): string {
  return `exit ${run.code}${run.signal ? ` (${run.signal})` : ''}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

function assertExit(run: Run, code: number): void {
  assert.equal(run.code, code, show(run));
}

interface AccountJson {
  id: string;
  email: string;
  emailNormalized: string;
  displayName: string;
  role: string;
  status: string;
  passwordChangedAt: number | null;
  mustChangePassword: boolean;
  createdAt: number;
  activeSessions?: number;
}

async function listJson(dataDir: string, env?: Record<string, string>): Promise<AccountJson[]> {
  const run = await passdesk(['user', 'list', '--json'], { dataDir, ...(env ? { env } : {}) });
  assertExit(run, 0);
  return JSON.parse(run.stdout) as AccountJson[];
}

function assertNoSecretMaterial(text: string): void {
  assert.ok(!text.includes(PASSWORD), 'the password is never printed');
  assert.ok(!/argon2|passwordHash|password_hash/i.test(text), `no password hash in the output:\n${text}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface Server {
  child: ChildProcess;
  baseUrl: string;
  output(): string;
  stop(): Promise<Run>;
}

/** `passdesk serve` on a free port; resolves once it logs that it is listening. */
async function serve(dataDir: string): Promise<Server> {
  const port = await freePort();
  const child = start(['serve'], cliEnv(dataDir, { PASSDESK_PORT: String(port), PASSDESK_LOG_FORMAT: 'json' }));
  child.stdin?.end();
  const done = finished(child);
  let out = '';
  child.stdout?.on('data', (d: string) => {
    out += d;
  });
  child.stderr?.on('data', (d: string) => {
    out += d;
  });
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (out.includes('Passdesk is listening')) {
        child.stdout?.off('data', check);
        child.off('close', early);
        resolve();
      }
    };
    const early = (): void => reject(new Error(`passdesk serve exited before listening:\n${out}`));
    child.stdout?.on('data', check);
    child.once('close', early);
    check();
  });
  return {
    child,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => out,
    async stop() {
      assert.ok(child.pid, 'the server has a PID');
      process.kill(child.pid, 'SIGTERM');
      return done;
    },
  };
}

// Groups run side by side (each has its own data dir); the steps inside a group run in order.
// Node's test runner hands a suite's concurrency down to nested suites, so each group says its own.
describe('passdesk CLI (a real child process)', { concurrency: 2 }, () => {
  describe('user create, list and show on SQLite', { concurrency: 1 }, () => {
    const dataDir = freshDataDir('users');

    it('user create reads the password from piped standard input and creates the account', async () => {
      const run = await passdesk(['user', 'create', '--email', 'Ada@Example.org', '--name', 'Ada Lovelace', '--role', 'admin'], {
        dataDir,
        input: `${PASSWORD}\n`,
      });
      assertExit(run, 0);
      assert.match(run.stdout, /^Created admin Ada@Example\.org \([0-9a-f-]{36}\)$/m);
      assertNoSecretMaterial(run.stdout + run.stderr);
    });

    it('the SQLite file does not contain the password in plain text', () => {
      for (const name of readdirSync(dataDir).filter((n) => n.startsWith('passdesk.sqlite'))) {
        assert.ok(!readFileSync(join(dataDir, name)).includes(PASSWORD), name);
      }
    });

    // Read-only commands and refusals do not depend on each other: they run side by side.
    describe('with that account in place', { concurrency: 3 }, () => {
      it('user list shows it, without any password hash', async () => {
        const run = await passdesk(['user', 'list'], { dataDir });
        assertExit(run, 0);
        assert.match(run.stdout, /^Ada@Example\.org\s+admin\s+active\s+password changed \d{4}-\d\d-\d\dT.*Ada Lovelace$/m);
        assertNoSecretMaterial(run.stdout);
      });

      it('user list --json gives the accounts as JSON, without any password hash', async () => {
        const run = await passdesk(['user', 'list', '--json'], { dataDir });
        assertExit(run, 0);
        assertNoSecretMaterial(run.stdout);
        const accounts = JSON.parse(run.stdout) as AccountJson[];
        assert.equal(accounts.length, 1);
        const [a] = accounts;
        assert.equal(a?.email, 'Ada@Example.org');
        assert.equal(a?.emailNormalized, 'ada@example.org');
        assert.equal(a?.displayName, 'Ada Lovelace');
        assert.equal(a?.role, 'admin');
        assert.equal(a?.status, 'active');
        assert.equal(typeof a?.passwordChangedAt, 'number');
        assert.equal(a?.mustChangePassword, false);
      });

      it('user show EMAIL finds it whatever the case of the email', async () => {
        const run = await passdesk(['user', 'show', 'ADA@example.ORG'], { dataDir });
        assertExit(run, 0);
        assert.match(run.stdout, /^Ada@Example\.org\s+admin\s+active/m);
        assert.match(run.stdout, /0 active session\(s\)/);
        assertNoSecretMaterial(run.stdout);
      });

      it('user show EMAIL --json shows it without any password hash', async () => {
        const run = await passdesk(['user', 'show', 'ada@example.org', '--json'], { dataDir });
        assertExit(run, 0);
        assertNoSecretMaterial(run.stdout);
        const a = JSON.parse(run.stdout) as AccountJson & Record<string, unknown>;
        assert.equal(a.email, 'Ada@Example.org');
        assert.equal(a.role, 'admin');
        assert.equal(a.activeSessions, 0);
        assert.equal('passwordHash' in a, false);
      });

      it('user show for an unknown email says so and fails', async () => {
        const run = await passdesk(['user', 'show', 'nobody@example.org'], { dataDir });
        assertExit(run, 1);
        assert.match(run.stderr, /no account with email nobody@example\.org/);
      });

      it('a duplicate email is refused, whatever its case and surrounding spaces', async () => {
        const run = await passdesk(['user', 'create', '--email', '  ADA@example.ORG '], { dataDir, input: `another long passphrase here\n` });
        assert.notEqual(run.code, 0, show(run));
        assert.match(run.stderr, /already exists.*\(EMAIL_TAKEN\)/);
      });

      it('a too-short password is refused with a clear message', async () => {
        const run = await passdesk(['user', 'create', '--email', 'short@example.org'], { dataDir, input: 'tooshort\n' });
        assert.notEqual(run.code, 0, show(run));
        assert.match(run.stderr, /Use at least 15 characters — you have 8\. \(PASSWORD_TOO_SHORT\)/);
        assert.ok(!run.stderr.includes('tooshort'), 'the refused password is not echoed');
      });

      it('a password over the absolute ceiling (256) is refused as the API refuses it, before the policy weighs it', async () => {
        // Issue 12: the ceiling lived in the HTTP layer only; flows/password-policy.ts now applies it to every new password.
        const long = 'long passphrase words '.repeat(14).slice(0, 300);
        const run = await passdesk(['user', 'create', '--email', 'toolong@example.org'], { dataDir, input: `${long}\n` });
        assert.notEqual(run.code, 0, show(run));
        assert.match(run.stderr, /Use at most 256 characters — you have 300\. \(PASSWORD_TOO_LONG\)/);
      });

      it('empty standard input is an empty password, refused', async () => {
        const run = await passdesk(['user', 'create', '--email', 'empty@example.org'], { dataDir, input: '' });
        assert.notEqual(run.code, 0, show(run));
        assert.match(run.stderr, /PASSWORD_TOO_SHORT/);
      });

      it('--password on the command line is refused (argv is visible to other users)', async () => {
        const run = await passdesk(['user', 'create', '--email', 'argv@example.org', '--password', 'visible-in-ps-output-123'], {
          dataDir,
          input: `${PASSWORD}\n`,
        });
        assertExit(run, 2);
        assert.match(run.stderr, /--password is not accepted/);
        assert.ok(!run.stderr.includes('visible-in-ps-output-123'));
      });

      it('a role other than user, helpdesk or admin is refused', async () => {
        const run = await passdesk(['user', 'create', '--email', 'root@example.org', '--role', 'root'], { dataDir, input: `${PASSWORD}\n` });
        assertExit(run, 2);
        assert.match(run.stderr, /--role must be user, helpdesk or admin \(got "root"\)/);
      });

      it('a missing --email is a usage error (exit 2)', async () => {
        const run = await passdesk(['user', 'create', '--name', 'No Email'], { dataDir, input: `${PASSWORD}\n` });
        assertExit(run, 2);
        assert.match(run.stderr, /user create needs --email/);
      });

      it('a mistyped option is a usage error (exit 2), not a crash', async () => {
        const run = await passdesk(['user', 'create', '--emial', 'typo@example.org'], { dataDir, input: `${PASSWORD}\n` });
        assertExit(run, 2);
        assert.match(run.stderr, /Unknown option '--emial'/);
        assert.match(run.stderr, /Usage: passdesk/);
      });
    });

    it('none of the refused commands created an account', async () => {
      const accounts = await listJson(dataDir);
      assert.deepEqual(
        accounts.map((a) => a.email),
        ['Ada@Example.org'],
      );
    });

    it("the default role is user and the display name defaults to the email's local part", async () => {
      const run = await passdesk(['user', 'create', '--email', 'grace@example.org'], { dataDir, input: `${PASSWORD}\r\nignored second line\n` });
      assertExit(run, 0);
      assert.match(run.stdout, /^Created user grace@example\.org/m);
      const grace = (await listJson(dataDir)).find((a) => a.email === 'grace@example.org');
      assert.equal(grace?.role, 'user');
      assert.equal(grace?.displayName, 'grace');
    });
  });

  describe('user create --unconfirmed', { concurrency: 1 }, () => {
    const dataDir = freshDataDir('unconfirmed');

    it('makes an account whose address is not confirmed and queues the confirmation email for the worker; without the flag it counts as confirmed', async () => {
      const run = await passdesk(['user', 'create', '--email', 'new-hire@example.org', '--unconfirmed'], { dataDir, input: `${PASSWORD}\n` });
      assertExit(run, 0);
      assert.match(run.stdout, /^Created user new-hire@example\.org \([0-9a-f-]{36}\); a link to confirm the address was sent to it$/m);
      assertExit(await passdesk(['user', 'create', '--email', 'known@example.org'], { dataDir, input: `${PASSWORD}\n` }), 0);
      const accounts = await listJson(dataDir);
      const confirmed = Object.fromEntries(accounts.map((a) => [a.email, (a as AccountJson & { emailConfirmedAt: number | null }).emailConfirmedAt]));
      assert.equal(confirmed['new-hire@example.org'], null);
      assert.equal(typeof confirmed['known@example.org'], 'number');
      const status = await passdesk(['mail', 'status', '--json'], { dataDir });
      assertExit(status, 0);
      assert.equal((JSON.parse(status.stdout) as { queued: number }).queued, 1, 'one confirmation email waits for the worker');
    });
  });

  describe('help desk commands (issue 15) on SQLite', { concurrency: 1 }, () => {
    const dataDir = freshDataDir('help-desk');
    const run = (args: string[]): Promise<Run> => passdesk(['user', ...args], { dataDir });
    const WHY = ['--reason', 'Called the desk', '--ticket', 'HD-9'];
    const person = async (): Promise<AccountJson & { status: string; mustChangeReason: string | null }> =>
      (await listJson(dataDir)).find((a) => a.email === 'lin@example.org') as AccountJson & { status: string; mustChangeReason: string | null };

    before(async () => {
      assertExit(await passdesk(['user', 'create', '--email', 'lin@example.org'], { dataDir, input: `${PASSWORD}\n` }), 0);
    });

    it('disable, enable, set-role, require-change, unlock, sign-out and reset-link succeed and change the account', async () => {
      assertExit(await run(['disable', '--email', 'lin@example.org', ...WHY]), 0);
      assert.equal((await person()).status, 'disabled');
      assertExit(await run(['enable', '--email', 'lin@example.org', ...WHY]), 0);
      assert.equal((await person()).status, 'active');
      assertExit(await run(['set-role', '--email', 'lin@example.org', '--role', 'helpdesk', ...WHY]), 0);
      assert.equal((await person()).role, 'helpdesk');
      assertExit(await run(['require-change', '--email', 'lin@example.org', ...WHY]), 0);
      assert.equal((await person()).mustChangeReason, 'admin');
      for (const action of ['unlock', 'sign-out', 'reset-link']) assertExit(await run([action, '--email', 'lin@example.org', ...WHY]), 0);
    });

    it('temp-password prints the password once and leaves the forced change; every action is audited with the operator', async () => {
      const issued = await run(['temp-password', '--email', 'lin@example.org', ...WHY]);
      assertExit(issued, 0);
      const password = issued.stdout.trim().split('\n').at(-1) ?? '';
      assert.match(password, /^[A-Za-z2-9]{4}(-[A-Za-z2-9]{4}){3}$/);
      assert.equal((await person()).mustChangeReason, 'temporary');
      const store = openStore(`sqlite:${join(dataDir, 'passdesk.sqlite')}`);
      try {
        const events = (await store.events.listEvents((await person()).id, { limit: 50 })).filter((e) => e.type.startsWith('admin.'));
        assert.deepEqual(events.map((e) => e.type).sort(), [
          'admin.account.disable',
          'admin.account.enable',
          'admin.account.unlock',
          'admin.password.require_change',
          'admin.password.temporary',
          'admin.reset.send',
          'admin.role.set',
          'admin.sessions.revoke',
        ]);
        for (const e of events)
          assert.deepEqual([e.actorId, e.detail?.['via'], e.detail?.['reason'], e.detail?.['ticket']], [null, 'cli', 'Called the desk', 'HD-9']);
        assert.ok(!JSON.stringify(events).includes(password));
        const mail = await store.outbox.listMessages({ limit: 20, to: 'lin@example.org' });
        assert.ok(
          mail.some((m) => m.template === 'temporary-password-issued'),
          'the person is told',
        );
      } finally {
        await store.close();
      }
    });

    it('delete writes the export to a new file (mode 0600), emails the person and leaves the deletion in the audit log', async () => {
      assertExit(await passdesk(['user', 'create', '--email', 'gone@example.org'], { dataDir, input: `${PASSWORD}\n` }), 0);
      const file = join(dataDir, 'gone-export.json');
      const gone = await run(['delete', '--email', 'gone@example.org', '--export', file, ...WHY]);
      assertExit(gone, 0);
      assert.match(gone.stdout, /^Deleted gone@example\.org; recorded in the audit log as deleted:\S+\. The export is in /);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const exported = JSON.parse(readFileSync(file, 'utf8')) as { export: { account: { email: string } } };
      assert.equal(exported.export.account.email, 'gone@example.org');
      assert.equal(
        (await listJson(dataDir)).find((a) => a.email === 'gone@example.org'),
        undefined,
      );
      const store = openStore(`sqlite:${join(dataDir, 'passdesk.sqlite')}`);
      try {
        const [event] = await store.events.queryEvents({ type: 'admin.account.delete', limit: 5 });
        assert.deepEqual([event?.accountId, event?.actorId, event?.detail?.['via'], event?.detail?.['reason']], [null, null, 'cli', 'Called the desk']);
        const mail = await store.outbox.listMessages({ limit: 20, to: 'gone@example.org' });
        assert.ok(mail.some((m) => m.template === 'account-deleted-by-admin' && m.accountId === null));
      } finally {
        await store.close();
      }
      // An existing file is never overwritten, and nothing is deleted then.
      assertExit(await passdesk(['user', 'create', '--email', 'kept@example.org'], { dataDir, input: `${PASSWORD}\n` }), 0);
      const refused = await run(['delete', '--email', 'kept@example.org', '--export', file, ...WHY]);
      assert.notEqual(refused.code, 0);
      assert.ok((await listJson(dataDir)).some((a) => a.email === 'kept@example.org'));
    });

    it('export needs a reason, writes the import format (mode 0600) and is recorded, with hashes said so', async () => {
      const refused = await run(['export', '--format', 'csv']);
      assertExit(refused, 2);
      assert.match(refused.stderr, /needs --reason/);
      const file = join(dataDir, 'accounts.jsonl');
      assertExit(await run(['export', '--out', file, '--with-hashes', ...WHY]), 0);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const rows = readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { email: string; password_hash: string });
      assert.ok(rows.find((r) => r.email === 'lin@example.org')?.password_hash.startsWith('$argon2id$'));
      const plain = await run(['export', '--format', 'csv', ...WHY]);
      assertExit(plain, 0);
      assert.ok(!plain.stdout.includes('$argon2id$'), 'no hash unless asked');
      const store = openStore(`sqlite:${join(dataDir, 'passdesk.sqlite')}`);
      try {
        const events = await store.events.queryEvents({ type: 'admin.accounts.export', limit: 10 });
        assert.deepEqual(
          events.map((e) => [e.actorId, e.detail?.['via'], e.detail?.['reason'], e.detail?.['format'], e.detail?.['withHashes'], e.detail?.['rows']]),
          [
            [null, 'cli', 'Called the desk', 'csv', false, rows.length],
            [null, 'cli', 'Called the desk', 'jsonl', true, rows.length],
          ],
        );
      } finally {
        await store.close();
      }
    });

    it('refusals are one clear line and a non-zero exit', async () => {
      const cases: Array<[string[], number, RegExp]> = [
        [['disable', '--email', 'lin@example.org'], 2, /needs --email and --reason/],
        [['disable', '--email', 'nobody@example.org', ...WHY], 1, /no account with email nobody@example\.org/],
        [['disable', '--email', 'lin@example.org', '--reason', 'x'], 1, /Say why/],
        [['set-role', '--email', 'lin@example.org', ...WHY], 2, /needs --role/],
        [['set-role', '--email', 'lin@example.org', '--role', 'root', ...WHY], 2, /needs --role/],
      ];
      for (const [args, code, line] of cases) {
        const r = await run(args);
        assertExit(r, code);
        assert.match(r.stderr, line);
        assert.equal(r.stderr.trim().split('\n').length, 1, show(r));
      }
    });

    it('the last active administrator cannot be demoted, disabled or deleted; with another one it can', async () => {
      assertExit(await passdesk(['user', 'create', '--email', 'root@example.org', '--role', 'admin'], { dataDir, input: `${PASSWORD}\n` }), 0);
      for (const args of [
        ['set-role', '--email', 'root@example.org', '--role', 'user', ...WHY],
        ['disable', '--email', 'root@example.org', ...WHY],
        ['delete', '--email', 'root@example.org', ...WHY],
      ]) {
        const r = await run(args);
        assertExit(r, 1);
        assert.match(r.stderr, /only active administrator/);
      }
      assert.equal((await listJson(dataDir)).find((a) => a.email === 'root@example.org')?.role, 'admin');
      assertExit(await passdesk(['user', 'create', '--email', 'second@example.org', '--role', 'admin'], { dataDir, input: `${PASSWORD}\n` }), 0);
      assertExit(await run(['set-role', '--email', 'root@example.org', '--role', 'user', ...WHY]), 0);
    });
  });

  describe('two-person approval (issue 15) on SQLite', { concurrency: 1 }, () => {
    const dataDir = freshDataDir('approval');
    const WHY = ['--reason', 'Confirmed with the team lead', '--ticket', 'CHG-5'];
    const ids: { target: string; first: string; second: string } = { target: '', first: '', second: '' };
    const withStore = async <T>(fn: (store: ReturnType<typeof openStore>) => Promise<T>): Promise<T> => {
      const store = openStore(`sqlite:${join(dataDir, 'passdesk.sqlite')}`);
      try {
        return await fn(store);
      } finally {
        await store.close();
      }
    };

    before(async () => {
      assertExit(await passdesk(['user', 'create', '--email', 'asker@example.org', '--role', 'admin'], { dataDir, input: `${PASSWORD}\n` }), 0);
      assertExit(await passdesk(['user', 'create', '--email', 'kim@example.org', '--role', 'admin'], { dataDir, input: `${PASSWORD}\n` }), 0);
      // Two requests an administrator made in the console (the command line never makes one: it acts at once).
      await withStore(async (store) => {
        const asker = await store.accounts.findAccountByEmail('asker@example.org');
        const target = await store.accounts.findAccountByEmail('kim@example.org');
        assert.ok(asker && target);
        ids.target = target.id;
        const now = Date.now();
        const ask = (id: string, action: string) =>
          store.adminApprovals.createApproval({
            id,
            action,
            accountId: target.id,
            requestedBy: asker.id,
            params: {},
            reason: 'Kim left',
            ticket: null,
            now,
            expiresAt: now + 3_600_000,
          });
        ids.first = (await ask('11111111-1111-4111-8111-111111111111', 'account.disable')).id;
        ids.second = (await ask('22222222-2222-4222-8222-222222222222', 'password.require_change')).id;
      });
    });

    it('approval list shows what waits; approve runs it at once; reject leaves the account; both audited with the operator', async () => {
      const listed = await passdesk(['approval', 'list'], { dataDir });
      assertExit(listed, 0);
      assert.match(listed.stdout, new RegExp(`${ids.first}\\s+pending\\s+account\\.disable on kim@example\\.org \\(admin\\) asked by asker@example\\.org`));
      assert.match(listed.stdout, new RegExp(ids.second));
      const approved = await passdesk(['approval', 'approve', ids.first, ...WHY], { dataDir });
      assertExit(approved, 0);
      assert.match(approved.stdout, /The account is now disabled/);
      assertExit(await passdesk(['approval', 'reject', ids.second, ...WHY], { dataDir }), 0);
      await withStore(async (store) => {
        const target = await store.accounts.findAccountById(ids.target);
        assert.deepEqual([target?.status, target?.mustChangePassword], ['disabled', false]);
        assert.deepEqual(
          [(await store.adminApprovals.findApproval(ids.first))?.state, (await store.adminApprovals.findApproval(ids.second))?.state],
          ['approved', 'rejected'],
        );
        const events = await store.events.listEvents(ids.target, { limit: 20 });
        const approve = events.find((e) => e.type === 'admin.approval.approve');
        assert.deepEqual([approve?.actorId, approve?.detail?.['via'], approve?.detail?.['reason']], [null, 'cli', 'Confirmed with the team lead']);
        assert.equal(events.find((e) => e.type === 'admin.account.disable')?.detail?.['approvedBy'], 'cli');
        assert.ok(events.some((e) => e.type === 'admin.approval.reject'));
      });
      const empty = await passdesk(['approval', 'list'], { dataDir });
      assert.match(empty.stdout, /No request waits for approval/);
      assert.match((await passdesk(['approval', 'list', '--all'], { dataDir })).stdout, /approved[\s\S]*rejected|rejected[\s\S]*approved/);
    });

    it('a decided request, a missing reason or an unknown command: one line and a non-zero exit', async () => {
      const cases: Array<[string[], number, RegExp]> = [
        [['approval', 'approve', ids.first, ...WHY], 1, /already decided/],
        [['approval', 'approve', ids.first], 2, /needs an ID and --reason/],
        [['approval', 'sign'], 2, /unknown approval command/],
      ];
      for (const [args, code, line] of cases) {
        const r = await passdesk(args, { dataDir });
        assertExit(r, code);
        assert.match(r.stderr, line);
      }
    });

    it('with approval on, the operator’s own action is the break-glass path: at once, and audited as bypassed', async () => {
      const env = { PASSDESK_ADMIN_APPROVAL: 'true' };
      assertExit(await passdesk(['user', 'enable', '--email', 'kim@example.org', ...WHY], { dataDir, env }), 0);
      await withStore(async (store) => {
        assert.equal((await store.accounts.findAccountById(ids.target))?.status, 'active');
        const enable = (await store.events.listEvents(ids.target, { limit: 20 })).find((e) => e.type === 'admin.account.enable');
        assert.deepEqual([enable?.detail?.['via'], enable?.detail?.['approval']], ['cli', 'bypassed']);
      });
    });
  });

  describe('migrate', { concurrency: 1 }, () => {
    const dataDir = freshDataDir('migrate');

    it('applies the migrations to a new database, then says it is up to date', async () => {
      const first = await passdesk(['migrate'], { dataDir });
      assertExit(first, 0);
      const known = Object.keys(migrationsFor('sqlite')).sort();
      assert.ok(first.stdout.split('\n').includes(`Applied ${known.length} migration(s): ${known.join(', ')}`), first.stdout);
      assert.ok(existsSync(join(dataDir, 'passdesk.sqlite')), 'the SQLite file is in the data dir');
      const second = await passdesk(['migrate'], { dataDir });
      assertExit(second, 0);
      assert.match(second.stdout, /up to date/);
    });
  });

  describe('help and configuration', { concurrency: 2 }, () => {
    it('config keys lists every PASSDESK_* variable with its file key', async () => {
      const run = await passdesk(['config', 'keys'], { dataDir: freshDataDir('keys') });
      assertExit(run, 0);
      for (const [key, spec] of Object.entries(configKeys)) {
        assert.match(run.stdout, new RegExp(`^${spec.env}\\s+${key}\\s+\\S`, 'm'), spec.env);
      }
      assert.match(run.stdout, /^PASSDESK_CONFIG\s/m);
    });

    it('an unknown command is a usage error that prints the usage', async () => {
      const run = await passdesk(['frobnicate'], { dataDir: freshDataDir('help') });
      assertExit(run, 2);
      assert.match(run.stderr, /unknown command "frobnicate"/);
      assert.match(run.stderr, /^Usage: passdesk <command>/m);
    });

    // Every bad value is covered in config.test.ts; here, that the CLI turns them into exit code 78.
    const invalid: Array<[Record<string, string>, RegExp]> = [
      [{ PASSDESK_PORT: 'abc' }, /PASSDESK_PORT: expected a whole number/],
      [{ PASSDESK_REGISTRATION: 'maybe' }, /PASSDESK_REGISTRATION: .*"open"/],
    ];
    for (const [env, message] of invalid) {
      const label = Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      it(`an invalid configuration (${label}) exits 78 with a message naming the key, and touches nothing`, async () => {
        const dataDir = freshDataDir('invalid');
        const run = await passdesk(['migrate'], { dataDir, env });
        assertExit(run, 78);
        assert.match(run.stderr, /^passdesk: configuration error: /);
        assert.match(run.stderr, message);
        assert.deepEqual(readdirSync(dataDir), [], 'no database and no secret were created');
      });
    }

    it('serve refuses an invalid configuration the same way', async () => {
      const run = await passdesk(['serve'], { dataDir: freshDataDir('invalid-serve'), env: { PASSDESK_PORT: '99999' } });
      assertExit(run, 78);
      assert.match(run.stderr, /configuration error: PASSDESK_PORT: /);
    });

    it('serve refuses PASSDESK_TRUST_PROXY=true with one line that says what to write instead', async () => {
      const run = await passdesk(['serve'], { dataDir: freshDataDir('trust-proxy'), env: { PASSDESK_TRUST_PROXY: 'true' } });
      assertExit(run, 78);
      assert.match(
        run.stderr,
        /^passdesk: configuration error: PASSDESK_TRUST_PROXY: would trust every hop, .*the number of proxies in front \(e\.g\. 1\) or their addresses .*\(got "true"\)\n$/,
      );
    });

    it('serve refuses a message file that would break a page, in one line naming the file and the id', async () => {
      const messages = freshDataDir('messages');
      writeFileSync(join(messages, 'en.json'), JSON.stringify({ 'page.layout.needHelp': 'Stuck? Call {phone}' }));
      const dataDir = freshDataDir('messages-serve');
      const run = await passdesk(['serve'], { dataDir, env: { PASSDESK_MESSAGES_DIR: messages } });
      assertExit(run, 78);
      assert.match(
        run.stderr,
        /^passdesk: configuration error: PASSDESK_MESSAGES_DIR: en\.json: "page\.layout\.needHelp": its placeholders and tags differ from English's \(English has support:argument; this has phone:argument\)\n$/,
      );
      assert.deepEqual(readdirSync(dataDir), [], 'nothing was opened');
    });

    it('serve refuses a public base URL with no SMTP (the dev mailbox would be public), in one line that says what to set', async () => {
      const dataDir = freshDataDir('public-mailbox');
      const run = await passdesk(['serve'], { dataDir, env: { PASSDESK_BASE_URL: 'https://id.example.org' } });
      assertExit(run, 78);
      assert.match(
        run.stderr,
        /^passdesk: configuration error: PASSDESK_SMTP_URL is not set and PASSDESK_BASE_URL \(https:\/\/id\.example\.org\) is not loopback, .*set PASSDESK_SMTP_URL to send mail, .*PASSDESK_DEV_MAILBOX=true.*\n$/,
      );
      assert.ok(!readdirSync(dataDir).some((n) => n.startsWith('passdesk.sqlite')), 'no database was created');
    });

    it('a too-short PASSDESK_SECRET is refused without printing it', async () => {
      const run = await passdesk(['migrate'], { dataDir: freshDataDir('secret'), env: { PASSDESK_SECRET: 'hunter2-hunter2' } });
      assertExit(run, 78);
      assert.match(run.stderr, /PASSDESK_SECRET: must be at least 32 characters/);
      assert.ok(!run.stderr.includes('hunter2'), run.stderr);
    });

    it('a config file (PASSDESK_CONFIG) with an unknown key is refused, naming the key', async () => {
      const dataDir = freshDataDir('file');
      const file = join(scratch, 'unknown-key.json');
      writeFileSync(file, JSON.stringify({ port: 8080, registraton: 'closed' }));
      const run = await passdesk(['migrate'], { dataDir, env: { PASSDESK_CONFIG: file } });
      assertExit(run, 78);
      assert.match(run.stderr, /unknown key "registraton"/);
      assert.ok(run.stderr.includes(file), 'the message names the file');
      assert.deepEqual(readdirSync(dataDir), []);
    });
  });

  describe('serve', { concurrency: 1 }, () => {
    // Not created beforehand: serve makes it, like ./data on a fresh checkout.
    const dataDir = join(freshDataDir('serve'), 'data');
    let firstSecret = '';
    let cookie = '';

    it('starts on the chosen port, answers /healthz and /readyz, and stops on SIGTERM', async () => {
      const server = await serve(dataDir);
      try {
        const health = await fetch(`${server.baseUrl}/healthz`);
        assert.equal(health.status, 200);
        assert.deepEqual(await health.json(), { status: 'ok' });
        const ready = await fetch(`${server.baseUrl}/readyz`);
        assert.equal(ready.status, 200);

        // The quick start: the first admin is created from another shell while the server runs.
        const created = await passdesk(['user', 'create', '--email', 'admin@example.org', '--role', 'admin'], { dataDir, input: `${PASSWORD}\n` });
        assertExit(created, 0);

        const signIn = await fetch(`${server.baseUrl}/api/v1/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: server.baseUrl },
          body: JSON.stringify({ email: 'admin@example.org', password: PASSWORD }),
        });
        assert.equal(signIn.status, 201, await signIn.clone().text());
        const setCookie = signIn.headers.getSetCookie().find((c) => c.startsWith('__Host-passdesk-session='));
        assert.ok(setCookie, 'a __Host- session cookie on http://127.0.0.1');
        cookie = setCookie.split(';')[0] ?? '';
      } finally {
        const run = await server.stop();
        assert.equal(run.code, 0, server.output());
        assert.equal(run.signal, null);
      }
      assert.ok(!server.output().includes(PASSWORD), 'the password is not logged');
      assert.match(server.output(), /"msg":"shutting down"/);
    });

    it('generated the server secret into the data dir with mode 0600, in a directory only its owner can enter', () => {
      assert.equal(statSync(dataDir).mode & 0o777, 0o700);
      const path = join(dataDir, 'secret');
      assert.equal(statSync(path).mode & 0o777, 0o600);
      firstSecret = readFileSync(path, 'utf8');
      assert.ok(firstSecret.trim().length >= 43, '256 bits, base64url');
    });

    it('reuses the secret and the database on the next start', async () => {
      assert.ok(firstSecret && cookie, 'the first start ran');
      const server = await serve(dataDir);
      try {
        assert.equal(readFileSync(join(dataDir, 'secret'), 'utf8'), firstSecret);
        assert.equal(statSync(join(dataDir, 'secret')).mode & 0o777, 0o600);
        const me = await fetch(`${server.baseUrl}/api/v1/session`, { headers: { cookie } });
        assert.equal(me.status, 200, 'the session from before the restart is still valid');
        const body = (await me.json()) as { account: { email: string } };
        assert.equal(body.account.email, 'admin@example.org');
      } finally {
        const run = await server.stop();
        assert.equal(run.code, 0, server.output());
      }
    });
  });

  describe('start-up errors are one line with a sysexits code', { concurrency: 1 }, () => {
    it('a port already in use: exit 78, naming the address and the setting', async () => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const port = (blocker.address() as { port: number }).port;
      try {
        const run = await passdesk(['serve'], { dataDir: freshDataDir('port-taken'), env: { PASSDESK_PORT: String(port) } });
        assertExit(run, 78);
        const lines = run.stderr.trim().split('\n');
        assert.equal(lines.length, 1, run.stderr);
        assert.equal(
          lines[0],
          `passdesk: cannot listen on 127.0.0.1:${port}: the address is already in use (another server? set PASSDESK_PORT or PASSDESK_HOST)`,
        );
      } finally {
        await new Promise<void>((resolve) => blocker.close(() => resolve()));
      }
    });

    it('an unreachable database: exit 69, one line without credentials', async () => {
      const run = await passdesk(['serve'], {
        dataDir: freshDataDir('no-db'),
        env: { PASSDESK_PORT: '0', PASSDESK_DATABASE_URL: 'postgres://passdesk:hunter2-secret@127.0.0.1:1/passdesk' },
      });
      assertExit(run, 69);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(
        lines[0]!,
        /^passdesk: cannot reach the database postgres:\/\/127\.0\.0\.1:1\/passdesk: .*ECONNREFUSED.* \(is it running\? check PASSDESK_DATABASE_URL\)$/,
      );
      assert.ok(!run.stderr.includes('hunter2'), 'the password in the URL is never printed');
    });

    it('a mistyped variable stops the start (exit 78) before anything is created', async () => {
      const dataDir = freshDataDir('typo');
      const run = await passdesk(['serve'], { dataDir, env: { PASSDESK_PROT: '9000' } });
      assertExit(run, 78);
      assert.equal(run.stderr.trim(), 'passdesk: configuration error: PASSDESK_PROT: unknown setting (did you mean PASSDESK_PORT?)');
      assert.deepEqual(readdirSync(dataDir), []);
    });
  });

  describe('one server per SQLite data directory', { concurrency: 1 }, () => {
    const dataDir = freshDataDir('lock');

    it('a second server on the same data directory is refused with one line naming the first; short commands still work beside it', async () => {
      const first = await serve(dataDir);
      try {
        const second = await passdesk(['serve'], { dataDir, env: { PASSDESK_PORT: '0' } });
        assert.equal(second.code, 75, show(second));
        const lines = second.stderr.trim().split('\n');
        assert.equal(lines.length, 1, second.stderr);
        assert.match(lines[0]!, new RegExp(`^passdesk: another Passdesk server is already running on the data directory .* \\(pid ${first.child.pid}\\)`));
        assertExit(await passdesk(['user', 'list'], { dataDir }), 0);
        assertExit(await passdesk(['migrate'], { dataDir }), 0);
      } finally {
        assert.equal((await first.stop()).code, 0, first.output());
      }
      assert.ok(!existsSync(join(dataDir, 'passdesk.pid')), 'a clean stop removes the pid file');
    });

    it('a server killed with SIGKILL leaves no stale lock: the next one starts', async () => {
      const first = await serve(dataDir);
      assert.ok(first.child.pid);
      const gone = finished(first.child);
      process.kill(first.child.pid, 'SIGKILL');
      await gone;
      const next = await serve(dataDir);
      assert.equal((await next.stop()).code, 0, next.output());
    });
  });

  describe('backup and restore on SQLite', { concurrency: 1 }, () => {
    const source = freshDataDir('backup-from');
    const file = join(freshDataDir('backups'), 'passdesk.backup');
    let totpSecret = '';

    /** POST with the session cookie and the Origin a browser sends. */
    async function post(server: Server, path: string, body: unknown, cookie = ''): Promise<Response> {
      return fetch(`${server.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: server.baseUrl, ...(cookie ? { cookie } : {}) },
        body: JSON.stringify(body),
      });
    }
    function sessionCookie(res: Response): string {
      return (
        res.headers
          .getSetCookie()
          .find((c) => c.startsWith('__Host-passdesk-session='))
          ?.split(';')[0] ?? ''
      );
    }

    it('backup copies the database and the secret while the server runs, into a 0600 file', async () => {
      const server = await serve(source);
      try {
        assertExit(await passdesk(['user', 'create', '--email', 'kept@example.org'], { dataDir: source, input: `${PASSWORD}\n` }), 0);
        const signIn = await post(server, '/api/v1/sessions', { email: 'kept@example.org', password: PASSWORD });
        assert.equal(signIn.status, 201);
        const cookie = sessionCookie(signIn);
        const enrol = await post(server, '/api/v1/2fa/totp', {}, cookie);
        assert.equal(enrol.status, 201, await enrol.clone().text());
        totpSecret = ((await enrol.json()) as { secret: string }).secret;
        const confirm = await post(server, '/api/v1/2fa/totp/confirm', { code: totpCode(totpSecret) }, cookie);
        assert.equal(confirm.status, 200, await confirm.clone().text());

        const run = await passdesk(['backup', file], { dataDir: source });
        assertExit(run, 0);
        assert.match(run.stdout, /^Backed up the database and the server secret to /);
        assert.equal(statSync(file).mode & 0o777, 0o600);
        assertExit(await passdesk(['backup', file], { dataDir: source }), 1); // never overwrites
      } finally {
        assert.equal((await server.stop()).code, 0);
      }
    });

    it('restore into a fresh data directory brings back the accounts and the authenticator: password + code sign in', async () => {
      const target = freshDataDir('restore-to');
      const run = await passdesk(['restore', file], { dataDir: target });
      assertExit(run, 0);
      assert.equal(readFileSync(join(target, 'secret'), 'utf8'), readFileSync(join(source, 'secret'), 'utf8'));
      assert.equal(statSync(join(target, 'secret')).mode & 0o777, 0o600);
      const server = await serve(target);
      try {
        const first = await post(server, '/api/v1/sessions', { email: 'kept@example.org', password: PASSWORD });
        const { status, flowId } = (await first.json()) as { status: string; flowId: string };
        assert.equal(status, 'second_factor_required');
        const done = await post(server, '/api/v1/sessions/second-factor', { flowId, method: 'totp', code: totpCode(totpSecret, { stepsAhead: 1 }) });
        assert.equal(done.status, 201, await done.clone().text());
      } finally {
        assert.equal((await server.stop()).code, 0);
      }
      // Over an existing database only with --force, and never under a running server.
      const again = await passdesk(['restore', file], { dataDir: target });
      assertExit(again, 1);
      assert.match(again.stderr, /already exists at .*--force/);
      const running = await serve(target);
      try {
        assertExit(await passdesk(['restore', file, '--force'], { dataDir: target }), 75);
      } finally {
        assert.equal((await running.stop()).code, 0);
      }
      const forced = await passdesk(['restore', file, '--force'], { dataDir: target });
      assertExit(forced, 0);
      assert.match(forced.stdout, /kept as .*passdesk\.sqlite\.replaced-/);
    });

    it('a database started with another secret is refused at start with one line (exit 78), not code by code', async () => {
      const stray = freshDataDir('without-secret');
      assertExit(await passdesk(['restore', file], { dataDir: stray }), 0);
      rmSync(join(stray, 'secret')); // the mistake: the database without its secret; serve generates a new one
      const run = await passdesk(['serve'], { dataDir: stray, env: { PASSDESK_PORT: '0' } });
      assertExit(run, 78);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, /^passdesk: configuration error: the server secret .* is not the one this database was made with/);
    });

    it('a file that is not a backup is refused and nothing changes', async () => {
      const target = freshDataDir('not-a-backup');
      const junk = join(target, 'junk.bin');
      writeFileSync(junk, 'not sqlite');
      const run = await passdesk(['restore', junk], { dataDir: target });
      assertExit(run, 1);
      assert.match(run.stderr, /is not a Passdesk backup/);
      assert.deepEqual(readdirSync(target).sort(), ['junk.bin']);
    });
  });

  describe('on PostgreSQL', { concurrency: 1 }, () => {
    let database: TestDatabase | null = null;
    const dataDir = freshDataDir('postgres');
    before(async () => {
      database = await createTestDatabase();
    });
    after(async () => {
      await database?.drop();
    });

    it('user create, show and migrate work with PASSDESK_DATABASE_URL=postgres://…', async () => {
      assert.ok(database);
      const env = { PASSDESK_DATABASE_URL: database.url };
      const created = await passdesk(['user', 'create', '--email', 'Pat@Example.org', '--name', 'Pat', '--role', 'helpdesk'], {
        dataDir,
        env,
        input: `${PASSWORD}\n`,
      });
      assertExit(created, 0);
      assert.match(created.stdout, /^Created helpdesk Pat@Example\.org/m);

      const shown = await passdesk(['user', 'show', 'pat@example.org', '--json'], { dataDir, env });
      assertExit(shown, 0);
      assertNoSecretMaterial(shown.stdout);
      const a = JSON.parse(shown.stdout) as AccountJson;
      assert.equal(a.email, 'Pat@Example.org');
      assert.equal(a.role, 'helpdesk');

      const duplicate = await passdesk(['user', 'create', '--email', 'PAT@example.org'], { dataDir, env, input: `${PASSWORD}\n` });
      assert.notEqual(duplicate.code, 0, show(duplicate));
      assert.match(duplicate.stderr, /EMAIL_TAKEN/);

      const migrated = await passdesk(['migrate'], { dataDir, env });
      assertExit(migrated, 0);
      assert.match(migrated.stdout, /up to date/);
      assert.ok(!existsSync(join(dataDir, 'passdesk.sqlite')), 'no SQLite file when PostgreSQL is configured');
    });
  });
});
