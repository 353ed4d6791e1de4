// The dev mailbox's pages (dev-mailbox/api.ts says when it exists): the list, one message, its HTML and its text.
import { pageView } from '../shared/page-view.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PassdeskError } from '../../core/errors.js';
import { mailboxListPage, mailboxMessagePage } from '../../web/views/mailbox.js';
import type { HttpContext } from '../shared/context.js';
import { findMessage, listMessages, type DevMailbox } from './mailbox.js';

/** The email's own HTML, shown as a page: inline styles only, no script, images from anywhere https. */
const EMAIL_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const idParams = z.strictObject({ id: z.string().min(1).max(64) });

export async function devMailboxPages(pages: FastifyInstance, ctx: HttpContext, mailbox: DevMailbox): Promise<void> {
  pages.get('/dev/mailbox', { schema: { hide: true } }, async (request, reply) =>
    reply.type('text/html; charset=utf-8').send(mailboxListPage(pageView(ctx, request), await listMessages(mailbox, { limit: 200 })).value),
  );

  pages.get('/dev/mailbox/:id', { schema: { hide: true } }, async (request, reply) => {
    const params = idParams.safeParse(request.params);
    if (!params.success) throw new PassdeskError('NOT_FOUND');
    return reply.type('text/html; charset=utf-8').send(mailboxMessagePage(pageView(ctx, request), await findMessage(mailbox, params.data.id)).value);
  });

  pages.get('/dev/mailbox/:id/html', { schema: { hide: true } }, async (request, reply) => {
    const params = idParams.safeParse(request.params);
    if (!params.success) throw new PassdeskError('NOT_FOUND');
    const m = await findMessage(mailbox, params.data.id);
    return reply.header('Content-Security-Policy', EMAIL_CSP).type('text/html; charset=utf-8').send(m.html);
  });

  pages.get('/dev/mailbox/:id/text', { schema: { hide: true } }, async (request, reply) => {
    const params = idParams.safeParse(request.params);
    if (!params.success) throw new PassdeskError('NOT_FOUND');
    return reply.type('text/plain; charset=utf-8').send((await findMessage(mailbox, params.data.id)).text);
  });
}
