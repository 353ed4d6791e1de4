// The security checkup (issue 16, item 1): what a person should look at, each item good or needing attention,
// with the one page that fixes it. Pure: flows/checkup.ts gathers the facts, the security page, the API and the
// monthly reminder email show the same verdicts.
import { isNewDevice, networkOf, type SignInOrigin } from './new-device.js';
import type { MessageId, Translator } from './i18n/translator.js';

export const CHECKUP_ITEMS = ['two-step', 'passkey', 'recovery-codes', 'recovery-address', 'password', 'devices', 'anti-phishing'] as const;
export type CheckupItemId = (typeof CHECKUP_ITEMS)[number];
export type CheckupStatus = 'good' | 'attention';

/** Why an item has its status; each pairs with a sentence in the catalog (`checkup.<item>.<reason>`). */
export type CheckupReason =
  | 'on'
  | 'off'
  | 'set'
  | 'missing'
  | 'enough'
  | 'low'
  | 'none'
  | 'confirmed'
  | 'ok'
  | 'breached'
  | 'expired'
  | 'expiring'
  | 'required'
  | 'recognised'
  | 'new-devices';

export interface CheckupItem {
  id: CheckupItemId;
  status: CheckupStatus;
  reason: CheckupReason;
  /** The number the sentence names (codes left, days to expiry, new devices), or null. */
  count: number | null;
  /** The page that fixes it (null when the item is good). */
  fix: string | null;
}

/** At this many unused recovery codes or fewer, make new ones (the item warns). */
export const RECOVERY_CODES_WARN_AT = 3;
/** Sign-ins from new devices are looked for over this window. */
export const CHECKUP_DEVICE_WINDOW_MS = 30 * 86_400_000;
const DAY_MS = 86_400_000;

export interface CheckupFacts {
  now: number;
  /** Confirmed authenticator apps. */
  appFactors: number;
  passkeys: number;
  unusedRecoveryCodes: number;
  recoveryAddressConfirmed: boolean;
  antiPhishingPhrase: boolean;
  password: {
    mustChange: boolean;
    mustChangeReason: string | null;
    changedAt: number | null;
    /** The organisation's expiry (0: passwords do not expire) and how many days before it people are reminded. */
    maxAgeMs: number;
    reminderDays: number;
  };
  /** Sign-ins from devices new to the account in the last 30 days, not counting the one asking (recentNewDeviceSignIns). */
  newDeviceSignIns: number;
}

/** The pages that fix each item. */
export const CHECKUP_FIXES: Record<CheckupItemId, string> = {
  'two-step': '/security/two-factor',
  passkey: '/security#passkeys-heading',
  'recovery-codes': '/security/two-factor#regenerate-recovery-codes',
  'recovery-address': '/security/email#recovery',
  password: '/security/password',
  devices: '/security/activity',
  'anti-phishing': '/security/email#phrase',
};

function item(id: CheckupItemId, good: boolean, reason: CheckupReason, count: number | null = null): CheckupItem {
  return { id, status: good ? 'good' : 'attention', reason, count, fix: good ? null : CHECKUP_FIXES[id] };
}

function passwordItem(p: CheckupFacts['password'], now: number): CheckupItem {
  if (p.mustChange) {
    const reason: CheckupReason = p.mustChangeReason === 'breached' ? 'breached' : p.mustChangeReason === 'expired' ? 'expired' : 'required';
    return item('password', false, reason);
  }
  if (p.maxAgeMs > 0 && p.changedAt !== null) {
    const left = p.changedAt + p.maxAgeMs - now;
    if (left <= 0) return item('password', false, 'expired');
    if (left <= p.reminderDays * DAY_MS) return item('password', false, 'expiring', Math.max(1, Math.ceil(left / DAY_MS)));
  }
  return item('password', true, 'ok');
}

/** Every item in a fixed order (the recovery codes only while two-step verification is on: they come with it). */
export function securityCheckup(f: CheckupFacts): CheckupItem[] {
  const twoStep = f.appFactors + f.passkeys > 0;
  const items: CheckupItem[] = [
    item('two-step', twoStep, twoStep ? 'on' : 'off'),
    item('passkey', f.passkeys > 0, f.passkeys > 0 ? 'set' : 'missing', f.passkeys),
  ];
  if (twoStep) {
    const left = f.unusedRecoveryCodes;
    items.push(item('recovery-codes', left > RECOVERY_CODES_WARN_AT, left === 0 ? 'none' : left > RECOVERY_CODES_WARN_AT ? 'enough' : 'low', left));
  }
  items.push(item('recovery-address', f.recoveryAddressConfirmed, f.recoveryAddressConfirmed ? 'confirmed' : 'missing'));
  items.push(passwordItem(f.password, f.now));
  items.push(item('devices', f.newDeviceSignIns === 0, f.newDeviceSignIns === 0 ? 'recognised' : 'new-devices', f.newDeviceSignIns));
  items.push(item('anti-phishing', f.antiPhishingPhrase, f.antiPhishingPhrase ? 'set' : 'missing'));
  return items;
}

export function needingAttention(items: readonly CheckupItem[]): CheckupItem[] {
  return items.filter((i) => i.status === 'attention');
}

/**
 * How many sign-ins of the last 30 days came from a device new to the account at the time (core/new-device.ts: the
 * rule the new-device email uses), leaving out the device and network asking now: the person is holding it.
 */
export function recentNewDeviceSignIns(origins: readonly SignInOrigin[], current: { device: string; ip: string | null } | null, now: number): number {
  const since = now - CHECKUP_DEVICE_WINDOW_MS;
  const currentNet = current ? networkOf(current.ip) : null;
  let count = 0;
  for (const o of origins) {
    if (o.createdAt < since || o.createdAt > now) continue;
    if (current && o.device === current.device && networkOf(o.ip) === currentNet) continue;
    const earlier = origins.filter((e) => e.createdAt < o.createdAt);
    if (isNewDevice(earlier, o, o.createdAt)) count++;
  }
  return count;
}

/** An item in words, in the reader's language: its title, its line (what was found) and the fix's label. */
export function checkupText(t: Translator, i: CheckupItem): { title: string; line: string; status: string; fix: string | null } {
  return {
    title: t.format(`page.checkup.title.${i.id}` as MessageId),
    line: t.format(`page.checkup.${i.id}.${i.reason}` as MessageId, { count: i.count ?? 0 }),
    status: t.format(`page.checkup.status.${i.status}` as MessageId),
    fix: i.fix === null ? null : t.format(`page.checkup.fix.${i.id}` as MessageId),
  };
}
