// A local SMTP sink for bench/mail.ts, in its own process so it does not share the bench's event loop.
// Prints "SINK <port>" when listening, then one line "ACCEPT <Message-ID> <epoch ms>" per accepted message.
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    let head = '';
    let done = false;
    stream.on('data', (c: Buffer) => {
      if (!done) {
        head += c.toString('latin1');
        if (head.includes('\r\n\r\n') || head.length > 16_384) done = true;
      }
    });
    stream.on('end', () => {
      const id = /^message-id:\s*(\S+)/im.exec(head)?.[1] ?? '?';
      process.stdout.write(`ACCEPT ${id} ${Date.now()}\n`);
      callback(null);
    });
  },
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`SINK ${(server.server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
