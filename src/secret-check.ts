// The server secret seals second-factor seeds (and derives other keys). Started with another secret — a restore
// without DATA_DIR/secret, a node given a different PASSDESK_SECRET — every authenticator code would just be
// "not right", one person at a time. So the database remembers a check value of the secret it was made with,
// and a server with another secret refuses to start with one clear line instead.
import { ConfigError } from './config.js';
import { deriveKey, keyIdOf } from './core/secret-box.js';
import type { Store } from './store/index.js';

const CHECK_NAME = 'server_secret_check';

export async function assertSecretMatchesDatabase(store: Store, secret: Uint8Array, now: number): Promise<void> {
  const check = keyIdOf(deriveKey(secret, 'server-secret-check'));
  let inForce = await store.instance.getInstanceValue(CHECK_NAME);
  if (inForce === null) {
    // A database from before the check: the key ids of the seeds sealed so far tell which secret made them.
    const current = keyIdOf(deriveKey(secret, 'totp-secret'));
    if ((await store.instance.listSealedKeyIds()).some((id) => id !== current)) throw mismatch();
    inForce = await store.instance.setInstanceValueOnce(CHECK_NAME, check, now);
  }
  if (inForce !== check) throw mismatch();
}

function mismatch(): ConfigError {
  return new ConfigError(
    'the server secret (PASSDESK_SECRET, or DATA_DIR/secret) is not the one this database was made with: every authenticator code and sealed secret would fail. Start with the original secret (restore DATA_DIR/secret with the database: `passdesk backup` keeps them together)',
  );
}
