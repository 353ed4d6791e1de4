// The organisation's look (docs/guides/branding.md): its logo, primary colour, support contact, legal links and an
// optional stylesheet of its own, read once at start by config.ts. A setting that cannot work is refused there with
// one line (a missing or oversized logo, a file that is no image, a colour whose text would be unreadable), so a
// page never shows a broken image or unreadable buttons. Files are served by Passdesk itself under content-hashed
// names (http/system/pages.ts), so the pages' CSP stays same-origin and browsers may keep them for a year.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { SupportContact } from './core/support-contact.js';
import { AA_TEXT_RATIO, formatRatio, parseHexColour, primaryPalette, type PrimaryPalette } from './core/colour-contrast.js';

/** A file served at /assets/<file>. */
export interface LookAsset {
  file: string;
  contentType: string;
  body: Buffer;
  /** Its own Content-Security-Policy (an SVG logo: an image, never a document that runs anything). */
  csp?: string | undefined;
}

export interface Look {
  /** The logo as pages link it (a same-origin path or URL); null: the organisation's name in words. */
  logoUrl: string | null;
  /** The logo as emails link it: absolute, on PASSDESK_BASE_URL. */
  mailLogoUrl: string | null;
  /** Stylesheets linked after app.css: the generated colours, then the organisation's own CSS. */
  stylesheets: string[];
  palette: PrimaryPalette | null;
  /** Null when no way to reach a help desk is configured: then no page sends anyone to one. */
  support: SupportContact | null;
  privacyUrl: string | null;
  termsUrl: string | null;
  /** The files above, by their hashed name. */
  assets: ReadonlyMap<string, LookAsset>;
}

export interface LookSettings {
  baseUrl: string;
  logo?: string | undefined;
  primaryColor?: string | undefined;
  customCss?: string | undefined;
  supportEmail?: string | undefined;
  supportPhone?: string | undefined;
  supportUrl?: string | undefined;
  supportHours?: string | undefined;
  supportContact?: string | undefined;
  privacyUrl?: string | undefined;
  termsUrl?: string | undefined;
}

/** A logo is a small picture; a larger file is almost surely the wrong one. */
export const MAX_LOGO_BYTES = 512 * 1024;
/** The organisation's CSS adjusts ours; it is no framework. */
export const MAX_CUSTOM_CSS_BYTES = 64 * 1024;

/** An SVG shown as an image cannot run scripts; opened on its own (a link to it) it must not either. */
export const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/** A refused setting: one line for the operator, naming the variable. */
export class LookError extends Error {
  override name = 'LookError';
}

/** The image type a file is by its first bytes (magic numbers), not by its name. */
export function sniffImage(body: Uint8Array): 'image/png' | 'image/jpeg' | 'image/webp' | 'image/svg+xml' | null {
  const b = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  // SVG is text: an optional BOM, XML declaration, comments or doctype, then the <svg> element.
  const head = b
    .subarray(0, 4096)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  if (/^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]/i.test(head)) return 'image/svg+xml';
  return null;
}

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/svg+xml': 'svg',
  'text/css; charset=utf-8': 'css',
};

function hashed(stem: string, contentType: string, body: Buffer, csp?: string): LookAsset {
  // 40 bits of SHA-256, as for our own assets (web/assets/index.ts): names only need to differ between versions.
  const file = `${stem}.${createHash('sha256').update(body).digest('hex').slice(0, 10)}.${EXTENSIONS[contentType]}`;
  return { file, contentType, body, csp };
}

function readLimited(variable: string, path: string, limit: number, what: string): Buffer {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new LookError(`${variable}: ${path} is not a file`);
    size = stat.size;
  } catch (err) {
    if (err instanceof LookError) throw err;
    throw new LookError(`${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (size > limit) throw new LookError(`${variable}: ${path} is ${Math.ceil(size / 1024)} KiB; ${what} may be at most ${limit / 1024} KiB`);
  return readFileSync(path);
}

/** The logo: a same-origin URL as it is, or a file read, checked and served under a hashed name. */
function resolveLogo(value: string, baseUrl: string): { url: string; asset: LookAsset | null } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new LookError(`PASSDESK_LOGO: ${value} is not a valid URL`);
    }
    // The pages' CSP loads images from the site itself only (img-src 'self').
    if (url.origin !== new URL(baseUrl).origin) {
      throw new LookError(
        `PASSDESK_LOGO: ${url.origin} is not this site's origin (${new URL(baseUrl).origin}); give a file path, or a URL on PASSDESK_BASE_URL`,
      );
    }
    return { url: url.href, asset: null };
  }
  const body = readLimited('PASSDESK_LOGO', value, MAX_LOGO_BYTES, 'a logo');
  const type = sniffImage(body);
  if (!type)
    throw new LookError(
      `PASSDESK_LOGO: ${value} is not a PNG, JPEG, WebP or SVG image (by its content${extname(value) ? `, whatever its ${extname(value)} name says` : ''})`,
    );
  const asset = hashed('logo', type, body, type === 'image/svg+xml' ? SVG_CSP : undefined);
  return { url: `/assets/${asset.file}`, asset };
}

/** The colours as CSS custom properties of app.css, linked after it so they win. */
export function paletteStylesheet(p: PrimaryPalette): string {
  return `/* The organisation's primary colour (PASSDESK_PRIMARY_COLOR), generated by src/look.ts. */\n:root { --accent:${p.accent}; --accent-fg:${p.accentForeground}; --accent-hover:${p.accentHover}; }\n`;
}

/** The palette of PASSDESK_PRIMARY_COLOR, or the one line that says why its text would be unreadable. */
export function resolvePalette(value: string): PrimaryPalette {
  const colour = parseHexColour(value);
  if (!colour) throw new LookError(`PASSDESK_PRIMARY_COLOR: ${value} is not a hex colour (e.g. #1f5fd1)`);
  const result = primaryPalette(colour);
  if ('palette' in result) return result.palette;
  const { pairing, ratio } = result.problem;
  const where = pairing === 'white-text-on-colour' ? 'white text on it (buttons)' : "it as link text on the page's background";
  throw new LookError(
    `PASSDESK_PRIMARY_COLOR: ${value} is unreadable: ${where} has a contrast of ${formatRatio(ratio)}, below WCAG AA's ${AA_TEXT_RATIO}:1 for text; choose a ${pairing === 'white-text-on-colour' ? 'darker' : 'darker or more saturated'} colour`,
  );
}

function resolveSupport(s: LookSettings): SupportContact | null {
  const support: SupportContact = { email: s.supportEmail, phone: s.supportPhone, url: s.supportUrl, hours: s.supportHours, text: s.supportContact };
  // Opening hours alone tell nobody how to reach anyone.
  return support.email || support.phone || support.url || support.text ? support : null;
}

/** Reads and checks every setting of the look; throws LookError with one line for the first that cannot work. */
export function resolveLook(s: LookSettings): Look {
  const assets = new Map<string, LookAsset>();
  const stylesheets: string[] = [];
  const logo = s.logo ? resolveLogo(s.logo, s.baseUrl) : null;
  if (logo?.asset) assets.set(logo.asset.file, logo.asset);
  const palette = s.primaryColor ? resolvePalette(s.primaryColor) : null;
  if (palette) {
    const css = hashed('look', 'text/css; charset=utf-8', Buffer.from(paletteStylesheet(palette)));
    assets.set(css.file, css);
    stylesheets.push(`/assets/${css.file}`);
  }
  if (s.customCss) {
    const css = hashed('custom', 'text/css; charset=utf-8', readLimited('PASSDESK_CUSTOM_CSS', s.customCss, MAX_CUSTOM_CSS_BYTES, 'the stylesheet'));
    assets.set(css.file, css);
    stylesheets.push(`/assets/${css.file}`);
  }
  return {
    logoUrl: logo?.url ?? null,
    mailLogoUrl: logo ? new URL(logo.url, s.baseUrl).href : null,
    stylesheets,
    palette,
    support: resolveSupport(s),
    privacyUrl: s.privacyUrl ?? null,
    termsUrl: s.termsUrl ?? null,
    assets,
  };
}
