// Preloaded (node --require) into a tool that must work offline, such as Redocly CLI in `npm run lint:openapi`:
// every DNS lookup and every TCP connection is refused, and reported on stderr as "NETWORK ATTEMPT: …" so the
// caller can fail. Local IPC (Unix sockets, pipes) is left alone.
'use strict';
const net = require('node:net');
const dns = require('node:dns');

const refused = (what) => {
  process.stderr.write(`NETWORK ATTEMPT: ${what}\n`);
  return Object.assign(new Error(`network access refused offline (${what})`), { code: 'ECONNREFUSED' });
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const isIpc = (typeof first === 'object' && first !== null && typeof first.path === 'string') || (typeof first === 'string' && !/^\d+$/.test(first));
  if (isIpc) return connect.apply(this, args);
  const target = typeof first === 'object' && first !== null ? `${first.host ?? 'localhost'}:${first.port}` : `${args[1] ?? 'localhost'}:${first}`;
  const err = refused(`connect ${target}`);
  process.nextTick(() => this.destroy(err));
  return this;
};

dns.lookup = (hostname, ...rest) => {
  const callback = rest.pop();
  const err = refused(`dns lookup ${hostname}`);
  process.nextTick(() => callback(err));
};
dns.promises.lookup = async (hostname) => {
  throw refused(`dns lookup ${hostname}`);
};
for (const name of ['resolve', 'resolve4', 'resolve6', 'resolveAny']) {
  dns[name] = (hostname, ...rest) => {
    const callback = rest.pop();
    const err = refused(`dns ${name} ${hostname}`);
    process.nextTick(() => callback(err));
  };
  dns.promises[name] = async (hostname) => {
    throw refused(`dns ${name} ${hostname}`);
  };
}
