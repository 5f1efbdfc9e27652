/**
 * Place-mention detection: a single left-to-right scan over word tokens,
 * longest gazetteer match first, then case and context rules that drop
 * common words ("Nice weather"), person names ("Paris Hilton", "George
 * Washington") and abbreviations out of place.
 */
import type { Lang } from '../../model.js';
import { AliasType, entryAt, expandNames, namesOf, type Gazetteer, type GeoEntry } from './gazetteer.js';
import { createRequire } from 'node:module';
import { COMMON_WORDS_EN } from './common-words-en.js';
import { AMBIGUOUS_WORDS_EN, AMBIGUOUS_WORDS_FR } from './data.js';
import { foldToken } from './normalize.js';

/** Per language, words that name places but are mostly ordinary words ("reading", "tours"). */
const COMMON_WORDS: Record<Lang, Set<string>> = {
  en: new Set([...AMBIGUOUS_WORDS_EN, ...COMMON_WORDS_EN].map(foldToken)),
  fr: new Set(AMBIGUOUS_WORDS_FR.map(foldToken)),
};

const requireHere = createRequire(import.meta.url);
const stopwordList = (path: string): string[] => {
  try {
    return (requireHere(path) as { words: string[] }).words;
  } catch {
    return [];
  }
};

/** Function words of both languages: a capitalized one opens a sentence, it does not name a town ("Cela", "Tous"). */
const FUNCTION_WORDS = new Set(
  [
    ...stopwordList('natural/lib/natural/util/stopwords.js'),
    ...stopwordList('natural/lib/natural/util/stopwords_fr.js'),
    'cela', 'ceci', 'tous', 'toutes', 'tout', 'toute', 'quel', 'quelle', 'quels', 'quelles', 'selon', 'depuis',
    'alors', 'ainsi', 'aussi', 'apres', 'avant', 'pendant', 'lors', 'comme', 'chaque', 'plusieurs', 'certains',
    'entre', 'parmi', 'malgre', 'sans', 'voici', 'voila', 'dont', 'celui', 'celle', 'ceux', 'enfin', 'encore',
    'deja', 'puis', 'donc', 'car', 'ici', 'la', 'bien', 'tres', 'plus', 'moins', 'non', 'oui', 'si', 'seul',
    'nord', 'sud', 'est', 'ouest', 'centre', 'however', 'meanwhile', 'also', 'but', 'yet', 'still', 'even',
  ].map(foldToken),
);

/**
 * A word of the text, as offsets: its characters are sliced out only when
 * asked for (wordAt; most words never are). Tokens are recycled from one
 * text to the next and live long, so they hold no reference to the text: a
 * long-lived object pointing at a new string costs a write-barrier entry,
 * and the next scavenge a visit, for each of the ~400 tokens of an article.
 */
export class Token {
  /** FNV-1a of the folded word (foldToken), once asked for; NO_HASH before. */
  hash = NO_HASH;
  /** The folded word (foldToken), once asked for. */
  key: string | undefined;
  constructor(
    public start: number,
    public end: number,
    /** 0 lowercase/other, 1 Capitalized, 2 ALL CAPS (two letters or more). */
    public cap: 0 | 1 | 2,
    /** First token of a sentence (or of the text, a line, a quotation). */
    public sentenceStart: boolean,
  ) {}
  /** Reuses this object for another word (the scanner recycles its tokens between texts). */
  reset(start: number, end: number, cap: 0 | 1 | 2, sentenceStart: boolean): this {
    this.start = start;
    this.end = end;
    this.cap = cap;
    this.sentenceStart = sentenceStart;
    this.hash = NO_HASH;
    this.key = undefined;
    return this;
  }
  get length(): number {
    return this.end - this.start;
  }
}

/** The characters of a token of `text`. */
function wordAt(text: string, t: Token): string {
  return text.slice(t.start, t.end);
}

export interface Candidate {
  entry: GeoEntry;
  type: AliasType;
}

export interface Detection {
  start: number;
  end: number;
  /** Text as written. */
  surface: string;
  key: string;
  firstToken: number;
  lastToken: number;
  candidates: Candidate[];
  /** 0…1: how sure we are that this is a place at all. */
  score: number;
  /** Index of a following detection that qualifies this one ("Paris, Texas"). */
  qualifier?: number;
  /** True when this detection qualifies a previous one. */
  isQualifier?: boolean;
  inTitle?: boolean;
  /** Right after a locative preposition ("in", "à", "near"). */
  locative?: boolean;
  /** Rejected as part of a person's name ("Paris" in "Paris Hilton"). */
  personPart?: boolean;
}

/**
 * A detection with every field present from the start, in one order: fields added later (locative, personPart,
 * qualifier…) gave detections half a dozen hidden classes, and the code reading them in scoring, resolution and
 * filtering went from one to many shapes per property read.
 */
export function newDetection(
  start: number,
  end: number,
  surface: string,
  key: string,
  firstToken: number,
  lastToken: number,
  candidates: Candidate[],
  inTitle: boolean | undefined,
  locative: boolean | undefined,
): Detection {
  return { start, end, surface, key, firstToken, lastToken, candidates, score: 1, qualifier: undefined, isQualifier: undefined, inTitle, locative, personPart: undefined };
}

/** Capitalized words that are never taken as places in running text. */
const NOT_PLACES = new Set([
  'january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november',
  'december', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'monday',
  'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'janvier', 'fevrier', 'avril', 'mai', 'juin',
  'juillet', 'aout', 'septembre', 'octobre', 'novembre', 'decembre', 'lundi', 'mardi', 'mercredi', 'jeudi',
  'vendredi', 'samedi', 'dimanche', 'arab', 'white house', 'god', 'jesus', 'christ', 'christmas', 'easter', 'noel',
  'toyota', 'honda', 'dodge', 'metro', 'section', 'one', 'day', 'city', 'lot', 'united', 'ms', 'mr', 'mrs', 'dr',
  'marine', 'navy', 'army', 'internet', 'web', 'google', 'apple', 'orange', 'amazon', 'mobile', 'ok', 'tv',
]);

/** Capitalized words after a small place that keep it a place ("Gainesville Police", "Laurel County"). */
const PLACE_FOLLOWERS = new Set([
  'county', 'counties', 'parish', 'city', 'town', 'township', 'village', 'state', 'river', 'valley', 'lake', 'street',
  'st', 'avenue', 'ave', 'road', 'rd', 'boulevard', 'blvd', 'highway', 'drive', 'police', 'department', 'fire',
  'school', 'schools', 'high', 'middle', 'elementary', 'university', 'college', 'hospital', 'airport', 'mayor',
  'council', 'commission', 'commissioners', 'sheriff', 'area', 'region', 'regional', 'public', 'board', 'chamber',
  'community', 'library', 'park', 'district', 'court', 'jail', 'city', 'municipal', 'memorial', 'church', 'baptist',
  'methodist', 'square', 'center', 'centre', 'mall', 'bridge', 'station', 'times', 'news',
  'herald', 'tribune', 'post', 'journal', 'gazette', 'chronicle', 'courier', 'observer',
  'residents', 'officials', 'man', 'woman', 'native', 'metro', 'metropolitan', 'downtown', 'historic', 'main',
  'ville', 'mairie', 'préfecture', 'prefecture', 'conseil',
]);

const UPPER = /\p{Lu}/u;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
/** Marks a token whose folded hash is not known yet (non-ASCII: folding needs the string). */
const NO_HASH = 0;

/** FNV-1a of a string's UTF-16 code units, continuing from h. */
function fnvString(h: number, s: string): number {
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), FNV_PRIME);
  return h;
}

/** Latin letters below this code fold one by one (foldToken of a word is the folds of its letters: checked for every pair). */
const FOLD_LIMIT = 0x250;
/** Folded code of each character below FOLD_LIMIT, or -1 when it folds to several ("ß" → "ss", see FOLD_STRINGS). */
const FOLD_CODE = new Int32Array(FOLD_LIMIT);
const FOLD_STRINGS: string[] = [];
for (let c = 0; c < FOLD_LIMIT; c++) {
  const f = foldToken(String.fromCharCode(c));
  FOLD_CODE[c] = f.length === 1 ? f.charCodeAt(0) : -1;
  FOLD_STRINGS.push(f);
}

/**
 * FNV-1a of foldToken(text[start, end)), continuing from h, computed from the
 * characters (no string built) when they are all below FOLD_LIMIT (ASCII,
 * French and most Latin-script accents); NO_HASH otherwise (fold the string
 * instead). A word whose hash happens to be NO_HASH is hashed from its string
 * too: same value.
 */
function foldedHash(h: number, text: string, start: number, end: number): number {
  for (let k = start; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c < 128) {
      h = Math.imul(h ^ (c >= 65 && c <= 90 ? c + 32 : c), FNV_PRIME);
      continue;
    }
    if (c >= FOLD_LIMIT) return NO_HASH;
    const f = FOLD_CODE[c]!;
    if (f >= 0) h = Math.imul(h ^ f, FNV_PRIME);
    else {
      const fs = FOLD_STRINGS[c]!;
      for (let m = 0; m < fs.length; m++) h = Math.imul(h ^ fs.charCodeAt(m), FNV_PRIME);
    }
  }
  return h;
}

/**
 * A Bloom filter over the gazetteer's name keys and their prefixes (and one
 * over the lowercase starts), on the FNV-1a hash of the folded words: most
 * capitalized words of a text are not the start of any name, and the filter
 * answers that from the scanned characters, without building the key string
 * or probing a 160k-entry Map. It never says no to a real key, so detection
 * is unchanged.
 */
class KeyFilter {
  private readonly bits: Int32Array;
  private readonly shift: number;
  constructor(keys: Iterable<string>, log2Bits: number) {
    this.bits = new Int32Array(1 << (log2Bits - 5));
    this.shift = 32 - log2Bits;
    for (const k of keys) this.add(fnvString(FNV_OFFSET, k));
  }
  private add(h: number): void {
    const a = Math.imul(h, 0x9e3779b1) >>> this.shift;
    const b = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> this.shift;
    this.bits[a >>> 5]! |= 1 << (a & 31);
    this.bits[b >>> 5]! |= 1 << (b & 31);
  }
  mayHave(h: number): boolean {
    const a = Math.imul(h, 0x9e3779b1) >>> this.shift;
    if ((this.bits[a >>> 5]! & (1 << (a & 31))) === 0) return false;
    const b = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> this.shift;
    return (this.bits[b >>> 5]! & (1 << (b & 31))) !== 0;
  }
}

interface GazetteerFilters {
  byKeySize: number;
  prefixesSize: number;
  lowerStartsSize: number;
  /** Name keys and proper prefixes of multi-word keys. */
  names: KeyFilter;
  lowerStarts: KeyFilter;
  lookups: LookupMemo;
  /** admissibleFor's answers, by name and shape. */
  admissible: Map<number, ListsByShape>;
}

/**
 * A small memo in front of the gazetteer's name index, by hash of the folded
 * words: news repeats the same few hundred names ("UK", "London", "Mr"),
 * and a hit is checked against the words' characters, without building the
 * key string or probing two maps of 160k and 50k strings (the costliest
 * line of detection). Direct-mapped: a colliding name simply replaces the
 * one before. It holds what the index answers, so detection is unchanged.
 */
interface LookupMemo {
  hashes: Int32Array;
  keys: (string | undefined)[];
  /** The byKey value (packed reference or offset into multi), or NO_NAME. */
  values: Int32Array;
  /** 1 when the key is a proper prefix of a longer name. */
  prefix: Uint8Array;
}

const LOOKUP_BITS = 12;
const LOOKUP_SHIFT = 32 - LOOKUP_BITS;
/** byKey values are packed references (≥ 0) or −(offset + 1): never this. */
const NO_NAME = -0x80000000;

function lookupMemo(): LookupMemo {
  const n = 1 << LOOKUP_BITS;
  return { hashes: new Int32Array(n), keys: new Array<string | undefined>(n).fill(undefined), values: new Int32Array(n), prefix: new Uint8Array(n) };
}

/**
 * Whether words i..j of text, folded and joined by single spaces, are exactly
 * `key`. Characters at or above FOLD_LIMIT answer no (the caller then builds
 * the key the slow way): a no is never wrong, only slower.
 */
function spellsKey(key: string, text: string, tokens: Token[], i: number, j: number): boolean {
  let p = 0;
  const n = key.length;
  for (let t = i; t <= j; t++) {
    if (t > i) {
      if (key.charCodeAt(p) !== 32) return false;
      p++;
    }
    const tok = tokens[t]!;
    for (let k = tok.start; k < tok.end; k++) {
      const c = text.charCodeAt(k);
      if (p >= n) return false;
      if (c < 128) {
        if (key.charCodeAt(p++) !== (c >= 65 && c <= 90 ? c + 32 : c)) return false;
        continue;
      }
      if (c >= FOLD_LIMIT) return false;
      const f = FOLD_CODE[c]!;
      if (f >= 0) {
        if (key.charCodeAt(p++) !== f) return false;
      } else {
        const fs = FOLD_STRINGS[c]!;
        for (let m = 0; m < fs.length; m++) if (key.charCodeAt(p++) !== fs.charCodeAt(m)) return false;
      }
    }
  }
  return p === n;
}

const filtersByGazetteer = new WeakMap<object, GazetteerFilters>();

function* concat(a: Iterable<string>, b: Iterable<string>): Iterable<string> {
  yield* a;
  yield* b;
}

/** The filters of a gazetteer, built on first use (~20 ms) and rebuilt if its name tables changed size. */
function filtersOf(gaz: Pick<Gazetteer, 'byKey' | 'prefixes' | 'lowerStarts'>): GazetteerFilters {
  let f = filtersByGazetteer.get(gaz);
  if (!f || f.byKeySize !== gaz.byKey.size || f.prefixesSize !== gaz.prefixes.size || f.lowerStartsSize !== gaz.lowerStarts.size) {
    // ~200k keys in 4M bits with two probes: about 1 % false positives
    f = {
      byKeySize: gaz.byKey.size,
      prefixesSize: gaz.prefixes.size,
      lowerStartsSize: gaz.lowerStarts.size,
      names: new KeyFilter(concat(gaz.byKey.keys(), gaz.prefixes), 22),
      lowerStarts: new KeyFilter(gaz.lowerStarts, 16),
      lookups: lookupMemo(),
      admissible: new Map(),
    };
    filtersByGazetteer.set(gaz, f);
  }
  return f;
}

/** Per UTF-16 code unit: 0 not a word char, 1 lowercase/other word char, 2 uppercase letter. Filled on demand. */
const CHAR_CLASS = new Uint8Array(65536).fill(255);
const WORD_CHAR = /[\p{L}\p{M}\p{N}]/u;
for (let c = 0; c < 128; c++) {
  CHAR_CLASS[c] = c >= 65 && c <= 90 ? 2 : (c >= 97 && c <= 122) || (c >= 48 && c <= 57) ? 1 : 0;
}

function charClass(code: number): number {
  let k = CHAR_CLASS[code]!;
  if (k === 255) {
    const ch = String.fromCharCode(code);
    // surrogate halves count as word characters so astral letters stay inside their word
    k = code >= 0xd800 && code <= 0xdfff ? 1 : !WORD_CHAR.test(ch) ? 0 : UPPER.test(ch) ? 2 : 1;
    CHAR_CLASS[code] = k;
  }
  return k;
}

/** Word tokens (letters, marks, digits) with their case shape; a char-code scan, no regex per word. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  out.length = scanTokens(text, out, []);
  return out;
}

/**
 * Puts the words of text in out[0, count) and returns count, reusing Token
 * objects from `pool` (grown as needed): detection recycles them from one
 * text to the next, which spares the garbage collector a few hundred objects
 * per article. Entries past count are left over from longer texts: `out` is
 * never cut, since V8 trims an array cut to less than half its capacity and
 * the next longer text regrew it push by push.
 */
function scanTokens(text: string, out: Token[], pool: Token[]): number {
  let count = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    let k = charClass(text.charCodeAt(i));
    if (k === 0) {
      i++;
      continue;
    }
    const start = i;
    const firstUpper = k === 2;
    let anyLower = false;
    while (i < n) {
      const c = text.charCodeAt(i);
      // most characters of a text are ASCII lowercase letters: no table lookup for them
      if (c >= 97 && c <= 122) {
        anyLower = true;
        i++;
        continue;
      }
      k = charClass(c);
      if (k === 0) break;
      // digits are not lowercase letters ("A1" stays all caps)
      if (k === 1 && !(c >= 48 && c <= 57)) anyLower = true;
      i++;
    }
    const cap: 0 | 1 | 2 = !firstUpper ? 0 : i - start >= 2 && !anyLower ? 2 : 1;
    // only capitalized words are ever asked whether they open a sentence
    const sentenceStart = cap > 0 && isSentenceStart(text, start);
    const slot = count++;
    const t = slot < pool.length ? pool[slot]!.reset(start, i, cap, sentenceStart) : new Token(start, i, cap, sentenceStart);
    if (slot >= pool.length) pool.push(t);
    if (slot < out.length) out[slot] = t;
    else out.push(t);
  }
  return count;
}

const TOKEN_POOL: Token[] = [];
const TOKENS: Token[] = [];

/** Whether the word at `at` opens a sentence (or the text, a line, a quotation); by character code, no one-character strings. */
function isSentenceStart(text: string, at: number): boolean {
  for (let i = at - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    // ' ' \t " “ « ( ‘ ' and no-break space come before the first word of a sentence
    if (c === 32 || c === 9 || c === 34 || c === 0x201c || c === 0xab || c === 40 || c === 0x2018 || c === 39 || c === 0xa0) continue;
    // . ! ? \n : — - • ;
    return c === 46 || c === 33 || c === 63 || c === 10 || c === 58 || c === 0x2014 || c === 45 || c === 0x2022 || c === 59;
  }
  return true;
}

/** Titles and honorifics: a capitalized word after one of these is a person. */
const PERSON_TITLES = new Set(
  [
    'mr', 'mrs', 'ms', 'miss', 'dr', 'sen', 'senator', 'gov', 'governor', 'rep', 'representative', 'president',
    'judge', 'justice', 'officer', 'sgt', 'sergeant', 'capt', 'captain', 'lt', 'lieutenant', 'gen', 'general', 'col',
    'colonel', 'rev', 'reverend', 'pastor', 'father', 'sister', 'brother', 'coach', 'prof', 'professor', 'deputy',
    'detective', 'trooper', 'chief', 'sheriff', 'mayor', 'commissioner', 'councilman', 'councilwoman', 'pope',
    'king', 'queen', 'prince', 'princess', 'lord', 'lady', 'sir', 'dame', 'madame', 'mme', 'mlle', 'monsieur',
    'maître', 'me', 'président', 'présidente', 'ministre', 'député', 'sénateur', 'maire', 'docteur', 'abbé',
    'st', 'saint', 'sainte', 'by', 'par', 'm', 'mm',
  ].map(foldToken),
);

/** Capitalized words that may stand before a place name without making it part of another name. */
const PLACE_PRECEDERS = new Set(
  [
    'north', 'south', 'east', 'west', 'northern', 'southern', 'eastern', 'western', 'central', 'northeast',
    'northwest', 'southeast', 'southwest', 'downtown', 'greater', 'upper', 'lower', 'metro', 'suburban', 'rural',
    'coastal', 'metropolitan', 'historic', 'historical', 'old', 'the', 'in', 'at', 'from', 'to', 'of', 'near', 'for', 'and', 'or', 'but', 'a', 'an', 'on', 'by',
    'with', 'across', 'outside', 'inside', 'around', 'throughout', 'all', 'both', 'while', 'when', 'after',
    'before', 'since', 'like', 'as', 'than', 'then', 'into', 'over', 'under', 'between', 'via', 'if', 'during',
    'en', 'à', 'au', 'aux', 'de', 'du', 'des', 'le', 'la', 'les', 'l', 'd', 'et', 'ou', 'dans', 'vers', 'pour',
    'sud', 'nord', 'est', 'ouest', 'depuis', 'entre', 'chez', 'près', 'sur', 'sous',
  ].map(foldToken),
);

/** Words before a place name that make a location reading likely. */
const LOCATIVES = new Set(
  [
    'in', 'at', 'from', 'to', 'near', 'of', 'into', 'outside', 'across', 'around', 'throughout', 'toward',
    'towards', 'via', 'visit', 'visited', 'visiting', 'leave', 'left', 'reach', 'reached', 'downtown',
    'à', 'a', 'au', 'en', 'de', 'vers', 'depuis', 'dans', 'pres', 'sur', 'chez',
  ].map(foldToken),
);

/** Prepositions that make a bare surname-like name a place after all ("in Jackson", "à Kennedy"). */
const STRONG_LOCATIVES = new Set(['in', 'at', 'near', 'outside', 'a', 'au', 'aux', 'en', 'dans', 'pres', 'vers'].map(foldToken));

/** Place names that are also common first names: followed by a capitalized word, they are a person. */
const FIRST_NAMES = new Set(
  [
    'paris', 'georgia', 'florence', 'austin', 'sydney', 'chelsea', 'madison', 'savannah', 'jackson', 'charlotte',
    'victoria', 'virginia', 'carolina', 'tyler', 'jordan', 'eugene', 'marion', 'troy', 'regina', 'adelaide',
    'alexandria', 'lorraine', 'orlando', 'dallas', 'houston', 'lincoln', 'clinton', 'sofia', 'lima', 'india',
    'israel', 'china', 'kent', 'warren', 'douglas', 'franklin', 'hamilton', 'milton', 'vernon', 'camden', 'chad',
    'elizabeth', 'helena', 'augusta', 'beatrice', 'marietta', 'florence', 'nancy', 'rochelle', 'jasper', 'mary',
    'kanye', 'vladimir', 'brent', 'aston', 'santander', 'rio',
  ],
);

/** Verbs right after a bare name that make it a person ("Jackson said"). */
const SPEECH_VERBS = new Set(['said', 'says', 'told', 'added', 'explained', 'wrote', 'asked', 'declared', 'dit', 'déclaré', 'a', 'estime', 'affirme']);

/** Capitalized words after a place name that make the pair an organisation or event, not a place, in news text. */
const ORG_FOLLOWERS = new Set([
  'post', 'times', 'journal', 'tribune', 'herald', 'globe', 'rockets', 'redskins', 'nationals', 'capitals', 'wizards',
  'braves', 'mutual', 'hilton', 'united', 'rovers', 'wanderers', 'athletic', 'albion', 'hotspur', 'villa', 'celtic',
]);

export interface DetectOptions {
  lang: Lang;
  /** Characters [0, titleEnd) are a headline (often Title Case). */
  titleEnd?: number;
}

/**
 * The text detectPlaces is reading, for the token helpers below (its tokens are TOKENS). They are module-level
 * functions rather than arrows written inside detectPlaces: an arrow is a new closure per call, and the full
 * collections that come every few batches drop the optimised code of closures no longer alive, so the hottest
 * lookups of detection were compiled again and again in a long run.
 */
let scanText = '';

/** Folded word of token i of scanText (kept on the token). */
function keyOf(i: number): string {
  const t = TOKENS[i]!;
  return (t.key ??= foldToken(wordAt(scanText, t)));
}

/** FNV-1a of the folded word i, from its characters when ASCII (folding is then lower-casing), else from its folded string. */
function hashOf(i: number): number {
  const t = TOKENS[i]!;
  if (t.hash !== NO_HASH) return t.hash;
  const h = foldedHash(FNV_OFFSET, scanText, t.start, t.end);
  return (t.hash = h !== NO_HASH ? h : fnvString(FNV_OFFSET, keyOf(i)));
}

/** Longest gazetteer name starting at token i of scanText. */
function longestFrom(i: number, nTokens: number, gaz: Gazetteer, filters: GazetteerFilters, fr: boolean): { j: number; key: string; value: number } | undefined {
  const text = scanText;
  const tokens = TOKENS;
  const memo = filters.lookups;
  let best: { j: number; key: string; value: number } | undefined;
  // the key of words i..j and its hash; the string is built only for keys the filter lets through
  let h = hashOf(i);
  let key = '';
  for (let j = i; ; ) {
    // neither a name nor the start of a longer one
    if (!filters.names.mayHave(h)) break;
    // the memo knows this name when the words spell its key; else the key is built and looked up
    const slot = Math.imul(h, 0x9e3779b1) >>> LOOKUP_SHIFT;
    let found: number;
    let isPrefix: boolean;
    const known = memo.keys[slot];
    if (memo.hashes[slot] === h && known !== undefined && spellsKey(known, text, tokens, i, j)) {
      key = known;
      found = memo.values[slot]!;
      isPrefix = memo.prefix[slot] === 1;
    } else {
      key = j === i ? keyOf(i) : key + ' ' + keyOf(j);
      const v = gaz.byKey.get(key);
      found = v === undefined ? NO_NAME : v;
      isPrefix = gaz.prefixes.has(key);
      memo.hashes[slot] = h;
      memo.keys[slot] = key;
      memo.values[slot] = found;
      memo.prefix[slot] = isPrefix ? 1 : 0;
    }
    if (found !== NO_NAME) best = { j, key, value: found };
    // French names go on with lowercase adjectives ("Union européenne"); English ones only with connectors
    if (j + 1 >= nTokens || !(fr ? joinable(text, tokens[j]!, tokens[j + 1]!) : continues(text, tokens[j]!, tokens[j + 1]!)) || !isPrefix) break;
    j++;
    const next = tokens[j]!;
    // continue the hash over a space and the next word's folded characters
    h = Math.imul(h ^ 32, FNV_PRIME);
    const hn = foldedHash(h, text, next.start, next.end);
    h = hn !== NO_HASH ? hn : fnvString(h, keyOf(j));
  }
  return best;
}

/** Finds place mentions; candidates are the gazetteer entries each mention may refer to. */
export function detectPlaces(text: string, gaz: Gazetteer, opts: DetectOptions): Detection[] {
  // recycled tokens: valid until the next call, never kept in the result
  const tokens = TOKENS;
  const nTokens = scanTokens(text, tokens, TOKEN_POOL);
  scanText = text;
  const filters = filtersOf(gaz);
  const found: Detection[] = [];
  const fr = opts.lang === 'fr';
  const titleEnd = opts.titleEnd ?? 0;

  for (let i = 0; i < nTokens; i++) {
    const t = tokens[i]!;
    if (t.cap === 0 && !fr) continue; // English place names and demonyms are capitalized
    if (t.cap === 0 && !(filters.lowerStarts.mayHave(hashOf(i)) && gaz.lowerStarts.has(keyOf(i)))) continue;
    const best = longestFrom(i, nTokens, gaz, filters, fr);
    if (!best) continue;
    // "L'Union européenne": a match starting at the next word that reaches further wins
    if (best.j > i && tokens[i + 1]!.cap > 0) {
      const further = longestFrom(i + 1, nTokens, gaz, filters, fr);
      if (further && further.j > best.j) continue;
    }
    const last = tokens[best.j]!;
    const candidates = admissibleFor(best.value, matchShape(text, tokens, i, best.j, fr), gaz, filters.admissible);
    if (!candidates.length) continue;
    found.push(newDetection(t.start, last.end, text.slice(t.start, last.end), best.key, i, best.j, candidates, t.start < titleEnd, undefined));
    i = best.j;
  }

  addCountyLists(found, tokens, nTokens, gaz, keyOf, text);
  linkQualifiers(found, text);
  scoreContext(found, tokens, nTokens, gaz, keyOf, fr);
  scanText = '';
  const kept: Detection[] = [];
  for (let k = 0; k < found.length; k++) if (found[k]!.score >= 0.5) kept.push(found[k]!);
  return kept;
}

const COUNTY_PLURALS = new Map([
  ['counties', 'county'],
  ['parishes', 'parish'],
]);

/**
 * "Clarke, Madison, Oconee and Oglethorpe counties": each bare name before
 * "counties" is a county. Walks back from the plural over capitalized words
 * separated by commas and "and", and reads each as "<name> County".
 */
function addCountyLists(found: Detection[], tokens: Token[], nTokens: number, gaz: Gazetteer, keyOf: (i: number) => string, text: string): void {
  for (let t = 1; t < nTokens; t++) {
    const tok = tokens[t]!;
    // "counties" and "parishes" are both 8 letters: skip every other word without slicing it
    if (tok.cap !== 0 || tok.length !== 8) continue;
    const suffix = COUNTY_PLURALS.get(wordAt(text, tok));
    if (!suffix) continue;
    let k = t - 1;
    const added: Detection[] = [];
    while (k >= 0 && tokens[k]!.cap > 0) {
      const tok = tokens[k]!;
      const list = namesOf(gaz, `${keyOf(k)} ${suffix}`);
      if (!list) break;
      const candidates: Candidate[] = [];
      for (const p of list) candidates.push({ entry: entryAt(gaz, p >> 2), type: (p & 3) as AliasType });
      added.push(newDetection(tok.start, tok.end, wordAt(text, tok), `${keyOf(k)} ${suffix}`, k, k, candidates, undefined, true));
      // step over ", " or " and " to the previous name
      const prev = tokens[k - 1];
      if (!prev) break;
      const gap = text.slice(prev.end, tok.start);
      if (/^,\s*$/.test(gap)) k -= 1;
      else if (/^\s+$/.test(gap) && (wordAt(text, prev) === 'and' || wordAt(text, prev) === 'or') && k >= 2 && /^,?\s+$/.test(text.slice(tokens[k - 2]!.end, prev.start))) k -= 2;
      else break;
    }
    if (!added.length) continue;
    // a county reading replaces any other reading of the same word
    for (const a of added) {
      const at = found.findIndex((d) => d.firstToken <= a.firstToken && d.lastToken >= a.firstToken);
      if (at >= 0) found.splice(at, 1);
      found.push(a);
    }
    found.sort((x, y) => x.start - y.start);
  }
}

/** Lowercase words found inside multi-word place names ("Rio de Janeiro", "Stratford-upon-Avon"). */
const NAME_CONNECTORS = new Set([
  'de', 'du', 'des', 'la', 'le', 'les', 'l', 'd', 'sur', 'sous', 'en', 'et', 'aux', 'au', 'lès', 'les', 'of', 'the',
  'upon', 'on', 'in', 'and', 'by', 'under', 'del', 'della', 'di', 'da', 'do', 'dos', 'das', 'el', 'los', 'las', 'y',
  'am', 'im', 'an', 'der', 'bei', 'ob', 'van', 'von', 'op', 'aan', 'ter', 'ten', 'al', 'es', 'sul', 'na', 'nad', 'pod',
]);

/** Whether a name may go on from token a to token b: a capitalized word, a number or a connector, properly joined. */
function continues(text: string, a: Token, b: Token): boolean {
  if (b.cap === 0 && (b.length > 5 || !NAME_CONNECTORS.has(wordAt(text, b)))) {
    const c = text.charCodeAt(b.start);
    if (!(c >= 48 && c <= 57)) return false;
  }
  return joinable(text, a, b);
}

/** Tokens of one name are separated by a space, a hyphen, an apostrophe, or an abbreviation's period. */
function joinable(text: string, a: Token, b: Token): boolean {
  const gap = b.start - a.end;
  if (gap === 1) {
    // space, hyphen, apostrophes, no-break space, non-breaking hyphen; an abbreviation's period
    const c = text.charCodeAt(a.end);
    return c === 32 || c === 45 || c === 39 || c === 0x2019 || c === 0xa0 || c === 0x2011 || (c === 46 && a.length <= 3);
  }
  if (gap === 2) return text.charCodeAt(a.end) === 46 && text.charCodeAt(a.end + 1) === 32 && a.length <= 3 && a.cap > 0;
  return false;
}

/**
 * How a match is written and placed, as the bits admissible() reads: the
 * same name written the same way has the same candidates in any text, so
 * the answer is kept per (name, shape) and shared.
 */
const enum Shape {
  /** Bits 0-1: the first word's case (Token.cap). */
  FirstCap = 3,
  Single = 1 << 2,
  /** The first word has three letters or fewer. */
  ShortFirst = 1 << 3,
  LastLower = 1 << 4,
  French = 1 << 5,
  /** A period right after the last word ("Ind.", "W.Va."). */
  Dotted = 1 << 6,
  /** Every word in capitals (or a single capital letter). */
  AllCaps = 1 << 7,
  LastTwoLetters = 1 << 8,
  AfterComma = 1 << 9,
}

function matchShape(text: string, tokens: Token[], i: number, j: number, fr: boolean): number {
  const first = tokens[i]!;
  const last = tokens[j]!;
  let shape: number = first.cap;
  if (i === j) shape |= Shape.Single;
  if (first.length <= 3) shape |= Shape.ShortFirst;
  if (last.cap === 0) shape |= Shape.LastLower;
  if (fr) shape |= Shape.French;
  if (text.charCodeAt(last.end) === 46) shape |= Shape.Dotted;
  let allCaps = true;
  for (let t = i; t <= j && allCaps; t++) allCaps = tokens[t]!.cap === 2 || (tokens[t]!.length === 1 && tokens[t]!.cap === 1);
  if (allCaps) shape |= Shape.AllCaps;
  if (last.length === 2) shape |= Shape.LastTwoLetters;
  if (afterComma(text, first.start)) shape |= Shape.AfterComma;
  return shape;
}

/** Names kept in the admissible-candidates memo before it is emptied (news names a few thousand places a day). */
const ADMISSIBLE_MEMO_LIMIT = 50_000;

/** The candidate lists of one name, for each shape it was seen written in (usually one or two). */
interface ListsByShape {
  shapes: number[];
  lists: Candidate[][];
}

/**
 * Candidates of a gazetteer name (its byKey value) whose alias type fits how
 * the words are written (matchShape). Memoized per gazetteer by name, then
 * shape (two small-integer keys: one number for both would leave the small
 * integer range and be boxed at every call). The lists are shared between
 * detections and texts, so nobody may change them (a caller that narrows
 * candidates builds a new array).
 */
function admissibleFor(value: number, shape: number, gaz: Gazetteer, memo: Map<number, ListsByShape>): Candidate[] {
  let byShape = memo.get(value);
  if (byShape === undefined) {
    if (memo.size >= ADMISSIBLE_MEMO_LIMIT) memo.clear();
    memo.set(value, (byShape = { shapes: [], lists: [] }));
  }
  const at = byShape.shapes.indexOf(shape);
  if (at >= 0) return byShape.lists[at]!;
  const list = admissible(expandNames(gaz, value), gaz, shape);
  byShape.shapes.push(shape);
  byShape.lists.push(list);
  return list;
}

/** Candidates whose alias type fits how the words are written. */
function admissible(list: number[], gaz: Gazetteer, shape: number): Candidate[] {
  const firstCap = shape & Shape.FirstCap;
  const single = (shape & Shape.Single) !== 0;
  const fr = (shape & Shape.French) !== 0;
  const out: Candidate[] = [];
  for (const packed of list) {
    const type = (packed & 3) as AliasType;
    const entry = entryAt(gaz, packed >> 2);
    if (type === AliasType.Abbrev) {
      // "U.S.", "W.Va.", "Ind.", "UK", "TX": capital letters as written, and state abbreviations only after a comma
      if (firstCap === 0) continue;
      const dotted = (shape & Shape.Dotted) !== 0;
      const allCaps = (shape & Shape.AllCaps) !== 0;
      if (entry.kind === 'country' || entry.level === -1) {
        if (!dotted && !allCaps) continue;
      } else {
        if (!dotted && !(allCaps && (shape & Shape.LastTwoLetters) !== 0)) continue;
        // "S.C.", "W.Va." are distinctive anywhere; "Ind.", "TX" only as "City, Ind."
        if (!(dotted && !single) && (shape & Shape.AfterComma) === 0) continue;
      }
      out.push({ entry, type });
      continue;
    }
    // "US", "UN": a short all-caps word is not a small town spelled in capitals ("Us", France)
    if (firstCap === 2 && single && (shape & Shape.ShortFirst) !== 0 && entry.kind === 'city') continue;
    if (firstCap === 0) {
      // lowercase: only French adjectives of nationality ("le président français")
      if (!(fr && type === AliasType.Demonym)) continue;
    } else if ((shape & Shape.LastLower) !== 0 && !single && !fr) continue;
    out.push({ entry, type });
  }
  return out;
}

function afterComma(text: string, at: number): boolean {
  let k = at - 1;
  while (k >= 0 && text[k] === ' ') k--;
  return text[k] === ',' || text[k] === '(';
}

/** Whether text[from, to) is one comma or opening parenthesis with white space around (/^\s*[,(]\s*$/, without slicing it out). */
export function isQualifierGap(text: string, from: number, to: number): boolean {
  let k = from;
  while (k < to && isJsSpace(text.charCodeAt(k))) k++;
  if (k >= to) return false;
  const c = text.charCodeAt(k);
  if (c !== 44 && c !== 40) return false;
  for (k++; k < to; k++) if (!isJsSpace(text.charCodeAt(k))) return false;
  return true;
}

/** The characters a regular expression's \s matches. */
function isJsSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Whether some area of `areas` contains candidate c. */
function containsAny(areas: Candidate[], c: Candidate): boolean {
  for (const r of areas) if (contains(r.entry, c.entry)) return true;
  return false;
}

/** Whether area r contains some candidate of `cands`. */
function containsSomeOf(r: Candidate, cands: Candidate[]): boolean {
  for (const c of cands) if (contains(r.entry, c.entry)) return true;
  return false;
}

/** "Paris, Texas", "Portland (Maine)": a region or country right after a city narrows the city. */
function linkQualifiers(found: Detection[], text: string): void {
  for (let k = 0; k + 1 < found.length; k++) {
    const a = found[k]!;
    const b = found[k + 1]!;
    if (!isQualifierGap(text, a.end, b.start)) continue;
    // loops rather than filter()/some() with arrows: closures made per call lose their optimised code at each full collection
    const bAreas: Candidate[] = [];
    for (const c of b.candidates) if (c.entry.kind !== 'city' && c.entry.level >= 0 && c.type !== AliasType.Demonym) bAreas.push(c);
    if (!bAreas.length) continue;
    const inside: Candidate[] = [];
    for (const c of a.candidates) if (containsAny(bAreas, c)) inside.push(c);
    if (!inside.length) continue;
    a.candidates = inside;
    a.qualifier = k + 1;
    const narrowed: Candidate[] = [];
    for (const r of bAreas) if (containsSomeOf(r, inside)) narrowed.push(r);
    b.candidates = narrowed;
    b.isQualifier = true;
  }
}

/** Whether area contains place (country, then first-level region). */
export function contains(area: GeoEntry, place: GeoEntry): boolean {
  if (area === place || area.countryCode !== place.countryCode) return false;
  if (area.level === 0) return place.level > 0;
  if (area.level === 1) return place.level > 1 && place.admin1 === area.admin1;
  return false;
}

/** What context scoring reads from a candidate list as a whole. */
interface CandidateSummary {
  /** Some candidate is not a city (a country, region, continent). */
  hasArea: boolean;
  /** Some candidate is a country or a first-level region. */
  hasCountry: boolean;
  /** Some candidate is a country named by more than an abbreviation. */
  namesCountry: boolean;
  hasCountryEntry: boolean;
  onlyDemonym: boolean;
  abbrev: boolean;
  maxPop: number;
  /** Some candidate is an area or a city of 50,000 or more. */
  hasSizeablePlace: boolean;
}

function summarize(list: Candidate[]): CandidateSummary {
  const s: CandidateSummary = { hasArea: false, hasCountry: false, namesCountry: false, hasCountryEntry: false, onlyDemonym: true, abbrev: false, maxPop: 0, hasSizeablePlace: false };
  for (const c of list) {
    const e = c.entry;
    if (e.kind !== 'city') s.hasArea = true;
    if (e.kind === 'country' || e.level === 1) s.hasCountry = true;
    if (e.kind === 'country') s.hasCountryEntry = true;
    if (e.kind === 'country' && c.type !== AliasType.Abbrev) s.namesCountry = true;
    if (c.type !== AliasType.Demonym) s.onlyDemonym = false;
    if (c.type === AliasType.Abbrev) s.abbrev = true;
    if (e.population > s.maxPop) s.maxPop = e.population;
    if (e.kind !== 'city' || e.population >= 50000) s.hasSizeablePlace = true;
  }
  return s;
}

/** Summaries by candidate list: lists are shared by every mention of a name written alike (admissibleFor) and never changed. */
const summaryByList = new WeakMap<Candidate[], CandidateSummary>();

function summaryOf(list: Candidate[]): CandidateSummary {
  let s = summaryByList.get(list);
  if (!s) summaryByList.set(list, (s = summarize(list)));
  return s;
}

/** The last detection that starts at token `t` (an article has a few dozen: a scan beats building a map). */
function lastStartingAt(found: Detection[], t: number): Detection | undefined {
  for (let q = found.length - 1; q >= 0; q--) if (found[q]!.firstToken === t) return found[q];
  return undefined;
}

function scoreContext(found: Detection[], tokens: Token[], nTokens: number, gaz: Gazetteer, keyOf: (i: number) => string, fr: boolean): void {
  const surnames = new Set<string>();
  const commonWords = fr ? COMMON_WORDS.fr : COMMON_WORDS.en;
  let prevDet: Detection | undefined;
  for (const d of found) {
    const before = prevDet;
    prevDet = d;
    if (d.isQualifier || d.qualifier !== undefined) continue;
    if (NOT_PLACES.has(d.key)) {
      d.score = 0;
      continue;
    }
    const summary = summaryOf(d.candidates);
    if (d.firstToken === d.lastToken && FUNCTION_WORDS.has(d.key) && !summary.namesCountry) {
      d.score = 0;
      continue;
    }
    const first = tokens[d.firstToken]!;
    const prev = d.firstToken > 0 ? tokens[d.firstToken - 1] : undefined;
    const next = d.lastToken + 1 < nTokens ? tokens[d.lastToken + 1] : undefined;
    const single = d.firstToken === d.lastToken;
    const { hasArea, hasCountry, onlyDemonym, abbrev, maxPop } = summary;
    const prevKey = prev ? keyOf(d.firstToken - 1) : '';
    const nextKey = next ? keyOf(d.lastToken + 1) : '';
    const prevGap = prev ? first.start - prev.end : 99;
    const nextGap = next ? next.start - tokens[d.lastToken]!.end : 99;
    const prevIsPlace = before !== undefined && before.lastToken === d.firstToken - 1 && before.score >= 0.5;
    const locative = prev !== undefined && LOCATIVES.has(prevKey) && prevGap <= 2;
    d.locative = locative;

    // a title (Mr, Gov., président) right before: a person
    if (prev && prevGap <= 2 && PERSON_TITLES.has(prevKey) && !onlyDemonym && !abbrev) {
      d.score = 0;
      d.personPart = true;
      surnames.add(d.key);
      continue;
    }
    // "Paris Hilton": the word before was a name part we rejected
    if (before && before.lastToken === d.firstToken - 1 && before.personPart && prevGap === 1 && single && !onlyDemonym && !abbrev) {
      d.score = 0;
      d.personPart = true;
      continue;
    }
    // "George Washington", "Keya Phillips": a capitalized word that is not a place, glued before
    if (prev && prev.cap > 0 && !prev.sentenceStart && prevGap === 1 && !PLACE_PRECEDERS.has(prevKey) && !prevIsPlace && !onlyDemonym && single && first.cap !== 2 && !abbrev) {
      d.score = 0;
      d.personPart = true;
      surnames.add(d.key);
      continue;
    }
    // "Paris Hilton", "Linda Daily", "Chad Foster": a name followed by another capitalized name
    if (next && next.cap === 1 && single && nextGap === 1 && !onlyDemonym && !abbrev && !PLACE_FOLLOWERS.has(nextKey)) {
      const firstNameLike = FIRST_NAMES.has(d.key);
      const nd = lastStartingAt(found, d.lastToken + 1);
      const nextIsPlace = nd !== undefined && summaryOf(nd.candidates).hasSizeablePlace;
      if (firstNameLike && !nextIsPlace) {
        d.score = 0;
        d.personPart = true;
        continue;
      }
      if (!hasCountry && maxPop < 100000 && !nextIsPlace) {
        d.personPart = true;
        d.score = 0.3;
        continue;
      }
    }
    if (next && single && ORG_FOLLOWERS.has(nextKey) && next.cap > 0) {
      d.score = 0;
      continue;
    }
    if (next && single && !hasArea && maxPop < 100000 && SPEECH_VERBS.has(nextKey) && nextGap === 1 && !locative && !(fr && nextKey === 'a')) {
      d.score = 0.2;
      surnames.add(d.key);
      continue;
    }
    // common words: "Nice weather", "Reading is fun"
    if (single && commonWords.has(d.key) && !onlyDemonym && !abbrev) {
      const strong = prev !== undefined && STRONG_LOCATIVES.has(prevKey) && prevGap <= 2;
      if (first.cap === 2) d.score = hasCountry ? 0.6 : 0.3;
      else if (first.sentenceStart || d.inTitle) d.score = hasCountry ? 0.6 : 0.2;
      else if (strong || hasCountry) d.score = 0.7;
      else d.score = 0.4;
      continue;
    }
    // short all-caps words are usually acronyms, not places
    if (first.cap === 2 && single && first.length <= 3 && !hasArea && !abbrev) {
      d.score = 0.3;
      continue;
    }
    // very small places need a locative ("in Lanexa", "of Harwinton") or several words
    if (maxPop < 1000 && single && !hasArea && !locative) {
      d.score = 0.4;
      continue;
    }
    // lowercase French adjective that is also an ordinary word
    if (first.cap === 0 && fr && d.key.length < 5) d.score = 0.4;
  }
  // a name seen as a surname elsewhere in the text is a person everywhere, unless
  // one of its mentions is clearly a place ("in Dublin", "Dublin, Ohio")
  if (surnames.size) {
    const placeLike = new Set<string>();
    for (const d of found) {
      if (!surnames.has(d.key)) continue;
      const prev = d.firstToken > 0 ? keyOf(d.firstToken - 1) : '';
      if (d.qualifier !== undefined || STRONG_LOCATIVES.has(prev)) placeLike.add(d.key);
    }
    for (const d of found) {
      if (d.score < 0.5 || !surnames.has(d.key) || placeLike.has(d.key)) continue;
      if (summaryOf(d.candidates).hasCountryEntry) continue;
      d.score = 0.3;
    }
  }
}
