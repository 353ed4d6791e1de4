// Transport security and signing against a real SMTP server: STARTTLS insisted on (and refused when the
// server does not offer it), TLS from the start (smtps://), and DKIM signatures with the configured selector.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, PASSWORD, type TestApp } from '../helpers/app.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';
import { queueNotice } from '../../src/mail/notices.js';
import { registerAccount } from '../../src/flows/register.js';

// Throwaway keys made for this run, never committed: a self-signed certificate for 127.0.0.1 (openssl)
// and an RSA key for DKIM. They live in a temporary directory removed when the process exits.
const keyDir = mkdtempSync(join(tmpdir(), 'passdesk-mail-keys-'));
process.on('exit', () => rmSync(keyDir, { recursive: true, force: true }));
const fixture = (name: string): string => join(keyDir, name);
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    fixture('smtp-test-key.pem'),
    '-out',
    fixture('smtp-test-cert.pem'),
  ],
  { stdio: 'ignore' },
);
writeFileSync(fixture('dkim-test-key.pem'), generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }), {
  mode: 0o600,
});
const tls = { key: readFileSync(fixture('smtp-test-key.pem')), cert: readFileSync(fixture('smtp-test-cert.pem')) };

async function queueOne(t: TestApp, email: string): Promise<string> {
  // Made as the CLI makes accounts (no confirmation email): the one message is the notice below.
  await registerAccount(t.app.deps, { email, password: PASSWORD }, { ip: null, userAgent: null }, { kind: 'cli' });
  const account = (await t.store.accounts.findAccountByEmail(email))!;
  const [q] = await t.store.transaction((tx) =>
    queueNotice(tx, t.app.deps, { account, notice: { code: 'new-device-sign-in' }, origin: { device: 'Test', ip: '127.0.0.1' } }),
  );
  return q!.id;
}

async function withApp(smtp: TestSmtpServer, config: Record<string, unknown>, fn: (t: TestApp) => Promise<void>): Promise<void> {
  const t = await startTestApp({ config: { smtpCaFile: fixture('smtp-test-cert.pem'), ...config } });
  try {
    await fn(t);
  } finally {
    await t.close();
    await smtp.close();
  }
}

describe('SMTP transport security', () => {
  it('PASSDESK_SMTP_SECURITY=starttls upgrades the connection, trusting the configured CA', async () => {
    const smtp = await startSmtpServer({ disabledCommands: [], ...tls });
    await withApp(smtp, { smtpUrl: smtp.url, smtpSecurity: 'starttls' }, async (t) => {
      await queueOne(t, 'starttls@example.org');
      assert.equal((await t.app.mail.worker!.drain()).sent, 1);
      assert.equal(smtp.received[0]?.secure, true);
    });
  });

  it('starttls refuses to send in the clear when the server does not offer STARTTLS', async () => {
    const smtp = await startSmtpServer();
    await withApp(smtp, { smtpUrl: smtp.url, smtpSecurity: 'starttls' }, async (t) => {
      const id = await queueOne(t, 'cleartext@example.org');
      assert.equal((await t.app.mail.worker!.drain()).retrying, 1);
      assert.equal(smtp.received.length, 0);
      assert.equal((await t.store.outbox.findMessage(id))?.state, 'retrying');
    });
  });

  it('smtps:// speaks TLS from the start', async () => {
    const smtp = await startSmtpServer({ secure: true, ...tls });
    await withApp(smtp, { smtpUrl: `smtps://127.0.0.1:${smtp.port}`, smtpSecurity: 'tls' }, async (t) => {
      await queueOne(t, 'implicit@example.org');
      assert.equal((await t.app.mail.worker!.drain()).sent, 1);
      assert.equal(smtp.received[0]?.secure, true);
    });
  });
});

describe('DKIM', () => {
  it('with a key and a selector every message is signed for the From domain', async () => {
    const smtp = await startSmtpServer();
    await withApp(
      smtp,
      {
        smtpUrl: smtp.url,
        smtpSecurity: 'none',
        mailFrom: 'Example <security@example.org>',
        dkimPrivateKey: fixture('dkim-test-key.pem'),
        dkimSelector: 'passdesk2026',
      },
      async (t) => {
        await queueOne(t, 'signed@example.org');
        await t.app.mail.worker!.drain();
        const sig = smtp.received[0]?.headers.get('dkim-signature') ?? '';
        assert.match(sig, /\bd=example\.org;/);
        assert.match(sig, /\bs=passdesk2026;/);
        assert.match(sig, /\bb=[A-Za-z0-9+/=\s]{100,}/);
      },
    );
  });

  it('a key without a selector is a configuration error at start', async () => {
    await assert.rejects(startTestApp({ config: { dkimPrivateKey: fixture('dkim-test-key.pem') } }), /PASSDESK_DKIM_PRIVATE_KEY and PASSDESK_DKIM_SELECTOR/);
  });
});
