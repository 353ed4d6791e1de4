// How people reach the organisation's help desk (PASSDESK_SUPPORT_*, read by src/look.ts): what pages and emails show.

/** Each part optional; `text` is PASSDESK_SUPPORT_CONTACT's free text (kept for configurations from before the parts). */
export interface SupportContact {
  email?: string | undefined;
  phone?: string | undefined;
  url?: string | undefined;
  hours?: string | undefined;
  text?: string | undefined;
}

/** A phone number as a tel: URI (RFC 3966): digits and a leading +, the spaces and punctuation people write dropped. */
export function telUri(phone: string): string {
  return `tel:${phone.trim().startsWith('+') ? '+' : ''}${phone.replace(/[^0-9]/g, '')}`;
}
