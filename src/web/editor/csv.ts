/**
 * CSV for editors' reports (RFC 4180 quoting), with spreadsheet formulas
 * neutralised (STO-12): a text cell that starts with = + - @ tab, CR or NUL
 * gets a leading apostrophe; numbers (including -5) stay numbers.
 */
const FORMULA_START = /^[=+\-@\t\r\0]/;

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = String(v);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n']/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
