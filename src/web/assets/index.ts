// Static assets, kept as strings so the compiled service needs no files beside it.
// The script is external (CSP allows no inline script) and only adds comfort: pages work without it.
export const appCss = `
:root { --fg:#1d2330; --muted:#5b6475; --bg:#f5f6f8; --card:#fff; --accent:#1f5fd1; --accent-fg:#fff; --err:#b3261e; --err-bg:#fdecea; --ok:#1e6b35; --ok-bg:#e8f5ec; --line:#d8dce3; }
* { box-sizing: border-box; }
/* The hidden attribute must win over the display rules below (button { display:inline-block } would
   otherwise show the Show/Hide toggles that do nothing without the script). */
[hidden] { display:none !important; }
body { margin:0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
.skip { position:absolute; left:-999px; } .skip:focus { left:8px; top:8px; background:#fff; padding:4px 8px; }
.top { display:flex; justify-content:space-between; align-items:center; padding:12px 20px; background:var(--card); border-bottom:1px solid var(--line); }
.top nav { display:flex; gap:16px; align-items:center; }
.brand { font-weight:700; color:var(--fg); text-decoration:none; }
main { padding:24px 16px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:24px; max-width:720px; margin:0 auto; }
.card.narrow { max-width:440px; } .card.wide { max-width:1000px; }
h1 { font-size:1.6rem; margin:0 0 16px; } h2 { font-size:1.2rem; margin:24px 0 8px; } h3 { font-size:1rem; margin:16px 0 8px; }
.field { margin:0 0 16px; } .field label { display:block; font-weight:600; margin-bottom:4px; }
.field.check { display:flex; gap:8px; align-items:center; } .field.check label { font-weight:400; margin:0; }
input[type=email], input[type=text], input[type=password] { width:100%; padding:10px 12px; font-size:1rem; border:1px solid #9aa3b2; border-radius:6px; }
input:focus, button:focus, a:focus { outline:3px solid #8fb3ff; outline-offset:1px; }
.has-error input, input[aria-invalid=true] { border-color:var(--err); }
.password-row { display:flex; gap:8px; } .password-row input { flex:1; }
button, .button { display:inline-block; padding:10px 16px; font-size:1rem; border-radius:6px; border:1px solid var(--accent); background:var(--card); color:var(--accent); cursor:pointer; text-decoration:none; }
button.primary { background:var(--accent); color:var(--accent-fg); width:100%; margin-top:8px; }
button.link { border:none; background:none; padding:0; color:var(--accent); text-decoration:underline; }
button.toggle { padding:8px 10px; font-size:.9rem; }
.secondary-link { display:inline-block; margin-top:12px; }
.hint, .muted { color:var(--muted); font-size:.92rem; margin:0 0 6px; }
.field-error { color:var(--err); font-weight:600; margin:0 0 6px; }
.alert { padding:12px 14px; border-radius:6px; margin:0 0 16px; }
.alert.error { background:var(--err-bg); color:var(--err); border:1px solid #f0b8b3; }
.alert.notice { background:var(--ok-bg); color:var(--ok); border:1px solid #b7dfc3; }
.devices { list-style:none; padding:0; margin:0 0 12px; }
.device { display:flex; justify-content:space-between; align-items:center; gap:12px; padding:10px 0; border-bottom:1px solid var(--line); }
/* The long device line may wrap; the Sign out button beside it must not be squeezed to "Sign / out". */
.device > form { flex:none; } .device button { white-space:nowrap; }
.badge { background:#e6eefc; color:var(--accent); border-radius:999px; padding:1px 8px; font-size:.8rem; }
form.inline { display:inline; margin:0; }
.foot { text-align:center; color:var(--muted); font-size:.85rem; padding:24px; }
.visually-hidden { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; }
.checklist { margin:8px 0 0; font-size:.92rem; }
.checklist-title { margin:0 0 4px; color:var(--muted); }
.checklist ul { list-style:none; padding:0; margin:0 0 6px; }
.checklist li { padding:1px 0; }
.checklist .mark { display:inline-block; width:1.2em; font-weight:700; }
.checklist li.met { color:var(--ok); } .checklist li.unmet { color:var(--err); }
.strength { margin:0; }
table.ops { width:100%; border-collapse:collapse; } table.ops td, table.ops th { text-align:left; border-bottom:1px solid var(--line); padding:6px; vertical-align:top; }
`;

export const appJs = `
(function () {
  'use strict';
  document.querySelectorAll('button.toggle[data-toggle]').forEach(function (btn) {
    var input = document.getElementById(btn.getAttribute('data-toggle'));
    if (!input) return;
    btn.hidden = false;
    btn.addEventListener('click', function () {
      var show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      btn.textContent = show ? 'Hide' : 'Show';
      btn.setAttribute('aria-pressed', show ? 'true' : 'false');
      input.focus();
    });
  });
  document.querySelectorAll('form').forEach(function (form) {
    var confirm = form.querySelector('input[data-matches]');
    if (!confirm) return;
    var original = document.getElementById(confirm.getAttribute('data-matches'));
    var message = form.querySelector('#confirm-mismatch');
    function mismatch() { return confirm.value !== '' && original && confirm.value !== original.value; }
    // Judged at submit, then live while the person fixes it. Not on blur: the message would push the
    // checkbox and the button down from under the pointer, and the click that caused the blur would be lost.
    function update(final) {
      var bad = mismatch();
      var shown = bad && (final || confirm.dataset.touched === '1');
      if (message) message.hidden = !shown;
      // Tie the message to the box so a screen reader reads it with the field.
      var ids = (confirm.getAttribute('aria-describedby') || '').split(' ').filter(function (x) { return x && x !== 'confirm-mismatch'; });
      if (shown) ids.push('confirm-mismatch');
      if (ids.length) confirm.setAttribute('aria-describedby', ids.join(' ')); else confirm.removeAttribute('aria-describedby');
      if (shown) confirm.setAttribute('aria-invalid', 'true'); else confirm.removeAttribute('aria-invalid');
      return bad;
    }
    confirm.addEventListener('input', function () { update(false); });
    form.addEventListener('submit', function (e) {
      // Saved by the page: the server checks it too, but nobody should wait for a round trip to learn it.
      if (update(true)) { confirm.dataset.touched = '1'; e.preventDefault(); confirm.focus(); }
    });
  });
  // The live checklist under a new-password box: asks the server (the same policy engine that judges the
  // submit) a moment after typing stops, ticks the rules, and says the outcome once in a polite live region.
  document.querySelectorAll('input[data-policy-check]').forEach(function (input) {
    var box = document.getElementById(input.getAttribute('data-policy-check'));
    if (!box || !window.fetch) return;
    var form = input.form;
    var items = box.querySelectorAll('li.rule');
    var strength = box.querySelector('[data-strength]');
    var status = box.querySelector('[data-status]');
    var timer = null, seq = 0, stopped = false;
    function mark(li, state) {
      li.className = 'rule ' + state;
      li.querySelector('.mark').textContent = state === 'met' ? '\u2713' : state === 'unmet' ? '\u2717' : '\u2022';
      li.querySelector('[data-state]').textContent = state === 'met' ? ' \u2014 done' : state === 'unmet' ? ' \u2014 not yet' : '';
    }
    function reset() {
      items.forEach(function (li) { if (!li.hasAttribute('data-on-submit')) mark(li, 'unchecked'); });
      strength.hidden = true;
      status.textContent = '';
    }
    function apply(result) {
      var failed = {};
      result.violations.forEach(function (v) { failed[v.code] = v.message; });
      var unmet = [];
      items.forEach(function (li) {
        if (li.hasAttribute('data-on-submit')) return;
        var message = null;
        li.getAttribute('data-codes').split(' ').forEach(function (c) { if (failed[c]) message = failed[c]; });
        mark(li, message ? 'unmet' : 'met');
        if (message) unmet.push(message);
      });
      if (result.strength) {
        strength.hidden = false;
        strength.textContent = 'Strength: ' + result.strength.label + (result.strength.warning ? ' \u2014 ' + result.strength.warning : '');
      }
      status.textContent = unmet.length ? unmet.join(' ') : 'All the rules are met.';
    }
    function check() {
      var value = input.value;
      if (!value) { reset(); return; }
      var mine = ++seq;
      var body = { password: value };
      var email = form && form.querySelector('input[name="email"]');
      if (email && email.value) body.email = email.value.slice(0, 254);
      var name = form && form.querySelector('input[name="displayName"]');
      if (name && name.value) body.displayName = name.value.slice(0, 200);
      fetch('/api/v1/password/check', { method: 'POST', headers: { 'content-type': 'application/json' }, credentials: 'same-origin', body: JSON.stringify(body) })
        .then(function (res) { if (res.status === 429) { stopped = true; return null; } return res.ok ? res.json() : null; })
        .then(function (result) { if (result && mine === seq && input.value === value) apply(result); })
        .catch(function () { /* the server judges the submit anyway */ });
    }
    input.addEventListener('input', function () {
      if (stopped) return;
      clearTimeout(timer);
      timer = setTimeout(check, 300);
    });
  });
  // Move focus to the first error so screen readers announce it.
  var err = document.getElementById('form-error');
  if (err && !document.querySelector('[autofocus]')) err.focus();
})();
`;
