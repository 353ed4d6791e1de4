// The security overview and my devices with the pages: /security, signing out one device or every other one,
// and signing out.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PassdeskError } from '../../core/errors.js';
import { revokeDevice, revokeOtherDevices, signOut } from '../../flows/sessions.js';
import { clearSessionCookie, requestContext, type HttpContext } from '../shared/context.js';
import { noticeFrom, signedIn } from '../shared/pages.js';
import { sendSecurityOverview } from '../shared/security-overview.js';

const sessionIdParams = z.object({ id: z.string().min(1).max(64) });

export async function sessionsPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  pages.get('/security', { config: { auth: 'page' } }, async (request, reply) => {
    const auth = signedIn(request);
    // A password that must change comes first (policy tightened, administrator's request).
    if (auth.account.mustChangePassword) return reply.redirect('/security/password', 303);
    return sendSecurityOverview(ctx, request, reply, auth, { notice: noticeFrom(request) });
  });

  pages.post('/security/sessions/:id/revoke', { config: { auth: 'page', stepUp: '/security' } }, async (request, reply) => {
    const params = sessionIdParams.safeParse(request.params);
    if (!params.success) throw new PassdeskError('SESSION_NOT_FOUND');
    const { current } = await revokeDevice(ctx.deps, signedIn(request), params.data.id, requestContext(request));
    if (current) {
      clearSessionCookie(reply, ctx.cookies);
      return reply.redirect('/sign-in?notice=signed-out', 303);
    }
    return reply.redirect('/security?notice=device-signed-out', 303);
  });

  pages.post('/security/sessions/revoke-others', { config: { auth: 'page', stepUp: '/security' } }, async (request, reply) => {
    await revokeOtherDevices(ctx.deps, signedIn(request), requestContext(request));
    return reply.redirect('/security?notice=others-signed-out', 303);
  });

  pages.post('/sign-out', async (request, reply) => {
    const auth = await ctx.authenticate(request);
    if (auth) await signOut(ctx.deps, auth, requestContext(request));
    clearSessionCookie(reply, ctx.cookies);
    return reply.redirect('/sign-in?notice=signed-out', 303);
  });
}
