// A readable device name ("Firefox on Windows") from a User-Agent, for the device list, the activity page and
// security emails. The User-Agent is written by whoever sends the request, a stranger guessing passwords
// included, and the name reaches genuine emails (next to the anti-phishing phrase). So only names from Bowser's
// own tables of known browsers and systems are ever shown; anything else is "Unknown browser"/"Unknown device".
import Bowser from 'bowser';
import type { Translator } from './i18n/translator.js';

const MAX_UA = 512;

// Bowser's tables (name → display name); its generic fallback instead takes whatever precedes the first "/".
const bowserTables = Bowser as unknown as { BROWSER_MAP?: Record<string, string>; OS_MAP?: Record<string, string> };
const KNOWN_BROWSERS: ReadonlySet<string> = new Set(Object.values(bowserTables.BROWSER_MAP ?? {}).filter((n) => n !== 'Generic'));
const KNOWN_SYSTEMS: ReadonlySet<string> = new Set(Object.values(bowserTables.OS_MAP ?? {}));

export function describeDevice(userAgent: string | undefined): string {
  if (!userAgent) return 'Unknown device';
  const ua = userAgent.slice(0, MAX_UA);
  let browser: string | undefined;
  let os: string | undefined;
  try {
    const parsed = Bowser.parse(ua);
    browser = KNOWN_BROWSERS.has(parsed.browser.name ?? '') ? parsed.browser.name : undefined;
    os = KNOWN_SYSTEMS.has(parsed.os.name ?? '') ? parsed.os.name : undefined;
  } catch {
    // Fall through: an unparseable agent is still a device.
  }
  if (browser && os) return `${browser} on ${os}`;
  if (browser) return browser;
  if (os) return `Unknown browser on ${os}`;
  return 'Unknown device';
}

/**
 * The stored name ("Firefox on Windows", written in English when the session began) said in the reader's language:
 * browser and system names are proper names and stay; only the words around them are the catalog's.
 */
export function deviceNameIn(t: Translator, stored: string | null | undefined): string {
  if (!stored || stored === 'Unknown device') return t.t('format.device.unknown');
  const unknownOn = /^Unknown browser on (.+)$/.exec(stored);
  if (unknownOn) return t.t('format.device.unknownBrowserOn', { os: unknownOn[1]! });
  const on = /^(.+) on (.+)$/.exec(stored);
  if (on && KNOWN_BROWSERS.has(on[1]!) && KNOWN_SYSTEMS.has(on[2]!)) return t.t('format.device.browserOn', { browser: on[1]!, os: on[2]! });
  return stored;
}

/** The device a request came from, for an audit event or a notice ("Firefox on Linux"); null without a User-Agent. */
export function deviceOf(ctx: { userAgent: string | null }): string | null {
  return ctx.userAgent ? describeDevice(ctx.userAgent) : null;
}
