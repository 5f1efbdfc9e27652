import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config/config.js';
import { UserError } from '../util/errors.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Extra headers (List-Unsubscribe…); values are single lines. */
  headers?: Record<string, string>;
  /** A stable Message-ID (without angle brackets), so a retried send is recognisable. */
  messageId?: string;
}

export interface SentMail {
  messageId: string;
  /** Where the embedded outbox wrote it, when there is no SMTP server. */
  file?: string;
}

/** Sends one message. Implemented by SMTP (nodemailer) and by the embedded outbox (.eml files). */
export interface Mailer {
  readonly kind: 'smtp' | 'outbox';
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): Promise<void>;
}

/**
 * SMTP when SMTP_URL is set; otherwise each message is written as an .eml
 * file under editions/outbox/YYYY-MM-DD/, so a newcomer can open them.
 */
export function createMailer(config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'editionsDir' | 'smtpRatePerSecond'>, now: () => Date = () => new Date()): Mailer {
  if (config.smtpUrl) {
    let transport: Transporter;
    try {
      transport = nodemailer.createTransport(config.smtpUrl, { from: config.mailFrom });
    } catch (e) {
      throw new UserError(`invalid SMTP_URL: ${(e as Error).message}`);
    }
    return {
      kind: 'smtp',
      async send(mail) {
        const info = await transport.sendMail({ from: config.mailFrom, ...toNodemailer(mail) });
        return { messageId: String(info.messageId ?? '').replace(/^<|>$/g, '') };
      },
      async close() {
        transport.close();
      },
    };
  }
  const stream = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    kind: 'outbox',
    async send(mail) {
      const info = await stream.sendMail({ from: config.mailFrom, ...toNodemailer(mail) });
      const messageId = String(info.messageId ?? '').replace(/^<|>$/g, '');
      const dir = join(config.editionsDir, 'outbox', now().toISOString().slice(0, 10));
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${safeName(messageId)}.eml`);
      const tmp = `${file}.tmp`;
      await writeFile(tmp, info.message as Buffer);
      await rename(tmp, file);
      return { messageId, file };
    },
    async close() {},
  };
}

function toNodemailer(mail: OutgoingMail) {
  return {
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    ...(mail.html ? { html: mail.html } : {}),
    ...(mail.headers ? { headers: mail.headers } : {}),
    ...(mail.messageId ? { messageId: `<${mail.messageId}>` } : {}),
  };
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 150) || `message-${Date.now()}`;
}
