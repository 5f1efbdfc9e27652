/** Name normalization shared by the gazetteer index and the text scanner. */

const COMBINING = /[\u0300-\u036f]/g;
const NON_WORD = /[^\p{L}\p{N}]+/gu;

const foldCache = new Map<string, string>();
const FOLD_CACHE_MAX = 200_000;

/** Lower case, accents removed ("Étienne" → "etienne"); one token at a time. */
export function foldToken(token: string): string {
  if (isAscii(token)) return token.toLowerCase();
  const cached = foldCache.get(token);
  if (cached !== undefined) return cached;
  const folded = foldSlow(token);
  if (foldCache.size >= FOLD_CACHE_MAX) foldCache.clear();
  foldCache.set(token, folded);
  return folded;
}

/** Whether every code unit is ASCII: a loop, not a regex call per token (place detection folds every word it looks at). */
function isAscii(token: string): boolean {
  for (let k = 0; k < token.length; k++) if (token.charCodeAt(k) > 0x7f) return false;
  return true;
}

function foldSlow(token: string): string {
  // ß and a few ligatures have no combining-mark decomposition
  return token
    .normalize('NFD')
    .replace(COMBINING, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/ł/g, 'l')
    .replace(/ø/g, 'o')
    .replace(/đ/g, 'd');
}

/**
 * Index key of a name: its word tokens folded and joined by one space, so
 * "Saint-Étienne", "saint etienne" and "SAINT ÉTIENNE" share a key, and
 * "U.S." becomes "u s" exactly as the scanner sees it in text.
 */
const SIMPLE_NAME = /^[A-Za-z0-9]+(?: [A-Za-z0-9]+)*$/;
const ASCII_NAME = /^[\x20-\x7e]+$/;
const ASCII_SEPARATORS = /[^A-Za-z0-9]+/g;

export function nameKey(name: string): string {
  if (SIMPLE_NAME.test(name)) return name.toLowerCase();
  if (ASCII_NAME.test(name)) return name.replace(ASCII_SEPARATORS, ' ').trim().toLowerCase();
  const parts = name.split(NON_WORD).filter(Boolean);
  return parts.map(foldToken).join(' ');
}

/** Accent- and case-insensitive comparison form for prefixes (autocomplete). */
export function foldText(s: string): string {
  return nameKey(s);
}
