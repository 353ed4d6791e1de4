// The "Confirm it's you" page at /security/confirm: a stale session meets it before a sensitive change (a route's
// `stepUp` config sends it here, shared/pages.ts) and then continues where it was.
import { translatorFor } from '../shared/language.js';
import { pageView, shownText } from '../shared/page-view.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import { safeNextPath } from '../../core/next-path.js';
import { acceptedMethods, reauthenticate, stepUpMaxAgeMs, type ReauthenticationInput } from '../../flows/step-up.js';
import { confirmPage } from '../../web/views/step-up.js';
import { ensureCsrfToken, requestContext, setSessionCookie, type HttpContext } from '../shared/context.js';
import { formBody, sendPage, shownOnPage, signedIn } from '../shared/pages.js';

const nextQuery = z.object({ next: z.string().max(2048).optional() }).loose();
const confirmForm = z.object({
  next: z.string().max(2048).optional(),
  method: z.enum(['password', 'totp', 'recovery_code']),
  password: z.string().max(1024).optional(),
  code: z.string().trim().max(32).optional(),
});

export async function stepUpPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  const show = async (request: FastifyRequest, reply: FastifyReply, next: string, o: { error?: string; status?: number } = {}): Promise<FastifyReply> => {
    const auth = signedIn(request);
    return sendPage(
      reply,
      confirmPage(pageView(ctx, request), {
        csrf: ensureCsrfToken(ctx, request, reply),
        displayName: auth.account.displayName,
        email: auth.account.email,
        next,
        methods: await acceptedMethods(ctx.deps, auth.account.id),
        minutes: Math.round(stepUpMaxAgeMs(ctx.deps) / 60_000),
        error: o.error,
      }),
      o.status ?? 200,
    );
  };

  pages.get('/security/confirm', { schema: { hide: true }, config: { auth: 'page', beforeTwoFactor: true } }, async (request, reply) => {
    const q = nextQuery.safeParse(request.query);
    return show(request, reply, safeNextPath(q.success ? q.data.next : undefined));
  });

  pages.post('/security/confirm', { schema: { hide: true }, config: { auth: 'page', beforeTwoFactor: true } }, async (request, reply) => {
    const parsed = confirmForm.safeParse(formBody(request));
    const next = safeNextPath(parsed.success ? parsed.data.next : undefined);
    if (!parsed.success) return show(request, reply, next, { error: translatorFor(ctx, request).t('error.form.passwordOrCode'), status: 400 });
    const { method, password, code } = parsed.data;
    const input: ReauthenticationInput | null = method === 'password' ? (password ? { method, password } : null) : code ? { method, code } : null;
    if (!input)
      return show(request, reply, next, {
        error: method === 'password' ? translatorFor(ctx, request).t('error.form.password') : translatorFor(ctx, request).t('error.form.code'),
        status: 400,
      });
    try {
      if (input.method === 'password') assertPasswordWithinLimit(input.password);
      const result = await reauthenticate(ctx.deps, signedIn(request), input, requestContext(request));
      setSessionCookie(reply, ctx.cookies, result.token);
      return reply.redirect(next, 303);
    } catch (err) {
      const shown = shownOnPage(request, err);
      return show(request, reply, next, { error: shownText(ctx, request, shown), status: shown.status });
    }
  });
}
