// A real syslog receiver for the events-out tests: Debian's `rsyslogd` (8.x) in the foreground with its own config
// in a throwaway temp dir, listening on 127.0.0.1 only — imtcp on one port for plain TCP and on another with the
// gtls driver (rsyslog-gnutls) for TLS, with a CA and a server certificate for the name localhost (not the address) made with
// `openssl` for this run. Every message it receives is written, as rsyslog itself parsed it (pri, facility,
// severity, version, timestamp, hostname, app-name, procid, msgid, structured data, msg, and the raw message), one
// JSON object a line, to a file the test reads. rsyslogd is killed by its PID on stop() and when the test process
// exits; the temp dir is removed either way.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './node-process.js';

const run = promisify(execFile);

/** One message as rsyslog parsed it (its RFC 5424 parser, pmrfc5424). */
export interface ReceivedSyslog {
  pri: string;
  facility: string;
  severity: string;
  version: string;
  timestamp: string;
  hostname: string;
  appname: string;
  procid: string;
  msgid: string;
  sd: string;
  msg: string;
  raw: string;
}

export interface TestRsyslog {
  tcpPort: number;
  tlsPort: number;
  /** PEM of the CA that signed the receiver's certificate. */
  caFile: string;
  /** PEM of a CA that signed nothing here (a wrong CA). */
  otherCaFile: string;
  /** Messages received so far. */
  received(): ReceivedSyslog[];
  /** Resolves once `n` messages were received (polls the output file; rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedSyslog[]>;
  /** rsyslogd's own complaints (TLS refusals and the like). */
  log(): string;
  stop(): Promise<void>;
}

const RSYSLOGD = '/usr/sbin/rsyslogd';

async function makeCertificates(dir: string): Promise<void> {
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...key, '-keyout', `${dir}/ca.key`, '-out', `${dir}/ca.pem`, '-days', '2', '-subj', '/CN=Passdesk test syslog CA']);
  await run('openssl', ['req', '-x509', ...key, '-keyout', `${dir}/other-ca.key`, '-out', `${dir}/other-ca.pem`, '-days', '2', '-subj', '/CN=Someone else']);
  await run('openssl', ['req', ...key, '-keyout', `${dir}/server.key`, '-out', `${dir}/server.csr`, '-subj', '/CN=localhost']);
  // Only the name localhost: tls://127.0.0.1 reaches the same server and must fail the name check.
  writeFileSync(`${dir}/san.cnf`, 'subjectAltName=DNS:localhost\n');
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

const FIELDS = ['pri', 'facility', 'severity', 'version', 'timestamp', 'hostname', 'appname', 'procid', 'msgid', 'sd', 'msg', 'raw'] as const;
const PROPERTIES: Record<(typeof FIELDS)[number], string> = {
  pri: 'pri',
  facility: 'syslogfacility',
  severity: 'syslogseverity',
  version: 'protocol-version',
  timestamp: 'timereported',
  hostname: 'hostname',
  appname: 'app-name',
  procid: 'procid',
  msgid: 'msgid',
  sd: 'structured-data',
  msg: 'msg',
  raw: 'rawmsg',
};

function config(dir: string, tcpPort: number, tlsPort: number): string {
  const props = FIELDS.map((f) => `  property(outname="${f}" name="${PROPERTIES[f]}" format="jsonf"${f === 'timestamp' ? ' dateFormat="rfc3339"' : ''})`).join(
    '\n',
  );
  return `global(workDirectory="${dir}" DefaultNetstreamDriverCAFile="${dir}/ca.pem" DefaultNetstreamDriverCertFile="${dir}/server.pem" DefaultNetstreamDriverKeyFile="${dir}/server.key")
module(load="imtcp" MaxSessions="100")
input(type="imtcp" address="127.0.0.1" port="${tcpPort}" ruleset="received")
input(type="imtcp" address="127.0.0.1" port="${tlsPort}" ruleset="received" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
template(name="parsed" type="list" option.jsonf="on") {
${props}
}
ruleset(name="received") { action(type="omfile" file="${dir}/received.jsonl" template="parsed" flushOnTXEnd="on" asyncWriting="off") }
`;
}

function waitForPort(port: number, deadline: number, exited: () => boolean, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (exited()) {
        reject(new Error(`rsyslogd exited: ${output()}`));
        return;
      }
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`rsyslogd did not listen on ${port} in time: ${output()}`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

export async function startRsyslog(): Promise<TestRsyslog> {
  const dir = mkdtempSync(join(tmpdir(), 'passdesk-rsyslog-'));
  let pid: number | undefined;
  const killOnExit = (): void => {
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  await makeCertificates(dir);
  const [tcpPort, tlsPort] = [await freePort(), await freePort()];
  writeFileSync(`${dir}/rsyslog.conf`, config(dir, tcpPort, tlsPort));
  let output = '';
  const child = spawn(RSYSLOGD, ['-n', '-f', `${dir}/rsyslog.conf`, '-i', `${dir}/rsyslogd.pid`], { stdio: ['ignore', 'pipe', 'pipe'] });
  pid = child.pid;
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  await waitForPort(
    tcpPort,
    deadline,
    () => child.exitCode !== null,
    () => output,
  );
  await waitForPort(
    tlsPort,
    deadline,
    () => child.exitCode !== null,
    () => output,
  );
  const received = (): ReceivedSyslog[] => {
    const file = `${dir}/received.jsonl`;
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as ReceivedSyslog);
  };
  return {
    tcpPort,
    tlsPort,
    caFile: `${dir}/ca.pem`,
    otherCaFile: `${dir}/other-ca.pem`,
    received,
    async waitFor(n, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const got = received();
        if (got.length >= n) return got;
        if (Date.now() > until) throw new Error(`rsyslogd received ${got.length} of ${n} messages: ${output}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    log: () => output,
    async stop() {
      if (child.exitCode === null && pid) process.kill(pid, 'SIGTERM');
      await exited;
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
