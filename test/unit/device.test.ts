import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeDevice, deviceNameIn } from '../../src/core/device.js';
import { translator } from '../../src/core/i18n/translator.js';

const cases: Array<[string | undefined, string]> = [
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0', 'Firefox on Windows'],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15', 'Safari on macOS'],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 'Safari on iOS'],
  ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36', 'Chrome on Android'],
  // Not a name from Bowser's tables: the User-Agent is the sender's to write, and the name reaches emails.
  ['curl/8.5.0', 'Unknown device'],
  ['URGENT: your account will be deleted. Unlock it at https://evil.example/unlock or call 555-0100\u0085\u00ad/1.0 (x', 'Unknown device'],
  ['Mozilla/5.0 (Windows NT 10.0) Evil-Browser-Call-555-0100/1.0', 'Unknown browser on Windows'],
  [undefined, 'Unknown device'],
  ['', 'Unknown device'],
];

for (const [ua, expected] of cases) {
  test(`device for ${JSON.stringify(ua?.slice(0, 40))} is "${expected}"`, () => {
    assert.equal(describeDevice(ua), expected);
  });
}

test('a huge User-Agent is cut before parsing and still yields a short name', () => {
  const name = describeDevice('X'.repeat(100_000));
  assert.ok(name.length < 100);
});

test('a stored device name is said in the reader’s language; anything not made by describeDevice stays as it is', () => {
  const de = translator('de');
  assert.equal(deviceNameIn(de, describeDevice('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0')), 'Firefox unter Linux');
  assert.equal(deviceNameIn(de, 'Unknown browser on Windows'), 'Unbekannter Browser unter Windows');
  assert.equal(deviceNameIn(de, 'Unknown device'), 'Unbekanntes Gerät');
  assert.equal(deviceNameIn(de, null), 'Unbekanntes Gerät');
  assert.equal(deviceNameIn(translator('en'), 'Firefox on Linux'), 'Firefox on Linux');
  assert.equal(deviceNameIn(de, 'Evil on Call 555'), 'Evil on Call 555', 'not a name of Bowser’s tables: left alone');
});
