// Issue 13: `passdesk serve --workers N` — N processes on one port with the limits in Redis; a worker that dies is
// replaced; SIGTERM stops them all; and N > 1 without Redis is refused before anything starts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { apiClient, devMailboxToken, signUpAndConfirm } from '../helpers/api-client.js';
import { REDIS_TEST_URL } from '../helpers/redis.js';
import { cleanEnv, freePort, startServeProcess, type ServeProcess } from '../helpers/node-process.js';
import { connectRedis } from '../../src/store/redis.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'passdesk-workers-'));

/** The PIDs of a process's children, from /proc (Linux). */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name in parentheses: state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      // Only the workers (tsx's esbuild service is a child too, in development runs).
      if (ppid === pid && !readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('esbuild')) out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out.sort();
}

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // Waits on other processes (a fork, an exit): real events outside this process, polled with a deadline.
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('passdesk serve --workers 2 on SQLite with Redis', () => {
  let node: ServeProcess;
  let url: string;
  const prefix = `passdesk-test-${randomBytes(6).toString('hex')}`;

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    node = await startServeProcess({
      port,
      args: ['--workers', '2'],
      env: {
        PASSDESK_DATA_DIR: mkdtempSync(join(scratch, 'data-')),
        PASSDESK_REDIS_URL: REDIS_TEST_URL,
        PASSDESK_REDIS_PREFIX: prefix,
        PASSDESK_BASE_URL: url,
        PASSDESK_CHALLENGE: 'off',
        PASSDESK_SIGNIN_DELAY_FROM: '100',
      },
    });
  });

  after(async () => {
    for (const pid of childPids(node.child.pid!)) process.kill(pid, 'SIGKILL');
    node?.kill();
    await node?.exited;
    const redis = connectRedis(REDIS_TEST_URL, { warn: () => {}, info: () => {} });
    if (await redis.ready(5000)) {
      const keys = await redis.client.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.client.unlink(...keys);
    }
    await redis.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('runs two server processes under one primary, and a session made through one works through the other', async () => {
    await until(() => childPids(node.child.pid!).length === 2);
    const api = apiClient({ url, origin: url });
    const signUp = await signUpAndConfirm(api, { email: 'workers@example.org', password: 'a long passphrase for the workers test', displayName: 'W' }, () =>
      devMailboxToken(api, 'workers@example.org'),
    );
    assert.equal(signUp.response.status, 201, JSON.stringify(signUp.error));
    // New connections are handed to the workers in turn: 20 fresh connections reach both.
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${url}/api/v1/session`, { headers: { cookie: [...api.cookies].map(([k, v]) => `${k}=${v}`).join('; '), connection: 'close' } });
      assert.equal(res.status, 200);
    }
  });

  it('the sign-in limit is counted once for all workers', async () => {
    const email = `nobody-${randomBytes(4).toString('hex')}@example.org`;
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) {
      const res = await fetch(`${url}/api/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: url, connection: 'close' },
        body: JSON.stringify({ email, password: `wrong guess ${i}` }),
      });
      statuses.push(res.status);
    }
    assert.equal(statuses.filter((s) => s === 401).length, 10, statuses.join(' '));
  });

  it('a worker killed with SIGKILL is replaced, and the node keeps answering', async () => {
    const [victim] = childPids(node.child.pid!);
    process.kill(victim!, 'SIGKILL');
    await until(() => {
      const now = childPids(node.child.pid!);
      return now.length === 2 && !now.includes(victim!);
    });
    const res = await fetch(`${url}/healthz`);
    assert.equal(res.status, 200);
  });

  it('SIGTERM to the primary stops every worker and exits 0', async () => {
    const workers = childPids(node.child.pid!);
    assert.equal(await node.stop(), 0, node.output());
    for (const pid of workers) assert.throws(() => process.kill(pid, 0), 'the worker is gone');
  });
});

it('--workers 2 without PASSDESK_REDIS_URL is refused with one line and exit 78', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--workers', '2'], {
    cwd: ROOT,
    env: cleanEnv({ PASSDESK_DATA_DIR: mkdtempSync(join(tmpdir(), 'passdesk-workers-refused-')) }),
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 78, r.stderr);
  assert.match(r.stderr, /--workers 2 needs PASSDESK_REDIS_URL/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
