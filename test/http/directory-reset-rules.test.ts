// The reset's new-password page shows the rules of the flow's account: for a directory account, the directory's
// policy merged with Passdesk's (as the change page does), against a real OpenLDAP (test/helpers/slapd.ts) whose
// entry has a policy of its own with pwdMinLength 20. The page, the passwordrules attribute, its live check, the
// page's refusal and the API's refusal all say 20; the directory is proved untouched from outside, then the reset
// goes through; signed in, the live check says 20 too.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, errorCode, type TestApp, type TestClient } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';
import { startSlapd, type TestSlapd, slapdDirectoryConfig } from '../helpers/slapd.js';
import { openDirectory } from '../../src/directory/index.js';
import { systemClock } from '../../src/core/clock.js';

const BASE = 'https://id.example.org';
const FIRST = 'Tulip-Granite-Harbour-47';
/** 24 characters: enough for the directory's 20. */
const LONG = 'Copper-Orchard-Whistle-69';
/** 14 characters: enough for Passdesk's minimum of 12 here, short of the directory's 20. */
const MEDIUM = 'Maple-Stone-71';
const HTML = { headers: { accept: 'text/html' } };
const csrfOf = (body: string): string | undefined => /name="_csrf" value="([^"]+)"/.exec(body)?.[1];

describe('the reset page shows a directory account’s merged rules (OpenLDAP)', () => {
  let slapd: TestSlapd | undefined;
  let t: TestApp | undefined;
  let dir: string | undefined;

  before(async () => {
    slapd = await startSlapd();
    dir = mkdtempSync(join(tmpdir(), 'passdesk-dir-reset-'));
    const config = {
      baseUrl: BASE,
      devMailbox: true,
      passwordMinLength: 12,
      passwordMinStrength: 0,
      ...slapdDirectoryConfig(slapd, dir),
    };
    // The directory keeps its own time (pwdChangedTime): it is read with the real clock.
    t = await startTestApp({ config, directory: openDirectory(testConfig(config).directory!, { clock: systemClock }) });
  });
  after(async () => {
    try {
      await t?.close();
    } finally {
      try {
        await slapd?.stop();
      } finally {
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  /** A verified reset flow of this address, reached as a browser does: the emailed link, then its button. */
  async function verifiedFlow(c: TestClient, email: string): Promise<{ location: string; flowId: string }> {
    const app = t!;
    assert.equal((await c.post('/api/v1/password/reset', { email })).statusCode, 202);
    await app.app.deps.background!.idle();
    const account = await app.store.accounts.findAccountByEmail(email);
    assert.ok(account, 'the directory entry was found and linked');
    const [mail] = (await app.store.outbox.listMessages({ accountId: account.id, limit: 10 })).filter((m) => m.template === 'password-reset-requested');
    const token = /\/reset\?token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
    assert.ok(token, 'a reset link in the email');
    const opened = await c.get(`/reset?token=${token}`, HTML);
    const follow = await c.request('POST', '/reset/link', { form: { _csrf: csrfOf(opened.body) ?? '', token } });
    assert.equal(follow.statusCode, 303, follow.body);
    const location = String(follow.headers.location);
    const flowId = new URLSearchParams(location.split('?')[1]).get('flow');
    assert.ok(flowId);
    return { location, flowId };
  }

  it('a per-user pwdMinLength of 20 is on the page, in passwordrules and in the live check; page and API refusals say 20; nothing is written', async () => {
    const ldap = slapd!;
    const dn = await ldap.addUser({ uid: 'rhea', mail: 'rhea@example.org', cn: 'Rhea', password: FIRST, policy: { pwdMinLength: 20 } });
    const c = t!.client();
    const { location, flowId } = await verifiedFlow(c, 'rhea@example.org');

    const form = await c.get(location, HTML);
    assert.equal(form.statusCode, 200, form.body);
    assert.match(form.body, /At least 20 characters/);
    assert.match(form.body, /passwordrules="minlength: 20;/);

    const refused = await c.request('POST', '/reset/new', {
      form: { _csrf: csrfOf(form.body) ?? '', flow: flowId, newPassword: MEDIUM, confirmPassword: MEDIUM },
    });
    assert.equal(refused.statusCode, 400, refused.body);
    assert.match(refused.body, /At least 20 characters/, 'the checklist still says 20 after the refusal');
    assert.match(refused.body, /<li class="rule unmet" data-codes="PASSWORD_TOO_SHORT[^"]*">/, 'the length line is the one marked');
    assert.match(refused.body, /at least 20 characters/i, 'the refusal names the directory’s minimum');

    const api = await c.post('/api/v1/password/reset/complete', { flowId, newPassword: MEDIUM });
    assert.equal(api.statusCode, 400, api.body);
    assert.equal(errorCode(api), 'PASSWORD_TOO_SHORT');
    assert.match(api.body, /20 characters/);
    assert.equal(await ldap.ldapwhoami(dn, FIRST), true, 'the directory still holds the old password');

    // The page's live checklist asks /api/v1/password/check with the flow: the account's rules, as the submit.
    const live = await c.post('/api/v1/password/check', { password: MEDIUM, flow: flowId });
    assert.equal(live.statusCode, 200, live.body);
    const verdict = JSON.parse(live.body) as { ok: boolean; violations: Array<{ code: string; message: string }> };
    assert.equal(verdict.ok, false);
    assert.match(verdict.violations.find((v) => v.code === 'PASSWORD_TOO_SHORT')?.message ?? '', /20 characters/);
    // Without it, or with an id that is no live flow, the configured policy: the same answer for both.
    const anonymous = await c.post('/api/v1/password/check', { password: MEDIUM });
    const unknownFlow = await c.post('/api/v1/password/check', { password: MEDIUM, flow: 'A'.repeat(43) });
    assert.equal((JSON.parse(anonymous.body) as { ok: boolean }).ok, true, anonymous.body);
    assert.equal(unknownFlow.body, anonymous.body);

    const done = await c.post('/api/v1/password/reset/complete', { flowId, newPassword: LONG });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(await ldap.ldapwhoami(dn, LONG), true);
    assert.equal(await ldap.ldapwhoami(dn, FIRST), false);

    // Signed in, the change page's live check judges by the same merged rules.
    const signedIn = t!.client();
    assert.equal((await signedIn.signIn('rhea', LONG)).statusCode, 201);
    const mine = await signedIn.post('/api/v1/password/check', { password: MEDIUM });
    assert.match(JSON.parse(mine.body).violations.find((v: { code: string }) => v.code === 'PASSWORD_TOO_SHORT')?.message ?? '', /20 characters/);
  });

  it('an entry under the default policy (pwdMinLength 8) keeps Passdesk’s own minimum of 12, the stricter', async () => {
    await slapd!.addUser({ uid: 'saul', mail: 'saul@example.org', cn: 'Saul', password: FIRST });
    const c = t!.client();
    const { location } = await verifiedFlow(c, 'saul@example.org');
    const form = await c.get(location, HTML);
    assert.equal(form.statusCode, 200, form.body);
    assert.match(form.body, /At least 12 characters/);
    assert.match(form.body, /passwordrules="minlength: 12;/);
  });
});
