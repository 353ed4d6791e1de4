// Queueing mail: flows call this inside their transaction, so a message commits with the change that
// causes it, or not at all (the transactional outbox). Delivery is the worker's job (outbox-worker.ts).
import type { Repositories } from '../store/index.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface QueueDeps {
  clock: Clock;
  random: Random;
  /** Right-hand side of generated Message-IDs (the base URL's host). */
  messageIdDomain: string;
}

export interface QueuedMessage {
  id: string;
  messageId: string;
}

/** Writes one message for one recipient into the outbox of the transaction `tx`. Never put a password in it. */
export async function queueMessage(
  tx: Pick<Repositories, 'outbox'>,
  deps: QueueDeps,
  message: { id?: string; to: string; accountId: string | null; template: string; content: RenderedMail },
): Promise<QueuedMessage> {
  const id = message.id ?? deps.random.uuid();
  // Stable for the message's whole life: a resend after a crash carries the same Message-ID (RFC 5322 §3.6.4).
  const messageId = `<${id}@${deps.messageIdDomain}>`;
  await tx.outbox.enqueueMessage({
    id,
    messageId,
    accountId: message.accountId,
    template: message.template,
    to: message.to,
    subject: message.content.subject,
    text: message.content.text,
    html: message.content.html,
    now: deps.clock.now(),
  });
  return { id, messageId };
}
