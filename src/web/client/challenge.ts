// The bot challenge in the browser: fetches a challenge for the form's purpose, solves it in altcha's PBKDF2 Web
// Workers (served by Passdesk; the field names the worker's URL) while the person types, and puts the answer in the
// form. Without script (or without WebCrypto, outside a secure context) nothing happens here and the form's
// no-JavaScript ticket is the proof.

interface Solution {
  counter: number;
  derivedKey: string;
}

const field = document.querySelector<HTMLInputElement>('input[data-challenge]');
const workerUrl = field?.getAttribute('data-challenge-worker');
if (field?.form && workerUrl && 'Worker' in window && 'fetch' in window && window.isSecureContext && window.crypto?.subtle) {
  run(field, field.form, workerUrl);
}

function run(field: HTMLInputElement, form: HTMLFormElement, workerUrl: string): void {
  const status = form.querySelector<HTMLElement>('[data-challenge-status]');
  const purpose = field.getAttribute('data-challenge') ?? '';
  const fallbackText = status?.textContent ?? '';
  let solving: Promise<boolean> | null = null;
  let waiting = false;

  const say = (text: string): void => {
    if (status) status.textContent = text;
  };

  async function fetchChallenge(): Promise<unknown> {
    const res = await fetch(`/api/v1/challenge?purpose=${encodeURIComponent(purpose)}`, {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
    if (!res.ok) throw new Error(`challenge ${res.status}`);
    return ((await res.json()) as { challenge: unknown }).challenge;
  }

  // The same protocol as altcha's widget: each worker tries every n-th counter; the first answer wins.
  function solve(challenge: unknown): Promise<Solution> {
    const n = Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2));
    const workers: Worker[] = [];
    return new Promise((resolve, reject) => {
      let done = false;
      function finish(result: { ok: true; value: Solution } | { ok: false; error: Error }): void {
        if (done) return;
        done = true;
        for (const w of workers) w.terminate();
        if (result.ok) resolve(result.value);
        else reject(result.error);
      }
      for (let i = 0; i < n; i++) {
        const w = new Worker(workerUrl);
        workers.push(w);
        w.onmessage = (e: MessageEvent<{ counter?: unknown; derivedKey?: string; error?: unknown } | null>) => {
          const d = e.data;
          if (d && typeof d.counter === 'number' && d.derivedKey) finish({ ok: true, value: { counter: d.counter, derivedKey: d.derivedKey } });
          else if (d?.error) finish({ ok: false, error: new Error(String(d.error)) });
        };
        w.onerror = () => finish({ ok: false, error: new Error('worker failed') });
        w.postMessage({ type: 'work', challenge, counterStart: i, counterStep: n, timeout: 120000 });
      }
    });
  }

  function start(): Promise<boolean> {
    field.value = '';
    say(status?.dataset['checking'] ?? '');
    solving = fetchChallenge()
      .then((challenge) =>
        solve(challenge).then((solution) => {
          field.value = btoa(JSON.stringify({ challenge, solution }));
          say(status?.dataset['done'] ?? '');
          return true;
        }),
      )
      .catch(() => {
        // The ticket in the form still works: say how.
        say(fallbackText);
        return false;
      });
    return solving;
  }

  void start();
  form.addEventListener('submit', (e) => {
    if (field.value || waiting) return;
    e.preventDefault();
    waiting = true;
    const button = form.querySelector<HTMLButtonElement>('button[type=submit]');
    if (button) {
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
    }
    void (solving ?? start()).then(() => {
      if (button) {
        button.disabled = false;
        button.removeAttribute('aria-busy');
      }
      HTMLFormElement.prototype.submit.call(form);
    });
  });
}
