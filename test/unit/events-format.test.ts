// Events out, the pure parts: the RFC 5424 message and its RFC 6587 framing, the Standard Webhooks signature (the
// specification's own test vector), what of an event is public (secret-looking detail redacted), which types are
// sent, and the settings refused at start with one line each.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { escapeParamValue, formatSyslogMessage, octetCounted, severityOf, structuredData } from '../../src/events/syslog.js';
import { webhookBody, webhookDestination, webhookSignature } from '../../src/events/webhook.js';
import { parseWebhookSecret } from '../../src/events/settings.js';
import { eventTypeMatcher, publicEvent, REDACTED, type PublicEvent } from '../../src/core/public-event.js';
import { loadConfig, ConfigError } from '../../src/config.js';
import { EVENT_TYPES } from '../../src/store/events.js';

const event: PublicEvent = {
  uid: '3f1c2e9a-5b1d-4c8e-9f00-0a1b2c3d4e5f',
  eventId: 42,
  type: 'signin.failed',
  time: Date.UTC(2026, 10, 23, 9, 30, 15, 123),
  accountId: 'acc-1',
  actorId: null,
  ip: '2001:db8::1',
  device: 'Firefox on Linux',
  sessionId: null,
  detail: { reason: 'wrong_password', attempts: 3, nested: { why: 'a "quoted" ] \\ value' } },
};
const syslog = { facility: 10, hostname: 'id.example.org', appName: 'passdesk', sdId: 'passdesk@32473' };

describe('RFC 5424 messages', () => {
  test('header: PRI = facility × 8 + severity, version 1, RFC 3339 UTC timestamp, hostname, app-name, no procid, msgid = type', () => {
    const m = formatSyslogMessage(event, syslog);
    assert.ok(m.startsWith('<84>1 2026-11-23T09:30:15.123Z id.example.org passdesk - signin.failed [passdesk@32473 '), m);
    assert.equal(formatSyslogMessage({ ...event, type: 'admin.account.disable' }, { ...syslog, facility: 16 }).slice(0, 6), '<133>1');
    assert.equal(formatSyslogMessage({ ...event, type: 'account.created' }, { ...syslog, facility: 0 }).slice(0, 5), '<6>1 ');
  });

  test('severity: failures and lockouts warn, staff actions are notices, the rest informational', () => {
    assert.deepEqual(
      [
        'signin.failed',
        'signin.locked',
        'password.reset_code_failed',
        'account.reported',
        'passkey.counter_regressed',
        'admin.account.unlock',
        'signin.succeeded',
      ].map(severityOf),
      [4, 4, 4, 4, 4, 5, 6],
    );
  });

  test('structured data: the fields by name, nulls left out, detail flattened, ", \\ and ] escaped (§6.3.3)', () => {
    assert.equal(escapeParamValue('a"b\\c]d'), 'a\\"b\\\\c\\]d');
    assert.equal(
      structuredData(event, 'passdesk@32473'),
      '[passdesk@32473 uid="3f1c2e9a-5b1d-4c8e-9f00-0a1b2c3d4e5f" eventId="42" type="signin.failed" account="acc-1" ip="2001:db8::1" device="Firefox on Linux" ' +
        'detail.reason="wrong_password" detail.attempts="3" detail.nested.why="a \\"quoted\\" \\] \\\\ value"]',
    );
  });

  test('no control character or line separator leaves raw, in structured data or MSG: a value cannot forge a line', () => {
    // An administrator's audit filter is recorded as typed (admin.audit.read detail.filter), line breaks included.
    const forged = 'x\n<13>1 2026-11-23T09:30:15.123Z id.example.org passdesk - forged [x@1] all quiet\r\u0085\u2028\u2029\u007f\u0000\t';
    const e: PublicEvent = { ...event, type: 'admin.audit.read', detail: { filter: { person: forged } } };
    const m = formatSyslogMessage(e, syslog);
    assert.doesNotMatch(m, /[\p{Cc}\p{Zl}\p{Zp}]/u, JSON.stringify(m));
    assert.match(structuredData(e, 'passdesk@32473'), / detail\.filter\.person="x\\\\u000a<13>1 /, 'shown as \\u000a (its backslash escaped, §6.3.3)');
    const msg = m.slice(m.indexOf('] {') + 2);
    assert.deepEqual((JSON.parse(msg) as { data: PublicEvent }).data, e, 'MSG still carries the value exactly');
  });

  test('MSG is the webhook body: JSON, without a BOM', () => {
    const m = formatSyslogMessage(event, syslog);
    const msg = m.slice(m.indexOf('] {') + 2);
    assert.equal(msg, webhookBody(event));
    assert.deepEqual((JSON.parse(msg) as { data: PublicEvent }).data, event);
    assert.ok(!m.includes('\ufeff'));
  });

  test('octet counting: the length in bytes, not characters', () => {
    assert.equal(octetCounted('<14>1 - - - - - - é'), '20 <14>1 - - - - - - é');
    const framed = octetCounted(formatSyslogMessage({ ...event, device: 'Gerät „ü“' }, syslog));
    const [len, ...rest] = framed.split(' ');
    assert.equal(Number(len), Buffer.byteLength(rest.join(' ')));
  });

  test('a MSGID longer than 32 characters is cut (§6.2.7)', () => {
    const m = formatSyslogMessage({ ...event, type: 'x'.repeat(40) }, syslog);
    assert.equal(m.split(' ')[5], 'x'.repeat(32));
  });
});

describe('webhook signatures', () => {
  test('the Standard Webhooks test vector', () => {
    const key = parseWebhookSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    assert.ok(key);
    const sig = webhookSignature(key, { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330, body: '{"test": 2432232314}' });
    assert.equal(sig, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  test('the reference library verifies what Passdesk signs', () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const body = webhookBody(event);
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': event.uid,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': webhookSignature(parseWebhookSecret(secret)!, { id: event.uid, timestamp, body }),
    };
    assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
    assert.throws(() => new Webhook(secret).verify(body.replace('acc-1', 'acc-2'), headers));
  });

  test('secrets: whsec_ and 24–64 bytes of base64; anything else is refused', () => {
    assert.equal(parseWebhookSecret(`whsec_${Buffer.alloc(32).toString('base64')}\n`)?.length, 32);
    for (const bad of ['', 'secret', `whsec_${Buffer.alloc(16).toString('base64')}`, `whsec_${Buffer.alloc(65).toString('base64')}`, 'whsec_!!!']) {
      assert.equal(parseWebhookSecret(bad), null, bad);
    }
  });

  test('a destination key names no part of the URL (a query may hold a token)', () => {
    const key = webhookDestination('https://siem.example.org/hook?token=abc');
    assert.match(key, /^webhook:[0-9a-f]{16}$/);
    assert.notEqual(key, webhookDestination('https://siem.example.org/hook?token=abd'));
  });
});

describe('what of an event leaves', () => {
  test('detail values under secret-looking names are redacted, whatever a flow wrote; descriptions stay', () => {
    const p = publicEvent({
      ...event,
      detail: {
        reason: 'wrong_password',
        token: 'abc',
        resetToken: 'abc',
        sessionSecret: 'abc',
        passwordHash: '$argon2id$…',
        password: 'hunter2 hunter2',
        newPassword: 'x',
        code: '12345678',
        nested: { cookie: 'c', ok: 1 },
        list: [{ otp: '123456' }],
      },
    });
    assert.deepEqual(p.detail, {
      reason: 'wrong_password',
      token: REDACTED,
      resetToken: REDACTED,
      sessionSecret: REDACTED,
      passwordHash: REDACTED,
      password: REDACTED,
      newPassword: REDACTED,
      code: REDACTED,
      nested: { cookie: REDACTED, ok: 1 },
      list: [{ otp: REDACTED }],
    });
    assert.deepEqual(publicEvent({ ...event, detail: { password: 'bcrypt', line: 3, set: true, passkeyId: 'pk-1' } }).detail, {
      password: 'bcrypt',
      line: 3,
      set: true,
      passkeyId: 'pk-1',
    });
  });

  test('type patterns: *, families and single types', () => {
    const some = eventTypeMatcher(['signin.*', 'password.changed']);
    assert.deepEqual(['signin.failed', 'signin.succeeded', 'signout', 'password.changed', 'password.change_failed'].map(some), [
      true,
      true,
      false,
      true,
      false,
    ]);
    assert.ok(eventTypeMatcher(['*'])('anything'));
    assert.ok(EVENT_TYPES.includes('admin.account.disable') && EVENT_TYPES.includes('signin.failed'));
  });
});

describe('PASSDESK_EVENTS_* at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'passdesk-events-config-'));
  const base = { PASSDESK_SECRET: 'x'.repeat(40), PASSDESK_DATA_DIR: dir };
  const load = (env: Record<string, string>) => loadConfig({ env: { ...base, ...env }, persistSecret: false });
  const refusal = (env: Record<string, string>): string => {
    try {
      load(env);
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.ok(!err.message.includes('\n'), 'one line');
      return err.message;
    }
    assert.fail('accepted');
  };
  const secretFile = join(dir, 'secret-file');
  writeFileSync(secretFile, `whsec_${Buffer.alloc(32, 1).toString('base64')}\n`);

  test('unset: events out is off', () => {
    assert.equal(load({}).eventsOut, null);
  });

  test('resolved: syslog URL, facility, CA, webhook key and types', () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const c = load({
      PASSDESK_EVENTS_SYSLOG_URL: 'tls://siem.example.org:6514',
      PASSDESK_EVENTS_SYSLOG_CA_FILE: ca,
      PASSDESK_EVENTS_SYSLOG_FACILITY: 'local4',
      PASSDESK_EVENTS_WEBHOOK_URL: 'https://a.example.org/hook, https://b.example.org/hook',
      PASSDESK_EVENTS_WEBHOOK_SECRET_FILE: secretFile,
      PASSDESK_EVENTS_TYPES: 'signin.*, admin.*',
    }).eventsOut!;
    assert.deepEqual(
      [c.syslog?.protocol, c.syslog?.host, c.syslog?.port, c.syslog?.facility, c.syslog?.ca?.includes('BEGIN')],
      ['tls', 'siem.example.org', 6514, 20, true],
    );
    assert.deepEqual(c.webhookUrls, ['https://a.example.org/hook', 'https://b.example.org/hook']);
    assert.equal(c.webhookKey?.length, 32);
    assert.deepEqual(c.types, ['signin.*', 'admin.*']);
  });

  test('each bad setting is refused with a line that names it', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PASSDESK_EVENTS_SYSLOG_URL: 'udp://siem:514' }, /PASSDESK_EVENTS_SYSLOG_URL: expected tcp:\/\/host:port or tls:\/\/host:port/],
      [{ PASSDESK_EVENTS_SYSLOG_URL: 'tls://siem' }, /PASSDESK_EVENTS_SYSLOG_URL/],
      [
        { PASSDESK_EVENTS_SYSLOG_URL: 'tls://siem:6514', PASSDESK_EVENTS_SYSLOG_CA_FILE: join(dir, 'missing.pem') },
        /PASSDESK_EVENTS_SYSLOG_CA_FILE: cannot read .*ENOENT/,
      ],
      [{ PASSDESK_EVENTS_SYSLOG_URL: 'tls://siem:6514', PASSDESK_EVENTS_SYSLOG_CA_FILE: secretFile }, /holds no PEM certificate/],
      [{ PASSDESK_EVENTS_SYSLOG_URL: 'tcp://siem:514', PASSDESK_EVENTS_SYSLOG_FACILITY: 'local9' }, /PASSDESK_EVENTS_SYSLOG_FACILITY/],
      [{ PASSDESK_EVENTS_SYSLOG_APP_NAME: 'has space' }, /PASSDESK_EVENTS_SYSLOG_APP_NAME: expected 1–48 printable ASCII/],
      [{ PASSDESK_EVENTS_SYSLOG_SD_ID: 'passdesk' }, /PASSDESK_EVENTS_SYSLOG_SD_ID/],
      [{ PASSDESK_EVENTS_WEBHOOK_URL: 'https://a.example.org/' }, /PASSDESK_EVENTS_WEBHOOK_SECRET_FILE: required/],
      [{ PASSDESK_EVENTS_WEBHOOK_URL: 'https://a.example.org/', PASSDESK_EVENTS_WEBHOOK_SECRET_FILE: join(dir, 'nope') }, /cannot read .*ENOENT/],
      [{ PASSDESK_EVENTS_WEBHOOK_URL: 'https://a.example.org/', PASSDESK_EVENTS_WEBHOOK_SECRET_FILE: join(dir, 'ca.pem') }, /must hold one secret: whsec_/],
      [{ PASSDESK_EVENTS_WEBHOOK_URL: 'ftp://a.example.org/', PASSDESK_EVENTS_WEBHOOK_SECRET_FILE: secretFile }, /is not http\(s\)/],
      [
        { PASSDESK_ENV: 'production', PASSDESK_EVENTS_WEBHOOK_URL: 'http://siem.example.org/hook', PASSDESK_EVENTS_WEBHOOK_SECRET_FILE: secretFile },
        /plain http; events would cross the network readable/,
      ],
      [
        { PASSDESK_ENV: 'production', PASSDESK_EVENTS_SYSLOG_URL: 'tcp://siem.example.org:514' },
        /tcp:\/\/siem.example.org:514 is plain TCP; events would cross/,
      ],
      [{ PASSDESK_EVENTS_WEBHOOK_SECRET_FILE: secretFile }, /set, but PASSDESK_EVENTS_WEBHOOK_URL is not/],
      [{ PASSDESK_EVENTS_SYSLOG_URL: 'tcp://siem:514', PASSDESK_EVENTS_TYPES: 'signin.faild' }, /PASSDESK_EVENTS_TYPES: "signin.faild" names no event type/],
      [{ PASSDESK_EVENTS_SYSLOG_URL: 'tcp://siem:514', PASSDESK_EVENTS_TYPES: 'sign in' }, /PASSDESK_EVENTS_TYPES/],
    ];
    for (const [env, expected] of cases) assert.match(refusal(env), expected, JSON.stringify(env));
  });

  test('plain TCP syslog is taken in production only towards a relay on this machine', () => {
    for (const url of ['tcp://127.0.0.1:514', 'tcp://[::1]:514', 'tcp://localhost:514', 'tls://siem.example.org:6514'])
      assert.doesNotThrow(() => load({ PASSDESK_ENV: 'production', PASSDESK_EVENTS_SYSLOG_URL: url }), url);
  });

  test('a webhook URL is never echoed whole (its query may hold a token)', () => {
    const line = refusal({ PASSDESK_EVENTS_WEBHOOK_URL: 'https://user:pw@a.example.org/hook?token=sekrit', PASSDESK_EVENTS_WEBHOOK_SECRET_FILE: secretFile });
    assert.ok(!line.includes('sekrit') && !line.includes('pw@'), line);
  });

  test('cleanup', () => rmSync(dir, { recursive: true, force: true }));
});
