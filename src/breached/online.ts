// The k-anonymity range protocol of Pwned Passwords (https://haveibeenpwned.com/API/v3#PwnedPasswords):
// only the first 5 hex characters of the SHA-1 leave the server; the answer lists every known suffix in that
// range as `SUFFIX35:COUNT`. With `Add-Padding: true` the answer is padded to a similar size with count-0
// lines, so its length does not hint at the range either; those lines are ignored.

/** Larger than any real answer (~1,000 lines of ~40 bytes); a bigger body is refused rather than buffered. */
const MAX_BODY_BYTES = 1 << 20;

export type RangeAnswer = { found: true; count: number | null } | { found: false };

export class RangeApiError extends Error {
  override name = 'RangeApiError';
}

export interface RangeApiOptions {
  /** Base URL; requests go to `{url}/range/{prefix}`. */
  url: string;
  timeoutMs: number;
}

/** Asks the range API about one SHA-1 (40 uppercase hex characters). Throws RangeApiError with a short reason. */
export async function queryRange(options: RangeApiOptions, sha1Hex: string): Promise<RangeAnswer> {
  const prefix = sha1Hex.slice(0, 5);
  const suffix = sha1Hex.slice(5);
  const signal = AbortSignal.timeout(options.timeoutMs);
  let text: string;
  try {
    const response = await fetch(`${options.url.replace(/\/+$/, '')}/range/${prefix}`, {
      headers: { 'Add-Padding': 'true', 'User-Agent': 'passdesk', Accept: 'text/plain' },
      signal,
      redirect: 'error',
    });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new RangeApiError(`HTTP ${response.status}`);
    }
    text = await readLimited(response);
  } catch (err) {
    if (err instanceof RangeApiError) throw err;
    if (signal.aborted) throw new RangeApiError(`no answer within ${options.timeoutMs} ms`);
    const cause = (err as { cause?: { code?: string } }).cause;
    throw new RangeApiError(`request failed${cause?.code ? ` (${cause.code})` : ''}`);
  }
  return findSuffix(text, suffix);
}

async function readLimited(response: Response): Promise<string> {
  if (!response.body) return '';
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    if (bytes > MAX_BODY_BYTES) throw new RangeApiError(`answer larger than ${MAX_BODY_BYTES} bytes`);
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

/** Finds a suffix in a range answer; count-0 lines are padding. */
export function findSuffix(body: string, suffix: string): RangeAnswer {
  const want = suffix.toUpperCase();
  for (const rawLine of body.split('\n')) {
    const line = rawLine.trim();
    const colon = line.indexOf(':');
    const lineSuffix = (colon === -1 ? line : line.slice(0, colon)).toUpperCase();
    if (lineSuffix !== want) continue;
    if (colon === -1) return { found: true, count: null };
    const count = Number(line.slice(colon + 1));
    if (count === 0) continue;
    return { found: true, count: Number.isSafeInteger(count) && count > 0 ? count : null };
  }
  return { found: false };
}
