// `passdesk serve` as a real child process (tsx, no build step): several nodes on one database, killed by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = 'src/cli.ts';

export interface ServeProcess {
  child: ChildProcess;
  /** http://127.0.0.1:PORT of this node. */
  url: string;
  /** Everything it printed so far (JSON log lines). */
  output(): string;
  exited: Promise<number | null>;
  /** SIGKILL, by this child's own PID (a crash, not a shutdown). */
  kill(): void;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number | null>;
}

/** A TCP port nothing listens on right now (asked of the system, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The environment without the caller's own PASSDESK_* settings (a child reads only what a test gives it). */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('PASSDESK_') && !k.startsWith('NODE_TEST') && k !== 'NODE_OPTIONS') env[k] = v;
  }
  return { ...env, ...extra };
}

/** Starts `passdesk serve` on 127.0.0.1:port and resolves once it says it listens (or rejects with its output). */
export async function startServeProcess(o: { port: number; env: Record<string, string>; args?: string[]; timeoutMs?: number }): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', ...(o.args ?? [])], {
    cwd: ROOT,
    env: cleanEnv({ PASSDESK_HOST: '127.0.0.1', PASSDESK_PORT: String(o.port), PASSDESK_LOG_FORMAT: 'json', ...o.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" within ${o.timeoutMs ?? 30_000} ms:\n${out}`)), o.timeoutMs ?? 30_000);
    const check = (): void => {
      if (out.includes('Passdesk is listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before listening:\n${out}`));
    });
  });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  };
  try {
    await listening;
  } catch (err) {
    kill();
    throw err;
  }
  return {
    child,
    url: `http://127.0.0.1:${o.port}`,
    output: () => out,
    exited,
    kill,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
      return exited;
    },
  };
}
