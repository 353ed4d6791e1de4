// The security checkup through the API (GET /api/v1/security/checkup); the security page shows the same items
// (shared/security-overview.ts). The verdicts come from core/checkup.ts through flows/checkup.ts.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CHECKUP_ITEMS, checkupText, needingAttention, type CheckupItem } from '../../core/checkup.js';
import type { Translator } from '../../core/i18n/translator.js';
import { resolvedTranslator } from '../shared/language.js';
import { myCheckup } from '../../flows/checkup.js';
import type { HttpContext } from '../shared/context.js';
import { errors } from '../shared/schemas.js';

const checkupItemView = z
  .object({
    id: z.enum(CHECKUP_ITEMS),
    status: z.enum(['good', 'attention']),
    reason: z.string().meta({
      description:
        'Why: on/off (two-step), set/missing (passkey, anti-phishing), enough/low/none (recovery codes, low at 3 or fewer), confirmed/missing (recovery address), ok/breached/expired/expiring/required (password), recognised/new-devices (devices, last 30 days).',
    }),
    count: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'The number the message names: passkeys, recovery codes left, days to expiry, new-device sign-ins.' }),
    title: z.string(),
    message: z.string().meta({ description: 'What was found, in a sentence for the person.' }),
    fix: z
      .object({ label: z.string(), href: z.string().meta({ description: 'The page that fixes it, relative to the base URL.' }) })
      .nullable()
      .meta({ description: 'Present when the item needs attention.' }),
  })
  .meta({ id: 'CheckupItem' });

const checkupView = z
  .object({
    attention: z.number().int().meta({ description: 'How many items need attention.' }),
    summary: z.string(),
    items: z.array(checkupItemView).meta({ description: 'In a fixed order; recovery codes only while two-step verification is on.' }),
  })
  .meta({ id: 'SecurityCheckup' });

function toView(t: Translator, items: readonly CheckupItem[]): z.infer<typeof checkupView> {
  const attention = needingAttention(items).length;
  return {
    attention,
    summary: t.t('page.checkup.summary', { count: attention }),
    items: items.map((i) => {
      const text = checkupText(t, i);
      return {
        id: i.id,
        status: i.status,
        reason: i.reason,
        count: i.count,
        title: text.title,
        message: text.line,
        fix: i.fix !== null && text.fix !== null ? { label: text.fix, href: i.fix } : null,
      };
    }),
  };
}

export async function checkupApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/security/checkup',
    {
      schema: {
        operationId: 'getSecurityCheckup',
        tags: ['sessions'],
        summary: 'My security checkup',
        description:
          'Each item good or needing attention, with the page that fixes it: two-step verification, a passkey, recovery codes left, a confirmed recovery address, the password (breached, expired or expiring), sign-ins from new devices in the last 30 days (not counting the device asking), the anti-phishing phrase.',
        security: [{ sessionCookie: [] }],
        response: { 200: checkupView, ...errors(401) },
      },
    },
    async (request) => toView(resolvedTranslator(request), await myCheckup(ctx.deps, await ctx.requireAuth(request))),
  );
}
