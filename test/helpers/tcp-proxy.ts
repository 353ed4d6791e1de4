// A TCP relay between the service and a real dependency (PostgreSQL, Redis, SMTP), so a test can cut the
// connections and refuse new ones as a restarting server would, then let traffic through again.
import net from 'node:net';
import { once } from 'node:events';

export interface TcpProxy {
  port: number;
  /** Connections relayed right now. */
  readonly open: number;
  /** Destroys every relayed connection (both sides), as a server restart or a dropped link does. */
  cut(): Promise<void>;
  /** From now on new connections are closed at once (the dependency is down), until up(). */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const cut = async (): Promise<void> => {
    const closing = [...pairs].map(({ client }) => (client.destroyed ? Promise.resolve() : once(client, 'close').then(() => undefined)));
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream.destroy();
    }
    await Promise.all(closing);
  };
  return {
    port,
    get open() {
      return pairs.size;
    },
    cut,
    down() {
      refusing = true;
    },
    up() {
      refusing = false;
    },
    async close() {
      await cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
