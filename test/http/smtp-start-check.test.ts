// At start (listen), a server that delivers mail connects to its SMTP server once: when that fails it logs one
// warning and serves anyway (emails wait in the outbox); it never delays the start.
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp } from '../../src/app.js';
import { manualClock } from '../../src/core/clock.js';
import { createSmtpTransport } from '../../src/mail/smtp.js';
import { testConfig } from '../helpers/config.js';
import { createMailSystem } from '../../src/mail/setup.js';
import { openStore } from '../../src/store/index.js';
import type { MailTransport } from '../../src/mail/smtp.js';
import { systemRandom } from '../../src/core/random.js';
import { startSmtpServer } from '../helpers/smtp.js';

/** A port nothing listens on: bound, then released (connections to it are refused at once). */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

interface LogLine {
  level: number;
  msg: string;
  reason?: string;
}

async function startAndStop(smtpUrl: string, extra: Record<string, unknown> = {}): Promise<{ lines: LogLine[]; raw: string; served: number }> {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  const config = testConfig({ smtpUrl, smtpSecurity: 'none', host: '127.0.0.1', port: 0, ...extra });
  const app = await createApp({ config, clock: manualClock(Date.UTC(2026, 10, 23, 9)), logger: pino({ level: 'info' }, sink) });
  let served = 0;
  try {
    const address = await app.listen();
    // Start-up did not wait for the check to decide whether to serve: the server answers at once.
    served = (await fetch(`${address}/healthz`)).status;
  } finally {
    await app.close(); // waits for the check, so its line (if any) is in the log
  }
  const raw = chunks.join('');
  return {
    lines: raw
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LogLine),
    raw,
    served,
  };
}

const smtpWarnings = (lines: LogLine[]): LogLine[] => lines.filter((l) => l.level === 40 && /SMTP server did not answer/.test(l.msg));

describe('SMTP checked at start', () => {
  it('a reachable SMTP server: no warning', async () => {
    const smtp = await startSmtpServer();
    try {
      const { lines, served } = await startAndStop(smtp.url);
      assert.equal(served, 200);
      assert.deepEqual(smtpWarnings(lines), []);
      assert.equal(smtp.received.length, 0, 'the check sends nothing');
    } finally {
      await smtp.close();
    }
  });

  it('a closed port: one warning line, the server serves anyway, no password in it', async () => {
    const port = await closedPort();
    const { lines, raw, served } = await startAndStop(`smtp://mailer:hunter2-secret@127.0.0.1:${port}`);
    assert.equal(served, 200);
    const warnings = smtpWarnings(lines);
    assert.equal(warnings.length, 1, raw);
    assert.match(warnings[0]!.reason ?? '', /ECONNREFUSED/);
    assert.ok(!raw.includes('hunter2-secret'));
  });

  it('a server that refuses the login: one warning line naming the refusal', async () => {
    const smtp = await startSmtpServer({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(_auth, _session, callback) {
        callback(new Error('Invalid username or password'));
      },
    });
    try {
      const { lines, raw } = await startAndStop(`smtp://mailer:wrong-secret@127.0.0.1:${smtp.port}`);
      const warnings = smtpWarnings(lines);
      assert.equal(warnings.length, 1, raw);
      assert.match(warnings[0]!.reason ?? '', /535|Invalid/);
      assert.ok(!raw.includes('wrong-secret'));
    } finally {
      await smtp.close();
    }
  });

  it('a node that does not deliver mail (PASSDESK_MAIL_WORKER=false) does not check', async () => {
    const port = await closedPort();
    const { lines } = await startAndStop(`smtp://127.0.0.1:${port}`, { mailWorker: false });
    assert.deepEqual(smtpWarnings(lines), []);
  });

  it('the transport check itself gives up after its timeout on a server that never greets', async () => {
    // A TCP server that accepts and says nothing: the SMTP greeting never comes.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const addr = silent.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${port}`, security: 'none', from: 'no-reply@localhost' });
    try {
      await assert.rejects(transport.verify!(300));
    } finally {
      transport.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

// Review finding (2026-12-07): the start check's reason is redacted like delivery errors.
test('the start check never logs a user:pass@ an error message carries (redacted like delivery errors)', async () => {
  const config = testConfig();
  const store = openStore(config.databaseUrl);
  const transport: MailTransport = {
    kind: 'smtp',
    description: 'SMTP (test)',
    async send() {
      throw new Error('unused');
    },
    // e.g. a proxy or a library that names the URL it could not reach
    async verify() {
      throw new Error('cannot reach smtp://mailer:hunter2-secret@mail.example.org:587');
    },
    close() {},
  };
  const mail = createMailSystem({ config, store, clock: manualClock(0), random: systemRandom, transport });
  try {
    const reason = await mail.checkSmtp(1000);
    assert.ok(reason !== null);
    assert.ok(!reason.includes('hunter2-secret'), `start-check reason logged as is: ${reason}`);
  } finally {
    await mail.close();
    await store.close();
  }
});
