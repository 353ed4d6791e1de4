// Message bodies at rest: a reset link, a reset code, a "This wasn't me" link or a recovery-address code sits
// in the outbox until it is sent, so the text and HTML are sealed together with the secret box
// (core/secret-box.ts: AES-256-GCM, a key of their own derived from the server secret, key id stored). The
// associated data is the row's id and recipient: a body copied onto another row, or a row whose recipient was
// changed, does not open. Only the worker (to send) and the dev mailbox (to show) open a body.
import { createSecretBox, type SecretBox } from '../core/secret-box.js';
import type { Random } from '../core/random.js';
import type { OutboxMessage } from '../store/index.js';

/** A message as a template renders it (queue.ts queues it; the body is sealed here). */
export interface RenderedMail {
  /** Stays readable in the outbox after sending (for `passdesk mail status`): never put a secret in it. */
  subject: string;
  text: string;
  html: string;
}

/** Separates this key from every other key derived from the server secret (HKDF info). */
export const MAIL_BODY_PURPOSE = 'mail-body';

export interface MailBody {
  text: string;
  html: string;
}

export type OpenedOutboxMessage = OutboxMessage & MailBody;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function createMailBodyBox(o: { serverSecrets: Uint8Array[]; random: Random }): SecretBox {
  return createSecretBox({ serverSecrets: o.serverSecrets, purpose: MAIL_BODY_PURPOSE, random: o.random });
}

/** The associated data: version, row id and recipient, NUL-separated (neither can contain a NUL). */
function context(m: { id: string; to: string }): string {
  return `outbox-body-v1\u0000${m.id}\u0000${m.to}`;
}

export function sealBody(box: SecretBox, m: { id: string; to: string }, body: Pick<RenderedMail, 'text' | 'html'>): { keyId: string; ciphertext: string } {
  return box.seal(encoder.encode(JSON.stringify({ text: body.text, html: body.html })), context(m));
}

/**
 * The body of a row, or null when it was dropped (sent or failed) or does not open: tampered, moved to another
 * row, or sealed under a key this server does not have. A row queued before bodies were sealed opens as is.
 */
export function openBody(box: SecretBox, m: Pick<OutboxMessage, 'id' | 'to' | 'body'>): MailBody | null {
  if (!m.body) return null;
  if (m.body.kind === 'legacy-plaintext') return { text: m.body.text, html: m.body.html };
  const plain = box.open({ keyId: m.body.keyId, ciphertext: m.body.ciphertext }, context(m));
  if (!plain) return null;
  try {
    const parsed = JSON.parse(decoder.decode(plain)) as { text?: unknown; html?: unknown };
    if (typeof parsed.text !== 'string' || typeof parsed.html !== 'string') return null;
    return { text: parsed.text, html: parsed.html };
  } catch {
    return null;
  }
}

/** For showing (the dev mailbox): a body that is gone or does not open shows as empty. */
export function openForDisplay(box: SecretBox, m: OutboxMessage): OpenedOutboxMessage {
  const body = openBody(box, m);
  return { ...m, text: body?.text ?? '', html: body?.html ?? '' };
}
