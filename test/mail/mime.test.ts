import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { composeMail } from '../../src/mail/mailer.js';
import { encodeHeaderValue, formatMailbox, quotedPrintable, rfc2822Date, writeMime } from '../../src/mail/mime.js';

/** Decodes quoted-printable (RFC 2045) for the round trips below. */
function decodeQp(encoded: string): string {
  const bytes: number[] = [];
  const body = encoded.replace(/=\r\n/g, '');
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '=') {
      bytes.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(body.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

const headerBlock = (raw: string) => raw.split('\r\n\r\n')[0]!;
const unfolded = (raw: string) => headerBlock(raw).replace(/\r\n[ \t]+/g, ' ').split('\r\n');

describe('quoted-printable', () => {
  it('round-trips French, English, symbols and emoji with CRLF lines of at most 76 characters', () => {
    const samples = [
      "Les élus ont voté tard dans la soirée un budget en hausse — « transports » et écoles · 3 % = 2 + 1 ; l'œuvre 🗞️ à 6 h.\n",
      `${'é'.repeat(200)}\n${'a'.repeat(300)}\n${'=' .repeat(90)}\n`,
      'trailing space \nand tab\t\nlast line ends with a space ',
      'mixed\r\nline\rendings\n\n\nblank lines\n',
      '. a line starting with a dot\nFrom the start\n',
      '',
    ];
    for (const s of samples) {
      const out = quotedPrintable(s).toString('latin1');
      expect(out).toMatch(/^[\x20-\x7e\r\n]*$/);
      for (const line of out.split('\r\n')) {
        expect(line.length).toBeLessThanOrEqual(76);
        expect(line).not.toMatch(/[ \t]$/);
      }
      expect(out.replace(/\r\n/g, '\n').split('\n').every((l) => !/=[0-9A-F]?$/.test(l) || l.endsWith('='))).toBe(true);
      expect(decodeQp(out)).toBe(s.replace(/\r\n|\r/g, '\n').replace(/\n/g, '\r\n'));
    }
  });
});

describe('headers', () => {
  it('encodes non-ASCII values as encoded words of whole characters and leaves ASCII as it is', async () => {
    expect(encodeHeaderValue('List-Unsubscribe=One-Click')).toBe('List-Unsubscribe=One-Click');
    const subject = 'Kiosque · Dimanche 22 novembre — Les élus votent un budget en hausse 🗞️ après un long débat à Saint-Étienne';
    const enc = encodeHeaderValue(subject);
    expect(enc).toMatch(/^(=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= ?)+$/);
    // Each word decodes alone (no character cut in two).
    for (const w of enc.split(' ')) expect(Buffer.from(w.slice(10, -2), 'base64').toString('utf8')).not.toContain('\ufffd');
    // Text that looks like an encoded word is itself encoded, so a reader cannot be shown something else.
    expect(encodeHeaderValue('=?UTF-8?B?SGk=?=')).not.toBe('=?UTF-8?B?SGk=?=');
  });

  it('formats the From mailbox: atoms, quoted string, encoded words', () => {
    expect(formatMailbox('Kiosque <edition@k.test>')).toBe('Kiosque <edition@k.test>');
    expect(formatMailbox('edition@k.test')).toBe('edition@k.test');
    expect(formatMailbox('Daily Bcc: victim@evil.test <edition@k.test>')).toBe('"Daily Bcc: victim@evil.test" <edition@k.test>');
    expect(formatMailbox('"Le \\"Kiosque\\"" <edition@k.test>')).toBe('"Le \\"Kiosque\\"" <edition@k.test>');
    expect(formatMailbox('Kiosque Édition <edition@k.test>')).toMatch(/^=\?UTF-8\?B\?[^ ]+\?= <edition@k\.test>$/);
  });

  it('writes RFC 2822 dates in UTC', () => {
    expect(rfc2822Date(new Date('2026-03-08T07:05:09Z'))).toBe('Sun, 08 Mar 2026 07:05:09 +0000');
  });
});

describe('composed message', () => {
  const mail = {
    to: 'lea@exemple.fr',
    subject: 'Kiosque · Dimanche 22 novembre — Élections régionales : les résultats, ville par ville, et ce qui change pour vous',
    text: "Bonjour Léa,\n\nVoici l'édition du jour.\n",
    html: `<!doctype html><p class="k-p" style="margin:0">Bonjour <a href="https://k.test/c/${'x'.repeat(120)}">Léa</a> — à la une</p>\n`,
    headers: { 'List-Unsubscribe': `<https://k.test/u/${'T'.repeat(90)}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'List-Id': 'Kiosque <edition.k.test>' },
    messageId: 'edition.2026-11-22.abc@k.test',
  };

  it('parses back to the same subject, text, HTML and headers, each header once', async () => {
    const c = composeMail(mail, 'Kiosque Édition <edition@k.test>', new Date('2026-11-22T06:00:00Z'));
    expect(c.envelope).toEqual({ from: 'edition@k.test', to: ['lea@exemple.fr'] });
    expect(c.messageId).toBe('edition.2026-11-22.abc@k.test');
    const raw = Buffer.from(c.raw).toString('latin1');
    // Folded near 78 characters; only a word that cannot be cut (a long URL) stands on a longer line.
    for (const line of raw.split('\r\n')) if (line.length > 78) expect(line).toMatch(/^ \S+$/);
    expect(raw).not.toMatch(/[^\r]\n/);
    for (const name of ['From', 'To', 'Subject', 'Message-ID', 'Date', 'MIME-Version', 'Content-Type', 'List-Unsubscribe', 'List-Unsubscribe-Post', 'List-Id']) {
      expect(unfolded(raw).filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`)), name).toHaveLength(1);
    }
    expect(unfolded(raw)).toContain(`List-Unsubscribe: ${mail.headers['List-Unsubscribe']}`);
    expect(unfolded(raw)).toContain('Date: Sun, 22 Nov 2026 06:00:00 +0000');
    const parsed = await simpleParser(Buffer.from(c.raw));
    expect(parsed.subject).toBe(mail.subject);
    expect(parsed.text).toBe(mail.text.replace(/\n/g, '\n'));
    expect(parsed.html).toBe(mail.html.replace(/\n/g, '\n'));
    expect(parsed.messageId).toBe('<edition.2026-11-22.abc@k.test>');
    expect(parsed.from?.value[0]).toEqual({ address: 'edition@k.test', name: 'Kiosque Édition' });
  });

  it('a text-only message is one text/plain part', async () => {
    const c = composeMail({ to: 'a@b.test', subject: 'Édition', text: 'texte' }, 'edition@k.test');
    const raw = Buffer.from(c.raw).toString('latin1');
    expect(unfolded(raw)).toContain('Content-Type: text/plain; charset=utf-8');
    expect(c.messageId).toMatch(/^[0-9a-f-]{36}@k\.test$/);
    const parsed = await simpleParser(Buffer.from(c.raw));
    expect(parsed.text?.trim()).toBe('texte');
    expect(parsed.subject).toBe('Édition');
  });

  it('an internationalised recipient address is written in UTF-8', async () => {
    const c = composeMail({ to: 'élodie.martin@exemple.fr', subject: 's', text: 't', html: '<p>t</p>' }, 'Kiosque <edition@k.test>');
    expect(c.envelope.to).toEqual(['élodie.martin@exemple.fr']);
    expect(Buffer.from(c.raw).toString('utf8')).toContain('\r\nTo: élodie.martin@exemple.fr\r\n');
    const parsed = await simpleParser(Buffer.from(c.raw));
    const to = Array.isArray(parsed.to) ? parsed.to[0]! : parsed.to!;
    expect(to.value[0]!.address).toBe('élodie.martin@exemple.fr');
  });

  it('CR/LF in the subject, the From or a header value never start a header line (EML-05)', () => {
    const c = composeMail(
      { to: 'a@b.test', subject: 'Breaking\r\nBcc: attacker@evil.test', text: 't', headers: { 'X-Edition-Key': 'k\r\nX-Evil: 1' } },
      'Daily\r\nBcc: victim@evil.test <edition@k.test>',
    );
    const lines = unfolded(Buffer.from(c.raw).toString('latin1')).map((l) => l.toLowerCase());
    for (const bad of ['bcc:', 'x-evil:']) expect(lines.some((l) => l.startsWith(bad))).toBe(false);
    expect(c.envelope).toEqual({ from: 'edition@k.test', to: ['a@b.test'] });
  });

  it('the multipart boundary cannot occur in a quoted-printable body', () => {
    const raw = writeMime({ from: 'a@b.test', to: 'c@d.test', subject: 's', messageId: 'm@b.test', date: new Date(0), headers: [], text: '----=_Kiosque_00', html: '<p>----=_Kiosque_00</p>' }, '----=_Kiosque_00');
    expect(Buffer.from(raw).toString('latin1').split('\r\n').filter((l) => l.startsWith('------=_Kiosque_00'))).toHaveLength(3);
  });
});
