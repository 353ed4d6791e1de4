// `passdesk` — serve, migrate, and manage accounts from the operator's shell.
// Passwords come from standard input or a hidden prompt, never from argv (argv is visible to `ps`).
import { parseArgs } from 'node:util';
import { closeSync, openSync, realpathSync, unlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig, ConfigError, configKeys, type Config } from './config.js';
import { breachedLookup, createApp, defaultLogger, flowConfig } from './app.js';
import { breachedOptionsFromConfig, createBreachedPasswords, type BreachedPasswords } from './breached/index.js';
import { sharedStrengthEstimator } from './policy/strength-estimator.js';
import type { Logger } from 'pino';
import { isDatabaseUnavailable, openStore } from './store/index.js';
import { sqlitePathFromUrl } from './store/db.js';
import { DataDirectoryLockedError, lockDataDirectory, type DataDirectoryLock } from './store/data-dir-lock.js';
import { createPasswordHasher, type PasswordHasher } from './credentials/password-hasher.js';
import { registerAccount } from './flows/register.js';
import { systemClock } from './core/clock.js';
import { systemRandom } from './core/random.js';
import { normalizeEmail } from './core/email.js';
import { PassdeskError, isPassdeskError } from './core/errors.js';
import type { FlowDeps } from './flows/deps.js';
import { breachedCommand, BREACHED_USAGE } from './breached/cli.js';
import { mailStatus } from './mail/cli.js';
import { runWorker } from './worker.js';
import { eventsCommand } from './events/cli.js';
import { eventRouting } from './events/setup.js';
import { BackupError, backupDatabase, restoreDatabase } from './backup.js';
import { assertSecretMatchesDatabase } from './secret-check.js';
import { isClusterWorker, leaveCluster, runPrimary } from './cluster.js';
import { guardLimitsAcrossNodes, LimitsNotSharedError, type NodeGuard } from './store/node-guard.js';
import { availableParallelism } from 'node:os';
import { createMailBodyBox } from './mail/sealed-body.js';
import { mailDeps } from './mail/setup.js';
import type { Actor } from './flows/help-desk/action.js';
import { disableAccount, enableAccount, requirePasswordChange, sendResetEmail, setRole, signOutEverywhere, unlockAccount } from './flows/help-desk/accounts.js';
import { issueTemporaryPassword } from './flows/help-desk/temporary-password.js';
import { deleteAccount } from './flows/help-desk/delete-account.js';
import { exportAccounts, formatFromFileName, importAccounts, type AccountFileFormat } from './flows/help-desk/import.js';
import { ApprovalPending } from './flows/help-desk/approval-request.js';
import { APPROVAL_USAGE, approvalCommand } from './cli-approvals.js';
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** The usage text; docs/reference/cli.md is generated from it (`npm run docs:generate`). */
export const USAGE = `Usage: passdesk <command> [options]

Commands:
  serve [--workers N|auto]      Run the service (migrates the database first); with --workers, N
                                processes share the port (needs PASSDESK_REDIS_URL when N > 1).
  migrate                       Apply database migrations and exit.
  user create --email E [--name N] [--role user|helpdesk|admin] [--unconfirmed]
                                Create an account. The password is read from standard input
                                (first line) or asked for at a hidden prompt. The address counts
                                as confirmed unless --unconfirmed: then a link and a code to
                                confirm it are emailed, and no reset goes to it until then.
  user list [--json]            List accounts.
  user show EMAIL [--json]      Show one account.
  user disable|enable|unlock|require-change|reset-link|temp-password|sign-out|set-role
       --email E --reason TEXT [--ticket T] [--role user|helpdesk|admin]
                                A help desk action, audited with the operator as its actor; the
                                person is told by email as from the console. temp-password prints
                                the password once (single use, 24 hours, a change at sign-in).
                                The command line is not held to two-person approval (break-glass);
                                the audit event records that it was bypassed.
  user delete --email E --reason TEXT [--ticket T] [--export FILE]
                                Delete the account (the person is emailed first); its data, exported
                                just before, goes to FILE (mode 0600) or standard output as JSON.
                                For a directory account only Passdesk's side goes; the entry stays.
  user import FILE --reason TEXT [--ticket T] [--format csv|jsonl] [--problems-only]
                                Import accounts: CSV with the header email,name,role,password_hash,
                                or JSON Lines with those keys (format from the extension unless
                                given). Hashes of other systems (bcrypt, PBKDF2, scrypt, argon2,
                                LDAP {SSHA}/{SSHA512}/{CRYPT}, crypt $1$/$5$/$6$) are kept and
                                replaced by argon2id at the next sign-in; no hash: the person resets.
                                An existing email is skipped. One line per record: its outcome.
  user export --reason TEXT [--ticket T] [--format csv|jsonl] [--with-hashes] [--out FILE]
                                Write every account in the import format (no hashes unless asked);
                                recorded in the audit log (with hashes: said so).
${APPROVAL_USAGE}
  config keys                   List every configuration key and its environment variable.
${BREACHED_USAGE}
  worker                        Deliver the outboxes (mail, events out) only, no HTTP; several may share
                                one PostgreSQL.
  mail status [--json]          Count outbox messages by state and show recent delivery problems.
  events status [--json]        Count event copies (syslog, webhooks) by destination and state, and show
                                recent delivery problems.
  events retry [--destination syslog|URL]
                                Queue again the event copies that failed for good.
  backup FILE                   SQLite: copy the database and the server secret into FILE (mode 0600),
                                also while the server runs.
  restore FILE [--force]        SQLite: put a backup in place (the server must be stopped); --force
                                replaces an existing database, keeping it beside as .replaced-TIME.

Configuration comes from PASSDESK_* environment variables and an optional JSON file named by
PASSDESK_CONFIG. Every key: passdesk config keys, or docs/reference/configuration.md.`;

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  readPassword: (prompt: string) => Promise<string>;
}

const defaultIo: CliIo = {
  stdout: (l) => process.stdout.write(l + '\n'),
  stderr: (l) => process.stderr.write(l + '\n'),
  readPassword,
};

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(rest, io);
      case 'migrate':
        return await migrate(io);
      case 'user':
        return await user(rest, io);
      case 'approval':
        return await approvalCommand(rest, io, withDeps);
      case 'breached':
        return await breachedCommand(rest, io);
      case 'worker': {
        const config = loadConfig();
        return await runWorker(config, defaultLogger(config));
      }
      case 'mail': {
        if (rest[0] !== 'status') {
          io.stderr(USAGE);
          return 2;
        }
        const { values } = parseArgs({ args: rest.slice(1), options: { json: { type: 'boolean', default: false } }, strict: true });
        return await mailStatus(loadConfig(), io, { json: values.json });
      }
      case 'events':
        return await eventsCommand(rest, io);
      case 'backup':
      case 'restore':
        return await backupOrRestore(command, rest, io);
      case 'config':
        if (rest[0] === 'keys') {
          for (const [key, spec] of Object.entries(configKeys)) io.stdout(`${spec.env.padEnd(36)} ${key.padEnd(24)} ${spec.doc}`);
          io.stdout(`${'PASSDESK_CONFIG'.padEnd(36)} ${'-'.padEnd(24)} Path of an optional JSON file with the keys above; environment variables win over it.`);
          return 0;
        }
        io.stderr(USAGE);
        return 2;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        io.stderr(`passdesk: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`passdesk: configuration error: ${err.message}`);
      return 78; // EX_CONFIG
    }
    if (isPassdeskError(err)) {
      io.stderr(`passdesk: ${err.message} (${err.code})`);
      return 1;
    }
    // A mistyped option (parseArgs with strict) is a usage error, not a crash.
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      io.stderr(`passdesk: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}

/** How long a stopping node's requests may take before the processes are killed. */
const SHUTDOWN_GRACE_MS = 25_000;

async function serve(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { workers: { type: 'string' } }, strict: true });
  const env = values.workers !== undefined ? { ...process.env, PASSDESK_WORKERS: values.workers } : process.env;
  const config = loadConfig({ env });
  const logger = defaultLogger(config);
  // A cluster worker: the primary holds the node's locks and has migrated the database.
  if (isClusterWorker()) {
    try {
      return await serveOrExplain(config, logger, io);
    } finally {
      leaveCluster();
    }
  }
  const workers = config.workers === 'auto' ? availableParallelism() : config.workers;
  if (workers > 1 && !config.redisUrl) {
    io.stderr(
      `passdesk: configuration error: --workers ${workers} needs PASSDESK_REDIS_URL: each process would count attempt limits on its own, multiplying every limit by ${workers}`,
    );
    return 78;
  }
  // Only a SQLite file ties a server to its data directory; PostgreSQL nodes may share one.
  let lock: DataDirectoryLock | null = null;
  let guard: NodeGuard | null = null;
  if (!config.databaseUrl.startsWith('postgres') && sqlitePathFromUrl(config.databaseUrl) !== ':memory:') {
    try {
      lock = lockDataDirectory(config.dataDir);
    } catch (err) {
      if (!(err instanceof DataDirectoryLockedError)) throw err;
      io.stderr(`passdesk: ${err.message}`);
      return 75; // EX_TEMPFAIL: it can start once the other one stops
    }
  }
  try {
    if (config.databaseUrl.startsWith('postgres')) {
      guard = await guardLimitsAcrossNodes(config.databaseUrl, config.redisUrl ? 'redis' : 'memory', logger);
    }
    if (workers === 1) return await serveUntilStopped(config, logger);
    await migrateOnce(config, logger);
    return await runPrimary({ workers, graceMs: SHUTDOWN_GRACE_MS, log: logger });
  } catch (err) {
    if (err instanceof LimitsNotSharedError) {
      io.stderr(`passdesk: configuration error: ${err.message}`);
      return 78;
    }
    const line = startupProblem(err, config);
    if (!line) throw err;
    io.stderr(`passdesk: ${line.message}`);
    return line.exitCode;
  } finally {
    await guard?.release();
    lock?.release();
  }
}

async function serveOrExplain(config: Config, logger: Logger, io: CliIo): Promise<number> {
  try {
    return await serveUntilStopped(config, logger);
  } catch (err) {
    const line = startupProblem(err, config);
    if (!line) throw err;
    io.stderr(`passdesk: ${line.message}`);
    return line.exitCode;
  }
}

/** The primary applies migrations and checks the secret before any worker starts (workers then find nothing to do). */
async function migrateOnce(config: Config, logger: Logger): Promise<void> {
  const store = openStore(config.databaseUrl);
  try {
    const { applied } = await store.migrate();
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
    await assertSecretMatchesDatabase(store, config.secretBytes, systemClock.now());
  } finally {
    await store.close();
  }
}

/** The usual reasons a start fails, as one line an operator can act on (and sysexits codes); null for the rest. */
function startupProblem(err: unknown, config: Config): { message: string; exitCode: number } | null {
  const code = (err as { code?: unknown } | null)?.code;
  const where = `${config.host}:${config.port}`;
  if (code === 'EADDRINUSE')
    return { message: `cannot listen on ${where}: the address is already in use (another server? set PASSDESK_PORT or PASSDESK_HOST)`, exitCode: 78 };
  if (code === 'EACCES') return { message: `cannot listen on ${where}: permission denied (ports below 1024 need privileges; set PASSDESK_PORT)`, exitCode: 78 };
  if (code === 'EADDRNOTAVAIL') return { message: `cannot listen on ${where}: no such address on this machine (set PASSDESK_HOST)`, exitCode: 78 };
  if (isDatabaseUnavailable(err)) {
    const reason = (err as Error).message.replace(/^database migration\S* failed: /, '');
    return {
      message: `cannot reach the database ${describeDatabase(config)}: ${reason || String(code)} (is it running? check PASSDESK_DATABASE_URL)`,
      exitCode: 69,
    };
  }
  return null;
}

async function serveUntilStopped(config: Config, logger: Logger): Promise<number> {
  const app = await createApp({ config, logger });
  const address = await app.listen();
  logger.info(
    { address, baseUrl: config.baseUrl, database: describeDatabase(config), registration: config.registration },
    `Passdesk is listening on ${address} — open ${config.baseUrl}`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      app.close().then(resolve, (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        resolve();
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

function describeDatabase(config: Config): string {
  // Never print credentials that may be in a PostgreSQL URL.
  if (config.databaseUrl.startsWith('postgres')) {
    const u = new URL(config.databaseUrl);
    return `postgres://${u.host}${u.pathname}`;
  }
  return config.databaseUrl;
}

async function backupOrRestore(command: 'backup' | 'restore', argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { force: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
  const file = positionals[0];
  if (positionals.length !== 1 || !file || (command === 'backup' && values.force)) {
    io.stderr(USAGE);
    return 2;
  }
  const config = loadConfig({ persistSecret: command === 'backup' });
  try {
    if (command === 'backup') {
      const { bytes } = await backupDatabase(config, file, systemClock.now());
      io.stdout(`Backed up the database and the server secret to ${file} (${bytes} bytes, mode 0600). Keep it as safe as the secret.`);
    } else {
      // config.secret is set only when PASSDESK_SECRET (or the config file) names one; otherwise DATA_DIR/secret.
      const { replaced } = restoreDatabase(config, file, systemClock.now(), { force: values.force, configuredSecret: config.secret });
      io.stdout(
        `Restored ${file} into ${config.dataDir}${replaced ? ` (the database it replaced is kept as ${replaced})` : ''}. Start the server with \`passdesk serve\`.`,
      );
    }
    return 0;
  } catch (err) {
    if (err instanceof BackupError || err instanceof DataDirectoryLockedError) {
      io.stderr(`passdesk: ${err.message}`);
      return err instanceof DataDirectoryLockedError ? 75 : 1;
    }
    throw err;
  }
}

async function migrate(io: CliIo): Promise<number> {
  const config = loadConfig();
  const store = openStore(config.databaseUrl);
  try {
    const { applied } = await store.migrate();
    io.stdout(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'Database is up to date.');
    return 0;
  } finally {
    await store.close();
  }
}

async function withDeps<T>(fn: (deps: FlowDeps) => Promise<T>, o: { admin?: boolean } = {}): Promise<T> {
  const config = loadConfig();
  const store = openStore(config.databaseUrl);
  // Events recorded here are copied out like the server's (the server's or a worker's events worker sends them).
  store.routeEvents(eventRouting(config.eventsOut));
  let hasher: PasswordHasher | undefined;
  let breached: BreachedPasswords | undefined;
  try {
    await store.migrate();
    await assertSecretMatchesDatabase(store, config.secretBytes, systemClock.now());
    breached = createBreachedPasswords(breachedOptionsFromConfig(config));
    hasher = await createPasswordHasher({
      params: { memoryKib: config.argon2MemoryKib, iterations: config.argon2Iterations, parallelism: config.argon2Parallelism },
      // One command hashes at most once: libuv's pool, no threads to start.
      threads: 0,
    });
    return await fn({
      store,
      hasher,
      clock: systemClock,
      random: systemRandom,
      strength: sharedStrengthEstimator(),
      breached: breachedLookup(breached),
      config: flowConfig(config),
      // The help desk commands: notices queued for the server's worker, and the secret that keys the sign-in limits.
      ...(o.admin
        ? { secret: config.secretBytes, mail: mailDeps(config, createMailBodyBox({ serverSecrets: [config.secretBytes], random: systemRandom })) }
        : {}),
    });
  } finally {
    await breached?.close();
    await hasher?.close();
    await store.close();
  }
}

function accountLine(a: {
  email: string;
  displayName: string;
  role: string;
  status: string;
  passwordChangedAt: number | null;
  mustChangePassword: boolean;
}): string {
  const changed = a.passwordChangedAt ? new Date(a.passwordChangedAt).toISOString() : 'never';
  return `${a.email.padEnd(32)} ${a.role.padEnd(9)} ${a.status.padEnd(9)} password changed ${changed}${a.mustChangePassword ? ' (must change)' : ''}  ${a.displayName}`;
}

async function user(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string', default: 'user' },
        password: { type: 'string' },
        unconfirmed: { type: 'boolean', default: false },
      },
      strict: true,
    });
    if (values.password !== undefined) {
      io.stderr('passdesk: --password is not accepted (command lines are visible to other users); pipe it on standard input instead');
      return 2;
    }
    if (!values.email) {
      io.stderr('passdesk: user create needs --email');
      return 2;
    }
    const role = values.role;
    if (role !== 'user' && role !== 'helpdesk' && role !== 'admin') {
      io.stderr(`passdesk: --role must be user, helpdesk or admin (got "${role}")`);
      return 2;
    }
    const password = await io.readPassword(`Password for ${values.email}: `);
    const email = values.email;
    const emailConfirmed = !values.unconfirmed;
    // Unconfirmed: the person is sent a link and a code (queued for the server's worker), which needs the mail settings.
    const { account } = await withDeps(
      (deps) =>
        registerAccount(deps, { email, password, displayName: values.name, role, emailConfirmed }, { ip: null, userAgent: 'passdesk-cli' }, { kind: 'cli' }),
      { admin: !emailConfirmed },
    );
    io.stdout(`Created ${account.role} ${account.email} (${account.id})${emailConfirmed ? '' : '; a link to confirm the address was sent to it'}`);
    return 0;
  }
  if (sub === 'list') {
    const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false } }, strict: true });
    return withDeps(async (deps) => {
      const accounts = await deps.store.accounts.listAccounts({ limit: 10_000, offset: 0 });
      if (values.json)
        io.stdout(
          JSON.stringify(
            accounts.map(({ passwordHash: _h, ...a }) => a),
            null,
            2,
          ),
        );
      else if (accounts.length === 0) io.stdout('No accounts yet. Create one with: passdesk user create --email you@example.org --role admin');
      else for (const a of accounts) io.stdout(accountLine(a));
      return 0;
    });
  }
  if (sub === 'show') {
    const { values, positionals } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
    const email = positionals[0];
    if (!email) {
      io.stderr('passdesk: user show needs an EMAIL');
      return 2;
    }
    return withDeps(async (deps) => {
      const account = await deps.store.accounts.findAccountByEmail(normalizeEmail(email));
      if (!account) {
        io.stderr(`passdesk: no account with email ${email}`);
        return 1;
      }
      const sessions = await deps.store.sessions.listSessions(account.id, { now: deps.clock.now() });
      const { passwordHash: _h, ...visible } = account;
      if (values.json) {
        io.stdout(JSON.stringify({ ...visible, activeSessions: sessions.length }, null, 2));
      } else {
        io.stdout(accountLine(account));
        io.stdout(`id ${account.id}; created ${new Date(account.createdAt).toISOString()}; ${sessions.length} active session(s)`);
        for (const s of sessions) io.stdout(`  ${s.device} from ${s.ip ?? 'unknown IP'}, last seen ${new Date(s.lastSeenAt).toISOString()}`);
      }
      return 0;
    });
  }
  if (sub === 'import') return importCommand(rest, io);
  if (sub === 'export') return exportCommand(rest, io);
  if (sub && HELP_DESK_COMMANDS.has(sub)) return helpDeskCommand(sub, rest, io);
  io.stderr(`passdesk: unknown user command "${sub ?? ''}"\n\n${USAGE}`);
  return 2;
}

/** The operator's actions take effect at once (the command line is not held to two-person approval). */
function immediate<T>(answer: T | ApprovalPending): T {
  if (answer instanceof ApprovalPending) throw new TypeError('the command line was held to two-person approval');
  return answer;
}

const HELP_DESK_COMMANDS = new Set(['disable', 'enable', 'unlock', 'require-change', 'reset-link', 'temp-password', 'sign-out', 'set-role', 'delete']);
const CLI_ACTOR: Actor = { kind: 'cli', label: 'cli' };

/** `passdesk user <action> --email E --reason TEXT`: one help desk action through the same flow as the console. */
async function helpDeskCommand(sub: string, argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { email: { type: 'string' }, reason: { type: 'string' }, ticket: { type: 'string' }, role: { type: 'string' }, export: { type: 'string' } },
    strict: true,
  });
  if (values.export !== undefined && sub !== 'delete') {
    io.stderr('passdesk: --export belongs to delete only');
    return 2;
  }
  if (!values.email || !values.reason) {
    io.stderr(`passdesk: user ${sub} needs --email and --reason`);
    return 2;
  }
  const role = values.role;
  if ((sub === 'set-role') !== (role !== undefined) || (role !== undefined && role !== 'user' && role !== 'helpdesk' && role !== 'admin')) {
    io.stderr(sub === 'set-role' ? 'passdesk: user set-role needs --role user, helpdesk or admin' : `passdesk: --role belongs to set-role only`);
    return 2;
  }
  const email = values.email;
  const why = { reason: values.reason, ticket: values.ticket };
  const ctx = { ip: null, userAgent: 'passdesk-cli' };
  return withDeps(
    async (deps) => {
      const account = await deps.store.accounts.findAccountByEmail(normalizeEmail(email));
      if (!account) {
        io.stderr(`passdesk: no account with email ${email}`);
        return 1;
      }
      if (sub === 'temp-password') {
        const issued = immediate(await issueTemporaryPassword(deps, CLI_ACTOR, { accountId: account.id, why, ctx }));
        io.stdout(`Temporary password for ${account.email} (single use, until ${new Date(issued.expiresAt).toISOString()}):`);
        io.stdout(issued.temporaryPassword);
        return 0;
      }
      const input = { accountId: account.id, why, ctx };
      if (sub === 'delete') return deleteCommand(deps, { ...input, email: account.email, exportFile: values.export }, io);
      if (sub === 'set-role') {
        if (!role) throw new PassdeskError('VALIDATION_FAILED');
        await setRole(deps, CLI_ACTOR, { ...input, role });
      } else {
        await HELP_DESK_ACTIONS[sub as keyof typeof HELP_DESK_ACTIONS](deps, CLI_ACTOR, input);
      }
      io.stdout(`Done: ${sub} ${account.email}${role ? ` (role ${role})` : ''}; recorded in the audit log.`);
      return 0;
    },
    { admin: true },
  );
}

/** `passdesk user delete`: the export to a file (0600, never overwritten) or standard output; the line to stderr then. */
async function deleteCommand(
  deps: FlowDeps,
  o: {
    accountId: string;
    email: string;
    why: { reason: string; ticket?: string | undefined };
    ctx: { ip: null; userAgent: string };
    exportFile: string | undefined;
  },
  io: CliIo,
): Promise<number> {
  // The file is made first (never over an existing one), so the export cannot be lost after the data is gone.
  const fd = o.exportFile ? openSync(o.exportFile, 'wx', 0o600) : null;
  let deleted: Exclude<Awaited<ReturnType<typeof deleteAccount>>, ApprovalPending>;
  try {
    deleted = immediate(await deleteAccount(deps, CLI_ACTOR, o));
  } catch (err) {
    if (fd !== null && o.exportFile) {
      closeSync(fd);
      unlinkSync(o.exportFile);
    }
    throw err;
  }
  const json = JSON.stringify({ reference: deleted.reference, directory: deleted.directory, export: deleted.export }, null, 2);
  const entry = deleted.directory ? ` Only Passdesk's side was deleted: the directory entry ${deleted.directory.directoryId} stays.` : '';
  const line = `Deleted ${o.email}; recorded in the audit log as ${deleted.reference}.${entry}`;
  if (fd !== null) {
    writeFileSync(fd, `${json}\n`);
    closeSync(fd);
    io.stdout(`${line} The export is in ${o.exportFile}.`);
  } else {
    io.stdout(json);
    io.stderr(line);
  }
  return 0;
}

function fileFormat(given: string | undefined, fileName: string | null): AccountFileFormat | null {
  if (given === 'csv' || given === 'jsonl') return given;
  if (given !== undefined) return null;
  return fileName ? formatFromFileName(fileName) : 'csv';
}

/** `passdesk user import FILE --reason TEXT`: the admin API's import, with the operator as actor; never prints a hash. */
async function importCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { reason: { type: 'string' }, ticket: { type: 'string' }, format: { type: 'string' }, 'problems-only': { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  const file = positionals[0];
  if (!file || !values.reason) {
    io.stderr('passdesk: user import needs a FILE and --reason');
    return 2;
  }
  const format = fileFormat(values.format, file);
  if (!format) {
    io.stderr('passdesk: say --format csv or --format jsonl (the file name does not tell)');
    return 2;
  }
  const text = await readFile(file, 'utf8');
  const why = { reason: values.reason, ticket: values.ticket };
  return withDeps(
    async (deps) => {
      const report = await importAccounts(deps, { kind: 'cli', label: 'cli' }, { text, format, why, ctx: { ip: null, userAgent: 'passdesk-cli' } });
      for (const l of report.lines) {
        if (values['problems-only'] && l.outcome === 'created') continue;
        io.stdout(`line ${l.line}: ${l.outcome}${l.reason ? ` (${l.reason})` : ''}`);
      }
      io.stdout(
        `Imported ${basename(file)}: ${report.created} created (${report.withoutPassword} without a password), ${report.skipped} skipped, ${report.failed} failed; recorded in the audit log.`,
      );
      return report.failed > 0 ? 1 : 0;
    },
    { admin: true },
  );
}

/** `passdesk user export --reason TEXT`: the import format, to standard output or --out (mode 0600); recorded in the audit log. */
async function exportCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      format: { type: 'string' },
      out: { type: 'string' },
      'with-hashes': { type: 'boolean', default: false },
      reason: { type: 'string' },
      ticket: { type: 'string' },
    },
    strict: true,
  });
  if (!values.reason) {
    io.stderr('passdesk: user export needs --reason (it is recorded in the audit log)');
    return 2;
  }
  const format = fileFormat(values.format, values.out ?? null);
  if (!format) {
    io.stderr('passdesk: say --format csv or --format jsonl (the file name does not tell)');
    return 2;
  }
  const why = { reason: values.reason, ticket: values.ticket };
  return withDeps(
    async (deps) => {
      const lines = await exportAccounts(
        deps,
        { kind: 'cli', label: 'cli' },
        {
          format,
          withHashes: values['with-hashes'],
          why,
          ctx: { ip: null, userAgent: 'passdesk-cli' },
        },
      );
      let text = '';
      for await (const chunk of lines) text += chunk;
      if (values.out) await writeFile(values.out, text, { mode: 0o600 });
      else io.stdout(text.replace(/\r?\n$/, ''));
      return 0;
    },
    { admin: true },
  );
}

/** The help desk's actions as `passdesk user …` subcommands (flows/help-desk/accounts.ts; set-role and temp-password apart). */
const HELP_DESK_ACTIONS = {
  disable: disableAccount,
  enable: enableAccount,
  unlock: unlockAccount,
  'require-change': requirePasswordChange,
  'reset-link': sendResetEmail,
  'sign-out': signOutEverywhere,
} as const;

/** First line of standard input when piped; a prompt that does not echo on a terminal. */
async function readPassword(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    let data = '';
    for await (const chunk of input) {
      data += chunk;
      if (data.includes('\n')) break;
    }
    return data.split(/\r?\n/)[0] ?? '';
  }
  // At a terminal the password is typed twice: a typo would otherwise set a password nobody knows.
  for (let attempt = 0; attempt < 3; attempt++) {
    const first = await promptHidden(prompt);
    const second = await promptHidden('Type it again: ');
    if (first === second) return first;
    process.stderr.write('The two passwords differ. Try again.\n');
  }
  throw new PassdeskError('PASSWORD_CONFIRMATION_MISMATCH');
}

/** Reads one line at the terminal in raw mode, echoing nothing (backspace and Ctrl-U edit, Ctrl-C cancels). */
async function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise<string>((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish();
          reject(new Error('cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch === '\u0015') value = '';
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** True when this file is the program (`tsx src/cli.ts …`, i.e. `npm run dev`), not imported by bin/passdesk.js. */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    },
  );
}
