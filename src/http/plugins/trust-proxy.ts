// Which hops of X-Forwarded-For are believed (PASSDESK_TRUST_PROXY), as the function Fastify asks.
//
// Fastify calls it with (address, hop): hop 0 is the socket's address, hop 1 the rightmost X-Forwarded-For
// entry, and so on leftwards; request.ip is the first address it does not trust. X-Forwarded-Proto and -Host
// are read only when it trusts hop 0 (fastify/lib/request.js). What Fastify does with the setting itself is
// not used: `true` trusts every hop (the leftmost, client-written entry wins), and a number there trusts
// nothing at all since Fastify 5.12 (a direct client could otherwise supply the hops); so hop counts are
// implemented here, and addresses are compiled by proxy-addr, which Fastify and Express use.
import proxyAddr from '@fastify/proxy-addr';
import type { TrustProxy } from '../../config.js';

export type TrustProxyFunction = (address: string, hop: number) => boolean;

export function trustProxyFunction(setting: TrustProxy): TrustProxyFunction | false {
  if (setting === false) return false;
  // N proxies in front: the socket (hop 0) and the N−1 entries they appended before the last one are theirs.
  if ('hops' in setting) {
    const { hops } = setting;
    return (_address, hop) => hop < hops;
  }
  return proxyAddr.compile(setting.addresses);
}
