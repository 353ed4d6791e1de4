// What free text a person types may contain. A display name, a factor or passkey name, an anti-phishing
// phrase reaches pages and genuine emails: a line break there forges a line of the email, a bidi override
// (U+202E) or isolate reverses what is read, a zero-width character makes two names look the same (Unicode
// TR #36 §2, UTS #39 §3). So Unicode control (Cc) and format (Cf) characters, line and paragraph separators
// and unpaired surrogates are refused. The one exception: joiners and tags inside emoji sequences, which
// people do type (👩‍💻 is three code points joined by U+200D; flag tags are Cf too).

/** NUL is never valid input, anywhere: PostgreSQL text cannot store it and C-string APIs cut at it. */
export function containsNul(value: string): boolean {
  return value.includes('\u0000');
}

/** Cs: in a `u` regex an unpaired surrogate is a code point of its own, of category Cs. */
const DISALLOWED = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
/** U+200D between two pictographs (an optional variation selector or skin tone after the first). */
const EMOJI_JOINER = /(?<=\p{Extended_Pictographic}[\u{FE0F}\u{1F3FB}-\u{1F3FF}]?)\u200D(?=\p{Extended_Pictographic})/gu;
/** A subdivision flag: black flag, tag letters, cancel tag (Unicode TS #51 §2.8). */
const EMOJI_TAG_SEQUENCE = /\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F}/gu;

/** True when `value` holds a character that free text must not (see above). */
export function hasDisallowedCharacters(value: string): boolean {
  const withoutEmojiSequences = value.replace(EMOJI_TAG_SEQUENCE, '\u{1F3F4}').replace(EMOJI_JOINER, '');
  return DISALLOWED.test(withoutEmojiSequences);
}
