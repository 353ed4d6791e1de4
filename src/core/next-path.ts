// Where a page may send a person back to after "Confirm it's you": only a path on this site. Anything else
// (another origin, a scheme, `//host`, backslashes browsers read as slashes, control characters) falls back to
// the default, so the confirm page can never be an open redirect (OWASP Unvalidated Redirects).
export const DEFAULT_NEXT_PATH = '/security';
const MAX_NEXT_LENGTH = 512;

export function safeNextPath(raw: unknown, fallback: string = DEFAULT_NEXT_PATH): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_NEXT_LENGTH) return fallback;
  // One leading slash, then not a second slash or backslash (protocol-relative URLs), and no backslash anywhere.
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\')) return fallback;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\u0000-\u001f\u007f\s]/.test(raw)) return fallback;
  // Resolve against a placeholder origin: whatever the path says, it must stay on that origin.
  const base = 'https://passdesk.invalid';
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base) return fallback;
  // The confirm page itself and sign-out are no place to continue to.
  if (url.pathname === '/security/confirm' || url.pathname === '/sign-out') return fallback;
  const out = `${url.pathname}${url.search}`;
  // Resolving removes dot segments: `/.//evil.example` becomes `//evil.example`, which a browser reads as another
  // host. What is returned is checked again, not only what came in.
  if (out.startsWith('//') || out.includes('\\')) return fallback;
  return out;
}
