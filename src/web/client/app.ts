// Every page's script. It only adds comfort: the pages work without it (the server checks everything again).

// Script-only controls (copy, print) are shown by CSS once this runs: html.js (app.css).
document.documentElement.classList.add('js');

// "Show" on password boxes (the buttons are hidden until this runs): a toggle button. The focus stays on the button (a
// person who pressed it is there, and moving into the box would open a phone's keyboard); its name stays "Show
// password" and aria-pressed says whether the password is shown (WAI-ARIA APG, toggle button: a name that changed too
// would contradict the state), the pressed look shows it, and a polite live region says what happened. The password is hidden again when the form is sent and when the page comes back from the back/forward cache.
document.querySelectorAll<HTMLButtonElement>('button.toggle[data-toggle]').forEach((btn) => {
  const input = document.getElementById(btn.getAttribute('data-toggle') ?? '');
  if (!(input instanceof HTMLInputElement)) return;
  const status = btn.parentElement?.querySelector<HTMLElement>('[data-password-status]') ?? null;
  const words = (name: string): string => btn.getAttribute(`data-${name}`) ?? '';
  function setShown(show: boolean): void {
    if ((input as HTMLInputElement).type === (show ? 'text' : 'password')) return;
    (input as HTMLInputElement).type = show ? 'text' : 'password';
    btn.setAttribute('aria-pressed', show ? 'true' : 'false');
    if (status) status.textContent = words(show ? 'shown-status' : 'hidden-status');
  }
  btn.hidden = false;
  btn.addEventListener('click', (e) => {
    e.preventDefault();
    setShown(input.type === 'password');
  });
  input.form?.addEventListener('submit', () => setShown(false));
  window.addEventListener('pageshow', (e) => {
    if (e.persisted) setShown(false);
  });
});

/**
 * Runs `reveal` now, or, while a pointer is pressed, once its click has been handled: a message that appears on blur
 * moves what is under it down, and the button the pointer went down on would move away before the click lands.
 */
let pointerDown = false;
let afterPointer: Array<() => void> = [];
document.addEventListener(
  'pointerdown',
  () => {
    pointerDown = true;
  },
  true,
);
for (const type of ['pointerup', 'pointercancel'] as const) {
  document.addEventListener(
    type,
    () => {
      pointerDown = false;
      const waiting = afterPointer;
      afterPointer = [];
      // After this event's click has been dispatched.
      setTimeout(() => {
        for (const run of waiting) run();
      }, 0);
    },
    true,
  );
}
function whenPointerReleased(reveal: () => void): void {
  if (pointerDown) afterPointer.push(reveal);
  else reveal();
}

// The confirmation box must equal the new password: checked when the person leaves the box, at submit, and live
// while they fix it.
document.querySelectorAll('form').forEach((form) => {
  const confirm = form.querySelector<HTMLInputElement>('input[data-matches]');
  if (!confirm) return;
  const original = document.getElementById(confirm.getAttribute('data-matches') ?? '') as HTMLInputElement | null;
  const message = form.querySelector<HTMLElement>('#confirm-mismatch');
  const mismatch = (): boolean => confirm.value !== '' && original !== null && confirm.value !== original.value;
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
  confirm.addEventListener('blur', () => {
    if (!mismatch()) return;
    whenPointerReleased(() => {
      confirm.dataset['touched'] = '1';
      update(false);
    });
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

// Recovery codes and the authenticator key: copy, print, and the download's file made from the list as shown (the
// passkey script fills a list in after the page loaded, so these listen on the document).
function copyText(target: Element): string {
  if (target.matches('ul, ol')) return Array.from(target.querySelectorAll('li'), (li) => (li.textContent ?? '').trim()).join('\n');
  return (target.textContent ?? '').replace(/\s+/g, '');
}
document.addEventListener('click', (e) => {
  const el = e.target instanceof Element ? e.target : null;
  const copy = el?.closest<HTMLElement>('[data-copy]');
  if (copy) {
    const target = document.querySelector(copy.getAttribute('data-copy') ?? '');
    const status = copy.parentElement?.querySelector<HTMLElement>('.copy-status');
    if (!target || !navigator.clipboard) return;
    navigator.clipboard.writeText(copyText(target)).then(
      () => {
        if (status) status.textContent = copy.getAttribute('data-copied') ?? '';
      },
      () => {
        /* the codes stay on the page to select by hand */
      },
    );
    return;
  }
  if (el?.closest('[data-print]')) {
    window.print();
    return;
  }
  const download = el?.closest<HTMLAnchorElement>('a[data-download-codes]');
  const panel = download?.closest<HTMLElement>('[data-file-heading]');
  const list = download ? document.querySelector(download.getAttribute('data-download-codes') ?? '') : null;
  if (download && panel && list) {
    const text = `${panel.getAttribute('data-file-heading') ?? ''}\n${panel.getAttribute('data-file-intro') ?? ''}\n\n${copyText(list)}\n`;
    download.href = `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`;
  }
});

/** What POST /api/v1/password/check answers (the parts this script reads). */
interface PolicyCheck {
  violations: { code: string; message: string }[];
  strength?: { score: number; label: string; warning?: string | null; suggestions?: string[] } | null;
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
  const meter = box.querySelector<HTMLMeterElement>('meter');
  const label = box.querySelector<HTMLElement>('[data-strength-label]');
  const advice = box.querySelector<HTMLElement>('[data-strength-advice]');
  if (!strength || !status || !meter || !label || !advice) return;
  // The words come from the page (the catalog, in the page's language), never from this script.
  const said = (name: string): string => status.getAttribute(`data-${name}-text`) ?? '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;
  let stopped = false;
  function mark(li: HTMLLIElement, state: RuleState): void {
    li.className = `rule ${state}`;
    li.querySelector('.mark')!.textContent = state === 'met' ? '\u2713' : state === 'unmet' ? '\u2717' : '\u2022';
    li.querySelector('[data-state]')!.textContent = state === 'met' ? ` ${said('met')}` : state === 'unmet' ? ` ${said('unmet')}` : '';
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
      // A bar of five steps (the estimator's 0…4), its word beside it, and our advice under it.
      strength!.hidden = false;
      meter!.value = result.strength.score;
      strength!.dataset['score'] = String(result.strength.score);
      label!.textContent = result.strength.label;
      const lines = [...(result.strength.warning ? [result.strength.warning] : []), ...(result.strength.suggestions ?? [])];
      advice!.replaceChildren(
        ...lines.map((line) => {
          const li = document.createElement('li');
          li.textContent = line;
          return li;
        }),
      );
    }
    status!.textContent = unmet.length ? unmet.join(' ') : said('all-met');
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

// Times: the server writes each one in UTC (<time datetime>, web/i18n.ts localTime); here it becomes the reader's own
// time zone, in the page's language, and in lists how long ago it was ("3 hours ago"), the full local time in the title.
const pageLanguage = document.documentElement.lang || undefined;
const localDateTime = new Intl.DateTimeFormat(pageLanguage, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
const localDateTimeSeconds = new Intl.DateTimeFormat(pageLanguage, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  second: '2-digit',
});
const timeZoneName = new Intl.DateTimeFormat(pageLanguage, { timeZoneName: 'short' });
const relativeTime = typeof Intl.RelativeTimeFormat === 'function' ? new Intl.RelativeTimeFormat(pageLanguage, { numeric: 'auto' }) : null;
/** "3 hours ago" for a moment within the last week (or the next), else null (the date says more). */
function agoText(at: number, now: number): string | null {
  if (!relativeTime) return null;
  const seconds = Math.round((at - now) / 1000);
  const steps: Array<[number, Intl.RelativeTimeFormatUnit, number]> = [
    [45, 'second', 1],
    [45 * 60, 'minute', 60],
    [22 * 3600, 'hour', 3600],
    [7 * 86400, 'day', 86400],
  ];
  for (const [limit, unit, size] of steps) {
    if (Math.abs(seconds) < limit) return unit === 'second' ? relativeTime.format(0, 'second') : relativeTime.format(Math.round(seconds / size), unit);
  }
  return null;
}
function localiseTimes(root: ParentNode): void {
  const now = Date.now();
  root.querySelectorAll<HTMLTimeElement>('time[data-local]').forEach((el) => {
    const at = Date.parse(el.dateTime);
    if (Number.isNaN(at)) return;
    const kind = el.getAttribute('data-local');
    const zone = timeZoneName.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? '';
    const absolute = `${(kind === 'seconds' ? localDateTimeSeconds : localDateTime).format(at)}${zone ? ` ${zone}` : ''}`;
    el.title = absolute;
    el.textContent = (kind === 'relative' ? agoText(at, now) : null) ?? absolute;
  });
}
localiseTimes(document);
// Content another script put in (the passkey script reloads the security page's main part).
document.addEventListener('passdesk:replaced', (e) => {
  if (e.target instanceof Element) localiseTimes(e.target);
});

// The activity list's days: the server groups by the UTC day; here the entries move to the reader's own days, each
// headed "Today", "Yesterday" (the page's words) or its date in the page's language.
const activity = document.getElementById('activity');
if (activity) {
  const isoDay = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' });
  const longDay = new Intl.DateTimeFormat(pageLanguage, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
  const today = isoDay.format(Date.now());
  const yesterday = isoDay.format(new Date(new Date().setDate(new Date().getDate() - 1)));
  const template = activity.querySelector<HTMLElement>('section.activity-day');
  const entries = Array.from(activity.querySelectorAll<HTMLLIElement>('li[data-event-id]'));
  if (template) {
    const days: HTMLElement[] = [];
    let current: { day: string; list: HTMLElement } | null = null;
    for (const li of entries) {
      const at = Date.parse(li.querySelector('time')?.dateTime ?? '');
      if (Number.isNaN(at)) continue;
      const day = isoDay.format(at);
      if (!current || current.day !== day) {
        const section = template.cloneNode(false) as HTMLElement;
        section.dataset['day'] = day;
        const h = template.querySelector('h2')!.cloneNode(false) as HTMLElement;
        h.textContent = day === today ? (activity.dataset['today'] ?? day) : day === yesterday ? (activity.dataset['yesterday'] ?? day) : longDay.format(at);
        const list = template.querySelector('ul')!.cloneNode(false) as HTMLElement;
        section.append(h, list);
        days.push(section);
        current = { day, list };
      }
      current.list.append(li);
    }
    activity.replaceChildren(...days);
  }
}

// Move focus to the first error so screen readers announce it.
const formError = document.getElementById('form-error');
if (formError && !document.querySelector('[autofocus]')) formError.focus();
