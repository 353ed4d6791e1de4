// The passkey pages' script: drives the buttons with @simplewebauthn/browser, whose own bundle (global
// `SimpleWebAuthnBrowser`) the page loads first. Without script, or in a browser without WebAuthn, the buttons
// stay hidden and the pages work as before.
import type * as SimpleWebAuthnBrowser from '@simplewebauthn/browser';

declare global {
  interface Window {
    SimpleWebAuthnBrowser?: typeof SimpleWebAuthnBrowser;
  }
}

/** An API refusal: its stable code (PassdeskError) and message. */
class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

interface SignedIn {
  account?: { mustChangePassword?: boolean };
}

/**
 * WebAuthn needs a domain name as the relying party id: at an IP address (http://127.0.0.1:8080) every ceremony
 * fails. The buttons then stay hidden and the page says why (#passkey-ip-note).
 */
function openedAtIpAddress(): boolean {
  const host = location.hostname;
  return host.startsWith('[') || host.includes(':') || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

const W = window.SimpleWebAuthnBrowser;
if (W?.browserSupportsWebAuthn()) {
  const note = document.getElementById('passkey-ip-note');
  if (!openedAtIpAddress()) start(W);
  else if (note) note.hidden = false;
}

/** Says what went wrong in the page's error box (focused, so a screen reader reads it). */
function showError(errorBox: HTMLElement | null, err: unknown): void {
  const e = err instanceof Error ? err : null;
  // The sentences are the page's (data-cancelled, data-failed), in its language.
  if (!errorBox) return;
  const message = e?.name === 'NotAllowedError' ? (errorBox.dataset['cancelled'] ?? '') : e?.message || (errorBox.dataset['failed'] ?? '');
  errorBox.textContent = message;
  errorBox.className = 'alert error';
  errorBox.hidden = false;
  errorBox.focus();
}

async function post<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (!res.ok) throw new ApiError(json.error?.message ?? '', json.error?.code);
  return json as T;
}

function setBusy(errorBox: HTMLElement | null, button: HTMLButtonElement, on: boolean): void {
  button.disabled = on;
  button.setAttribute('aria-busy', on ? 'true' : 'false');
  if (on && errorBox) errorBox.hidden = true;
}

type Options = Parameters<typeof SimpleWebAuthnBrowser.startAuthentication>[0]['optionsJSON'];

/** A passwordless sign-in: the browser's ceremony (a dialog, or the autofill's pick) for these options, then the server's answer. */
async function answerPasswordless(webauthn: typeof SimpleWebAuthnBrowser, options: Options, useBrowserAutofill: boolean): Promise<SignedIn> {
  const response = await webauthn.startAuthentication({ optionsJSON: options, useBrowserAutofill });
  return post<SignedIn>('/api/v1/passkeys/sign-in', { response });
}

const passwordlessOptions = (): Promise<Options> => post<Options>('/api/v1/passkeys/sign-in/options', {});

/**
 * Saved passkeys offered in the email box's autofill (conditional mediation; the box's autocomplete ends in
 * "webauthn"). Where the browser lacks it nothing happens and the button remains the way in. The request waits until
 * the person picks a passkey; a modal ceremony (the button) aborts it, and `again()` offers it anew after that. Its
 * challenge is replaced shortly before it expires, so a pick after a long wait still works.
 */
function offerInAutofill(webauthn: typeof SimpleWebAuthnBrowser, done: (result: SignedIn) => void, fail: (err: unknown) => void): { again(): void } {
  let waiting = false;
  let renewing = false;
  const offer = async (): Promise<void> => {
    if (waiting || !(await webauthn.browserSupportsWebAuthnAutofill())) return;
    waiting = true;
    let renew: ReturnType<typeof setTimeout> | undefined;
    try {
      const options = await passwordlessOptions();
      renew = setTimeout(
        () => {
          renewing = true;
          webauthn.WebAuthnAbortService.cancelCeremony();
        },
        Math.max(30_000, (options.timeout ?? 300_000) - 15_000),
      );
      done(await answerPasswordless(webauthn, options, true));
    } catch (err) {
      waiting = false;
      const aborted = err instanceof Error && err.name === 'AbortError';
      if (aborted && renewing) {
        renewing = false;
        void offer();
      } else if (err instanceof ApiError && err.code !== 'TOO_MANY_REQUESTS') {
        // The server refused the pick (say, a passkey it no longer knows): said by the button, and offered again.
        fail(err);
        void offer();
      }
      // Aborted by the button's ceremony, options refused (too many from this network), or no autofill after all: the button stays.
    } finally {
      clearTimeout(renew);
    }
  };
  void offer().catch(() => undefined);
  return { again: () => void offer().catch(() => undefined) };
}

/**
 * After the first passkey: the security page read again, so it shows what is true now (the passkey listed, two-step
 * verification on), with the recovery codes that came with it in its panel, shown once. False when there is no panel
 * to show them in; the caller then goes to the security page (where new ones can be made).
 */
async function showRecoveryCodes(codes: readonly string[]): Promise<boolean> {
  const res = await fetch('/security', { credentials: 'same-origin', headers: { Accept: 'text/html' } }).catch(() => null);
  const fresh = res?.ok ? new DOMParser().parseFromString(await res.text(), 'text/html').querySelector('main') : null;
  const main = document.querySelector('main');
  // Unreadable, the page stays as it was and the codes are shown in it all the same.
  if (fresh && main && fresh.querySelector('#passkey-recovery-codes-list'))
    main.replaceChildren(...Array.from(fresh.childNodes, (n) => document.importNode(n, true)));
  // Its times are UTC again: app.js shows them in the reader's zone (it listens for this event).
  main?.dispatchEvent(new CustomEvent('passdesk:replaced', { bubbles: true }));
  document.getElementById('passkey-add')?.setAttribute('hidden', '');
  const panel = document.getElementById('passkey-recovery-codes');
  const list = document.getElementById('passkey-recovery-codes-list');
  if (!panel || !list) return false;
  for (const code of codes) {
    const li = document.createElement('li');
    const c = document.createElement('code');
    c.textContent = code;
    li.appendChild(c);
    list.appendChild(li);
  }
  panel.hidden = false;
  panel.querySelector<HTMLElement>('h2')?.focus();
  return true;
}

function start(webauthn: typeof SimpleWebAuthnBrowser): void {
  const errorBox = document.getElementById('passkey-error');

  const fail = (err: unknown): void => showError(errorBox, err);
  const busy = (button: HTMLButtonElement, on: boolean): void => setBusy(errorBox, button, on);

  function afterSignIn(result: SignedIn): void {
    location.assign(result.account?.mustChangePassword ? '/security/password' : '/security');
  }

  const codeOf = (err: unknown): string | undefined => (err instanceof ApiError ? err.code : undefined);

  // Sign-in page: passwordless sign-in with a discoverable passkey, from the button or from the email box's autofill.
  const signIn = document.getElementById('passkey-sign-in') as HTMLButtonElement | null;
  const signInBox = document.getElementById('passkey-sign-in-box');
  if (signIn && signInBox) {
    signInBox.hidden = false;
    const autofill = offerInAutofill(webauthn, afterSignIn, fail);
    signIn.addEventListener('click', () => {
      busy(signIn, true);
      // Starting this ceremony aborts the autofill's (one at a time); it is offered again if this one fails.
      passwordlessOptions()
        .then((options) => answerPasswordless(webauthn, options, false))
        .then(afterSignIn)
        .catch((err: unknown) => {
          busy(signIn, false);
          fail(err);
          autofill.again();
        });
    });
  }

  // Second step of sign-in, or of a reset: prove the passkey for this flow.
  const use = document.getElementById('use-passkey') as HTMLButtonElement | null;
  const step = document.getElementById('passkey-step');
  if (use && step) {
    step.hidden = false;
    // No flow id on the step-up page: the challenge is bound to the session there.
    const flowId = use.getAttribute('data-flow-id');
    const next = use.getAttribute('data-next') ?? '/security';
    use.addEventListener('click', () => {
      busy(use, true);
      post<Parameters<typeof webauthn.startAuthentication>[0]['optionsJSON']>(use.getAttribute('data-options-url') ?? '', flowId ? { flowId } : {})
        .then((options) => webauthn.startAuthentication({ optionsJSON: options }))
        .then((response) => {
          const body = flowId ? { flowId, method: 'passkey', response } : { method: 'passkey', response };
          return post<SignedIn>(use.getAttribute('data-verify-url') ?? '', body);
        })
        .then((result) => {
          if (next === 'account') afterSignIn(result);
          else location.assign(next);
        })
        .catch((err: unknown) => {
          busy(use, false);
          const code = codeOf(err);
          if (code === 'SECOND_FACTOR_FLOW_INVALID' || code === 'RESET_FLOW_INVALID') use.disabled = true;
          fail(err);
        });
    });
  }

  // Security page: add a passkey; the first factor's recovery codes are shown once, here.
  const addBox = document.getElementById('passkey-add');
  const add = document.getElementById('add-passkey') as HTMLButtonElement | null;
  if (addBox && add) {
    addBox.hidden = false;
    add.addEventListener('click', () => {
      const nameInput = document.getElementById('new-passkey-name') as HTMLInputElement | null;
      const name = nameInput?.value.trim();
      busy(add, true);
      post<Parameters<typeof webauthn.startRegistration>[0]['optionsJSON']>('/api/v1/passkeys/registration/options', {})
        .then((options) => webauthn.startRegistration({ optionsJSON: options }))
        .then((response) => post<{ recoveryCodes?: string[] }>('/api/v1/passkeys/registration', name ? { response, name } : { response }))
        .then(async (result) => {
          if (!result.recoveryCodes || !(await showRecoveryCodes(result.recoveryCodes))) location.assign('/security?notice=passkey-added');
        })
        .catch((err: unknown) => {
          // A stale session confirms it's the person first, then comes back here.
          if (codeOf(err) === 'REAUTHENTICATION_REQUIRED') {
            location.assign(`/security/confirm?next=${encodeURIComponent('/security')}`);
            return;
          }
          busy(add, false);
          fail(err);
        });
    });
  }
}
