/**
 * The tagging engine ingest calls: language, TF-IDF keywords and vector,
 * topics (linear classifier learnt from feed sections, RSS categories and
 * editor corrections), and places (src/tag/geo). State (document frequencies,
 * topic model, training examples) lives in the store's kv.
 */
import type { Article, ArticleTags, KeywordWeight, Lang, PlaceMention, SparseVector, TopicScore } from '../model.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { UserError } from '../util/errors.js';
import type { Progress } from '../util/progress.js';
import { extractPlaces } from './geo/index.js';
import { detectLanguage, stemOf, tokenize } from './text.js';
import { rankTerms, TfIdfModel, type DocTerms, type TermCounts, type WeightedTerms } from './tfidf.js';
import { byScoreThenLabel, LinearTopicModel, type ClassifierOptions } from './topics.js';
import { currentTaxonomy, type Taxonomy } from './taxonomy.js';

/** Bumped when tagging output changes meaning (stored tags from older versions deserve a retag). */
export const TAGGER_VERSION = 'kiosque-tag/1';

export const KV_TFIDF = 'tag:tfidf';
export const KV_TOPIC_MODEL = 'tag:topics';
export const KV_EXAMPLES = 'tag:examples';

export interface TagInput {
  id: string;
  title: string;
  text: string;
  langHint?: string;
  /** Section of the feed ("Sport"): a training signal when it maps to a topic. */
  section?: string;
  /** RSS categories of the item. */
  categories?: string[];
  /** ISO 3166-1 alpha-2 home country of the feed. */
  feedCountry?: string;
  /** Region a regional feed covers: marks the article local. */
  feedRegion?: string;
  /** An editor's topic for this article, kept through retagging. */
  topicOverride?: string;
}

export type ExampleSource = 'section' | 'category' | 'correction' | 'manual';

/** A labelled article for the topic classifier. */
export interface TopicExample {
  id: string;
  title: string;
  text: string;
  topicId: string;
  langHint?: string;
  source?: ExampleSource;
}

export type PlaceExtractor = (
  text: string,
  /** documentText: title + "\n" + text when the caller has built it already (used only if its length fits). */
  opts: { lang: Lang; title?: string; feedCountry?: string; documentText?: string },
) => { places: PlaceMention[]; mainCountry?: string };

export interface TaggingOptions {
  /** Taxonomy to use instead of the store's or feeds/topics.json. */
  taxonomy?: Taxonomy;
  taxonomyFile?: string;
  classifier?: ClassifierOptions;
  /** Keywords kept per article. */
  keywords?: number;
  /** Terms kept in the stored sparse vector. */
  vectorTerms?: number;
  /** Most topics listed per article (subject topics; scope topics such as local come on top). */
  maxTopics?: number;
  /** Subject topics below this score are left out (the best one is always kept). */
  minTopicScore?: number;
  /** Training examples kept per topic from feeds (corrections are always kept). */
  maxExamplesPerTopic?: number;
  /** Retrain after this many new examples. */
  retrainEvery?: number;
  /** Cost multiplier of an editor's correction in training. */
  correctionWeight?: number;
  /** Above this many terms, saving leaves out terms seen in a single document (news vocabularies never stop growing). */
  maxVocabulary?: number;
  clock?: Clock;
  /** Place detection; the gazetteer-based extractor of src/tag/geo by default. */
  places?: PlaceExtractor | false;
}

export interface TagCallOptions {
  /** Count these articles in the document frequencies (new articles: yes; a retag pass: no). Default true. */
  updateFrequencies?: boolean;
  /** Take articles whose section or categories map to a topic as training examples. Default true. */
  learn?: boolean;
}

interface StoredExample {
  id: string;
  lang: Lang;
  label: string;
  source: ExampleSource;
  counts: TermCounts;
}

interface ExamplesState {
  version: 1;
  /** terms and counts are space-separated lists (no term contains a space): compact in any store. */
  examples: { id: string; lang: Lang; label: string; source: ExampleSource; terms: string; counts: string }[];
}

const DEFAULTS = {
  keywords: 10,
  vectorTerms: 100,
  maxTopics: 3,
  minTopicScore: 0.1,
  maxExamplesPerTopic: 400,
  retrainEvery: 50,
  correctionWeight: 5,
  maxVocabulary: 400_000,
};

/**
 * Title and body as one text for analysis (the title first: it states the
 * subject). Built with join(), which makes one flat string: `a + b` makes a
 * rope that every character read walks through — place detection read it
 * ~15 % slower.
 */
export function documentText(title: string, text: string): string {
  if (!title) return text;
  if (!text) return title;
  return [title, '\n', text].join('');
}

export class TaggingEngine {
  private readonly opts: typeof DEFAULTS;
  private readonly clock: Clock;
  private readonly placeExtractor: PlaceExtractor | undefined;
  private readonly classifierOptions: ClassifierOptions;
  private model: LinearTopicModel = LinearTopicModel.empty();
  /** Training examples by article id (an article teaches one label: the latest, corrections first). */
  private readonly examples = new Map<string, StoredExample>();
  /** Examples per label that came from feeds (the ones the cap applies to). */
  private readonly fedCount = new Map<string, number>();
  private pending = 0;
  /** Cold-start keyword term ids → topics, per language. */
  private readonly keywordTerms: Record<Lang, Map<number, string[]>>;

  constructor(
    readonly taxonomy: Taxonomy,
    readonly tfidf: TfIdfModel = new TfIdfModel(),
    options: TaggingOptions = {},
  ) {
    this.opts = {
      keywords: options.keywords ?? DEFAULTS.keywords,
      vectorTerms: options.vectorTerms ?? DEFAULTS.vectorTerms,
      maxTopics: options.maxTopics ?? DEFAULTS.maxTopics,
      minTopicScore: options.minTopicScore ?? DEFAULTS.minTopicScore,
      maxExamplesPerTopic: options.maxExamplesPerTopic ?? DEFAULTS.maxExamplesPerTopic,
      retrainEvery: options.retrainEvery ?? DEFAULTS.retrainEvery,
      correctionWeight: options.correctionWeight ?? DEFAULTS.correctionWeight,
      maxVocabulary: options.maxVocabulary ?? DEFAULTS.maxVocabulary,
    };
    this.clock = options.clock ?? systemClock;
    this.placeExtractor = options.places === false ? undefined : (options.places ?? extractPlaces);
    this.classifierOptions = options.classifier ?? {};
    this.keywordTerms = { fr: new Map(), en: new Map() };
    // Cold start: the taxonomy's keywords score topics until examples arrive.
    for (const t of taxonomy.topics) {
      if (t.kind !== 'subject') continue;
      for (const lang of ['fr', 'en'] as const) {
        for (const kw of t.keywords[lang]) {
          for (const w of tokenize(kw, lang)) {
            const stem = stemOf(w, lang);
            if (!stem) continue;
            const id = tfidf.termId(stem, true);
            const list = this.keywordTerms[lang].get(id) ?? [];
            if (!list.includes(t.id)) list.push(t.id);
            this.keywordTerms[lang].set(id, list);
          }
        }
      }
    }
  }

  /** Restores document frequencies, topic model and examples from the store; taxonomy from the store or feeds/topics.json. */
  static async load(store: Pick<Store, 'getKv'>, options: TaggingOptions = {}): Promise<TaggingEngine> {
    const taxonomy = options.taxonomy ?? (await currentTaxonomy(store, options.taxonomyFile));
    const tfidfState = await store.getKv<unknown>(KV_TFIDF);
    const tfidf = tfidfState ? TfIdfModel.fromJSON(tfidfState) : new TfIdfModel();
    const engine = new TaggingEngine(taxonomy, tfidf, options);
    const examples = await store.getKv<ExamplesState>(KV_EXAMPLES);
    if (examples) engine.restoreExamples(examples);
    const modelState = await store.getKv<unknown>(KV_TOPIC_MODEL);
    if (modelState) {
      const model = LinearTopicModel.fromJSON(modelState, (t) => tfidf.termId(t, true));
      // A topic the editors removed from the taxonomy must not be predicted any more.
      if (model.labels.every((l) => taxonomy.has(l))) engine.model = model;
      else engine.retrain();
    } else if (engine.examples.size) engine.retrain();
    return engine;
  }

  /** Writes document frequencies, topic model and examples to the store. */
  async save(store: Pick<Store, 'setKv'>): Promise<void> {
    if (this.pending > 0) this.retrain();
    const model = this.model.toJSON((id) => this.tfidf.term(id));
    const examples = this.examplesState();
    let prune: { minDf: number; keep: (term: string) => boolean } | undefined;
    if (this.tfidf.vocabularySize > this.opts.maxVocabulary) {
      // Rare terms go, except those the model, the examples or the cold-start keywords use.
      const keep = new Set<string>(model.terms ? model.terms.split('\n') : []);
      for (const e of examples.examples) for (const t of e.terms.split(' ')) keep.add(t);
      for (const lang of ['fr', 'en'] as const) for (const id of this.keywordTerms[lang].keys()) keep.add(this.tfidf.term(id));
      prune = { minDf: 2, keep: (t) => keep.has(t) };
    }
    await store.setKv(KV_TFIDF, this.tfidf.toJSON(prune));
    await store.setKv(KV_TOPIC_MODEL, model);
    await store.setKv(KV_EXAMPLES, examples);
  }

  get version(): string {
    return `${TAGGER_VERSION}+m${this.model.trainedOn}`;
  }

  get topicModel(): LinearTopicModel {
    return this.model;
  }

  get exampleCount(): number {
    return this.examples.size;
  }

  /** Tags articles; new articles also update document frequencies and teach the classifier. */
  tag(inputs: readonly TagInput[], call: TagCallOptions = {}): ArticleTags[] {
    // The options are read here, the batch tagged by tagBatch: callers pass option objects of different shapes
    // ({ learn }, { learn, updateFrequencies }), and a new shape read inside the long batch function threw its
    // optimised code away (it was compiled again during the next batches); in this small function it costs little.
    return this.tagBatch(inputs, call.updateFrequencies ?? true, call.learn ?? true);
  }

  private tagBatch(inputs: readonly TagInput[], updateFrequencies: boolean, learn: boolean): ArticleTags[] {
    const taggedAt = this.clock.now().toISOString();
    // Each stage runs over the whole batch before the next (languages, words, places, topics, keywords): a stage's
    // tables (n-gram and word tables, gazetteer, model weights) then stay in the processor's caches through its own
    // loop instead of evicting each other at every document. Measured on the BBC set: ~12 % less CPU per document.
    // Plain loops, no arrow functions: a closure made per call lives only through the call, and the full garbage
    // collections between batches drop the optimised code of closures no longer alive (V8 holds it weakly); each
    // batch after one then ran the interpreter's code and paid for compiling it all again.
    const n = inputs.length;
    const texts = new Array<string>(n);
    const langs = new Array<Lang>(n);
    for (let k = 0; k < n; k++) {
      const input = inputs[k]!;
      texts[k] = documentText(input.title, input.text);
      langs[k] = detectLanguage(texts[k]!, input.langHint);
    }
    // Pass 1: analysis, frequencies and examples, so this batch already counts for its own idf.
    const docs = new Array<DocTerms>(n);
    const hints = new Array<string | undefined>(n);
    for (let k = 0; k < n; k++) {
      const input = inputs[k]!;
      const lang = langs[k]!;
      const doc = this.tfidf.analyzeDocument(texts[k]!, lang, true, input.title);
      docs[k] = doc;
      if (updateFrequencies) this.tfidf.addDocument(lang, doc.counts);
      const hinted = this.taxonomy.topicForSection(input.section) ?? this.taxonomy.topicForCategories(input.categories);
      hints[k] = hinted;
      if (learn && hinted && this.isSubject(hinted) && !input.topicOverride) {
        const source: ExampleSource = this.taxonomy.topicForSection(input.section) ? 'section' : 'category';
        this.addExample({ id: input.id, lang, label: hinted, source, counts: doc.counts });
      }
    }
    if (this.shouldRetrain()) this.retrain();
    const extract = this.placeExtractor;
    const geos = new Array<{ places: PlaceMention[]; mainCountry?: string }>(n);
    for (let k = 0; k < n; k++) {
      const input = inputs[k]!;
      geos[k] = extract
        ? extract(input.text, { lang: langs[k]!, title: input.title, documentText: texts[k]!, ...(input.feedCountry ? { feedCountry: input.feedCountry } : {}) })
        : { places: [] };
    }
    const vecs = new Array<WeightedTerms>(n);
    for (let k = 0; k < n; k++) vecs[k] = this.tfidf.weigh(langs[k]!, docs[k]!.counts);
    const corrections = new Array<string | undefined>(n);
    const topics = new Array<TopicScore[]>(n);
    for (let k = 0; k < n; k++) {
      const input = inputs[k]!;
      const correction = input.topicOverride && this.taxonomy.has(input.topicOverride) ? input.topicOverride : this.correctionFor(input.id);
      corrections[k] = correction;
      topics[k] = this.topics(vecs[k]!, docs[k]!, input, hints[k], correction);
    }
    const version = this.version;
    const out = new Array<ArticleTags>(n);
    for (let k = 0; k < n; k++) {
      const { keywords, vector } = this.keywordsAndVector(docs[k]!, this.tfidf.withoutTitle(vecs[k]!));
      const geo = geos[k]!;
      const tags: ArticleTags = { lang: langs[k]!, keywords, vector, topics: topics[k]!, places: geo.places, taggedAt, taggerVersion: version };
      if (geo.mainCountry) tags.mainCountry = geo.mainCountry;
      const correction = corrections[k];
      if (correction) tags.topicOverride = correction;
      out[k] = tags;
    }
    return out;
  }

  /** Adds labelled articles (any source) and retrains when enough arrived. */
  learn(examples: readonly TopicExample[], opts: { retrain?: boolean } = {}): void {
    for (const ex of examples) {
      if (!this.taxonomy.has(ex.topicId)) throw new UserError(`unknown topic "${ex.topicId}" (not in the taxonomy)`);
      if (!this.isSubject(ex.topicId)) throw new UserError(`topic "${ex.topicId}" is a scope, not a subject the classifier learns`);
      const text = documentText(ex.title, ex.text);
      const lang = detectLanguage(text, ex.langHint);
      const counts = this.tfidf.analyzeDocument(text, lang, true, ex.title).counts;
      this.addExample({ id: ex.id, lang, label: ex.topicId, source: ex.source ?? 'manual', counts });
    }
    if (opts.retrain !== false && this.shouldRetrain()) this.retrain();
  }

  /** An editor's topic for an article: it wins over feeds for this article and trains the classifier at once. */
  addCorrection(article: { id: string; title: string; text: string; langHint?: string }, topicId: string): void {
    this.learn([{ ...article, topicId, source: 'correction' }]);
    this.retrain();
  }

  /** The editor's topic for an article, if any. */
  correctionFor(articleId: string): string | undefined {
    const ex = this.examples.get(articleId);
    return ex?.source === 'correction' ? ex.label : undefined;
  }

  /** Retrains the topic classifier on every kept example with the current idf. */
  retrain(): void {
    this.pending = 0;
    const list = [...this.examples.values()].filter((e) => this.taxonomy.has(e.label) && this.isSubject(e.label));
    if (new Set(list.map((e) => e.label)).size < 2) {
      this.model = LinearTopicModel.empty();
      return;
    }
    // A stable order (by id) keeps training deterministic whatever the arrival order.
    list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const training = list.map((e) => ({
      x: this.tfidf.weigh(e.lang, e.counts),
      label: e.label,
      weight: e.source === 'correction' ? this.opts.correctionWeight : 1,
    }));
    this.model = LinearTopicModel.train(training, this.tfidf.vocabularySize, this.classifierOptions);
  }

  /** Forgets document frequencies (before recounting every stored article). */
  resetFrequencies(): void {
    this.tfidf.resetFrequencies();
  }

  /** Counts an article in the document frequencies without tagging it. */
  countDocument(title: string, text: string, langHint?: string): Lang {
    const full = documentText(title, text);
    const lang = detectLanguage(full, langHint);
    this.tfidf.addDocument(lang, this.tfidf.analyzeDocument(full, lang, true, title).counts);
    return lang;
  }

  // ───────────────────────── internals ─────────────────────────

  private isSubject(id: string): boolean {
    return this.taxonomy.get(id)?.kind === 'subject';
  }

  private shouldRetrain(): boolean {
    if (this.pending === 0) return false;
    if (!this.model.isTrained) return true;
    // Retraining costs time linear in the examples kept: wait for a share of new ones.
    return this.pending >= Math.max(this.opts.retrainEvery, Math.floor(this.examples.size / 10));
  }

  private addExample(ex: StoredExample): void {
    const existing = this.examples.get(ex.id);
    // A correction is never replaced by what the feed says.
    if (existing?.source === 'correction' && ex.source !== 'correction') return;
    if (existing && existing.label === ex.label && existing.source === ex.source) return;
    if (existing) this.dropExample(existing);
    this.putExample(ex);
    this.pending++;
    if (ex.source !== 'correction') this.capLabel(ex.label);
  }

  private putExample(ex: StoredExample): void {
    const before = this.examples.get(ex.id);
    if (before) this.dropExample(before);
    this.examples.set(ex.id, ex);
    if (ex.source !== 'correction') this.fedCount.set(ex.label, (this.fedCount.get(ex.label) ?? 0) + 1);
  }

  private dropExample(ex: StoredExample): void {
    this.examples.delete(ex.id);
    if (ex.source !== 'correction') this.fedCount.set(ex.label, (this.fedCount.get(ex.label) ?? 1) - 1);
  }

  /** Keeps the newest examples per topic (Map order is arrival order); corrections are never dropped. */
  private capLabel(label: string): void {
    if ((this.fedCount.get(label) ?? 0) <= this.opts.maxExamplesPerTopic) return;
    for (const e of this.examples.values()) {
      if (e.label === label && e.source !== 'correction') {
        this.dropExample(e);
        if ((this.fedCount.get(label) ?? 0) <= this.opts.maxExamplesPerTopic) return;
      }
    }
  }

  /** Keywords (ranked) and the stored vector (heaviest terms, any order); each cut found by linear-time selection, no sort of all weights. */
  private keywordsAndVector(doc: DocTerms, vec: WeightedTerms): { keywords: KeywordWeight[]; vector: SparseVector } {
    // Amounts such as "375m" or "2,5md" weigh in the vector but make poor keywords: rank a few spare terms and skip them.
    const ranked = rankTerms(vec, this.opts.keywords * 2, undefined, true);
    const head: number[] = [];
    for (let r = 0; r < ranked.length && head.length < this.opts.keywords; r++) {
      if (!this.tfidf.startsWithDigit(vec.ids[ranked[r]!]!)) head.push(ranked[r]!);
    }
    const headIds = head.map((i) => vec.ids[i]!);
    const forms = this.tfidf.surfaceForms(doc, headIds);
    const keywords: KeywordWeight[] = [];
    for (let r = 0; r < head.length; r++) {
      const stem = this.tfidf.term(headIds[r]!);
      keywords.push({ term: forms.get(headIds[r]!) ?? stem, stem, weight: round(vec.weights[head[r]!]!) });
    }
    // The stored vector keeps the heaviest terms, re-normalised so stored cosines stay in [0, 1].
    const kept = rankTerms(vec, this.opts.vectorTerms, undefined, false);
    let norm = 0;
    for (let r = 0; r < kept.length; r++) norm += vec.weights[kept[r]!]! ** 2;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    const terms = new Array<string>(kept.length);
    const weights = new Array<number>(kept.length);
    for (let r = 0; r < kept.length; r++) {
      const i = kept[r]!;
      terms[r] = this.tfidf.term(vec.ids[i]!);
      weights[r] = Math.round(vec.weights[i]! * inv * 1e5) / 1e5;
    }
    return { keywords, vector: { terms, weights } };
  }

  private topics(vec: WeightedTerms, doc: DocTerms, input: TagInput, hinted: string | undefined, correction: string | undefined): TopicScore[] {
    // Scores kept as the model's ScoredLabel objects (label, score), never copied by map(): fewer shapes for the code
    // that reads them (each new one sent it back to the interpreter) and one array less per article.
    let scored: readonly { label: string; score: number }[];
    // No content word: nothing for the text to say (the feed or the editor still may).
    if (vec.ids.length === 0) scored = NO_SCORES;
    else if (this.model.isTrained) scored = this.model.predict(vec);
    else scored = this.keywordScores(doc);
    const subjectHint = hinted && this.isSubject(hinted) ? hinted : undefined;
    const fixed = correction ?? subjectHint;
    if (fixed) scored = withFixedTopic(scored, fixed, correction ? 0 : 0.5);
    const out: TopicScore[] = [];
    for (let r = 0; r < scored.length; r++) {
      const s = scored[r]!;
      if (out.length >= this.opts.maxTopics) break;
      if (out.length > 0 && s.score < this.opts.minTopicScore) break;
      out.push({ id: s.label, score: round(s.score) });
    }
    // Scope topics (local) come from the feed, not from the text.
    const scope = hinted && !this.isSubject(hinted) ? hinted : input.feedRegion && this.taxonomy.has('local') ? 'local' : undefined;
    if (scope && !out.some((t) => t.id === scope)) out.push({ id: scope, score: 1 });
    return out;
  }

  /** Before any training: share of the document's words that are a topic's keywords. */
  private keywordScores(doc: DocTerms): { label: string; score: number }[] {
    const hits = new Map<string, number>();
    const index = this.keywordTerms[doc.lang];
    for (const id of doc.tokenIds) {
      const topics = index.get(id);
      if (topics) for (const t of topics) hits.set(t, (hits.get(t) ?? 0) + 1);
    }
    let total = 0;
    for (const v of hits.values()) total += v;
    if (total < 2) return [];
    const out: { label: string; score: number }[] = [];
    for (const [label, n] of hits) out.push({ label, score: n / total });
    return out.sort(byScoreThenLabel);
  }

  private restoreExamples(state: ExamplesState): void {
    if (!state || state.version !== 1 || !Array.isArray(state.examples)) {
      throw new UserError(`stored topic examples (${KV_EXAMPLES}) are not in a known format (expected version 1)`);
    }
    for (const e of state.examples) {
      const terms = typeof e?.terms === 'string' && e.terms ? e.terms.split(' ') : [];
      const nums = typeof e?.counts === 'string' && e.counts ? e.counts.split(' ').map(Number) : [];
      if (!e || typeof e.id !== 'string' || typeof e.label !== 'string' || terms.length !== nums.length || nums.some((c) => !(c > 0))) {
        throw new UserError(`stored topic examples (${KV_EXAMPLES}): a malformed example`);
      }
      const pairs = terms.map((t, k) => [this.tfidf.termId(t, true), nums[k]!] as const);
      const counts: TermCounts = { ids: Int32Array.from(pairs, (p) => p[0]), counts: Float32Array.from(pairs, (p) => p[1]) };
      this.putExample({ id: e.id, lang: e.lang === 'fr' ? 'fr' : 'en', label: e.label, source: e.source, counts });
    }
  }

  private examplesState(): ExamplesState {
    return {
      version: 1,
      examples: [...this.examples.values()].map((e) => ({
        id: e.id,
        lang: e.lang,
        label: e.label,
        source: e.source,
        terms: Array.from(e.counts.ids, (id) => this.tfidf.term(id)).join(' '),
        counts: Array.from(e.counts.counts).join(' '),
      })),
    };
  }
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** What topics() starts from for a text without content words (never changed). */
const NO_SCORES: readonly { label: string; score: number }[] = [];

/**
 * Scores with the feed's or the editor's topic mixed in: what they say counts `1 - keep` (the editor: everything,
 * keep 0), the text the rest. Best first.
 */
function withFixedTopic(scored: readonly { label: string; score: number }[], fixed: string, keep: number): { label: string; score: number }[] {
  const byId = new Map<string, number>();
  for (const s of scored) byId.set(s.label, s.score * keep);
  byId.set(fixed, (byId.get(fixed) ?? 0) + (1 - keep));
  const out: { label: string; score: number }[] = [];
  for (const [label, score] of byId) out.push({ label, score });
  return out.sort(byScoreThenLabel);
}

/** A kv in memory with the store's copy semantics (JSON in, JSON out): for benchmarks, evaluation and tests. */
export function memoryKv(): Pick<Store, 'getKv' | 'setKv'> & { keys(): string[] } {
  const data = new Map<string, string>();
  return {
    async getKv<T>(key: string): Promise<T | null> {
      const v = data.get(key);
      return v === undefined ? null : (JSON.parse(v) as T);
    },
    async setKv<T>(key: string, value: T): Promise<void> {
      data.set(key, JSON.stringify(value));
    },
    keys: () => [...data.keys()],
  };
}

/**
 * An editor sets an article's topic (editors' view): the correction trains the
 * classifier at once, the article is re-tagged with it as topicOverride, and
 * both the article's tags and the engine's state are saved.
 */
export async function correctArticleTopic(store: Store, engine: TaggingEngine, articleId: string, topicId: string): Promise<ArticleTags> {
  const article = await store.getArticle(articleId);
  if (!article) throw new UserError(`article not found: ${articleId}`);
  const topic = engine.taxonomy.get(topicId);
  if (!topic) throw new UserError(`unknown topic "${topicId}" (known: ${engine.taxonomy.ids.join(', ')})`);
  if (topic.kind !== 'subject') throw new UserError(`topic "${topicId}" is a scope set by the feed, not a subject an editor can assign`);
  const feed = await store.getFeed(article.feedId);
  const langHint = article.langHint ?? feed?.lang;
  engine.addCorrection({ id: article.id, title: article.title, text: article.text, ...(langHint ? { langHint } : {}) }, topicId);
  const input: TagInput = { id: article.id, title: article.title, text: article.text, section: article.section, categories: article.categories, topicOverride: topicId };
  if (langHint) input.langHint = langHint;
  if (feed?.country) input.feedCountry = feed.country;
  if (feed?.region) input.feedRegion = feed.region;
  const [tags] = engine.tag([input], { updateFrequencies: false, learn: false });
  await store.setArticleTags([{ id: article.id, tags: tags! }]);
  await engine.save(store);
  return tags!;
}

export interface RetagResult {
  articles: number;
  tagged: number;
  examples: number;
  seconds: number;
}

/**
 * `kiosque retag`: recounts document frequencies over every stored article,
 * retrains the classifier from sections, categories and corrections, then
 * tags the articles again (all, or only untagged ones). Editors' topics stay.
 */
export async function retagStored(
  store: Store,
  engine: TaggingEngine,
  opts: { all?: boolean; batchSize?: number; progress?: (title: string, total: number) => Progress } = {},
): Promise<RetagResult> {
  const started = Date.now();
  const batchSize = opts.batchSize ?? 500;
  const feeds = new Map((await store.listFeeds()).map((f) => [f.id, f]));
  const total = await store.countArticles();
  const inputOf = (a: Article): TagInput => {
    const feed = feeds.get(a.feedId);
    const input: TagInput = { id: a.id, title: a.title, text: a.text, section: a.section || feed?.section || '', categories: a.categories };
    const hint = a.langHint ?? feed?.lang;
    if (hint) input.langHint = hint;
    if (feed?.country) input.feedCountry = feed.country;
    if (feed?.region) input.feedRegion = feed.region;
    if (a.tags?.topicOverride) input.topicOverride = a.tags.topicOverride;
    return input;
  };

  // Pass 1: frequencies and training examples from every stored article.
  engine.resetFrequencies();
  const count = opts.progress?.('retag: counting', total);
  for (let offset = 0; ; offset += batchSize) {
    const page = await store.listArticles({ limit: batchSize, offset });
    if (!page.length) break;
    for (const a of page) {
      const input = inputOf(a);
      engine.countDocument(input.title, input.text, input.langHint);
      const hinted = engine.taxonomy.topicForSection(input.section) ?? engine.taxonomy.topicForCategories(input.categories);
      if (input.topicOverride && engine.taxonomy.has(input.topicOverride) && engine.taxonomy.get(input.topicOverride)!.kind === 'subject') {
        if (engine.correctionFor(a.id) !== input.topicOverride) engine.learn([{ id: a.id, title: a.title, text: a.text, topicId: input.topicOverride, source: 'correction' }], { retrain: false });
      } else if (hinted && engine.taxonomy.get(hinted)!.kind === 'subject') {
        engine.learn([{ id: a.id, title: a.title, text: a.text, topicId: hinted, source: 'section', ...(input.langHint ? { langHint: input.langHint } : {}) }], { retrain: false });
      }
    }
    count?.tick(page.length);
    if (page.length < batchSize) break;
  }
  count?.done();
  engine.retrain();

  // Pass 2: tags, written in batches.
  let tagged = 0;
  const done = new Set<string>();
  const target = opts.all ? total : await countUntagged(store, batchSize);
  const bar = opts.progress?.('retag: tagging', target);
  for (let offset = 0; ; offset += batchSize) {
    const page = await store.listArticles({ limit: batchSize, offset, ...(opts.all ? {} : { tagged: false }) });
    if (!page.length || page.some((a) => done.has(a.id))) break; // the store did not record them: stop rather than loop
    for (const a of page) done.add(a.id);
    const tags = engine.tag(page.map(inputOf), { updateFrequencies: false, learn: false });
    await store.setArticleTags(page.map((a, i) => ({ id: a.id, tags: tags[i]! })));
    tagged += page.length;
    bar?.tick(page.length);
    if (page.length < batchSize) break;
    // Untagged pages shrink as they get tagged: stay at offset 0.
    if (!opts.all) offset -= batchSize;
  }
  bar?.done();
  await engine.save(store);
  return { articles: total, tagged, examples: engine.exampleCount, seconds: (Date.now() - started) / 1000 };
}

async function countUntagged(store: Store, batchSize: number): Promise<number> {
  let n = 0;
  for (let offset = 0; ; offset += batchSize) {
    const page = await store.listArticles({ limit: batchSize, offset, tagged: false });
    n += page.length;
    if (page.length < batchSize) return n;
  }
}
