// Connections to the directory, shared by both kinds (openldap.ts, active-directory.ts): two small pools, one of
// connections bound as the service account (searches, resets) and one for binds as a person (sign-in, change).
// A person connection is kept after use and simply bound again by the next person: LDAP allows a bind on a bound
// connection, and skipping the TCP/TLS set-up is what keeps a sign-in close to the cost of a bare bind.
//
// A new connection tries the configured URLs in order (failover); StartTLS runs before any bind when configured.
// Every way of not reaching the directory (refused, reset, timed out, TLS failure, on every URL) becomes one
// DirectoryUnavailableError whose message names the URLs and the causes, never a password.

import type { ConnectionOptions } from 'node:tls';
import { BusyError, Client, type Control, ResultCodeError, UnavailableError } from 'ldapts';
import { DirectoryUnavailableError, type DirectorySettings } from './directory.js';

export interface DirectoryConnections {
  /** fn on a pooled connection bound as the service account (rebinds a lost connection once). */
  asService<T>(fn: (client: Client) => Promise<T>): Promise<T>;
  /** Binds a pooled connection as dn/password with `controls`, then runs fn (if given) on it; a refused bind throws the ldapts error (InvalidCredentialsError etc.) unchanged; the connection goes back to the pool afterwards (unbound / rebound before next use as appropriate). */
  asPerson<T>(dn: string, password: string, controls: Control[], fn?: (client: Client) => Promise<T>): Promise<T | undefined>;
  close(): Promise<void>;
}

/** ldapts errors that mean "the directory could not be reached / did not answer" → true. */
export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof DirectoryUnavailableError) return true;
  // busy (51) and unavailable (52) are the directory saying it cannot serve now.
  if (err instanceof BusyError || err instanceof UnavailableError) return true;
  if (err instanceof ResultCodeError) return false;
  if (!(err instanceof Error)) return false;
  // Node's socket, DNS and TLS errors carry a string code (ECONNREFUSED, ETIMEDOUT, ERR_TLS_CERT_ALTNAME_INVALID,
  // UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...); ldapts's result-code errors carry a number.
  if (typeof (err as { code?: unknown }).code === 'string') return true;
  return /^(Connection timeout|Socket error|Connection closed before|Socket connection not established)|Operation timed out$/.test(err.message);
}

/** A short cause for a DirectoryUnavailableError: the system code or the first line of the message. */
function causeOf(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    return err.message.split('\n')[0] ?? err.name;
  }
  return String(err);
}

interface Pool {
  idle: Client[];
  /** Connections handed out plus idle ones. */
  size: number;
  max: number;
  /** How long a caller waits for a free connection when all `max` are in use. */
  waitMs: number;
  closed: boolean;
  /** Callers waiting for a free connection: handed an idle one, or null (open a new one in the freed slot). */
  waiting: Array<{ handOver: (client: Client | null) => void; fail: (err: Error) => void }>;
}

interface Opening {
  settings: DirectorySettings;
  tlsOptions: ConnectionOptions;
}

function newClient(o: Opening, url: string): Client {
  const secure = url.toLowerCase().startsWith('ldaps:');
  // tlsOptions on an ldap:// client would make ldapts open TLS at once; StartTLS gets them in startTLS().
  return new Client({
    url,
    timeout: o.settings.timeoutMs,
    connectTimeout: o.settings.connectTimeoutMs,
    ...(secure ? { tlsOptions: o.tlsOptions } : {}),
  });
}

/**
 * Connections whose socket has closed. ldapts notices a close only on the socket it first connected; after
 * StartTLS its socket is the TLS one, so a directory that restarts would leave pooled connections that look alive
 * and swallow the next operation until its timeout. Watching the current socket ourselves avoids that.
 */
const closedSockets = new WeakSet<Client>();

function watchSocket(client: Client): void {
  const socket = (client as unknown as { socket?: { once(event: 'close', listener: () => void): void } }).socket;
  socket?.once('close', () => closedSockets.add(client));
}

function isLive(client: Client): boolean {
  return client.isConnected && !closedSockets.has(client);
}

async function discard(client: Client): Promise<void> {
  // unbind() sends the unbind request and then always destroys the socket; a dead socket is not an error here.
  await client.unbind().catch(() => {});
}

/**
 * A new connection bound as dn (URLs in order). A bind the directory refused returns the connection with the
 * refusal (the connection is usable); only failures to reach a URL move on to the next one.
 */
async function open(o: Opening, dn: string, password: string, controls: Control[]): Promise<{ client: Client; refusal: unknown }> {
  const causes: string[] = [];
  for (const url of o.settings.urls) {
    const client = newClient(o, url);
    try {
      if (o.settings.startTls && !url.toLowerCase().startsWith('ldaps:')) {
        await client.startTLS({ ...o.tlsOptions, host: new URL(url).hostname });
      }
      watchSocket(client);
    } catch (err) {
      causes.push(`${url}: StartTLS failed (${causeOf(err)})`);
      await discard(client);
      continue;
    }
    try {
      await client.bind(dn, password, controls);
      return { client, refusal: null };
    } catch (err) {
      if (!isConnectionFailure(err)) return { client, refusal: err };
      causes.push(`${url}: ${causeOf(err)}`);
      await discard(client);
    }
  }
  throw new DirectoryUnavailableError(`the directory could not be reached (${causes.join('; ')})`);
}

/** An idle connection, or null when the caller may open a new one (the slot is counted); waits when full. */
function acquire(pool: Pool): Promise<Client | null> {
  if (pool.closed) return Promise.reject(new DirectoryUnavailableError('the directory connections are closed'));
  while (pool.idle.length > 0) {
    const client = pool.idle.pop()!;
    if (isLive(client)) return Promise.resolve(client);
    // The directory closed it while it was idle (restart, idle timeout): forget it.
    pool.size -= 1;
  }
  if (pool.size < pool.max) {
    pool.size += 1;
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const waiter = {
      handOver: (client: Client | null): void => {
        clearTimeout(timer);
        resolve(client);
      },
      fail: (err: Error): void => {
        clearTimeout(timer);
        reject(err);
      },
    };
    const timer = setTimeout(() => {
      pool.waiting.splice(pool.waiting.indexOf(waiter), 1);
      reject(new DirectoryUnavailableError(`no directory connection became free within ${pool.waitMs} ms`));
    }, pool.waitMs);
    pool.waiting.push(waiter);
  });
}

/** Gives a connection back (or, when it is broken or null, its slot) to the next waiter or the idle list. */
function release(pool: Pool, client: Client | null, broken = false): void {
  const usable = client !== null && !broken && isLive(client) && !pool.closed;
  if (!usable && client !== null) void discard(client);
  const next = pool.waiting.shift();
  if (next) {
    next.handOver(usable ? client : null);
    return;
  }
  if (usable) pool.idle.push(client);
  else pool.size -= 1;
}

async function closePool(pool: Pool): Promise<void> {
  pool.closed = true;
  for (const waiter of pool.waiting.splice(0)) waiter.fail(new DirectoryUnavailableError('the directory connections are closed'));
  const idle = pool.idle.splice(0);
  pool.size -= idle.length;
  await Promise.all(idle.map(discard));
}

export function createDirectoryConnections(settings: DirectorySettings): DirectoryConnections {
  if (settings.urls.length === 0) throw new Error('directory: no URL configured');
  const tlsOptions: ConnectionOptions = { rejectUnauthorized: settings.tlsVerify };
  if (settings.ca !== null) tlsOptions.ca = settings.ca;
  const opening: Opening = { settings, tlsOptions };
  const newPool = (): Pool => ({ idle: [], size: 0, max: settings.poolSize, waitMs: settings.timeoutMs, closed: false, waiting: [] });
  const service = newPool();
  const person = newPool();

  async function serviceClient(): Promise<Client> {
    const idle = await acquire(service);
    if (idle) return idle;
    try {
      const { client, refusal } = await open(opening, settings.bindDn, settings.bindPassword, []);
      if (refusal !== null) {
        await discard(client);
        throw new DirectoryUnavailableError(`the directory refused the service account's bind (${causeOf(refusal)})`);
      }
      return client;
    } catch (err) {
      release(service, null);
      throw err;
    }
  }

  async function runAsService<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const client = await serviceClient();
    try {
      const result = await fn(client);
      release(service, client);
      return result;
    } catch (err) {
      release(service, client, isConnectionFailure(err));
      throw err;
    }
  }

  return {
    async asService(fn) {
      try {
        return await runAsService(fn);
      } catch (err) {
        if (!isConnectionFailure(err) || err instanceof DirectoryUnavailableError) throw err;
        // The connection was lost (directory restarted, idle socket closed): once more on a new one.
        try {
          return await runAsService(fn);
        } catch (again) {
          if (isConnectionFailure(again) && !(again instanceof DirectoryUnavailableError)) {
            throw new DirectoryUnavailableError(`the directory stopped answering (${causeOf(again)})`);
          }
          throw again;
        }
      }
    },

    async asPerson(dn, password, controls, fn) {
      const idle = await acquire(person);
      let client: Client | null = idle;
      try {
        if (client) {
          await client.bind(dn, password, controls);
        } else {
          const opened = await open(opening, dn, password, controls);
          client = opened.client;
          if (opened.refusal !== null) throw opened.refusal;
        }
        const result = fn ? await fn(client) : undefined;
        release(person, client);
        return result;
      } catch (err) {
        const lost = isConnectionFailure(err);
        release(person, client, lost);
        if (lost && !(err instanceof DirectoryUnavailableError)) {
          throw new DirectoryUnavailableError(`the directory stopped answering (${causeOf(err)})`);
        }
        throw err;
      }
    },

    async close() {
      await Promise.all([closePool(service), closePool(person)]);
    },
  };
}
