/**
 * Feed dates → ISO-8601 UTC. Handles W3CDTF/ISO 8601 (Atom, dc:date), RFC 822/1123
 * (RSS pubDate, with named or numeric zones, two-digit years, French day and month
 * names) and falls back to the platform parser. A date without a zone is read as
 * UTC, never as the host's local time, so results do not depend on TZ.
 */

const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, sept: 8, oct: 9, nov: 10, dec: 11,
  janv: 0, fev: 1, fevr: 1, mars: 2, avr: 3, mai: 4, juin: 5, juil: 6, aou: 7, aout: 7, déc: 11, dé: 11,
  january: 0, february: 1, march: 2, april: 3, june: 5, july: 6, august: 7, september: 8, october: 9,
  november: 10, december: 11, janvier: 0, fevrier: 1, avril: 3, juillet: 6, septembre: 8, octobre: 9,
  novembre: 10, decembre: 11,
};

/** Zone abbreviations → minutes east of UTC. */
const ZONES: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0, WET: 0, BST: 60, IST: 60, CET: 60, MET: 60, CEST: 120, MEST: 120, WEST: 60,
  EET: 120, EEST: 180, MSK: 180, EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360,
  PST: -480, PDT: -420, AKST: -540, AKDT: -480, HST: -600, JST: 540, KST: 540, AEST: 600, AEDT: 660,
  ACST: 570, AWST: 480, NZST: 720, NZDT: 780,
};

const MIN_YEAR = 1900;
const MAX_YEAR = 2200;

function foldAccents(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

function build(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetMin: number): string | undefined {
  if (y < MIN_YEAR || y > MAX_YEAR || mo < 0 || mo > 11 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return undefined;
  const t = Date.UTC(y, mo, d, h, mi, Math.min(s, 59), ms) - offsetMin * 60_000;
  const date = new Date(t);
  if (Number.isNaN(t) || date.getUTCFullYear() < MIN_YEAR || date.getUTCFullYear() > MAX_YEAR) return undefined;
  return date.toISOString();
}

function numericOffset(sign: string, hh: string, mm: string | undefined): number {
  const m = Number(hh) * 60 + Number(mm ?? 0);
  return sign === '-' ? -m : m;
}

const ISO = /^(\d{4})(?:-?(\d{2})(?:-?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?$/i;

function parseIso(s: string): string | undefined {
  const m = ISO.exec(s);
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '0', mi = '0', sec = '0', frac = '', zone] = m;
  let offset = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    offset = numericOffset(z[1], z[2], z[3]);
  }
  return build(+y, +mo - 1, +d, +h, +mi, +sec, Math.round(Number(`0.${frac || '0'}`) * 1000), offset);
}

const RFC822 = /^(?:\p{L}+\.?,?\s*)?(\d{1,2})(?:er)?[\s-]+(\p{L}+)\.?[\s-]+(\d{2,4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([ap]\.?m\.?))?\s*(?:([+-])(\d{2}):?(\d{2})|\(?([a-z]{1,5})\)?)?(?:\s*\(.*\))?$/iu;
/** "Mon Jan 02 2006 15:04:05 GMT+0100" / asctime-like: month before day. */
const MONTH_FIRST = /^(?:\p{L}+,?\s+)?(\p{L}+)\.?\s+(\d{1,2}),?\s+(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:(?:GMT|UTC)?([+-])(\d{2}):?(\d{2})|([a-z]{1,5}))?)?$/iu;

function yearOf(y: string): number {
  const n = Number(y);
  if (y.length === 2) return n < 50 ? 2000 + n : 1900 + n;
  return n;
}

function zoneOffset(name: string | undefined): number | undefined {
  if (!name) return 0;
  const z = name.toUpperCase();
  if (z in ZONES) return ZONES[z];
  if (/^[A-IK-Z]$/.test(z)) return 0; // military zones: RFC 2822 says treat as unknown (UTC)
  return undefined;
}

function parseRfc822(s: string): string | undefined {
  const m = RFC822.exec(s);
  if (!m) return undefined;
  const [, d, mon, y, hh, mi, sec = '0', ampm, sign, oh, om, zname] = m;
  const month = MONTHS[foldAccents(mon.toLowerCase())] ?? MONTHS[mon.toLowerCase().slice(0, 3)];
  if (month === undefined) return undefined;
  let h = Number(hh);
  if (ampm) {
    const pm = ampm.toLowerCase().startsWith('p');
    if (pm && h < 12) h += 12;
    if (!pm && h === 12) h = 0;
  }
  const offset = sign ? numericOffset(sign, oh, om) : zoneOffset(zname);
  if (offset === undefined) return undefined;
  return build(yearOf(y), month, Number(d), h, Number(mi), Number(sec), 0, offset);
}

function parseMonthFirst(s: string): string | undefined {
  const m = MONTH_FIRST.exec(s);
  if (!m) return undefined;
  const [, mon, d, y, hh = '0', mi = '0', sec = '0', sign, oh, om, zname] = m;
  const month = MONTHS[foldAccents(mon.toLowerCase())] ?? MONTHS[mon.toLowerCase().slice(0, 3)];
  if (month === undefined) return undefined;
  const offset = sign ? numericOffset(sign, oh, om) : zoneOffset(zname);
  if (offset === undefined) return undefined;
  return build(Number(y), month, Number(d), Number(hh), Number(mi), Number(sec), 0, offset);
}

/** Parse a feed date; undefined when it cannot be read or is outside 1900–2200. */
export function parseFeedDate(input: string | undefined): string | undefined {
  if (!input) return undefined;
  const s = input.trim().replace(/\s+/g, ' ').slice(0, 100);
  if (!s) return undefined;
  const r = parseIso(s) ?? parseRfc822(s) ?? parseMonthFirst(s);
  if (r) return r;
  // Last resort: the platform parser, forced to UTC when the text names no zone.
  const hasZone = /(?:\bZ\b|\bGMT\b|\bUTC\b|\bUT\b|[+-]\d{2}:?\d{2}\b)/i.test(s);
  const t = Date.parse(hasZone ? s : `${s} UTC`);
  if (Number.isNaN(t)) return undefined;
  const y = new Date(t).getUTCFullYear();
  return y >= MIN_YEAR && y <= MAX_YEAR ? new Date(t).toISOString() : undefined;
}
