/**
 * Hand-rolled sparse TF-IDF, per language over one shared vocabulary.
 *
 * - vocabulary: Map stem → integer id (ids never change, so stored classifier
 *   weights stay valid);
 * - document frequencies: one growable Int32Array per language, updated as
 *   articles arrive (incremental);
 * - weights: sublinear tf (1 + ln tf) × smoothed idf (ln((1+N)/(1+df)) + 1),
 *   then L2 normalisation, as in scikit-learn's TfidfVectorizer(sublinear_tf).
 */
import { kthSmallestInPlace } from '../util/select.js';
import type { Lang, SparseVector } from '../model.js';
import { LANGS } from '../model.js';
import { UserError } from '../util/errors.js';
import { analyze, HotWords, pickSurface, scanWords, STOP_STEM, stemById, stemIdOfSpan, stemMemoGeneration, WordSpans } from './text.js';

/** Bag of words of one document: unique term ids (in order of first occurrence) and their counts. */
export interface TermCounts {
  ids: Int32Array;
  counts: Float32Array;
}

/** A weighted sparse vector over term ids (same order as its TermCounts, L2-normalised weights). */
export interface WeightedTerms {
  ids: Int32Array;
  weights: Float32Array;
}

/**
 * A document analysed against the vocabulary: the term id and original span
 * of every content word, in order, and the bag of words.
 */
export interface DocTerms {
  lang: Lang;
  text: string;
  tokenIds: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
  counts: TermCounts;
}

/** Prefix of title features in the vocabulary; no token contains it. */
export const TITLE_PREFIX = '^';
const TITLE_MARK = 94; // '^'

/**
 * Classifier features of an article as stems: the words of title and text,
 * then the title's words again as title features. Equal to what
 * analyzeDocument(documentText, lang, add, title) counts (tested).
 */
export function featureStems(title: string, body: string, lang: Lang): string[] {
  const stems = analyze(body, lang).stems;
  if (title) for (const s of analyze(title, lang).stems) stems.push(TITLE_PREFIX + s);
  return stems;
}

/** JSON state kept in the store (kv) between runs. */
export interface TfIdfState {
  version: 1;
  /** Terms joined by newlines (no term contains one); a term's id is its position. */
  terms: string;
  nDocs: Record<Lang, number>;
  /** Document frequencies per language, parallel to the terms: base64 of little-endian Int32. */
  df: Record<Lang, string>;
}

/** Answers of bodyTermOf besides term ids. */
const STOP_TERM = -1;
const UNKNOWN_TERM = -2;

/** ln(count) for the small whole counts nearly every term has (the same doubles Math.log gives, read from a table). */
const LOG_TABLE_SIZE = 256;
const LOG_OF = Float64Array.from({ length: LOG_TABLE_SIZE }, (_, c) => Math.log(c));

export class TfIdfModel {
  private readonly vocab = new Map<string, number>();
  private readonly terms: string[] = [];
  private df: Record<Lang, Int32Array> = { fr: new Int32Array(1024), en: new Int32Array(1024) };
  private nDocs: Record<Lang, number> = { fr: 0, en: 0 };
  // Scratch space for counting one document without allocating a Map.
  private scratch = new Float32Array(1024);
  private touched = new Int32Array(256);
  /**
   * Stem number (text.ts stemIdOfSpan) → term id + 1, 0 while not known; per language; body and title features
   * apart. With the process-wide word → stem memo, a known word costs one table probe and one array read.
   */
  private termOfStem: Record<Lang, Int32Array>;
  private titleTermOfStem: Record<Lang, Int32Array>;
  /** The stem memo's generation the maps above refer to. */
  private memoGeneration = -1;
  /** 1 for title features ("^stem"), which the classifier uses but keywords and stored vectors leave out. */
  private titleFlag = new Uint8Array(1024);
  /** 1 for terms that start with a digit ("375m"): read for every keyword candidate, without reaching the term's string. */
  private digitFlag = new Uint8Array(1024);
  /** Reused word spans (one document at a time). */
  private readonly spans = new WordSpans();
  /**
   * Body word → term id (or STOP_TERM) for the most frequent words, per language: most words of a text are
   * answered here, without the stem memo's big table. Term ids never change, so entries never go stale.
   */
  private readonly hotWords: Record<Lang, HotWords> = { fr: new HotWords(), en: new HotWords() };

  /** `expectedTerms`: vocabulary size about to be loaded, so the stem maps start at about the right size. */
  constructor(expectedTerms = 0) {
    this.stemMapSize = Math.max(1024, Math.min(expectedTerms * 2, 1 << 20));
    this.termOfStem = { fr: new Int32Array(this.stemMapSize), en: new Int32Array(this.stemMapSize) };
    this.titleTermOfStem = { fr: new Int32Array(this.stemMapSize), en: new Int32Array(this.stemMapSize) };
  }

  private readonly stemMapSize: number;

  /** Forgets stem numbers from an emptied memo (they are reused for other stems). */
  private syncStemMaps(): void {
    if (this.memoGeneration === stemMemoGeneration()) return;
    this.memoGeneration = stemMemoGeneration();
    for (const lang of LANGS) {
      this.termOfStem[lang] = new Int32Array(this.stemMapSize);
      this.titleTermOfStem[lang] = new Int32Array(this.stemMapSize);
    }
  }

  /** The map of `lang` (title features or not), grown to hold stem number `sid`. */
  private stemMap(lang: Lang, title: boolean, sid: number): Int32Array {
    const maps = title ? this.titleTermOfStem : this.termOfStem;
    const map = maps[lang];
    if (sid < map.length) return map;
    const next = new Int32Array(Math.max(map.length * 2, sid + 1));
    next.set(map);
    return (maps[lang] = next);
  }

  get vocabularySize(): number {
    return this.terms.length;
  }

  documentCount(lang: Lang): number {
    return this.nDocs[lang];
  }

  documentFrequency(lang: Lang, id: number): number {
    return id < this.terms.length ? this.df[lang][id]! : 0;
  }

  term(id: number): string {
    return this.terms[id]!;
  }

  /** Whether term `id` starts with a digit (an amount such as "375m"). */
  startsWithDigit(id: number): boolean {
    return this.digitFlag[id] === 1;
  }

  /** Id of a stem; -1 when unknown and `add` is false. */
  termId(stem: string, add = true): number {
    let id = this.vocab.get(stem);
    if (id !== undefined) return id;
    if (!add) return -1;
    id = this.terms.length;
    this.vocab.set(stem, id);
    this.terms.push(stem);
    if (id >= this.df.fr.length) this.grow(id + 1);
    // 0 for an empty stem, not charCodeAt's NaN: a double here sent this hot function's optimised code back to the
    // interpreter (it happened while a stored model was loaded, and was compiled again during the next tagging)
    const first = stem.length > 0 ? stem.charCodeAt(0) : 0;
    if (first === TITLE_MARK) this.titleFlag[id] = 1;
    if (first >= 48 && first <= 57) this.digitFlag[id] = 1;
    return id;
  }

  private grow(min: number): void {
    let cap = this.df.fr.length;
    while (cap < min) cap *= 2;
    for (const lang of LANGS) {
      const next = new Int32Array(cap);
      next.set(this.df[lang]);
      this.df[lang] = next;
    }
    const s = new Float32Array(cap);
    s.set(this.scratch);
    this.scratch = s;
    const f = new Uint8Array(cap);
    f.set(this.titleFlag);
    this.titleFlag = f;
    const d = new Uint8Array(cap);
    d.set(this.digitFlag);
    this.digitFlag = d;
  }

  /** Counts the stems of a document. Unknown stems are added to the vocabulary unless `add` is false. */
  countTerms(stems: readonly string[], add = true): TermCounts {
    const ids = new Int32Array(stems.length);
    let n = 0;
    for (let i = 0; i < stems.length; i++) {
      const id = this.termId(stems[i]!, add);
      if (id >= 0) ids[n++] = id;
    }
    return this.countIds(ids, n);
  }

  /**
   * Tokenizes, stems and counts a text in one pass (text.ts rules, same result
   * as countTerms(analyze(text).stems)), remembering each word's term id so a
   * known word costs one table probe and no allocation.
   */
  analyzeDocument(text: string, lang: Lang, add = true, title = ''): DocTerms {
    const spans = scanWords(text, lang, this.spans);
    const src = spans.src;
    const nSpans = spans.count;
    // Ids (room for the title's too), start and end offsets in one array, three regions of it: one backing store per
    // document instead of three (each outside the heap, a malloc and a sweep).
    let idRoom = nSpans + 64;
    const positions = new Int32Array(idRoom + 2 * nSpans);
    const startsAt = idRoom;
    const endsAt = idRoom + nSpans;
    let ids = positions;
    let n = 0;
    const hot = this.hotWords[lang];
    for (let k = 0; k < nSpans; k++) {
      const start = spans.starts[k]!;
      const end = spans.ends[k]!;
      const h = spans.hashes[k]!;
      let id = hot.get(src, start, end, h);
      if (id === HotWords.NONE) {
        id = this.bodyTermOf(src, start, end, h, lang, add);
        // Unknown stems are not remembered when not added: a later document may add them.
        if (id === UNKNOWN_TERM) continue;
        hot.set(src, start, end, h, id);
      }
      if (id === STOP_TERM) continue;
      ids[n] = id;
      positions[startsAt + n] = spans.origStarts[k]!;
      positions[endsAt + n] = spans.origEnds[k]!;
      n++;
    }
    const nBody = n;
    if (title) {
      // Title words again, as their own features: a title states the subject, and a separate weight lets the classifier say how much.
      const tspans = scanWords(title, lang, this.spans);
      const tsrc = tspans.src;
      let tmap = this.titleTermOfStem[lang];
      for (let k = 0; k < tspans.count; k++) {
        const sid = stemIdOfSpan(tsrc, tspans.starts[k]!, tspans.ends[k]!, tspans.hashes[k]!, lang);
        if (sid === STOP_STEM) continue;
        if (sid >= tmap.length || this.memoGeneration !== stemMemoGeneration()) {
          this.syncStemMaps();
          tmap = this.stemMap(lang, true, sid);
        }
        let id = tmap[sid]! - 1;
        if (id < 0) {
          id = this.termId(TITLE_PREFIX + stemById(sid, lang), add);
          if (id < 0) continue;
          tmap[sid] = id + 1;
        }
        if (n === idRoom) {
          // a title longer than the room left: ids move to an array of their own (the body's stay in positions)
          ids = grown(ids.slice(0, n));
          idRoom = ids.length;
        }
        ids[n++] = id;
      }
    }
    return {
      lang,
      text,
      tokenIds: positions.subarray(0, nBody),
      starts: positions.subarray(startsAt, startsAt + nBody),
      ends: positions.subarray(endsAt, endsAt + nBody),
      counts: this.countIds(ids, n),
    };
  }

  /** Term id of a body word (a span of a lower-case string with hash h): STOP_TERM for a stopword, UNKNOWN_TERM for a stem not added. */
  private bodyTermOf(src: string, start: number, end: number, h: number, lang: Lang, add: boolean): number {
    const sid = stemIdOfSpan(src, start, end, h, lang);
    if (sid === STOP_STEM) return STOP_TERM;
    this.syncStemMaps();
    const map = this.stemMap(lang, false, sid);
    let id = map[sid]! - 1;
    if (id < 0) {
      id = this.termId(stemById(sid, lang), add);
      if (id < 0) return UNKNOWN_TERM;
      map[sid] = id + 1;
    }
    return id;
  }

  /** A weighted vector without its title features, re-normalised (same as weighing the body-only bag). */
  withoutTitle(vec: WeightedTerms): WeightedTerms {
    const flag = this.titleFlag;
    let n = 0;
    let norm = 0;
    for (let k = 0; k < vec.ids.length; k++) {
      if (flag[vec.ids[k]!] === 0) {
        n++;
        norm += vec.weights[k]! * vec.weights[k]!;
      }
    }
    // ids and weights share one backing store (one allocation outside the heap instead of two)
    const store = new ArrayBuffer(n * 8);
    const ids = new Int32Array(store, 0, n);
    const weights = new Float32Array(store, n * 4, n);
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    let m = 0;
    for (let k = 0; k < vec.ids.length; k++) {
      if (flag[vec.ids[k]!] === 0) {
        ids[m] = vec.ids[k]!;
        weights[m++] = vec.weights[k]! * inv;
      }
    }
    return { ids, weights };
  }

  /** The same bag of words without title features (for keywords and stored vectors). */
  bodyOnly(counts: TermCounts): TermCounts {
    const flag = this.titleFlag;
    let n = 0;
    for (let k = 0; k < counts.ids.length; k++) if (flag[counts.ids[k]!] === 0) n++;
    if (n === counts.ids.length) return counts;
    const ids = new Int32Array(n);
    const c = new Float32Array(n);
    let m = 0;
    for (let k = 0; k < counts.ids.length; k++) {
      if (flag[counts.ids[k]!] === 0) {
        ids[m] = counts.ids[k]!;
        c[m++] = counts.counts[k]!;
      }
    }
    return { ids, counts: c };
  }

  /** Readable spelling of each wanted term in a document (see pickSurface). */
  surfaceForms(doc: DocTerms, wanted: readonly number[]): Map<number, string> {
    const w = wanted.length;
    // The counting scratch (all zeros between calls) marks each wanted id with its slot + 1: one load per word.
    const mark = this.scratch;
    for (let j = 0; j < w; j++) if (wanted[j]! < mark.length) mark[wanted[j]!] = j + 1;
    const forms: Map<string, number>[] = [];
    for (let j = 0; j < w; j++) forms.push(new Map());
    const ids = doc.tokenIds;
    const text = doc.text;
    for (let i = 0; i < ids.length; i++) {
      const slot = mark[ids[i]!]!;
      if (slot === 0) continue;
      // Only the wanted terms' occurrences are sliced.
      const surface = text.slice(doc.starts[i]!, doc.ends[i]!);
      const byForm = forms[slot - 1]!;
      byForm.set(surface, (byForm.get(surface) ?? 0) + 1);
    }
    for (let j = 0; j < w; j++) if (wanted[j]! < mark.length) mark[wanted[j]!] = 0;
    const out = new Map<number, string>();
    for (let j = 0; j < w; j++) if (forms[j]!.size) out.set(wanted[j]!, forms[j]!.size === 1 ? onlyForm(forms[j]!) : pickSurface(forms[j]!));
    return out;
  }

  /** Unique ids with counts, from the first n entries of ids. Left unsorted: sorting cost more than all the counting. */
  private countIds(ids: Int32Array, n: number): TermCounts {
    const scratch = this.scratch;
    let touched = this.touched;
    let nTouched = 0;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      if (scratch[id] === 0) {
        if (nTouched === touched.length) {
          const t = new Int32Array(touched.length * 2);
          t.set(touched);
          this.touched = touched = t;
        }
        touched[nTouched++] = id;
      }
      scratch[id]! += 1;
    }
    // ids and counts share one backing store: one allocation outside the heap per document instead of two
    const store = new ArrayBuffer(nTouched * 8);
    const unique = new Int32Array(store, 0, nTouched);
    const counts = new Float32Array(store, nTouched * 4, nTouched);
    for (let k = 0; k < nTouched; k++) {
      const id = touched[k]!;
      unique[k] = id;
      counts[k] = scratch[id]!;
      scratch[id] = 0;
    }
    return { ids: unique, counts };
  }

  /** Counts one more document of `lang` in the document frequencies. */
  addDocument(lang: Lang, doc: TermCounts): void {
    const df = this.df[lang];
    const ids = doc.ids;
    for (let k = 0; k < ids.length; k++) df[ids[k]!]! += 1;
    this.nDocs[lang] += 1;
  }

  /** Undoes addDocument (an article re-tagged or deleted). */
  removeDocument(lang: Lang, doc: TermCounts): void {
    const df = this.df[lang];
    const ids = doc.ids;
    for (let k = 0; k < ids.length; k++) if (df[ids[k]!]! > 0) df[ids[k]!]! -= 1;
    if (this.nDocs[lang] > 0) this.nDocs[lang] -= 1;
  }

  /** Forgets all document frequencies (the vocabulary stays, ids stay valid). */
  resetFrequencies(): void {
    for (const lang of LANGS) this.df[lang].fill(0);
    this.nDocs = { fr: 0, en: 0 };
  }

  /** Smoothed idf: ln((1 + N) / (1 + df)) + 1, never zero, so a term seen everywhere still counts a little. */
  idf(lang: Lang, id: number): number {
    const df = id < this.terms.length ? this.df[lang][id]! : 0;
    return Math.log((1 + this.nDocs[lang]) / (1 + df)) + 1;
  }

  /** Sublinear tf × idf, L2-normalised. */
  weigh(lang: Lang, doc: TermCounts): WeightedTerms {
    const n = doc.ids.length;
    const weights = new Float32Array(n);
    const df = this.df[lang];
    const logN1 = Math.log(1 + this.nDocs[lang]);
    const vocabSize = this.terms.length;
    let norm = 0;
    for (let k = 0; k < n; k++) {
      const id = doc.ids[k]!;
      const d = id < vocabSize ? df[id]! : 0;
      const c = doc.counts[k]!;
      const ci = c | 0;
      const w = (1 + (ci === c && ci < LOG_TABLE_SIZE ? LOG_OF[ci]! : Math.log(c))) * (logN1 - Math.log(1 + d) + 1);
      weights[k] = w;
      norm += w * w;
    }
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let k = 0; k < n; k++) weights[k]! *= inv;
    }
    return { ids: doc.ids, weights };
  }

  /** The k heaviest terms, heaviest first (ties by id, for determinism). */
  topK(vec: WeightedTerms, k: number): { id: number; term: string; weight: number }[] {
    return Array.from(rankTerms(vec, k), (i) => ({ id: vec.ids[i]!, term: this.terms[vec.ids[i]!]!, weight: vec.weights[i]! }));
  }

  /**
   * The stored form of a vector: stems and weights, keeping the `maxTerms`
   * heaviest and re-normalising, so cosine between stored vectors stays in [0, 1].
   */
  toSparseVector(vec: WeightedTerms, maxTerms = 100): SparseVector {
    const top = vec.ids.length > maxTerms ? this.topK(vec, maxTerms) : this.topK(vec, vec.ids.length);
    let norm = 0;
    for (const t of top) norm += t.weight * t.weight;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    return { terms: top.map((t) => t.term), weights: top.map((t) => round(t.weight * inv)) };
  }

  /**
   * Compact JSON state (one string of terms, base64 frequencies: small enough
   * for a MongoDB document at a few hundred thousand terms). With `prune`,
   * terms seen in fewer than `minDf` documents are left out unless kept.
   */
  toJSON(prune?: { minDf: number; keep: (term: string) => boolean }): TfIdfState {
    const size = this.terms.length;
    let terms = this.terms;
    let fr = this.df.fr.subarray(0, size);
    let en = this.df.en.subarray(0, size);
    if (prune) {
      const kept: number[] = [];
      for (let id = 0; id < size; id++) if (fr[id]! + en[id]! >= prune.minDf || prune.keep(this.terms[id]!)) kept.push(id);
      terms = kept.map((id) => this.terms[id]!);
      fr = Int32Array.from(kept, (id) => this.df.fr[id]!);
      en = Int32Array.from(kept, (id) => this.df.en[id]!);
    }
    return { version: 1, terms: terms.join('\n'), nDocs: { ...this.nDocs }, df: { fr: encodeInt32(fr), en: encodeInt32(en) } };
  }

  static fromJSON(state: unknown): TfIdfModel {
    const s = state as TfIdfState;
    if (!s || s.version !== 1 || typeof s.terms !== 'string' || !s.df || !s.nDocs) {
      throw new UserError('stored TF-IDF state is not in a known format (expected version 1)');
    }
    const terms = s.terms ? s.terms.split('\n') : [];
    const m = new TfIdfModel(terms.length);
    for (const t of terms) m.termId(t);
    if (m.terms.length !== terms.length) throw new UserError('stored TF-IDF state has duplicate terms');
    for (const lang of LANGS) {
      const df = decodeInt32(s.df[lang] ?? '', `df.${lang}`);
      if (df.length !== terms.length) throw new UserError(`stored TF-IDF state: df.${lang} has ${df.length} entries for ${terms.length} terms`);
      m.df[lang].set(df);
      m.nDocs[lang] = Number(s.nDocs[lang]) || 0;
    }
    return m;
  }
}

/** Base64 of the bytes of a typed array (little-endian, as every platform Node runs on here). */
export function encodeInt32(a: Int32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function decodeInt32(s: string, what = 'array'): Int32Array {
  const b = Buffer.from(s, 'base64');
  if (b.byteLength % 4 !== 0) throw new UserError(`stored ${what} is not a whole number of 32-bit values`);
  const out = new Int32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export function encodeFloat32(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function decodeFloat32(s: string, what = 'array'): Float32Array {
  const b = Buffer.from(s, 'base64');
  if (b.byteLength % 4 !== 0) throw new UserError(`stored ${what} is not a whole number of 32-bit values`);
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** A term seen in one spelling only is shown as written (what pickSurface would answer). */
function onlyForm(byForm: Map<string, number>): string {
  const [form] = byForm.keys();
  return form!;
}

function grown(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function round(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}

let selectScratch = new Float32Array(1024);

/**
 * The value at position `nth` of `values` sorted in increasing order
 * (quickselect on a scratch copy: linear time, where a typed-array sort of a
 * few hundred weights costs ~8 µs). Values must not be NaN.
 */
export function nthSmallest(values: Float32Array, nth: number): number {
  const n = values.length;
  if (nth < 0 || nth >= n) return NaN;
  if (selectScratch.length < n) selectScratch = new Float32Array(Math.max(n, selectScratch.length * 2));
  const a = selectScratch.subarray(0, n);
  a.set(values);
  return kthSmallestInPlace(a, nth);
}

/**
 * Positions (into vec.ids / vec.weights) of the k heaviest terms, heaviest
 * first, ties by id. The threshold weight comes from a linear-time selection
 * (or from `sortedWeights`, the weights sorted in increasing order, when the
 * caller has them); only the k picked are sorted with a comparator, and only
 * when `ordered`.
 */
export function rankTerms(vec: WeightedTerms, k: number, sortedWeights?: Float32Array, ordered = true): Int32Array {
  const n = vec.ids.length;
  const w = vec.weights;
  if (ordered && k > 0 && k <= SMALL_TOP && n > k) return smallTop(vec, k);
  let picked: Int32Array;
  if (n <= k) {
    picked = new Int32Array(n);
    for (let i = 0; i < n; i++) picked[i] = i;
  } else if (k <= 0) {
    return new Int32Array(0);
  } else if (n >= TIE_SHIFT) {
    throw new UserError(`rankTerms: a vector of ${n} terms is beyond what an article can have`);
  } else {
    const threshold = sortedWeights ? sortedWeights[n - k]! : nthSmallest(w, n - k);
    picked = new Int32Array(k);
    let m = 0;
    for (let i = 0; i < n; i++) if (w[i]! > threshold) picked[m++] = i;
    // Ties at the threshold: lowest ids first, so the cut does not depend on word order.
    // News vectors nearly always tie there (many words seen once, with the same df): each tied term is packed as
    // id × 2^21 + position in a float (exact below 2^53), so a native sort without comparator orders them by id.
    if (m < k) {
      if (tiedScratch.length < n) tiedScratch = new Float64Array(Math.max(n, tiedScratch.length * 2));
      let t = 0;
      for (let i = 0; i < n; i++) if (w[i] === threshold) tiedScratch[t++] = vec.ids[i]! * TIE_SHIFT + i;
      const tied = tiedScratch.subarray(0, t).sort();
      for (let x = 0; m < k; x++) picked[m++] = tied[x]! % TIE_SHIFT;
    }
  }
  if (!ordered) return picked;
  const ids = vec.ids;
  // Heaviest first, ties by id (ids are unique: a strict order, so any sort gives this result).
  // Insertion sort: for the few terms ranked here it beats a typed-array sort with a comparator several times over.
  if (picked.length <= 64) {
    for (let x = 1; x < picked.length; x++) {
      const p = picked[x]!;
      const pw = w[p]!;
      const pid = ids[p]!;
      let y = x - 1;
      while (y >= 0) {
        const q = picked[y]!;
        if (w[q]! > pw || (w[q] === pw && ids[q]! < pid)) break;
        picked[y + 1] = q;
        y--;
      }
      picked[y + 1] = p;
    }
    return picked;
  }
  return picked.sort((a, b) => w[b]! - w[a]! || ids[a]! - ids[b]!);
}

/** Positions below 2^21 per vector: far more distinct words than any article has. */
const TIE_SHIFT = 2 ** 21;
let tiedScratch = new Float64Array(256);

/** Up to this k, an ordered ranking keeps a sorted run of the best k in one pass instead of a selection plus a sort. */
const SMALL_TOP = 32;

/**
 * The k heaviest positions, heaviest first, ties by id: one pass that keeps
 * the best k so far in order. Once the run is full, most terms lose against
 * its last entry in one comparison (same result as the selection path: the
 * order is strict).
 */
function smallTop(vec: WeightedTerms, k: number): Int32Array {
  const w = vec.weights;
  const ids = vec.ids;
  const n = ids.length;
  const top = new Int32Array(k);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i]!;
    const idi = ids[i]!;
    if (m === k) {
      const last = top[k - 1]!;
      const wl = w[last]!;
      if (wi < wl || (wi === wl && idi > ids[last]!)) continue;
    }
    let y = m < k ? m : k - 1;
    while (y > 0) {
      const q = top[y - 1]!;
      const wq = w[q]!;
      if (wq > wi || (wq === wi && ids[q]! < idi)) break;
      top[y] = q;
      y--;
    }
    top[y] = i;
    if (m < k) m++;
  }
  return top;
}

/** A copy with ids in increasing order (what dotWeighted needs). */
export function sortedById(v: WeightedTerms): WeightedTerms {
  const order = Array.from(v.ids.keys()).sort((a, b) => v.ids[a]! - v.ids[b]!);
  return { ids: Int32Array.from(order, (i) => v.ids[i]!), weights: Float32Array.from(order, (i) => v.weights[i]!) };
}

/** Dot product of two sparse vectors whose ids are in increasing order (see sortedById); cosine when both are L2-normalised. */
export function dotWeighted(a: WeightedTerms, b: WeightedTerms): number {
  let i = 0;
  let j = 0;
  let s = 0;
  while (i < a.ids.length && j < b.ids.length) {
    const x = a.ids[i]!;
    const y = b.ids[j]!;
    if (x === y) s += a.weights[i++]! * b.weights[j++]!;
    else if (x < y) i++;
    else j++;
  }
  return s;
}

/** Cosine similarity of two stored vectors (terms need not be sorted). */
export function cosine(a: SparseVector, b: SparseVector): number {
  if (a.terms.length === 0 || b.terms.length === 0) return 0;
  const [small, large] = a.terms.length <= b.terms.length ? [a, b] : [b, a];
  const index = new Map<string, number>();
  for (let i = 0; i < small.terms.length; i++) index.set(small.terms[i]!, small.weights[i]!);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const w of small.weights) na += w * w;
  for (let j = 0; j < large.terms.length; j++) {
    const w = large.weights[j]!;
    nb += w * w;
    const v = index.get(large.terms[j]!);
    if (v !== undefined) dot += v * w;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
