// The security checkup's rules (core/checkup.ts), table-driven: each item's verdict from the facts, the new-device
// count over the last 30 days, and the words each verdict is shown in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CHECKUP_DEVICE_WINDOW_MS,
  CHECKUP_FIXES,
  CHECKUP_ITEMS,
  checkupText,
  needingAttention,
  recentNewDeviceSignIns,
  RECOVERY_CODES_WARN_AT,
  securityCheckup,
  type CheckupFacts,
  type CheckupItem,
} from '../../src/core/checkup.js';
import { translator } from '../../src/core/i18n/translator.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 23, 9, 0, 0);

/** An account with everything in order. */
const good: CheckupFacts = {
  now: NOW,
  appFactors: 1,
  passkeys: 1,
  unusedRecoveryCodes: 10,
  recoveryAddressConfirmed: true,
  antiPhishingPhrase: true,
  password: { mustChange: false, mustChangeReason: null, changedAt: NOW - 30 * DAY, maxAgeMs: 0, reminderDays: 14 },
  newDeviceSignIns: 0,
};

const byId = (items: readonly CheckupItem[]): Record<string, CheckupItem> => Object.fromEntries(items.map((i) => [i.id, i]));
const verdict = (facts: Partial<CheckupFacts>, id: string): string => {
  const i = byId(securityCheckup({ ...good, ...facts }))[id];
  return i ? `${i.status}:${i.reason}${i.count !== null ? `:${i.count}` : ''}` : 'absent';
};

describe('security checkup rules', () => {
  it('everything in order: every item good, in the fixed order, with no fix link', () => {
    const items = securityCheckup(good);
    assert.deepEqual(
      items.map((i) => i.id),
      [...CHECKUP_ITEMS],
    );
    assert.ok(items.every((i) => i.status === 'good' && i.fix === null));
    assert.deepEqual(needingAttention(items), []);
  });

  it('nothing set up: every item needs attention, each with the page that fixes it', () => {
    const items = securityCheckup({
      ...good,
      appFactors: 0,
      passkeys: 0,
      recoveryAddressConfirmed: false,
      antiPhishingPhrase: false,
      password: { ...good.password, mustChange: true, mustChangeReason: 'breached' },
      newDeviceSignIns: 2,
    });
    assert.deepEqual(
      needingAttention(items).map((i) => [i.id, i.reason, i.fix]),
      [
        ['two-step', 'off', '/security/two-factor'],
        ['passkey', 'missing', '/security#passkeys-heading'],
        ['recovery-address', 'missing', '/security/email#recovery'],
        ['password', 'breached', '/security/password'],
        ['devices', 'new-devices', '/security/activity'],
        ['anti-phishing', 'missing', '/security/email#phrase'],
      ],
    );
    assert.equal(byId(items)['recovery-codes'], undefined, 'no recovery codes item without two-step verification: they come with it');
  });

  it('two-step verification is on with an authenticator app or a passkey', () => {
    const table: Array<[Partial<CheckupFacts>, string]> = [
      [{ appFactors: 1, passkeys: 0 }, 'good:on'],
      [{ appFactors: 0, passkeys: 2 }, 'good:on'],
      [{ appFactors: 0, passkeys: 0 }, 'attention:off'],
    ];
    for (const [facts, expected] of table) assert.equal(verdict(facts, 'two-step'), expected, JSON.stringify(facts));
    assert.equal(verdict({ passkeys: 2 }, 'passkey'), 'good:set:2');
    assert.equal(verdict({ passkeys: 0 }, 'passkey'), 'attention:missing:0');
  });

  it(`recovery codes warn at ${RECOVERY_CODES_WARN_AT} or fewer, and say when none are left`, () => {
    const table: Array<[number, string]> = [
      [10, 'good:enough:10'],
      [RECOVERY_CODES_WARN_AT + 1, `good:enough:${RECOVERY_CODES_WARN_AT + 1}`],
      [RECOVERY_CODES_WARN_AT, `attention:low:${RECOVERY_CODES_WARN_AT}`],
      [1, 'attention:low:1'],
      [0, 'attention:none:0'],
    ];
    for (const [left, expected] of table) assert.equal(verdict({ unusedRecoveryCodes: left }, 'recovery-codes'), expected, `${left} left`);
  });

  it('the password: a required change says why; with expiry, expired and expiring within the reminder days', () => {
    const expiring = { maxAgeMs: 90 * DAY, reminderDays: 14 };
    const table: Array<[CheckupFacts['password'], string]> = [
      [good.password, 'good:ok'],
      [{ ...good.password, mustChange: true, mustChangeReason: 'breached' }, 'attention:breached'],
      [{ ...good.password, mustChange: true, mustChangeReason: 'expired' }, 'attention:expired'],
      [{ ...good.password, mustChange: true, mustChangeReason: 'policy' }, 'attention:required'],
      [{ ...good.password, mustChange: true, mustChangeReason: 'admin' }, 'attention:required'],
      [{ ...good.password, ...expiring, changedAt: NOW - 30 * DAY }, 'good:ok'],
      [{ ...good.password, ...expiring, changedAt: NOW - 76 * DAY }, 'attention:expiring:14'],
      [{ ...good.password, ...expiring, changedAt: NOW - 89 * DAY - 1 }, 'attention:expiring:1'],
      [{ ...good.password, ...expiring, changedAt: NOW - 90 * DAY }, 'attention:expired'],
      [{ ...good.password, ...expiring, changedAt: null }, 'good:ok'],
    ];
    for (const [password, expected] of table) assert.equal(verdict({ password }, 'password'), expected, JSON.stringify(password));
  });

  it('the recovery address, the anti-phishing phrase and new devices', () => {
    assert.equal(verdict({ recoveryAddressConfirmed: false }, 'recovery-address'), 'attention:missing');
    assert.equal(verdict({ recoveryAddressConfirmed: true }, 'recovery-address'), 'good:confirmed');
    assert.equal(verdict({ antiPhishingPhrase: false }, 'anti-phishing'), 'attention:missing');
    assert.equal(verdict({ newDeviceSignIns: 1 }, 'devices'), 'attention:new-devices:1');
    assert.equal(verdict({ newDeviceSignIns: 0 }, 'devices'), 'good:recognised:0');
  });

  it('every fix is a page of this site', () => {
    for (const href of Object.values(CHECKUP_FIXES)) assert.match(href, /^\/security(\/[a-z-]+)*(#[a-z-]+)?$/);
  });
});

describe('sign-ins from new devices in the last 30 days', () => {
  const firefox = 'Firefox on Linux';
  const phone = 'Safari on iPhone';
  const at = (daysAgo: number): number => NOW - daysAgo * DAY;

  it('counts the sign-ins that were new to the account when they happened, within the window', () => {
    const origins = [
      { device: firefox, ip: '203.0.113.5', createdAt: at(60) },
      { device: firefox, ip: '203.0.113.9', createdAt: at(10) }, // same device, same /24: known
      { device: phone, ip: '198.51.100.7', createdAt: at(5) }, // new
      { device: phone, ip: '198.51.100.8', createdAt: at(4) }, // the phone again, now known
      { device: 'Chrome on Windows', ip: '192.0.2.1', createdAt: at(40) }, // new, but before the window
    ];
    assert.equal(recentNewDeviceSignIns(origins, null, NOW), 1);
    // The Firefox sign-in 10 days ago was new after all when the one before is older than the 90-day memory.
    const forgotten = [
      { device: firefox, ip: '203.0.113.5', createdAt: at(120) },
      { device: firefox, ip: '203.0.113.9', createdAt: at(10) },
    ];
    assert.equal(recentNewDeviceSignIns(forgotten, null, NOW), 1);
  });

  it('leaves out the device and network asking now (the person is holding it) and the very first sign-in', () => {
    const origins = [
      { device: firefox, ip: '203.0.113.5', createdAt: at(100) },
      { device: phone, ip: '198.51.100.7', createdAt: at(2) },
    ];
    assert.equal(recentNewDeviceSignIns(origins, null, NOW), 1);
    assert.equal(recentNewDeviceSignIns(origins, { device: phone, ip: '198.51.100.200' }, NOW), 0);
    assert.equal(recentNewDeviceSignIns(origins, { device: phone, ip: '192.0.2.1' }, NOW), 1, 'the same browser elsewhere is another device');
    assert.equal(recentNewDeviceSignIns([{ device: phone, ip: '198.51.100.7', createdAt: at(1) }], null, NOW), 0, 'the first sign-in is not news');
    assert.equal(recentNewDeviceSignIns([{ device: phone, ip: null, createdAt: NOW - CHECKUP_DEVICE_WINDOW_MS - 1 }], null, NOW), 0);
  });
});

describe('the checkup in words', () => {
  const t = translator('en');
  it('each item and reason has its title, its line with the number, its status and the fix’s label', () => {
    const items = securityCheckup({ ...good, unusedRecoveryCodes: 2, passkeys: 0, newDeviceSignIns: 3 });
    const text = Object.fromEntries(items.map((i) => [i.id, checkupText(t, i)]));
    assert.deepEqual(text['recovery-codes'], {
      title: 'Recovery codes',
      line: 'Only 2 recovery codes left. Make a new set before you run out.',
      status: 'Needs attention',
      fix: 'Make new recovery codes',
    });
    assert.equal(text['devices']?.line, '3 sign-ins from new devices in the last 30 days. If one wasn’t you, report it.');
    assert.equal(text['two-step']?.status, 'Good');
    assert.equal(text['two-step']?.fix, null);
    assert.equal(t.t('page.checkup.summary', { count: 0 }), 'Everything looks good.');
    assert.equal(t.t('page.checkup.summary', { count: 1 }), '1 thing needs your attention.');
  });

  it('every reason an item can have reads as a sentence', () => {
    const facts: Array<Partial<CheckupFacts>> = [
      good,
      { appFactors: 0, passkeys: 0, recoveryAddressConfirmed: false, antiPhishingPhrase: false, newDeviceSignIns: 1 },
      { unusedRecoveryCodes: 1 },
      { unusedRecoveryCodes: 0 },
      { password: { ...good.password, mustChange: true, mustChangeReason: 'breached' } },
      { password: { ...good.password, mustChange: true, mustChangeReason: 'expired' } },
      { password: { ...good.password, mustChange: true, mustChangeReason: 'policy' } },
      { password: { ...good.password, maxAgeMs: 90 * DAY, changedAt: NOW - 80 * DAY } },
    ];
    for (const f of facts)
      for (const i of securityCheckup({ ...good, ...f })) {
        const { line } = checkupText(t, i);
        assert.match(line, /^[A-Z0-9].*\.$/, `${i.id}.${i.reason}: ${line}`);
      }
  });
});
