// Queueing mail: flows call this inside their transaction, so a message commits with the change that
// causes it, or not at all (the transactional outbox). Delivery is the worker's job (outbox-worker.ts).
import type { Repositories } from '../store/index.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { SecretBox } from '../core/secret-box.js';
import { sealBody, type RenderedMail } from './sealed-body.js';

export type { RenderedMail } from './sealed-body.js';

export interface QueueDeps {
  clock: Clock;
  random: Random;
  /** Right-hand side of generated Message-IDs (the base URL's host). */
  messageIdDomain: string;
  /** Seals the body at rest (mail/sealed-body.ts). */
  bodies: SecretBox;
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
    body: sealBody(deps.bodies, { id, to: message.to }, message.content),
    now: deps.clock.now(),
  });
  return { id, messageId };
}
