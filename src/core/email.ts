/** Emails are unique case-insensitively and trimmed; the displayed form keeps the person's casing. */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}
