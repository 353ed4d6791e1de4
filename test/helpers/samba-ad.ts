// A real Active Directory for tests: a Samba AD domain controller, provisioned and started by the harness.
//
// Samba's ports are fixed (LDAP 389, LDAPS 636, global catalog 3268/3269), so only one DC can run on the machine:
// a test process shares ONE DC between its users (reference counted), and processes take turns through a lock
// file under os.tmpdir() that names the owner's PID (a lock whose owner died is taken over).
//
// Provisioning costs seconds, so it happens once per machine into a cached template (keyed by the Samba version
// and everything the harness sets up); each run copies the template into a fresh directory and starts from it.
// The template already holds the domain's base password settings, the People and Groups OUs, the role groups and
// the service account with exactly the rights the README tells operators to grant.
//
// The DC runs as `samba -i -M single` with a pipe as stdin: Samba ends itself when stdin closes, so even a test
// process killed with SIGKILL leaves no DC behind. stop() also sends SIGTERM by the child's own PID.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Attribute, Change, Client, InvalidCredentialsError } from 'ldapts';
import type { DirectorySettings } from '../../src/directory/directory.js';

const run = promisify(execFile);

export const SAMBA_REALM = 'PASSDESK.TEST';
export const SAMBA_DOMAIN = 'PASSDESK';
export const SAMBA_BASE_DN = 'DC=passdesk,DC=test';
export const SAMBA_URL = 'ldaps://127.0.0.1:636';
export const SAMBA_STARTTLS_URL = 'ldap://127.0.0.1:389';
const UPN_SUFFIX = 'passdesk.test';
// Throwaway test-only passwords of a throwaway domain on loopback.
const ADMIN_PASSWORD = 'Adm1n-Passw0rd!';
const SERVICE_PASSWORD = 'Serv1ce-Passw0rd!';
const HOST_NAME = 'PDDC';

export const PEOPLE_OU = `OU=People,${SAMBA_BASE_DN}`;
export const GROUPS_OU = `OU=Groups,${SAMBA_BASE_DN}`;
export const HELPDESK_GROUP = `CN=Passdesk Helpdesk,${GROUPS_OU}`;
export const ADMIN_GROUP = `CN=Passdesk Admins,${GROUPS_OU}`;
const SERVICE_SAM = 'passdesk-svc';
export const SERVICE_DN = `CN=${SERVICE_SAM},CN=Users,${SAMBA_BASE_DN}`;
const ADMIN_UPN = `Administrator@${UPN_SUFFIX}`;
const PSO_CONTAINER = `CN=Password Settings Container,CN=System,${SAMBA_BASE_DN}`;

export interface PasswordSettings {
  minLength: number;
  historyLength: number;
  minAgeDays: number;
  maxAgeDays: number;
  complexity: boolean;
  lockoutThreshold: number;
  lockoutDurationMinutes: number;
  lockoutWindowMinutes: number;
}

/** The domain's base password settings every run starts from (and restorePasswordSettings() returns to). */
export const BASE_PASSWORD_SETTINGS: Readonly<PasswordSettings> = {
  minLength: 8,
  historyLength: 3,
  minAgeDays: 0,
  maxAgeDays: 90,
  complexity: true,
  lockoutThreshold: 5,
  lockoutDurationMinutes: 30,
  lockoutWindowMinutes: 30,
};

// GUIDs of the schema objects the service account's rights name (the same on every AD forest).
const USER_CLASS = 'bf967aba-0de6-11d0-a285-00aa003049e2';
const RESET_PASSWORD_RIGHT = '00299570-246d-11d0-a768-00aa006e0529';
const PWD_LAST_SET_ATTRIBUTE = 'bf967a0a-0de6-11d0-a285-00aa003049e2';
const LOCKOUT_TIME_ATTRIBUTE = '28630ebf-41d5-11d1-a9c1-0000f80367c1';

/** The ACEs the service account gets (SDDL, for `samba-tool dsacl set --sddl`); the README shows the same. */
export function serviceAccountAces(sid: string): { peopleOu: string; psoContainer: string } {
  return {
    // Inherited by user objects under the OU: Reset Password, write pwdLastSet (force a change), write lockoutTime (unlock).
    peopleOu:
      `(OA;CIIO;CR;${RESET_PASSWORD_RIGHT};${USER_CLASS};${sid})` +
      `(OA;CIIO;WP;${PWD_LAST_SET_ATTRIBUTE};${USER_CLASS};${sid})` +
      `(OA;CIIO;WP;${LOCKOUT_TIME_ATTRIBUTE};${USER_CLASS};${sid})`,
    // Fine-grained password policies are readable only by Domain Admins by default; Passdesk reads the one that applies.
    psoContainer: `(A;CI;RPLCLORC;;;${sid})`,
  };
}

// Bump when anything the template holds changes: the cache key includes it.
const TEMPLATE_LAYOUT = 1;

export interface SambaUser {
  sam: string;
  dn: string;
  upn: string;
  mail: string;
  password: string;
}

export interface FineGrainedPolicy {
  name: string;
  precedence: number;
  minLength: number;
  /** Defaults: the base settings. */
  historyLength?: number;
  complexity?: boolean;
  minAgeDays?: number;
  lockoutThreshold?: number;
  /** The maximum age in AD's raw unit (negative 100-ns intervals), e.g. '-1': every password has expired. */
  maxPwdAgeRaw?: string;
  /** DNs of users or groups the policy applies to. */
  appliesTo: string[];
}

export interface SambaTimings {
  /** Provisioning the template; 0 when a cached one was used. */
  provisionMs: number;
  copyMs: number;
  /** From spawning samba until an LDAPS bind as Administrator succeeded. */
  startMs: number;
}

export interface SambaDc {
  url: string;
  startTlsUrl: string;
  baseDn: string;
  service: { dn: string; password: string };
  timings: SambaTimings;
  /** The settings a Directory needs to talk to this DC as the service account (TLS not verified: self-signed). */
  directorySettings(overrides?: Partial<DirectorySettings>): DirectorySettings;
  addUser(u: { sam: string; mail?: string; givenName?: string; password: string; groups?: string[] }): Promise<SambaUser>;
  /** A real LDAP simple bind over LDAPS: true when it succeeds, false when the DC refuses the credentials. */
  simpleBind(dnOrUpn: string, password: string): Promise<boolean>;
  /** The bind refusal's `data XXX` code (52e, 773, 775 …), or null when the bind succeeds. */
  bindErrorCode(dnOrUpn: string, password: string): Promise<string | null>;
  setPasswordSettings(s: Partial<PasswordSettings>): Promise<void>;
  restorePasswordSettings(): Promise<void>;
  addFineGrainedPolicy(p: FineGrainedPolicy): Promise<string>;
  removeFineGrainedPolicy(name: string): Promise<void>;
  disableUser(dn: string): Promise<void>;
  /** Replaces attributes of any entry as Administrator (accountExpires, maxPwdAge in raw AD units …). */
  replaceAttributes(dn: string, attributes: Record<string, string>): Promise<void>;
  /** Attributes of an entry, read as Administrator (for assertions). */
  read(dn: string, attributes: string[]): Promise<Record<string, string | string[]>>;
  /** SIGSTOP / SIGCONT the DC's process: it holds connections but answers nothing (timeouts). */
  freeze(): void;
  thaw(): void;
  /** Releases this user's share; the last one stops the DC, removes its directory and frees the lock. */
  stop(): Promise<void>;
}

const LOCK_PATH = join(tmpdir(), 'passdesk-samba-dc.lock');
const RUN_PREFIX = 'passdesk-samba-run-';

/** Removes run directories left by processes that died before stop() (their DC died with them). */
async function sweepDeadRuns(): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    const pid = Number.parseInt(name.slice(RUN_PREFIX.length), 10);
    if (name.startsWith(RUN_PREFIX) && Number.isInteger(pid) && !isAlive(pid)) await rm(join(tmpdir(), name), { recursive: true, force: true });
  }
}

/** Takes the machine-wide DC lock (waiting for another process's DC to stop, up to waitMs). */
async function takeLock(waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      writeFileSync(LOCK_PATH, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(readFileSafe(LOCK_PATH), 10);
    if (!Number.isInteger(owner) || !isAlive(owner)) {
      // Its owner died (its DC died with it: stdin closed). Remove it unless someone else just replaced it.
      if (readFileSafe(LOCK_PATH) === String(owner) || Number.isNaN(owner)) rmSafe(LOCK_PATH);
      continue;
    }
    if (owner === process.pid) throw new Error('samba-ad: this process already holds the DC lock (use the shared DC)');
    if (Date.now() > deadline) throw new Error(`samba-ad: the Samba DC lock ${LOCK_PATH} is held by PID ${owner} for more than ${waitMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function releaseLock(): void {
  if (readFileSafe(LOCK_PATH) === String(process.pid)) rmSafe(LOCK_PATH);
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function rmSafe(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function sambaTool(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('samba-tool', args, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`samba-tool ${args.slice(0, 3).join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

/** smb.conf lines the harness adds: everything inside the DC's own directory, only the LDAP service. */
function extraConfig(dir: string): string {
  return [
    `\tlog file = ${dir}/log/%m`,
    `\tpid directory = ${dir}/run`,
    `\tncalrpc dir = ${dir}/run/ncalrpc`,
    `\twinbindd socket directory = ${dir}/run/winbindd`,
    `\tntp signd socket directory = ${dir}/run/ntp_signd`,
    // Samba otherwise accepts the previous password for 60 minutes after a change (a bind with it would succeed).
    '\told password allowed period = 0',
    '',
  ].join('\n');
}

/** Provisions the domain into dir and sets up what every test needs (offline, on the sam.ldb files). */
async function provisionTemplate(dir: string): Promise<void> {
  await sambaTool([
    'domain',
    'provision',
    '--server-role=dc',
    '--dns-backend=NONE',
    `--realm=${SAMBA_REALM}`,
    `--domain=${SAMBA_DOMAIN}`,
    `--host-name=${HOST_NAME}`,
    `--adminpass=${ADMIN_PASSWORD}`,
    `--targetdir=${dir}`,
    '--option=interfaces=lo',
    '--option=bind interfaces only=yes',
  ]);
  const confPath = join(dir, 'etc', 'smb.conf');
  let conf = await readFile(confPath, 'utf8');
  conf = conf.replace(/\tlog file = .*\n/, '');
  // Only LDAP: no SMB/RPC/Kerberos/NetBIOS listeners the tests do not use (and quicker to start).
  conf = conf.replace(/\tserver services = .*\n/, '\tserver services = ldap\n');
  conf = conf.replace('[global]\n', `[global]\n${extraConfig(dir)}`);
  await writeFile(confPath, conf);

  const db = [`-H`, join(dir, 'private', 'sam.ldb'), '-s', confPath];
  const b = BASE_PASSWORD_SETTINGS;
  await sambaTool([
    'domain',
    'passwordsettings',
    'set',
    ...db,
    `--min-pwd-length=${b.minLength}`,
    `--history-length=${b.historyLength}`,
    `--min-pwd-age=${b.minAgeDays}`,
    `--max-pwd-age=${b.maxAgeDays}`,
    `--complexity=${b.complexity ? 'on' : 'off'}`,
    `--account-lockout-threshold=${b.lockoutThreshold}`,
    `--account-lockout-duration=${b.lockoutDurationMinutes}`,
    `--reset-account-lockout-after=${b.lockoutWindowMinutes}`,
  ]);
  await sambaTool(['ou', 'add', ...db, PEOPLE_OU]);
  await sambaTool(['ou', 'add', ...db, GROUPS_OU]);
  await sambaTool(['group', 'add', ...db, 'Passdesk Helpdesk', `--groupou=OU=Groups`]);
  await sambaTool(['group', 'add', ...db, 'Passdesk Admins', `--groupou=OU=Groups`]);
  await sambaTool(['user', 'create', ...db, SERVICE_SAM, SERVICE_PASSWORD]);
  const shown = await sambaTool(['user', 'show', ...db, SERVICE_SAM, '--attributes=objectSid']);
  const sid = /objectSid: (S-[0-9-]+)/.exec(shown)?.[1];
  if (!sid) throw new Error(`samba-ad: no objectSid for ${SERVICE_SAM} in: ${shown}`);
  const aces = serviceAccountAces(sid);
  await sambaTool(['dsacl', 'set', ...db, `--objectdn=${PEOPLE_OU}`, `--sddl=${aces.peopleOu}`, '--action=allow']);
  await sambaTool(['dsacl', 'set', ...db, `--objectdn=${PSO_CONTAINER}`, `--sddl=${aces.psoContainer}`, '--action=allow']);
}

/** The cached template's directory, provisioned now when missing (the caller holds the DC lock). */
async function ensureTemplate(): Promise<{ dir: string; provisionMs: number }> {
  const { stdout: version } = await run('samba', ['-V']);
  const key = createHash('sha256')
    .update(JSON.stringify({ version: version.trim(), TEMPLATE_LAYOUT, SAMBA_REALM, SAMBA_DOMAIN, HOST_NAME, BASE_PASSWORD_SETTINGS, ADMIN_PASSWORD }))
    .digest('hex')
    .slice(0, 16);
  const dir = join(tmpdir(), `passdesk-samba-template-${key}`);
  if (existsSync(join(dir, 'ready'))) return { dir, provisionMs: 0 };
  const t0 = performance.now();
  await rm(dir, { recursive: true, force: true });
  const building = `${dir}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  try {
    await provisionTemplate(building);
    // The paths in smb.conf name the building directory; the copy step rewrites them for each run.
    await writeFile(join(building, 'template-path'), building);
    await writeFile(join(building, 'ready'), '');
    await rename(building, dir);
  } catch (err) {
    await rm(building, { recursive: true, force: true });
    throw err;
  }
  return { dir, provisionMs: Math.round(performance.now() - t0) };
}

/** A fresh copy of the template for one run, its smb.conf pointing at the copy. */
async function copyTemplate(template: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${RUN_PREFIX}${process.pid}-`));
  await cp(template, dir, { recursive: true });
  const from = (await readFile(join(template, 'template-path'), 'utf8')).trim();
  const confPath = join(dir, 'etc', 'smb.conf');
  await writeFile(confPath, (await readFile(confPath, 'utf8')).split(from).join(dir));
  return dir;
}

function adminClient(): Client {
  return new Client({ url: SAMBA_URL, timeout: 10_000, connectTimeout: 5_000, tlsOptions: { rejectUnauthorized: false } });
}

/** Spawns samba on dir and resolves once an LDAPS bind as Administrator succeeds (bounded by timeoutMs). */
async function startSamba(dir: string, timeoutMs: number): Promise<{ child: ChildProcess; admin: Client; output: () => string }> {
  let out = '';
  const child = spawn('samba', ['-i', '-M', 'single', '-s', join(dir, 'etc', 'smb.conf')], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`samba exited (${child.exitCode ?? child.signalCode}) before serving LDAPS:\n${out}`);
    const admin = adminClient();
    try {
      await admin.bind(ADMIN_UPN, ADMIN_PASSWORD);
      return { child, admin, output: () => out };
    } catch {
      await admin.unbind().catch(() => {});
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`samba did not serve LDAPS within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function filetimeInterval(ms: number): string {
  // AD stores durations as negative 100-nanosecond intervals.
  return ms === 0 ? '0' : String(-BigInt(ms) * 10_000n);
}

function utf16Password(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

function replace(type: string, values: string[] | Buffer[]): Change {
  return new Change({ operation: 'replace', modification: new Attribute({ type, values }) });
}

function domainAttributes(s: Partial<PasswordSettings>): Change[] {
  const changes: Change[] = [];
  const minutes = (m: number): string => filetimeInterval(m * 60_000);
  const days = (d: number): string => filetimeInterval(d * 86_400_000);
  if (s.minLength !== undefined) changes.push(replace('minPwdLength', [String(s.minLength)]));
  if (s.historyLength !== undefined) changes.push(replace('pwdHistoryLength', [String(s.historyLength)]));
  if (s.minAgeDays !== undefined) changes.push(replace('minPwdAge', [days(s.minAgeDays)]));
  if (s.maxAgeDays !== undefined) changes.push(replace('maxPwdAge', [days(s.maxAgeDays)]));
  if (s.complexity !== undefined) changes.push(replace('pwdProperties', [s.complexity ? '1' : '0']));
  if (s.lockoutThreshold !== undefined) changes.push(replace('lockoutThreshold', [String(s.lockoutThreshold)]));
  if (s.lockoutDurationMinutes !== undefined) changes.push(replace('lockoutDuration', [minutes(s.lockoutDurationMinutes)]));
  if (s.lockoutWindowMinutes !== undefined) changes.push(replace('lockOutObservationWindow', [minutes(s.lockoutWindowMinutes)]));
  return changes;
}

/** Bind refusal → the `data XXX` code in AD's message (52e, 773 …). */
export function adBindDataCode(err: unknown): string | null {
  if (!(err instanceof Error)) return null;
  return /\bdata ([0-9a-f]{3,8})\b/i.exec(err.message)?.[1]?.toLowerCase() ?? null;
}

let shared: { dc: Promise<SambaDc>; users: number } | null = null;

/**
 * The process's Samba DC: started on first use (after taking the machine-wide lock), shared by every caller in
 * this process; each caller calls stop() once when done.
 */
export async function useSambaDc(o: { lockWaitMs?: number; startTimeoutMs?: number } = {}): Promise<SambaDc> {
  if (shared) {
    shared.users += 1;
    return shared.dc;
  }
  const state = { dc: startDc(o.lockWaitMs ?? 300_000, o.startTimeoutMs ?? 60_000), users: 1 };
  shared = state;
  try {
    return await state.dc;
  } catch (err) {
    shared = null;
    throw err;
  }
}

async function startDc(lockWaitMs: number, startTimeoutMs: number): Promise<SambaDc> {
  await takeLock(lockWaitMs);
  process.once('exit', releaseLock);
  let dir: string | null = null;
  try {
    await sweepDeadRuns();
    const template = await ensureTemplate();
    const c0 = performance.now();
    dir = await copyTemplate(template.dir);
    const runDir = dir;
    process.once('exit', () => rmSync(runDir, { recursive: true, force: true }));
    const copyMs = Math.round(performance.now() - c0);
    const s0 = performance.now();
    const started = await startSamba(dir, startTimeoutMs);
    const timings = { provisionMs: template.provisionMs, copyMs, startMs: Math.round(performance.now() - s0) };
    return makeHandle(dir, started.child, started.admin, timings);
  } catch (err) {
    if (dir) await rm(dir, { recursive: true, force: true });
    releaseLock();
    throw err;
  }
}

function makeHandle(dir: string, child: ChildProcess, admin: Client, timings: SambaTimings): SambaDc {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const dc: SambaDc = {
    url: SAMBA_URL,
    startTlsUrl: SAMBA_STARTTLS_URL,
    baseDn: SAMBA_BASE_DN,
    service: { dn: SERVICE_DN, password: SERVICE_PASSWORD },
    timings,
    directorySettings: (overrides = {}) => ({
      kind: 'active-directory',
      urls: [SAMBA_URL],
      startTls: false,
      ca: null,
      tlsVerify: false,
      bindDn: SERVICE_DN,
      bindPassword: SERVICE_PASSWORD,
      userBase: PEOPLE_OU,
      userFilter: '(&(objectClass=user)(|(sAMAccountName={login})(userPrincipalName={login})(mail={login})))',
      attributes: { login: 'sAMAccountName', mail: 'mail', displayName: 'displayName', id: 'objectGUID' },
      groupRoles: [
        { group: HELPDESK_GROUP, role: 'helpdesk' },
        { group: ADMIN_GROUP, role: 'admin' },
      ],
      timeoutMs: 5_000,
      connectTimeoutMs: 2_000,
      poolSize: 4,
      ...overrides,
    }),
    async addUser(u) {
      const dn = `CN=${u.sam},${PEOPLE_OU}`;
      const upn = `${u.sam}@${UPN_SUFFIX}`;
      const mail = u.mail ?? `${u.sam}@example.test`;
      const givenName = u.givenName ?? u.sam;
      await admin.add(dn, [
        new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
        new Attribute({ type: 'sAMAccountName', values: [u.sam] }),
        new Attribute({ type: 'userPrincipalName', values: [upn] }),
        new Attribute({ type: 'mail', values: [mail] }),
        new Attribute({ type: 'givenName', values: [givenName] }),
        new Attribute({ type: 'displayName', values: [`${givenName} Test`] }),
        new Attribute({ type: 'unicodePwd', values: [utf16Password(u.password)] }),
        new Attribute({ type: 'userAccountControl', values: ['512'] }),
      ]);
      for (const group of u.groups ?? []) {
        await admin.modify(group, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [dn] }) }));
      }
      return { sam: u.sam, dn, upn, mail, password: u.password };
    },
    async simpleBind(dnOrUpn, password) {
      return (await dc.bindErrorCode(dnOrUpn, password)) === null;
    },
    async bindErrorCode(dnOrUpn, password) {
      const client = adminClient();
      try {
        await client.bind(dnOrUpn, password);
        return null;
      } catch (err) {
        if (err instanceof InvalidCredentialsError) return adBindDataCode(err) ?? 'unknown';
        throw err;
      } finally {
        await client.unbind().catch(() => {});
      }
    },
    async setPasswordSettings(s) {
      const changes = domainAttributes(s);
      if (changes.length > 0) await admin.modify(SAMBA_BASE_DN, changes);
    },
    restorePasswordSettings: () => dc.setPasswordSettings(BASE_PASSWORD_SETTINGS),
    async addFineGrainedPolicy(p) {
      const b = BASE_PASSWORD_SETTINGS;
      const dn = `CN=${p.name},${PSO_CONTAINER}`;
      await admin.add(dn, {
        objectClass: ['msDS-PasswordSettings'],
        'msDS-PasswordSettingsPrecedence': String(p.precedence),
        'msDS-PasswordReversibleEncryptionEnabled': 'FALSE',
        'msDS-PasswordHistoryLength': String(p.historyLength ?? b.historyLength),
        'msDS-PasswordComplexityEnabled': (p.complexity ?? b.complexity) ? 'TRUE' : 'FALSE',
        'msDS-MinimumPasswordLength': String(p.minLength),
        'msDS-MinimumPasswordAge': filetimeInterval((p.minAgeDays ?? b.minAgeDays) * 86_400_000),
        'msDS-MaximumPasswordAge': p.maxPwdAgeRaw ?? filetimeInterval(b.maxAgeDays * 86_400_000),
        'msDS-LockoutThreshold': String(p.lockoutThreshold ?? b.lockoutThreshold),
        'msDS-LockoutObservationWindow': filetimeInterval(b.lockoutWindowMinutes * 60_000),
        'msDS-LockoutDuration': filetimeInterval(b.lockoutDurationMinutes * 60_000),
        'msDS-PSOAppliesTo': p.appliesTo,
      });
      return dn;
    },
    async removeFineGrainedPolicy(name) {
      await admin.del(`CN=${name},${PSO_CONTAINER}`);
    },
    async disableUser(dn) {
      await admin.modify(dn, replace('userAccountControl', ['514']));
    },
    async replaceAttributes(dn, attributes) {
      await admin.modify(
        dn,
        Object.entries(attributes).map(([type, value]) => replace(type, [value])),
      );
    },
    async read(dn, attributes) {
      const { searchEntries } = await admin.search(dn, { scope: 'base', attributes });
      const entry = searchEntries[0];
      if (!entry) throw new Error(`samba-ad: no entry ${dn}`);
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(entry)) out[k] = Array.isArray(v) ? v.map(String) : String(v);
      return out;
    },
    freeze: () => process.kill(child.pid!, 'SIGSTOP'),
    thaw: () => process.kill(child.pid!, 'SIGCONT'),
    async stop() {
      if (!shared) return;
      shared.users -= 1;
      if (shared.users > 0) return;
      shared = null;
      await admin.unbind().catch(() => {});
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGCONT');
        child.stdin!.end();
        process.kill(child.pid!, 'SIGTERM');
      }
      await exited;
      await rm(dir, { recursive: true, force: true });
      releaseLock();
    },
  };
  return dc;
}

/**
 * The PASSDESK_DIRECTORY_* settings that point an app at this DC: LDAPS with its self-signed certificate (verification
 * off, which the test environment allows) and the service account, whose password is written into `dir`.
 */
export function sambaDirectoryConfig(dc: SambaDc, dir: string): Record<string, unknown> {
  writeFileSync(join(dir, 'bind-password'), `${dc.service.password}\n`);
  return {
    directoryKind: 'active-directory',
    directoryUrl: [dc.url],
    directoryTlsVerify: false,
    directoryBindDn: dc.service.dn,
    directoryBindPasswordFile: join(dir, 'bind-password'),
    directoryUserBase: PEOPLE_OU,
  };
}
