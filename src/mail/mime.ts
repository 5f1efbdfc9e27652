/**
 * A small RFC 5322 / MIME writer for the messages Kiosque sends: one text
 * part and optionally an HTML alternative, UTF-8, quoted-printable bodies
 * (76-character lines), RFC 2047 encoded words for non-ASCII header values.
 * nodemailer's composer did the same at about ten times the CPU cost, which
 * was half of a newsletter's. Callers pass values already checked and made
 * one-line by the mailer (see composeMail): nothing here can add a header.
 */
import { randomBytes } from 'node:crypto';

export interface MimeMessage {
  from: string;
  to: string;
  subject: string;
  /** Without angle brackets. */
  messageId: string;
  date: Date;
  /** Extra headers, names and one-line values already checked. */
  headers: [string, string][];
  text: string;
  html?: string;
}

const CRLF = '\r\n';

export function writeMime(m: MimeMessage, boundary = `----=_Kiosque_${randomBytes(12).toString('hex')}`): Buffer {
  const head: string[] = [
    headerLine('From', formatMailbox(m.from)),
    headerLine('To', m.to),
    headerLine('Subject', encodeHeaderValue(m.subject)),
    headerLine('Message-ID', `<${m.messageId}>`),
    headerLine('Date', rfc2822Date(m.date)),
    'MIME-Version: 1.0',
  ];
  for (const [name, value] of m.headers) head.push(headerLine(name, encodeHeaderValue(value)));
  const parts: Buffer[] = [];
  if (m.html === undefined) {
    head.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable');
    parts.push(Buffer.from(head.join(CRLF) + CRLF + CRLF, 'utf8'), quotedPrintable(m.text));
  } else {
    // The boundary holds "=_", which quoted-printable never leaves in a body: no part can contain it.
    head.push(headerLine('Content-Type', `multipart/alternative; boundary="${boundary}"`));
    const partHead = (type: string) => `${CRLF}--${boundary}${CRLF}Content-Type: ${type}; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`;
    parts.push(
      // UTF-8: an internationalised address (RFC 6532) is the one thing in the header that may not be ASCII.
      Buffer.from(head.join(CRLF) + CRLF + partHead('text/plain'), 'utf8'),
      quotedPrintable(m.text),
      Buffer.from(partHead('text/html'), 'latin1'),
      quotedPrintable(m.html),
      Buffer.from(`${CRLF}--${boundary}--${CRLF}`, 'latin1'),
    );
  }
  return Buffer.concat(parts);
}

// ───────────────────────── headers ─────────────────────────

/** "Name: value", folded at spaces so lines stay near 78 characters (never over 998). */
export function headerLine(name: string, value: string): string {
  const line = `${name}: ${value}`;
  if (line.length <= 78) return line;
  const words = value.split(' ');
  const lines: string[] = [];
  let cur = `${name}:`;
  for (const w of words) {
    // A word too long for the first line goes on its own folded line (a URL is never cut).
    if (cur.length + 1 + w.length > 78) {
      lines.push(cur);
      cur = ` ${w}`;
    } else cur += ` ${w}`;
  }
  lines.push(cur);
  return lines.join(CRLF);
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * ASCII stays as it is; anything else (or text that could be read as an
 * encoded word) becomes base64 encoded words of whole characters, separated
 * by spaces so the header can be folded between them.
 */
export function encodeHeaderValue(value: string): string {
  // A run of 900 characters without a space could not be folded under the 998-byte line limit.
  if (PRINTABLE_ASCII.test(value) && !value.includes('=?') && !(value.length >= 900 && /[^ ]{900}/.test(value))) return value;
  return encodedWords(value);
}

/** Up to 39 bytes of UTF-8 per word: 52 base64 characters, 64 with the =?UTF-8?B?…?= wrapper. */
function encodedWords(value: string, maxBytes = 39): string {
  const words: string[] = [];
  let chunk = '';
  let bytes = 0;
  for (const ch of value) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > maxBytes && chunk) {
      words.push(chunk);
      chunk = '';
      bytes = 0;
    }
    chunk += ch;
    bytes += n;
  }
  if (chunk || !words.length) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(' ');
}

const ATOM_PHRASE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/;
const fromCache = new Map<string, string>();

/** "Display Name <address>" with the name as atoms, a quoted string or encoded words; a bare address as is. */
export function formatMailbox(from: string): string {
  let out = fromCache.get(from);
  if (out !== undefined) return out;
  const m = /^(.*?)\s*<([^<>]+)>$/.exec(from);
  if (!m) out = from;
  else {
    let name = m[1]!.trim();
    if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1).replace(/\\(.)/g, '$1');
    const address = m[2]!.trim();
    if (!name) out = address;
    else if (!PRINTABLE_ASCII.test(name) || name.includes('=?')) out = `${encodedWords(name)} <${address}>`;
    else if (ATOM_PHRASE.test(name)) out = `${name} <${address}>`;
    else out = `"${name.replace(/(["\\])/g, '\\$1')}" <${address}>`;
  }
  if (fromCache.size < 100) fromCache.set(from, out);
  return out;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number) => String(n).padStart(2, '0');

export function rfc2822Date(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${pad2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000`;
}

// ───────────────────────── quoted-printable ─────────────────────────

const HEX = Buffer.from('0123456789ABCDEF', 'latin1');
/** Bytes written as they are: printable ASCII except "=" (space and tab too, unless they end a line). */
const LITERAL = new Uint8Array(256);
for (let c = 33; c <= 126; c++) LITERAL[c] = 1;
LITERAL[61] = 0;
LITERAL[32] = LITERAL[9] = 1;

/**
 * RFC 2045 quoted-printable of UTF-8 text. Line breaks (LF, CRLF or CR)
 * become CRLF; other lines are cut with soft breaks so none is over 76
 * characters; an escape is never split; spaces and tabs before a line end
 * are escaped.
 */
export function quotedPrintable(text: string): Buffer {
  const src = Buffer.from(text, 'utf8');
  const n = src.length;
  // Worst case: every byte escaped, plus a soft break ("=\r\n") every 25 escapes.
  const out = Buffer.allocUnsafe(n * 3 + Math.ceil((n * 3) / 73) * 3 + 3);
  let o = 0;
  let room = 75; // characters left on this output line before a soft break is needed
  let i = 0;
  while (i < n) {
    const c = src[i++]!;
    if (LITERAL[c] === 1 && ((c !== 32 && c !== 9) || (i < n && src[i] !== 10 && src[i] !== 13))) {
      if (room === 0) {
        out[o++] = 61;
        out[o++] = 13;
        out[o++] = 10;
        room = 75;
      }
      out[o++] = c;
      room--;
    } else if (c === 10 || c === 13) {
      if (c === 13 && src[i] === 10) i++;
      out[o++] = 13;
      out[o++] = 10;
      room = 75;
    } else {
      if (room < 3) {
        out[o++] = 61;
        out[o++] = 13;
        out[o++] = 10;
        room = 75;
      }
      out[o++] = 61;
      out[o++] = HEX[c >> 4]!;
      out[o++] = HEX[c & 15]!;
      room -= 3;
    }
  }
  return out.subarray(0, o);
}
