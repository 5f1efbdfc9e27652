/**
 * Text analysis for tagging: language detection (fr/en), tokenizing,
 * stopwords and memoized stemming, with a readable surface form per stem.
 *
 * Written for throughput: one pass over the characters per document, and a
 * memo per language in front of natural's stemmers (~4 µs a call); the
 * TF-IDF model adds a WordTable so a known word costs one probe (tfidf.ts).
 */
import { createRequire } from 'node:module';
import { eld } from 'eld/small';
import type { Lang } from '../model.js';

// natural is CommonJS and its index drags in databases and dotenv: deep paths only.
const require = createRequire(import.meta.url);
interface NaturalStemmer {
  stem(token: string): string;
}
const porterEn = require('natural/lib/natural/stemmers/porter_stemmer.js') as NaturalStemmer;
const porterFr = require('natural/lib/natural/stemmers/porter_stemmer_fr.js') as NaturalStemmer;
const stopwordsEn = (require('natural/lib/natural/util/stopwords.js') as { words: string[] }).words;
const stopwordsFr = (require('natural/lib/natural/util/stopwords_fr.js') as { words: string[] }).words;

// ───────────────────────── language ─────────────────────────

/** A private eld instance, so restricting it to fr/en does not affect anyone else. */
const detector = eld.newInstance();
detector.setLanguageSubset(['fr', 'en']);

/** Characters of title + text given to the detector: enough for n-gram statistics, bounded cost. */
const DETECT_CHARS = 240;

/** "fr-FR", "FR", "fr_CA", "french" → 'fr'; anything else → undefined. */
export function normalizeLangHint(hint: string | undefined | null): Lang | undefined {
  if (!hint) return undefined;
  const h = hint.trim().toLowerCase();
  if (h.startsWith('fr')) return 'fr';
  if (h.startsWith('en')) return 'en';
  return undefined;
}

/**
 * Detects French or English. Short or ambiguous text falls back to the hint
 * (feed language), then to `fallback`.
 */
export function detectLanguage(text: string, hint?: string | null, fallback: Lang = 'en'): Lang {
  const hinted = normalizeLangHint(hint);
  // Function words settle most news texts in a few microseconds; n-grams are for the rest.
  const vote = functionWordVote(text);
  if (vote) return vote;
  const sample = text.length > DETECT_CHARS ? text.slice(0, DETECT_CHARS) : text;
  if (sample.trim().length < 3) return hinted ?? fallback;
  const result = detector.detect(sample);
  const lang = result.language === 'fr' || result.language === 'en' ? result.language : undefined;
  if (!lang) return hinted ?? fallback;
  if (hinted && hinted !== lang) {
    // Titles of a few words mislead n-gram statistics; trust the feed unless the text is clearly the other language.
    const scores = result.getScores();
    const margin = (scores[lang] ?? 0) - (scores[hinted] ?? 0);
    if (sample.length < 60 || !result.isReliable() || margin < 0.1) return hinted;
  }
  return lang;
}

/** Frequent words of one language that are not words of the other. */
const MARKERS_FR = new Set('le la les des du et est une pour dans que qui sur au aux avec pas il elle cette sont ont été par mais ses leur nous vous ils plus ce son était entre sans après aussi être fait'.split(' '));
const MARKERS_EN = new Set('the of and to is that for was with by it at from has have are be this which were his her will been their they its had but not would who said after also more than about there'.split(' '));
const VOTE_CHARS = 400;
const FR_MARK = 1;
const EN_MARK = 2;
let markerTable: WordTable | undefined;

function markers(): WordTable {
  if (!markerTable) {
    markerTable = new WordTable();
    for (const w of MARKERS_FR) markerTable.set(w, WordTable.hash(w, 0, w.length), FR_MARK);
    for (const w of MARKERS_EN) markerTable.set(w, WordTable.hash(w, 0, w.length), EN_MARK);
  }
  return markerTable;
}

/** 'fr' or 'en' when function words clearly say so, else undefined. */
function functionWordVote(text: string): Lang | undefined {
  const sample = (text.length > VOTE_CHARS ? text.slice(0, VOTE_CHARS) : text).toLowerCase();
  const table = markers();
  let fr = 0;
  let en = 0;
  const n = sample.length;
  let i = 0;
  while (i < n) {
    if (charClass(sample.charCodeAt(i)) !== Ch.Letter) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && charClass(sample.charCodeAt(i)) === Ch.Letter) i++;
    if (i - start > 5) continue; // every marker is short
    const mark = table.get(sample, start, i, WordTable.hash(sample, start, i));
    if (mark === FR_MARK) fr++;
    else if (mark === EN_MARK) en++;
  }
  if (fr + en < 8) return undefined;
  if (fr >= 4 * en) return 'fr';
  if (en >= 4 * fr) return 'en';
  return undefined;
}

// ───────────────────────── stopwords ─────────────────────────

const EXTRA_FR = `a à afin ainsi alors après aucun aucune aujourd'hui auprès aussi autre autres avant avec beaucoup bien c ça car ce celle celles celui ceux chaque chez ci comme comment compris contre d dont déjà depuis dernier dernière derniers dès deux donc doit dont elles encore entre environ est-ce fait faire fois font grand grande hors jusqu jusque l là laquelle lequel lesquels lors lorsqu lorsque m mal moins n ni non notamment o ont or outre par parce parmi pendant peu peut peuvent plus plusieurs plutôt pourquoi pourtant puis puisqu puisque quand quant quelque quelques qu quoi s sans selon seront si sinon sous souvent surtout tandis tant tel telle tellement tels tous tout toute toutes très trop vers via voici voilà vraiment ans an année années jour jours mois fin premier première trois quatre cinq six sept huit neuf dix cent mille mil millions milliards million milliard également encore lundi mardi mercredi jeudi vendredi samedi dimanche janvier février mars avril mai juin juillet août septembre octobre novembre décembre dit indique explique affirme ajoute estime déclaré selon là-bas peut-être celui-ci celle-ci ceux-ci cela ceci nouveau nouvelle nouveaux nouvelles mis mise km kg cm mm min mn`;
const EXTRA_EN = `a about according across actually after again against ago ahead all almost along already also although always am among an and any anyone anything are around as at back be became because become been before being between beyond both but by can could did do does doing done down during each either else even ever every few first for former from further had has have having he her here hers herself him himself his how however i if in including into is it its itself just last later least less let like likely made make many may me meanwhile might more most mostly mr mrs ms much must my near nearly need neither new next no nor not now of off often on once one only onto or other others otherwise our out over own per perhaps put rather really said say says same see seen she should since so some still such than that the their them then there these they this those though three through thus to too toward two under unless until up upon use used very via was we well were what whatever when where whether which while who whole whom whose why will with within without would yet you your year years week weeks day days month months time times monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september october november december told added get got go going went million billion percent cent km kg cm mm min`;

const STOPWORDS: Record<Lang, Set<string>> = {
  fr: new Set([...stopwordsFr, ...EXTRA_FR.split(/\s+/)]),
  en: new Set([...stopwordsEn, ...EXTRA_EN.split(/\s+/)]),
};

export function isStopword(word: string, lang: Lang): boolean {
  return STOPWORDS[lang].has(word);
}

/** English endings after an apostrophe that leave the head word: possessive and contracted verbs. */
const EN_CLITICS = new Set(['s', 're', 've', 'll', 'd', 'm']);

/** French elided prefixes dropped from "l'économie", "qu'il", "jusqu'au". */
const ELISIONS = new Set(['l', 'd', 'j', 'm', 'n', 's', 't', 'c', 'qu', 'jusqu', 'lorsqu', 'puisqu', 'quoiqu', 'presqu']);

// ───────────────────────── characters ─────────────────────────

const enum Ch {
  Other = 0,
  Letter = 1,
  Digit = 2,
  Apos = 3,
  Hyphen = 4,
}

const LETTER_RE = /\p{L}|\p{M}/u;
const DIGIT_RE = /\p{Nd}/u;

function classify(code: number): Ch {
  if (code >= 48 && code <= 57) return Ch.Digit;
  if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) return Ch.Letter;
  if (code === 39 || code === 0x2019 || code === 0x2bc || code === 0x2018) return Ch.Apos;
  if (code === 45 || code === 0x2010 || code === 0x2011) return Ch.Hyphen;
  if (code < 0xc0) return Ch.Other;
  // Latin-1 supplement and Latin Extended-A/B: letters except × and ÷.
  if (code <= 0x24f) return code === 0xd7 || code === 0xf7 ? Ch.Other : Ch.Letter;
  if ((code >= 0x2000 && code <= 0x2bff) || code === 0x3000) return Ch.Other;
  // Surrogate halves (emoji, rare scripts) are not word characters.
  if (code >= 0xd800 && code <= 0xdfff) return Ch.Other;
  const s = String.fromCharCode(code);
  if (LETTER_RE.test(s)) return Ch.Letter;
  if (DIGIT_RE.test(s)) return Ch.Digit;
  return Ch.Other;
}

/** Class of every UTF-16 code unit, computed once: one array load per character while scanning. */
const CHAR_CLASS = new Uint8Array(65536);
for (let c = 0; c < 65536; c++) CHAR_CLASS[c] = c < 0x250 || (c >= 0x2000 && c <= 0x2bff) ? classify(c) : 255;

function charClass(code: number): Ch {
  let cls = CHAR_CLASS[code]!;
  if (cls === 255) CHAR_CLASS[code] = cls = classify(code);
  return cls as Ch;
}

// ───────────────────────── tokenizing ─────────────────────────

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** Longest token kept: longer runs are URLs, hashes or junk. */
const MAX_TOKEN = 40;

/**
 * Receives each word as a span of a lower-case string — `src.slice(start, end)`,
 * left to the receiver so known words cost no allocation — the word's span in
 * the original text (for its spelling), and the FNV-1a hash of the span.
 */
export type WordSink = (src: string, start: number, end: number, origStart: number, origEnd: number, hash: number) => void;

/**
 * The words of a text as spans of one lower-case string (`src`), in order:
 * typed arrays reused from one document to the next, so the hot loop of the
 * TF-IDF model reads them without a callback per word.
 */
export class WordSpans {
  src = '';
  count = 0;
  starts = new Int32Array(512);
  ends = new Int32Array(512);
  origStarts = new Int32Array(512);
  origEnds = new Int32Array(512);
  hashes = new Int32Array(512);

  push(start: number, end: number, origStart: number, origEnd: number, hash: number): void {
    const k = this.count;
    if (k === this.starts.length) this.grow();
    this.starts[k] = start;
    this.ends[k] = end;
    this.origStarts[k] = origStart;
    this.origEnds[k] = origEnd;
    this.hashes[k] = hash;
    this.count = k + 1;
  }

  private grow(): void {
    const n = this.starts.length * 2;
    const g = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.starts = g(this.starts);
    this.ends = g(this.ends);
    this.origStarts = g(this.origStarts);
    this.origEnds = g(this.origEnds);
    this.hashes = g(this.hashes);
  }
}

/**
 * Splits text into words for `lang`: lower-cases, drops French elisions
 * (l', d', qu'…) and English possessives ('s), keeps hyphenated compounds
 * ("porte-parole", "saint-étienne") but splits "a-t-il", drops pure numbers.
 * No stopword filtering here. Fills `out` (reset first) and returns it.
 */
export function scanWords(text: string, lang: Lang, out: WordSpans = new WordSpans()): WordSpans {
  out.count = 0;
  const lowered = text.toLowerCase();
  if (lowered.length === text.length) {
    out.src = lowered;
    scanLowered(lowered, lang, out);
    return out;
  }
  // Lower-casing changed lengths ("İ" → "i̇"): lower-case word by word, scan the words joined by spaces,
  // and give each part the original span of the word it came from.
  const words: string[] = [];
  const origin: number[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const cls = charClass(text.charCodeAt(i));
    if (cls === Ch.Other) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && charClass(text.charCodeAt(i)) !== Ch.Other) i++;
    words.push(text.slice(start, i).toLowerCase());
    origin.push(start, i);
  }
  const joined = words.join(' ');
  out.src = joined;
  scanLowered(joined, lang, out);
  let w = 0;
  let wordEnd = words.length ? words[0]!.length : 0;
  let wordStart = 0;
  for (let k = 0; k < out.count; k++) {
    while (out.starts[k]! >= wordEnd && w < words.length - 1) {
      wordStart = wordEnd + 1;
      w++;
      wordEnd = wordStart + words[w]!.length;
    }
    const os = origin[2 * w]!;
    const oe = origin[2 * w + 1]!;
    if (oe - os === words[w]!.length) {
      // This word kept its length: offsets inside it carry over.
      out.origStarts[k] = os + (out.starts[k]! - wordStart);
      out.origEnds[k] = os + (out.ends[k]! - wordStart);
    } else {
      out.origStarts[k] = os;
      out.origEnds[k] = oe;
    }
  }
  return out;
}

/** Calls `emit` for every word of the text (see scanWords). */
export function forEachWord(text: string, lang: Lang, emit: WordSink): void {
  const spans = scanWords(text, lang);
  for (let k = 0; k < spans.count; k++) {
    emit(spans.src, spans.starts[k]!, spans.ends[k]!, spans.origStarts[k]!, spans.origEnds[k]!, spans.hashes[k]!);
  }
}

/** The scanner proper, over an already lower-cased string; spans index into it and into the original alike. */
function scanLowered(src: string, lang: Lang, out: WordSpans): void {
  const n = src.length;
  let i = 0;
  while (i < n) {
    let cls = charClass(src.charCodeAt(i));
    if (cls !== Ch.Letter && cls !== Ch.Digit) {
      i++;
      continue;
    }
    // A word: letters/digits, joined by single apostrophes or hyphens between word characters.
    const start = i;
    let hasLetter = false;
    let joins = 0;
    // FNV-1a of the word as it is scanned (WordTable.hash), so known words are looked up without a second pass.
    let h = FNV_OFFSET;
    while (i < n) {
      const code = src.charCodeAt(i);
      // most characters of a text are ASCII lowercase letters: no table lookup for them
      if (code >= 97 && code <= 122) {
        h = Math.imul(h ^ code, FNV_PRIME);
        hasLetter = true;
        i++;
        continue;
      }
      cls = charClass(code);
      if (cls === Ch.Letter) hasLetter = true;
      else if (cls === Ch.Apos || cls === Ch.Hyphen) {
        const next = i + 1 < n ? charClass(src.charCodeAt(i + 1)) : Ch.Other;
        if (next !== Ch.Letter && next !== Ch.Digit) break;
        joins++;
      } else if (cls !== Ch.Digit) break;
      // only the word's own characters: the character that ends it is not part of its hash
      h = Math.imul(h ^ code, FNV_PRIME);
      i++;
    }
    if (!hasLetter || i - start > MAX_TOKEN * 2) continue; // numbers are noise for keywords and topics
    if (joins === 0) {
      if (i - start <= MAX_TOKEN) out.push(start, i, start, i, h);
    } else emitCompound(src, start, i, lang, out);
  }
}

function isApos(code: number): boolean {
  return code === 39 || code === 0x2019 || code === 0x2bc || code === 0x2018;
}

function isHyphen(code: number): boolean {
  return code === 45 || code === 0x2010 || code === 0x2011;
}

function pushSpan(src: string, start: number, end: number, out: WordSpans): void {
  out.push(start, end, start, end, WordTable.hash(src, start, end));
}

/** A word with apostrophes or hyphens, src[start, end) already lower-case. */
function emitCompound(src: string, start: number, end: number, lang: Lang, out: WordSpans): void {
  // Apostrophes first: elisions in French, possessives and contractions in English.
  for (let k = start; k < end; k++) {
    if (!isApos(src.charCodeAt(k))) continue;
    const head = src.slice(start, k);
    if (lang === 'fr') {
      if (ELISIONS.has(head)) return emitCompound(src, k + 1, end, lang, out);
      if (head === 'aujourd') return; // aujourd'hui: a stopword in practice
      // Other apostrophes ("prud'hommes"): both sides are words.
      emitCompound(src, start, k, lang, out);
      return emitCompound(src, k + 1, end, lang, out);
    }
    // English: "britain's" → "britain"; "they're" → "they" (a stopword); "don't", "can't" are function words.
    const tail = src.slice(k + 1, end);
    if (tail === 't') return;
    if (EN_CLITICS.has(tail)) return emitCompound(src, start, k, lang, out);
    // A name such as "O'Neill": keep it whole.
    if (end - start <= MAX_TOKEN) pushSpan(src, start, end, out);
    return;
  }
  let hyphens = 0;
  for (let k = start; k < end; k++) if (isHyphen(src.charCodeAt(k))) hyphens++;
  if (hyphens === 0) return emitPlain(src, start, end, out);
  // Keep short compounds whole ("porte-parole", "covid-19"); split function-word glue ("a-t-il", "peut-être").
  let keepWhole = hyphens <= 2 && end - start <= MAX_TOKEN;
  let partStart = start;
  let digitsOnlyParts = 0;
  let shortParts = 0;
  for (let k = start; k <= end && keepWhole; k++) {
    if (k < end && !isHyphen(src.charCodeAt(k))) continue;
    const part = src.slice(partStart, k);
    const allDigits = !/\D/.test(part);
    if (allDigits) digitsOnlyParts++;
    else if (part.length < 2) shortParts++;
    else if (STOPWORDS[lang].has(part)) keepWhole = false;
    partStart = k + 1;
  }
  // Digits make a model or a code ("covid-19", "f-16"), where one-letter parts belong; elsewhere they are glue ("a-t-il").
  if (digitsOnlyParts > 1 || (shortParts > 0 && digitsOnlyParts === 0)) keepWhole = false;
  if (keepWhole) {
    pushSpan(src, start, end, out);
    return;
  }
  partStart = start;
  for (let k = start; k <= end; k++) {
    if (k < end && !isHyphen(src.charCodeAt(k))) continue;
    emitPlain(src, partStart, k, out);
    partStart = k + 1;
  }
}

function emitPlain(src: string, start: number, end: number, out: WordSpans): void {
  if (end <= start || end - start > MAX_TOKEN) return;
  let digitsOnly = true;
  for (let k = start; k < end && digitsOnly; k++) {
    const c = src.charCodeAt(k);
    if (c < 48 || c > 57) digitsOnly = false;
  }
  if (!digitsOnly) pushSpan(src, start, end, out);
}

/** Lower-case words of a text (stopwords included). */
export function tokenize(text: string, lang: Lang): string[] {
  const out: string[] = [];
  forEachWord(text, lang, (src, a, b) => out.push(src.slice(a, b)));
  return out;
}

// ───────────────────────── stemming ─────────────────────────

/** Memo cap: news vocabularies grow without end; a full memo is simply dropped and rebuilt. */
const MEMO_LIMIT = 400_000;

/**
 * The stem of each word seen, per language: a WordTable from the word to the
 * stem's number (stems are numbered once per language, 0 for stopwords), so
 * the tokenizer's spans are looked up from their characters and hash, with
 * no string sliced or hashed again. TF-IDF models map stem numbers to their
 * term ids with a plain array (tfidf.ts): one table probe per word in all.
 */
interface StemMemo {
  words: WordTable;
  ids: Map<string, number>;
  stems: string[];
}

let stemMemo: Record<Lang, StemMemo> | undefined;
/** Bumped whenever a memo is emptied: stem numbers handed out before mean nothing after. */
let memoGeneration = 0;

function newMemo(): StemMemo {
  return { words: new WordTable(), ids: new Map([[STOP, STOP_STEM]]), stems: [STOP] };
}

function memoOf(lang: Lang): StemMemo {
  stemMemo ??= { fr: newMemo(), en: newMemo() };
  return stemMemo[lang];
}

/** Marker stored in the memo for stopwords, so one lookup answers both questions. */
const STOP = '';
/** The stem number of STOP. */
export const STOP_STEM = 0;

function stemUncached(lower: string, lang: Lang): string {
  if (STOPWORDS[lang].has(lower) || lower.length < 2) return STOP;
  if (lower.includes('-')) {
    // Compounds: stem each part so "porte-paroles" and "porte-parole" meet.
    const parts = lower.split('-');
    return parts.map((p) => (/\D/.test(p) ? stemWord(p, lang) || p : p)).join('-');
  }
  return stemWord(lower, lang);
}

function stemWord(lower: string, lang: Lang): string {
  const s = lang === 'fr' ? porterFr.stem(lower) : porterEn.stem(lower);
  return s.length >= 2 ? s : lower;
}

/** Stem of a lower-case word, or '' for a stopword. Memoized per language. */
export function stemOf(lower: string, lang: Lang): string {
  return stemOfSpan(lower, 0, lower.length, WordTable.hash(lower, 0, lower.length), lang);
}

/** stemOf(src.slice(start, end)), from a span of a lower-case string and its FNV-1a hash (WordTable.hash). */
export function stemOfSpan(src: string, start: number, end: number, h: number, lang: Lang): string {
  const id = stemIdOfSpan(src, start, end, h, lang);
  return memoOf(lang).stems[id]!;
}

/**
 * The stem's number of src[start, end) (a lower-case word with hash h) in
 * `lang`: STOP_STEM for a stopword. Numbers hold until stemMemoGeneration()
 * changes (a full memo is emptied).
 */
export function stemIdOfSpan(src: string, start: number, end: number, h: number, lang: Lang): number {
  let memo = memoOf(lang);
  const at = memo.words.get(src, start, end, h);
  if (at !== undefined) return at;
  const word = start === 0 && end === src.length ? src : src.slice(start, end);
  const stem = stemUncached(word, lang);
  if (memo.words.size >= MEMO_LIMIT) {
    memo = stemMemo![lang] = newMemo();
    memoGeneration++;
  }
  let id = memo.ids.get(stem);
  if (id === undefined) {
    id = memo.stems.length;
    memo.ids.set(stem, id);
    memo.stems.push(stem);
  }
  memo.words.set(word, h, id);
  return id;
}

/** The stem numbered `id` (stemIdOfSpan) in `lang`. */
export function stemById(id: number, lang: Lang): string {
  return memoOf(lang).stems[id]!;
}

export function stemMemoGeneration(): number {
  return memoGeneration;
}

// ───────────────────────── analysis ─────────────────────────

/** Content words of a document: stems in order, with the span of each in `text`. */
export interface AnalyzedText {
  lang: Lang;
  text: string;
  stems: string[];
  starts: Int32Array;
  ends: Int32Array;
}

/** Tokenize → lower-case → drop stopwords → stem (memoized). */
export function analyze(text: string, lang: Lang): AnalyzedText {
  const stems: string[] = [];
  let starts = new Int32Array(256);
  let ends = new Int32Array(256);
  forEachWord(text, lang, (src, a, b, start, end, h) => {
    const s = stemOfSpan(src, a, b, h, lang);
    if (s === STOP) return;
    const k = stems.length;
    if (k === starts.length) {
      const s2 = new Int32Array(k * 2);
      s2.set(starts);
      starts = s2;
      const e2 = new Int32Array(k * 2);
      e2.set(ends);
      ends = e2;
    }
    starts[k] = start;
    ends[k] = end;
    stems.push(s);
  });
  return { lang, text, stems, starts: starts.subarray(0, stems.length), ends: ends.subarray(0, stems.length) };
}

/**
 * A readable form for each wanted stem: its most frequent spelling in the
 * document, lower-case unless the word is always capitalised (a name).
 */
export function surfaceForms(doc: AnalyzedText, wanted: ReadonlySet<string>): Map<string, string> {
  const counts = new Map<string, Map<string, number>>();
  for (let i = 0; i < doc.stems.length; i++) {
    const stem = doc.stems[i]!;
    if (!wanted.has(stem)) continue;
    let byForm = counts.get(stem);
    if (!byForm) counts.set(stem, (byForm = new Map()));
    const surface = doc.text.slice(doc.starts[i]!, doc.ends[i]!);
    byForm.set(surface, (byForm.get(surface) ?? 0) + 1);
  }
  const out = new Map<string, string>();
  for (const [stem, byForm] of counts) out.set(stem, pickSurface(byForm));
  return out;
}

/**
 * The spelling to show for one stem, from its spellings and their counts in
 * a document: case variants count together ("Élections" at a sentence start
 * counts for "élections"); lower-case wins unless the word is always
 * capitalised (a name: "Macron", "NHS").
 */
export function pickSurface(byForm: ReadonlyMap<string, number>): string {
  const byLower = new Map<string, { n: number; lowerSeen: boolean; best: string; bestN: number }>();
  for (const [form, n] of byForm) {
    const low = form.toLowerCase();
    let e = byLower.get(low);
    if (!e) byLower.set(low, (e = { n: 0, lowerSeen: false, best: form, bestN: 0 }));
    e.n += n;
    if (form === low) e.lowerSeen = true;
    if (n > e.bestN || (n === e.bestN && form < e.best)) {
      e.best = form;
      e.bestN = n;
    }
  }
  let pick = '';
  let pickLow = '';
  let pickN = -1;
  for (const [low, e] of byLower) {
    if (e.n > pickN || (e.n === pickN && low < pickLow)) {
      pickN = e.n;
      pickLow = low;
      pick = e.lowerSeen ? low : e.best;
    }
  }
  return pick;
}

// ───────────────────────── word table ─────────────────────────

/**
 * Open-addressing hash table from word spans to integers (term ids), so a
 * known word is found from its characters without slicing a new string.
 * Each slot keeps [hash, value, offset, length] side by side and the words'
 * characters sit in one pool: a lookup touches two cache lines, not five.
 */
export class WordTable {
  private slots: Int32Array;
  private mask: number;
  private pool: Uint16Array;
  private poolLen = 0;
  private count = 0;

  /** `expected`: words likely to be stored, to size the table once instead of rehashing as it fills. */
  constructor(
    private readonly limit = 1_000_000,
    expected = 0,
  ) {
    let size = 1 << 15;
    while (size < expected * 2 && size < limit * 2) size *= 2;
    this.slots = new Int32Array(size * 4);
    this.mask = size - 1;
    this.pool = new Uint16Array(Math.max(1 << 16, expected * 8));
  }

  get size(): number {
    return this.count;
  }

  /** FNV-1a over UTF-16 code units. */
  static hash(src: string, start: number, end: number): number {
    let h = FNV_OFFSET;
    for (let k = start; k < end; k++) h = Math.imul(h ^ src.charCodeAt(k), FNV_PRIME);
    return h;
  }

  /** Value stored for src[start, end) whose hash is h, or undefined. */
  get(src: string, start: number, end: number, h: number): number | undefined {
    const slots = this.slots;
    const pool = this.pool;
    const len = end - start;
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const at = slot << 2;
      const l = slots[at + 3]!;
      if (l === 0) return undefined;
      if (l === len && slots[at] === h) {
        const off = slots[at + 2]!;
        let k = 0;
        while (k < len && pool[off + k] === src.charCodeAt(start + k)) k++;
        if (k === len) return slots[at + 1];
      }
    }
  }

  /** Stores a word (not already present) with its hash and value. */
  set(word: string, h: number, value: number): void {
    this.setSpan(word, 0, word.length, h, value);
  }

  /** Stores src[start, end) (not already present) with its hash and value, without slicing it. */
  setSpan(src: string, start: number, end: number, h: number, value: number): void {
    const len = end - start;
    if (len <= 0) return;
    if (this.count >= this.limit) this.clear();
    if ((this.count + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    if (this.poolLen + len > this.pool.length) {
      const p = new Uint16Array(Math.max(this.pool.length * 2, this.poolLen + len));
      p.set(this.pool.subarray(0, this.poolLen));
      this.pool = p;
    }
    const off = this.poolLen;
    for (let k = 0; k < len; k++) this.pool[off + k] = src.charCodeAt(start + k);
    this.poolLen += len;
    this.place(h, value, off, len);
    this.count++;
  }

  clear(): void {
    this.slots = new Int32Array(4 << 15);
    this.mask = (1 << 15) - 1;
    this.pool = new Uint16Array(1 << 16);
    this.poolLen = 0;
    this.count = 0;
  }

  private place(h: number, value: number, off: number, len: number): void {
    let slot = h & this.mask;
    while (this.slots[(slot << 2) + 3] !== 0) slot = (slot + 1) & this.mask;
    const at = slot << 2;
    this.slots[at] = h;
    this.slots[at + 1] = value;
    this.slots[at + 2] = off;
    this.slots[at + 3] = len;
  }

  private rehash(size: number): void {
    const old = this.slots;
    this.slots = new Int32Array(size << 2);
    this.mask = size - 1;
    for (let at = 0; at < old.length; at += 4) {
      if (old[at + 3] !== 0) this.place(old[at]!, old[at + 1]!, old[at + 2]!, old[at + 3]!);
    }
  }
}

/** Longest word a HotWords cache keeps: with ≤ 10 characters, 95 % of the words of news text. */
const HOT_CHARS = 10;
/** Int32 per HotWords entry: hash, length, value, then the characters two by two (half a cache line). */
const HOT_STRIDE = 8;

/**
 * A small direct-mapped cache from words (spans of a string, with their
 * FNV-1a hash) to integers, in front of a big table: the few thousand words
 * that make nine tenths of any text are answered from one 256 KB array that
 * stays in the processor's cache, with the characters inline (8192 entries:
 * under callgrind's cache model, 8.5 % fewer last-level misses and 1.7 % fewer
 * instructions per BBC pass than 4096, as fewer words miss to the stem memo). A WordTable
 * probe reads a slot and then the character pool, two cache misses each
 * once the table holds a news vocabulary. A word that collides replaces the
 * one before; longer words are never kept.
 */
export class HotWords {
  /** What get() answers for a word not in the cache. */
  static readonly NONE = -0x80000000;
  private readonly entries: Int32Array;
  private readonly shift: number;

  constructor(log2Size = 13) {
    this.entries = new Int32Array((1 << log2Size) * HOT_STRIDE);
    this.shift = 32 - log2Size;
  }

  private entryOf(h: number): number {
    return (Math.imul(h, 0x9e3779b1) >>> this.shift) * HOT_STRIDE;
  }

  /** The value kept for src[start, end) (hash h), or HotWords.NONE. */
  get(src: string, start: number, end: number, h: number): number {
    const len = end - start;
    const e = this.entries;
    const at = this.entryOf(h);
    if (e[at] !== h || e[at + 1] !== len || len > HOT_CHARS) return HotWords.NONE;
    for (let k = 0, p = at + 3; k < len; k += 2, p++) {
      const pair = src.charCodeAt(start + k) | (k + 1 < len ? src.charCodeAt(start + k + 1) << 16 : 0);
      if (e[p] !== pair) return HotWords.NONE;
    }
    return e[at + 2]!;
  }

  /** Keeps `value` for src[start, end) (hash h), in place of whatever shared its entry. */
  set(src: string, start: number, end: number, h: number, value: number): void {
    const len = end - start;
    if (len <= 0 || len > HOT_CHARS) return;
    const e = this.entries;
    const at = this.entryOf(h);
    e[at] = h;
    e[at + 1] = len;
    e[at + 2] = value;
    for (let k = 0, p = at + 3; k < len; k += 2, p++) {
      e[p] = src.charCodeAt(start + k) | (k + 1 < len ? src.charCodeAt(start + k + 1) << 16 : 0);
    }
  }

  clear(): void {
    this.entries.fill(0);
  }
}

/** Empties the stem memo (benchmarks that must start cold; memory pressure). */
export function clearStemMemo(): void {
  stemMemo = undefined;
  memoGeneration++;
}
