/**
 * Server-rendered SVG charts for the editors' dashboard: numbers in, markup
 * out, every label escaped. No script, so the strict CSP holds.
 */
import { escapeHtml } from '../../edition/render.js';

const PALETTE = ['#8b1a1a', '#1f4e79', '#4d7c0f', '#b45309', '#6b21a8', '#0f766e', '#57534e', '#be185d'];

export interface Bar {
  label: string;
  value: number;
  /** Text shown after the bar (default: the value). */
  text?: string;
}

export function barChart(bars: Bar[], opts: { width?: number; title: string; max?: number }): string {
  const width = opts.width ?? 560;
  const row = 22;
  const labelW = 170;
  const height = Math.max(1, bars.length) * row + 10;
  const max = opts.max ?? Math.max(1e-9, ...bars.map((b) => b.value));
  const inner = width - labelW - 70;
  const rows = bars
    .map((b, i) => {
      const w = Math.max(0, Math.min(1, b.value / max)) * inner;
      const y = 5 + i * row;
      return (
        `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${escapeHtml(truncate(b.label, 26))}</text>` +
        `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 8}" fill="${PALETTE[i % PALETTE.length]}"/>` +
        `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 15}">${escapeHtml(b.text ?? fmt(b.value))}</text>`
      );
    })
    .join('');
  return svg(width, height, opts.title, bars.length ? rows : empty(width));
}

export interface Series {
  name: string;
  values: number[];
}

/** Lines over shared x labels (dates). */
export function lineChart(xLabels: string[], series: Series[], opts: { width?: number; height?: number; title: string; yMax?: number }): string {
  const width = opts.width ?? 560;
  const height = opts.height ?? 220;
  const left = 40;
  const right = 22;
  const top = 10;
  const legendH = 18 * Math.ceil(series.length / 3);
  const bottom = 24 + legendH;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  if (!xLabels.length || !all.length) return svg(width, 60, opts.title, empty(width));
  const yMax = opts.yMax ?? Math.max(1e-9, ...all) * 1.1;
  const x = (i: number) => left + (xLabels.length === 1 ? plotW / 2 : (i / (xLabels.length - 1)) * plotW);
  const y = (v: number) => top + plotH - (Math.max(0, v) / yMax) * plotH;
  let out = `<line x1="${left}" y1="${top + plotH}" x2="${width - right}" y2="${top + plotH}" stroke="#999"/>`;
  out += `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#999"/>`;
  out += `<text x="${left - 4}" y="${top + 8}" text-anchor="end">${escapeHtml(fmt(yMax))}</text><text x="${left - 4}" y="${top + plotH}" text-anchor="end">0</text>`;
  const step = Math.max(1, Math.ceil(xLabels.length / 7));
  xLabels.forEach((l, i) => {
    if (i % step === 0 || i === xLabels.length - 1) out += `<text x="${x(i).toFixed(1)}" y="${top + plotH + 14}" text-anchor="middle">${escapeHtml(l)}</text>`;
  });
  series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length]!;
    const pts = s.values.map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : '')).filter(Boolean);
    if (pts.length > 1) out += `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/>`;
    for (const p of pts) {
      const [px, py] = p.split(',');
      out += `<circle cx="${px}" cy="${py}" r="2.5" fill="${color}"/>`;
    }
    const lx = left + (k % 3) * Math.floor(plotW / 3);
    const ly = top + plotH + 30 + Math.floor(k / 3) * 18;
    out += `<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${color}"/><text x="${lx + 14}" y="${ly}">${escapeHtml(truncate(s.name, 22))}</text>`;
  });
  return svg(width, height, opts.title, out);
}

function svg(width: number, height: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeHtml(title)}" font-size="11" font-family="Georgia, serif">` +
    `<title>${escapeHtml(title)}</title>${body}</svg>`
  );
}

function empty(width: number): string {
  return `<text x="${width / 2}" y="30" text-anchor="middle" fill="#777">—</text>`;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (Number.isInteger(v)) return String(v);
  if (Math.abs(v) >= 100) return String(Math.round(v));
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
