// The key every per-IP throttle counts a client under (sign-in, step-up, reset requests, "This wasn't me", passkey
// options, the password check, sign-ups, bot challenges and their tickets). An IPv6 address is keyed by its /64:
// one home line or VPS gets a whole /64 (RFC 6177, RIPE-690), so keying on the full 128 bits would give anyone 2^64
// fresh counters. Parsing and normalising is ipaddr.js's (the parser Fastify's proxy-addr uses).
import ipaddr from 'ipaddr.js';

/** Longer than any spelling of an address with a zone: garbage, keyed with the rest of the garbage. */
const MAX_ADDRESS_LENGTH = 100;
/** What an absent or unparsable address is counted under: all of them share one key (fail closed). */
export const UNKNOWN_CLIENT = 'unknown';

/**
 * An address's throttling key: IPv4 as dotted decimal; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as that IPv4
 * address; any other IPv6 address as its /64 prefix in RFC 5952 form plus "/64" (a zone such as %eth0 is dropped),
 * so every spelling of one address, and every address of one /64, gives the same key.
 */
export function clientKey(ip: string | null | undefined): string {
  if (typeof ip !== 'string' || ip.length === 0 || ip.length > MAX_ADDRESS_LENGTH) return UNKNOWN_CLIENT;
  // Only the four-part decimal form: inet_aton's "1", "0x7f.1" and octal are not what a socket or proxy reports.
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return ipaddr.IPv4.parse(ip).toString();
  if (!ipaddr.IPv6.isValid(ip)) return UNKNOWN_CLIENT;
  const address = ipaddr.IPv6.parse(ip);
  if (address.isIPv4MappedAddress()) return address.toIPv4Address().toString();
  const p = address.parts;
  return `${new ipaddr.IPv6([p[0]!, p[1]!, p[2]!, p[3]!, 0, 0, 0, 0]).toRFC5952String()}/64`;
}

/** The key of a per-IP counter (every per-IP limiter uses this form, so two limits on one client agree). */
export function perIpKey(ip: string | null | undefined): string {
  return `ip:${clientKey(ip)}`;
}
