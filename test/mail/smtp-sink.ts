/**
 * A real SMTP server on 127.0.0.1 (smtp-server, in the test process) that
 * keeps what it receives. Behaviour hooks let a test answer 4xx/5xx, drop the
 * connection, or stall after DATA.
 */
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ReceivedMessage {
  from: string;
  to: string[];
  raw: string;
  at: number;
}

export interface SinkOptions {
  /** Called with each complete message before the reply; return an error (with responseCode) to refuse it. */
  onMessage?(msg: ReceivedMessage, index: number): Error | null | undefined | Promise<Error | null | undefined>;
  /** RCPT TO check; return an error to refuse an address. */
  onRecipient?(address: string): Error | null | undefined;
  /** Keep the raw text (default true; the bench turns it off). */
  keep?: boolean;
}

export interface SmtpSink {
  url: string;
  port: number;
  messages: ReceivedMessage[];
  /** Messages received in all (also when not kept). */
  count(): number;
  close(): Promise<void>;
}

export function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

export async function startSmtpSink(opts: SinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMessage[] = [];
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      const err = opts.onRecipient?.(address.address);
      callback(err ?? undefined);
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const msg: ReceivedMessage = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: opts.keep === false ? '' : Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        const index = received++;
        const err = await opts.onMessage?.(msg, index);
        if (err) return callback(err);
        if (opts.keep !== false) messages.push(msg);
        callback(null, 'OK: queued');
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    count: () => received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
