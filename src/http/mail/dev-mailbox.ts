// The dev mailbox (only registered without SMTP, outside production, on a loopback base URL or with
// PASSDESK_DEV_MAILBOX=true; see mail/setup.ts mailMode):
// /dev/mailbox pages and GET /api/v1/dev/mailbox. It reads the outbox; nothing here sends mail.
// The bodies are sealed at rest (mail/sealed-body.ts): this is the one reader besides the worker that opens them.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PassdeskError } from '../../core/errors.js';
import type { Store } from '../../store/index.js';
import type { SecretBox } from '../../core/secret-box.js';
import { openForDisplay } from '../../mail/sealed-body.js';
import { mailboxListPage, mailboxMessagePage } from '../../web/views/mailbox.js';
import { errors } from '../api/schemas.js';
import type { HttpContext } from '../context.js';

/** The email's own HTML, shown as a page: inline styles only, no script, images from anywhere https. */
const EMAIL_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const messageView = z.object({
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
}).meta({ id: 'DevMailboxMessage' });

const idParams = z.strictObject({ id: z.string().min(1).max(64) });

export async function devMailboxRoutes(app: FastifyInstance, ctx: HttpContext, store: Pick<Store, 'outbox'>, bodies: SecretBox): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const find = async (id: string) => {
    const m = await store.outbox.findMessage(id);
    if (!m) throw new PassdeskError('NOT_FOUND');
    return openForDisplay(bodies, m);
  };
  const list = async (o: { limit: number; to?: string }) => (await store.outbox.listMessages(o)).map((m) => openForDisplay(bodies, m));

  r.get('/api/v1/dev/mailbox', {
    schema: {
      operationId: 'listDevMailbox',
      security: [],
      tags: ['dev'],
      summary: 'Dev mailbox',
      description: 'Only without SMTP, outside production, and on a loopback base URL (or with PASSDESK_DEV_MAILBOX=true): the messages Passdesk would have sent, newest first.',
      querystring: z.strictObject({
        to: z.string().trim().min(3).max(254).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
      response: { 200: z.object({ messages: z.array(messageView) }), ...errors(400) },
    },
  }, async (request) => {
    const { to, limit } = request.query;
    const messages = await list({ limit, ...(to ? { to } : {}) });
    return {
      messages: messages.map((m) => ({
        id: m.id, messageId: m.messageId, to: m.to, subject: m.subject, template: m.template, state: m.state,
        createdAt: new Date(m.createdAt).toISOString(), sentAt: m.sentAt === null ? null : new Date(m.sentAt).toISOString(),
        text: m.text, html: m.html,
      })),
    };
  });

  app.get('/dev/mailbox', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(mailboxListPage(ctx, await list({ limit: 200 })).value));

  app.get('/dev/mailbox/:id', { schema: { hide: true } }, async (request, reply) => {
    const params = idParams.safeParse(request.params);
    if (!params.success) throw new PassdeskError('NOT_FOUND');
    return reply.type('text/html; charset=utf-8').send(mailboxMessagePage(ctx, await find(params.data.id)).value);
  });

  app.get('/dev/mailbox/:id/html', { schema: { hide: true } }, async (request, reply) => {
    const params = idParams.safeParse(request.params);
    if (!params.success) throw new PassdeskError('NOT_FOUND');
    const m = await find(params.data.id);
    return reply.header('Content-Security-Policy', EMAIL_CSP).type('text/html; charset=utf-8').send(m.html);
  });

  app.get('/dev/mailbox/:id/text', { schema: { hide: true } }, async (request, reply) => {
    const params = idParams.safeParse(request.params);
    if (!params.success) throw new PassdeskError('NOT_FOUND');
    return reply.type('text/plain; charset=utf-8').send((await find(params.data.id)).text);
  });
}
