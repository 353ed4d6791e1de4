// Every security email: both parts, what happened, when, from which device and IP, what to do if it was
// not the person, links only from the configured base URL, user text escaped, the phrase at the top.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderNotice, NOTICE_CODES, NOT_ME_NOTICES, NO_DETAILS_NOTICES, type Notice, type MailBranding } from '../../src/mail/templates.js';
import { cancelDeletionLink, confirmEmailLink, emailChangeLink, notMeLink, resetLink } from '../../src/mail/links.js';
import { emailText } from '../../src/core/email-text.js';

const branding: MailBranding = {
  baseUrl: 'https://id.example.org',
  secret: new Uint8Array(Buffer.from('mail-test-secret-0123456789-abcdefghijklmnop')),
  organizationName: 'Example <Org>',
  supportContact: 'help@example.org, +1 555 0100',
  logoUrl: 'https://cdn.example.org/logo.png',
};
const at = Date.UTC(2026, 10, 23, 9, 30);
const origin = { at, device: 'Firefox on <script>Linux</script>', ip: '203.0.113.7' };
const recipient = { displayName: 'Ada <b>Lovelace</b>', accountEmail: 'ada@example.org', antiPhishingPhrase: null, recoveryCopy: false };

const examples: Record<Notice['code'], Notice> = {
  'password-changed': { code: 'password-changed', signedOutOthers: true },
  'password-reset-requested': { code: 'password-reset-requested', resetToken: 'tok/en+1', resetCode: '48213907', minutes: 30, situation: 'requested' },
  'password-reset-completed': { code: 'password-reset-completed' },
  'new-device-sign-in': { code: 'new-device-sign-in' },
  'second-factor-added': { code: 'second-factor-added', method: 'authenticator app' },
  'second-factor-removed': { code: 'second-factor-removed', method: 'passkey' },
  'recovery-codes-regenerated': { code: 'recovery-codes-regenerated' },
  'recovery-code-used': { code: 'recovery-code-used' },
  'security-questions-changed': { code: 'security-questions-changed' },
  'account-locked': { code: 'account-locked', attempts: 100, until: at + 86_400_000 },
  'password-expiring': { code: 'password-expiring', days: 7, expiresAt: at + 7 * 86_400_000 },
  'recovery-email-verification': { code: 'recovery-email-verification', verificationCode: '55501234', minutes: 30 },
  'recovery-email-added': { code: 'recovery-email-added', recoveryEmail: 'ada@backup.example' },
  'recovery-email-removed': { code: 'recovery-email-removed', recoveryEmail: 'ada@backup.example' },
  'anti-phishing-phrase-changed': { code: 'anti-phishing-phrase-changed', set: true },
  'account-reported': { code: 'account-reported', about: 'Password changed on 2026-11-23 09:30 UTC from Firefox on Linux (IP 203.0.113.7)' },
  // The help desk (flows/help-desk/accounts.ts).
  'account-changed-by-admin': {
    code: 'account-changed-by-admin',
    change: 'role',
    role: 'helpdesk',
    reason: 'Joined the <b>service desk</b>',
    ticket: 'INC-42',
  },
  'account-disabled-by-admin': { code: 'account-disabled-by-admin', reason: 'Left the company', ticket: null },
  'account-deleted-by-admin': { code: 'account-deleted-by-admin', reason: 'Left the company', ticket: 'HR-1' },
  // Help desk.
  'caller-verification-code': { code: 'caller-verification-code', verificationCode: '31415926', minutes: 10 },
  'temporary-password-issued': { code: 'temporary-password-issued', expiresAt: at + 86_400_000 },
  // Sign-up and address confirmation.
  'sign-up-confirmation': { code: 'sign-up-confirmation', token: 'sign/up+1', confirmationCode: '27182818', hours: 24 },
  'sign-up-existing-account': { code: 'sign-up-existing-account' },
  'account-email-confirmation': { code: 'account-email-confirmation', token: 'adm/in+1', confirmationCode: '16180339', hours: 24 },
  // The monthly checkup.
  'security-checkup-reminder': {
    code: 'security-checkup-reminder',
    items: [
      { id: 'two-step', reason: 'off', count: null },
      { id: 'recovery-codes', reason: 'low', count: 2 },
    ],
  },
  // A change of sign-in address and the person's own deletion (issue 16).
  'email-change-verification': {
    code: 'email-change-verification',
    token: 'ch/ange+1',
    verificationCode: '27182818',
    minutes: 30,
    newEmail: 'ada@new.example',
  },
  'email-change-address-taken': { code: 'email-change-address-taken' },
  'email-changed': { code: 'email-changed', newEmail: 'ada@new.example', restoreDays: 7 },
  'account-deletion-scheduled': { code: 'account-deletion-scheduled', cancelToken: 'can/cel+1', dueAt: at + 7 * 86_400_000 },
  'account-deletion-cancelled': { code: 'account-deletion-cancelled' },
  'account-deleted': { code: 'account-deleted', requestedAt: at - 7 * 86_400_000 },
  // Two-person approval.
  'approval-requested': {
    code: 'approval-requested',
    action: 'account.disable',
    accountId: 'acc/1',
    target: 'grace@example.org',
    requester: 'Ada <b>Agent</b> (ada@example.org)',
    reason: 'Left for <i>another</i> team',
    ticket: 'CHG-9',
    expiresAt: at + 86_400_000,
  },
  'approval-pending': { code: 'approval-pending', action: 'factor.remove', reason: 'Lost every factor', ticket: null, expiresAt: at + 86_400_000 },
  'approval-decided': { code: 'approval-decided', decision: 'rejected', action: 'role.set', target: 'grace@example.org', reason: 'Not agreed', ticket: null },
};

describe('security emails', () => {
  it('there is a template for every message the issue lists', () => {
    assert.deepEqual([...NOTICE_CODES].sort(), Object.keys(examples).sort());
  });

  for (const code of NOTICE_CODES) {
    describe(code, () => {
      const notMe = NOT_ME_NOTICES.has(code);
      const mail = renderNotice(branding, { notice: examples[code], origin, recipient, outboxId: 'msg-1', ...(notMe ? { notMeToken: 'tok_en-1' } : {}) });
      it('has a one-line subject naming the organisation, and both parts', () => {
        assert.ok(mail.subject.includes('Example <Org>'));
        assert.doesNotMatch(mail.subject, /[\r\n]/);
        assert.ok(mail.text.length > 100 && mail.html.startsWith('<!doctype html>'));
      });
      if (NO_DETAILS_NOTICES.has(code)) {
        it('is about no event at a moment and place: no details table saying "unknown"', () => {
          assert.ok(!mail.text.includes(`${emailText.common.detailsHeading}:`) && !mail.html.includes('<caption'));
          assert.ok(!mail.text.includes(emailText.common.unknown));
        });
        return;
      }
      it('says what happened, when, from which device and IP', () => {
        for (const part of [mail.text, mail.html]) {
          assert.ok(part.includes('2026-11-23 09:30 UTC'), 'when');
          assert.ok(part.includes('203.0.113.7'), 'IP');
        }
        assert.ok(mail.text.includes('Firefox on <script>Linux</script>'), 'device, as is in plain text');
        assert.ok(mail.html.includes('Firefox on &lt;script&gt;Linux&lt;/script&gt;'), 'device, escaped in HTML');
        assert.ok(!mail.html.includes('<script>'), 'no markup from the device description');
        assert.ok(!mail.html.includes('<b>Lovelace</b>'), 'the display name is escaped');
      });
      if (notMe) {
        it('says what to do if it was not you, with its one-time "this wasn\'t me" link on the base URL', () => {
          const link = notMeLink(branding, 'tok_en-1');
          assert.equal(link, 'https://id.example.org/not-me?token=tok_en-1');
          assert.ok(mail.text.includes(`${emailText.common.notYouButton}: ${link}`));
          assert.ok(mail.html.includes(`href="${link}"`));
        });
      } else {
        it('carries no "this wasn\'t me" link (not a notice that something happened to the account)', () => {
          assert.ok(!mail.text.includes('/not-me') && !mail.html.includes('/not-me'));
          assert.ok(!mail.text.includes(`${emailText.common.notYouButton}:`), 'no button line');
        });
      }
      it('links only to the configured base URL (and the logo)', () => {
        const urls = [...mail.html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
        assert.ok(urls.length >= 2);
        for (const u of urls) assert.ok(u.startsWith('https://id.example.org/') || u === branding.logoUrl, u);
        for (const found of mail.text.match(/https?:\/\/\S+/g) ?? []) {
          const u = found.replace(/[.,;)]+$/, '');
          assert.ok(u === 'https://id.example.org' || u.startsWith('https://id.example.org/'), u);
        }
      });
      it('names the support contact and shows the logo', () => {
        assert.ok(mail.text.includes('help@example.org, +1 555 0100'));
        assert.ok(mail.html.includes('<img src="https://cdn.example.org/logo.png" alt="Example &lt;Org&gt;"'));
      });
    });
  }

  it('the reset email fits its situation: asked for, after "This wasn\'t me" (the password is blocked), sent by the help desk', () => {
    const text = (situation: 'requested' | 'reported' | 'helpDesk', device: string | null = 'Firefox on Linux'): { subject: string; text: string } =>
      renderNotice(branding, {
        notice: { ...examples['password-reset-requested'], situation } as Notice,
        origin: { ...origin, device },
        recipient,
        outboxId: 'm',
      });
    const asked = text('requested');
    assert.match(asked.text, /Someone asked to reset the password/);
    assert.match(asked.text, /you can ignore this email: your password stays as it is/);
    assert.match(asked.text, /Device: Firefox on Linux/);
    const reported = text('reported');
    assert.match(reported.subject, /Choose a new Example <Org> password to get back into your account/);
    assert.match(reported.text, /your current password no longer works/);
    assert.match(reported.text, /Choose a new password now/);
    assert.doesNotMatch(reported.text, /ignore this email|stays as it is/, 'the password was just blocked');
    const helpDesk = text('helpDesk', null);
    assert.match(helpDesk.text, /The help desk sent you this email/);
    assert.doesNotMatch(helpDesk.text, /Someone asked|ignore this email/);
  });

  it('the reset email carries the link (from the base URL) and the code', () => {
    const mail = renderNotice(branding, { notice: examples['password-reset-requested'], origin, recipient, outboxId: 'm' });
    assert.ok(mail.text.includes(resetLink(branding, 'tok/en+1')));
    assert.ok(resetLink(branding, 'tok/en+1').startsWith('https://id.example.org/reset?token=tok%2Fen%2B1'));
    assert.ok(mail.text.includes('48213907') && mail.html.includes('48213907'));
  });

  it('the sign-up confirmation carries its link (from the base URL) and its code; the note to a taken address carries neither', () => {
    const mail = renderNotice(branding, { notice: examples['sign-up-confirmation'], origin, recipient, outboxId: 'm' });
    assert.ok(confirmEmailLink(branding, 'sign/up+1').startsWith('https://id.example.org/sign-up/verify?token=sign%2Fup%2B1'));
    assert.ok(mail.text.includes(confirmEmailLink(branding, 'sign/up+1')));
    assert.ok(mail.text.includes('27182818') && mail.html.includes('27182818'));
    assert.match(mail.text, /no account is made unless the address is confirmed/);
    const taken = renderNotice(branding, { notice: examples['sign-up-existing-account'], origin, recipient, outboxId: 'm' });
    assert.match(taken.text, /already has an account/);
    assert.match(taken.text, /https:\/\/id\.example\.org\/reset\b/, 'says where to reset');
    assert.doesNotMatch(taken.text, /verify\?token=|\b\d{8}\b/);
  });

  it('the checkup reminder lists each item needing attention, links to the checkup and to the setting that stops it', () => {
    const mail = renderNotice(branding, { notice: examples['security-checkup-reminder'], origin, recipient, outboxId: 'm' });
    assert.equal(mail.subject, '2 things in your Example <Org> security checkup need attention');
    assert.match(mail.text, /^ {2}- Two-step verification is off: anyone with your password can sign in\.$/m);
    assert.match(mail.text, /^ {2}- Only 2 recovery codes left\. Make a new set before you run out\.$/m);
    assert.ok(mail.html.includes('<li>Only 2 recovery codes left. Make a new set before you run out.</li>'));
    assert.ok(mail.text.includes('https://id.example.org/security/email#checkup-reminders'), 'the way to stop it');
    assert.ok(mail.html.includes('href="https://id.example.org/security"'), 'the checkup itself');
  });

  it('the new address gets the confirmation link (from the base URL) and the code; the deletion email its cancel link', () => {
    const change = renderNotice(branding, { notice: examples['email-change-verification'], origin, recipient, outboxId: 'm' });
    assert.ok(change.text.includes(emailChangeLink(branding, 'ch/ange+1')));
    assert.ok(emailChangeLink(branding, 'ch/ange+1').startsWith('https://id.example.org/email-change?token=ch%2Fange%2B1'));
    assert.ok(change.text.includes('27182818') && change.html.includes('27182818'));
    assert.ok(change.text.includes('ada@new.example'));
    const deletion = renderNotice(branding, { notice: examples['account-deletion-scheduled'], origin, recipient, outboxId: 'm' });
    assert.ok(deletion.text.includes(cancelDeletionLink(branding, 'can/cel+1')));
    assert.ok(deletion.text.includes('2026-11-30 09:30 UTC'), 'the due date');
  });

  it('the message to an address already in use names nobody but its own account', () => {
    const mail = renderNotice(branding, { notice: examples['email-change-address-taken'], origin: { at, device: null, ip: null }, recipient, outboxId: 'm' });
    assert.ok(mail.text.includes('ada@example.org'), 'the address it went to');
    assert.ok(!/ada@new|\/email-change|\d{8}/.test(mail.text), 'no other address, no link, no code');
  });

  it('the anti-phishing phrase is the first thing in both parts, escaped in HTML', () => {
    const mail = renderNotice(branding, {
      notice: examples['password-changed'],
      origin,
      outboxId: 'm',
      recipient: { ...recipient, antiPhishingPhrase: 'purple <otter> & tea' },
    });
    assert.ok(mail.text.startsWith(`${emailText.common.phraseLabel}: purple <otter> & tea`));
    const body = mail.html.slice(mail.html.indexOf('<body'));
    assert.ok(body.indexOf('purple &lt;otter&gt; &amp; tea') < body.indexOf('Hello'), 'before everything else');
    assert.ok(!mail.html.includes('<otter>'));
  });

  it('a copy for the recovery address says why it came there', () => {
    const mail = renderNotice(branding, { notice: examples['password-changed'], origin, outboxId: 'm', recipient: { ...recipient, recoveryCopy: true } });
    assert.ok(mail.text.includes('recovery address of the account ada@example.org'));
  });

  it('every notice that tells of something done to the account offers "this wasn\'t me"; the reset email does not', () => {
    for (const code of NOTICE_CODES) {
      const t = emailText.notices[code] as { ifNotYou?: string };
      if (NOT_ME_NOTICES.has(code)) assert.ok(t.ifNotYou?.includes('This wasn’t me'), `${code} tells the person to use it`);
      else assert.ok(!t.ifNotYou?.includes('This wasn’t me'), `${code} does not mention a link it does not carry`);
    }
    assert.equal(NOT_ME_NOTICES.has('password-reset-requested'), false);
    assert.equal(NOT_ME_NOTICES.has('account-reported'), false);
  });

  it('a help desk change names what was done and the reason given, escaped in HTML', () => {
    const mail = renderNotice(branding, { notice: examples['account-changed-by-admin'], origin, recipient, outboxId: 'm', notMeToken: 't' });
    assert.ok(mail.text.includes('made your account ada@example.org a help desk agent'), mail.text);
    assert.ok(mail.text.includes('The reason they gave: Joined the <b>service desk</b> (ticket INC-42).'));
    assert.ok(mail.html.includes('Joined the &lt;b&gt;service desk&lt;/b&gt;') && !mail.html.includes('<b>service'));
    const disabled = renderNotice(branding, { notice: examples['account-disabled-by-admin'], origin, recipient, outboxId: 'm' });
    assert.ok(disabled.text.includes('The reason they gave: Left the company.'));
    const unlocked = renderNotice(branding, {
      notice: { code: 'account-changed-by-admin', change: 'unlock', reason: 'Caller locked out', ticket: null },
      origin,
      recipient,
      outboxId: 'm',
    });
    assert.ok(unlocked.text.includes('unlocked signing in to your account ada@example.org'));
  });

  it('without a logo the organisation name heads the message', () => {
    const { logoUrl: _l, ...noLogo } = branding;
    const mail = renderNotice(noLogo, { notice: examples['new-device-sign-in'], origin, recipient, outboxId: 'm' });
    assert.ok(!mail.html.includes('<img'));
    assert.ok(mail.html.includes('Example &lt;Org&gt;'));
  });
});
