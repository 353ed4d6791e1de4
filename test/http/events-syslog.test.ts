// Events out to a real syslog receiver: rsyslogd on loopback ports (test/helpers/rsyslog.ts) receives what real
// flows recorded, over TCP and over TLS, and its own RFC 5424 parser must find every field where it belongs. A
// receiver whose certificate does not chain to the configured CA is refused: nothing is sent, the copy waits.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, PASSWORD, type TestApp } from '../helpers/app.js';
import { startRsyslog, type ReceivedSyslog, type TestRsyslog } from '../helpers/rsyslog.js';
import type { AuditEvent } from '../../src/store/index.js';

/** RFC 5424 §6: HEADER SP STRUCTURED-DATA [SP MSG], read by a grammar of our own beside rsyslog's. */
const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[(?:[^\]"\\]|"(?:[^"\\]|\\.)*")*\]) (.*)$/s;

function sdParams(sd: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const m of sd.matchAll(/ ([^=\s\]"]+)="((?:[^"\\]|\\.)*)"/g)) params[m[1]!] = m[2]!.replace(/\\(["\\\]])/g, '$1');
  return params;
}

async function eventsOf(t: TestApp): Promise<AuditEvent[]> {
  return (await t.store.events.queryEvents({ limit: 100 })).reverse();
}

describe('events out over syslog (a real rsyslogd)', () => {
  let rsyslog: TestRsyslog;
  before(async () => {
    rsyslog = await startRsyslog();
  });
  after(() => rsyslog.stop());

  test('over TCP: each event of real flows arrives once, in order, as RFC 5424 with the right PRI, timestamp, names and fields', async () => {
    const t = await startTestApp({
      config: {
        eventsSyslogUrl: `tcp://127.0.0.1:${rsyslog.tcpPort}`,
        eventsSyslogFacility: 'local3',
        eventsSyslogAppName: 'passdesk-test',
        eventsSyslogHostname: 'node-a.example.org',
      },
    });
    try {
      const c = t.client();
      await c.signUp('ann@example.org', PASSWORD, 'Ann');
      t.clock.advance(1500);
      assert.equal((await t.client().signIn('ann@example.org', 'not the password at all')).statusCode, 401);
      t.clock.advance(1500);
      assert.equal((await t.client().signIn('ann@example.org', PASSWORD)).statusCode, 201);
      const recorded = await eventsOf(t);
      assert.ok(recorded.length >= 3, `recorded ${recorded.map((e) => e.type).join(', ')}`);
      const before = rsyslog.received().length;
      const round = await t.app.events.drain();
      assert.deepEqual([round.sent, round.retrying, round.failed], [recorded.length, 0, 0]);
      const got = (await rsyslog.waitFor(before + recorded.length)).slice(before);
      assert.equal(got.length, recorded.length, 'once each');
      const ann = await t.store.accounts.findAccountByEmail('ann@example.org');
      for (const [i, e] of recorded.entries()) {
        const r = got[i]!;
        const severity = e.type === 'signin.failed' ? 4 : 6;
        assert.deepEqual(
          [r.version, r.pri, r.facility, r.severity, r.hostname, r.appname, r.procid, r.msgid],
          ['1', String(19 * 8 + severity), '19', String(severity), 'node-a.example.org', 'passdesk-test', '-', e.type],
        );
        assert.equal(new Date(r.timestamp).getTime(), e.createdAt, 'TIMESTAMP is when the event happened');
        const raw = RFC5424.exec(r.raw);
        assert.ok(raw, `RFC 5424 by our grammar too: ${r.raw}`);
        assert.equal(raw[2], new Date(e.createdAt).toISOString());
        const sd = sdParams(r.sd);
        assert.match(r.sd, /^\[passdesk@32473 /);
        assert.deepEqual([sd['eventId'], sd['type'], sd['account'], sd['ip']], [String(e.id), e.type, ann!.id, '127.0.0.1']);
        assert.equal(sd['device'], e.device ?? undefined);
        for (const [k, v] of Object.entries(e.detail ?? {})) if (typeof v === 'string') assert.equal(sd[`detail.${k}`], v, `detail.${k}`);
        const body = JSON.parse(r.msg) as { type: string; data: { eventId: number; accountId: string; uid: string } };
        assert.deepEqual([body.type, body.data.eventId, body.data.accountId, body.data.uid], [e.type, e.id, ann!.id, sd['uid']]);
      }
      const failed = got.find((r) => r.msgid === 'signin.failed')!;
      assert.equal(sdParams(failed.sd)['detail.reason'], 'wrong_password', 'the detail travels as structured data');
      assert.equal((await t.app.events.drain()).claimed, 0, 'nothing is sent twice');
    } finally {
      await t.close();
    }
  });

  test('over TLS with the configured CA: delivered, the certificate checked against the name in the URL', async () => {
    const t = await startTestApp({ config: { eventsSyslogUrl: `tls://localhost:${rsyslog.tlsPort}`, eventsSyslogCaFile: rsyslog.caFile } });
    try {
      await t.client().signUp('tls@example.org', PASSWORD);
      const before = rsyslog.received().length;
      assert.equal((await t.app.events.drain()).sent, 1);
      const [r] = (await rsyslog.waitFor(before + 1)).slice(before) as [ReceivedSyslog];
      assert.equal(r.msgid, 'account.created');
      assert.equal(r.facility, '10', 'authpriv unless configured');
      assert.ok(RFC5424.test(r.raw));
    } finally {
      await t.close();
    }
  });

  test('over TLS with a wrong CA, or a name the certificate does not carry: refused before anything is sent; the copy waits to be retried', async () => {
    const wrong = await startTestApp({ config: { eventsSyslogUrl: `tls://localhost:${rsyslog.tlsPort}`, eventsSyslogCaFile: rsyslog.otherCaFile } });
    const before = rsyslog.received().length;
    try {
      await wrong.client().signUp('wrong-ca@example.org', PASSWORD);
      const round = await wrong.app.events.drain();
      assert.deepEqual([round.sent, round.retrying], [0, 1]);
      const [row] = await wrong.store.eventDeliveries.listDeliveries({ limit: 1 });
      assert.equal(row?.state, 'retrying');
      assert.match(row?.lastError ?? '', /certificate|verify/i);
      assert.equal(rsyslog.received().length, before, 'rsyslogd received nothing');
    } finally {
      await wrong.close();
    }
    // The name in the URL must be on the certificate too: the same server reached as 127.0.0.1 is not (it names localhost).
    const misnamed = await startTestApp({ config: { eventsSyslogUrl: `tls://127.0.0.1:${rsyslog.tlsPort}`, eventsSyslogCaFile: rsyslog.caFile } });
    try {
      await misnamed.client().signUp('misnamed@example.org', PASSWORD);
      assert.equal((await misnamed.app.events.drain()).retrying, 1);
      const [row] = await misnamed.store.eventDeliveries.listDeliveries({ limit: 1 });
      assert.match(row?.lastError ?? '', /altnames|IP: 127\.0\.0\.1 is not in the cert/i);
      assert.equal(rsyslog.received().length, before);
    } finally {
      await misnamed.close();
    }
  });
});
