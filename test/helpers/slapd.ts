// A real OpenLDAP server for the directory tests: `slapd` (Debian 12, 2.5) in a throwaway temp dir with its own
// cn=config (written by `slapadd -n0` from an LDIF generated here) and an mdb database under dc=passdesk,dc=test.
// It loads the ppolicy overlay with a default policy (cn=default,ou=policies: min length 8, history 3, lockout
// after 5 failures within 300 s for 300 s, must change after reset, min age settable), hashes cleartext passwords
// ({ARGON2} when the module is there, else {SSHA}), the memberof overlay, and TLS with a CA and server certificate
// made with `openssl` for this run: StartTLS on ldap://127.0.0.1:PORT and ldaps:// on a second free port. A service
// account (cn=passdesk,ou=services) may read people and their ppolicy state and reset passwords; people may change
// their own. slapd runs in the foreground and is killed by its PID on stop() and when the test process exits; the
// temp dir is removed either way.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Attribute, Change, Client, Control } from 'ldapts';
import { freePort } from './node-process.js';

const run = promisify(execFile);

export const SLAPD_BASE = 'dc=passdesk,dc=test';
export const SLAPD_PEOPLE = `ou=people,${SLAPD_BASE}`;
export const SLAPD_GROUPS = `ou=groups,${SLAPD_BASE}`;
export const SLAPD_DEFAULT_POLICY = `cn=default,ou=policies,${SLAPD_BASE}`;
const ROOT_DN = `cn=admin,${SLAPD_BASE}`;
const SERVICE_DN = `cn=passdesk,ou=services,${SLAPD_BASE}`;
const RELAX_CONTROL = '1.3.6.1.4.1.4203.666.5.12';

/** ppolicy attributes as LDAP values (numbers in seconds, booleans as TRUE/FALSE). */
export type PolicyAttrs = Partial<Record<string, string | number | boolean>>;

export const DEFAULT_POLICY: PolicyAttrs = {
  pwdMinLength: 8,
  pwdInHistory: 3,
  pwdMinAge: 0,
  pwdMaxAge: 0,
  pwdMaxFailure: 5,
  pwdLockout: true,
  pwdFailureCountInterval: 300,
  pwdLockoutDuration: 300,
  pwdMustChange: true,
  pwdAllowUserChange: true,
  pwdSafeModify: false,
  pwdCheckQuality: 2,
  pwdGraceAuthNLimit: 0,
};

export interface TestSlapd {
  /** slapd's process id (the benchmark reads its CPU time from /proc). */
  pid: number;
  /** ldap://127.0.0.1:PORT (StartTLS available). */
  url: string;
  /** ldaps://127.0.0.1:PORT. */
  ldapsUrl: string;
  /** PEM of the CA that signed the server certificate (for localhost and 127.0.0.1). */
  ca: string;
  base: string;
  peopleBase: string;
  serviceDn: string;
  servicePassword: string;
  rootDn: string;
  rootPassword: string;
  defaultPolicyDn: string;
  /** Adds uid=UID under ou=people (password hashed by the server); `policy` gives the entry a policy of its own (the default's values overridden); `changedAt` backdates pwdChangedTime. Returns the DN. */
  addUser(u: { uid: string; mail: string; cn: string; password: string; policy?: PolicyAttrs; changedAt?: Date }): Promise<string>;
  /** A groupOfNames under ou=groups with these member DNs (memberOf appears on them). Returns the group DN. */
  addGroup(cn: string, memberDns: string[]): Promise<string>;
  /** The real `ldapwhoami` binary: does a simple bind as dn/password succeed? */
  ldapwhoami(dn: string, password: string): Promise<boolean>;
  /** Replaces attributes of the default policy (or of the policy entry `dn`). */
  setPolicy(attrs: PolicyAttrs, dn?: string): Promise<void>;
  /** Reads attributes of an entry as the root DN (operational ones included when named). */
  read(dn: string, attributes: string[]): Promise<Record<string, string[]>>;
  /** Kills slapd by its PID and removes the temp dir. */
  stop(): Promise<void>;
}

function ldapValue(v: string | number | boolean): string {
  return typeof v === 'boolean' ? (v ? 'TRUE' : 'FALSE') : String(v);
}

function generalizedTime(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

function schemaLdif(): string {
  return ['core', 'cosine', 'inetorgperson'].map((name) => readFileSync(`/etc/ldap/schema/${name}.ldif`, 'utf8').trim()).join('\n\n');
}

function configLdif(dir: string, rootPassword: string, passwordHash: string, modules: string[]): string {
  const access = [
    `to attrs=userPassword by self write by dn.exact="${SERVICE_DN}" write by anonymous auth by * none`,
    `to attrs=pwdReset,pwdAccountLockedTime by dn.exact="${SERVICE_DN}" write by self read by * none`,
    `to dn.subtree="${SLAPD_BASE}" by dn.exact="${SERVICE_DN}" read by self read by * none`,
  ];
  return `dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: ${dir}/slapd.pid
olcTLSCACertificateFile: ${dir}/ca.pem
olcTLSCertificateFile: ${dir}/server.pem
olcTLSCertificateKeyFile: ${dir}/server.key

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
${modules.map((m, i) => `olcModuleLoad: {${i}}${m}`).join('\n')}

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

${schemaLdif()}

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcPasswordHash: ${passwordHash}
olcAccess: {0}to dn.base="" by * read
olcAccess: {1}to dn.base="cn=subschema" by * read

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcDbDirectory: ${dir}/data
olcSuffix: ${SLAPD_BASE}
olcRootDN: ${ROOT_DN}
olcRootPW: ${rootPassword}
olcDbEnvFlags: nosync
olcDbIndex: objectClass eq
olcDbIndex: uid,mail eq
olcDbIndex: entryUUID eq
${access.map((a, i) => `olcAccess: {${i}}${a}`).join('\n')}

dn: olcOverlay={0}ppolicy,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcPPolicyConfig
olcOverlay: {0}ppolicy
olcPPolicyDefault: ${SLAPD_DEFAULT_POLICY}
olcPPolicyHashCleartext: TRUE
olcPPolicyUseLockout: TRUE

dn: olcOverlay={1}memberof,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOf
olcOverlay: {1}memberof
olcMemberOfRefInt: TRUE
`;
}

function policyLines(attrs: PolicyAttrs): string {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${ldapValue(v!)}`)
    .join('\n');
}

function dataLdif(servicePassword: string): string {
  return `dn: ${SLAPD_BASE}
objectClass: dcObject
objectClass: organization
dc: passdesk
o: Passdesk test

dn: ${SLAPD_PEOPLE}
objectClass: organizationalUnit
ou: people

dn: ${SLAPD_GROUPS}
objectClass: organizationalUnit
ou: groups

dn: ou=services,${SLAPD_BASE}
objectClass: organizationalUnit
ou: services

dn: ou=policies,${SLAPD_BASE}
objectClass: organizationalUnit
ou: policies

dn: ${SLAPD_DEFAULT_POLICY}
objectClass: applicationProcess
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
${policyLines(DEFAULT_POLICY)}

dn: ${SERVICE_DN}
objectClass: applicationProcess
objectClass: simpleSecurityObject
cn: passdesk
userPassword: ${servicePassword}
`;
}

async function makeCertificates(dir: string): Promise<void> {
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...key, '-keyout', `${dir}/ca.key`, '-out', `${dir}/ca.pem`, '-days', '2', '-subj', '/CN=Passdesk test CA']);
  await run('openssl', ['req', ...key, '-keyout', `${dir}/server.key`, '-out', `${dir}/server.csr`, '-subj', '/CN=localhost']);
  writeFileSync(`${dir}/san.cnf`, 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    `${dir}/server.csr`,
    '-CA',
    `${dir}/ca.pem`,
    '-CAkey',
    `${dir}/ca.key`,
    '-CAcreateserial',
    '-out',
    `${dir}/server.pem`,
    '-days',
    '2',
    '-extfile',
    `${dir}/san.cnf`,
  ]);
}

function waitForPort(port: number, child: ChildProcess, output: () => string, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null) {
        reject(new Error(`slapd exited (${child.exitCode}): ${output()}`));
        return;
      }
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`slapd did not listen on ${port} in time: ${output()}`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

async function asRoot<T>(url: string, rootPassword: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ url, timeout: 5000, connectTimeout: 2000 });
  try {
    await client.bind(ROOT_DN, rootPassword);
    return await fn(client);
  } finally {
    await client.unbind();
  }
}

/** Starts slapd; call stop() in an after/finally. */
export async function startSlapd(): Promise<TestSlapd> {
  const dir = mkdtempSync(join(tmpdir(), 'passdesk-slapd-'));
  let child: ChildProcess | null = null;
  const killOnExit = (): void => {
    if (child?.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  try {
    mkdirSync(`${dir}/slapd.d`);
    mkdirSync(`${dir}/data`);
    const rootPassword = `root-${Math.random().toString(36).slice(2)}`;
    const servicePassword = `service-${Math.random().toString(36).slice(2)}`;
    const hasArgon2 = existsSync('/usr/lib/ldap/argon2.la');
    const modules = ['back_mdb.la', 'ppolicy.la', 'memberof.la', ...(hasArgon2 ? ['argon2.la'] : [])];
    await makeCertificates(dir);
    writeFileSync(`${dir}/config.ldif`, configLdif(dir, rootPassword, hasArgon2 ? '{ARGON2}' : '{SSHA}', modules));
    writeFileSync(`${dir}/data.ldif`, dataLdif(servicePassword));
    await run('/usr/sbin/slapadd', ['-n0', '-F', `${dir}/slapd.d`, '-l', `${dir}/config.ldif`]);
    await run('/usr/sbin/slapadd', ['-n1', '-q', '-F', `${dir}/slapd.d`, '-l', `${dir}/data.ldif`]);
    const [port, ldapsPort] = [await freePort(), await freePort()];
    let output = '';
    const urls = `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${ldapsPort}/`;
    const started = spawn('/usr/sbin/slapd', ['-d', '0', '-F', `${dir}/slapd.d`, '-h', urls], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    started.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    await waitForPort(port, started, () => output, 5000);
    await waitForPort(ldapsPort, started, () => output, 5000);
    const url = `ldap://127.0.0.1:${port}`;
    const harnessSettings = { pid: started.pid ?? 0, dir, url, ldapsPort, rootPassword, servicePassword, ca: readFileSync(`${dir}/ca.pem`, 'utf8') };
    return harness(harnessSettings, async () => {
      if (started.exitCode === null && started.pid) process.kill(started.pid, 'SIGTERM');
      await exited;
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    });
  } catch (err) {
    killOnExit();
    process.removeListener('exit', killOnExit);
    throw err;
  }
}

function harness(
  s: { pid: number; dir: string; url: string; ldapsPort: number; rootPassword: string; servicePassword: string; ca: string },
  stop: () => Promise<void>,
): TestSlapd {
  const setPolicy = (attrs: PolicyAttrs, dn = SLAPD_DEFAULT_POLICY): Promise<void> =>
    asRoot(s.url, s.rootPassword, (c) =>
      c.modify(
        dn,
        Object.entries(attrs).map(
          ([type, v]) => new Change({ operation: 'replace', modification: new Attribute({ type, values: v === undefined ? [] : [ldapValue(v)] }) }),
        ),
      ),
    );
  return {
    pid: s.pid,
    url: s.url,
    ldapsUrl: `ldaps://127.0.0.1:${s.ldapsPort}`,
    ca: s.ca,
    base: SLAPD_BASE,
    peopleBase: SLAPD_PEOPLE,
    serviceDn: SERVICE_DN,
    servicePassword: s.servicePassword,
    rootDn: ROOT_DN,
    rootPassword: s.rootPassword,
    defaultPolicyDn: SLAPD_DEFAULT_POLICY,
    async addUser(u) {
      const dn = `uid=${u.uid},${SLAPD_PEOPLE}`;
      const attrs: Record<string, string[]> = {
        objectClass: ['inetOrgPerson'],
        uid: [u.uid],
        cn: [u.cn],
        sn: [u.cn.split(' ').pop() ?? u.cn],
        mail: [u.mail],
        userPassword: [u.password],
      };
      await asRoot(s.url, s.rootPassword, async (c) => {
        if (u.policy) {
          const policyDn = `cn=${u.uid},ou=policies,${SLAPD_BASE}`;
          const policy = { ...DEFAULT_POLICY, ...u.policy };
          const values: Record<string, string[]> = { objectClass: ['applicationProcess', 'pwdPolicy'], cn: [u.uid], pwdAttribute: ['userPassword'] };
          for (const [k, v] of Object.entries(policy)) if (v !== undefined) values[k] = [ldapValue(v)];
          await c.add(policyDn, values);
          attrs['pwdPolicySubentry'] = [policyDn];
        }
        // pwdChangedTime is the server's own; the Relax control lets the root DN backdate it.
        if (u.changedAt) attrs['pwdChangedTime'] = [generalizedTime(u.changedAt)];
        await c.add(dn, attrs, u.changedAt ? [new Control(RELAX_CONTROL, { critical: true })] : []);
      });
      return dn;
    },
    async addGroup(cn, memberDns) {
      const dn = `cn=${cn},${SLAPD_GROUPS}`;
      await asRoot(s.url, s.rootPassword, (c) => c.add(dn, { objectClass: ['groupOfNames'], cn: [cn], member: memberDns }));
      return dn;
    },
    async ldapwhoami(dn, password) {
      try {
        await run('/usr/bin/ldapwhoami', ['-x', '-H', s.url, '-D', dn, '-w', password]);
        return true;
      } catch (err) {
        if ((err as { code?: unknown }).code === 49) return false;
        throw err;
      }
    },
    setPolicy,
    async read(dn, attributes) {
      return asRoot(s.url, s.rootPassword, async (c) => {
        const { searchEntries } = await c.search(dn, { scope: 'base', attributes });
        const out: Record<string, string[]> = {};
        for (const [k, v] of Object.entries(searchEntries[0] ?? {})) out[k] = (Array.isArray(v) ? v : [v]).map(String);
        return out;
      });
    },
    stop,
  };
}

/**
 * The PASSDESK_DIRECTORY_* settings that point an app at this slapd: StartTLS with the run's CA and the service
 * account. The CA and the service account's password are written into `dir` (the settings name files).
 */
export function slapdDirectoryConfig(slapd: TestSlapd, dir: string): Record<string, unknown> {
  writeFileSync(join(dir, 'bind-password'), `${slapd.servicePassword}\n`);
  writeFileSync(join(dir, 'ca.pem'), slapd.ca);
  return {
    directoryKind: 'openldap',
    directoryUrl: [slapd.url],
    directoryStartTls: true,
    directoryCaFile: join(dir, 'ca.pem'),
    directoryBindDn: slapd.serviceDn,
    directoryBindPasswordFile: join(dir, 'bind-password'),
    directoryUserBase: slapd.peopleBase,
  };
}
