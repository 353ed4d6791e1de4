// An outside review found: a stranger writes text of their choice into a genuine Passdesk email. The "account locked" notice
// (sent to the owner when strangers reach the per-account limit) shows "Device:" as describeDevice(User-Agent), and
// Bowser's generic fallback takes everything before the first "/" of an unknown agent as the browser name. So the
// attacker's last guess carries e.g. "URGENT ... unlock at https://evil.example/unlock or call …" into a DKIM-signed
// email that also shows the owner's anti-phishing phrase (the phrase is meant to prove the email is genuine). The
// same text lands in the signin.locked audit event (activity page). C1 controls (U+0085) and soft hyphens (U+00AD),
// which Node accepts in header values as obs-text, pass through too, past the issue-12 free-text rule.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, PASSWORD } from '../helpers/app.js';

const EVIL_UA = 'URGENT: this account will be deleted today. Unlock it at https://evil.example/unlock or call 555-0100\u0085\u00ad/1.0 (x';

describe('stranger-controlled text in the account-locked email', () => {
  test('the lockout notice does not carry text the attacker put in User-Agent', async () => {
    const t = await startTestApp({ config: { signInAccountLimit: 3, signInDelayFrom: 100 } });
    try {
      const owner = t.client();
      assert.equal((await owner.signUp('victim@example.org', PASSWORD)).statusCode, 201);
      assert.equal((await owner.put('/api/v1/security/anti-phishing-phrase', { phrase: 'blue heron' })).statusCode < 500, true);
      for (let i = 0; i < 3; i++) {
        const res = await t.app.server.inject({
          method: 'POST',
          url: '/api/v1/sessions',
          remoteAddress: `203.0.113.${i + 1}`,
          headers: { 'content-type': 'application/json', origin: t.baseUrl, 'user-agent': EVIL_UA },
          payload: JSON.stringify({ email: 'victim@example.org', password: `wrong ${i}` }),
        });
        assert.equal(res.statusCode, 401);
      }
      await t.app.deps.background!.idle();
      const [mail] = (await t.store.outbox.listMessages({ limit: 50, to: 'victim@example.org' })).filter((m) => m.template === 'account-locked');
      assert.ok(mail, 'the owner is told of the lockout');
      const deviceLine = mail.text.split('\n').find((l) => /Device:/.test(l));
      assert.ok(
        !/evil\.example|555-0100|[\u0080-\u009f\u00ad]/.test(mail.text + mail.html),
        `the genuine email carries the attacker's text: ${JSON.stringify(deviceLine)}`,
      );
    } finally {
      await t.close();
    }
  });
});
