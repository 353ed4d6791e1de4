// Every page's script. It only adds comfort: the pages work without it (the server checks everything again).

// Show/Hide on password boxes (the buttons are hidden until this runs).
document.querySelectorAll<HTMLButtonElement>('button.toggle[data-toggle]').forEach((btn) => {
  const input = document.getElementById(btn.getAttribute('data-toggle') ?? '');
  if (!(input instanceof HTMLInputElement)) return;
  btn.hidden = false;
  btn.addEventListener('click', () => {
    const show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    btn.textContent = show ? 'Hide' : 'Show';
    btn.setAttribute('aria-pressed', show ? 'true' : 'false');
    input.focus();
  });
});

// The confirmation box must equal the new password.
document.querySelectorAll('form').forEach((form) => {
  const confirm = form.querySelector<HTMLInputElement>('input[data-matches]');
  if (!confirm) return;
  const original = document.getElementById(confirm.getAttribute('data-matches') ?? '') as HTMLInputElement | null;
  const message = form.querySelector<HTMLElement>('#confirm-mismatch');
  const mismatch = (): boolean => confirm.value !== '' && original !== null && confirm.value !== original.value;
  // Judged at submit, then live while the person fixes it. Not on blur: the message would push the
  // checkbox and the button down from under the pointer, and the click that caused the blur would be lost.
  function update(final: boolean): boolean {
    const bad = mismatch();
    const shown = bad && (final || confirm!.dataset['touched'] === '1');
    if (message) message.hidden = !shown;
    // Tie the message to the box so a screen reader reads it with the field.
    const ids = (confirm!.getAttribute('aria-describedby') ?? '').split(' ').filter((x) => x && x !== 'confirm-mismatch');
    if (shown) ids.push('confirm-mismatch');
    if (ids.length) confirm!.setAttribute('aria-describedby', ids.join(' '));
    else confirm!.removeAttribute('aria-describedby');
    if (shown) confirm!.setAttribute('aria-invalid', 'true');
    else confirm!.removeAttribute('aria-invalid');
    return bad;
  }
  confirm.addEventListener('input', () => {
    update(false);
  });
  form.addEventListener('submit', (e) => {
    // Saved by the page: the server checks it too, but nobody should wait for a round trip to learn it.
    if (update(true)) {
      confirm.dataset['touched'] = '1';
      e.preventDefault();
      confirm.focus();
    }
  });
});

/** What POST /api/v1/password/check answers (the parts this script reads). */
interface PolicyCheck {
  violations: { code: string; message: string }[];
  strength?: { label: string; warning?: string | null } | null;
}

type RuleState = 'met' | 'unmet' | 'unchecked';

// The live checklist under a new-password box: asks the server (the same policy engine that judges the
// submit) a moment after typing stops, ticks the rules, and says the outcome once in a polite live region.
document.querySelectorAll<HTMLInputElement>('input[data-policy-check]').forEach((input) => {
  const box = document.getElementById(input.getAttribute('data-policy-check') ?? '');
  if (!box || !('fetch' in window)) return;
  const form = input.form;
  const items = box.querySelectorAll<HTMLLIElement>('li.rule');
  const strength = box.querySelector<HTMLElement>('[data-strength]');
  const status = box.querySelector<HTMLElement>('[data-status]');
  if (!strength || !status) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;
  let stopped = false;
  function mark(li: HTMLLIElement, state: RuleState): void {
    li.className = `rule ${state}`;
    li.querySelector('.mark')!.textContent = state === 'met' ? '\u2713' : state === 'unmet' ? '\u2717' : '\u2022';
    li.querySelector('[data-state]')!.textContent = state === 'met' ? ' \u2014 done' : state === 'unmet' ? ' \u2014 not yet' : '';
  }
  function reset(): void {
    items.forEach((li) => {
      if (!li.hasAttribute('data-on-submit')) mark(li, 'unchecked');
    });
    strength!.hidden = true;
    status!.textContent = '';
  }
  function apply(result: PolicyCheck): void {
    const failed = new Map(result.violations.map((v) => [v.code, v.message]));
    const unmet: string[] = [];
    items.forEach((li) => {
      if (li.hasAttribute('data-on-submit')) return;
      let message: string | undefined;
      for (const c of (li.getAttribute('data-codes') ?? '').split(' ')) message = failed.get(c) ?? message;
      mark(li, message ? 'unmet' : 'met');
      if (message) unmet.push(message);
    });
    if (result.strength) {
      strength!.hidden = false;
      strength!.textContent = `Strength: ${result.strength.label}${result.strength.warning ? ` \u2014 ${result.strength.warning}` : ''}`;
    }
    status!.textContent = unmet.length ? unmet.join(' ') : 'All the rules are met.';
  }
  function check(): void {
    const value = input.value;
    if (!value) {
      reset();
      return;
    }
    const mine = ++seq;
    const body: { password: string; email?: string; displayName?: string; flow?: string } = { password: value };
    const email = form?.querySelector<HTMLInputElement>('input[name="email"]');
    if (email?.value) body.email = email.value.slice(0, 254);
    const name = form?.querySelector<HTMLInputElement>('input[name="displayName"]');
    if (name?.value) body.displayName = name.value.slice(0, 200);
    // The reset's new-password page: its account's rules, name and email, as the submit will judge.
    const flow = form?.querySelector<HTMLInputElement>('input[name="flow"]');
    if (flow?.value) body.flow = flow.value.slice(0, 256);
    fetch('/api/v1/password/check', { method: 'POST', headers: { 'content-type': 'application/json' }, credentials: 'same-origin', body: JSON.stringify(body) })
      .then((res) => {
        if (res.status === 429) {
          stopped = true;
          return null;
        }
        return res.ok ? (res.json() as Promise<PolicyCheck>) : null;
      })
      .then((result) => {
        if (result && mine === seq && input.value === value) apply(result);
      })
      .catch(() => {
        /* the server judges the submit anyway */
      });
  }
  input.addEventListener('input', () => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
});

// Move focus to the first error so screen readers announce it.
const formError = document.getElementById('form-error');
if (formError && !document.querySelector('[autofocus]')) formError.focus();
