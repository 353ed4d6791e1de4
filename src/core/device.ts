// A readable device name ("Firefox on Windows") from a User-Agent, for the device list.
import Bowser from 'bowser';

const MAX_UA = 512;

export function describeDevice(userAgent: string | undefined): string {
  if (!userAgent) return 'Unknown device';
  const ua = userAgent.slice(0, MAX_UA);
  try {
    const parsed = Bowser.parse(ua);
    const browser = parsed.browser.name;
    const os = parsed.os.name;
    if (browser && os) return `${browser} on ${os}`;
    if (browser) return browser;
    if (os) return `Unknown browser on ${os}`;
  } catch {
    // Fall through: an unparseable agent is still a device.
  }
  const product = /^([A-Za-z][\w.-]{0,40})\//.exec(ua)?.[1];
  return product ? product : 'Unknown device';
}
