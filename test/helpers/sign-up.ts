// Finishing a sign-up as the person would: the confirmation email's link (flows/sign-up.ts sends it after the 202,
// so the app's background work is awaited first, never slept for). Reads the outbox of the app under test.
import type { App } from '../../src/app.js';
import { openForDisplay } from '../../src/mail/sealed-body.js';

/** The newest confirmation email to `email` (its text), or null when none was queued. */
export async function confirmationMail(app: App, email: string): Promise<{ text: string; token: string; code: string; link: string } | null> {
  await app.deps.background?.idle();
  const to = email.trim();
  const mails = (await app.deps.store.outbox.listMessages({ to, limit: 20 })).filter(
    (m) => m.template === 'sign-up-confirmation' || m.template === 'account-email-confirmation',
  );
  const newest = mails[0];
  if (!newest) return null;
  const { text } = openForDisplay(app.mail.bodies, newest);
  const link = /(\S+\/sign-up\/verify\?token=[A-Za-z0-9_-]+)/.exec(text)?.[1];
  const token = /\/sign-up\/verify\?token=([A-Za-z0-9_-]+)/.exec(text)?.[1];
  const code = /^\s+(\d{8})\s*$/m.exec(text)?.[1];
  if (!link || !token || !code) throw new Error(`the confirmation email to ${to} lacks its link or code`);
  return { text, token, code, link };
}
