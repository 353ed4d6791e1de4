// The bot challenge in the browser: altcha's own PBKDF2 worker (served from node_modules, no CDN) and our small
// script that fetches a challenge for the form's purpose, solves it in Web Workers while the person types, and
// puts the answer in the form. Without script (or without WebCrypto, outside a secure context) nothing happens here
// and the form's no-JavaScript ticket is the proof. The CSP holds: the worker is a same-origin script ('self').
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let worker: string | null = null;

/** altcha's standalone PBKDF2 worker (the one its widget uses), read once. */
export function altchaWorkerJs(): string {
  // The package exports its workers for `import` only; its root is three levels above the CommonJS entry
  // (dist/main/altcha.umd.cjs), and the worker sits in dist/workers.
  worker ??= readFileSync(join(dirname(dirname(dirname(createRequire(import.meta.url).resolve('altcha')))), 'dist', 'workers', 'pbkdf2.js'), 'utf8');
  return worker;
}

export const challengeJs = `
(function () {
  'use strict';
  var field = document.querySelector('input[data-challenge]');
  if (!field || !field.form) return;
  if (!window.Worker || !window.fetch || !window.isSecureContext || !window.crypto || !window.crypto.subtle) return;
  var form = field.form;
  var status = form.querySelector('[data-challenge-status]');
  var purpose = field.getAttribute('data-challenge');
  var fallbackText = status ? status.textContent : '';
  var solving = null;
  var waiting = false;

  function say(text) { if (status) status.textContent = text; }

  function fetchChallenge() {
    return fetch('/api/v1/challenge?purpose=' + encodeURIComponent(purpose), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (res) {
        if (!res.ok) throw new Error('challenge ' + res.status);
        return res.json();
      })
      .then(function (body) { return body.challenge; });
  }

  // The same protocol as altcha's widget: each worker tries every n-th counter; the first answer wins.
  function solve(challenge) {
    var n = Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2));
    var workers = [];
    function stop() { workers.forEach(function (w) { w.terminate(); }); }
    return new Promise(function (resolve, reject) {
      var done = false;
      function finish(ok, value) {
        if (done) return;
        done = true;
        stop();
        if (ok) resolve(value); else reject(value);
      }
      for (var i = 0; i < n; i++) {
        var w = new Worker('/assets/altcha-pbkdf2-worker.js');
        workers.push(w);
        w.onmessage = function (e) {
          var d = e.data;
          if (d && typeof d.counter === 'number' && d.derivedKey) finish(true, { counter: d.counter, derivedKey: d.derivedKey });
          else if (d && d.error) finish(false, new Error(String(d.error)));
        };
        w.onerror = function () { finish(false, new Error('worker failed')); };
        w.postMessage({ type: 'work', challenge: challenge, counterStart: i, counterStep: n, timeout: 120000 });
      }
    });
  }

  function start() {
    field.value = '';
    say('Checking that this is a person’s browser…');
    solving = fetchChallenge().then(function (challenge) {
      return solve(challenge).then(function (solution) {
        field.value = btoa(JSON.stringify({ challenge: challenge, solution: solution }));
        say('Check done.');
        return true;
      });
    }).catch(function () {
      // The ticket in the form still works: say how.
      say(fallbackText);
      return false;
    });
    return solving;
  }

  start();
  form.addEventListener('submit', function (e) {
    if (field.value || waiting) return;
    e.preventDefault();
    waiting = true;
    var button = form.querySelector('button[type=submit]');
    if (button) { button.disabled = true; button.setAttribute('aria-busy', 'true'); }
    (solving || start()).then(function () {
      if (button) { button.disabled = false; button.removeAttribute('aria-busy'); }
      HTMLFormElement.prototype.submit.call(form);
    });
  });
})();
`;
