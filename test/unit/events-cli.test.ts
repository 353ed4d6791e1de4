// Events out from the command line, as an operator meets it (real child processes): an event a `passdesk user`
// command records is copied out like the server's; `passdesk worker` delivers it; `passdesk events status` counts
// it; a bad PASSDESK_EVENTS_* setting stops the start with one line and exit 78.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { cleanEnv } from '../helpers/node-process.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'src/cli.ts');
const scratch = mkdtempSync(join(tmpdir(), 'passdesk-events-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function passdesk(args: string[], env: NodeJS.ProcessEnv, input = ''): { done: Promise<Run>; pid: number } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 150_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin.end(input);
  return { pid: child.pid!, done: new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr }))) };
}

describe('events out from the command line', () => {
  it('a `user create` event is copied out; `passdesk worker` delivers it once; `events status` counts it', async () => {
    const dataDir = mkdtempSync(join(scratch, 'data-'));
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    writeFileSync(join(dataDir, 'hook-secret'), `${secret}\n`);
    const receiver = await startWebhookReceiver({ secret, clock: { now: () => Date.now() } });
    const env = cleanEnv({
      PASSDESK_DATA_DIR: dataDir,
      PASSDESK_ARGON2_MEMORY_KIB: '1024',
      PASSDESK_ARGON2_ITERATIONS: '1',
      PASSDESK_EVENTS_WEBHOOK_URL: receiver.url,
      PASSDESK_EVENTS_WEBHOOK_SECRET_FILE: join(dataDir, 'hook-secret'),
      PASSDESK_LOG_FORMAT: 'json',
    });
    try {
      const created = await passdesk(['user', 'create', '--email', 'cli@example.org'], env, 'correct horse battery staple\n').done;
      assert.equal(created.code, 0, created.stderr);
      const queued = await passdesk(['events', 'status', '--json'], env).done;
      assert.equal(queued.code, 0, queued.stderr);
      const before = JSON.parse(queued.stdout) as { destinations: Array<{ name: string; queued: number; sent: number }> };
      assert.deepEqual(
        before.destinations.map((d) => [d.name, d.queued, d.sent]),
        [[`webhook ${receiver.url}`, 1, 0]],
      );
      assert.equal(receiver.requests.length, 0, 'a command only queues; a worker sends');

      const worker = passdesk(['worker'], env);
      const deadline = Date.now() + 120_000;
      while (receiver.accepted.size < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      process.kill(worker.pid, 'SIGTERM');
      const stopped = await worker.done;
      assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr);
      assert.equal(receiver.accepted.size, 1);
      const [body] = [...receiver.accepted.values()] as Array<{ type: string }>;
      assert.equal(body?.type, 'account.created');

      const status = await passdesk(['events', 'status'], env).done;
      assert.match(status.stdout, /webhook http:\/\/127\.0\.0\.1:\d+\/passdesk-events: queued 0 {2}sending 0 {2}retrying 0 {2}sent 1 {2}failed 0/);
      const retry = await passdesk(['events', 'retry', '--destination', receiver.url], env).done;
      assert.deepEqual([retry.code, retry.stdout.trim()], [0, '0 failed event copies queued again; the events worker sends them now.']);
    } finally {
      await receiver.close();
    }
  });

  it('a bad setting stops the start with one line naming it (exit 78)', async () => {
    const dataDir = mkdtempSync(join(scratch, 'bad-'));
    const run = await passdesk(['serve'], cleanEnv({ PASSDESK_DATA_DIR: dataDir, PASSDESK_EVENTS_SYSLOG_URL: 'udp://siem.example.org:514' })).done;
    assert.equal(run.code, 78);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, /^passdesk: configuration error: PASSDESK_EVENTS_SYSLOG_URL: expected tcp:\/\/host:port or tls:\/\/host:port/);
  });
});
