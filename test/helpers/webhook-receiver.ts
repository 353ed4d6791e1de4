// A webhook receiver as an organisation would write one, on 127.0.0.1: it verifies every request the way
// docs/guides/events-out.md says — the signature computed by the Standard Webhooks reference library
// (`standardwebhooks`) over id.timestamp.body with the shared secret, the timestamp within 5 minutes of its clock
// (the test's injected clock), and the id not taken before — and answers 400 to what fails, 2xx to what it takes.
// It can refuse the next attempts with a status of the test's choosing, and go down and come back on its port.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { Clock } from '../../src/core/clock.js';

export const TOLERANCE_SECONDS = 5 * 60;

export interface ReceivedRequest {
  id: string;
  timestamp: number;
  signature: string;
  body: string;
  /** What the receiver answered. */
  status: number;
  /** Why it refused, when it did. */
  refused?: 'signature' | 'timestamp' | 'replayed' | 'told to';
}

export interface TestWebhookReceiver {
  url: string;
  /** Every request, in arrival order. */
  requests: ReceivedRequest[];
  /** The bodies it took (2xx), by webhook-id. */
  accepted: Map<string, unknown>;
  /** The next `n` requests are answered `status` (after verification). */
  refuseNext(n: number, status: number): void;
  /** Closes the listener (connections refused) until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Sends a request as it came (a replay), to see what the receiver answers. */
  replay(r: ReceivedRequest): Promise<number>;
  close(): Promise<void>;
}

function header(h: IncomingHttpHeaders, name: string): string {
  const v = h[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

export async function startWebhookReceiver(o: { secret: string; clock: Clock; path?: string }): Promise<TestWebhookReceiver> {
  const wh = new Webhook(o.secret);
  const requests: ReceivedRequest[] = [];
  const accepted = new Map<string, unknown>();
  let refusals: { n: number; status: number } = { n: 0, status: 500 };

  const verify = (r: Omit<ReceivedRequest, 'status'>): ReceivedRequest['refused'] | undefined => {
    const expected = wh.sign(r.id, new Date(r.timestamp * 1000), r.body);
    // The header may carry several signatures (key rotation); any one that matches will do.
    if (!r.signature.split(' ').includes(expected)) return 'signature';
    if (Math.abs(Math.floor(o.clock.now() / 1000) - r.timestamp) > TOLERANCE_SECONDS) return 'timestamp';
    if (accepted.has(r.id)) return 'replayed';
    return undefined;
  };

  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = {
        id: header(req.headers, 'webhook-id'),
        timestamp: Number(header(req.headers, 'webhook-timestamp')),
        signature: header(req.headers, 'webhook-signature'),
        body: Buffer.concat(chunks).toString('utf8'),
      };
      let refused = verify(r);
      let status = refused ? 400 : 204;
      if (!refused && refusals.n > 0) {
        refusals.n--;
        status = refusals.status;
        refused = 'told to';
      }
      if (!refused) accepted.set(r.id, JSON.parse(r.body));
      requests.push({ ...r, status, ...(refused ? { refused } : {}) });
      res.writeHead(status).end();
    });
  };

  let server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}${o.path ?? '/passdesk-events'}`;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  return {
    url,
    requests,
    accepted,
    refuseNext(n, status) {
      refusals = { n, status };
    },
    down: close,
    async up() {
      server = createServer(handler);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    async replay(r) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': r.id, 'webhook-timestamp': String(r.timestamp), 'webhook-signature': r.signature },
        body: r.body,
      });
      return res.status;
    },
    close,
  };
}
