import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { randomUUID } from 'node:crypto';
import { writeMime } from './mime.js';
import type { Config } from '../config/config.js';
import { UserError } from '../util/errors.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Extra headers (List-Unsubscribe…); values are single lines (line breaks and control characters are removed). */
  headers?: Record<string, string>;
  /** A stable Message-ID (without angle brackets), so a retried send is recognisable. */
  messageId?: string;
  /** The outbox folder's date (YYYY-MM-DD), e.g. the edition's date; default: today (UTC). */
  date?: string;
  /** A From other than the configured one (e.g. a separate address for transactional mail). */
  from?: string;
}

export interface SentMail {
  messageId: string;
  /** Where the embedded outbox wrote it, when there is no SMTP server. */
  file?: string;
  /** The server's reply to the message ("250 OK: queued as …"), when there is one. */
  response?: string;
}

/** Sends one message. Implemented by SMTP (nodemailer) and by the embedded outbox (.eml files). */
export interface Mailer {
  readonly kind: 'smtp' | 'outbox';
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): Promise<void>;
  /**
   * Whether a message with this Message-ID is known to have been delivered
   * (the outbox can tell from its file; SMTP cannot, so it has no such method).
   */
  delivered?(messageId: string, date?: string): Promise<boolean>;
  /** Sends a message already composed by composeMail (e.g. in a worker thread). */
  sendRaw?(mail: ComposedMail): Promise<SentMail>;
}

/** A message composed to its final bytes (RFC 5322), with the envelope it goes out with. */
export interface ComposedMail {
  raw: Uint8Array;
  envelope: { from: string; to: string[] };
  messageId: string;
  /** The outbox folder's date, as in OutgoingMail. */
  date?: string;
}

/**
 * Composes a message to its final bytes with the checks `send` applies (one
 * plain recipient, one-line headers, reserved headers not doubled, explicit
 * envelope). `send` itself goes through here, so both paths give the same message.
 */
export function composeMail(mail: OutgoingMail, defaultFrom: string, now: Date = new Date()): ComposedMail {
  const c = checkedMail(mail, defaultFrom);
  const messageId = c.messageId ?? `${randomUUID()}@${domainOf(c.envelope.from)}`;
  const raw = writeMime({ from: c.from, to: c.to, subject: c.subject, messageId, date: now, headers: c.headers, text: mail.text, ...(mail.html ? { html: mail.html } : {}) });
  return { raw, envelope: c.envelope, messageId, ...(mail.date ? { date: mail.date } : {}) };
}

export type MailerConfig = Pick<Config, 'smtpUrl' | 'mailFrom' | 'editionsDir' | 'smtpRatePerSecond'> & {
  /** Parallel SMTP connections in the pool (default 5). */
  smtpConnections?: number;
  /** Messages per connection before it is recycled (default 1000). */
  smtpMessagesPerConnection?: number;
};

/**
 * SMTP when SMTP_URL is set (a pool of connections, at most
 * `smtpRatePerSecond` messages a second); otherwise each message is written
 * as an .eml file under editions/outbox/YYYY-MM-DD/, so a newcomer can open them.
 */
export function createMailer(config: MailerConfig, now: () => Date = () => new Date()): Mailer {
  if (config.smtpUrl) {
    let transport: Transporter;
    try {
      transport = nodemailer.createTransport({
        url: config.smtpUrl,
        pool: true,
        maxConnections: config.smtpConnections ?? 5,
        maxMessages: config.smtpMessagesPerConnection ?? 1000,
        rateDelta: 1000,
        rateLimit: Math.max(1, Math.round(config.smtpRatePerSecond)),
        connectionTimeout: 30_000,
        greetingTimeout: 30_000,
        socketTimeout: 60_000,
      } as Parameters<typeof nodemailer.createTransport>[0]);
    } catch (e) {
      throw new UserError(`invalid SMTP_URL: ${(e as Error).message}`);
    }
    const sendRaw = async (mail: ComposedMail): Promise<SentMail> => {
      const info = await transport.sendMail({ envelope: mail.envelope, raw: Buffer.from(mail.raw.buffer, mail.raw.byteOffset, mail.raw.byteLength) });
      return { messageId: mail.messageId, ...(info.response ? { response: String(info.response) } : {}) };
    };
    return {
      kind: 'smtp',
      send: async (mail) => sendRaw(composeMail(mail, config.mailFrom, now())),
      sendRaw,
      async close() {
        transport.close();
      },
    };
  }
  const dirFor = (date: string | undefined) => join(config.editionsDir, 'outbox', date && ISO_DATE.test(date) ? date : now().toISOString().slice(0, 10));
  const writeEml = async (messageId: string, date: string | undefined, bytes: Uint8Array): Promise<SentMail> => {
    const dir = dirFor(date);
    await mkdir(dir, { recursive: true });
    // Named by Message-ID: writing the same message again replaces it (a retry never makes two files).
    const file = join(dir, `${safeName(messageId)}.eml`);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
    return { messageId, file };
  };
  return {
    kind: 'outbox',
    async send(mail) {
      const c = composeMail(mail, config.mailFrom, now());
      return writeEml(c.messageId, c.date, c.raw);
    },
    async sendRaw(mail) {
      return writeEml(mail.messageId, mail.date, mail.raw);
    },
    async delivered(messageId, date) {
      try {
        await access(join(dirFor(date), `${safeName(bare(messageId))}.eml`));
        return true;
      } catch {
        return false;
      }
    },
    async close() {},
  };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * One recipient, as stored and validated: no display name, quotes, list,
 * angle brackets, spaces or control characters (EML-06), so the SMTP
 * envelope's RCPT TO is exactly this address.
 */
const PLAIN_ADDRESS = /^[\p{L}\p{N}.!#$%&'*+/=?^_`{|}~-]{1,64}@[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62}[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62}[\p{L}\p{N}])?)+$/u;

export function isPlainAddress(address: string): boolean {
  return typeof address === 'string' && address.length <= 254 && PLAIN_ADDRESS.test(address);
}

/** A header value on one line: line breaks and other control characters become spaces (EML-05). */
export function oneLineHeader(value: string): string {
  return String(value)
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const HEADER_NAME = /^[A-Za-z][A-Za-z0-9-]{0,60}$/;
/** Headers the mailer sets itself; a caller cannot add a second one through `headers`. */
const RESERVED_HEADERS = new Set(['from', 'to', 'cc', 'bcc', 'subject', 'message-id', 'date', 'mime-version', 'content-type', 'content-transfer-encoding', 'sender', 'reply-to', 'return-path']);

interface CheckedMail {
  from: string;
  to: string;
  envelope: { from: string; to: string[] };
  subject: string;
  headers: [string, string][];
  messageId?: string;
}

function checkedMail(mail: OutgoingMail, defaultFrom: string): CheckedMail {
  if (!isPlainAddress(mail.to)) throw new MailSendError(`refusing to send to ${JSON.stringify(String(mail.to).slice(0, 80))}: not one plain address`, 'permanent');
  const headers: [string, string][] = [];
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(mail.headers ?? {})) {
    const key = name.toLowerCase();
    if (!HEADER_NAME.test(name) || RESERVED_HEADERS.has(key) || seen.has(key)) throw new MailSendError(`refusing header ${JSON.stringify(name.slice(0, 60))}`, 'permanent');
    seen.add(key);
    headers.push([name, oneLineHeader(value)]);
  }
  const from = oneLineHeader(mail.from ?? defaultFrom);
  const envelopeFrom = addressOf(from);
  const messageId = mail.messageId ? bare(oneLineHeader(mail.messageId)) : undefined;
  return {
    from,
    to: mail.to,
    // The envelope is given explicitly: nothing in a header can add a recipient.
    envelope: { from: envelopeFrom, to: [mail.to] },
    subject: oneLineHeader(mail.subject),
    headers,
    ...(messageId !== undefined ? { messageId } : {}),
  };
}

/** The address inside "Name <address>" (or the value itself). */
function addressOf(from: string): string {
  const m = /<([^<>]+)>\s*$/.exec(from);
  return (m ? m[1]! : from).trim();
}

const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1) || 'localhost';

const bare = (id: unknown): string => String(id ?? '').replace(/^<|>$/g, '');

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 150) || `message-${Date.now()}`;
}

// ───────────────────────── failures and retries ─────────────────────────

export type FailureKind = 'transient' | 'permanent';

/** A send that failed, classified: transient (4xx, connection trouble) is worth retrying, permanent (5xx) is not. */
export class MailSendError extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly responseCode?: number,
  ) {
    super(message);
    this.name = 'MailSendError';
  }
}

const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EPROTOCOL', 'ETLS']);

/**
 * 4xx replies and connection failures are transient; 5xx replies (and
 * messages the mailer itself refuses) are permanent. Unknown errors count as
 * transient: a retry later is cheaper than a lost edition.
 */
export function classifySmtpError(e: unknown): FailureKind {
  if (e instanceof MailSendError) return e.kind;
  const err = e as { responseCode?: unknown; code?: unknown };
  if (typeof err?.responseCode === 'number') return err.responseCode >= 500 ? 'permanent' : 'transient';
  if (typeof err?.code === 'string' && TRANSIENT_CODES.has(err.code)) return 'transient';
  if (err?.code === 'EENVELOPE' || err?.code === 'EMESSAGE') return 'permanent';
  return 'transient';
}

export interface RetryOptions {
  /** Tries in all (default 3). */
  attempts?: number;
  /** First backoff; doubles each time, with jitter (default 500 ms). */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called before each try (1-based), e.g. to count attempts in the ledger. */
  onAttempt?: (attempt: number) => void | Promise<void>;
}

/** Sends, retrying transient failures with exponential backoff; throws a classified MailSendError. */
export function sendWithRetry(mailer: Mailer, mail: OutgoingMail, opts: RetryOptions = {}): Promise<SentMail & { attempts: number }> {
  return withRetry(() => mailer.send(mail), opts);
}

/** Runs one send attempt function with sendWithRetry's rules (for composed messages: `() => mailer.sendRaw(c)`). */
export async function withRetry(attemptOnce: () => Promise<SentMail>, opts: RetryOptions = {}): Promise<SentMail & { attempts: number }> {
  const attempts = Math.max(1, opts.attempts ?? 3);
  const base = opts.baseDelayMs ?? 500;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    await opts.onAttempt?.(attempt);
    try {
      return { ...(await attemptOnce()), attempts: attempt };
    } catch (e) {
      const kind = classifySmtpError(e);
      const code = typeof (e as { responseCode?: unknown })?.responseCode === 'number' ? ((e as { responseCode: number }).responseCode as number) : undefined;
      if (kind === 'permanent' || attempt >= attempts) {
        throw e instanceof MailSendError ? e : new MailSendError(oneLineHeader((e as Error)?.message ?? String(e)).slice(0, 300), kind, code);
      }
      await sleep(base * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5));
    }
  }
}
