// The dev mailbox (only registered without SMTP, outside production, on a loopback base URL or with
// PASSDESK_DEV_MAILBOX=true; see mail/setup.ts mailMode): GET /api/v1/dev/mailbox here, the /dev/mailbox pages in
// dev-mailbox/pages.ts. It reads the outbox; nothing here sends mail. The bodies are sealed at rest
// (mail/sealed-body.ts): this feature is the one reader besides the worker that opens them.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errors } from '../shared/schemas.js';
import { listMessages, type DevMailbox } from './mailbox.js';

const messageView = z
  .object({
    id: z.string(),
    messageId: z.string(),
    to: z.string(),
    subject: z.string(),
    template: z.string(),
    state: z.enum(['queued', 'sending', 'retrying', 'sent', 'failed']),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
    text: z.string(),
    html: z.string(),
  })
  .meta({ id: 'DevMailboxMessage' });

export async function devMailboxApi(app: FastifyInstance, mailbox: DevMailbox): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/dev/mailbox',
    {
      schema: {
        operationId: 'listDevMailbox',
        security: [],
        tags: ['dev'],
        summary: 'Dev mailbox',
        description:
          'Only without SMTP, outside production, and on a loopback base URL (or with PASSDESK_DEV_MAILBOX=true): the messages Passdesk would have sent, newest first.',
        querystring: z.strictObject({
          to: z.string().trim().min(3).max(254).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ messages: z.array(messageView) }), ...errors(400) },
      },
    },
    async (request) => {
      const { to, limit } = request.query;
      const messages = await listMessages(mailbox, { limit, ...(to ? { to } : {}) });
      return {
        messages: messages.map((m) => ({
          id: m.id,
          messageId: m.messageId,
          to: m.to,
          subject: m.subject,
          template: m.template,
          state: m.state,
          createdAt: new Date(m.createdAt).toISOString(),
          sentAt: m.sentAt === null ? null : new Date(m.sentAt).toISOString(),
          text: m.text,
          html: m.html,
        })),
      };
    },
  );
}
