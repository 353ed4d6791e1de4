// A real SMTP server in the test process (the smtp-server package) that keeps what it accepted, can refuse
// for a while, and parses just enough MIME (nodemailer's multipart/alternative) to read both parts.
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  /** The session was encrypted (STARTTLS or TLS from the start). */
  secure: boolean;
  from: string;
  to: string[];
  raw: string;
  headers: Map<string, string>;
  text: string;
  html: string;
}

export interface TestSmtpServer {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** Answer every message with this temporary error until set back to null. */
  refuseWith: { code: number; message: string } | null;
  /** How many messages were refused. */
  refusals: number;
  /** Resolve to hold a message's final reply (to kill a sender mid-send). */
  holdData: (() => Promise<void>) | null;
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpServer(options: Partial<SMTPServerOptions> = {}): Promise<TestSmtpServer> {
  const state: TestSmtpServer = {
    url: '',
    port: 0,
    received: [],
    refuseWith: null,
    refusals: 0,
    holdData: null,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      // Polls the server's own list: SMTP arrives over a socket, so there is real I/O to wait for here.
      while (state.received.length < count) {
        if (Date.now() > deadline) throw new Error(`waited for ${count} messages, got ${state.received.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    ...options,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const finish = (): void => {
          if (state.refuseWith) {
            state.refusals++;
            const err = Object.assign(new Error(state.refuseWith.message), { responseCode: state.refuseWith.code });
            callback(err);
            return;
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          state.received.push({
            secure: session.secure,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            ...parseMime(raw),
          });
          callback(null);
        };
        if (state.holdData) void state.holdData().then(finish);
        else finish();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A sender killed mid-message resets its connections (ECONNRESET), one per lane: smtp-server reports each as an
  // 'error' event, which without a listener would throw in the test process. A relay shrugs those off; so does this.
  server.on('error', () => {});
  const port = (server.server.address() as AddressInfo).port;
  state.port = port;
  state.url = `smtp://127.0.0.1:${port}`;
  return state;
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.replace(/\r\n[ \t]+/g, ' ').split(/\r\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return headers;
}

function decodeBody(body: string, encoding: string | undefined): string {
  const enc = (encoding ?? '7bit').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') {
    const soft = body.replace(/=\r?\n/g, '');
    const bytes: number[] = [];
    for (let i = 0; i < soft.length; i++) {
      if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
        bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        bytes.push(...Buffer.from(soft[i]!, 'utf8'));
      }
    }
    return Buffer.from(bytes).toString('utf8');
  }
  return body;
}

/** Decodes an RFC 2047 encoded-word header (nodemailer encodes non-ASCII subjects). */
export function decodeHeader(value: string): string {
  return value.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, kind: string, data: string) =>
    kind.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeBody(data.replace(/_/g, ' '), 'quoted-printable'),
  );
}

function parseMime(raw: string): { headers: Map<string, string>; text: string; html: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = parseHeaders(raw.slice(0, split));
  const body = raw.slice(split + 4);
  const boundary = /boundary="?([^";]+)"?/.exec(headers.get('content-type') ?? '')?.[1];
  let text = '';
  let html = '';
  if (boundary) {
    for (const part of body.split(`--${boundary}`)) {
      const i = part.indexOf('\r\n\r\n');
      if (i < 0) continue;
      const ph = parseHeaders(part.slice(0, i).replace(/^\r\n/, ''));
      const content = decodeBody(part.slice(i + 4).replace(/\r\n$/, ''), ph.get('content-transfer-encoding'));
      const type = ph.get('content-type') ?? '';
      if (type.startsWith('text/plain')) text = content.replace(/\r\n/g, '\n');
      else if (type.startsWith('text/html')) html = content.replace(/\r\n/g, '\n');
    }
  }
  return { headers, text, html };
}
