// What delivers one copy of an event to one destination (events/syslog.ts, events/webhook.ts).
import type { PublicEvent } from '../core/public-event.js';

export interface EventSender {
  /** The destination key of the rows it delivers ("syslog", "webhook:…"; events/webhook.ts). */
  readonly destination: string;
  /** For logs and `passdesk events status`: where it sends, without any secret. */
  readonly description: string;
  /** Resolves once the receiver took the event; rejects when it did not (the row is retried). */
  send(event: PublicEvent): Promise<void>;
  close(): Promise<void>;
}
