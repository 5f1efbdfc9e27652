import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { classifySmtpError, createMailer, isPlainAddress, MailSendError, sendWithRetry, type Mailer } from '../../src/mail/mailer.js';
import { smtpError, startSmtpSink, type SmtpSink } from './smtp-sink.js';

const base = { mailFrom: 'Kiosque <edition@kiosque.test>', editionsDir: '', smtpRatePerSecond: 1000 };
const noSleep = async () => undefined;

let sink: SmtpSink | undefined;
let mailer: Mailer | undefined;
afterEach(async () => {
  await mailer?.close();
  await sink?.close();
  mailer = undefined;
  sink = undefined;
});

/** Header lines (unfolded) of a raw message, lower-cased names. */
function headerLines(raw: string): string[] {
  const head = raw.split(/\r?\n\r?\n/)[0]!;
  return head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
}
const countHeader = (raw: string, name: string) => headerLines(raw).filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`)).length;

describe('SMTP mailer against a real SMTP server on loopback', () => {
  it('sends one message with the envelope, headers once and a stable Message-ID', async () => {
    sink = await startSmtpSink();
    mailer = createMailer({ ...base, smtpUrl: sink.url });
    const sent = await mailer.send({
      to: 'lea@exemple.fr',
      subject: 'Kiosque · Dimanche 22 novembre — Élections régionales',
      text: 'Bonjour',
      html: '<p>Bonjour</p>',
      headers: { 'List-Unsubscribe': '<https://k.test/u/T>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      messageId: 'edition.2026-11-22.abc@k.test',
    });
    expect(sent.messageId).toBe('edition.2026-11-22.abc@k.test');
    expect(sent.response).toMatch(/^250/);
    expect(sink.messages).toHaveLength(1);
    const m = sink.messages[0]!;
    expect(m.to).toEqual(['lea@exemple.fr']);
    expect(m.from).toBe('edition@kiosque.test');
    expect(countHeader(m.raw, 'List-Unsubscribe')).toBe(1);
    expect(countHeader(m.raw, 'List-Unsubscribe-Post')).toBe(1);
    const parsed = await simpleParser(m.raw);
    expect(parsed.subject).toBe('Kiosque · Dimanche 22 novembre — Élections régionales');
    expect(parsed.messageId).toBe('<edition.2026-11-22.abc@k.test>');
    expect(headerLines(m.raw)).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  });

  it('EML-05: CR/LF in subject, From name, header values never make new header lines or recipients', async () => {
    sink = await startSmtpSink();
    mailer = createMailer({ ...base, mailFrom: 'Daily\r\nBcc: victim@evil.test <edition@kiosque.test>', smtpUrl: sink.url });
    await mailer.send({
      to: 'lea@exemple.fr',
      subject: 'Breaking\r\nBcc: attacker@evil.test\r\nX-Injected: 1',
      text: 'x',
      headers: { 'X-Edition-Id': '2024-03-10\r\nX-Evil: yes', 'List-Unsubscribe': '<https://e.test/u/T\r\nX-Evil2: yes>' },
    });
    const m = sink.messages[0]!;
    expect(m.to).toEqual(['lea@exemple.fr']);
    const lines = headerLines(m.raw).map((l) => l.toLowerCase());
    for (const bad of ['bcc:', 'x-injected:', 'x-evil:', 'x-evil2:']) expect(lines.some((l) => l.startsWith(bad))).toBe(false);
    expect(countHeader(m.raw, 'Subject')).toBe(1);
  });

  it('EML-06: refuses anything but one plain address; reserved headers cannot be doubled', async () => {
    for (const bad of ['"xclow3n@gmail.com x"@internal.domain', '"foo@psres.net> ORCPT=admin@admin.com"@test.com', 'a@b.test, attacker@evil.test', 'victim@example.test\r\nRCPT TO:<x@evil.test>', 'Name <a@b.test>', 'a@b']) {
      expect(isPlainAddress(bad), bad).toBe(false);
    }
    expect(isPlainAddress('élodie.martin+kiosque@exemple.fr')).toBe(true);
    sink = await startSmtpSink();
    mailer = createMailer({ ...base, smtpUrl: sink.url });
    await expect(mailer.send({ to: 'a@b.test, attacker@evil.test', subject: 's', text: 't' })).rejects.toThrow(MailSendError);
    await expect(mailer.send({ to: 'a@b.test', subject: 's', text: 't', headers: { Bcc: 'x@evil.test' } })).rejects.toThrow(/refusing header/);
    await expect(mailer.send({ to: 'a@b.test', subject: 's', text: 't', headers: { 'X-A: b\r\nBcc': 'x' } })).rejects.toThrow(/refusing header/);
    expect(sink.count()).toBe(0);
  });

  it('EML-11: retries 4xx with backoff, never 5xx', async () => {
    let refusals = 2;
    sink = await startSmtpSink({ onMessage: () => (refusals-- > 0 ? smtpError(451, 'Throttling failure, try later') : null) });
    mailer = createMailer({ ...base, smtpUrl: sink.url });
    const delays: number[] = [];
    const r = await sendWithRetry(mailer, { to: 'a@b.test', subject: 's', text: 't' }, { attempts: 4, baseDelayMs: 100, sleep: async (ms) => void delays.push(ms) });
    expect(r.attempts).toBe(3);
    expect(delays).toHaveLength(2);
    expect(delays[1]!).toBeGreaterThan(delays[0]!);
    expect(sink.messages).toHaveLength(1);
    await mailer.close();
    await sink.close();

    sink = await startSmtpSink({ onRecipient: (a) => (a === 'gone@b.test' ? smtpError(550, 'No such user') : null) });
    mailer = createMailer({ ...base, smtpUrl: sink.url });
    let tries = 0;
    const err = await sendWithRetry(mailer, { to: 'gone@b.test', subject: 's', text: 't' }, { attempts: 4, sleep: noSleep, onAttempt: () => void tries++ }).catch((e) => e);
    expect(err).toBeInstanceOf(MailSendError);
    expect(err.kind).toBe('permanent');
    expect(tries).toBe(1);
    // Still transient after the last try: classified so the caller can queue it for later.
    let always = 0;
    await mailer.close();
    await sink.close();
    sink = await startSmtpSink({ onMessage: () => (always++, smtpError(421, 'Service not available')) });
    mailer = createMailer({ ...base, smtpUrl: sink.url });
    const e2 = await sendWithRetry(mailer, { to: 'a@b.test', subject: 's', text: 't' }, { attempts: 2, sleep: noSleep }).catch((e) => e);
    expect(e2.kind).toBe('transient');
    expect(always).toBe(2);
  });

  it('classifies errors', () => {
    expect(classifySmtpError({ responseCode: 451 })).toBe('transient');
    expect(classifySmtpError({ responseCode: 554 })).toBe('permanent');
    expect(classifySmtpError({ code: 'ECONNECTION' })).toBe('transient');
    expect(classifySmtpError({ code: 'EENVELOPE' })).toBe('permanent');
    expect(classifySmtpError(new Error('?'))).toBe('transient');
  });

  it('an unreachable server is a transient failure', async () => {
    mailer = createMailer({ ...base, smtpUrl: 'smtp://127.0.0.1:1' });
    const e = await sendWithRetry(mailer, { to: 'a@b.test', subject: 's', text: 't' }, { attempts: 2, sleep: noSleep }).catch((x) => x);
    expect(e).toBeInstanceOf(MailSendError);
    expect(e.kind).toBe('transient');
  });
});

describe('outbox mailer (no SMTP_URL)', () => {
  it('writes one .eml per Message-ID under editions/outbox/DATE, replacing on retry, and knows what it delivered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosque-outbox-'));
    mailer = createMailer({ ...base, editionsDir: dir });
    expect(mailer.kind).toBe('outbox');
    const mail = { to: 'lea@exemple.fr', subject: 'Édition', text: 'texte', html: '<p>texte</p>', messageId: 'edition.2026-11-22.x@k.test', date: '2026-11-22' };
    const a = await mailer.send(mail);
    await mailer.send(mail);
    expect(a.file).toBe(join(dir, 'outbox', '2026-11-22', 'edition.2026-11-22.x_k.test.eml'));
    expect(readdirSync(join(dir, 'outbox', '2026-11-22'))).toEqual(['edition.2026-11-22.x_k.test.eml']);
    const parsed = await simpleParser(readFileSync(a.file!));
    expect(parsed.subject).toBe('Édition');
    expect(await mailer.delivered!('edition.2026-11-22.x@k.test', '2026-11-22')).toBe(true);
    expect(await mailer.delivered!('edition.2026-11-22.y@k.test', '2026-11-22')).toBe(false);
  });
});
