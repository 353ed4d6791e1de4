// The passkey pages' scripts: @simplewebauthn/browser's own bundle, served from node_modules (no CDN: the
// pages load nothing from elsewhere), and our small script that drives the buttons. Without script, or in a
// browser without WebAuthn, the buttons stay hidden and the pages work as before.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let bundle: string | null = null;

/** The UMD bundle (global `SimpleWebAuthnBrowser`), read once. */
export function webauthnBrowserJs(): string {
  if (bundle === null) {
    // The package exports only its entry points; its root is two levels above the CommonJS entry (script/index.js).
    const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
    bundle = readFileSync(join(dirname(dirname(entry)), 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
  }
  return bundle;
}

export const passkeysJs = `
(function () {
  'use strict';
  var W = window.SimpleWebAuthnBrowser;
  if (!W || !W.browserSupportsWebAuthn()) return;
  var errorBox = document.getElementById('passkey-error');

  function fail(err) {
    var message = err && err.name === 'NotAllowedError'
      ? 'The passkey request was cancelled or timed out. Try again.'
      : (err && err.message) || 'Something went wrong. Try again.';
    if (!errorBox) return;
    errorBox.textContent = message;
    errorBox.className = 'alert error';
    errorBox.hidden = false;
    errorBox.focus();
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (json) {
        if (!res.ok) {
          var e = new Error((json.error && json.error.message) || 'Something went wrong. Try again.');
          e.code = json.error && json.error.code;
          throw e;
        }
        return json;
      });
    });
  }

  function busy(button, on) {
    button.disabled = on;
    button.setAttribute('aria-busy', on ? 'true' : 'false');
    if (on && errorBox) errorBox.hidden = true;
  }

  function afterSignIn(result) {
    location.assign(result.account && result.account.mustChangePassword ? '/security/password' : '/security');
  }

  // Sign-in page: passwordless sign-in with a discoverable passkey.
  var signIn = document.getElementById('passkey-sign-in');
  var signInBox = document.getElementById('passkey-sign-in-box');
  if (signIn && signInBox) {
    signInBox.hidden = false;
    signIn.addEventListener('click', function () {
      busy(signIn, true);
      post('/api/v1/passkeys/sign-in/options', {})
        .then(function (options) { return W.startAuthentication({ optionsJSON: options }); })
        .then(function (response) { return post('/api/v1/passkeys/sign-in', { response: response }); })
        .then(afterSignIn)
        .catch(function (err) { busy(signIn, false); fail(err); });
    });
  }

  // Second step of sign-in, or of a reset: prove the passkey for this flow.
  var use = document.getElementById('use-passkey');
  var step = document.getElementById('passkey-step');
  if (use && step) {
    step.hidden = false;
    // No flow id on the step-up page: the challenge is bound to the session there.
    var flowId = use.getAttribute('data-flow-id');
    var next = use.getAttribute('data-next');
    use.addEventListener('click', function () {
      busy(use, true);
      post(use.getAttribute('data-options-url'), flowId ? { flowId: flowId } : {})
        .then(function (options) { return W.startAuthentication({ optionsJSON: options }); })
        .then(function (response) {
          var body = flowId ? { flowId: flowId, method: 'passkey', response: response } : { method: 'passkey', response: response };
          return post(use.getAttribute('data-verify-url'), body);
        })
        .then(function (result) {
          if (next === 'account') afterSignIn(result);
          else location.assign(next);
        })
        .catch(function (err) {
          busy(use, false);
          if (err && (err.code === 'SECOND_FACTOR_FLOW_INVALID' || err.code === 'RESET_FLOW_INVALID')) use.disabled = true;
          fail(err);
        });
    });
  }

  // Security page: add a passkey; the first factor's recovery codes are shown once, here.
  var addBox = document.getElementById('passkey-add');
  var add = document.getElementById('add-passkey');
  if (addBox && add) {
    addBox.hidden = false;
    add.addEventListener('click', function () {
      var nameInput = document.getElementById('new-passkey-name');
      var name = nameInput && nameInput.value.trim();
      busy(add, true);
      post('/api/v1/passkeys/registration/options', {})
        .then(function (options) { return W.startRegistration({ optionsJSON: options }); })
        .then(function (response) { return post('/api/v1/passkeys/registration', name ? { response: response, name: name } : { response: response }); })
        .then(function (result) {
          var codes = document.getElementById('passkey-recovery-codes');
          if (!result.recoveryCodes || !codes) { location.assign('/security?notice=passkey-added'); return; }
          var list = codes.querySelector('ul');
          result.recoveryCodes.forEach(function (code) {
            var li = document.createElement('li');
            var c = document.createElement('code');
            c.textContent = code;
            li.appendChild(c);
            list.appendChild(li);
          });
          addBox.hidden = true;
          codes.hidden = false;
          codes.querySelector('a').focus();
        })
        .catch(function (err) {
          // A stale session confirms it's the person first, then comes back here.
          if (err && err.code === 'REAUTHENTICATION_REQUIRED') { location.assign('/security/confirm?next=' + encodeURIComponent('/security')); return; }
          busy(add, false);
          fail(err);
        });
    });
  }
})();
`;
