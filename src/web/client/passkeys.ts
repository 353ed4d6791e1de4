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

const W = window.SimpleWebAuthnBrowser;
if (W?.browserSupportsWebAuthn()) start(W);

/** Says what went wrong in the page's error box (focused, so a screen reader reads it). */
function showError(errorBox: HTMLElement | null, err: unknown): void {
  const e = err instanceof Error ? err : null;
  const message =
    e?.name === 'NotAllowedError' ? 'The passkey request was cancelled or timed out. Try again.' : e?.message || 'Something went wrong. Try again.';
  if (!errorBox) return;
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
  if (!res.ok) throw new ApiError(json.error?.message || 'Something went wrong. Try again.', json.error?.code);
  return json as T;
}

function setBusy(errorBox: HTMLElement | null, button: HTMLButtonElement, on: boolean): void {
  button.disabled = on;
  button.setAttribute('aria-busy', on ? 'true' : 'false');
  if (on && errorBox) errorBox.hidden = true;
}

function start(webauthn: typeof SimpleWebAuthnBrowser): void {
  const errorBox = document.getElementById('passkey-error');

  const fail = (err: unknown): void => showError(errorBox, err);
  const busy = (button: HTMLButtonElement, on: boolean): void => setBusy(errorBox, button, on);

  function afterSignIn(result: SignedIn): void {
    location.assign(result.account?.mustChangePassword ? '/security/password' : '/security');
  }

  const codeOf = (err: unknown): string | undefined => (err instanceof ApiError ? err.code : undefined);

  // Sign-in page: passwordless sign-in with a discoverable passkey.
  const signIn = document.getElementById('passkey-sign-in') as HTMLButtonElement | null;
  const signInBox = document.getElementById('passkey-sign-in-box');
  if (signIn && signInBox) {
    signInBox.hidden = false;
    signIn.addEventListener('click', () => {
      busy(signIn, true);
      post<Parameters<typeof webauthn.startAuthentication>[0]['optionsJSON']>('/api/v1/passkeys/sign-in/options', {})
        .then((options) => webauthn.startAuthentication({ optionsJSON: options }))
        .then((response) => post<SignedIn>('/api/v1/passkeys/sign-in', { response }))
        .then(afterSignIn)
        .catch((err: unknown) => {
          busy(signIn, false);
          fail(err);
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
        .then((result) => {
          const codes = document.getElementById('passkey-recovery-codes');
          const list = codes?.querySelector('ul');
          if (!result.recoveryCodes || !codes || !list) {
            location.assign('/security?notice=passkey-added');
            return;
          }
          for (const code of result.recoveryCodes) {
            const li = document.createElement('li');
            const c = document.createElement('code');
            c.textContent = code;
            li.appendChild(c);
            list.appendChild(li);
          }
          addBox.hidden = true;
          codes.hidden = false;
          codes.querySelector('a')?.focus();
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
