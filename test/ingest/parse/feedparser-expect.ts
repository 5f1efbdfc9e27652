/**
 * Translate feedparser's Python expectations (index.jsonl `expect_python`) into
 * checks on Kiosque's fields. Only the shapes that map onto our model are
 * translated; the rest are reported as "not applicable".
 */

export interface FeedparserCase {
  file: string;
  category: string;
  description: string;
  expect_python: string;
  http_headers: Record<string, string> | null;
}

/** Parse a Python string expression: 'a' + "b" + u'c', with the usual escapes. */
export function parsePythonString(src: string): string | undefined {
  let i = 0;
  let out = '';
  const s = src.trim();
  const skipWs = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  for (;;) {
    skipWs();
    if (s[i] === 'u' || s[i] === 'b') i++;
    const q = s[i];
    if (q !== "'" && q !== '"') return undefined;
    i++;
    while (i < s.length && s[i] !== q) {
      if (s[i] === '\\') {
        const c = s[i + 1];
        i += 2;
        if (c === 'n') out += '\n';
        else if (c === 't') out += '\t';
        else if (c === 'r') out += '\r';
        else if (c === 'x') {
          out += String.fromCharCode(parseInt(s.slice(i, i + 2), 16));
          i += 2;
        } else if (c === 'u') {
          out += String.fromCharCode(parseInt(s.slice(i, i + 4), 16));
          i += 4;
        } else if (c === 'U') {
          out += String.fromCodePoint(parseInt(s.slice(i, i + 8), 16));
          i += 8;
        } else out += c;
      } else {
        out += s[i];
        i++;
      }
    }
    if (s[i] !== q) return undefined;
    i++;
    skipWs();
    if (i >= s.length) return out;
    if (s[i] !== '+') return undefined;
    i++;
  }
}

export type Target =
  | { kind: 'itemHtml' }
  | { kind: 'itemTitle' }
  | { kind: 'feedTitle' }
  | { kind: 'feedDescription' }
  | { kind: 'itemUrl' }
  | { kind: 'itemGuid' }
  | { kind: 'itemAuthor' }
  | { kind: 'feedSiteUrl' };

const PATHS: [RegExp, Target][] = [
  [/^entries\[0\]\['(description|summary)'\]$|^entries\[0\]\['content'\]\[0\]\['value'\]$|^entries\[0\]\['summary_detail'\]\['value'\]$/, { kind: 'itemHtml' }],
  [/^entries\[0\]\['title'\]$|^entries\[0\]\['title_detail'\]\['value'\]$/, { kind: 'itemTitle' }],
  [/^feed\['title'\]$|^feed\['title_detail'\]\['value'\]$/, { kind: 'feedTitle' }],
  [/^feed\['(tagline|subtitle|description)'\]$|^feed\['(tagline|subtitle)_detail'\]\['value'\]$/, { kind: 'feedDescription' }],
  [/^entries\[0\]\['link'\]$|^entries\[0\]\.link$/, { kind: 'itemUrl' }],
  [/^entries\[0\]\['(id|guid)'\]$/, { kind: 'itemGuid' }],
  [/^entries\[0\]\['author'\]$/, { kind: 'itemAuthor' }],
  [/^feed\['link'\]$/, { kind: 'feedSiteUrl' }],
];

export type Expectation =
  | { kind: 'equals'; target: Target; value: string; notBozo: boolean }
  | { kind: 'encoding'; value: string; notBozo: boolean }
  | { kind: 'wellformed' };

/** The expectation translated, or undefined when it does not map onto our fields. */
export function translate(expr: string): Expectation | undefined {
  const e = expr.trim();
  const notBozo = /^not bozo\b/.test(e);
  const rest = e.replace(/^not bozo\s+and\s+/, '').replace(/^bozo\s+and\s+/, '');
  if (e === 'not bozo') return { kind: 'wellformed' };
  const enc = /^encoding\s*==\s*(['"][^'"]+['"])$/.exec(rest);
  if (enc) {
    const v = parsePythonString(enc[1]);
    return v === undefined ? undefined : { kind: 'encoding', value: v, notBozo };
  }
  const m = /^((?:entries\[0\]|feed)(?:\[[^\]]+\]|\.\w+)+)\s*==\s*(.+)$/s.exec(rest);
  if (!m) return undefined;
  const found = PATHS.find(([re]) => re.test(m[1]));
  if (!found) return undefined;
  const value = parsePythonString(m[2]);
  if (value === undefined) return undefined;
  return { kind: 'equals', target: found[1], value, notBozo };
}
