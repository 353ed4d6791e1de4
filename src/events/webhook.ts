// Audit events as signed webhooks, in the Standard Webhooks shape (the one Svix, and with other header names
// Stripe, use), so a receiver can verify them with that specification's libraries or a few lines of its own:
//   POST <url>   content-type: application/json
//   webhook-id:        the event's uid — the same on every retry and every destination (the receiver's dedupe key)
//   webhook-timestamp: when this attempt was signed, in seconds since the epoch (each retry is signed anew)
//   webhook-signature: "v1," + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`))
//   body: {"type":"signin.failed","timestamp":"2026-11-23T09:00:00.000Z","data":{…the event's fields…}}
// The signed content binds the timestamp and the id to the body: a receiver that checks the signature, refuses a
// timestamp more than its tolerance (5 minutes) from its clock, and remembers the ids it took within that
// tolerance refuses both a replay and a copy delivered twice (docs/guides/events-out.md shows the check).
// A 2xx answer is delivery; anything else (a redirect too: it is not followed) and a timeout are retried.
import { createHash, createHmac } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { PublicEvent } from '../core/public-event.js';
import type { EventSender } from './sender.js';

/** The JSON body (also the MSG of a syslog message). */
export function webhookBody(event: PublicEvent): string {
  return JSON.stringify({ type: event.type, timestamp: new Date(event.time).toISOString(), data: event });
}

/** The webhook-signature value for one attempt. */
export function webhookSignature(key: Uint8Array, o: { id: string; timestamp: number; body: string }): string {
  return `v1,${createHmac('sha256', key).update(`${o.id}.${o.timestamp}.${o.body}`).digest('base64')}`;
}

/** The destination key of a webhook URL: stable across restarts, and no part of the URL (a query may hold a token). */
export function webhookDestination(url: string): string {
  return `webhook:${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
}

/** The URL for logs: scheme, host and path, without the query. */
export function describeWebhook(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** fetch, with the reason a request failed (refused, reset, timed out) instead of undici's "fetch failed". */
async function post(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const name = (err as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new Error('the receiver did not answer in time');
    throw new Error(`the request failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
}

export function createWebhookSender(o: { url: string; key: Uint8Array; clock: Clock; timeoutMs: number }): EventSender {
  return {
    destination: webhookDestination(o.url),
    description: `webhook ${describeWebhook(o.url)}`,
    async send(event) {
      const body = webhookBody(event);
      const timestamp = Math.floor(o.clock.now() / 1000);
      const response = await post(o.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Passdesk events',
          'webhook-id': event.uid,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': webhookSignature(o.key, { id: event.uid, timestamp, body }),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      // The answer's body is not read: nothing in it counts, and a large one would only cost memory.
      await response.body?.cancel();
      if (response.status < 200 || response.status > 299) throw new Error(`the receiver answered HTTP ${response.status}`);
    },
    async close() {},
  };
}
