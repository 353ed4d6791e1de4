// "Sign-in from a new device": a sign-in whose device description and network (IPv4 /24, IPv6 /48) match
// none of the account's sessions from the last 90 days. The very first sign-in of an account (no session
// before it, e.g. one an administrator created) is not news, and a browser whose address moved within its
// provider's network is not a new device.

export const NEW_DEVICE_LOOKBACK_MS = 90 * 86_400_000;

export interface SignInOrigin {
  device: string;
  ip: string | null;
  createdAt: number;
}

/** The network an address belongs to: IPv4 /24, IPv6 /48 (IPv4-mapped IPv6 counts as IPv4). */
export function networkOf(ip: string | null): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const v4 = mapped?.[1] ?? (/^\d+\.\d+\.\d+\.\d+$/.test(ip) ? ip : null);
  if (v4) return v4.split('.').slice(0, 3).join('.') + '.0/24';
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const full = ip.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return (
    full
      .slice(0, 3)
      .map((h) => h.replace(/^0+(?=.)/, ''))
      .join(':') + '::/48'
  );
}

/**
 * Whether a sign-in from (device, ip) at `now` is from a new device, given the account's earlier sessions
 * (any age; only the last 90 days count as known).
 */
export function isNewDevice(earlier: readonly SignInOrigin[], current: { device: string; ip: string | null }, now: number): boolean {
  if (earlier.length === 0) return false;
  const net = networkOf(current.ip);
  return !earlier.some((s) => s.createdAt >= now - NEW_DEVICE_LOOKBACK_MS && s.device === current.device && networkOf(s.ip) === net);
}
