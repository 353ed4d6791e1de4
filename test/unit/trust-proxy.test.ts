// PASSDESK_TRUST_PROXY: parsing, and what Fastify then believes (IP, protocol, host) with the function we hand it.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { loadConfig, ConfigError, type TrustProxy } from '../../src/config.js';
import { trustProxyFunction } from '../../src/http/plugins/trust-proxy.js';

const SECRET = 'x'.repeat(40);
const parse = (value: string | undefined, file?: unknown): TrustProxy =>
  loadConfig({
    env: value === undefined ? {} : { PASSDESK_TRUST_PROXY: value },
    persistSecret: false,
    overrides: { secret: SECRET, ...(file !== undefined ? { trustProxy: file } : {}) },
  }).trustProxy;
const refusal = (value: unknown): string => {
  try {
    loadConfig({
      env: typeof value === 'string' ? { PASSDESK_TRUST_PROXY: value } : {},
      persistSecret: false,
      overrides: { secret: SECRET, ...(typeof value !== 'string' ? { trustProxy: value } : {}) },
    });
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
  assert.fail(`${JSON.stringify(value)} was accepted`);
};

describe('PASSDESK_TRUST_PROXY parsing', () => {
  it('unset, empty, false, no and 0 trust nothing', () => {
    for (const v of [undefined, '', 'false', 'no', '0', ' FALSE ']) assert.equal(parse(v), false, String(v));
    assert.equal(parse(undefined, false), false);
    assert.equal(parse(undefined, 0), false);
    assert.equal(parse(undefined, []), false);
  });

  it('a whole number is a hop count', () => {
    assert.deepEqual(parse('1'), { hops: 1 });
    assert.deepEqual(parse(' 3 '), { hops: 3 });
    assert.deepEqual(parse(undefined, 2), { hops: 2 });
  });

  it('addresses and CIDRs, IPv4 and IPv6, comma-separated or (config file) a JSON array', () => {
    assert.deepEqual(parse('10.0.0.1'), { addresses: ['10.0.0.1'] });
    assert.deepEqual(parse('10.0.0.0/8, 172.16.0.0/12 ,fd00::/8,::1'), { addresses: ['10.0.0.0/8', '172.16.0.0/12', 'fd00::/8', '::1'] });
    assert.deepEqual(parse(undefined, ['127.0.0.1', '2001:db8::/32']), { addresses: ['127.0.0.1', '2001:db8::/32'] });
    assert.deepEqual(parse('loopback, uniquelocal'), { addresses: ['loopback', 'uniquelocal'] }, "proxy-addr's named ranges");
    assert.deepEqual(parse('10.0.0.0/255.0.0.0'), { addresses: ['10.0.0.0/255.0.0.0'] }, 'a netmask, as proxy-addr accepts');
  });

  it('true (and yes, on) is refused with one line that says what to write instead', () => {
    for (const v of ['true', 'TRUE', 'yes', 'on', true]) {
      const message = refusal(v);
      assert.match(
        message,
        /^(PASSDESK_TRUST_PROXY|trustProxy): would trust every hop, so anyone could choose their IP address with X-Forwarded-For; write what to trust instead: the number of proxies in front \(e\.g\. 1\) or their addresses \(e\.g\. 10\.0\.0\.0\/8, ::1\) \(got (true|"[^"]+")\)$/,
        String(v),
      );
    }
  });

  it('anything else is refused, naming the bad entry', () => {
    assert.match(refusal('maybe'), /^PASSDESK_TRUST_PROXY: "maybe" is not an IP address or CIDR/);
    assert.match(refusal('10.0.0.1, 10.0.0.300'), /"10\.0\.0\.300" is not an IP address or CIDR/);
    assert.match(refusal('10.0.0.0/33'), /"10\.0\.0\.0\/33" is not an IP address or CIDR/);
    assert.match(refusal('fd00::/129'), /"fd00::\/129" is not an IP address or CIDR/);
    assert.match(refusal('101'), /from 1 to 100/);
    assert.match(refusal(1.5), /from 1 to 100/);
    assert.match(refusal(-1), /from 1 to 100/);
    assert.match(refusal({ proxies: 1 }), /expected a number of proxies/);
  });
});

describe('what Fastify believes with the trust function', () => {
  const servers: Array<ReturnType<typeof Fastify>> = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  async function seen(setting: TrustProxy, remoteAddress: string, headers: Record<string, string>): Promise<{ ip: string; protocol: string; host: string }> {
    const app = Fastify({ trustProxy: trustProxyFunction(setting) });
    servers.push(app);
    app.get('/', async (request) => ({ ip: request.ip, protocol: request.protocol, host: request.host }));
    const res = await app.inject({ method: 'GET', url: '/', remoteAddress, headers: { host: 'passdesk.internal:8080', ...headers } });
    return res.json();
  }
  const forwarded = { 'x-forwarded-for': '6.6.6.6, 198.51.100.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'id.example.org' };

  it('nothing trusted: the socket address, and X-Forwarded-Proto/-Host are ignored', async () => {
    assert.deepEqual(await seen(false, '10.0.0.2', forwarded), { ip: '10.0.0.2', protocol: 'http', host: 'passdesk.internal:8080' });
  });

  it('a trusted proxy address: the rightmost untrusted entry, and its X-Forwarded-Proto/-Host', async () => {
    assert.deepEqual(await seen({ addresses: ['10.0.0.0/8'] }, '10.0.0.2', forwarded), { ip: '198.51.100.7', protocol: 'https', host: 'id.example.org' });
  });

  it('a socket outside the trusted addresses: neither its X-Forwarded-For nor its -Proto/-Host are believed', async () => {
    assert.deepEqual(await seen({ addresses: ['10.0.0.0/8'] }, '203.0.113.5', forwarded), {
      ip: '203.0.113.5',
      protocol: 'http',
      host: 'passdesk.internal:8080',
    });
  });

  it('a hop count believes exactly that many hops (Fastify itself, given a number, would believe none)', async () => {
    assert.deepEqual(await seen({ hops: 1 }, '10.0.0.2', forwarded), { ip: '198.51.100.7', protocol: 'https', host: 'id.example.org' });
    assert.equal((await seen({ hops: 2 }, '10.0.0.2', forwarded)).ip, '6.6.6.6');
    // Fastify's documentation still lists a number; its types and code no longer honour it.
    const app = Fastify({ trustProxy: 1 as unknown as boolean });
    servers.push(app);
    app.get('/', async (request) => ({ ip: request.ip }));
    const res = await app.inject({ method: 'GET', url: '/', remoteAddress: '10.0.0.2', headers: { 'x-forwarded-for': '198.51.100.7' } });
    assert.equal((res.json() as { ip: string }).ip, '10.0.0.2', 'why hop counts are not handed to Fastify as a number');
  });
});
