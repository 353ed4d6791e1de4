// Colour maths for the organisation's look (src/look.ts): parse a hex colour, WCAG 2.x contrast, and the shades
// the pages derive from one primary colour. Pure: no I/O, no configuration.

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** `#1f5fd1`, `#1F5FD1` or `#15d` (three digits doubled); null for anything else. */
export function parseHexColour(value: string): Rgb | null {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value.trim());
  if (!m?.[1]) return null;
  const hex = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  return { r: Number.parseInt(hex.slice(0, 2), 16), g: Number.parseInt(hex.slice(2, 4), 16), b: Number.parseInt(hex.slice(4, 6), 16) };
}

/** Lower-case six-digit hex: the one spelling the stylesheet and emails use. */
export function toHex(c: Rgb): string {
  return `#${[c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
}

// WCAG 2.2, "relative luminance" (sRGB, linearised per channel).
function channel(v: number): number {
  const s = v / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

export function relativeLuminance(c: Rgb): number {
  return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

/** WCAG 2.2 contrast ratio, from 1 (same) to 21 (black on white); order does not matter. */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** A ratio as a person reads it, rounded down so 4.499 never shows as "4.50": "4.49:1". */
export function formatRatio(ratio: number): string {
  return `${(Math.floor(ratio * 100) / 100).toFixed(2)}:1`;
}

/** WCAG 2.2 SC 1.4.3 (AA): 4.5:1 for normal-size text. */
export const AA_TEXT_RATIO = 4.5;

export const WHITE: Rgb = { r: 255, g: 255, b: 255 };
/** The pages' background (--bg in web/assets/app.css): the darkest surface a link sits on. */
export const PAGE_BACKGROUND: Rgb = { r: 0xf5, g: 0xf6, b: 0xf8 };

/** `amount` of the way from `c` to `to` (0 = c, 1 = to). */
export function mix(c: Rgb, to: Rgb, amount: number): Rgb {
  return { r: c.r + (to.r - c.r) * amount, g: c.g + (to.g - c.g) * amount, b: c.b + (to.b - c.b) * amount };
}

export interface PrimaryPalette {
  /** The colour itself: buttons' background, links, the email's action button. */
  accent: string;
  /** Text on the accent (white: the check below guarantees it is readable). */
  accentForeground: string;
  /** Buttons under the pointer: darker, so white text on it only gets more readable. */
  accentHover: string;
}

/** Why a colour was refused: which pairing failed and its ratio. */
export type ContrastProblem = { pairing: 'white-text-on-colour' | 'colour-text-on-page'; ratio: number };

/**
 * The palette from one primary colour, or what makes it unreadable: white text on it (buttons) and it as text on the
 * page's background (links) must each reach AA's 4.5:1.
 */
export function primaryPalette(colour: Rgb): { palette: PrimaryPalette } | { problem: ContrastProblem } {
  const onColour = contrastRatio(WHITE, colour);
  if (onColour < AA_TEXT_RATIO) return { problem: { pairing: 'white-text-on-colour', ratio: onColour } };
  const onPage = contrastRatio(colour, PAGE_BACKGROUND);
  if (onPage < AA_TEXT_RATIO) return { problem: { pairing: 'colour-text-on-page', ratio: onPage } };
  const accent = toHex(colour);
  return { palette: { accent, accentForeground: '#ffffff', accentHover: toHex(mix(colour, { r: 0, g: 0, b: 0 }, 0.2)) } };
}
