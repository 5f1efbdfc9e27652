/**
 * Near-duplicate detection for story clustering: the same story told by
 * several sources becomes one cluster. Pure functions; no I/O.
 *
 * - `storyTokens` reduces text to language-agnostic content tokens (accents
 *   folded, short/stop words dropped, words cut to 6 letters as a crude stem
 *   that works for French and English alike).
 * - `minhash` estimates the Jaccard similarity of two token sets; LSH banding
 *   in `StoryIndex` finds candidates without comparing every pair.
 * - `simhash64` fingerprints word 3-shingles: near-identical texts (a copy
 *   with small edits) land within a few bits of each other.
 */

const STOP = new Set(
  (
    'the and for are but not you all any can had her was one our out has his how its may new now old see two who did get him let put say she too use ' +
    'that with have this will your from they been were said what when which their there would about into more than them then these some could other ' +
    'after also over only such most very just where while after before being both each through under again further because against between ' +
    'les des une est dans pour par sur pas plus qui que son ses aux avec ont été sont mais elle ils leur leurs cette ces entre comme tout tous fait ' +
    'deux sans sous dont avait selon depuis lors donc aussi encore apres avant autres autre quand bien etre avoir elles nous vous notre votre meme ' +
    'peut doit faire dit ainsi alors chez contre'
  ).split(' '),
);

export function storyTokens(text: string): string[] {
  const folded = text
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
  const out: string[] = [];
  for (const w of folded.split(/[^a-z0-9]+/)) {
    if (w.length < 3 || STOP.has(w)) continue;
    out.push(w.length > 6 ? w.slice(0, 6) : w);
  }
  return out;
}

/** 32-bit FNV-1a. */
export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Murmur3 finalizer: spreads the bits of a 32-bit value. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export const MINHASH_SIZE = 64;
const SEEDS = Array.from({ length: MINHASH_SIZE }, (_, i) => mix32(0x9e3779b9 ^ Math.imul(i + 1, 0x27d4eb2f)));

/** MinHash signature over the token set (unigrams and bigrams). */
export function minhash(tokens: string[]): Uint32Array {
  const sig = new Uint32Array(MINHASH_SIZE).fill(0xffffffff);
  const feats = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    feats.add(fnv1a(tokens[i]!));
    if (i + 1 < tokens.length) feats.add(fnv1a(tokens[i]! + ' ' + tokens[i + 1]!));
  }
  for (const f of feats) {
    for (let k = 0; k < MINHASH_SIZE; k++) {
      const v = mix32(f ^ SEEDS[k]!);
      if (v < sig[k]!) sig[k] = v;
    }
  }
  return sig;
}

export function jaccardEstimate(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let k = 0; k < MINHASH_SIZE; k++) if (a[k] === b[k] && a[k] !== 0xffffffff) same++;
  return same / MINHASH_SIZE;
}

/** 64-bit SimHash of word 3-shingles, as 16 hex digits. */
export function simhash64(tokens: string[]): string {
  const acc = new Int32Array(64);
  const n = Math.max(1, tokens.length - 2);
  for (let i = 0; i < n; i++) {
    const sh = tokens.slice(i, i + 3).join(' ');
    const lo = fnv1a(sh);
    const hi = mix32(fnv1a(sh, 0x12345678));
    for (let b = 0; b < 32; b++) {
      acc[b]! += (lo >>> b) & 1 ? 1 : -1;
      acc[32 + b]! += (hi >>> b) & 1 ? 1 : -1;
    }
  }
  let lo = 0;
  let hi = 0;
  for (let b = 0; b < 32; b++) {
    if (acc[b]! > 0) lo |= 1 << b;
    if (acc[32 + b]! > 0) hi |= 1 << b;
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

export function hammingHex64(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < 16; i += 8) {
    let x = (parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0;
    while (x) {
      x &= x - 1;
      d++;
    }
  }
  return d;
}

export interface StoryDoc {
  id: string;
  clusterId: string;
  publishedAt: string;
  title: string;
  text: string;
}

export interface StoryMatchOptions {
  /** Body Jaccard at or above which two texts tell the same story. */
  minJaccard: number;
  /** Lower body Jaccard accepted when the titles also overlap this much. */
  minJaccardWithTitle: number;
  minTitleJaccard: number;
  /** Stories further apart in time are never merged. */
  maxHoursApart: number;
  /** SimHash distance that marks a near-identical copy whatever the rest says. */
  maxSimhashBits: number;
}

export const DEFAULT_STORY_MATCH: StoryMatchOptions = {
  minJaccard: 0.3,
  minJaccardWithTitle: 0.18,
  minTitleJaccard: 0.2,
  maxHoursApart: 48,
  maxSimhashBits: 4,
};

interface Entry {
  doc: StoryDoc;
  sig: Uint32Array;
  titleSet: Set<string>;
  simhash: string;
  time: number;
}

const BANDS = 32;
const ROWS = MINHASH_SIZE / BANDS;

/**
 * An in-memory LSH index of recent stories. `assign` returns the cluster a new
 * document belongs to: an existing one when a similar document is indexed,
 * otherwise the document's own proposed cluster id.
 */
export class StoryIndex {
  private readonly entries: Entry[] = [];
  private readonly buckets = new Map<string, number[]>();

  constructor(private readonly opts: StoryMatchOptions = DEFAULT_STORY_MATCH) {}

  get size(): number {
    return this.entries.length;
  }

  /** Finds the best matching indexed document, or null. */
  match(doc: Pick<StoryDoc, 'title' | 'text' | 'publishedAt'> & { id?: string }): { doc: StoryDoc; jaccard: number } | null {
    const e = this.entryFor({ id: doc.id ?? '', clusterId: '', ...doc });
    const seen = new Set<number>();
    let best: { doc: StoryDoc; jaccard: number } | null = null;
    for (const key of bandKeys(e.sig)) {
      for (const idx of this.buckets.get(key) ?? []) {
        if (seen.has(idx)) continue;
        seen.add(idx);
        const other = this.entries[idx]!;
        if (other.doc.id === doc.id) continue;
        if (Math.abs(other.time - e.time) > this.opts.maxHoursApart * 3600_000) continue;
        const j = jaccardEstimate(e.sig, other.sig);
        const tj = setJaccard(e.titleSet, other.titleSet);
        const same =
          j >= this.opts.minJaccard ||
          (j >= this.opts.minJaccardWithTitle && tj >= this.opts.minTitleJaccard) ||
          hammingHex64(e.simhash, other.simhash) <= this.opts.maxSimhashBits;
        if (same && (!best || j > best.jaccard)) best = { doc: other.doc, jaccard: j };
      }
    }
    return best;
  }

  add(doc: StoryDoc): void {
    const e = this.entryFor(doc);
    const idx = this.entries.push(e) - 1;
    for (const key of bandKeys(e.sig)) {
      const list = this.buckets.get(key);
      if (list) list.push(idx);
      else this.buckets.set(key, [idx]);
    }
  }

  /** Cluster id for `doc` (joining a matching story if there is one), and indexes it. */
  assign(doc: StoryDoc): string {
    const m = this.match(doc);
    const clusterId = m ? m.doc.clusterId : doc.clusterId;
    this.add({ ...doc, clusterId });
    return clusterId;
  }

  private entryFor(doc: StoryDoc): Entry {
    const tokens = storyTokens(`${doc.title} ${doc.text}`);
    return {
      doc,
      sig: minhash(tokens),
      titleSet: new Set(storyTokens(doc.title)),
      simhash: simhash64(tokens),
      time: Date.parse(doc.publishedAt) || 0,
    };
  }
}

function bandKeys(sig: Uint32Array): string[] {
  const keys: string[] = [];
  for (let b = 0; b < BANDS; b++) {
    let k = `${b}`;
    for (let r = 0; r < ROWS; r++) k += ':' + sig[b * ROWS + r]!.toString(36);
    keys.push(k);
  }
  return keys;
}

function setJaccard(a: Set<string>, b: Set<string>): number {
  if (!a.size || !b.size) return 0;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}
